"""The Invoke API of the local Lambda service on the wire: status lines, headers and bodies.

These requests are signed with botocore's SigV4 signer but sent with aiohttp, to check what
an SDK would hide: exact error bodies, header names, encodings of FunctionName.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from yarl import URL

from lamux.local import LocalLambdaService

ARN_PREFIX = "arn:aws:lambda:us-east-1:000000000000:function:"
REQUEST_ID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

SignedHeaders = Callable[..., dict[str, str]]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def invoke_url(service: LocalLambdaService, encoded_name: str, query: str = "") -> URL:
    """Build an Invoke URL from an already percent-encoded FunctionName."""
    path = f"/2015-03-31/functions/{encoded_name}/invocations"
    return URL(f"{service.endpoint_url}{path}{query}", encoded=True)


async def post(
    http: aiohttp.ClientSession,
    signed_headers: SignedHeaders,
    url: URL,
    body: bytes = b"{}",
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, bytes]:
    all_headers = signed_headers(str(url), body, headers)
    async with http.post(url, data=body, headers=all_headers) as response:
        return response.status, response.headers, await response.read()


async def test_missing_authorization(
    service: LocalLambdaService, http: aiohttp.ClientSession
) -> None:
    async with http.post(invoke_url(service, "echo"), data=b"{}") as response:
        body = await response.read()
        assert response.status == 403
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
        assert response.headers["Content-Type"] == "application/json"
        assert REQUEST_ID_RE.fullmatch(response.headers["x-amzn-RequestId"])
    assert json.loads(body) == {"message": "Missing Authentication Token"}


async def test_non_sigv4_authorization(
    service: LocalLambdaService, http: aiohttp.ClientSession
) -> None:
    headers = {"Authorization": "Basic dXNlcjpwYXNz"}
    async with http.post(invoke_url(service, "echo"), data=b"{}", headers=headers) as response:
        assert response.status == 403
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


@pytest.mark.parametrize(
    "encoded_name",
    [
        pytest.param("greeter:stable", id="raw-colon"),
        pytest.param("greeter%3Astable", id="percent-encoded-colon"),
        pytest.param(
            "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Agreeter%3Astable",
            id="encoded-arn",
        ),
    ],
)
async def test_function_name_encodings(
    service: LocalLambdaService,
    http: aiohttp.ClientSession,
    signed_headers: SignedHeaders,
    encoded_name: str,
) -> None:
    status, headers, body = await post(http, signed_headers, invoke_url(service, encoded_name))
    assert status == 200
    assert headers["X-Amz-Executed-Version"] == "1"
    assert (
        json.loads(json.loads(body)["body"])["invoked_function_arn"]
        == ARN_PREFIX + "greeter:stable"
    )


async def test_success_headers(
    service: LocalLambdaService, http: aiohttp.ClientSession, signed_headers: SignedHeaders
) -> None:
    status, headers, body = await post(
        http, signed_headers, invoke_url(service, "echo"), b'{"a": 1}'
    )
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Amz-Executed-Version"] == "$LATEST"
    assert REQUEST_ID_RE.fullmatch(headers["x-amzn-RequestId"])
    assert "X-Amz-Function-Error" not in headers
    assert "X-Amz-Log-Result" not in headers
    assert json.loads(body)["body"] == '{"a": 1}'


async def test_not_found_body(
    service: LocalLambdaService, http: aiohttp.ClientSession, signed_headers: SignedHeaders
) -> None:
    status, headers, body = await post(
        http, signed_headers, invoke_url(service, "greeter", "?Qualifier=nope")
    )
    assert status == 404
    assert headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert headers["Content-Type"] == "application/json"
    assert REQUEST_ID_RE.fullmatch(headers["x-amzn-RequestId"])
    assert json.loads(body) == {
        "Type": "User",
        "Message": f"Function not found: {ARN_PREFIX}greeter:nope",
    }


async def test_invalid_json_body(
    service: LocalLambdaService, http: aiohttp.ClientSession, signed_headers: SignedHeaders
) -> None:
    status, headers, body = await post(http, signed_headers, invoke_url(service, "echo"), b"{")
    assert status == 400
    assert headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
    error = json.loads(body)
    assert list(error) == ["Type", "message"]
    assert error["Type"] == "User"


async def test_throttled_body(
    service: LocalLambdaService,
    http: aiohttp.ClientSession,
    signed_headers: SignedHeaders,
    tmp_path: Any,
    functions_dir: Any,
) -> None:
    path = tmp_path / "lamux.toml"
    path.write_text(
        "[functions.off]\n"
        'handler = "app.handler"\n'
        f'code = "{functions_dir / "echo"}"\n'
        "concurrency = 0\n"
    )
    throttled = LocalLambdaService.from_file(path)
    await throttled.start()
    try:
        status, headers, body = await post(http, signed_headers, invoke_url(throttled, "off"))
    finally:
        await throttled.close()
    assert status == 429
    assert headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert headers["Retry-After"] == "1"
    assert json.loads(body) == {
        "Type": "User",
        "message": "Rate Exceeded.",
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
    }


async def test_function_error_headers(
    service: LocalLambdaService, http: aiohttp.ClientSession, signed_headers: SignedHeaders
) -> None:
    status, headers, body = await post(
        http, signed_headers, invoke_url(service, "quirks:$LATEST"), b'{"rawPath": "/raise"}'
    )
    assert status == 200
    assert headers["X-Amz-Function-Error"] == "Unhandled"
    assert headers["X-Amz-Executed-Version"] == "$LATEST"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["errorType"] == "ValueError"


async def test_event_and_dry_run_status(
    service: LocalLambdaService, http: aiohttp.ClientSession, signed_headers: SignedHeaders
) -> None:
    url = invoke_url(service, "echo")
    for invocation_type, expected in (("Event", 202), ("DryRun", 204)):
        status, headers, body = await post(
            http, signed_headers, url, headers={"X-Amz-Invocation-Type": invocation_type}
        )
        assert status == expected
        assert body == b""
        assert REQUEST_ID_RE.fullmatch(headers["x-amzn-RequestId"])


async def test_invalid_log_type(
    service: LocalLambdaService, http: aiohttp.ClientSession, signed_headers: SignedHeaders
) -> None:
    status, headers, body = await post(
        http, signed_headers, invoke_url(service, "echo"), headers={"X-Amz-Log-Type": "Full"}
    )
    assert status == 400
    assert headers["x-amzn-ErrorType"] == "ValidationException"
    assert json.loads(body) == {
        "message": "1 validation error detected: Value 'Full' at 'logType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [None, Tail]"
    }


async def test_invalid_qualifier_parameter(
    service: LocalLambdaService, http: aiohttp.ClientSession, signed_headers: SignedHeaders
) -> None:
    status, headers, body = await post(
        http, signed_headers, invoke_url(service, "echo", "?Qualifier=a.b")
    )
    assert status == 400
    assert headers["x-amzn-ErrorType"] == "ValidationException"
    assert "at 'qualifier' failed to satisfy constraint" in json.loads(body)["message"]


async def test_trace_id_passed_to_runtime(
    service: LocalLambdaService, http: aiohttp.ClientSession, signed_headers: SignedHeaders
) -> None:
    trace_id = "Root=1-65a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
    status, _, body = await post(
        http, signed_headers, invoke_url(service, "custom"), headers={"X-Amzn-Trace-Id": trace_id}
    )
    assert status == 200
    assert json.loads(body)["headers"]["Lambda-Runtime-Trace-Id"] == trace_id


async def test_client_context_decoded_for_runtime(
    service: LocalLambdaService, http: aiohttp.ClientSession, signed_headers: SignedHeaders
) -> None:
    context = '{"custom":{"tenant":"blue"}}'
    encoded = "eyJjdXN0b20iOnsidGVuYW50IjoiYmx1ZSJ9fQ=="
    status, _, body = await post(
        http,
        signed_headers,
        invoke_url(service, "custom"),
        headers={"X-Amz-Client-Context": encoded},
    )
    assert status == 200
    assert json.loads(body)["headers"]["Lambda-Runtime-Client-Context"] == context


async def test_unknown_path_has_request_id(
    service: LocalLambdaService, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{service.endpoint_url}/2015-03-31/functions") as response:
        assert response.status == 404
        assert REQUEST_ID_RE.fullmatch(response.headers["x-amzn-RequestId"])
