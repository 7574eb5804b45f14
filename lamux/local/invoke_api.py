"""The Lambda Invoke API: ``POST /2015-03-31/functions/{FunctionName}/invocations``.

Requests and responses follow the Invoke API reference and the Lambda API model (botocore
``service-2.json``): the invocation type and log type headers, Qualifier in the query or in
the function name, payload limits, the headers of a result, and the service errors in
``errors.py``. Signatures are not verified, but an unsigned request is rejected so that tests
show that callers sign their requests.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from lamux.local.config import Deployment, LocalConfig
from lamux.local.errors import (
    InvalidParameterValueException,
    InvalidRequestContentException,
    InvokeApiError,
    MissingAuthenticationTokenException,
    RequestTooLargeException,
    ResourceNotFoundException,
    ServiceException,
    ValidationException,
    validation_message,
)
from lamux.local.invocation import Invocation
from lamux.local.names import (
    NAMESPACED_FUNCTION_NAME_PATTERN,
    QUALIFIER_PATTERN,
    function_arn,
    is_valid_qualifier,
    parse_function_name,
)
from lamux.local.output import log_result
from lamux.local.pool import FunctionPool

logger = logging.getLogger("lamux.local")

INVOKE_PATH = "/2015-03-31/functions/{function_name}/invocations"

# Payload limits of Invoke (API reference): 6 MB synchronous, 1 MB asynchronous.
MAX_REQUEST_SIZE = 6 * 1024 * 1024
MAX_EVENT_REQUEST_SIZE = 1024 * 1024
# X-Amz-Client-Context carries up to 3,583 bytes of base64 (API reference).
MAX_CLIENT_CONTEXT_SIZE = 3583

INVOCATION_TYPES = ("Event", "RequestResponse", "DryRun")
LOG_TYPES = ("None", "Tail")

SIGV4_AUTHORIZATION_PREFIX = "AWS4-HMAC-SHA256 "

REQUEST_ID_KEY = web.RequestKey("request_id", str)


class InvokeApi:
    """aiohttp application of the Invoke API, running invocations on the function pools."""

    def __init__(self, config: LocalConfig, pools: Mapping[str, FunctionPool], region: str) -> None:
        self._config = config
        self._pools = pools
        self._region = region
        self._event_tasks: set[asyncio.Task[None]] = set()
        self.app = web.Application(middlewares=[_request_id_middleware])
        # aiohttp decodes the path before matching, so a FunctionName sent with "%3A", as
        # botocore sends it, arrives with ":". The handler validates it.
        self.app.router.add_post(INVOKE_PATH, self._handle_invoke)

    async def close(self) -> None:
        """Cancel asynchronous invocations that are still waiting or running."""
        for task in self._event_tasks:
            task.cancel()
        await asyncio.gather(*self._event_tasks, return_exceptions=True)

    async def _handle_invoke(self, request: web.Request) -> web.StreamResponse:
        request_id = request[REQUEST_ID_KEY]
        target = request.match_info["function_name"]
        started = time.monotonic()
        try:
            response = await self._invoke(request, request_id)
        except InvokeApiError as exc:
            logger.info(
                "invoke %s, request id %s: %d %s: %s",
                target,
                request_id,
                exc.status,
                exc.error_type,
                exc.message,
            )
            return _error_response(exc)
        logger.info(
            "invoke %s, request id %s: %d in %.1f ms",
            target,
            request_id,
            response.status,
            (time.monotonic() - started) * 1000,
        )
        return response

    async def _invoke(self, request: web.Request, request_id: str) -> web.StreamResponse:
        if not request.headers.get("Authorization", "").startswith(SIGV4_AUTHORIZATION_PREFIX):
            raise MissingAuthenticationTokenException()
        invocation_type = _header_enum(
            request, "X-Amz-Invocation-Type", "invocationType", INVOCATION_TYPES, "RequestResponse"
        )
        log_type = _header_enum(request, "X-Amz-Log-Type", "logType", LOG_TYPES, "None")
        function_name, qualifier = _parse_target(request)
        limit = MAX_EVENT_REQUEST_SIZE if invocation_type == "Event" else MAX_REQUEST_SIZE
        payload = await _read_payload(request, limit, invocation_type)

        deployment = self._resolve(function_name, qualifier)
        if invocation_type == "DryRun":
            return web.Response(status=204)
        invocation = Invocation(
            request_id=request_id,
            payload=_validate_json(payload),
            invoked_function_arn=function_arn(self._region, function_name, qualifier),
            trace_id=request.headers.get("X-Amzn-Trace-Id") or _new_trace_id(),
            client_context=_decode_client_context(request.headers.get("X-Amz-Client-Context")),
        )
        pool = self._pools[deployment.function.name]
        if invocation_type == "Event":
            self._start_event(pool, deployment, invocation)
            return web.Response(status=202)

        result = await pool.invoke(deployment, invocation)
        headers = {
            "Content-Type": result.content_type,
            "X-Amz-Executed-Version": deployment.version,
        }
        if result.function_error:
            # Lambda reports every runtime-reported error as Unhandled today. "Handled" is
            # documented in older API references but no longer sent.
            headers["X-Amz-Function-Error"] = "Unhandled"
        if log_type == "Tail":
            headers["X-Amz-Log-Result"] = log_result(result.log)
        return web.Response(status=200, body=result.payload, headers=headers)

    def _resolve(self, function_name: str, qualifier: str | None) -> Deployment:
        function = self._config.functions.get(function_name)
        deployment = None if function is None else function.resolve(qualifier)
        if deployment is None:
            arn = function_arn(self._region, function_name, qualifier)
            raise ResourceNotFoundException(f"Function not found: {arn}")
        return deployment

    def _start_event(
        self, pool: FunctionPool, deployment: Deployment, invocation: Invocation
    ) -> None:
        task = asyncio.create_task(self._run_event(pool, deployment, invocation))
        self._event_tasks.add(task)
        task.add_done_callback(self._event_tasks.discard)

    async def _run_event(
        self, pool: FunctionPool, deployment: Deployment, invocation: Invocation
    ) -> None:
        label = f"{deployment.function.name}:{deployment.key}"
        try:
            result = await pool.invoke(deployment, invocation, wait_for_slot=True)
        except InvokeApiError as exc:
            logger.warning(
                "[%s] asynchronous invocation %s dropped: %s", label, invocation.request_id, exc
            )
            return
        except Exception:
            logger.exception("[%s] asynchronous invocation %s failed", label, invocation.request_id)
            return
        # NOTE: Lambda retries a failed asynchronous invocation up to two more times. This
        # service runs it once and logs the error.
        if result.function_error:
            logger.warning(
                "[%s] asynchronous invocation %s failed: %s",
                label,
                invocation.request_id,
                result.payload.decode("utf-8", errors="replace"),
            )


@web.middleware
async def _request_id_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Give every response an x-amzn-RequestId header, and turn crashes into ServiceException."""
    request_id = str(uuid.uuid4())
    request[REQUEST_ID_KEY] = request_id
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        # aiohttp's own responses, such as 404 for an unknown path.
        exc.headers["x-amzn-RequestId"] = request_id
        raise
    except Exception:
        logger.exception(
            "request %s %s, request id %s, failed", request.method, request.path, request_id
        )
        response = _error_response(
            ServiceException("An internal error occurred in the local Lambda service.")
        )
    response.headers["x-amzn-RequestId"] = request_id
    return response


def _error_response(error: InvokeApiError) -> web.Response:
    return web.Response(
        status=error.status,
        body=error.body(),
        headers={**error.headers(), "Content-Type": "application/json"},
    )


def _header_enum(
    request: web.Request, header: str, member: str, allowed: tuple[str, ...], default: str
) -> str:
    """Return an enum header's value or its default, raising ValidationException if invalid."""
    value = request.headers.get(header)
    if value is None:
        return default
    if value not in allowed:
        constraint = f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        raise ValidationException(validation_message(value, member, constraint))
    return value


def _parse_target(request: web.Request) -> tuple[str, str | None]:
    """Return the function name and the qualifier, from the name or the Qualifier parameter."""
    raw_name = request.match_info["function_name"]
    reference = parse_function_name(raw_name)
    if reference is None:
        constraint = (
            f"Member must satisfy regular expression pattern: {NAMESPACED_FUNCTION_NAME_PATTERN}"
        )
        raise ValidationException(validation_message(raw_name, "functionName", constraint))

    query_qualifier = request.query.get("Qualifier") or None
    if query_qualifier is not None and not is_valid_qualifier(query_qualifier):
        constraint = f"Member must satisfy regular expression pattern: {QUALIFIER_PATTERN}"
        raise ValidationException(validation_message(query_qualifier, "qualifier", constraint))
    if reference.qualifier and query_qualifier and reference.qualifier != query_qualifier:
        # NOTE: Lambda rejects this mismatch with InvalidParameterValueException. Its exact
        # message text is not verified.
        raise InvalidParameterValueException(
            f"The qualifier '{reference.qualifier}' in the function name does not match "
            f"the Qualifier parameter '{query_qualifier}'."
        )
    return reference.name, reference.qualifier or query_qualifier


async def _read_payload(request: web.Request, limit: int, invocation_type: str) -> bytes:
    """Read the request body, raising RequestTooLargeException beyond ``limit`` bytes."""
    size = request.content_length
    if size is None or size <= limit:
        chunks = []
        size = 0
        async for chunk in request.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > limit:
                break
            chunks.append(chunk)
        if size <= limit:
            return b"".join(chunks)
    # Messages as captured from Lambda responses.
    if invocation_type == "Event":
        raise RequestTooLargeException(
            f"{size} byte payload is too large for the Event invocation type (limit {limit} bytes)"
        )
    raise RequestTooLargeException(
        f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
    )


def _validate_json(payload: bytes) -> bytes:
    """Return the payload to hand to the runtime, raising if it is not JSON."""
    if not payload:
        # NOTE: not verified against Lambda: an empty payload reaches the runtime as {}.
        return b"{}"
    try:
        json.loads(payload, parse_constant=_reject_constant)
    except ValueError as exc:
        raise InvalidRequestContentException(
            f"Could not parse request body into json: {exc}"
        ) from exc
    return payload


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity, which are not JSON.
    raise ValueError(f"{name} is not valid JSON")


def _decode_client_context(value: str | None) -> str | None:
    """Decode X-Amz-Client-Context (base64 of a JSON object) into JSON text for the runtime."""
    if value is None:
        return None
    if len(value) > MAX_CLIENT_CONTEXT_SIZE:
        raise InvalidRequestContentException(
            f"X-Amz-Client-Context is {len(value)} bytes, "
            f"over the limit of {MAX_CLIENT_CONTEXT_SIZE} bytes."
        )
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
        context = json.loads(text)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequestContentException(
            "X-Amz-Client-Context must be a base64-encoded JSON object."
        ) from exc
    if not isinstance(context, dict):
        raise InvalidRequestContentException(
            "X-Amz-Client-Context must be a base64-encoded JSON object."
        )
    return text


def _new_trace_id() -> str:
    """Build an X-Ray trace header: Root=1-<epoch seconds, 8 hex>-<96 random bits, 24 hex>."""
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Sampled=0"
