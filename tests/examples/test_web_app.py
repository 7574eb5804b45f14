"""In-process tests of the FastAPI example in examples/web/app.py, called through its Mangum handler."""

from __future__ import annotations

import base64
import importlib.util
import json
import struct
import sys
import zlib
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qsl, urlencode

import pytest

WEB_APP_PATH = Path(__file__).resolve().parents[2] / "examples" / "web" / "app.py"
HTML = "text/html; charset=utf-8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import a fresh copy of the web app, so items created by one test stay out of the next."""
    module_name = "lamux_example_web_app"
    spec = importlib.util.spec_from_file_location(module_name, WEB_APP_PATH)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, module_name, module)
    spec.loader.exec_module(module)
    return module


@dataclass
class FakeLambdaContext:
    """Test double for the context object that awslambdaric passes to a handler."""

    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:web:main"
    function_name: str = "web"
    function_version: str = "$LATEST"
    memory_limit_in_mb: str = "128"
    aws_request_id: str = "0c8d1f7e-5b2a-4e3c-8f61-9d0a7b4c2e15"
    log_group_name: str = "/aws/lambda/web"
    log_stream_name: str = "2024/01/04/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 10000


def make_event(
    method: str = "GET",
    path: str = "/",
    query: str = "",
    headers: dict[str, str] | None = None,
    cookies: list[str] | None = None,
    body: str | None = None,
    is_base64: bool = False,
) -> dict:
    """Build a Lambda Function URL event (payload format 2.0) for one request.

    As with a real Function URL, queryStringParameters, cookies and body are
    left out when the request has none.
    """
    all_headers = {
        "host": "main.web.localhost",
        "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0",
        "accept": "*/*",
        "x-forwarded-for": "127.0.0.1",
        "x-forwarded-proto": "http",
        "x-forwarded-port": "8080",
    }
    all_headers.update(headers or {})
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": all_headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "web",
            "domainName": all_headers["host"],
            "domainPrefix": "main",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": all_headers["user-agent"],
            },
            "requestId": "6f1c2a9e-3d4b-4c7e-9a51-2b8f0d6e4a11",
            "routeKey": "$default",
            "stage": "$default",
            "time": "04/Jan/2024:09:05:07 +0000",
            "timeEpoch": 1704359107123,
        },
        "isBase64Encoded": is_base64,
    }
    if query:
        parameters: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            parameters[key] = f"{parameters[key]},{value}" if key in parameters else value
        event["queryStringParameters"] = parameters
    if cookies:
        event["cookies"] = cookies
    if body is not None:
        event["body"] = body
    return event


def invoke(web: ModuleType, event: dict) -> dict:
    return web.handler(event, FakeLambdaContext())


def json_event(method: str, path: str, payload: object) -> dict:
    text = json.dumps(payload)
    headers = {"content-type": "application/json", "content-length": str(len(text))}
    return make_event(method, path, headers=headers, body=text)


def parse_set_cookie(value: str) -> SimpleCookie:
    cookie = SimpleCookie()
    cookie.load(value)
    return cookie


def test_index_links_every_route(web: ModuleType) -> None:
    result = invoke(web, make_event("GET", "/"))

    assert result["statusCode"] == 200
    assert result["headers"]["content-type"] == HTML
    assert result["isBase64Encoded"] is False
    assert "cookies" not in result
    hrefs = [
        "/api/items",
        "/api/items/1",
        "/api/items/999",
        "/form",
        "/login?user=alice&amp;theme=dark",
        "/me",
        "/logout",
        "/old",
        "/logo.png",
    ]
    for href in hrefs:
        assert f'href="{href}"' in result["body"], href
    assert '<img src="/logo.png"' in result["body"]


def test_list_items(web: ModuleType) -> None:
    result = invoke(web, make_event("GET", "/api/items"))

    assert result["statusCode"] == 200
    assert result["headers"]["content-type"] == "application/json"
    assert json.loads(result["body"]) == [
        {"id": 1, "name": "desk lamp", "price_cents": 2500},
        {"id": 2, "name": "coffee mug", "price_cents": 900},
    ]


def test_get_item(web: ModuleType) -> None:
    result = invoke(web, make_event("GET", "/api/items/2"))

    assert result["statusCode"] == 200
    assert result["headers"]["content-type"] == "application/json"
    assert json.loads(result["body"]) == {"id": 2, "name": "coffee mug", "price_cents": 900}


def test_get_unknown_item_404(web: ModuleType) -> None:
    result = invoke(web, make_event("GET", "/api/items/999"))

    assert result["statusCode"] == 404
    assert result["headers"]["content-type"] == "application/json"
    assert json.loads(result["body"]) == {"detail": "Item 999 not found."}


def test_get_item_non_integer_id_422(web: ModuleType) -> None:
    result = invoke(web, make_event("GET", "/api/items/lamp"))

    assert result["statusCode"] == 422
    assert result["headers"]["content-type"] == "application/json"


def test_create_item_201(web: ModuleType) -> None:
    created = invoke(web, json_event("POST", "/api/items", {"name": "notebook", "price_cents": 450}))
    fetched = invoke(web, make_event("GET", "/api/items/3"))

    assert created["statusCode"] == 201
    assert created["headers"]["content-type"] == "application/json"
    assert json.loads(created["body"]) == {"id": 3, "name": "notebook", "price_cents": 450}
    assert fetched["statusCode"] == 200
    assert json.loads(fetched["body"]) == {"id": 3, "name": "notebook", "price_cents": 450}


def test_create_item_base64_body(web: ModuleType) -> None:
    text = json.dumps({"name": "Kaffeebecher \u2615", "price_cents": 1200})
    event = make_event(
        "POST",
        "/api/items",
        headers={"content-type": "application/json; charset=utf-8"},
        body=base64.b64encode(text.encode("utf-8")).decode("ascii"),
        is_base64=True,
    )

    result = invoke(web, event)

    assert result["statusCode"] == 201
    assert json.loads(result["body"]) == {"id": 3, "name": "Kaffeebecher \u2615", "price_cents": 1200}


def test_create_invalid_item_422(web: ModuleType) -> None:
    result = invoke(web, json_event("POST", "/api/items", {"name": "", "price_cents": -1}))
    listed = invoke(web, make_event("GET", "/api/items"))

    assert result["statusCode"] == 422
    assert result["headers"]["content-type"] == "application/json"
    invalid_fields = [error["loc"][-1] for error in json.loads(result["body"])["detail"]]
    assert invalid_fields == ["name", "price_cents"]
    assert len(json.loads(listed["body"])) == 2


def test_form_page(web: ModuleType) -> None:
    result = invoke(web, make_event("GET", "/form"))

    assert result["statusCode"] == 200
    assert result["headers"]["content-type"] == HTML
    assert '<form method="post" action="/form">' in result["body"]
    assert '<input name="name" required>' in result["body"]
    assert '<textarea name="message">' in result["body"]


@pytest.mark.parametrize("is_base64", [True, False], ids=["base64", "plain"])
def test_form_post(web: ModuleType, is_base64: bool) -> None:
    text = urlencode({"name": "Ada <Lovelace>", "message": "1 + 1 = 2 & caf\u00e9"})
    body = base64.b64encode(text.encode("ascii")).decode("ascii") if is_base64 else text
    event = make_event(
        "POST",
        "/form",
        headers={"content-type": "application/x-www-form-urlencoded", "content-length": str(len(text))},
        body=body,
        is_base64=is_base64,
    )

    result = invoke(web, event)

    assert result["statusCode"] == 200
    assert result["headers"]["content-type"] == HTML
    assert "<p>Name: <strong>Ada &lt;Lovelace&gt;</strong></p>" in result["body"]
    assert "<p>Message: 1 + 1 = 2 &amp; caf\u00e9</p>" in result["body"]


def test_form_post_missing_name_422(web: ModuleType) -> None:
    event = make_event(
        "POST",
        "/form",
        headers={"content-type": "application/x-www-form-urlencoded"},
        body="message=hi",
    )

    result = invoke(web, event)

    assert result["statusCode"] == 422


def test_login_sets_cookies_and_redirects(web: ModuleType) -> None:
    result = invoke(web, make_event("GET", "/login", query="user=alice&theme=dark"))

    assert result["statusCode"] == 303
    assert result["headers"]["location"] == "/me"
    assert result["headers"]["content-type"] == HTML
    assert "set-cookie" not in result["headers"]
    assert result["cookies"] == [
        "user=alice; HttpOnly; Path=/; SameSite=lax",
        "theme=dark; Path=/; SameSite=lax",
    ]


def test_login_post_uses_defaults(web: ModuleType) -> None:
    result = invoke(web, make_event("POST", "/login"))

    assert result["statusCode"] == 303
    assert result["headers"]["location"] == "/me"
    assert result["cookies"] == [
        "user=guest; HttpOnly; Path=/; SameSite=lax",
        "theme=light; Path=/; SameSite=lax",
    ]


def test_login_rejects_unsafe_cookie_value(web: ModuleType) -> None:
    result = invoke(web, make_event("GET", "/login", query="user=a%3Bb"))

    assert result["statusCode"] == 422
    assert "cookies" not in result


def test_me_reads_cookies(web: ModuleType) -> None:
    result = invoke(web, make_event("GET", "/me", cookies=["user=alice", "theme=dark"]))

    assert result["statusCode"] == 200
    assert result["headers"]["content-type"] == "application/json"
    assert json.loads(result["body"]) == {"user": "alice", "theme": "dark"}


def test_me_without_cookies_401(web: ModuleType) -> None:
    result = invoke(web, make_event("GET", "/me"))

    assert result["statusCode"] == 401
    assert result["headers"]["content-type"] == "application/json"
    assert json.loads(result["body"]) == {"detail": "Not logged in. Visit /login first."}


def test_logout_deletes_cookies(web: ModuleType) -> None:
    result = invoke(web, make_event("GET", "/logout", cookies=["user=alice", "theme=dark"]))

    assert result["statusCode"] == 303
    assert result["headers"]["location"] == "/"
    assert result["headers"]["content-type"] == HTML
    assert len(result["cookies"]) == 2
    deleted = [parse_set_cookie(value) for value in result["cookies"]]
    assert [list(cookie) for cookie in deleted] == [["user"], ["theme"]]
    for cookie in deleted:
        morsel = next(iter(cookie.values()))
        assert morsel.value == ""
        assert morsel["max-age"] == "0"
        assert morsel["path"] == "/"
        assert morsel["expires"] != ""


def test_old_redirects_permanently(web: ModuleType) -> None:
    result = invoke(web, make_event("GET", "/old"))

    assert result["statusCode"] == 301
    assert result["headers"]["location"] == "/"
    assert result["headers"]["content-type"] == HTML
    assert '<a href="/">/</a>' in result["body"]


def test_logo_is_png(web: ModuleType) -> None:
    result = invoke(web, make_event("GET", "/logo.png"))

    assert result["statusCode"] == 200
    assert result["headers"]["content-type"] == "image/png"
    assert result["isBase64Encoded"] is True
    data = base64.b64decode(result["body"], validate=True)
    assert data[:8] == PNG_SIGNATURE
    assert result["headers"]["content-length"] == str(len(data))


def test_logo_png_chunks_valid(web: ModuleType) -> None:
    data = base64.b64decode(invoke(web, make_event("GET", "/logo.png"))["body"])

    chunks = []
    offset = len(PNG_SIGNATURE)
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        payload = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + payload), kind
        chunks.append((kind, payload))
        offset += 12 + length

    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    assert struct.unpack(">IIBBBBB", chunks[0][1]) == (32, 32, 8, 2, 0, 0, 0)
    scanlines = zlib.decompress(chunks[1][1])
    assert len(scanlines) == 32 * (1 + 32 * 3)
