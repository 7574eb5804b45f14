"""In-process tests of the hello echo handlers in examples/hello/{main,feature-x}."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qsl

import pytest

HELLO_DIR = Path(__file__).resolve().parents[2] / "examples" / "hello"
REQUEST_ID = "6f1c2a9e-3d4b-4c7e-9a51-2b8f0d6e4a11"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:hello"


def load_app(code_dir: str) -> ModuleType:
    """Import examples/hello/CODE_DIR/app.py under a name unique to that directory."""
    module_name = f"lamux_example_hello_{code_dir.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(module_name, HELLO_DIR / code_dir / "app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


MAIN = load_app("main")
FEATURE_X = load_app("feature-x")


@dataclass
class FakeLambdaContext:
    """Test double for the context object that awslambdaric passes to a handler."""

    invoked_function_arn: str = f"{FUNCTION_ARN}:main"
    function_name: str = "hello"
    function_version: str = "$LATEST"
    memory_limit_in_mb: str = "128"
    aws_request_id: str = "0c8d1f7e-5b2a-4e3c-8f61-9d0a7b4c2e15"
    log_group_name: str = "/aws/lambda/hello"
    log_stream_name: str = "2024/01/04/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 5000


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
        "host": "main.hello.localhost",
        "user-agent": "curl/8.5.0",
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
            "apiId": "hello",
            "domainName": all_headers["host"],
            "domainPrefix": "main",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": all_headers["user-agent"],
            },
            "requestId": REQUEST_ID,
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


@pytest.fixture(autouse=True)
def function_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREETING", "Hello from lamux")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "hello")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")


def invoke(module: ModuleType, event: dict, context: FakeLambdaContext | None = None) -> tuple[dict, dict]:
    """Call the module's handler and return the result and its parsed JSON body."""
    result = module.handler(event, context or FakeLambdaContext())
    return result, json.loads(result["body"])


def test_main_echoes_get_request() -> None:
    event = make_event(
        path="/greet/world",
        query="tag=a&tag=b%20c&debug",
        headers={"x-custom": "one,two"},
        cookies=["sid=abc", "theme=dark"],
    )

    result, echo = invoke(MAIN, event)

    assert result["statusCode"] == 200
    assert result["headers"] == {"content-type": "application/json"}
    assert echo == {
        "greeting": "Hello from lamux",
        "code": "main",
        "alias": "main",
        "functionName": "hello",
        "functionVersion": "$LATEST",
        "method": "GET",
        "rawPath": "/greet/world",
        "rawQueryString": "tag=a&tag=b%20c&debug",
        "queryStringParameters": {"tag": "a,b c", "debug": ""},
        "headers": event["headers"],
        "cookies": ["sid=abc", "theme=dark"],
        "body": None,
        "bodyIsBase64": False,
        "requestId": REQUEST_ID,
    }


def test_feature_x_differs_from_main() -> None:
    event = make_event(path="/", headers={"host": "feature-x.hello.localhost"})
    context = FakeLambdaContext(invoked_function_arn=f"{FUNCTION_ARN}:feature-x")

    _, main_echo = invoke(MAIN, event, context)
    _, feature_echo = invoke(FEATURE_X, event, context)

    assert main_echo["code"] == "main"
    assert feature_echo["code"] == "feature-x"
    assert main_echo["greeting"] == "Hello from lamux"
    assert feature_echo["greeting"] == "Hello from lamux, from feature-x"
    assert feature_echo["alias"] == "feature-x"
    different_keys = {key for key in main_echo if main_echo[key] != feature_echo[key]}
    assert different_keys == {"code", "greeting"}


@pytest.mark.parametrize("module", [MAIN, FEATURE_X], ids=["main", "feature-x"])
def test_plain_json_body_echoed(module: ModuleType) -> None:
    event = make_event(
        method="POST",
        path="/items",
        headers={"content-type": "application/json", "content-length": "9"},
        body='{"qty":3}',
    )

    _, echo = invoke(module, event)

    assert echo["method"] == "POST"
    assert echo["body"] == '{"qty":3}'
    assert echo["bodyIsBase64"] is False


def test_base64_text_body_decoded() -> None:
    text = "name=J%C3%BCrgen&note=caf\u00e9"
    event = make_event(
        method="POST",
        headers={"content-type": "application/x-www-form-urlencoded"},
        body=base64.b64encode(text.encode("utf-8")).decode("ascii"),
        is_base64=True,
    )

    _, echo = invoke(MAIN, event)

    assert echo["body"] == text
    assert echo["bodyIsBase64"] is False


def test_base64_binary_body_kept() -> None:
    encoded = base64.b64encode(b"\x89PNG\r\n\x1a\n\xff\x00").decode("ascii")
    event = make_event(
        method="PUT",
        headers={"content-type": "application/octet-stream"},
        body=encoded,
        is_base64=True,
    )

    _, echo = invoke(FEATURE_X, event)

    assert echo["body"] == encoded
    assert echo["bodyIsBase64"] is True


def test_invalid_base64_body_kept() -> None:
    event = make_event(method="POST", body="not base64!", is_base64=True)

    _, echo = invoke(MAIN, event)

    assert echo["body"] == "not base64!"
    assert echo["bodyIsBase64"] is True


def test_request_without_optional_fields() -> None:
    event = make_event(path="/")

    _, echo = invoke(MAIN, event)

    assert "queryStringParameters" not in event
    assert "cookies" not in event
    assert echo["rawQueryString"] == ""
    assert echo["queryStringParameters"] == {}
    assert echo["cookies"] == []
    assert echo["body"] is None


def test_unqualified_arn_has_no_alias() -> None:
    context = FakeLambdaContext(invoked_function_arn=FUNCTION_ARN)

    _, echo = invoke(MAIN, make_event(), context)

    assert echo["alias"] is None


def test_greeting_default_without_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GREETING")

    _, main_echo = invoke(MAIN, make_event())
    _, feature_echo = invoke(FEATURE_X, make_event())

    assert main_echo["greeting"] == "Hello"
    assert feature_echo["greeting"] == "Hello, from feature-x"
