"""HTTP request and response models shared by every event format.

The server turns an aiohttp request into an :class:`HTTPRequest`, an event
format turns that into a Lambda event and the function's result back into an
:class:`HTTPResponse`. Nothing here does I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from lamux.errors import InvalidResponse

# Hop-by-hop headers (RFC 9110 section 7.6.1, plus the legacy Proxy-Connection
# and Keep-Alive). They describe one connection, so lamux never passes them on
# in either direction; headers named in a Connection header are dropped too.
HOP_BY_HOP_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)

# Media types that Function URLs, HTTP APIs and ALB deliver as text; every
# other body, a missing Content-Type included, arrives base64-encoded. ALB
# documents exactly these four families; HTTP API was observed to do the same.
_TEXT_MEDIA_TYPES = frozenset({"application/json", "application/javascript", "application/xml"})

# requestContext.accountId of a Function URL with auth type NONE, as observed
# in captured events; lamux has no caller identity to report either.
ANONYMOUS_ACCOUNT_ID = "anonymous"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# RFC 9110 token characters, the only ones allowed in a header name.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FORBIDDEN_IN_HEADER_VALUE = re.compile(r"[\r\n\x00]")


@dataclass(slots=True)
class HTTPRequest:
    """A client request as lamux received it, ready to become an event."""

    method: str
    raw_path: str  # the path exactly as received, percent-encoding kept
    raw_query: str  # the query after "?", exactly as received, "" when none
    headers: list[tuple[str, str]]  # names as received, in order, hop-by-hop removed
    body: bytes
    host: str  # the client-facing host name (no port), as routed
    source_ip: str  # the TCP peer
    protocol: str  # "HTTP/1.1"
    request_id: str
    time_epoch_ms: int


@dataclass(slots=True)
class HTTPResponse:
    """A response to send to the client."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)  # Set-Cookie repeated, one per cookie
    body: bytes = b""
    reason: str | None = None  # status line reason phrase; None = the standard one


def format_request_time(epoch_ms: int) -> str:
    """Format a time as API Gateway's request time: ``04/Jan/2024:09:05:07 +0000``.

    The month is always English, whatever the process locale.
    """
    t = time.gmtime(epoch_ms / 1000)
    return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"


def header_values(headers: list[tuple[str, str]], name: str) -> list[str]:
    """Return every value of header ``name`` (case-insensitive), in order."""
    name = name.lower()
    return [value for key, value in headers if key.lower() == name]


def first_header(headers: list[tuple[str, str]], name: str) -> str | None:
    values = header_values(headers, name)
    return values[0] if values else None


def media_type(content_type: str | None) -> str:
    """Return the lower-case media type of a Content-Type value, parameters dropped."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def is_text_media_type(content_type: str | None) -> bool:
    kind = media_type(content_type)
    return kind.startswith("text/") or kind in _TEXT_MEDIA_TYPES


def encode_body(body: bytes, content_type: str | None) -> tuple[str, bool]:
    """Encode a request body for an event: ``(body, is_base64_encoded)``.

    Text media types stay text when the bytes are valid UTF-8; everything
    else, and text that is not valid UTF-8, is base64-encoded, so an event
    never carries bytes that JSON cannot represent faithfully.
    """
    if is_text_media_type(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def decode_body(body: object, is_base64_encoded: object, *, field_name: str = "body") -> bytes:
    """Decode the body of a function result to bytes.

    Raises InvalidResponse for a body that is not a string, or not valid
    base64 when ``is_base64_encoded`` is true. Only the JSON boolean true
    selects base64; API Gateway's handling of the string "true" is
    undocumented, so lamux treats every other value as false.
    """
    if body is None:
        return b""
    if not isinstance(body, str):
        raise InvalidResponse(f"invalid function result: {field_name} must be a string, got {json_type(body)}")
    if is_base64_encoded is True:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidResponse(
                f"invalid function result: isBase64Encoded is true but {field_name} is not valid base64"
            ) from error
    return body.encode("utf-8", "surrogatepass")


def parse_status_code(value: object) -> int:
    """Return the HTTP status of a result's statusCode, or raise InvalidResponse.

    Integers and integer strings ("201") in 100..599 are accepted; API Gateway
    accepts integer strings too.
    """
    if isinstance(value, bool):
        status = None
    elif isinstance(value, int):
        status = value
    elif isinstance(value, str) and value.strip().isdigit():
        status = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        status = int(value)
    else:
        status = None
    if status is None or not 100 <= status <= 599:
        raise InvalidResponse(
            f"invalid function result: statusCode {value!r} is not an HTTP status between 100 and 599"
        )
    return status


def header_value_text(name: str, value: object) -> str:
    """Return a result header value as text, or raise InvalidResponse.

    Strings pass; numbers and booleans are written as JSON writes them; a
    value with CR, LF or NUL would split or end the header, so it is rejected.
    """
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise InvalidResponse(
            f"invalid function result: header {name!r} must be a string, got {json_type(value)}"
        )
    if _FORBIDDEN_IN_HEADER_VALUE.search(text):
        raise InvalidResponse(f"invalid function result: header {name!r} contains CR, LF or NUL")
    return text


def check_header_name(name: object) -> str:
    if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
        raise InvalidResponse(f"invalid function result: {name!r} is not a valid header name")
    return name


def is_hop_by_hop(name: str) -> bool:
    return name.lower() in HOP_BY_HOP_HEADERS


def strip_hop_by_hop(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop hop-by-hop headers and those the Connection header names."""
    connection_tokens = {
        token.strip().lower()
        for value in header_values(headers, "connection")
        for token in value.split(",")
        if token.strip()
    }
    return [
        (name, value)
        for name, value in headers
        if name.lower() not in HOP_BY_HOP_HEADERS and name.lower() not in connection_tokens
    ]


def parse_query(raw_query: str) -> list[tuple[str, str]]:
    """Split a raw query into decoded ``(key, value)`` pairs, in order.

    A key without ``=`` gets the value ``""``; empty pieces (``a=1&&b=2``) are
    skipped; ``+`` decodes to a space as in HTML form encoding.
    """
    return [(unquote_plus(key), unquote_plus(value)) for key, value in split_query(raw_query)]


def split_query(raw_query: str) -> list[tuple[str, str]]:
    """Split a raw query into ``(key, value)`` pairs exactly as received, in order.

    Nothing is decoded. The empty-piece and missing-``=`` rules are those of
    :func:`parse_query`.
    """
    pairs = []
    for piece in raw_query.split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        pairs.append((key, value))
    return pairs


def load_result(payload: bytes) -> object:
    """Parse a function's result payload as JSON, or raise InvalidResponse."""
    try:
        return json.loads(payload)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidResponse(f"invalid function result: not valid JSON ({error})") from error


def result_header(name: object, value: object) -> tuple[str, str] | None:
    """Check one header of a function result and return it as a ``(name, value)`` line.

    Returns None for a null value, a hop-by-hop header and Content-Length,
    because the server computes Content-Length from the decoded body. Raises
    InvalidResponse for an invalid name or value.
    """
    name = check_header_name(name)
    if value is None or is_hop_by_hop(name) or name.lower() == "content-length":
        return None
    return name, header_value_text(name, value)


def split_cookies(cookie_headers: list[str]) -> list[str]:
    """Split Cookie header values into one ``name=value`` piece per cookie, verbatim."""
    return [piece.strip() for value in cookie_headers for piece in value.split(";") if piece.strip()]


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__

