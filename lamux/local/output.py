"""Output of runtime processes: one log record per line, and the log tail of an invocation.

Every line that a runtime writes to stdout or stderr becomes a record of the logger
``lamux.local.function``, prefixed with ``[function:qualifier]``. Lines written while an
invocation runs are also kept for ``X-Amz-Log-Type: Tail``.
"""

from __future__ import annotations

import asyncio
import base64
import logging

function_logger = logging.getLogger("lamux.local.function")

# X-Amz-Log-Result carries the last 4 KB of the invocation's log (Invoke API reference).
LOG_TAIL_SIZE = 4096


class OutputRecorder:
    """Logs the output lines of one runtime process and records them during an invocation."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._recorded: list[str] | None = None

    def start_recording(self) -> None:
        self._recorded = []

    def stop_recording(self) -> str:
        """Stop recording and return the recorded lines, each ending with a newline."""
        lines, self._recorded = self._recorded or [], None
        return "".join(f"{line}\n" for line in lines)

    def write_line(self, line: str, stream: str) -> None:
        """Log one line and record it if an invocation is running."""
        function_logger.info("[%s] %s", self.label, line, extra={"stream": stream})
        if self._recorded is not None:
            self._recorded.append(line)

    async def read_stream(self, reader: asyncio.StreamReader, stream: str) -> None:
        """Read ``reader`` until end of file, writing each line as it arrives."""
        while True:
            try:
                data = await reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as exc:
                data = exc.partial
                if data:
                    self._write_data(data, stream)
                return
            except asyncio.LimitOverrunError as exc:
                # A line longer than the reader's limit is written in pieces.
                data = await reader.readexactly(exc.consumed)
            self._write_data(data, stream)

    def _write_data(self, data: bytes, stream: str) -> None:
        text = data.decode("utf-8", errors="replace").rstrip("\n")
        # awslambdaric joins the lines of one error report with carriage returns.
        for line in text.split("\r"):
            if line:
                self.write_line(line, stream)


def log_result(log: str) -> str:
    """Encode the last 4 KB of an invocation's log as X-Amz-Log-Result (base64)."""
    return base64.b64encode(log.encode()[-LOG_TAIL_SIZE:]).decode("ascii")
