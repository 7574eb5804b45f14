"""Named test doubles.

:class:`FunctionInvoker` stands in for the Lambda Invoke client in fast proxy
tests: it calls a Python function with the decoded event, as a runtime would,
and returns what it returns serialized as the runtime would. The same
behaviours are covered end to end through the real client and the local
Lambda service in tests/e2e.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lamux.invoker import InvokeResult
from lamux.routing import Target


class FunctionInvoker:
    """Invoker that runs ``handler(event, target)`` in-process."""

    def __init__(self, handler: Callable[[dict[str, Any], Target], Any], *, function_error: str | None = None) -> None:
        self.handler = handler
        self.function_error = function_error
        self.calls: list[tuple[Target, dict[str, Any], str | None]] = []

    async def invoke(self, target: Target, payload: bytes, *, trace_id: str | None = None) -> InvokeResult:
        event = json.loads(payload)
        self.calls.append((target, event, trace_id))
        result = self.handler(event, target)
        if isinstance(result, InvokeResult):
            return result
        body = result if isinstance(result, bytes) else json.dumps(result).encode()
        return InvokeResult(payload=body, function_error=self.function_error, executed_version="$LATEST")

    async def close(self) -> None:
        pass
