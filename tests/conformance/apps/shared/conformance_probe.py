"""Behaviour shared by the probe apps of the conformance suite.

The Starlette, Flask and Powertools apps each read the request with their own
framework and write the response with it, and take everything else from here:
the shape of the echo document and the fixed replies. That way the apps can
only differ where their frameworks differ.

Every app serves these routes:

* ``/echo`` and ``/echo/<anything>``, all methods: a JSON document of the
  request as the app saw it (:func:`echo_document`), body included;
* ``/digest/<anything>``, all methods: the same document without the body
  bytes, for bodies too large to send back;
* ``GET``/``HEAD`` ``/reply/<name>``: the fixed response :func:`reply` builds.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

ECHO_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
REPLY_METHODS = ("GET", "HEAD")

# Request headers the echo document reports. Headers that the HTTP client,
# lamux or a front door add themselves (Host, User-Agent, X-Forwarded-*) are
# left out, because they differ between a direct call and a proxied one by
# design.
ECHO_HEADERS = (
    "accept",
    "authorization",
    "content-encoding",
    "content-type",
    "x-comma",
    "x-empty",
    "x-probe",
    "x-utf8",
)

# Response header that names the method the app received, so that a HEAD
# response, which has no body, still shows it.
ECHO_METHOD_HEADER = "x-echo-method"

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
REDIRECT_LOCATION = "/landing?from=redirect"
# Largest body the "blob" replies produce. Base64 makes it 6,666,668 bytes,
# more than Lambda's 6 MB response limit, so the largest blob cannot be
# returned through Lambda.
MAX_BLOB_SIZE = 5_000_000


@dataclass(frozen=True)
class CookieSpec:
    """One Set-Cookie line, with the attributes Powertools' Cookie class can write.

    Every cookie is Secure, Powertools' default.
    """

    name: str
    value: str
    path: str = ""
    max_age: int | None = None
    http_only: bool = False
    same_site: str | None = None

    def header_value(self) -> str:
        """Write the Set-Cookie value with attributes in the order Powertools writes them."""
        parts = [f"{self.name}={self.value}"]
        if self.path:
            parts.append(f"Path={self.path}")
        if self.max_age is not None:
            parts.append(f"Max-Age={self.max_age}")
        if self.http_only:
            parts.append("HttpOnly")
        parts.append("Secure")
        if self.same_site:
            parts.append(f"SameSite={self.same_site}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Reply:
    """A response for the apps to send: status, headers other than Set-Cookie, cookies, body.

    Header names are lower-case on purpose: Powertools runs its JSON
    serializer on a body that is not a string when the header is spelled
    ``Content-Type``, and these bodies are serialized already.
    """

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[CookieSpec, ...] = ()
    body: bytes = b""

    def header_lines(self) -> list[tuple[str, str]]:
        """Return every header line, one Set-Cookie line per cookie after the others."""
        return [*self.headers, *(("set-cookie", cookie.header_value()) for cookie in self.cookies)]

    def content_type(self) -> str:
        return next((value for name, value in self.headers if name == "content-type"), "")


@dataclass
class EchoRequest:
    """The parts of a request an app reports, as its framework exposes them."""

    method: str
    path: str  # percent-decoded
    query: str | None  # the raw query string, None when the framework has none to give
    args: list[tuple[str, str]]  # query parameters as (key, value), in the framework's order
    header_values: Callable[[str], list[str]]  # every value of one request header
    cookies: list[tuple[str, str]]
    body: bytes


def json_bytes(value: object) -> bytes:
    """Serialize to compact JSON, UTF-8 and sorted keys, as every app writes its JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def echo_document(request: EchoRequest, *, include_body: bool = True) -> dict[str, object]:
    """Describe the request: method, decoded path, query, headers, cookies and body."""
    headers = {}
    for name in ECHO_HEADERS:
        values = request.header_values(name)
        if values:
            headers[name] = list(values)
    document: dict[str, object] = {
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "args": [[key, value] for key, value in request.args],
        "headers": headers,
        "cookies": [[name, value] for name, value in request.cookies],
        "length": len(request.body),
        "sha256": hashlib.sha256(request.body).hexdigest(),
    }
    if include_body:
        document["body"] = base64.b64encode(request.body).decode("ascii")
    return document


def echo_reply(request: EchoRequest, *, include_body: bool = True) -> Reply:
    return Reply(
        200,
        (("content-type", "application/json"), (ECHO_METHOD_HEADER, request.method)),
        body=json_bytes(echo_document(request, include_body=include_body)),
    )


PROBE_COOKIES = (
    CookieSpec("sid", "abc123", path="/", http_only=True),
    CookieSpec("theme", "dark", path="/", max_age=3600, same_site="Lax"),
    CookieSpec("lang", "en-GB", path="/docs"),
)

UNICODE_DOCUMENT = {"city": "東京", "emoji": "🙂", "name": "Zoë"}
HTML_PAGE = "<!doctype html>\n<title>Probe – café</title>\n<p>probe page</p>\n".encode()
GZIP_TEXT = b"compressed by the app\n" * 20


def png_image() -> bytes:
    """Build a 2x2 RGB PNG image: bytes that are not UTF-8, sent with Content-Type image/png."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"\x00\xff\x00\x00\x00\xff\x00" + b"\x00\x00\x00\xff\xff\xff\xff"
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def blob(size: int) -> bytes:
    """Return ``size`` reproducible bytes covering every byte value."""
    return hashlib.shake_128(b"lamux conformance").digest(size)


def reply(name: str) -> Reply | None:
    """Build the fixed response called ``name``, or None for an unknown name."""
    if name.startswith("status-") and name[7:].isdigit():
        return _status_reply(int(name[7:]))
    if name.startswith("blob-") and name[5:].isdigit() and 0 < int(name[5:]) <= MAX_BLOB_SIZE:
        return Reply(200, (("content-type", "application/octet-stream"),), body=blob(int(name[5:])))
    fixed = {
        "cookies": Reply(
            200,
            (("content-type", "application/json"),),
            cookies=PROBE_COOKIES,
            body=json_bytes({"cookies": len(PROBE_COOKIES)}),
        ),
        "headers": Reply(
            200,
            (
                ("content-type", "text/plain; charset=utf-8"),
                ("cache-control", "no-store"),
                ("x-custom", "custom value"),
                ("x-comma", "a, b"),
                ("x-multi", "first"),
                ("x-multi", "second"),
            ),
            body=b"headers\n",
        ),
        "json": Reply(200, (("content-type", "application/json"),), body=json_bytes(UNICODE_DOCUMENT)),
        "html": Reply(200, (("content-type", "text/html; charset=utf-8"),), body=HTML_PAGE),
        "png": Reply(200, (("content-type", "image/png"),), body=png_image()),
        "gzip": Reply(
            200,
            (("content-type", "text/plain; charset=utf-8"), ("content-encoding", "gzip")),
            body=gzip.compress(GZIP_TEXT, mtime=0),
        ),
        "empty": Reply(200),
        "untyped": Reply(200, body=b"a body without a content type\n"),
        "latin1": Reply(200, (("content-type", "text/plain; charset=iso-8859-1"),), body="café\n".encode("latin-1")),
    }
    return fixed.get(name)


def _status_reply(status: int) -> Reply | None:
    if status in REDIRECT_STATUSES:
        return Reply(status, (("location", REDIRECT_LOCATION),))
    if status == 204:
        return Reply(204, (("x-probe-reply", "no content"),))
    if status == 304:
        return Reply(304, (("etag", '"probe-v1"'),))
    if status in (200, 201):
        headers = [("content-type", "application/json")]
        if status == 201:
            headers.append(("location", "/items/7"))
        return Reply(status, tuple(headers), body=json_bytes({"status": status}))
    if status in (404, 500):
        return Reply(status, (("content-type", "text/plain; charset=utf-8"),), body=f"status {status}\n".encode())
    return None
