"""Execution environments: one runtime process each, serving one invocation at a time.

A worker starts its runtime in a new process group, waits for the runtime's first
``/next`` (init), then hands it invocations through its ``RuntimeSession``. A timeout kills
the whole process group with SIGKILL, as Lambda discards an environment that timed out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import signal
import time
from collections.abc import Callable
from dataclasses import replace

from lamux.local.config import Deployment
from lamux.local.environment import runtime_command, runtime_environment
from lamux.local.invocation import (
    Invocation,
    InvocationResult,
    describe_exit,
    function_error,
    init_timed_out,
    runtime_exited,
    timed_out,
)
from lamux.local.output import OutputRecorder
from lamux.local.runtime_api import RuntimeApiServer, RuntimeSession, SessionState

logger = logging.getLogger("lamux.local")

# Lambda gives the init phase of an on-demand environment 10 seconds.
DEFAULT_INIT_TIMEOUT = 10.0

# How long output still in the pipes may take to arrive after the runtime process exits.
_OUTPUT_DRAIN_TIMEOUT = 1.0


class Worker:
    """One execution environment of a deployment: a runtime process and its Runtime API session."""

    def __init__(
        self,
        deployment: Deployment,
        *,
        runtime_api: RuntimeApiServer,
        endpoint_url: str,
        region: str,
        init_timeout: float = DEFAULT_INIT_TIMEOUT,
        on_exit: Callable[[Worker], None] = lambda worker: None,
    ) -> None:
        self.deployment = deployment
        self.label = f"{deployment.function.name}:{deployment.key}"
        self._runtime_api = runtime_api
        self._endpoint_url = endpoint_url
        self._region = region
        self._init_timeout = init_timeout
        self._on_exit = on_exit
        self._output = OutputRecorder(self.label)
        self._session: RuntimeSession | None = None
        self._address: str | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._exit_watcher: asyncio.Task[None] | None = None
        self._stop_requested = False
        self._init_duration_ms: float | None = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def reusable(self) -> bool:
        """Whether the environment is initialized and waiting for its next invocation."""
        return self._session is not None and self._session.state is SessionState.IDLE

    async def start(self, request_id: str) -> InvocationResult | None:
        """Start the runtime and wait for its first /next.

        Returns None when the runtime is ready. Otherwise the worker is stopped and the
        returned error is the result of the invocation ``request_id`` that needed it.
        """
        self._session = RuntimeSession(self.label)
        self._address = await self._runtime_api.add_session(self._session)
        self._output.start_recording()
        started = time.monotonic()
        command = runtime_command(self.deployment)
        environ = runtime_environment(
            self.deployment,
            runtime_api=self._address,
            endpoint_url=self._endpoint_url,
            region=self._region,
        )
        try:
            self._process = await asyncio.create_subprocess_exec(
                *command,
                cwd=self.deployment.code.directory,
                env=environ,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            logger.error("[%s] failed to start %s: %s", self.label, command[0], exc)
            await self._runtime_api.remove_session(self._address)
            error = function_error(
                "Runtime.InvalidEntrypoint",
                f"RequestId: {request_id} Error: failed to start {command[0]}: {exc.strerror}",
            )
            return replace(error, log=self._output.stop_recording())
        logger.info(
            "[%s] started runtime, pid %d, Runtime API %s",
            self.label,
            self._process.pid,
            self._address,
        )
        self._exit_watcher = asyncio.create_task(self._watch_exit(self._process, self._session))
        if self._stop_requested:
            # stop() ran while the process was being created and could not kill it then.
            _kill_process_group(self._process.pid)

        try:
            failure = await asyncio.wait_for(
                asyncio.shield(self._session.initialized), self._init_timeout
            )
        except TimeoutError:
            logger.warning(
                "[%s] runtime did not request an invocation within %.2f s, stopping it",
                self.label,
                self._init_timeout,
            )
            await self.stop()
            return replace(
                init_timed_out(request_id, self._init_timeout), log=self._output.stop_recording()
            )
        if failure is None:
            self._init_duration_ms = (time.monotonic() - started) * 1000
            return None

        await self.stop()
        if failure.error is not None:
            logger.warning("[%s] init failed: %s", self.label, _summary(failure.error.payload))
            result = failure.error
        else:
            returncode = failure.returncode if failure.returncode is not None else -signal.SIGKILL
            result = runtime_exited(request_id, returncode)
        return replace(result, log=self._output.stop_recording())

    async def wait_until_ready(self) -> bool:
        """Wait until a warm runtime calls /next again; False if it exited or did not come back."""
        if self._session is None:
            return False
        return await self._session.wait_until_ready(self._init_timeout)

    async def invoke(self, invocation: Invocation) -> InvocationResult:
        """Run one invocation and return its result, killing the runtime if it times out.

        The timeout counts from the moment the invocation is handed to the runtime.
        """
        if self._session is None:
            raise RuntimeError("start() must succeed before invoke()")
        timeout = self.deployment.function.timeout
        request_id = invocation.request_id
        self._output.start_recording()
        self._output.write_line(
            f"START RequestId: {request_id} Version: {self.deployment.version}", "platform"
        )
        started = time.monotonic()
        deadline_ms = int((time.time() + timeout) * 1000)
        result_future = self._session.dispatch(invocation, deadline_ms)
        try:
            result = await asyncio.wait_for(asyncio.shield(result_future), timeout)
        except TimeoutError:
            result = timed_out(request_id, timeout)
            self._session.fail(result)
            logger.warning(
                "[%s] invocation %s timed out after %.2f s, killing the runtime",
                self.label,
                request_id,
                timeout,
            )
            await self.stop()
        duration_ms = (time.monotonic() - started) * 1000
        # NOTE: lines that the runtime wrote just before its result may still be in the pipe.
        # Yielding once lets the readers take what the event loop has already received, so
        # the log tail is complete in practice but not guaranteed.
        await asyncio.sleep(0)
        self._output.write_line(f"END RequestId: {request_id}", "platform")
        self._output.write_line(self._report_line(request_id, duration_ms), "platform")
        return replace(result, log=self._output.stop_recording())

    async def stop(self) -> None:
        """Kill the runtime's process group and wait until the process has exited."""
        self._stop_requested = True
        if self._process is not None and self._process.returncode is None:
            _kill_process_group(self._process.pid)
        if self._exit_watcher is not None:
            await asyncio.shield(self._exit_watcher)

    def _report_line(self, request_id: str, duration_ms: float) -> str:
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {math.ceil(duration_ms)} ms\t"
            f"Memory Size: {self.deployment.function.memory_size} MB"
        )
        if self._init_duration_ms is not None:
            # Lambda reports the init duration once, with the first invocation.
            report += f"\tInit Duration: {self._init_duration_ms:.2f} ms"
            self._init_duration_ms = None
        return report

    async def _watch_exit(
        self, process: asyncio.subprocess.Process, session: RuntimeSession
    ) -> None:
        assert process.stdout is not None and process.stderr is not None  # both are PIPE
        readers = [
            asyncio.create_task(self._output.read_stream(process.stdout, "stdout")),
            asyncio.create_task(self._output.read_stream(process.stderr, "stderr")),
        ]
        returncode = await process.wait()
        # Children that the runtime started die with it, and their pipes close.
        _kill_process_group(process.pid)
        _, pending = await asyncio.wait(readers, timeout=_OUTPUT_DRAIN_TIMEOUT)
        for reader in pending:
            reader.cancel()
        logger.info(
            "[%s] runtime pid %d exited: %s", self.label, process.pid, describe_exit(returncode)
        )
        session.close(returncode)
        if self._address is not None:
            await self._runtime_api.remove_session(self._address)
        self._on_exit(self)


def _kill_process_group(process_group: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process_group, signal.SIGKILL)


def _summary(payload: bytes, limit: int = 300) -> str:
    text = payload.decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[:limit] + "..."
