"""The example functions behind lamux, through the real Invoke client and awslambdaric."""

from __future__ import annotations

import json
import re

import pytest

from lamux.server import ProxyServer
from tests.e2e.client import fetch

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_hello_echo_keeps_raw_path_and_joins_query(examples_stack: ProxyServer) -> None:
    status, headers, body = await fetch(examples_stack, "main.hello.localhost", "/a%2Fb?x=1&x=2")
    assert status == 200
    echo = json.loads(body)
    assert echo["rawPath"] == "/a%2Fb"
    assert echo["rawQueryString"] == "x=1&x=2"
    assert echo["queryStringParameters"] == {"x": "1,2"}
    assert echo["code"] == "main"
    assert echo["alias"] == "main"
    assert echo["functionName"] == "hello"
    assert echo["requestId"] == headers["x-amzn-RequestId"]


async def test_hello_feature_x_answers_from_other_code(examples_stack: ProxyServer) -> None:
    status, _, body = await fetch(examples_stack, "feature-x.hello.localhost")
    assert status == 200
    echo = json.loads(body)
    assert echo["code"] == "feature-x"
    assert echo["alias"] == "feature-x"
    assert echo["greeting"] == "Hello from lamux, from feature-x"


async def test_hello_post_body_and_cookies(examples_stack: ProxyServer) -> None:
    status, _, body = await fetch(
        examples_stack,
        "main.hello.localhost",
        "/submit",
        "POST",
        data=b'{"qty":3}',
        headers={"Content-Type": "application/json", "Cookie": "sid=abc; theme=dark"},
    )
    assert status == 200
    echo = json.loads(body)
    assert echo["method"] == "POST"
    assert echo["body"] == '{"qty":3}'
    assert echo["bodyIsBase64"] is False
    assert echo["cookies"] == ["sid=abc", "theme=dark"]


async def test_unknown_alias_is_404(examples_stack: ProxyServer) -> None:
    status, _, body = await fetch(examples_stack, "nope.hello.localhost")
    assert status == 404
    assert body.startswith(b"404 Not Found: function hello:nope not found\n")
    # --local turns error details on: Lambda's own message follows.
    assert b"ResourceNotFoundException: Function not found: " in body


async def test_unknown_function_is_404(examples_stack: ProxyServer) -> None:
    status, _, body = await fetch(examples_stack, "main.missing.localhost")
    assert status == 404
    assert body.startswith(b"404 Not Found: function missing:main not found\n")


async def test_web_index_html(examples_stack: ProxyServer) -> None:
    status, headers, body = await fetch(examples_stack, "main.web.localhost")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'href="/api/items"' in body


async def test_web_json_api(examples_stack: ProxyServer) -> None:
    status, headers, body = await fetch(examples_stack, "main.web.localhost", "/api/items/1")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"id": 1, "name": "desk lamp", "price_cents": 2500}
    status, _, body = await fetch(examples_stack, "main.web.localhost", "/api/items/999")
    assert status == 404
    assert json.loads(body) == {"detail": "Item 999 not found."}


async def test_web_json_post_created(examples_stack: ProxyServer) -> None:
    status, _, body = await fetch(
        examples_stack, "main.web.localhost", "/api/items", "POST", json={"name": "pen", "price_cents": 150}
    )
    assert status == 201
    created = json.loads(body)
    assert created["name"] == "pen"
    assert created["price_cents"] == 150


async def test_web_form_post(examples_stack: ProxyServer) -> None:
    status, headers, body = await fetch(
        examples_stack, "main.web.localhost", "/form", "POST", data={"name": "Ada <L>", "message": "hi & bye"}
    )
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"<strong>Ada &lt;L&gt;</strong>" in body
    assert b"hi &amp; bye" in body


async def test_web_login_sets_two_cookies_and_redirects(examples_stack: ProxyServer) -> None:
    status, headers, _ = await fetch(examples_stack, "main.web.localhost", "/login?user=ada&theme=dark")
    assert status == 303
    assert headers["Location"] == "/me"
    assert headers.getall("Set-Cookie") == [
        "user=ada; HttpOnly; Path=/; SameSite=lax",
        "theme=dark; Path=/; SameSite=lax",
    ]


async def test_web_me_reads_cookies(examples_stack: ProxyServer) -> None:
    status, _, body = await fetch(examples_stack, "main.web.localhost", "/me", headers={"Cookie": "user=ada; theme=dark"})
    assert status == 200
    assert json.loads(body) == {"user": "ada", "theme": "dark"}


async def test_web_logout_expires_cookies(examples_stack: ProxyServer) -> None:
    status, headers, _ = await fetch(examples_stack, "main.web.localhost", "/logout")
    assert status == 303
    cookies = headers.getall("Set-Cookie")
    assert len(cookies) == 2
    assert all("Max-Age=0" in cookie for cookie in cookies)


async def test_web_permanent_redirect(examples_stack: ProxyServer) -> None:
    status, headers, _ = await fetch(examples_stack, "main.web.localhost", "/old")
    assert status == 301
    assert headers["Location"] == "/"


async def test_web_binary_image(examples_stack: ProxyServer) -> None:
    status, headers, body = await fetch(examples_stack, "main.web.localhost", "/logo.png")
    assert status == 200
    assert headers["Content-Type"] == "image/png"
    assert body.startswith(b"\x89PNG\r\n\x1a\n")
    assert headers["Content-Length"] == str(len(body))


async def test_head_has_length_but_no_body(examples_stack: ProxyServer) -> None:
    _, get_headers, get_body = await fetch(examples_stack, "main.hello.localhost", "/same")
    status, headers, body = await fetch(examples_stack, "main.hello.localhost", "/same", "HEAD")
    assert status == 200
    assert body == b""
    # The echo differs only in method and request id, which have the same length.
    assert headers["Content-Length"] == str(len(get_body.replace(b'"GET"', b'"HEAD"')))


async def test_request_ids_are_uuids(examples_stack: ProxyServer) -> None:
    _, headers, _ = await fetch(examples_stack, "main.hello.localhost")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", headers["x-amzn-RequestId"])
