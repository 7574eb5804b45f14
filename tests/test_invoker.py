"""The Invoke client against a loopback stub of the Lambda API.

The stub checks each request's SigV4 signature by signing the same request
again with botocore, so these tests fail if lamux signs anything differently
from the AWS SDK.
"""

from __future__ import annotations

import asyncio
import datetime
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import botocore.session
import pytest
from aiohttp import web
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from lamux.errors import (
    ConfigError,
    FunctionNotFound,
    FunctionUnavailable,
    ProxyError,
    RequestTooLarge,
    Throttled,
    UpstreamError,
    UpstreamTimeout,
)
from lamux.invoker import LambdaInvoker, error_for_response
from lamux.routing import Target
from lamux.signing import BotocoreSigner, CrtSigner

SECRETS = {"AKIDLAMUXTEST": "lamux-test-secret"}
CALLS = web.AppKey("calls", list)


def expected_signature(request: web.Request, body: bytes, secret: str, token: str | None) -> str:
    """Sign the received request again with botocore and return the signature."""
    credential = request.headers["Authorization"].split("Credential=", 1)[1]
    access_key, _, region = credential.split("/")[:3]
    signed_names = request.headers["Authorization"].split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
    replay = AWSRequest(
        method=request.method,
        url=f"http://{request.host}{request.raw_path}",
        data=body,
        headers={name: request.headers[name] for name in signed_names},
    )
    # botocore reads the signing time from the request context.
    replay.context["timestamp"] = request.headers["X-Amz-Date"]
    signer = SigV4Auth(ReadOnlyCredentials(access_key, secret, token), "lambda", region)
    canonical = signer.canonical_request(replay)
    return signer.signature(signer.string_to_sign(replay, canonical), replay)


class StubLambda:
    """A loopback Lambda API that verifies signatures and returns the response a test sets."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answer: Callable[[web.Request, bytes], web.Response] = lambda r, b: web.Response(
            body=b'{"ok":true}', headers={"X-Amz-Executed-Version": "3"}
        )
        self.secrets = dict(SECRETS)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        authorization = request.headers.get("Authorization", "")
        access_key = authorization.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in authorization else ""
        token = request.headers.get("X-Amz-Security-Token")
        valid = access_key in self.secrets and authorization.endswith(
            "Signature=" + expected_signature(request, body, self.secrets[access_key], token)
        )
        self.requests.append(
            {
                "path": request.raw_path,
                "function": request.match_info["function"],
                "qualifier": request.query.get("Qualifier"),
                "body": body,
                "signature_valid": valid,
                "access_key": access_key,
                "token": token,
                "trace": request.headers.get("X-Amzn-Trace-Id"),
            }
        )
        if not valid:
            return web.json_response(
                {"message": "The request signature we calculated does not match the signature you provided."},
                status=403,
                headers={"x-amzn-ErrorType": "InvalidSignatureException"},
            )
        return self.answer(request, body)


@pytest.fixture
async def stub() -> AsyncIterator[tuple[StubLambda, str]]:
    lambda_api = StubLambda()
    app = web.Application(client_max_size=10 * 1024 * 1024)
    app.router.add_post("/2015-03-31/functions/{function}/invocations", lambda_api.handle)
    app.router.add_get("/credentials", credentials_handler)
    app[CALLS] = [0]
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield lambda_api, f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def credentials_handler(request: web.Request) -> web.Response:
    """Container-credentials endpoint handing out a new key that expires in 5 minutes."""
    request.app[CALLS][0] += 1
    number = request.app[CALLS][0]
    expiration = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)
    return web.json_response(
        {
            "AccessKeyId": f"ASIAROTATED{number}",
            "SecretAccessKey": f"rotated-secret-{number}",
            "Token": f"token-{number}",
            "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    )


SIGNERS = [pytest.param(BotocoreSigner, id="botocore"), pytest.param(CrtSigner, id="awscrt")]


@pytest.mark.parametrize("signer_class", SIGNERS)
async def test_invoke_signed_with_qualifier(stub: tuple[StubLambda, str], signer_class: type) -> None:
    lambda_api, url = stub
    invoker = await LambdaInvoker.create(timeout=5, endpoint_url=url, signer=signer_class("lambda", "us-east-1"))
    try:
        result = await invoker.invoke(Target("hello", "main"), b'{"a":1}', trace_id="Root=1-abc")
    finally:
        await invoker.close()
    assert result.payload == b'{"ok":true}'
    assert result.executed_version == "3"
    assert result.function_error is None
    request = lambda_api.requests[0]
    assert request["signature_valid"] is True
    assert request["path"] == "/2015-03-31/functions/hello/invocations?Qualifier=main"
    assert request["body"] == b'{"a":1}'
    assert request["access_key"] == "AKIDLAMUXTEST"
    assert request["trace"] == "Root=1-abc"


@pytest.mark.parametrize("signer_class", SIGNERS)
async def test_invoke_arn_name_signed(stub: tuple[StubLambda, str], signer_class: type) -> None:
    lambda_api, url = stub
    arn = "arn:aws:lambda:us-east-1:111122223333:function:orders"
    invoker = await LambdaInvoker.create(timeout=5, endpoint_url=url, signer=signer_class("lambda", "us-east-1"))
    try:
        await invoker.invoke(Target(arn, "blue"), b"{}")
    finally:
        await invoker.close()
    request = lambda_api.requests[0]
    assert request["path"] == (
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A111122223333%3Afunction%3Aorders/invocations"
        "?Qualifier=blue"
    )
    assert request["function"] == arn
    assert request["signature_valid"] is True


async def test_function_error_header(stub: tuple[StubLambda, str]) -> None:
    lambda_api, url = stub
    lambda_api.answer = lambda r, b: web.Response(
        body=b'{"errorType":"ValueError"}', headers={"X-Amz-Function-Error": "Unhandled"}
    )
    invoker = await LambdaInvoker.create(timeout=5, endpoint_url=url)
    try:
        result = await invoker.invoke(Target("hello", "main"), b"{}")
    finally:
        await invoker.close()
    assert result.function_error == "Unhandled"
    assert result.payload == b'{"errorType":"ValueError"}'


async def test_endpoint_from_environment(stub: tuple[StubLambda, str], monkeypatch: pytest.MonkeyPatch) -> None:
    lambda_api, url = stub
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", url)
    invoker = await LambdaInvoker.create(timeout=5)
    try:
        assert invoker.endpoint_url == url
        await invoker.invoke(Target("hello", "main"), b"{}")
    finally:
        await invoker.close()
    assert lambda_api.requests[0]["signature_valid"] is True


async def test_generic_endpoint_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    invoker = await LambdaInvoker.create(timeout=5)
    await invoker.close()
    assert invoker.endpoint_url == "http://127.0.0.1:1"


async def test_endpoint_flag_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:1")
    invoker = await LambdaInvoker.create(timeout=5, endpoint_url="http://127.0.0.1:2")
    await invoker.close()
    assert invoker.endpoint_url == "http://127.0.0.1:2"


async def test_region_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_REGION")
    invoker = await LambdaInvoker.create(timeout=5, endpoint_url="http://127.0.0.1:1")
    await invoker.close()
    assert invoker.region == "eu-west-1"


async def test_region_from_aws_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "ap-northeast-1")
    invoker = await LambdaInvoker.create(timeout=5, endpoint_url="http://127.0.0.1:1")
    await invoker.close()
    assert invoker.region == "ap-northeast-1"


async def test_missing_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(ConfigError, match="no AWS region configured: set AWS_REGION or pass --region"):
        await LambdaInvoker.create(timeout=5, endpoint_url="http://127.0.0.1:1")


async def test_missing_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(ConfigError, match="no AWS credentials found"):
        await LambdaInvoker.create(timeout=5, endpoint_url="http://127.0.0.1:1")


@pytest.mark.parametrize("signer_class", SIGNERS)
async def test_credentials_refreshed_before_expiry(
    stub: tuple[StubLambda, str], monkeypatch: pytest.MonkeyPatch, signer_class: type
) -> None:
    lambda_api, url = stub
    for number in (1, 2, 3, 4):
        lambda_api.secrets[f"ASIAROTATED{number}"] = f"rotated-secret-{number}"
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url + "/credentials")
    invoker = await LambdaInvoker.create(timeout=5, endpoint_url=url, signer=signer_class("lambda", "us-east-1"))
    try:
        await invoker.invoke(Target("hello", "main"), b"{}")
        await invoker.invoke(Target("hello", "main"), b"{}")
    finally:
        await invoker.close()
    keys = [request["access_key"] for request in lambda_api.requests]
    tokens = [request["token"] for request in lambda_api.requests]
    # Credentials that expire within the SDK's refresh window are fetched anew.
    assert keys[0].startswith("ASIAROTATED")
    assert keys[0] != keys[1]
    assert tokens[1] == "token-" + keys[1].removeprefix("ASIAROTATED")
    assert all(request["signature_valid"] for request in lambda_api.requests)
    assert all(request["token"] for request in lambda_api.requests)


async def test_timeout() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response(body=b"{}")

    app = web.Application()
    app.router.add_post("/2015-03-31/functions/{function}/invocations", slow)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    invoker = await LambdaInvoker.create(timeout=0.2, endpoint_url=f"http://127.0.0.1:{runner.addresses[0][1]}")
    try:
        with pytest.raises(UpstreamTimeout, match="did not answer within the upstream timeout of 0.2s"):
            await invoker.invoke(Target("hello", "main"), b"{}")
    finally:
        await invoker.close()
        await runner.cleanup()


async def test_unreachable_endpoint() -> None:
    invoker = await LambdaInvoker.create(timeout=5, endpoint_url="http://127.0.0.1:9")
    try:
        with pytest.raises(UpstreamError, match="cannot reach the Lambda endpoint http://127.0.0.1:9"):
            await invoker.invoke(Target("hello", "main"), b"{}")
    finally:
        await invoker.close()


async def test_throttle_retry_after(stub: tuple[StubLambda, str]) -> None:
    lambda_api, url = stub
    lambda_api.answer = lambda r, b: web.json_response(
        {"Type": "User", "message": "Rate Exceeded.", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"},
        status=429,
        headers={"x-amzn-ErrorType": "TooManyRequestsException:http://internal.amazon.com/coral/", "Retry-After": "7"},
    )
    invoker = await LambdaInvoker.create(timeout=5, endpoint_url=url)
    try:
        with pytest.raises(Throttled) as raised:
            await invoker.invoke(Target("hello", "main"), b"{}")
    finally:
        await invoker.close()
    assert raised.value.retry_after == "7"
    assert raised.value.detail == "TooManyRequestsException: Rate Exceeded."


def invoke_error_codes() -> list[tuple[str, int]]:
    """Every error the current botocore model declares for Invoke, with its HTTP status."""
    model = botocore.session.get_session().get_service_model("lambda").operation_model("Invoke")
    return [(shape.name, shape.metadata["error"]["httpStatusCode"]) for shape in model.error_shapes]


EXPECTED_CLASS = {
    "ResourceNotFoundException": FunctionNotFound,
    "TooManyRequestsException": Throttled,
    "RequestTooLargeException": RequestTooLarge,
    "SerializedRequestEntityTooLargeException": RequestTooLarge,
    "ResourceConflictException": FunctionUnavailable,
    "ResourceNotReadyException": FunctionUnavailable,
    "SnapStartNotReadyException": FunctionUnavailable,
}


@pytest.mark.parametrize(("code", "http_status"), invoke_error_codes())
def test_every_invoke_error_mapped(code: str, http_status: int) -> None:
    from botocore.awsrequest import HeadersDict

    # The model's message key differs between exceptions; send both spellings' worth.
    body = json.dumps({"Type": "User", "message": f"{code} happened", "Message": f"{code} happened"}).encode()
    error = error_for_response(http_status, HeadersDict({"x-amzn-ErrorType": code}), body, Target("f", "a"))
    expected = EXPECTED_CLASS.get(code, UpstreamError)
    assert type(error) is expected
    assert isinstance(error, ProxyError)
    assert error.status == {
        FunctionNotFound: 404,
        Throttled: 429,
        RequestTooLarge: 413,
        FunctionUnavailable: 503,
        UpstreamError: 502,
    }[expected]
    assert error.detail == f"{code}: {code} happened"


def test_error_without_type_header() -> None:
    from botocore.awsrequest import HeadersDict

    error = error_for_response(500, HeadersDict({}), b"oops", Target("f", "a"))
    assert type(error) is UpstreamError
    assert "HTTP500" in error.message or "500" in (error.detail or "")


async def test_stub_detects_a_wrong_signature(stub: tuple[StubLambda, str]) -> None:
    lambda_api, url = stub
    lambda_api.secrets["AKIDLAMUXTEST"] = "a-different-secret"
    invoker = await LambdaInvoker.create(timeout=5, endpoint_url=url)
    try:
        with pytest.raises(UpstreamError) as raised:
            await invoker.invoke(Target("hello", "main"), b"{}")
    finally:
        await invoker.close()
    assert raised.value.detail is not None
    assert raised.value.detail.startswith("InvalidSignatureException")
    assert lambda_api.requests[0]["signature_valid"] is False
