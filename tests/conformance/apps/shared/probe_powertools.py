"""The probe routes for Powertools' event handler, shared by the four resolver apps.

Each resolver reads one event format with its own event class. The routes
report what that class exposes: ``resolved_query_string_parameters``,
``resolved_headers_field`` and ``resolved_cookies_field``, the accessors
Powertools itself uses for validation. Two values have no Powertools accessor
that decodes them, so the probe derives them the way ASGI servers do: the path
is percent-decoded as UTF-8, and the body is base64-decoded when the event
marks it as encoded. The raw query string exists only in payload 2.0 events.
"""

from __future__ import annotations

import base64
import contextlib
from urllib.parse import unquote

import conformance_probe as probe
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

router = Router()


def _header_values(name: str) -> list[str]:
    value = router.current_event.resolved_headers_field.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _echo_request() -> probe.EchoRequest:
    event = router.current_event
    body = event.body or ""
    return probe.EchoRequest(
        method=event.http_method,
        path=unquote(event.path),
        query=event.get("rawQueryString"),
        args=[(key, value) for key, values in event.resolved_query_string_parameters.items() for value in values],
        header_values=_header_values,
        cookies=list(event.resolved_cookies_field.items()),
        body=base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8"),
    )


def _cookie(spec: probe.CookieSpec) -> Cookie:
    return Cookie(
        spec.name,
        spec.value,
        path=spec.path,
        max_age=spec.max_age,
        http_only=spec.http_only,
        same_site=SameSite(spec.same_site) if spec.same_site else None,
    )


def _response(reply: probe.Reply) -> Response:
    headers: dict[str, list[str]] = {}
    for name, value in reply.headers:
        headers.setdefault(name, []).append(value)
    body: str | bytes | None = reply.body or None
    content_type = reply.content_type()
    is_text = content_type.startswith("text/") or content_type == "application/json"
    if body is not None and is_text and "content-encoding" not in headers:
        # Text goes out as a str, as a Powertools app returns it. Other
        # bodies, and text that is not UTF-8, stay bytes, which Powertools
        # base64-encodes.
        with contextlib.suppress(UnicodeDecodeError):
            body = reply.body.decode("utf-8")
    return Response(
        status_code=reply.status,
        body=body,
        headers={name: values[0] if len(values) == 1 else values for name, values in headers.items()},
        cookies=[_cookie(spec) for spec in reply.cookies],
    )


# Powertools compiles a route rule as a regular expression, so ".+" matches
# the rest of the path.
@router.route("/echo", method=list(probe.ECHO_METHODS))
@router.route("/echo/.+", method=list(probe.ECHO_METHODS))
def echo() -> Response:
    return _response(probe.echo_reply(_echo_request()))


@router.route("/digest/.+", method=list(probe.ECHO_METHODS))
def digest() -> Response:
    return _response(probe.echo_reply(_echo_request(), include_body=False))


@router.route("/reply/<name>", method=list(probe.REPLY_METHODS))
def fixed_reply(name: str) -> Response:
    reply = probe.reply(name)
    if reply is None:
        return Response(status_code=404, content_type="text/plain", body="unknown reply\n")
    return _response(reply)
