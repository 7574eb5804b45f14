"""The Runtime API server and session, driven by an HTTP client that plays the runtime.

Expected behaviour follows the Runtime API (Lambda Developer Guide, runtimes-api, OpenAPI
v1.0.3), with the error types of the AWS Lambda Runtime Interface Emulator for requests that
the state of the environment does not allow.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from lamux.local.invocation import MAX_RESPONSE_SIZE, Invocation
from lamux.local.runtime_api import InitFailure, RuntimeApiServer, RuntimeSession, SessionState

INVOCATION = Invocation(
    request_id="8476a536-e9f4-11e8-9739-2dfe598c3fcd",
    payload=b'{"key": "value"}',
    invoked_function_arn="arn:aws:lambda:us-east-1:000000000000:function:hello:live",
    trace_id="Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
    client_context='{"custom":{"tenant":"blue"}}',
)
DEADLINE_MS = 1542409706888


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def runtime_api() -> AsyncIterator[RuntimeApiServer]:
    server = RuntimeApiServer()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def session() -> RuntimeSession:
    return RuntimeSession("hello:live")


@pytest.fixture
async def base_url(runtime_api: RuntimeApiServer, session: RuntimeSession) -> str:
    address = await runtime_api.add_session(session)
    return f"http://{address}/2018-06-01/runtime"


async def fetch_next(
    http: aiohttp.ClientSession, base_url: str, session: RuntimeSession
) -> tuple[aiohttp.ClientResponse, bytes, asyncio.Future]:
    """Call /next as a runtime, dispatch INVOCATION to it, and return what the runtime got."""
    request = asyncio.create_task(http.get(f"{base_url}/invocation/next"))
    assert await session.initialized is None
    result = session.dispatch(INVOCATION, DEADLINE_MS)
    response = await request
    return response, await response.read(), result


async def test_next_delivers_invocation(
    http: aiohttp.ClientSession, base_url: str, session: RuntimeSession
) -> None:
    response, body, _ = await fetch_next(http, base_url, session)
    assert response.status == 200
    assert body == b'{"key": "value"}'
    headers = response.headers
    assert headers["Lambda-Runtime-Aws-Request-Id"] == INVOCATION.request_id
    assert headers["Lambda-Runtime-Deadline-Ms"] == str(DEADLINE_MS)
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == INVOCATION.invoked_function_arn
    assert headers["Lambda-Runtime-Trace-Id"] == INVOCATION.trace_id
    assert headers["Lambda-Runtime-Client-Context"] == '{"custom":{"tenant":"blue"}}'
    assert headers["Content-Type"] == "application/json"
    assert "Lambda-Runtime-Cognito-Identity" not in headers


async def test_response_completes_invocation(
    http: aiohttp.ClientSession, base_url: str, session: RuntimeSession
) -> None:
    _, _, result = await fetch_next(http, base_url, session)
    async with http.post(
        f"{base_url}/invocation/{INVOCATION.request_id}/response",
        data=b"plain text",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    ) as response:
        assert response.status == 202
        assert await response.json() == {"status": "OK"}
    outcome = await result
    assert outcome.payload == b"plain text"
    assert outcome.content_type == "text/plain; charset=utf-8"
    assert outcome.function_error is False
    assert session.state is SessionState.IDLE


async def test_response_without_content_type(
    http: aiohttp.ClientSession, base_url: str, session: RuntimeSession
) -> None:
    _, _, result = await fetch_next(http, base_url, session)
    async with http.post(
        f"{base_url}/invocation/{INVOCATION.request_id}/response",
        data=b"{}",
        skip_auto_headers=["Content-Type"],
    ) as response:
        assert response.status == 202
    assert (await result).content_type == "application/json"


async def test_response_with_wrong_request_id(
    http: aiohttp.ClientSession, base_url: str, session: RuntimeSession
) -> None:
    _, _, result = await fetch_next(http, base_url, session)
    async with http.post(f"{base_url}/invocation/other-id/response", data=b"{}") as response:
        assert response.status == 400
        assert await response.json() == {
            "errorMessage": "Invalid request ID",
            "errorType": "InvalidRequestID",
        }
    assert not result.done()
    async with http.post(
        f"{base_url}/invocation/{INVOCATION.request_id}/response", data=b"{}"
    ) as response:
        assert response.status == 202
    assert (await result).payload == b"{}"


async def test_response_before_next(http: aiohttp.ClientSession, base_url: str) -> None:
    async with http.post(
        f"{base_url}/invocation/{INVOCATION.request_id}/response", data=b"{}"
    ) as response:
        assert response.status == 400
        assert (await response.json())["errorType"] == "InvalidRequestID"


async def test_next_while_invocation_unanswered(
    http: aiohttp.ClientSession, base_url: str, session: RuntimeSession
) -> None:
    await fetch_next(http, base_url, session)
    async with http.get(f"{base_url}/invocation/next") as response:
        assert response.status == 403
        assert (await response.json())["errorType"] == "InvalidStateTransition"


async def test_error_body_passed_through(
    http: aiohttp.ClientSession, base_url: str, session: RuntimeSession
) -> None:
    _, _, result = await fetch_next(http, base_url, session)
    error = b'{"errorType": "Custom", "errorMessage": "boom", "trace": ["at x"]}'
    async with http.post(
        f"{base_url}/invocation/{INVOCATION.request_id}/error",
        data=error,
        headers={"Lambda-Runtime-Function-Error-Type": "Function.Custom"},
    ) as response:
        assert response.status == 202
        assert await response.json() == {"status": "OK"}
    outcome = await result
    assert outcome.payload == error
    assert outcome.function_error is True
    assert outcome.content_type == "application/json"


async def test_error_without_body_uses_header(
    http: aiohttp.ClientSession, base_url: str, session: RuntimeSession
) -> None:
    _, _, result = await fetch_next(http, base_url, session)
    async with http.post(
        f"{base_url}/invocation/{INVOCATION.request_id}/error",
        headers={"Lambda-Runtime-Function-Error-Type": "Runtime.Crashed"},
    ) as response:
        assert response.status == 202
    assert json.loads((await result).payload) == {
        "errorType": "Runtime.Crashed",
        "errorMessage": "",
    }


@pytest.mark.parametrize(
    ("size", "accepted"),
    [
        pytest.param(MAX_RESPONSE_SIZE, True, id="at-limit"),
        pytest.param(MAX_RESPONSE_SIZE + 1, False, id="over"),
    ],
)
async def test_response_size_limit(
    http: aiohttp.ClientSession, base_url: str, session: RuntimeSession, size: int, accepted: bool
) -> None:
    _, _, result = await fetch_next(http, base_url, session)
    async with http.post(
        f"{base_url}/invocation/{INVOCATION.request_id}/response", data=b"x" * size
    ) as response:
        if accepted:
            assert response.status == 202
        else:
            assert response.status == 413
            assert await response.json() == {
                "errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).",
                "errorType": "RequestEntityTooLarge",
            }
    outcome = await result
    if accepted:
        assert len(outcome.payload) == size
        return
    assert outcome.function_error is True
    assert json.loads(outcome.payload) == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": "Response payload size (6291557 bytes) exceeded maximum allowed payload size "
        "(6291556 bytes).",
    }


async def test_init_error_before_next(
    http: aiohttp.ClientSession, base_url: str, session: RuntimeSession
) -> None:
    error = b'{"errorMessage": "bad import", "errorType": "Runtime.ImportModuleError"}'
    async with http.post(f"{base_url}/init/error", data=error) as response:
        assert response.status == 202
    failure = await session.initialized
    assert isinstance(failure, InitFailure)
    assert failure.error is not None
    assert failure.error.payload == error
    assert failure.returncode is None
    assert session.state is SessionState.CLOSED


async def test_init_error_after_next(
    http: aiohttp.ClientSession, base_url: str, session: RuntimeSession
) -> None:
    await fetch_next(http, base_url, session)
    async with http.post(f"{base_url}/init/error", data=b"{}") as response:
        assert response.status == 403
        assert (await response.json())["errorType"] == "InvalidStateTransition"


async def test_exit_before_next(session: RuntimeSession) -> None:
    session.close(2)
    assert await session.initialized == InitFailure(returncode=2)


async def test_exit_during_invocation(
    http: aiohttp.ClientSession, base_url: str, session: RuntimeSession
) -> None:
    _, _, result = await fetch_next(http, base_url, session)
    session.close(-9)
    assert json.loads((await result).payload) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {INVOCATION.request_id} Error: Runtime exited with error: signal: killed",
    }


async def test_close_ends_waiting_next(
    http: aiohttp.ClientSession, base_url: str, session: RuntimeSession
) -> None:
    request = asyncio.create_task(http.get(f"{base_url}/invocation/next"))
    await session.initialized
    session.close(0)
    async with await request as response:
        assert response.status == 500
        assert (await response.json())["errorType"] == "InternalServerError"
