"""The proxy on a real aiohttp server, with an in-process function as invoker.

The invoker double (tests/doubles.py) keeps these tests fast; tests/e2e runs
the same paths through the real Invoke client and the local Lambda service.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.doubles import FunctionInvoker
from lamux.config import Settings
from lamux.errors import FunctionNotFound, Throttled, UpstreamError, UpstreamTimeout
from lamux.invoker import InvokeResult
from lamux.routing import Target
from lamux.server import build_app, build_proxy
from lamux.target_rules import TargetRule

HOST = "main.hello.localhost"


def echo(event: dict[str, Any], target: Target) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"event": event, "function": target.function, "qualifier": target.qualifier}),
    }


class Running:
    def __init__(self, url: str, invoker: FunctionInvoker) -> None:
        self.url = url
        self.invoker = invoker
        self.port = int(url.rsplit(":", 1)[1])


@pytest.fixture
async def start() -> AsyncIterator[Callable[..., Any]]:
    runners: list[web.AppRunner] = []

    async def _start(handler: Callable[..., Any] = echo, function_error: str | None = None, **settings: Any) -> Running:
        invoker = FunctionInvoker(handler, function_error=function_error)
        settings.setdefault("domain_suffix", "localhost")
        app = build_app(build_proxy(Settings(**settings), invoker))
        runner = web.AppRunner(app, access_log=None, auto_decompress=False)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        return Running(f"http://127.0.0.1:{runner.addresses[0][1]}", invoker)

    yield _start
    for runner in runners:
        await runner.cleanup()


async def fetch(url: str, method: str = "GET", **kwargs: Any) -> tuple[int, aiohttp.typedefs.LooseHeaders, bytes]:
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        async with session.request(method, url, allow_redirects=False, **kwargs) as response:
            return response.status, response.headers, await response.read()


async def raw_exchange(port: int, request: bytes) -> bytes:
    """Send raw request bytes; return the first response (head and body) and close."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length)
    writer.close()
    return head + body


async def test_echo_event_through_proxy(start: Callable[..., Any]) -> None:
    server = await start()
    status, headers, body = await fetch(
        server.url + "/a%2Fb?x=1&x=2", headers={"Host": HOST, "Cookie": "s=1; t=2", "X-Amzn-Trace-Id": "Root=1-abc"}
    )
    assert status == 200
    result = json.loads(body)
    event = result["event"]
    assert (result["function"], result["qualifier"]) == ("hello", "main")
    assert event["rawPath"] == "/a%2Fb"
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["headers"]["host"] == HOST
    assert event["requestContext"]["domainName"] == HOST
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert event["requestContext"]["requestId"] == headers["x-amzn-RequestId"]
    assert server.invoker.calls[0][2] == "Root=1-abc"


async def test_request_id_unique(start: Callable[..., Any]) -> None:
    server = await start()
    ids = set()
    for _ in range(3):
        _, headers, _ = await fetch(server.url + "/", headers={"Host": HOST})
        ids.add(headers["x-amzn-RequestId"])
    assert len(ids) == 3


async def test_forwarded_for_appends_peer(start: Callable[..., Any]) -> None:
    server = await start()
    _, _, body = await fetch(
        server.url + "/whoami",
        headers={"Host": HOST, "X-Forwarded-For": "203.0.113.99", "X-Forwarded-Proto": "https"},
    )
    headers = json.loads(body)["event"]["headers"]
    assert headers["x-forwarded-for"] == "203.0.113.99, 127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-port"] == str(server.port)


async def test_trusted_forwarded_headers(start: Callable[..., Any]) -> None:
    server = await start(trust_forwarded_headers=True)
    status, _, body = await fetch(
        server.url + "/",
        headers={
            "Host": "proxy.internal",
            "X-Forwarded-Host": "feature-x.web.localhost, edge.internal",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Port": "443",
        },
    )
    assert status == 200
    result = json.loads(body)
    assert (result["function"], result["qualifier"]) == ("web", "feature-x")
    assert result["event"]["headers"]["x-forwarded-proto"] == "https"
    assert result["event"]["headers"]["x-forwarded-port"] == "443"
    assert result["event"]["requestContext"]["domainName"] == "feature-x.web.localhost"
    assert result["event"]["headers"]["host"] == "feature-x.web.localhost"
    assert result["event"]["headers"]["x-forwarded-host"] == "feature-x.web.localhost, edge.internal"


async def test_untrusted_forwarded_host_ignored(start: Callable[..., Any]) -> None:
    server = await start()
    status, _, body = await fetch(server.url + "/", headers={"Host": HOST, "X-Forwarded-Host": "evil.other.localhost"})
    assert status == 200
    assert json.loads(body)["function"] == "hello"


@pytest.mark.parametrize(
    ("host", "status", "message_part"),
    [
        ("x.localhost", 400, "expected ALIAS.FUNCTION.localhost"),
        ("v_1.hello.localhost", 400, "contains '_'"),
        ("example.com", 404, "expected ALIAS.FUNCTION.localhost"),
        ("main.hellolocalhost", 404, "not served here"),
    ],
)
async def test_bad_hosts_never_invoke(start: Callable[..., Any], host: str, status: int, message_part: str) -> None:
    server = await start()
    got_status, headers, body = await fetch(server.url + "/", headers={"Host": host})
    assert got_status == status
    assert message_part in body.decode()
    assert headers["Content-Type"].startswith("text/plain")
    assert server.invoker.calls == []


async def test_health_on_non_function_host(start: Callable[..., Any]) -> None:
    server = await start()
    status, _, body = await fetch(server.url + "/health")
    assert (status, body) == (200, b"ok\n")
    assert server.invoker.calls == []


async def test_health_path_on_function_host_is_proxied(start: Callable[..., Any]) -> None:
    server = await start()
    status, _, body = await fetch(server.url + "/health", headers={"Host": HOST})
    assert status == 200
    assert json.loads(body)["event"]["rawPath"] == "/health"


async def test_several_set_cookie_lines(start: Callable[..., Any]) -> None:
    server = await start(lambda e, t: {"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"], "body": "ok"})
    _, headers, _ = await fetch(server.url + "/", headers={"Host": HOST})
    assert headers.getall("Set-Cookie") == ["a=1; Path=/", "b=2"]


async def test_binary_response(start: Callable[..., Any]) -> None:
    png = bytes.fromhex("89504E470D0A1A0A0000")
    server = await start(
        lambda e, t: {
            "statusCode": 200,
            "headers": {"content-type": "image/png"},
            "isBase64Encoded": True,
            "body": base64.b64encode(png).decode(),
        }
    )
    status, headers, body = await fetch(server.url + "/logo.png", headers={"Host": HOST})
    assert (status, body) == (200, png)
    assert headers["Content-Length"] == str(len(png))


async def test_gzip_response_not_recompressed(start: Callable[..., Any]) -> None:
    gz = "H4sIAAAAAAACA6tWys9WsiopKk2tBQCQX9SnCwAAAA=="
    server = await start(
        lambda e, t: {
            "statusCode": 200,
            "headers": {"content-type": "application/json", "content-encoding": "gzip"},
            "isBase64Encoded": True,
            "body": gz,
        }
    )
    _, headers, body = await fetch(server.url + "/", headers={"Host": HOST, "Accept-Encoding": "gzip"})
    assert body == base64.b64decode(gz)
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Length"] == "31"


async def test_gzip_request_body_forwarded_compressed(start: Callable[..., Any]) -> None:
    compressed = base64.b64decode("H4sIAAAAAAACA6tWSlSyMqwFAK+sG1YHAAAA")
    server = await start()
    _, _, body = await fetch(
        server.url + "/ingest",
        "POST",
        data=compressed,
        headers={"Host": HOST, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    event = json.loads(body)["event"]
    assert event["body"] == "H4sIAAAAAAACA6tWSlSyMqwFAK+sG1YHAAAA"
    assert event["isBase64Encoded"] is True


async def test_head_has_no_body(start: Callable[..., Any]) -> None:
    server = await start(lambda e, t: {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "hello"})
    status, headers, body = await fetch(server.url + "/", "HEAD", headers={"Host": HOST})
    assert status == 200
    assert body == b""
    assert headers["Content-Length"] == "5"


@pytest.mark.parametrize("status", [204, 304])
async def test_no_body_statuses(start: Callable[..., Any], status: int) -> None:
    server = await start(lambda e, t: {"statusCode": status, "body": "ignored"})
    got_status, _, body = await fetch(server.url + "/", headers={"Host": HOST})
    assert (got_status, body) == (status, b"")


async def test_redirect(start: Callable[..., Any]) -> None:
    server = await start(
        lambda e, t: {"statusCode": 302, "headers": {"Location": "/login", "Content-Type": "text/html"}, "body": ""}
    )
    status, headers, _ = await fetch(server.url + "/", headers={"Host": HOST})
    assert status == 302
    assert headers["Location"] == "/login"
    assert headers.getall("Content-Type") == ["text/html"]


async def test_header_injection_is_502(start: Callable[..., Any]) -> None:
    server = await start(
        lambda e, t: {"statusCode": 200, "headers": {"x-note": "a\r\nSet-Cookie: injected=1"}, "body": "ok"}
    )
    status, headers, body = await fetch(server.url + "/", headers={"Host": HOST})
    assert status == 502
    assert "Set-Cookie" not in headers
    assert b"contains CR, LF or NUL" in body


async def test_unreadable_result_is_502(start: Callable[..., Any]) -> None:
    server = await start(lambda e, t: b"not json at all")
    status, _, body = await fetch(server.url + "/", headers={"Host": HOST})
    assert status == 502
    assert body.startswith(b"502 Bad Gateway: invalid function result: not valid JSON")


async def test_function_error_hides_details_by_default(start: Callable[..., Any]) -> None:
    error = {"errorType": "KeyError", "errorMessage": "'id'", "stackTrace": ['  File "/var/task/app.py", line 3']}
    server = await start(lambda e, t: error, function_error="Unhandled")
    status, _, body = await fetch(server.url + "/", headers={"Host": HOST})
    assert status == 502
    assert body == b"502 Bad Gateway: function hello:main failed\n"


async def test_function_error_details_when_enabled(start: Callable[..., Any]) -> None:
    error = {"errorType": "KeyError", "errorMessage": "'id'"}
    server = await start(lambda e, t: error, function_error="Handled", error_details=True)
    status, _, body = await fetch(server.url + "/", headers={"Host": HOST})
    assert status == 502
    assert body == b"502 Bad Gateway: function hello:main failed\nKeyError: 'id'\n"


async def test_function_timeout_is_504(start: Callable[..., Any]) -> None:
    error = {"errorType": "Sandbox.Timedout", "errorMessage": "RequestId: x Error: Task timed out after 3.00 seconds"}
    server = await start(lambda e, t: error, function_error="Unhandled")
    status, _, body = await fetch(server.url + "/", headers={"Host": HOST})
    assert status == 504
    assert body == b"504 Gateway Timeout: function hello:main timed out\n"


@pytest.mark.parametrize(
    ("error", "status", "extra_header"),
    [
        (FunctionNotFound("function hello:nope not found"), 404, None),
        (Throttled("function hello:main is throttled", retry_after="3"), 429, ("Retry-After", "3")),
        (UpstreamTimeout("hello:main did not answer"), 504, None),
        (UpstreamError("Lambda rejected the call"), 502, None),
    ],
)
async def test_invoker_errors_map_to_status(
    start: Callable[..., Any], error: Exception, status: int, extra_header: tuple[str, str] | None
) -> None:
    def fail(event: dict[str, Any], target: Target) -> Any:
        raise error

    server = await start(fail)
    got_status, headers, body = await fetch(server.url + "/", headers={"Host": HOST})
    assert got_status == status
    assert str(error) in body.decode()
    if extra_header:
        assert headers[extra_header[0]] == extra_header[1]


async def test_unexpected_exception_is_500(start: Callable[..., Any]) -> None:
    def broken(event: dict[str, Any], target: Target) -> Any:
        raise RuntimeError("bug")

    server = await start(broken)
    status, _, body = await fetch(server.url + "/", headers={"Host": HOST})
    assert status == 500
    assert b"bug" not in body


async def test_oversize_body_is_413_without_invoke(start: Callable[..., Any]) -> None:
    server = await start()
    # The proxy responds from the Content-Length alone, before the body arrives.
    response = await raw_exchange(
        server.port,
        b"POST /upload HTTP/1.1\r\nHost: main.hello.localhost\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 6291457\r\n\r\nxxxx",
    )
    assert response.startswith(b"HTTP/1.1 413 Content Too Large\r\n")
    assert b"request body of 6291457 bytes exceeds Lambda's 6 MB invoke payload limit" in response
    assert b"Connection: close" in response
    assert server.invoker.calls == []


async def test_oversize_event_is_413_without_invoke(start: Callable[..., Any]) -> None:
    server = await start()
    # 5 MB of binary grows to about 6.7 MB of base64 in the event.
    status, _, body = await fetch(
        server.url + "/upload",
        "POST",
        data=b"\x00" * 5_000_000,
        headers={"Host": HOST, "Content-Type": "application/octet-stream"},
    )
    assert status == 413
    assert b"base64" in body
    assert server.invoker.calls == []


async def test_repeated_request_headers_and_hop_by_hop(start: Callable[..., Any]) -> None:
    server = await start()
    response = await raw_exchange(
        server.port,
        b"POST /ingest HTTP/1.1\r\nHost: main.hello.localhost\r\nX-Probe: first\r\nX-Probe: second\r\n"
        b"Transfer-Encoding: chunked\r\nContent-Type: text/plain\r\nConnection: close, X-Secret\r\n"
        b"X-Secret: s\r\nKeep-Alive: timeout=5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    )
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    event = json.loads(body)["event"]
    assert event["headers"]["x-probe"] == "first,second"
    assert event["body"] == "hello"
    assert event["isBase64Encoded"] is False
    assert event["headers"]["content-length"] == "5"
    for name in ("transfer-encoding", "connection", "keep-alive", "x-secret"):
        assert name not in event["headers"]


async def test_invalid_utf8_header_bytes(start: Callable[..., Any]) -> None:
    server = await start()
    response = await raw_exchange(
        server.port,
        b"GET / HTTP/1.1\r\nHost: main.hello.localhost\r\nX-Display-Name: \xe6\x97\xa5\xe6\x9c\xac\r\n"
        b"X-Legacy: caf\xe9\r\nConnection: close\r\n\r\n",
    )
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    headers = json.loads(body)["event"]["headers"]
    assert headers["x-display-name"] == "日本"
    assert headers["x-legacy"] == "café"


async def test_absolute_form_target(start: Callable[..., Any]) -> None:
    server = await start()
    response = await raw_exchange(
        server.port,
        b"GET http://feature-x.web.localhost/p%20q?a=1 HTTP/1.1\r\nHost: ignored.localhost\r\nConnection: close\r\n\r\n",
    )
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    result = json.loads(body)
    assert (result["function"], result["qualifier"]) == ("web", "feature-x")
    assert result["event"]["rawPath"] == "/p%20q"
    assert result["event"]["headers"]["host"] == "feature-x.web.localhost"
    assert result["event"]["rawQueryString"] == "a=1"


async def test_fixed_function_name(start: Callable[..., Any]) -> None:
    server = await start(function_name="My_Function", domain_suffix="example.test")
    status, _, body = await fetch(server.url + "/", headers={"Host": "feature-x.example.test"})
    assert status == 200
    assert (json.loads(body)["function"], json.loads(body)["qualifier"]) == ("My_Function", "feature-x")


async def test_executed_version_not_leaked(start: Callable[..., Any]) -> None:
    server = await start(lambda e, t: InvokeResult(payload=b'{"statusCode": 201, "body": "x"}', executed_version="7"))
    status, headers, _ = await fetch(server.url + "/", headers={"Host": HOST})
    assert status == 201
    assert "X-Amz-Executed-Version" not in headers


async def test_rules_choose_event_format_per_target(start: Callable[..., Any]) -> None:
    rules = (
        TargetRule(function="legacy", event_format="1.0"),
        TargetRule(function="lb-*", alias="blue", event_format="alb"),
    )
    server = await start(rules=rules)
    _, _, body = await fetch(server.url + "/items?a=1", headers={"Host": "main.legacy.localhost"})
    assert json.loads(body)["event"]["httpMethod"] == "GET"
    assert json.loads(body)["event"]["multiValueQueryStringParameters"] == {"a": ["1"]}
    _, _, body = await fetch(server.url + "/items?a=%20", headers={"Host": "blue.lb-web.localhost"})
    event = json.loads(body)["event"]
    assert event["requestContext"]["elb"]["targetGroupArn"].startswith("arn:aws:elasticloadbalancing:")
    assert event["queryStringParameters"] == {"a": "%20"}
    _, _, body = await fetch(server.url + "/items", headers={"Host": "green.lb-web.localhost"})
    assert json.loads(body)["event"]["version"] == "2.0"


async def test_default_event_format_setting(start: Callable[..., Any]) -> None:
    server = await start(event_format="alb-multi-value")
    _, _, body = await fetch(server.url + "/?a=1&a=2", headers={"Host": HOST, "X-A": "1"})
    event = json.loads(body)["event"]
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["headers"] is None
    assert event["multiValueHeaders"]["x-a"] == ["1"]


async def test_alb_status_description_is_reason(start: Callable[..., Any]) -> None:
    server = await start(
        lambda e, t: {"statusCode": 418, "statusDescription": "418 Short And Stout", "headers": {}, "body": "tea"},
        event_format="alb",
    )
    response = await raw_exchange(server.port, b"GET / HTTP/1.1\r\nHost: main.hello.localhost\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 418 Short And Stout\r\n")
    assert response.endswith(b"tea")


async def test_own_function_never_invoked(start: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
    server = await start(domain_suffix="example.test")
    status, _, body = await fetch(server.url + "/", headers={"Host": "v1.orders.example.test"})
    assert status == 508
    assert body.startswith(b"508 Loop Detected: function orders is the function this lamux runs in")
    assert server.invoker.calls == []
    status, _, _ = await fetch(server.url + "/", headers={"Host": "v1.billing.example.test"})
    assert status == 200


async def test_own_function_as_arn_never_invoked(start: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
    arn = "arn:aws:lambda:us-east-1:111122223333:function:orders"
    server = await start(domain_suffix="example.test", function_name=arn)
    status, _, body = await fetch(server.url + "/", headers={"Host": "v1.example.test"})
    assert status == 508
    assert server.invoker.calls == []


async def test_untrusted_forwarded_host_not_passed_on(start: Callable[..., Any]) -> None:
    server = await start()
    _, _, body = await fetch(server.url + "/", headers={"Host": HOST, "X-Forwarded-Host": "v1.boom.localhost"})
    headers = json.loads(body)["event"]["headers"]
    assert "x-forwarded-host" not in headers
    assert headers["host"] == HOST


async def test_forwarded_headers_canonical_case_in_v1(start: Callable[..., Any]) -> None:
    server = await start(event_format="1.0")
    _, _, body = await fetch(server.url + "/", headers={"Host": HOST})
    headers = json.loads(body)["event"]["headers"]
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Forwarded-Port"] == str(server.port)
