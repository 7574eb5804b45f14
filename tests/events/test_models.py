"""Events lamux builds, checked against Powertools for AWS Lambda (Python).

The parser models (``aws_lambda_powertools.utilities.parser.models``) and the
event source data classes (``aws_lambda_powertools.utilities.data_classes``)
are what many functions use to read these events, so every event must
validate and read back the request's path, query, headers and body.
"""

from __future__ import annotations

import base64
import gzip
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aws_lambda_powertools.utilities.data_classes import (
    ALBEvent,
    APIGatewayProxyEvent,
    APIGatewayProxyEventV2,
    LambdaFunctionUrlEvent,
)
from aws_lambda_powertools.utilities.parser.models import (
    AlbModel,
    APIGatewayProxyEventModel,
    APIGatewayProxyEventV2Model,
    LambdaFunctionUrlModel,
)
from pydantic import BaseModel, ValidationError

from lamux.events import FORMATS
from lamux.events.common import HTTPRequest

HOST = "v1.orders.lambda.example.test"


def make_request(
    method: str,
    target: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    source_ip: str = "192.0.2.10",
) -> HTTPRequest:
    raw_path, _, raw_query = target.partition("?")
    return HTTPRequest(
        method=method,
        raw_path=raw_path,
        raw_query=raw_query,
        headers=[("Host", HOST), ("User-Agent", "curl/8.5.0"), *(headers or [])],
        body=body,
        host=HOST,
        source_ip=source_ip,
        protocol="HTTP/1.1",
        request_id="6f1c2a9e-3d4b-4c7e-9a51-2b8f0d6e4a11",
        time_epoch_ms=1796412000000,
    )


REQUESTS = [
    pytest.param(make_request("GET", "/"), id="get-root"),
    pytest.param(make_request("GET", "/search?id=18&id=19&id=20&tag=a%2Cb"), id="get-repeated-query"),
    pytest.param(make_request("GET", "/caf%C3%A9/a%2Fb?q=a+b%20c"), id="get-encoded-path"),
    pytest.param(make_request("GET", "/p?flag&empty=&x=1"), id="get-blank-query-values"),
    pytest.param(
        make_request("POST", "/v1/items", [("Content-Type", "application/json")], '{"name":"λ"}'.encode()),
        id="post-json",
    ),
    pytest.param(
        make_request("POST", "/form", [("Content-Type", "application/x-www-form-urlencoded")], b"token=abc&x=1"),
        id="post-form",
    ),
    pytest.param(
        make_request("PUT", "/upload/logo.png", [("Content-Type", "image/png")], bytes.fromhex("89504E470D0A1A0A")),
        id="put-png",
    ),
    pytest.param(
        make_request("PATCH", "/notes/7", [("Content-Type", "text/plain; charset=utf-8")], "héllo".encode()),
        id="patch-text",
    ),
    pytest.param(make_request("DELETE", "/items/1", [("Content-Length", "0")]), id="delete-no-body"),
    pytest.param(make_request("HEAD", "/health"), id="head"),
    pytest.param(
        make_request(
            "OPTIONS",
            "/items",
            [("Origin", "https://app.example.test"), ("Access-Control-Request-Method", "POST")],
        ),
        id="options-preflight",
    ),
    pytest.param(make_request("GET", "/me", [("Cookie", "session=PLACEHOLDER; theme=dark")]), id="cookie"),
    pytest.param(
        make_request("GET", "/probe", [("X-Probe", "first"), ("X-Probe", "second"), ("Accept", "text/html")]),
        id="repeated-headers",
    ),
    pytest.param(make_request("POST", "/raw", [], b"\x00\x01\xfe\xff"), id="post-no-content-type"),
    pytest.param(
        make_request(
            "POST",
            "/ingest",
            [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
            gzip.compress(b'{"a":1}', mtime=0),
        ),
        id="post-gzip",
    ),
    pytest.param(
        make_request("GET", "/whoami", [("X-Display-Name", "日本")], source_ip="2001:db8::7"),
        id="ipv6-peer",
    ),
]

MODELS = [
    pytest.param("2.0", APIGatewayProxyEventV2Model, id="2.0-http-api"),
    pytest.param("2.0", LambdaFunctionUrlModel, id="2.0-function-url"),
    pytest.param("1.0", APIGatewayProxyEventModel, id="1.0-rest-api"),
    pytest.param("alb", AlbModel, id="alb"),
]


@pytest.mark.parametrize(("format_name", "model"), MODELS)
@pytest.mark.parametrize("request_", REQUESTS)
def test_event_validates_against_model(request_: HTTPRequest, format_name: str, model: type[BaseModel]) -> None:
    event = FORMATS[format_name].build_event(request_)
    parsed: Any = model.model_validate(event)
    if format_name == "2.0":
        assert parsed.rawPath == request_.raw_path
        assert parsed.requestContext.http.method == request_.method
    else:
        assert parsed.path == request_.raw_path
        assert parsed.httpMethod == request_.method


def test_alb_model_rejects_multi_value_events() -> None:
    """Record a gap in Powertools 3.37: AlbModel requires headers and queryStringParameters objects.

    In multi-value mode the load balancer sends neither as an object (headers
    is null in a captured event, queryStringParameters absent), so AlbModel
    cannot validate any multi-value event. When a Powertools release accepts
    them, this test fails: then move "alb-multi-value" into MODELS.
    """
    event = FORMATS["alb-multi-value"].build_event(make_request("GET", "/todos?a=1"))
    with pytest.raises(ValidationError) as raised:
        AlbModel.model_validate(event)
    rejected = {error["loc"] for error in raised.value.errors()}
    assert rejected == {("headers",), ("queryStringParameters",)}


# --- data classes ------------------------------------------------------------


def grouped_headers(request: HTTPRequest) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in request.headers:
        grouped.setdefault(name.lower(), []).append(value)
    return grouped


def decoded_query(request: HTTPRequest) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in parse_qsl(request.raw_query, keep_blank_values=True):
        grouped.setdefault(key, []).append(value)
    return grouped


def raw_query(request: HTTPRequest) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for piece in filter(None, request.raw_query.split("&")):
        key, _, value = piece.partition("=")
        grouped.setdefault(key, []).append(value)
    return grouped


def body_bytes(event: Any) -> bytes:
    if not event.body:
        return b""
    return base64.b64decode(event.body) if event.is_base64_encoded else event.body.encode()


@pytest.mark.parametrize("request_", REQUESTS)
def test_rest_api_data_class_reads_request(request_: HTTPRequest) -> None:
    event = APIGatewayProxyEvent(FORMATS["1.0"].build_event(request_))
    assert event.path == request_.raw_path
    assert event.http_method == request_.method
    assert event.request_context.identity.source_ip == request_.source_ip
    assert event.multi_value_query_string_parameters == decoded_query(request_)
    assert event.query_string_parameters == {key: values[-1] for key, values in decoded_query(request_).items()}
    for name, values in grouped_headers(request_).items():
        assert event.headers.get(name) == values[-1]
        assert event.multi_value_headers.get(name) == values
    assert body_bytes(event) == request_.body


@pytest.mark.parametrize("data_class", [APIGatewayProxyEventV2, LambdaFunctionUrlEvent])
@pytest.mark.parametrize("request_", REQUESTS)
def test_v2_data_classes_read_request(request_: HTTPRequest, data_class: type[APIGatewayProxyEventV2]) -> None:
    event = data_class(FORMATS["2.0"].build_event(request_))
    assert event.path == request_.raw_path
    assert event.raw_query_string == request_.raw_query
    assert event.http_method == request_.method
    assert event.request_context.http.source_ip == request_.source_ip
    assert event.query_string_parameters == {key: ",".join(values) for key, values in decoded_query(request_).items()}
    for name, values in grouped_headers(request_).items():
        separator = "; " if name == "cookie" else ","
        assert event.headers.get(name) == separator.join(values)
    assert body_bytes(event) == request_.body


@pytest.mark.parametrize("request_", REQUESTS)
def test_alb_data_class_single_value(request_: HTTPRequest) -> None:
    event = ALBEvent(FORMATS["alb"].build_event(request_))
    assert event.path == request_.raw_path
    assert event.http_method == request_.method
    assert event.query_string_parameters == {key: values[-1] for key, values in raw_query(request_).items()}
    for name, values in grouped_headers(request_).items():
        assert event.headers.get(name) == values[-1]
    assert body_bytes(event) == request_.body


@pytest.mark.parametrize("request_", REQUESTS)
def test_alb_data_class_multi_value(request_: HTTPRequest) -> None:
    event = ALBEvent(FORMATS["alb-multi-value"].build_event(request_))
    assert event.path == request_.raw_path
    assert event.http_method == request_.method
    assert event.multi_value_query_string_parameters == raw_query(request_)
    assert event.resolved_query_string_parameters == raw_query(request_)
    for name, values in grouped_headers(request_).items():
        assert event.multi_value_headers.get(name) == values
    assert body_bytes(event) == request_.body


@pytest.mark.parametrize(
    ("format_name", "data_class"),
    [
        pytest.param("1.0", APIGatewayProxyEvent, id="1.0"),
        pytest.param("2.0", APIGatewayProxyEventV2, id="2.0"),
        pytest.param("2.0", LambdaFunctionUrlEvent, id="2.0-function-url"),
        pytest.param("alb", ALBEvent, id="alb"),
        pytest.param("alb-multi-value", ALBEvent, id="alb-multi-value"),
    ],
)
def test_data_classes_read_cookies_and_json(format_name: str, data_class: type[Any]) -> None:
    request = make_request(
        "POST",
        "/me",
        [("Cookie", "session=PLACEHOLDER; theme=dark"), ("Content-Type", "application/json")],
        b'{"qty":3}',
    )
    event = data_class(FORMATS[format_name].build_event(request))
    assert event.resolved_cookies_field == {"session": "PLACEHOLDER", "theme": "dark"}
    assert event.json_body == {"qty": 3}
    assert event.decoded_body == '{"qty":3}'
