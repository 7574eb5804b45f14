"""Application Load Balancer Lambda target: request events and result decoding.

Follows "Lambda functions as targets" in the Elastic Load Balancing User Guide
for Application Load Balancers: "Receive events from the load balancer",
"Respond to the load balancer", "Multi-value headers" and the limits at the
top of the page.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from lamux.errors import InvalidResponse, RequestTooLarge
from lamux.events import FORMATS
from lamux.events.alb import MAX_REQUEST_BODY, MAX_RESULT_JSON, TARGET_GROUP_ARN, ALBEvent, reason_phrase
from lamux.events.common import HTTPRequest

SINGLE = ALBEvent()
MULTI = ALBEvent(multi_value_headers=True)
HOST = "v1.orders.lambda.example.test"


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
        request_id="6f1c2a9e-3d4b-4c7e-9a51-2b8f0d6e4a11",
        time_epoch_ms=1796412000000,
    )


def test_registered_in_both_modes() -> None:
    assert FORMATS["alb"].name == "alb"
    assert FORMATS["alb-multi-value"].name == "alb-multi-value"
    assert isinstance(FORMATS["alb"], ALBEvent)
    assert isinstance(FORMATS["alb-multi-value"], ALBEvent)


def test_target_group_arn_well_formed() -> None:
    assert TARGET_GROUP_ARN.startswith("arn:aws:elasticloadbalancing:")
    assert ":targetgroup/" in TARGET_GROUP_ARN


def test_event_single_value_complete() -> None:
    event = SINGLE.build_event(make_request(target="/health", headers=[("User-Agent", "probe/1.0")]))
    assert event == {
        "requestContext": {"elb": {"targetGroupArn": TARGET_GROUP_ARN}},
        "httpMethod": "GET",
        "path": "/health",
        "queryStringParameters": {},
        "headers": {"host": HOST, "user-agent": "probe/1.0"},
        "body": "",
        "isBase64Encoded": False,
    }


def test_event_multi_value_complete() -> None:
    event = MULTI.build_event(make_request(target="/health", headers=[("User-Agent", "probe/1.0")]))
    assert event == {
        "requestContext": {"elb": {"targetGroupArn": TARGET_GROUP_ARN}},
        "httpMethod": "GET",
        "path": "/health",
        "multiValueQueryStringParameters": {},
        "multiValueHeaders": {"host": [HOST], "user-agent": ["probe/1.0"]},
        "headers": None,
        "body": "",
        "isBase64Encoded": False,
    }


def test_header_names_lowercased() -> None:
    request = make_request(
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
    assert SINGLE.build_event(request)["headers"] == {
        "host": HOST,
        "authorization": "Bearer PLACEHOLDER",
        "content-type": "application/json",
        "x_trace_tag": "abc",
        "content-length": "7",
    }
    assert MULTI.build_event(request)["multiValueHeaders"] == {
        "host": [HOST],
        "authorization": ["Bearer PLACEHOLDER"],
        "content-type": ["application/json"],
        "x_trace_tag": ["abc"],
        "content-length": ["7"],
    }


def test_repeated_headers_single_mode_last_wins() -> None:
    event = SINGLE.build_event(make_request(target="/probe", headers=[("X-Probe", "first"), ("x-probe", "second")]))
    assert event["headers"]["x-probe"] == "second"
    assert "multiValueHeaders" not in event


def test_repeated_headers_multi_mode_all_values() -> None:
    event = MULTI.build_event(make_request(target="/probe", headers=[("X-Probe", "first"), ("X-Probe", "second")]))
    assert event["multiValueHeaders"]["x-probe"] == ["first", "second"]
    assert event["headers"] is None
    assert "queryStringParameters" not in event


def test_cookie_lines_by_mode() -> None:
    request = make_request(headers=[("Cookie", "name1=value1"), ("Cookie", "name2=value2")])
    single = SINGLE.build_event(request)
    multi = MULTI.build_event(request)
    assert single["headers"]["cookie"] == "name2=value2"
    assert multi["multiValueHeaders"]["cookie"] == ["name1=value1", "name2=value2"]
    assert "cookies" not in single
    assert "cookies" not in multi


@pytest.mark.parametrize(
    ("target", "single", "multi"),
    [
        pytest.param(
            "/search?id=18&id=19&id=20&tag=a%2Cb",
            {"id": "20", "tag": "a%2Cb"},
            {"id": ["18", "19", "20"], "tag": ["a%2Cb"]},
            id="repeated-keys-not-decoded",
        ),
        pytest.param("/?&myKey=val1&myKey=val2", {"myKey": "val2"}, {"myKey": ["val1", "val2"]}, id="leading-amp"),
        pytest.param("/p?q=a+b%20c", {"q": "a+b%20c"}, {"q": ["a+b%20c"]}, id="plus-kept"),
        pytest.param("/p?k%20ey=1", {"k%20ey": "1"}, {"k%20ey": ["1"]}, id="key-not-decoded"),
        pytest.param("/p?flag&empty=", {"flag": "", "empty": ""}, {"flag": [""], "empty": [""]}, id="no-equals"),
        pytest.param("/items", {}, {}, id="no-query"),
    ],
)
def test_query_parameters_as_received(
    target: str, single: dict[str, str], multi: dict[str, list[str]]
) -> None:
    assert SINGLE.build_event(make_request(target=target))["queryStringParameters"] == single
    assert MULTI.build_event(make_request(target=target))["multiValueQueryStringParameters"] == multi


def test_path_keeps_encoding() -> None:
    assert SINGLE.build_event(make_request(target="/a%2Fb/caf%C3%A9"))["path"] == "/a%2Fb/caf%C3%A9"


@pytest.mark.parametrize("alb", [SINGLE, MULTI], ids=["single", "multi"])
@pytest.mark.parametrize(
    ("method", "target", "headers"),
    [
        pytest.param("GET", "/items", [], id="get"),
        pytest.param("DELETE", "/items/1", [("Content-Length", "0")], id="delete-length-0"),
    ],
)
def test_empty_body_is_empty_string(alb: ALBEvent, method: str, target: str, headers: list[tuple[str, str]]) -> None:
    event = alb.build_event(make_request(method, target, headers))
    assert event["body"] == ""
    assert event["isBase64Encoded"] is False


@pytest.mark.parametrize(
    ("content_type", "body", "expected_body", "is_base64"),
    [
        pytest.param("image/png", bytes.fromhex("89504E470D0A1A0A"), "iVBORw0KGgo=", True, id="png"),
        pytest.param(
            "application/json", '{"unicode":"lambda-λ"}'.encode(), '{"unicode":"lambda-λ"}', False, id="json-utf8"
        ),
        pytest.param("application/x-www-form-urlencoded", b"token=abc", "dG9rZW49YWJj", True, id="form"),
        pytest.param("text/html; charset=utf-8", b"<p>", "<p>", False, id="text-with-charset"),
        pytest.param("application/javascript", b"x()", "x()", False, id="javascript"),
        pytest.param("application/xml", b"<a/>", "<a/>", False, id="xml"),
        pytest.param("text/plain", b"caf\xe9", "Y2Fm6Q==", True, id="invalid-utf8-text"),
        pytest.param(None, b"abc", "YWJj", True, id="no-content-type"),
    ],
)
def test_body_encoding(content_type: str | None, body: bytes, expected_body: str, is_base64: bool) -> None:
    headers = [("Content-Type", content_type)] if content_type else []
    event = SINGLE.build_event(make_request("POST", "/upload", headers, body))
    assert event["body"] == expected_body
    assert event["isBase64Encoded"] is is_base64


def test_gzip_request_body_stays_compressed() -> None:
    compressed = base64.b64decode("H4sIAAAAAAACA6tWSlSyMqwFAK+sG1YHAAAA")
    event = SINGLE.build_event(
        make_request(
            "POST", "/ingest", [("Content-Type", "application/json"), ("Content-Encoding", "gzip")], compressed
        )
    )
    assert event["body"] == "H4sIAAAAAAACA6tWSlSyMqwFAK+sG1YHAAAA"
    assert event["isBase64Encoded"] is True
    assert event["headers"]["content-encoding"] == "gzip"


@pytest.mark.parametrize("alb", [SINGLE, MULTI], ids=["single", "multi"])
def test_body_at_limit_accepted(alb: ALBEvent) -> None:
    event = alb.build_event(make_request("POST", "/upload", [("Content-Type", "text/plain")], b"a" * MAX_REQUEST_BODY))
    assert len(event["body"]) == MAX_REQUEST_BODY


@pytest.mark.parametrize("alb", [SINGLE, MULTI], ids=["single", "multi"])
def test_body_over_limit_is_413(alb: ALBEvent) -> None:
    with pytest.raises(RequestTooLarge) as raised:
        alb.build_event(make_request("POST", "/upload", [], b"a" * (MAX_REQUEST_BODY + 1)))
    assert raised.value.status == 413
    assert str(raised.value) == (
        "request body of 1048577 bytes exceeds the Application Load Balancer's limit of 1048576 bytes "
        "for Lambda targets"
    )


# --- results -----------------------------------------------------------------


def encode(result: Any) -> bytes:
    return result if isinstance(result, bytes) else json.dumps(result).encode()


def test_result_documented_example() -> None:
    response = SINGLE.read_result(
        encode(
            {
                "isBase64Encoded": False,
                "statusCode": 200,
                "statusDescription": "200 OK",
                "headers": {"Set-cookie": "cookies", "Content-Type": "application/json"},
                "body": "Hello from Lambda (optional)",
            }
        )
    )
    assert response.status == 200
    assert response.reason == "OK"
    assert response.headers == [("Set-cookie", "cookies"), ("Content-Type", "application/json")]
    assert response.body == b"Hello from Lambda (optional)"


@pytest.mark.parametrize(
    ("status", "description", "reason"),
    [
        pytest.param(200, "200 OK", "OK", id="ok"),
        pytest.param(404, "404 Not Found", "Not Found", id="not-found"),
        pytest.param(200, "200 All Good", "All Good", id="custom-phrase"),
        pytest.param(200, None, None, id="missing"),
        pytest.param(200, 200, None, id="not-a-string"),
        pytest.param(200, "OK", None, id="no-code"),
        pytest.param(200, "200", None, id="no-phrase"),
        pytest.param(200, "200 ", None, id="empty-phrase"),
        pytest.param(200, "404 Not Found", None, id="code-mismatch"),
        pytest.param(200, "200 OK\r\nX-Injected: 1", None, id="line-break"),
        pytest.param(200, "200 Très bien", None, id="non-ascii"),
    ],
)
def test_reason_phrase_from_status_description(status: int, description: object, reason: str | None) -> None:
    assert reason_phrase(status, description) == reason


def test_result_no_description_standard_phrase() -> None:
    response = SINGLE.read_result(encode({"statusCode": 404, "body": "gone"}))
    assert response.status == 404
    assert response.reason is None
    assert response.headers == [("Content-Type", "application/octet-stream")]


def test_result_single_mode_ignores_multi_value_headers() -> None:
    response = SINGLE.read_result(
        encode({"statusCode": 200, "headers": {"X-A": "1"}, "multiValueHeaders": {"X-B": ["2"]}})
    )
    assert response.headers == [("X-A", "1")]


def test_result_multi_mode_ignores_headers() -> None:
    response = MULTI.read_result(
        encode({"statusCode": 200, "headers": {"X-A": "1"}, "multiValueHeaders": {"X-B": ["2", "3"]}})
    )
    assert response.headers == [("X-B", "2"), ("X-B", "3")]


def test_result_multi_mode_set_cookies() -> None:
    cookies = [
        "cookie-name=cookie-value;Domain=myweb.com;Secure;HttpOnly",
        "cookie-name=cookie-value;Expires=May 8, 2019",
    ]
    response = MULTI.read_result(
        encode({"statusCode": 200, "multiValueHeaders": {"Set-cookie": cookies, "Content-Type": ["application/json"]}})
    )
    assert response.headers == [
        ("Set-cookie", cookies[0]),
        ("Set-cookie", cookies[1]),
        ("Content-Type", "application/json"),
    ]


def test_result_hop_by_hop_and_length_dropped() -> None:
    response = SINGLE.read_result(
        encode(
            {
                "statusCode": 200,
                "headers": {"Connection": "close", "Transfer-Encoding": "chunked", "Content-Length": "9", "X-K": "1"},
                "body": "",
            }
        )
    )
    assert response.headers == [("X-K", "1")]


def test_result_null_header_values_skipped() -> None:
    single = SINGLE.read_result(encode({"statusCode": 200, "headers": {"X-A": None}}))
    multi = MULTI.read_result(encode({"statusCode": 200, "multiValueHeaders": {"X-A": None, "X-B": [None, "b"]}}))
    assert single.headers == []
    assert multi.headers == [("X-B", "b")]


def test_result_default_content_type_octet_stream() -> None:
    assert SINGLE.read_result(encode({"statusCode": 200, "body": "x"})).headers == [
        ("Content-Type", "application/octet-stream")
    ]
    assert SINGLE.read_result(encode({"statusCode": 204})).headers == []
    typed = SINGLE.read_result(encode({"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "x"}))
    assert typed.headers == [("content-type", "text/plain")]


def test_result_base64_gzip_passes_unchanged() -> None:
    gz = "H4sIAAAAAAACA6tWys9WsiopKk2tBQCQX9SnCwAAAA=="
    response = SINGLE.read_result(
        encode(
            {
                "statusCode": 200,
                "statusDescription": "200 OK",
                "headers": {"content-type": "application/json", "content-encoding": "gzip"},
                "isBase64Encoded": True,
                "body": gz,
            }
        )
    )
    assert len(response.body) == 31
    assert gzip.decompress(response.body) == b'{"ok":true}'
    assert ("content-encoding", "gzip") in response.headers


def test_result_integer_string_status() -> None:
    assert SINGLE.read_result(encode({"statusCode": "201", "body": "created"})).status == 201


def test_result_json_at_limit_accepted() -> None:
    prefix = b'{"statusCode": 200, "body": "'
    payload = prefix + b"a" * (MAX_RESULT_JSON - len(prefix) - 2) + b'"}'
    assert len(payload) == MAX_RESULT_JSON
    assert len(SINGLE.read_result(payload).body) == MAX_RESULT_JSON - len(prefix) - 2


def test_result_json_over_limit_is_502() -> None:
    payload = b'{"statusCode": 200, "body": "' + b"a" * MAX_RESULT_JSON + b'"}'
    with pytest.raises(InvalidResponse) as raised:
        SINGLE.read_result(payload)
    assert raised.value.status == 502
    assert f"{len(payload)} bytes of JSON exceeds" in str(raised.value)


@pytest.mark.parametrize("alb", [SINGLE, MULTI], ids=["single", "multi"])
@pytest.mark.parametrize(
    ("result", "message_part"),
    [
        pytest.param(b"not json", "not valid JSON", id="not-json"),
        pytest.param({"message": "hi"}, "got an object without statusCode", id="object-without-status"),
        pytest.param(b'"Hello, world!"', "got a string", id="string"),
        pytest.param(b"null", "got null", id="null"),
        pytest.param({"statusCode": 42, "body": "x"}, "statusCode 42", id="status-below-100"),
        pytest.param({"statusCode": 200, "body": {"a": 1}}, "body must be a string, got an object", id="object-body"),
        pytest.param(
            {"statusCode": 200, "isBase64Encoded": True, "body": "***"}, "not valid base64", id="invalid-base64"
        ),
    ],
)
def test_result_invalid(alb: ALBEvent, result: Any, message_part: str) -> None:
    with pytest.raises(InvalidResponse) as raised:
        alb.read_result(encode(result))
    assert message_part in str(raised.value)
    assert raised.value.status == 502


@pytest.mark.parametrize(
    ("result", "message_part"),
    [
        pytest.param({"statusCode": 200, "headers": ["x"]}, "headers must be an object", id="headers-array"),
        pytest.param(
            {"statusCode": 200, "headers": {"Content-Length": 2}, "body": "ok"},
            "header 'Content-Length' must be a string, got a number",
            id="numeric-value",
        ),
        pytest.param(
            {"statusCode": 200, "headers": {"Access-Control-Allow-Credentials": True}},
            "header 'Access-Control-Allow-Credentials' must be a string, got a boolean",
            id="boolean-value",
        ),
        pytest.param(
            {"statusCode": 200, "headers": {"x-note": "a\r\nSet-Cookie: injected=1"}},
            "contains CR, LF or NUL",
            id="header-injection",
        ),
        pytest.param({"statusCode": 200, "headers": {"bad name": "1"}}, "not a valid header name", id="header-name"),
    ],
)
def test_result_invalid_single_value_headers(result: Any, message_part: str) -> None:
    with pytest.raises(InvalidResponse) as raised:
        SINGLE.read_result(encode(result))
    assert message_part in str(raised.value)


@pytest.mark.parametrize(
    ("result", "message_part"),
    [
        pytest.param(
            {"statusCode": 200, "multiValueHeaders": ["x"]}, "multiValueHeaders must be an object", id="not-object"
        ),
        pytest.param(
            {"statusCode": 200, "multiValueHeaders": {"X-A": "1"}},
            "multiValueHeaders['X-A'] must be an array, got a string",
            id="value-not-array",
        ),
        pytest.param(
            {"statusCode": 200, "multiValueHeaders": {"X-A": [1]}},
            "header 'X-A' must be a string, got a number",
            id="numeric-element",
        ),
        pytest.param(
            {"statusCode": 200, "multiValueHeaders": {"x-note": ["a\nb"]}}, "contains CR, LF or NUL", id="injection"
        ),
    ],
)
def test_result_invalid_multi_value_headers(result: Any, message_part: str) -> None:
    with pytest.raises(InvalidResponse) as raised:
        MULTI.read_result(encode(result))
    assert message_part in str(raised.value)
