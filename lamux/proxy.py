"""The request handler: route → encode → invoke → decode.

Every failure becomes an HTTP status here, in a fixed order. Cancellation is
re-raised, lamux's own errors get the status they carry, a timeout gets 504,
and anything else is logged with its traceback and gets 500.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from yarl import URL

from lamux.errors import (
    BadHost,
    FunctionError,
    LoopDetected,
    ProxyError,
    RequestTooLarge,
    UpstreamTimeout,
)
from lamux.events import FORMATS
from lamux.events.common import HTTPRequest, HTTPResponse, first_header, strip_hop_by_hop
from lamux.invoker import MAX_INVOKE_PAYLOAD, Invoker
from lamux.routing import Router, Target, function_name_of, normalize_host, select_authority
from lamux.target_rules import EventFormatSelector

logger = logging.getLogger("lamux.proxy")
access_logger = logging.getLogger("lamux.access")

REQUEST_ID_HEADER = "x-amzn-RequestId"
# Forwarded headers a client could set to mislead the function; lamux
# replaces or drops them unless the hop in front is trusted to set them.
_UNTRUSTED_FORWARDED_HEADERS = ("x-forwarded-proto", "x-forwarded-port", "x-forwarded-host")
HEALTH_PATH = "/health"

# Statuses whose responses carry no body (RFC 9110 sections 6.4.1 and 15.4.5).
_NO_BODY_STATUSES = frozenset({204, 304}) | frozenset(range(100, 200))


@dataclass(frozen=True)
class ProxyOptions:
    """Request-handling settings of the proxy."""

    error_details: bool = False
    trust_forwarded_headers: bool = False
    own_function: str | None = None  # the Lambda function lamux runs in, never invoked


class Proxy:
    """Serves every request by invoking the Lambda function its host names."""

    def __init__(
        self, router: Router, event_formats: EventFormatSelector, invoker: Invoker, options: ProxyOptions
    ) -> None:
        self.router = router
        self.event_formats = event_formats
        self.invoker = invoker
        self.options = options

    async def handle(self, request: web.Request) -> web.StreamResponse:
        request_id = str(uuid.uuid4())
        started = time.monotonic()
        target: Target | None = None
        try:
            authority, raw_target = self._client_authority(request)
            host = normalize_host(authority)
            if request.method == "GET" and raw_target == HEALTH_PATH and not self.router.is_under_suffix(host):
                response = web.Response(text="ok\n")
            else:
                target = self.router.resolve(host)
                if function_name_of(target.function) == self.options.own_function:
                    raise LoopDetected(
                        f"function {target.function} is the function this lamux runs in; "
                        "invoking it would call lamux again"
                    )
                http_request = await self._read_request(request, host, authority, raw_target, request_id)
                http_response = await self._invoke(target, http_request, request)
                response = self._to_web_response(request, http_response)
        except asyncio.CancelledError:
            raise
        except ProxyError as error:
            response = self._error_response(error, target, request_id)
            if isinstance(error, RequestTooLarge):
                # The unread body may still be arriving: end the connection
                # after this response instead of keeping it alive.
                response.force_close()
        except asyncio.TimeoutError:
            response = self._error_response(UpstreamTimeout(f"{target or 'the function'} timed out"), target, request_id)
        except Exception:
            logger.exception("unexpected error serving %s %s (request %s)", request.method, request.raw_path, request_id)
            response = web.Response(status=500, text="500 Internal Server Error: lamux failed to serve this request\n")
        response.headers[REQUEST_ID_HEADER] = request_id
        self._log_access(request, response, target, request_id, started)
        return response

    def _client_authority(self, request: web.Request) -> tuple[str, str]:
        """Return the client-facing host (as sent) and the request target's path-and-query."""
        raw_target = request.raw_path
        absolute_host = None
        if not raw_target.startswith("/"):
            # absolute-form (GET http://host/path HTTP/1.1), sent to proxies.
            url = URL(raw_target, encoded=True)
            if not url.is_absolute() or url.scheme not in ("http", "https"):
                raise BadHost(f"invalid request target {raw_target[:100]!r}: expected /path or http://host/path")
            absolute_host = url.raw_authority
            raw_target = url.raw_path_qs or "/"
        authority = select_authority(
            request.headers.get("Host"),
            request.headers.get("X-Forwarded-Host"),
            trust_forwarded_headers=self.options.trust_forwarded_headers,
            absolute_uri_host=absolute_host,
        )
        return authority, raw_target

    async def _read_request(
        self, request: web.Request, host: str, authority: str, raw_target: str, request_id: str
    ) -> HTTPRequest:
        if request.content_length is not None and request.content_length > MAX_INVOKE_PAYLOAD:
            raise RequestTooLarge(
                f"request body of {request.content_length} bytes exceeds Lambda's 6 MB invoke payload limit"
            )
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge as error:
            raise RequestTooLarge("request body exceeds Lambda's 6 MB invoke payload limit") from error

        raw_path, _, raw_query = raw_target.partition("?")
        headers = strip_hop_by_hop([(_decode(name), _decode(value)) for name, value in request.raw_headers])
        if authority != request.headers.get("Host"):
            # The function gets the host the client used, as behind a Function
            # URL, so the absolute URLs it builds point back to that host.
            headers = [(name, authority if name.lower() == "host" else value) for name, value in headers]
        chunked = "chunked" in (request.headers.get("Transfer-Encoding") or "").lower()
        if chunked and body and first_header(headers, "content-length") is None:
            headers.append(("content-length", str(len(body))))
        peer = request.transport.get_extra_info("peername") if request.transport else None
        headers = self._forwarded_headers(request, headers, peer)
        return HTTPRequest(
            method=request.method,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=headers,
            body=body,
            host=host,
            source_ip=str(peer[0]) if peer else "",
            protocol=f"HTTP/{request.version.major}.{request.version.minor}",
            request_id=request_id,
            time_epoch_ms=int(time.time() * 1000),
        )

    def _forwarded_headers(
        self, request: web.Request, headers: list[tuple[str, str]], peer: tuple[Any, ...] | None
    ) -> list[tuple[str, str]]:
        """Append the TCP peer to X-Forwarded-For and set X-Forwarded-Proto and -Port.

        Unless the hop in front is trusted, X-Forwarded-Proto and -Port
        describe lamux's own listener, and a client's X-Forwarded-Host is
        dropped because lamux did not route by it.
        """
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        trusted = self.options.trust_forwarded_headers
        replaced = {"x-forwarded-for"} if trusted else {"x-forwarded-for", *_UNTRUSTED_FORWARDED_HEADERS}
        forwarded_for = ", ".join(value for name, value in headers if name.lower() == "x-forwarded-for")
        kept = [(name, value) for name, value in headers if name.lower() not in replaced]
        if peer:
            forwarded_for = f"{forwarded_for}, {peer[0]}" if forwarded_for else str(peer[0])
        # Canonical capitalization, as API Gateway and ALB write these headers;
        # the 2.0 and ALB formats lower-case every name anyway.
        if forwarded_for:
            kept.append(("X-Forwarded-For", forwarded_for))
        if first_header(kept, "x-forwarded-proto") is None:
            kept.append(("X-Forwarded-Proto", request.scheme))
        if first_header(kept, "x-forwarded-port") is None and sockname:
            kept.append(("X-Forwarded-Port", str(sockname[1])))
        return kept

    async def _invoke(self, target: Target, http_request: HTTPRequest, request: web.Request) -> HTTPResponse:
        event_format = FORMATS[self.event_formats.format_for(target)]
        event = event_format.build_event(http_request)
        payload = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if len(payload) > MAX_INVOKE_PAYLOAD:
            raise RequestTooLarge(
                f"the event for this request is {len(payload)} bytes, over Lambda's 6 MB invoke payload limit "
                "(binary bodies grow by a third when base64-encoded)"
            )
        result = await self.invoker.invoke(target, payload, trace_id=request.headers.get("X-Amzn-Trace-Id"))
        if result.function_error:
            raise _function_error(target, result.payload)
        return event_format.read_result(result.payload)

    def _to_web_response(self, request: web.Request, http_response: HTTPResponse) -> web.Response:
        response = web.Response(status=http_response.status, reason=http_response.reason)
        for name, value in http_response.headers:
            response.headers.add(name, value)
        if http_response.status not in _NO_BODY_STATUSES:
            # aiohttp sends no body bytes for HEAD but keeps Content-Length.
            response.body = http_response.body
        return response

    def _error_response(self, error: ProxyError, target: Target | None, request_id: str) -> web.Response:
        log = logger.warning if error.status >= 500 else logger.info
        log(
            "%s %s: %s%s (request %s)",
            error.status,
            target or "-",
            error.message,
            f" ({error.detail})" if error.detail else "",
            request_id,
        )
        text = f"{error.status} {error.reason}: {error.message}\n"
        if self.options.error_details and error.detail:
            text += f"{error.detail}\n"
        response = web.Response(status=error.status, reason=error.reason, text=text)
        for name, value in error.response_headers().items():
            response.headers[name] = value
        return response

    def _log_access(
        self,
        request: web.Request,
        response: web.StreamResponse,
        target: Target | None,
        request_id: str,
        started: float,
    ) -> None:
        if not access_logger.isEnabledFor(logging.INFO):
            return
        duration_ms = (time.monotonic() - started) * 1000
        fields = {
            "method": request.method,
            "host": request.host,
            "path": request.raw_path,
            "status": response.status,
            "target": str(target) if target else None,
            "event_format": self.event_formats.format_for(target) if target else None,
            "request_id": request_id,
            "duration_ms": round(duration_ms, 1),
            "response_bytes": response.content_length,
        }
        access_logger.info(
            '%s %s "%s %s" %s %s %.1fms',
            request.remote,
            target or "-",
            request.method,
            request.raw_path,
            response.status,
            response.content_length if response.content_length is not None else "-",
            duration_ms,
            extra={"access": fields},
        )


def _function_error(target: Target, payload: bytes) -> ProxyError:
    """Translate a function error payload into FunctionError or UpstreamTimeout."""
    error_type = error_message = None
    try:
        body = json.loads(payload)
    except ValueError:
        body = None
    if isinstance(body, dict):
        error_type = body.get("errorType")
        error_message = body.get("errorMessage")
    detail = ": ".join(str(part) for part in (error_type, error_message) if part) or payload[:1000].decode(
        "utf-8", "replace"
    )
    if error_type == "Sandbox.Timedout" or (isinstance(error_message, str) and "Task timed out" in error_message):
        return UpstreamTimeout(f"function {target} timed out", detail=detail)
    return FunctionError(f"function {target} failed", detail=detail)


def _decode(raw: bytes) -> str:
    """Decode header bytes as UTF-8, or as Latin-1 when they are not valid UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")

