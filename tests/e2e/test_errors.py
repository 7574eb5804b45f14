"""Every failure row of the README's error table, end to end.

Requests go through the real proxy, the real Invoke client and the local
Lambda service to handlers under awslambdaric (tests/functions). The local
stack turns error details on, so bodies carry the upstream error text.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from lamux.server import ProxyServer
from tests.e2e.client import fetch
from tests.e2e.conftest import FUNCTIONS_TOML, start_stack

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def short_timeout_stack() -> AsyncIterator[ProxyServer]:
    server = await start_stack(FUNCTIONS_TOML, upstream_timeout="500ms")
    yield server
    await server.close()


async def test_unknown_function_404(functions_stack: ProxyServer) -> None:
    status, _, body = await fetch(functions_stack, "live.nothing.localhost")
    assert status == 404
    assert body.splitlines()[0] == b"404 Not Found: function nothing:live not found"


async def test_unknown_alias_404(functions_stack: ProxyServer) -> None:
    status, _, body = await fetch(functions_stack, "gone.quirks.localhost")
    assert status == 404
    assert body.splitlines()[1].startswith(b"ResourceNotFoundException: Function not found: arn:aws:lambda:")


async def test_unknown_version_404(functions_stack: ProxyServer) -> None:
    status, _, _ = await fetch(functions_stack, "7.greeter.localhost")
    assert status == 404


async def test_version_label_invokes_version(functions_stack: ProxyServer) -> None:
    status, _, body = await fetch(functions_stack, "1.greeter.localhost")
    assert status == 200
    assert json.loads(body)["code"] == "v1"
    assert json.loads(body)["version"] == "1"


async def test_alias_of_version(functions_stack: ProxyServer) -> None:
    status, _, body = await fetch(functions_stack, "stable.greeter.localhost")
    assert status == 200
    assert json.loads(body)["code"] == "v1"
    assert json.loads(body)["invoked_function_arn"].endswith(":function:greeter:stable")


async def test_handler_exception_502(functions_stack: ProxyServer) -> None:
    status, _, body = await fetch(functions_stack, "live.quirks.localhost", "/raise")
    assert status == 502
    assert body.splitlines() == [
        b"502 Bad Gateway: function quirks:live failed",
        b"ValueError: quirks raised on request",
    ]


async def test_function_timeout_504(functions_stack: ProxyServer) -> None:
    status, _, body = await fetch(functions_stack, "live.quirks.localhost", "/sleep/5")
    assert status == 504
    lines = body.splitlines()
    assert lines[0] == b"504 Gateway Timeout: function quirks:live timed out"
    assert lines[1].startswith(b"Sandbox.Timedout: RequestId: ")
    assert lines[1].endswith(b"Error: Task timed out after 2.00 seconds")


async def test_upstream_timeout_504(short_timeout_stack: ProxyServer) -> None:
    status, _, body = await fetch(short_timeout_stack, "live.quirks.localhost", "/sleep/1.5")
    assert status == 504
    assert body == b"504 Gateway Timeout: quirks:live did not answer within the upstream timeout of 0.5s\n"


async def test_crash_502(functions_stack: ProxyServer) -> None:
    status, _, body = await fetch(functions_stack, "live.quirks.localhost", "/exit")
    assert status == 502
    assert body.splitlines()[1].startswith(b"Runtime.ExitError: RequestId: ")
    # A new runtime replaces the one that exited.
    status, _, _ = await fetch(functions_stack, "live.quirks.localhost", "/fine")
    assert status == 200


async def test_init_error_502(functions_stack: ProxyServer) -> None:
    status, _, body = await fetch(functions_stack, "live.init-error.localhost")
    assert status == 502
    assert body.splitlines()[0] == b"502 Bad Gateway: function init-error:live failed"
    assert b"init_error fails at import on purpose" in body


async def test_throttled_429_with_retry_after(functions_stack: ProxyServer) -> None:
    # quirks allows 2 concurrent invocations: the third concurrent request is throttled.
    slow = [asyncio.create_task(fetch(functions_stack, "live.quirks.localhost", "/sleep/1.5")) for _ in range(2)]
    await asyncio.sleep(0.5)
    status, headers, body = await fetch(functions_stack, "live.quirks.localhost", "/fine")
    results = await asyncio.gather(*slow)
    assert status == 429
    assert headers["Retry-After"] == "1"
    assert body.splitlines()[0] == b"429 Too Many Requests: function quirks:live is throttled"
    assert [result[0] for result in results] == [200, 200]


async def test_oversize_request_413(functions_stack: ProxyServer) -> None:
    status, headers, body = await fetch(
        functions_stack,
        "live.echo.localhost",
        "/upload",
        "POST",
        data=b"\x01" * 5_000_000,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert status == 413
    assert b"over Lambda's 6 MB invoke payload limit" in body


async def test_largest_binary_body_fits(functions_stack: ProxyServer) -> None:
    body_in = bytes(range(256)) * 16_000  # 4,096,000 bytes, about 5.5 MB once base64-encoded
    status, _, body = await fetch(
        functions_stack, "live.echo.localhost", "/upload", "POST", data=body_in,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert status == 200
    event = json.loads(body)
    assert event["isBase64Encoded"] is True
    assert len(event["body"]) == 5_461_336


@pytest.mark.parametrize(
    ("name", "status", "first_line"),
    [
        ("bytes", 502, b"502 Bad Gateway: invalid function result: not valid JSON"),
        ("status-42", 502, b"502 Bad Gateway: invalid function result: statusCode 42 is not an HTTP status"),
        ("crlf-header", 502, b"502 Bad Gateway: invalid function result: header 'x-injected' contains CR, LF or NUL"),
    ],
)
async def test_unreadable_results_502(functions_stack: ProxyServer, name: str, status: int, first_line: bytes) -> None:
    got_status, headers, body = await fetch(functions_stack, "live.quirks.localhost", f"/result/{name}")
    assert got_status == status
    assert body.startswith(first_line)
    assert "x-injected" not in headers


@pytest.mark.parametrize(
    ("name", "body"),
    [("string", b'"just a string"'), ("none", b"null")],
)
async def test_inferred_results_200(functions_stack: ProxyServer, name: str, body: bytes) -> None:
    status, headers, got_body = await fetch(functions_stack, "live.quirks.localhost", f"/result/{name}")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert got_body == body


async def test_oversize_response_502(functions_stack: ProxyServer) -> None:
    status, _, body = await fetch(functions_stack, "live.quirks.localhost", "/result/oversize")
    assert status == 502
    assert body.splitlines()[1].startswith(b"Function.ResponseSizeTooLarge: ")


async def test_custom_runtime_and_trace_header(functions_stack: ProxyServer) -> None:
    trace = "Root=1-65a1b2c3-0123456789abcdef01234567;Sampled=1"
    status, _, body = await fetch(functions_stack, "live.custom.localhost", "/x", headers={"X-Amzn-Trace-Id": trace})
    assert status == 200
    result = json.loads(body)
    assert result["handler"] == "echo.handler"
    assert result["event"]["rawPath"] == "/x"
    assert result["event"]["headers"]["x-amzn-trace-id"] == trace
    assert result["headers"]["Lambda-Runtime-Trace-Id"] == trace


async def test_client_disconnect_leaves_proxy_working(functions_stack: ProxyServer) -> None:
    timeout = aiohttp.ClientTimeout(total=0.3)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        with pytest.raises(asyncio.TimeoutError):
            async with session.get(functions_stack.url + "/sleep/1", headers={"Host": "live.quirks.localhost"}):
                pass
    await asyncio.sleep(1.2)
    status, _, body = await fetch(functions_stack, "live.quirks.localhost", "/after")
    assert status == 200
    assert json.loads(body) == {"rawPath": "/after"}
