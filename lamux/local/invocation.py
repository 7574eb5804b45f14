"""One invocation of a function and its result, including the errors that Lambda itself reports.

When the function fails without a runtime error report (a timeout, a crash, a response over
the size limit), Lambda responds with status 200, ``X-Amz-Function-Error: Unhandled`` and an
error object that it builds. The builders below produce the objects observed from Lambda and
from the AWS Lambda Runtime Interface Emulator, which formats them as
``RequestId: <id> Error: <text>``. AWS does not document these payloads.
"""

from __future__ import annotations

import json
import signal
from dataclasses import dataclass

# Largest response a runtime may post: 6 MiB plus 100 bytes, the cap of the AWS Lambda
# Runtime Interface Emulator, which the error message below repeats.
MAX_RESPONSE_SIZE = 6 * 1024 * 1024 + 100

JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Invocation:
    """An event for a runtime, as ``GET /runtime/invocation/next`` delivers it."""

    request_id: str
    payload: bytes
    invoked_function_arn: str
    trace_id: str
    # Client context as JSON text, already decoded from the base64 of X-Amz-Client-Context.
    client_context: str | None = None


@dataclass(frozen=True)
class InvocationResult:
    """Outcome of an invocation: the response or error payload and how to send it."""

    payload: bytes
    content_type: str = JSON_CONTENT_TYPE
    # True when the payload is an error object, sent with X-Amz-Function-Error: Unhandled.
    function_error: bool = False
    # Output lines of the invocation, for X-Amz-Log-Type: Tail.
    log: str = ""


def function_error(error_type: str, error_message: str) -> InvocationResult:
    """Build a function error result from an error type and message."""
    body = json.dumps({"errorType": error_type, "errorMessage": error_message})
    return InvocationResult(body.encode(), function_error=True)


def timed_out(request_id: str, timeout: float) -> InvocationResult:
    """Build the result of an invocation that ran past the function's timeout."""
    return function_error(
        "Sandbox.Timedout",
        f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds",
    )


def runtime_exited(request_id: str, returncode: int) -> InvocationResult:
    """Build the result of an invocation whose runtime process exited before it posted a result."""
    if returncode == 0:
        reason = "Runtime exited without providing a reason"
    else:
        reason = f"Runtime exited with error: {describe_exit(returncode)}"
    return function_error("Runtime.ExitError", f"RequestId: {request_id} Error: {reason}")


def init_timed_out(request_id: str, init_timeout: float) -> InvocationResult:
    """Build the result of an invocation whose runtime did not request an event in time.

    NOTE: Lambda retries an init that exceeds its 10-second limit within the invoke phase,
    under the function's timeout. This service does not retry and reports this result.
    """
    return function_error(
        "Sandbox.Timedout",
        f"RequestId: {request_id} Error: Runtime did not request an invocation "
        f"within {init_timeout:.2f} seconds of starting",
    )


def response_too_large(size: int) -> InvocationResult:
    """Build the result of an invocation whose runtime posted a response over the size limit."""
    return function_error(
        "Function.ResponseSizeTooLarge",
        f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
        f"({MAX_RESPONSE_SIZE} bytes).",
    )


def describe_exit(returncode: int) -> str:
    """Describe a process exit as Go's os.ProcessState does, which Lambda's messages quote.

    A negative returncode is the number of the signal that ended the process (asyncio).
    """
    if returncode >= 0:
        return f"exit status {returncode}"
    signal_number = -returncode
    try:
        name = signal.strsignal(signal_number)
    except ValueError:
        name = None
    return f"signal: {name.lower()}" if name else f"signal {signal_number}"
