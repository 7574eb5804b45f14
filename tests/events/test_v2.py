"""Payload format 2.0: request events and result decoding.

Follows "Invoking Lambda function URLs" (request and response payload formats)
in the AWS Lambda Developer Guide and "Working with AWS Lambda proxy
integrations for HTTP APIs" in the API Gateway Developer Guide.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from lamux.errors import InvalidResponse
from lamux.events.common import HTTPRequest
from lamux.events.common import format_request_time
from lamux.events.v2 import PayloadV2

FORMAT = PayloadV2()
EPOCH_MS = 1704359107123  # 2024-01-04 09:05:07.123 UTC


def make_request(
    method: str = "GET",
    target: str = "/",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> HTTPRequest:
    raw_path, _, raw_query = target.partition("?")
    return HTTPRequest(
        method=method,
        raw_path=raw_path,
        raw_query=raw_query,
        headers=[("Host", "v1.orders.lambda.example.test"), *(headers or [])],
        body=body,
        host="v1.orders.lambda.example.test",
        source_ip="192.0.2.10",
        protocol="HTTP/1.1",
        request_id="6f1c2a9e-3d4b-4c7e-9a51-2b8f0d6e4a11",
        time_epoch_ms=EPOCH_MS,
    )


def test_event_complete_request_context() -> None:
    event = FORMAT.build_event(make_request(target="/health", headers=[("User-Agent", "probe/1.0")]))
    assert event == {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/health",
        "rawQueryString": "",
        "headers": {"host": "v1.orders.lambda.example.test", "user-agent": "probe/1.0"},
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "v1",
            "domainName": "v1.orders.lambda.example.test",
            "domainPrefix": "v1",
            "http": {
                "method": "GET",
                "path": "/health",
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.10",
                "userAgent": "probe/1.0",
            },
            "requestId": "6f1c2a9e-3d4b-4c7e-9a51-2b8f0d6e4a11",
            "routeKey": "$default",
            "stage": "$default",
            "time": "04/Jan/2024:09:05:07 +0000",
            "timeEpoch": EPOCH_MS,
        },
        "isBase64Encoded": False,
    }


def test_request_time_format_english_month() -> None:
    assert format_request_time(0) == "01/Jan/1970:00:00:00 +0000"
    assert format_request_time(1796413957000) == "04/Dec/2026:19:52:37 +0000"


def test_header_names_lowercased() -> None:
    event = FORMAT.build_event(
        make_request(
            "POST",
            "/v1/items",
            [
                ("Authorization", "Bearer PLACEHOLDER"),
                ("Content-Type", "application/json"),
                ("X_Trace_Tag", "abc"),
                ("Content-Length", "7"),
            ],
            b'{"a":1}',
        )
    )
    assert event["headers"] == {
        "host": "v1.orders.lambda.example.test",
        "authorization": "Bearer PLACEHOLDER",
        "content-type": "application/json",
        "x_trace_tag": "abc",
        "content-length": "7",
    }


def test_repeated_headers_comma_joined() -> None:
    event = FORMAT.build_event(make_request(headers=[("X-Probe", "first"), ("x-probe", "second")]))
    assert event["headers"]["x-probe"] == "first,second"


def test_cookies_split_and_header_kept() -> None:
    event = FORMAT.build_event(make_request(headers=[("Cookie", "session=PLACEHOLDER; theme=dark")]))
    assert event["cookies"] == ["session=PLACEHOLDER", "theme=dark"]
    assert event["headers"]["cookie"] == "session=PLACEHOLDER; theme=dark"


def test_cookie_lines_flattened() -> None:
    event = FORMAT.build_event(make_request(headers=[("Cookie", "a=1; b=%22x%22"), ("Cookie", "c=3;")]))
    assert event["cookies"] == ["a=1", "b=%22x%22", "c=3"]
    assert event["headers"]["cookie"] == "a=1; b=%22x%22; c=3;"


def test_no_cookie_header_omits_cookies() -> None:
    assert "cookies" not in FORMAT.build_event(make_request())


@pytest.mark.parametrize(
    ("target", "raw_path", "raw_query", "parameters"),
    [
        pytest.param(
            "/search?id=18&id=19&id=20&tag=a%2Cb",
            "/search",
            "id=18&id=19&id=20&tag=a%2Cb",
            {"id": "18,19,20", "tag": "a,b"},
            id="repeated-keys",
        ),
        pytest.param("/a%2Fb?x=1&x=2", "/a%2Fb", "x=1&x=2", {"x": "1,2"}, id="encoded-slash-kept"),
        pytest.param("/p?flag&empty=", "/p", "flag&empty=", {"flag": "", "empty": ""}, id="no-equals-and-empty"),
        pytest.param("/p?q=a+b%20c%2B", "/p", "q=a+b%20c%2B", {"q": "a b c+"}, id="plus-and-percent"),
        pytest.param("/caf%C3%A9?n=%E6%97%A5", "/caf%C3%A9", "n=%E6%97%A5", {"n": "日"}, id="non-ascii"),
        pytest.param("/p?a=1&&b=2", "/p", "a=1&&b=2", {"a": "1", "b": "2"}, id="empty-piece"),
    ],
)
def test_path_and_query(target: str, raw_path: str, raw_query: str, parameters: dict[str, str]) -> None:
    event = FORMAT.build_event(make_request(target=target))
    assert event["rawPath"] == raw_path
    assert event["requestContext"]["http"]["path"] == raw_path
    assert event["rawQueryString"] == raw_query
    assert event["queryStringParameters"] == parameters


def test_no_query_omits_parameters() -> None:
    event = FORMAT.build_event(make_request(target="/items"))
    assert event["rawQueryString"] == ""
    assert "queryStringParameters" not in event


@pytest.mark.parametrize(
    ("content_type", "body", "expected_body", "is_base64"),
    [
        pytest.param("image/png", bytes.fromhex("89504E470D0A1A0A"), "iVBORw0KGgo=", True, id="png"),
        pytest.param(
            "application/json", '{"unicode":"lambda-λ"}'.encode(), '{"unicode":"lambda-λ"}', False, id="json-utf8"
        ),
        pytest.param("application/x-www-form-urlencoded", b"token=abc", "dG9rZW49YWJj", True, id="form"),
        pytest.param("text/plain; charset=utf-8", b"hello", "hello", False, id="text-with-charset"),
        pytest.param("TEXT/HTML", b"<p>", "<p>", False, id="media-type-case"),
        pytest.param("application/xml", b"<a/>", "<a/>", False, id="xml"),
        pytest.param("application/javascript", b"x()", "x()", False, id="javascript"),
        pytest.param("text/plain", b"caf\xe9", "Y2Fm6Q==", True, id="invalid-utf8-text"),
        pytest.param(None, b"abc", "YWJj", True, id="no-content-type"),
        pytest.param("application/vnd.api+json", b"{}", "e30=", True, id="json-suffix-is-binary"),
    ],
)
def test_body_encoding(content_type: str | None, body: bytes, expected_body: str, is_base64: bool) -> None:
    headers = [("Content-Type", content_type)] if content_type else []
    event = FORMAT.build_event(make_request("POST", "/upload", headers, body))
    assert event["body"] == expected_body
    assert event["isBase64Encoded"] is is_base64


def test_gzip_request_body_stays_compressed() -> None:
    compressed = base64.b64decode("H4sIAAAAAAACA6tWSlSyMqwFAK+sG1YHAAAA")
    assert len(compressed) == 27
    assert gzip.decompress(compressed) == b'{"a":1}'
    event = FORMAT.build_event(
        make_request(
            "POST", "/ingest", [("Content-Type", "application/json"), ("Content-Encoding", "gzip")], compressed
        )
    )
    assert event["body"] == "H4sIAAAAAAACA6tWSlSyMqwFAK+sG1YHAAAA"
    assert event["isBase64Encoded"] is True
    assert event["headers"]["content-encoding"] == "gzip"


def test_empty_body_omitted() -> None:
    event = FORMAT.build_event(make_request("DELETE", "/items/1", [("Content-Length", "0")]))
    assert "body" not in event
    assert event["isBase64Encoded"] is False


def test_event_is_json_serializable_with_latin1_header() -> None:
    event = FORMAT.build_event(make_request(headers=[("X-Legacy", "café"), ("X-Display-Name", "日本")]))
    text = json.dumps(event, ensure_ascii=False)
    assert json.loads(text)["headers"]["x-display-name"] == "日本"
    assert json.loads(text)["headers"]["x-legacy"] == "café"


# --- results -----------------------------------------------------------------


def read(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    payload = result if isinstance(result, bytes) else json.dumps(result).encode()
    response = FORMAT.read_result(payload)
    return response.status, response.headers, response.body


@pytest.mark.parametrize(
    ("payload", "body"),
    [
        pytest.param(b'{"message": "hi"}', b'{"message": "hi"}', id="object-without-status"),
        pytest.param(b'"Hello, world!"', b'"Hello, world!"', id="string-keeps-quotes"),
        pytest.param(b"null", b"null", id="null"),
        pytest.param(b"42", b"42", id="number"),
        pytest.param(b"[1,2]", b"[1,2]", id="array"),
        pytest.param(b"true", b"true", id="boolean"),
    ],
)
def test_result_inference(payload: bytes, body: bytes) -> None:
    status, headers, response_body = read(payload)
    assert status == 200
    assert headers == [("Content-Type", "application/json")]
    assert response_body == body


def test_result_string_content_length_15() -> None:
    assert len(read(b'"Hello, world!"')[2]) == 15


def test_result_structured() -> None:
    status, headers, body = read(
        {"statusCode": 302, "headers": {"Location": "/login", "Content-Type": "text/html"}, "body": ""}
    )
    assert status == 302
    assert headers == [("Location", "/login"), ("Content-Type", "text/html")]
    assert body == b""


def test_result_integer_string_status() -> None:
    assert read({"statusCode": "201", "body": "created"})[0] == 201


def test_result_cookies_become_separate_set_cookie() -> None:
    _, headers, _ = read({"statusCode": 200, "cookies": ["a=1; Path=/", "b=2; HttpOnly"], "body": "ok"})
    assert [value for name, value in headers if name == "Set-Cookie"] == ["a=1; Path=/", "b=2; HttpOnly"]


def test_result_base64_gzip_passes_unchanged() -> None:
    gz = "H4sIAAAAAAACA6tWys9WsiopKk2tBQCQX9SnCwAAAA=="
    status, headers, body = read(
        {
            "statusCode": 200,
            "headers": {"content-type": "application/json", "content-encoding": "gzip"},
            "isBase64Encoded": True,
            "body": gz,
        }
    )
    assert body == base64.b64decode(gz)
    assert len(body) == 31
    assert gzip.decompress(body) == b'{"ok":true}'
    assert ("content-encoding", "gzip") in headers


def test_result_base64_string_true_is_not_base64() -> None:
    assert read({"statusCode": 200, "isBase64Encoded": "true", "body": "aGk="})[2] == b"aGk="


def test_result_hop_by_hop_and_length_dropped() -> None:
    _, headers, _ = read(
        {
            "statusCode": 200,
            "headers": {
                "Connection": "close",
                "Transfer-Encoding": "chunked",
                "Keep-Alive": "timeout=5",
                "Upgrade": "h2c",
                "Content-Length": "999",
                "X-Kept": "1",
                "content-type": "text/plain",
            },
            "body": "x",
        }
    )
    assert headers == [("X-Kept", "1"), ("content-type", "text/plain")]


def test_result_default_content_type_only_when_absent() -> None:
    _, headers, _ = read({"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "x"})
    assert [v for n, v in headers if n.lower() == "content-type"] == ["text/plain"]
    _, headers, _ = read({"statusCode": 200, "body": "x"})
    assert headers == [("Content-Type", "application/json")]


def test_result_multi_value_headers_ignored() -> None:
    _, headers, _ = read({"statusCode": 200, "multiValueHeaders": {"X-A": ["1", "2"]}, "body": ""})
    assert headers == []


def test_result_non_string_header_values() -> None:
    _, headers, _ = read({"statusCode": 200, "headers": {"X-Count": 3, "X-On": True, "X-None": None}})
    assert headers == [("X-Count", "3"), ("X-On", "true")]


def test_result_non_ascii_header_value_kept() -> None:
    _, headers, _ = read(
        {"statusCode": 200, "headers": {"content-disposition": 'attachment; filename="日本.txt"'}, "body": "ok"}
    )
    assert ("content-disposition", 'attachment; filename="日本.txt"') in headers


@pytest.mark.parametrize(
    ("result", "message_part"),
    [
        pytest.param(b"not json", "not valid JSON", id="not-json"),
        pytest.param(b"\xff\xfe", "not valid JSON", id="not-utf8"),
        pytest.param({"statusCode": 42, "body": "x"}, "statusCode 42", id="status-below-100"),
        pytest.param({"statusCode": 600}, "statusCode 600", id="status-above-599"),
        pytest.param({"statusCode": None}, "statusCode None", id="status-null"),
        pytest.param({"statusCode": True}, "statusCode True", id="status-boolean"),
        pytest.param({"statusCode": "abc"}, "statusCode 'abc'", id="status-text"),
        pytest.param({"statusCode": 200, "body": {"a": 1}}, "body must be a string, got an object", id="object-body"),
        pytest.param({"statusCode": 200, "headers": ["x"]}, "headers must be an object", id="headers-array"),
        pytest.param({"statusCode": 200, "headers": {"x": ["1"]}}, "header 'x' must be a string", id="header-list"),
        pytest.param(
            {"statusCode": 200, "headers": {"x-note": "a\r\nSet-Cookie: injected=1"}, "body": "ok"},
            "contains CR, LF or NUL",
            id="header-injection",
        ),
        pytest.param({"statusCode": 200, "headers": {"bad name": "1"}}, "not a valid header name", id="header-name"),
        pytest.param({"statusCode": 200, "cookies": "a=1"}, "cookies must be an array", id="cookies-string"),
        pytest.param({"statusCode": 200, "cookies": ["a=1\nb"]}, "contains CR, LF or NUL", id="cookie-newline"),
        pytest.param(
            {"statusCode": 200, "isBase64Encoded": True, "body": "***"}, "not valid base64", id="invalid-base64"
        ),
    ],
)
def test_result_invalid(result: Any, message_part: str) -> None:
    with pytest.raises(InvalidResponse) as raised:
        read(result)
    assert message_part in str(raised.value)
    assert raised.value.status == 502
