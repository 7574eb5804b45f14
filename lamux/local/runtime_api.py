"""The Lambda Runtime API, through which runtimes fetch events and post results.

Endpoints follow the Runtime API (Lambda Developer Guide, runtimes-api, OpenAPI v1.0.3):
``GET /2018-06-01/runtime/invocation/next``, ``POST .../invocation/{AwsRequestId}/response``,
``POST .../invocation/{AwsRequestId}/error`` and ``POST /2018-06-01/runtime/init/error``.
Error bodies are ``{"errorMessage": ..., "errorType": ...}`` with the types that the AWS
Lambda Runtime Interface Emulator uses.

Each execution environment gets its own listening socket, because ``AWS_LAMBDA_RUNTIME_API``
holds only ``host:port``. A request is matched to its environment by the local port it arrived
on. ``RuntimeSession`` is the protocol state of one environment and does no I/O.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import socket
from dataclasses import dataclass

from aiohttp import web

from lamux.local.invocation import (
    JSON_CONTENT_TYPE,
    MAX_RESPONSE_SIZE,
    Invocation,
    InvocationResult,
    response_too_large,
    runtime_exited,
)

logger = logging.getLogger("lamux.local")

API_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"


class RuntimeApiError(Exception):
    """A failed Runtime API request, with the status and error type sent to the runtime."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def _invalid_request_id() -> RuntimeApiError:
    return RuntimeApiError(400, "InvalidRequestID", "Invalid request ID")


def _invalid_state(message: str) -> RuntimeApiError:
    return RuntimeApiError(403, "InvalidStateTransition", message)


class SessionState(enum.Enum):
    """Lifecycle state of an execution environment in the Runtime API."""

    STARTING = "starting"  # process started, no /next yet
    IDLE = "idle"  # initialized, no invocation dispatched
    BUSY = "busy"  # an invocation is dispatched and has no result yet
    CLOSED = "closed"  # init failed, the invocation timed out, or the process ended


@dataclass(frozen=True)
class InitFailure:
    """Cause of a failed init of an execution environment.

    ``error`` is what the runtime posted to /runtime/init/error. ``returncode`` is set
    instead when the process exited before its first /next.
    """

    error: InvocationResult | None = None
    returncode: int | None = None


class RuntimeSession:
    """Runtime API state of one execution environment, which serves one invocation at a time.

    The owner of the process calls ``dispatch``, ``fail`` and ``close``. The Runtime API
    handlers call ``next_invocation``, ``complete`` and ``fail_init``.
    """

    def __init__(self, label: str) -> None:
        loop = asyncio.get_running_loop()
        self.label = label
        self.state = SessionState.STARTING
        # Resolves to None on the first /next, or to an InitFailure.
        self.initialized: asyncio.Future[InitFailure | None] = loop.create_future()
        self._dispatched: Invocation | None = None
        self._deadline_ms = 0
        # True once the runtime has fetched the dispatched invocation with /next.
        self._fetched = False
        self._result: asyncio.Future[InvocationResult] | None = None
        self._waiting_next: asyncio.Future[None] | None = None
        # Set while the runtime waits in /next with nothing dispatched, or once closed.
        self._ready = asyncio.Event()

    async def wait_until_ready(self, timeout: float) -> bool:
        """Wait until the runtime waits in /next for an invocation.

        Returns False if the environment closed first, or the runtime did not call /next
        within ``timeout`` seconds. Lambda hands an invocation only to a runtime that waits
        in /next; a runtime that exits after posting its last result never gets another.
        """
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return False
        return self.state is SessionState.IDLE

    def dispatch(
        self, invocation: Invocation, deadline_ms: int
    ) -> asyncio.Future[InvocationResult]:
        """Hand an invocation to the runtime and return the future of its result."""
        if self.state is not SessionState.IDLE:
            raise RuntimeError(
                f"cannot dispatch to an execution environment in state {self.state.value}"
            )
        self.state = SessionState.BUSY
        self._dispatched = invocation
        self._deadline_ms = deadline_ms
        self._fetched = False
        self._result = asyncio.get_running_loop().create_future()
        self._ready.clear()
        if self._waiting_next is not None and not self._waiting_next.done():
            self._waiting_next.set_result(None)
        return self._result

    async def next_invocation(self) -> tuple[Invocation, int]:
        """Wait for the next invocation and return it with its deadline in epoch milliseconds."""
        if self.state is SessionState.STARTING:
            self.state = SessionState.IDLE
            self.initialized.set_result(None)
        if self._waiting_next is not None:
            raise _invalid_state("Another /next request of this runtime is already waiting.")
        while self.state is SessionState.IDLE:
            self._waiting_next = asyncio.get_running_loop().create_future()
            self._ready.set()
            try:
                await self._waiting_next
            finally:
                self._waiting_next = None
                if self.state is not SessionState.CLOSED:
                    self._ready.clear()
        if self.state is SessionState.CLOSED:
            raise RuntimeApiError(
                500, "InternalServerError", "The execution environment is shutting down."
            )
        if self._fetched:
            raise _invalid_state(
                "The runtime has not posted a result for the current invocation yet."
            )
        assert self._dispatched is not None  # set together with state BUSY in dispatch()
        self._fetched = True
        return self._dispatched, self._deadline_ms

    def complete(self, request_id: str, result: InvocationResult) -> None:
        """Record the response or error that the runtime posted for ``request_id``."""
        if (
            not self._fetched
            or self._dispatched is None
            or self._dispatched.request_id != request_id
        ):
            raise _invalid_request_id()
        if self.state is not SessionState.BUSY:
            raise _invalid_state("The invocation is no longer running.")
        self.state = SessionState.IDLE
        self._dispatched = None
        self._fetched = False
        self._set_result(result)

    def fail_init(self, error: InvocationResult) -> None:
        """Record the init error that the runtime posted before its first /next."""
        if self.state is not SessionState.STARTING:
            raise _invalid_state("Init errors can only be reported before the first /next.")
        self.state = SessionState.CLOSED
        self.initialized.set_result(InitFailure(error=error))

    def fail(self, result: InvocationResult) -> None:
        """End the dispatched invocation with a platform error, such as a timeout.

        The environment cannot be used afterwards, because its owner is about to stop it.
        """
        self._set_result(result)
        self._close_waiter()
        self.state = SessionState.CLOSED

    def close(self, returncode: int) -> None:
        """Record that the runtime process ended with ``returncode``.

        A dispatched invocation gets a Runtime.ExitError result, and an environment that was
        still starting resolves ``initialized`` with the exit.
        """
        if self.state is SessionState.STARTING:
            self.initialized.set_result(InitFailure(returncode=returncode))
        elif self.state is SessionState.BUSY and self._dispatched is not None:
            self._set_result(runtime_exited(self._dispatched.request_id, returncode))
        self._close_waiter()
        self.state = SessionState.CLOSED

    def _set_result(self, result: InvocationResult) -> None:
        if self._result is not None and not self._result.done():
            self._result.set_result(result)

    def _close_waiter(self) -> None:
        if self._waiting_next is not None and not self._waiting_next.done():
            self._waiting_next.set_result(None)
        # Wakes wait_until_ready(), which then sees the closed state.
        self._ready.set()


class RuntimeApiServer:
    """HTTP server of the Runtime API with one loopback socket per execution environment."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._host = host
        self._sessions: dict[int, tuple[RuntimeSession, web.SockSite]] = {}
        app = web.Application()
        app.router.add_get(f"{API_PREFIX}/invocation/next", self._handle_next)
        app.router.add_post(
            f"{API_PREFIX}/invocation/{{request_id}}/response", self._handle_response
        )
        app.router.add_post(f"{API_PREFIX}/invocation/{{request_id}}/error", self._handle_error)
        app.router.add_post(f"{API_PREFIX}/init/error", self._handle_init_error)
        # Waiting /next requests end when their session closes, so a short shutdown suffices.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)

    async def start(self) -> None:
        await self._runner.setup()

    async def add_session(self, session: RuntimeSession) -> str:
        """Open a socket for ``session`` and return its address for AWS_LAMBDA_RUNTIME_API."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((self._host, 0))
            site = web.SockSite(self._runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            raise
        port = sock.getsockname()[1]
        self._sessions[port] = (session, site)
        return f"{self._host}:{port}"

    async def remove_session(self, address: str) -> None:
        """Close the socket of a session. Connections still open end with their process."""
        port = int(address.rpartition(":")[2])
        entry = self._sessions.pop(port, None)
        if entry is not None:
            await entry[1].stop()

    async def close(self) -> None:
        await self._runner.cleanup()
        self._sessions.clear()

    def _session_for(self, request: web.Request) -> RuntimeSession:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        entry = self._sessions.get(sockname[1]) if sockname else None
        if entry is None:
            raise RuntimeApiError(
                500, "InternalServerError", "No execution environment serves this port."
            )
        return entry[0]

    async def _handle_next(self, request: web.Request) -> web.StreamResponse:
        try:
            session = self._session_for(request)
            invocation, deadline_ms = await session.next_invocation()
        except RuntimeApiError as exc:
            return _error_response(exc)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invocation.invoked_function_arn,
            "Lambda-Runtime-Trace-Id": invocation.trace_id,
            "Content-Type": JSON_CONTENT_TYPE,
        }
        if invocation.client_context is not None:
            headers["Lambda-Runtime-Client-Context"] = invocation.client_context
        return web.Response(body=invocation.payload, headers=headers)

    async def _handle_response(self, request: web.Request) -> web.StreamResponse:
        request_id = request.match_info["request_id"]
        try:
            session = self._session_for(request)
            body, size = await _read_body(request)
            if body is None:
                session.complete(request_id, response_too_large(size))
                logger.warning(
                    "[%s] response of %s is %d bytes, over the limit of %d bytes",
                    session.label,
                    request_id,
                    size,
                    MAX_RESPONSE_SIZE,
                )
                raise RuntimeApiError(
                    413,
                    "RequestEntityTooLarge",
                    f"Exceeded maximum allowed payload size ({MAX_RESPONSE_SIZE} bytes).",
                )
            content_type = request.headers.get("Content-Type") or JSON_CONTENT_TYPE
            session.complete(request_id, InvocationResult(body, content_type))
        except RuntimeApiError as exc:
            return _error_response(exc)
        # NOTE: a streamed response (Lambda-Runtime-Function-Response-Mode: streaming) is read
        # here as one buffered body, and error trailers after the stream are not read.
        return web.json_response({"status": "OK"}, status=202)

    async def _handle_error(self, request: web.Request) -> web.StreamResponse:
        request_id = request.match_info["request_id"]
        try:
            session = self._session_for(request)
            session.complete(request_id, await _read_error(request))
        except RuntimeApiError as exc:
            return _error_response(exc)
        return web.json_response({"status": "OK"}, status=202)

    async def _handle_init_error(self, request: web.Request) -> web.StreamResponse:
        try:
            session = self._session_for(request)
            session.fail_init(await _read_error(request))
        except RuntimeApiError as exc:
            return _error_response(exc)
        return web.json_response({"status": "OK"}, status=202)


async def _read_body(request: web.Request) -> tuple[bytes | None, int]:
    """Read a posted body. Return it with its size, or None and the size if it is too large."""
    chunks = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size <= MAX_RESPONSE_SIZE:
            chunks.append(chunk)
    if size > MAX_RESPONSE_SIZE:
        return None, size
    return b"".join(chunks), size


async def _read_error(request: web.Request) -> InvocationResult:
    """Read an error posted to /error or /init/error and return it as a function error.

    The body is passed on unchanged, as Lambda does. Without a body, the error object is
    built from the Lambda-Runtime-Function-Error-Type header. A body over the response size
    limit is replaced by a Function.ResponseSizeTooLarge error.
    """
    body, size = await _read_body(request)
    if body is None:
        return response_too_large(size)
    if not body.strip():
        error_type = request.headers.get(ERROR_TYPE_HEADER) or "Runtime.Unknown"
        body = json.dumps({"errorType": error_type, "errorMessage": ""}).encode()
    return InvocationResult(body, JSON_CONTENT_TYPE, function_error=True)


def _error_response(exc: RuntimeApiError) -> web.Response:
    return web.json_response(
        {"errorMessage": exc.message, "errorType": exc.error_type}, status=exc.status
    )
