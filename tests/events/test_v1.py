"""Payload format 1.0: REST API proxy request events and result decoding.

Follows "Set up Lambda proxy integrations in API Gateway" in the API Gateway
Developer Guide: "Input format of a Lambda function for proxy integration" and
"Output format of a Lambda function for proxy integration".
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from lamux.errors import InvalidResponse
from lamux.events import FORMATS
from lamux.events.common import HTTPRequest
from lamux.events.v1 import PayloadV1

FORMAT = PayloadV1()
EPOCH_MS = 1796412000000  # 2026-12-04 19:20:00 UTC
HOST = "v1.orders.lambda.example.test"
REQUEST_ID = "6f1c2a9e-3d4b-4c7e-9a51-2b8f0d6e4a11"


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
        headers=[("Host", HOST), *(headers or [])],
        body=body,
        host=HOST,
        source_ip="192.0.2.10",
        protocol="HTTP/1.1",
        request_id=REQUEST_ID,
        time_epoch_ms=EPOCH_MS,
    )


def test_registered_as_1_0() -> None:
    assert isinstance(FORMATS["1.0"], PayloadV1)


def test_event_complete_request_context() -> None:
    event = FORMAT.build_event(make_request(target="/health", headers=[("User-Agent", "probe/1.0")]))
    assert event == {
        "resource": "/health",
        "path": "/health",
        "httpMethod": "GET",
        "headers": {"Host": HOST, "User-Agent": "probe/1.0"},
        "multiValueHeaders": {"Host": [HOST], "User-Agent": ["probe/1.0"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "v1",
            "domainName": HOST,
            "domainPrefix": "v1",
            "extendedRequestId": REQUEST_ID,
            "httpMethod": "GET",
            "identity": {
                "accessKey": None,
                "accountId": None,
                "apiKey": None,
                "apiKeyId": None,
                "caller": None,
                "clientCert": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": "192.0.2.10",
                "user": None,
                "userAgent": "probe/1.0",
                "userArn": None,
            },
            "path": "/health",
            "protocol": "HTTP/1.1",
            "requestId": REQUEST_ID,
            "requestTime": "04/Dec/2026:19:20:00 +0000",
            "requestTimeEpoch": EPOCH_MS,
            "resourceId": "lamux",
            "resourcePath": "/health",
            "stage": "$default",
        },
        "body": None,
        "isBase64Encoded": False,
    }


def test_root_path_uses_root_resource() -> None:
    event = FORMAT.build_event(make_request(target="/"))
    assert event["resource"] == "/"
    assert event["requestContext"]["resourcePath"] == "/"
    assert event["pathParameters"] is None


def test_user_agent_null_when_absent() -> None:
    event = FORMAT.build_event(make_request())
    assert event["requestContext"]["identity"]["userAgent"] is None


def test_header_names_keep_client_case() -> None:
    event = FORMAT.build_event(
        make_request(
            "POST",
            "/v1/items",
            [
                ("Authorization", "Bearer PLACEHOLDER"),
                ("Content-Type", "application/json"),
                ("X_Trace_Tag", "abc"),
                ("Content-Length", "7"),
                ("accept", "*/*"),
            ],
            b'{"a":1}',
        )
    )
    assert event["headers"] == {
        "Host": HOST,
        "Authorization": "Bearer PLACEHOLDER",
        "Content-Type": "application/json",
        "X_Trace_Tag": "abc",
        "Content-Length": "7",
        "accept": "*/*",
    }
    assert event["multiValueHeaders"] == {
        "Host": [HOST],
        "Authorization": ["Bearer PLACEHOLDER"],
        "Content-Type": ["application/json"],
        "X_Trace_Tag": ["abc"],
        "Content-Length": ["7"],
        "accept": ["*/*"],
    }
    assert event["body"] == '{"a":1}'
    assert event["isBase64Encoded"] is False


@pytest.mark.parametrize(
    ("headers", "name"),
    [
        pytest.param([("X-Probe", "first"), ("X-Probe", "second")], "X-Probe", id="same-case"),
        pytest.param([("x-probe", "first"), ("x-probe", "second")], "x-probe", id="lower-case"),
        pytest.param([("X-Probe", "first"), ("x-probe", "second")], "X-Probe", id="mixed-case-first-spelling"),
    ],
)
def test_repeated_headers_last_and_all(headers: list[tuple[str, str]], name: str) -> None:
    event = FORMAT.build_event(make_request(target="/probe", headers=headers))
    assert event["headers"][name] == "second"
    assert event["multiValueHeaders"][name] == ["first", "second"]
    assert [key for key in event["headers"] if key.lower() == "x-probe"] == [name]


def test_cookie_stays_in_headers() -> None:
    event = FORMAT.build_event(make_request(headers=[("Cookie", "session=PLACEHOLDER; theme=dark")]))
    assert "cookies" not in event
    assert event["headers"]["Cookie"] == "session=PLACEHOLDER; theme=dark"
    assert event["multiValueHeaders"]["Cookie"] == ["session=PLACEHOLDER; theme=dark"]


def test_cookie_lines_listed_separately() -> None:
    event = FORMAT.build_event(make_request(headers=[("Cookie", "a=1"), ("Cookie", "b=2")]))
    assert event["headers"]["Cookie"] == "b=2"
    assert event["multiValueHeaders"]["Cookie"] == ["a=1", "b=2"]


def test_no_headers_gives_null_maps() -> None:
    request = make_request()
    request.headers = []
    event = FORMAT.build_event(request)
    assert event["headers"] is None
    assert event["multiValueHeaders"] is None


@pytest.mark.parametrize(
    ("target", "parameters", "multi_value_parameters"),
    [
        pytest.param(
            "/search?id=18&id=19&id=20&tag=a%2Cb",
            {"id": "20", "tag": "a,b"},
            {"id": ["18", "19", "20"], "tag": ["a,b"]},
            id="repeated-keys-last-wins",
        ),
        pytest.param("/p?flag&empty=", {"flag": "", "empty": ""}, {"flag": [""], "empty": [""]}, id="no-equals"),
        pytest.param("/p?q=a+b%20c%2B", {"q": "a b c+"}, {"q": ["a b c+"]}, id="plus-and-percent"),
        pytest.param(
            "/p?n=%E6%97%A5&k%20ey=1", {"n": "日", "k ey": "1"}, {"n": ["日"], "k ey": ["1"]}, id="decoded-keys"
        ),
        pytest.param("/p?a=1&&b=2", {"a": "1", "b": "2"}, {"a": ["1"], "b": ["2"]}, id="empty-piece"),
        pytest.param("/items", None, None, id="no-query"),
        pytest.param("/items?", None, None, id="empty-query"),
    ],
)
def test_query_parameters(
    target: str, parameters: dict[str, str] | None, multi_value_parameters: dict[str, list[str]] | None
) -> None:
    event = FORMAT.build_event(make_request(target=target))
    assert event["queryStringParameters"] == parameters
    assert event["multiValueQueryStringParameters"] == multi_value_parameters


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/v1/items/42", id="nested"),
        pytest.param("/a%2Fb", id="encoded-slash"),
        pytest.param("/caf%C3%A9/x+y", id="non-ascii-and-plus"),
        pytest.param("/items/", id="trailing-slash"),
    ],
)
def test_path_kept_as_its_own_resource(path: str) -> None:
    event = FORMAT.build_event(make_request(target=path + "?a=1"))
    assert event["path"] == path
    assert event["requestContext"]["path"] == path
    assert event["resource"] == path
    assert event["requestContext"]["resourcePath"] == path
    assert event["pathParameters"] is None


@pytest.mark.parametrize(
    ("method", "target", "headers"),
    [
        pytest.param("GET", "/items", [], id="get"),
        pytest.param("DELETE", "/items/1", [("Content-Length", "0")], id="delete-length-0"),
    ],
)
def test_empty_body_is_null(method: str, target: str, headers: list[tuple[str, str]]) -> None:
    event = FORMAT.build_event(make_request(method, target, headers))
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None


@pytest.mark.parametrize(
    ("content_type", "body", "expected_body", "is_base64"),
    [
        pytest.param("image/png", bytes.fromhex("89504E470D0A1A0A"), "iVBORw0KGgo=", True, id="png"),
        pytest.param(
            "application/json", '{"unicode":"lambda-λ"}'.encode(), '{"unicode":"lambda-λ"}', False, id="json-utf8"
        ),
        pytest.param("application/x-www-form-urlencoded", b"token=abc", "dG9rZW49YWJj", True, id="form"),
        pytest.param("text/plain; charset=utf-8", b"hello", "hello", False, id="text-with-charset"),
        pytest.param("text/plain", b"caf\xe9", "Y2Fm6Q==", True, id="invalid-utf8-text"),
        pytest.param(None, b"abc", "YWJj", True, id="no-content-type"),
    ],
)
def test_body_encoding(content_type: str | None, body: bytes, expected_body: str, is_base64: bool) -> None:
    headers = [("Content-Type", content_type)] if content_type else []
    event = FORMAT.build_event(make_request("POST", "/upload", headers, body))
    assert event["body"] == expected_body
    assert event["isBase64Encoded"] is is_base64


def test_gzip_request_body_stays_compressed() -> None:
    compressed = base64.b64decode("H4sIAAAAAAACA6tWSlSyMqwFAK+sG1YHAAAA")
    assert gzip.decompress(compressed) == b'{"a":1}'
    event = FORMAT.build_event(
        make_request(
            "POST", "/ingest", [("Content-Type", "application/json"), ("Content-Encoding", "gzip")], compressed
        )
    )
    assert event["body"] == "H4sIAAAAAAACA6tWSlSyMqwFAK+sG1YHAAAA"
    assert event["isBase64Encoded"] is True
    assert event["headers"]["Content-Encoding"] == "gzip"


def test_event_is_json_serializable() -> None:
    event = FORMAT.build_event(make_request(headers=[("X-Display-Name", "日本")], body=b"\x00\xff"))
    assert json.loads(json.dumps(event, ensure_ascii=False)) == event


# --- results -----------------------------------------------------------------


def read(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    payload = result if isinstance(result, bytes) else json.dumps(result).encode()
    response = FORMAT.read_result(payload)
    assert response.reason is None
    return response.status, response.headers, response.body


def test_result_structured() -> None:
    status, headers, body = read(
        {"statusCode": 302, "headers": {"Location": "/login", "Content-Type": "text/html"}, "body": ""}
    )
    assert status == 302
    assert headers == [("Location", "/login"), ("Content-Type", "text/html")]
    assert body == b""


def test_result_multi_value_headers_win() -> None:
    _, headers, body = read(
        {
            "statusCode": 200,
            "headers": {"X-Foo": "bar", "content-type": "text/html"},
            "multiValueHeaders": {"X-Foo": ["foo"], "Content-Type": ["application/json"]},
            "body": "{}",
        }
    )
    assert headers == [("X-Foo", "foo"), ("Content-Type", "application/json")]
    assert body == b"{}"


def test_result_headers_merged_across_maps() -> None:
    _, headers, _ = read(
        {
            "statusCode": 200,
            "headers": {"X-Single": "1", "Content-Type": "text/plain"},
            "multiValueHeaders": {"X-Multi": ["a", "b"]},
        }
    )
    assert headers == [("X-Single", "1"), ("Content-Type", "text/plain"), ("X-Multi", "a"), ("X-Multi", "b")]


def test_result_set_cookies_separate_lines() -> None:
    _, headers, _ = read(
        {
            "statusCode": 200,
            "multiValueHeaders": {"Set-Cookie": ["a=1; Path=/", "b=2; HttpOnly"]},
            "body": "ok",
        }
    )
    assert [value for name, value in headers if name == "Set-Cookie"] == ["a=1; Path=/", "b=2; HttpOnly"]


def test_result_default_content_type() -> None:
    _, headers, _ = read({"statusCode": 204})
    assert headers == [("Content-Type", "application/json")]


def test_result_null_content_type_suppresses_default() -> None:
    _, headers, _ = read({"statusCode": 204, "headers": {"Content-Type": None}})
    assert headers == []


def test_result_content_type_any_case_counts() -> None:
    _, headers, _ = read({"statusCode": 200, "multiValueHeaders": {"content-type": ["text/csv"]}, "body": "a"})
    assert headers == [("content-type", "text/csv")]


def test_result_integer_string_status() -> None:
    assert read({"statusCode": "201", "body": "created"})[0] == 201


def test_result_base64_gzip_passes_unchanged() -> None:
    gz = "H4sIAAAAAAACA6tWys9WsiopKk2tBQCQX9SnCwAAAA=="
    _, headers, body = read(
        {
            "statusCode": 200,
            "headers": {"content-type": "application/json", "content-encoding": "gzip"},
            "isBase64Encoded": True,
            "body": gz,
        }
    )
    assert len(body) == 31
    assert gzip.decompress(body) == b'{"ok":true}'
    assert ("content-encoding", "gzip") in headers


def test_result_hop_by_hop_and_length_dropped() -> None:
    _, headers, _ = read(
        {
            "statusCode": 200,
            "headers": {"Connection": "close", "Content-Length": "999", "X-Kept": "1"},
            "multiValueHeaders": {"Transfer-Encoding": ["chunked"], "content-type": ["text/plain"]},
            "body": "x",
        }
    )
    assert headers == [("X-Kept", "1"), ("content-type", "text/plain")]


@pytest.mark.parametrize(
    ("result", "message_part"),
    [
        pytest.param(b"not json", "not valid JSON", id="not-json"),
        pytest.param({"message": "hi"}, "got an object without statusCode", id="object-without-status"),
        pytest.param(b'"Hello, world!"', "got a string", id="string"),
        pytest.param(b"null", "got null", id="null"),
        pytest.param(b"[1]", "got an array", id="array"),
        pytest.param({"statusCode": 42, "body": "x"}, "statusCode 42", id="status-below-100"),
        pytest.param({"statusCode": None}, "statusCode None", id="status-null"),
        pytest.param({"statusCode": 200, "body": {"a": 1}}, "body must be a string, got an object", id="object-body"),
        pytest.param({"statusCode": 200, "body": 5}, "body must be a string, got a number", id="number-body"),
        pytest.param(
            {"statusCode": 200, "cookies": ["a=1"], "body": ""}, "unexpected keys ['cookies']", id="cookies-key"
        ),
        pytest.param({"statusCode": 200, "headers": ["x"]}, "headers must be an object", id="headers-array"),
        pytest.param(
            {"statusCode": 200, "multiValueHeaders": {"X-A": "1"}},
            "multiValueHeaders['X-A'] must be an array, got a string",
            id="multi-value-not-array",
        ),
        pytest.param(
            {"statusCode": 200, "multiValueHeaders": []}, "multiValueHeaders must be an object", id="multi-value-array"
        ),
        pytest.param(
            {"statusCode": 200, "headers": {"x-note": "a\r\nSet-Cookie: injected=1"}, "body": "ok"},
            "contains CR, LF or NUL",
            id="header-injection",
        ),
        pytest.param(
            {"statusCode": 200, "multiValueHeaders": {"x-note": ["ok", "a\nb"]}},
            "contains CR, LF or NUL",
            id="multi-value-injection",
        ),
        pytest.param({"statusCode": 200, "headers": {"bad name": "1"}}, "not a valid header name", id="header-name"),
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


def test_result_malformed_message_names_rest_rule() -> None:
    with pytest.raises(InvalidResponse) as raised:
        read({"message": "hi"})
    assert str(raised.value) == (
        "malformed Lambda proxy response: expected a JSON object with statusCode, got an object without statusCode"
    )
