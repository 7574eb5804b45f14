"""The request cases of the conformance suite.

Each case is one HTTP request, sent unchanged to the app's own test client and
through lamux. ``target`` is the request target as it goes on the wire: httpx
and Werkzeug's test client send percent-encoding, ``+`` and empty query
pieces exactly as written here.

``direct`` pins what the app must report when called directly, so that a case
cannot pass while testing something other than its name describes. The keys
are echo fields (``path``, ``args``, ``headers``, ``cookies``, ``length``,
``sha256``) or ``status``. The apps agree on these values for every case listed, except
where a case's ``direct`` is given per app kind in ``direct_by_kind``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conformance.apps.shared import conformance_probe as probe

# Request bodies at the limits. Lambda's synchronous Invoke payload limit is
# 6 MB (6,291,456 bytes) for the whole event. Base64 makes a binary body a
# third larger, so a body of 4,500,000 bytes (6,000,000 in base64) is about
# the largest that fits with the rest of the event. The Application Load
# Balancer accepts request bodies up to 1 MB, which lamux takes as 1,048,576
# bytes.
NEAR_INVOKE_LIMIT = 4_500_000
OVER_INVOKE_LIMIT = 4_800_000
ALB_BODY_LIMIT = 1_048_576

MULTIPART_BOUNDARY = "probe-boundary-7d1f"
MULTIPART_BODY = (
    f"--{MULTIPART_BOUNDARY}\r\n"
    'Content-Disposition: form-data; name="title"\r\n\r\n'
    "caf\u00e9 r\u00e9sum\u00e9\r\n"
    f"--{MULTIPART_BOUNDARY}\r\n"
    'Content-Disposition: form-data; name="file"; filename="pixel.png"\r\n'
    "Content-Type: image/png\r\n\r\n"
).encode() + probe.png_image() + f"\r\n--{MULTIPART_BOUNDARY}--\r\n".encode()


@dataclass(frozen=True)
class RequestCase:
    """One request: method, target, headers in order, body, and the pinned values of the direct response."""

    method: str
    target: str
    headers: tuple[tuple[str, bytes], ...] = ()
    body: bytes = b""
    direct: dict[str, object] = field(default_factory=dict)
    # Pinned values that hold only for one kind of app ("asgi" or "wsgi"), where
    # the two frameworks read the same request differently.
    direct_by_kind: dict[str, dict[str, object]] = field(default_factory=dict)
    # Send the body with Transfer-Encoding: chunked instead of Content-Length.
    # Flask's test client has no chunked mode and passes the body whole.
    chunked: bool = False



def headers(*pairs: tuple[str, str | bytes]) -> tuple[tuple[str, bytes], ...]:
    return tuple((name, value.encode() if isinstance(value, str) else value) for name, value in pairs)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def echo(
    method: str, target: str, /, *header_pairs: tuple[str, str | bytes], body: bytes = b"", **direct: Any
) -> RequestCase:
    """Build a case for an echo route. ``asgi=`` and ``wsgi=`` pin values for one kind of app only."""
    kinds = {kind: direct.pop(kind) for kind in ("asgi", "wsgi") if kind in direct}
    return RequestCase(method, target, headers(*header_pairs), body, direct, kinds)


def get(target: str, /, **direct: Any) -> RequestCase:
    return RequestCase("GET", target, direct=direct)


JSON_BODY = json.dumps({"name": "\u03bb", "qty": 3}, ensure_ascii=False).encode()
GZIP_BODY = gzip.compress(b'{"compressed": true}', mtime=0)
ALL_BYTES = bytes(range(256))
PNG = probe.png_image()

CASES = [
    # Methods.
    pytest.param(echo("GET", "/echo", path="/echo", args=[]), id="get-root"),
    pytest.param(echo("GET", "/echo/a/b", path="/echo/a/b"), id="get-path"),
    pytest.param(
        echo("POST", "/echo/items", ("Content-Type", "application/json"), body=JSON_BODY, length=len(JSON_BODY)),
        id="post-json",
    ),
    pytest.param(
        echo("PUT", "/echo/doc", ("Content-Type", "text/plain; charset=utf-8"), body=b"new text\n", length=9),
        id="put-text",
    ),
    pytest.param(
        echo("PATCH", "/echo/doc", ("Content-Type", "application/merge-patch+json"), body=b'{"qty":4}', length=9),
        id="patch-merge-patch",
    ),
    pytest.param(echo("DELETE", "/echo/doc/1", method="DELETE", length=0), id="delete"),
    pytest.param(
        echo("DELETE", "/echo/doc/1", ("Content-Type", "application/json"), body=b'{"force":true}', length=14),
        id="delete-with-body",
    ),
    pytest.param(echo("HEAD", "/echo/head", status=200), id="head"),
    pytest.param(echo("OPTIONS", "/echo/options", method="OPTIONS"), id="options"),
    pytest.param(echo("POST", "/echo/empty", length=0, headers={}), id="post-empty"),
    # Paths: the app gets them percent-decoded.
    pytest.param(echo("GET", "/echo/a%20b", path="/echo/a b"), id="path-space"),
    pytest.param(echo("GET", "/echo/a%2Fb", path="/echo/a/b"), id="path-encoded-slash"),
    pytest.param(echo("GET", "/echo/a%2fb", path="/echo/a/b"), id="path-encoded-slash-lower-hex"),
    pytest.param(
        echo("GET", "/echo/a%3Fb", path="/echo/a?b", query="", args=[]), id="path-encoded-question-mark"
    ),
    pytest.param(echo("GET", "/echo/a%23b", path="/echo/a#b"), id="path-encoded-hash"),
    pytest.param(echo("GET", "/echo/a+b", path="/echo/a+b"), id="path-plus"),
    pytest.param(echo("GET", "/echo/a%2Bb", path="/echo/a+b"), id="path-encoded-plus"),
    pytest.param(echo("GET", "/echo/100%25", path="/echo/100%"), id="path-encoded-percent"),
    pytest.param(echo("GET", "/echo/a%2520b", path="/echo/a%20b"), id="path-double-encoded"),
    pytest.param(echo("GET", "/echo/caf%C3%A9", path="/echo/caf\u00e9"), id="path-non-ascii"),
    pytest.param(echo("GET", "/echo/%E6%97%A5%E6%9C%AC", path="/echo/\u65e5\u672c"), id="path-cjk"),
    pytest.param(echo("GET", "/echo/a;b=c,d@e:f", path="/echo/a;b=c,d@e:f"), id="path-sub-delims"),
    pytest.param(echo("GET", "/echo/%7Euser", path="/echo/~user"), id="path-encoded-unreserved"),
    pytest.param(echo("GET", "/echo/dir/", path="/echo/dir/"), id="path-trailing-slash"),
    pytest.param(echo("GET", "/echo//double", path="/echo//double"), id="path-double-slash"),
    pytest.param(echo("GET", "/echo/a%zzb", path="/echo/a%zzb"), id="path-invalid-percent-escape"),
    pytest.param(echo("GET", "/echo/caf%E9", path="/echo/caf\ufffd"), id="path-not-utf8"),
    pytest.param(echo("GET", "/echo/a%00b", path="/echo/a\x00b"), id="path-encoded-nul"),
    # Queries.
    pytest.param(
        echo("GET", "/echo?a=1&b=2", query="a=1&b=2", args=[["a", "1"], ["b", "2"]]), id="query-simple"
    ),
    pytest.param(
        echo("GET", "/echo?id=18&id=19&id=20", args=[["id", "18"], ["id", "19"], ["id", "20"]]),
        id="query-repeated-key",
    ),
    pytest.param(
        echo(
            "GET",
            "/echo?a=1&b=2&a=3",
            asgi={"args": [["a", "1"], ["b", "2"], ["a", "3"]]},
            wsgi={"args": [["a", "1"], ["a", "3"], ["b", "2"]]},
        ),
        id="query-interleaved-keys",
    ),
    pytest.param(echo("GET", "/echo?q=a+b", query="q=a+b", args=[["q", "a b"]]), id="query-plus"),
    pytest.param(echo("GET", "/echo?q=a%20b", query="q=a%20b", args=[["q", "a b"]]), id="query-percent-20"),
    pytest.param(echo("GET", "/echo?q=a%2Bb", args=[["q", "a+b"]]), id="query-encoded-plus"),
    pytest.param(echo("GET", "/echo?q=a%2520b", args=[["q", "a%20b"]]), id="query-double-encoded"),
    pytest.param(echo("GET", "/echo?a=&b=2", args=[["a", ""], ["b", "2"]]), id="query-empty-value"),
    pytest.param(
        echo("GET", "/echo?flag&a=1", query="flag&a=1", args=[["flag", ""], ["a", "1"]]),
        id="query-key-without-value",
    ),
    pytest.param(echo("GET", "/echo?a=1&&b=2", args=[["a", "1"], ["b", "2"]]), id="query-empty-piece"),
    pytest.param(echo("GET", "/echo?tag=a%2Cb", args=[["tag", "a,b"]]), id="query-encoded-comma"),
    pytest.param(echo("GET", "/echo?tag=a,b", args=[["tag", "a,b"]]), id="query-literal-comma"),
    pytest.param(echo("GET", "/echo?q=a%26b%3Dc", args=[["q", "a&b=c"]]), id="query-encoded-ampersand"),
    pytest.param(
        echo(
            "GET",
            "/echo?name=%C3%A9t%C3%A9&city=%E6%9D%B1%E4%BA%AC",
            args=[["name", "\u00e9t\u00e9"], ["city", "\u6771\u4eac"]],
        ),
        id="query-non-ascii",
    ),
    pytest.param(echo("GET", "/echo?a%20b=c", args=[["a b", "c"]]), id="query-encoded-key"),
    pytest.param(
        echo("GET", "/echo?next=/a/b?c=d", args=[["next", "/a/b?c=d"]]), id="query-slash-and-question-mark"
    ),
    pytest.param(echo("GET", "/echo?", query="", args=[]), id="query-empty"),
    pytest.param(echo("GET", "/echo?=v&k=", args=[["", "v"], ["k", ""]]), id="query-empty-key"),
    pytest.param(echo("GET", "/echo?a=1;b=2", args=[["a", "1;b=2"]]), id="query-semicolon"),
    pytest.param(
        echo("GET", "/echo?q=100%&r=%zz", args=[["q", "100%"], ["r", "%zz"]]), id="query-invalid-percent-escape"
    ),
    # Request headers.
    pytest.param(
        echo(
            "GET",
            "/echo/h",
            ("X-Probe", "first"),
            ("X-Probe", "second"),
            asgi={"headers": {"x-probe": ["first", "second"]}},
            wsgi={"headers": {"x-probe": ["first, second"]}},
        ),
        id="header-repeated",
    ),
    pytest.param(
        echo(
            "GET",
            "/echo/h",
            ("X-Probe", "one"),
            ("X-Probe", "two"),
            ("X-Probe", "three"),
            asgi={"headers": {"x-probe": ["one", "two", "three"]}},
            wsgi={"headers": {"x-probe": ["one, two, three"]}},
        ),
        id="header-repeated-three-times",
    ),
    pytest.param(
        echo("GET", "/echo/h", ("X-Comma", "a, b"), headers={"x-comma": ["a, b"]}), id="header-comma-in-value"
    ),
    pytest.param(
        echo("GET", "/echo/h", ("x-PROBE", "Mixed"), headers={"x-probe": ["Mixed"]}), id="header-mixed-case-name"
    ),
    pytest.param(echo("GET", "/echo/h", ("X-Empty", ""), headers={"x-empty": [""]}), id="header-empty-value"),
    # Both frameworks read header bytes as Latin-1, the ASGI and WSGI rule.
    pytest.param(
        echo(
            "GET",
            "/echo/h",
            ("X-Utf8", "\u65e5\u672c".encode()),
            headers={"x-utf8": ["\u00e6\u0097\u00a5\u00e6\u009c\u00ac"]},
        ),
        id="header-utf8-value",
    ),
    pytest.param(
        echo(
            "GET",
            "/echo/h",
            ("Authorization", "Bearer PLACEHOLDER"),
            ("Accept", "application/json"),
            headers={"authorization": ["Bearer PLACEHOLDER"], "accept": ["application/json"]},
        ),
        id="header-authorization-accept",
    ),
    # Cookies.
    pytest.param(echo("GET", "/echo/c", ("Cookie", "sid=abc"), cookies=[["sid", "abc"]]), id="cookie-single"),
    pytest.param(
        echo(
            "GET",
            "/echo/c",
            ("Cookie", "sid=abc; theme=dark; lang=en"),
            cookies=[["sid", "abc"], ["theme", "dark"], ["lang", "en"]],
        ),
        id="cookie-several",
    ),
    pytest.param(
        echo("GET", "/echo/c", ("Cookie", "token=a%20b"), cookies=[["token", "a%20b"]]), id="cookie-percent-encoded"
    ),
    pytest.param(
        echo("GET", "/echo/c", ("Cookie", "data=k=v"), cookies=[["data", "k=v"]]), id="cookie-equals-in-value"
    ),
    # Request bodies.
    pytest.param(
        echo(
            "POST",
            "/echo/form",
            ("Content-Type", "application/x-www-form-urlencoded"),
            body=b"a=1&b=x+y&c=%C3%A9",
            length=18,
        ),
        id="body-form-urlencoded",
    ),
    pytest.param(
        echo(
            "POST",
            "/echo/upload",
            ("Content-Type", f"multipart/form-data; boundary={MULTIPART_BOUNDARY}"),
            body=MULTIPART_BODY,
            sha256=sha256(MULTIPART_BODY),
        ),
        id="body-multipart",
    ),
    pytest.param(
        echo(
            "POST",
            "/echo/ingest",
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
            body=GZIP_BODY,
            sha256=sha256(GZIP_BODY),
        ),
        id="body-gzip",
    ),
    pytest.param(
        echo("POST", "/echo/png", ("Content-Type", "image/png"), body=PNG, sha256=sha256(PNG)),
        id="body-png",
    ),
    pytest.param(
        echo(
            "POST",
            "/echo/bytes",
            ("Content-Type", "application/octet-stream"),
            body=ALL_BYTES,
            sha256=sha256(ALL_BYTES),
        ),
        id="body-every-byte-value",
    ),
    pytest.param(
        echo("POST", "/echo/latin1", ("Content-Type", "text/plain; charset=iso-8859-1"), body=b"caf\xe9", length=4),
        id="body-text-not-utf8",
    ),
    pytest.param(
        echo("POST", "/echo/raw", body=b"no content type", length=15, headers={}), id="body-without-content-type"
    ),
    pytest.param(
        RequestCase(
            "POST",
            "/echo/chunked",
            headers(("Content-Type", "text/plain")),
            b"chunk one\nchunk two\n",
            {"length": 20},
            chunked=True,
        ),
        id="body-chunked",
    ),
    pytest.param(
        echo("POST", "/echo/xml", ("Content-Type", "application/xml"), body=b"<a>\xc3\xa9</a>", length=9),
        id="body-xml",
    ),
    pytest.param(
        echo(
            "POST",
            "/digest/large",
            ("Content-Type", "application/octet-stream"),
            body=probe.blob(NEAR_INVOKE_LIMIT),
            length=NEAR_INVOKE_LIMIT,
        ),
        id="body-near-invoke-limit",
    ),
    pytest.param(
        echo(
            "POST",
            "/digest/too-large",
            ("Content-Type", "application/octet-stream"),
            body=probe.blob(OVER_INVOKE_LIMIT),
            length=OVER_INVOKE_LIMIT,
        ),
        id="body-over-invoke-limit",
    ),
    pytest.param(
        echo(
            "POST",
            "/digest/alb-limit",
            ("Content-Type", "application/octet-stream"),
            body=probe.blob(ALB_BODY_LIMIT),
            length=ALB_BODY_LIMIT,
        ),
        id="body-at-alb-limit",
    ),
    pytest.param(
        echo(
            "POST",
            "/digest/over-alb-limit",
            ("Content-Type", "application/octet-stream"),
            body=probe.blob(ALB_BODY_LIMIT + 1),
            length=ALB_BODY_LIMIT + 1,
        ),
        id="body-over-alb-limit",
    ),
    # Responses.
    pytest.param(get("/reply/status-200", status=200), id="reply-200"),
    pytest.param(get("/reply/status-201", status=201), id="reply-201-location"),
    pytest.param(get("/reply/status-204", status=204), id="reply-204"),
    pytest.param(get("/reply/status-301", status=301), id="reply-301"),
    pytest.param(get("/reply/status-302", status=302), id="reply-302"),
    pytest.param(get("/reply/status-303", status=303), id="reply-303"),
    pytest.param(get("/reply/status-307", status=307), id="reply-307"),
    pytest.param(get("/reply/status-308", status=308), id="reply-308"),
    pytest.param(get("/reply/status-304", status=304), id="reply-304"),
    pytest.param(get("/reply/status-404", status=404), id="reply-404"),
    pytest.param(get("/reply/status-500", status=500), id="reply-500"),
    pytest.param(get("/reply/cookies", status=200), id="reply-set-cookies"),
    pytest.param(get("/reply/headers", status=200), id="reply-custom-headers"),
    pytest.param(get("/reply/json", status=200), id="reply-json-unicode"),
    pytest.param(get("/reply/html", status=200), id="reply-html"),
    pytest.param(get("/reply/png", status=200), id="reply-png"),
    pytest.param(get("/reply/gzip", status=200), id="reply-gzip"),
    pytest.param(get("/reply/empty", status=200), id="reply-empty"),
    pytest.param(get("/reply/untyped", status=200), id="reply-without-content-type"),
    pytest.param(get("/reply/latin1", status=200), id="reply-text-not-utf8"),
    pytest.param(get("/reply/blob-700000", status=200), id="reply-700-kb"),
    pytest.param(get("/reply/blob-4500000", status=200), id="reply-near-invoke-limit"),
    pytest.param(RequestCase("HEAD", "/reply/html", direct={"status": 200}), id="reply-head"),
]
