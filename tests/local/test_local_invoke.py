"""The local Lambda service driven by botocore's Lambda client, as an application would.

Expected responses follow the Invoke API reference and the Lambda API model (botocore
``service-2.json``): status codes, X-Amz-Function-Error, X-Amz-Executed-Version, and error
types with their message keys. Function error payloads for timeouts, crashes and oversized
responses follow what Lambda has been observed to send.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamux.local import LocalLambdaService

Invoke = Callable[..., Awaitable[dict[str, Any]]]
InvokerFactory = Callable[[str], Invoke]
# The log_watcher fixture (conftest.LogWatcher): .messages and await .wait_for(text, count).
LogWatcher = Any

ARN_PREFIX = "arn:aws:lambda:us-east-1:000000000000:function:"


def http_body(response: dict[str, Any]) -> Any:
    """Decode the JSON body inside an HTTP-shaped function result."""
    result = json.loads(response["Payload"])
    assert result["statusCode"] == 200
    return json.loads(result["body"])


def pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_echo_returns_event(invoke: Invoke) -> None:
    response = await invoke(FunctionName="echo", Payload=json.dumps({"hello": "world"}))
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert json.loads(response["Payload"]) == {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": '{"hello": "world"}',
    }
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["content-type"] == "application/json"
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["x-amzn-requestid"])


async def test_empty_payload_becomes_empty_object(invoke: Invoke) -> None:
    response = await invoke(FunctionName="echo", Payload=b"")
    assert json.loads(response["Payload"])["body"] == "{}"


async def test_warm_worker_is_reused(invoke: Invoke) -> None:
    first = http_body(
        await invoke(FunctionName="quirks", Payload=json.dumps({"rawPath": "/context"}))
    )
    second = http_body(
        await invoke(FunctionName="quirks", Payload=json.dumps({"rawPath": "/context"}))
    )
    assert first["pid"] == second["pid"]
    assert first["aws_request_id"] != second["aws_request_id"]


@pytest.mark.parametrize(
    ("function_name", "qualifier", "code", "version", "invoked_arn"),
    [
        pytest.param("greeter", None, "main", "$LATEST", "greeter", id="name"),
        pytest.param(
            "greeter", "$LATEST", "main", "$LATEST", "greeter:$LATEST", id="latest-parameter"
        ),
        pytest.param(
            "greeter:$LATEST", None, "main", "$LATEST", "greeter:$LATEST", id="latest-in-name"
        ),
        pytest.param("greeter:1", None, "v1", "1", "greeter:1", id="version-in-name"),
        pytest.param("greeter", "1", "v1", "1", "greeter:1", id="version-parameter"),
        pytest.param("greeter:stable", None, "v1", "1", "greeter:stable", id="alias-of-version"),
        pytest.param("greeter", "stable", "v1", "1", "greeter:stable", id="alias-parameter"),
        pytest.param(
            "greeter:stable", "stable", "v1", "1", "greeter:stable", id="same-qualifier-twice"
        ),
        pytest.param(
            "greeter:preview", None, "preview", "$LATEST", "greeter:preview", id="alias-with-code"
        ),
        pytest.param("greeter:main", None, "main", "$LATEST", "greeter:main", id="alias-main"),
        pytest.param(
            f"{ARN_PREFIX}greeter:stable", None, "v1", "1", "greeter:stable", id="full-arn"
        ),
        pytest.param(
            "000000000000:function:greeter:preview",
            None,
            "preview",
            "$LATEST",
            "greeter:preview",
            id="partial-arn",
        ),
        pytest.param(
            "arn:aws:lambda:eu-west-1:123456789012:function:greeter",
            None,
            "main",
            "$LATEST",
            "greeter",
            id="arn-of-other-account",
        ),
    ],
)
async def test_qualifier_forms(
    invoke: Invoke,
    function_name: str,
    qualifier: str | None,
    code: str,
    version: str,
    invoked_arn: str,
) -> None:
    arguments: dict[str, Any] = {"FunctionName": function_name, "Payload": b"{}"}
    if qualifier is not None:
        arguments["Qualifier"] = qualifier
    response = await invoke(**arguments)
    assert response["ExecutedVersion"] == version
    body = http_body(response)
    assert body["code"] == code
    assert body["version"] == version
    assert body["invoked_function_arn"] == ARN_PREFIX + invoked_arn
    assert body["greeting"] == ("hi" if code == "preview" else "hello")


@pytest.mark.parametrize(
    ("function_name", "qualifier", "missing"),
    [
        pytest.param("nope", None, "nope", id="function"),
        pytest.param("nope:stable", None, "nope:stable", id="function-with-alias"),
        pytest.param("greeter:2", None, "greeter:2", id="version"),
        pytest.param("greeter", "2", "greeter:2", id="version-parameter"),
        pytest.param("greeter:missing", None, "greeter:missing", id="alias"),
        pytest.param("greeter", "Stable", "greeter:Stable", id="alias-case"),
        pytest.param("greeter.v2", None, "greeter.v2", id="name-with-dot"),
    ],
)
async def test_not_found(
    lambda_client: Any, invoke: Invoke, function_name: str, qualifier: str | None, missing: str
) -> None:
    arguments: dict[str, Any] = {"FunctionName": function_name, "Payload": b"{}"}
    if qualifier is not None:
        arguments["Qualifier"] = qualifier
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as error:
        await invoke(**arguments)
    response = error.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["Error"]["Message"] == f"Function not found: {ARN_PREFIX}{missing}"
    assert response["Type"] == "User"


async def test_qualifier_mismatch(lambda_client: Any, invoke: Invoke) -> None:
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as error:
        await invoke(FunctionName="greeter:stable", Qualifier="preview", Payload=b"{}")
    response = error.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Message"] == (
        "The qualifier 'stable' in the function name does not match the Qualifier parameter 'preview'."
    )


async def test_invalid_function_name(invoke: Invoke) -> None:
    with pytest.raises(ClientError) as error:
        await invoke(FunctionName="no spaces allowed", Payload=b"{}")
    response = error.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "ValidationException"
    assert response["Error"]["Message"].startswith(
        "1 validation error detected: Value 'no spaces allowed' at 'functionName' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: (arn:"
    )


async def test_invalid_invocation_type(invoke: Invoke) -> None:
    with pytest.raises(ClientError) as error:
        await invoke(FunctionName="echo", InvocationType="Later", Payload=b"{}")
    response = error.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "ValidationException"
    assert response["Error"]["Message"] == (
        "1 validation error detected: Value 'Later' at 'invocationType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
    )


async def test_handler_exception(invoke: Invoke) -> None:
    response = await invoke(FunctionName="quirks", Payload=json.dumps({"rawPath": "/raise"}))
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert response["ExecutedVersion"] == "$LATEST"
    error = json.loads(response["Payload"])
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "quirks raised on request"
    assert error["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert len(error["stackTrace"]) == 1
    assert 'raise ValueError("quirks raised on request")' in error["stackTrace"][0]


async def test_init_error_on_every_cold_start(invoke: Invoke, service: LocalLambdaService) -> None:
    for _ in range(2):
        response = await invoke(FunctionName="init-error", Payload=b"{}")
        assert response["StatusCode"] == 200
        assert response["FunctionError"] == "Unhandled"
        error = json.loads(response["Payload"])
        assert error["errorType"] == "RuntimeError"
        assert error["errorMessage"] == "init_error fails at import on purpose"
        assert any("init_error/app.py" in line for line in error["stackTrace"])
    assert service.worker_pids == []


async def test_crash_reports_exit_error(invoke: Invoke, log_watcher: LogWatcher) -> None:
    response = await invoke(FunctionName="quirks", Payload=json.dumps({"rawPath": "/exit"}))
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"]) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status 1",
    }
    # The next invocation gets a new execution environment.
    after = await invoke(FunctionName="quirks", Payload=json.dumps({"rawPath": "/ok"}))
    assert "FunctionError" not in after
    assert len(await log_watcher.wait_for("[quirks:$LATEST] started runtime")) == 2


@pytest.mark.timeout(15)
async def test_timeout_kills_runtime(invoke: Invoke, log_watcher: LogWatcher) -> None:
    started = time.monotonic()
    response = await invoke(FunctionName="quirks", Payload=json.dumps({"rawPath": "/sleep/10"}))
    elapsed = time.monotonic() - started
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"]) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 2.00 seconds",
    }
    assert 2.0 <= elapsed < 5.0
    [sleeping] = await log_watcher.wait_for("sleeping 10.0 s in pid")
    pid = int(sleeping.rsplit(" ", 1)[1])
    assert not pid_exists(pid)


@pytest.mark.timeout(15)
async def test_throttled_beyond_concurrency(
    lambda_client: Any, invoke: Invoke, log_watcher: LogWatcher
) -> None:
    sleeping = [
        asyncio.create_task(
            invoke(FunctionName="quirks", Payload=json.dumps({"rawPath": "/sleep/1"}))
        )
        for _ in range(2)
    ]
    await log_watcher.wait_for("sleeping 1.0 s", count=2)

    with pytest.raises(lambda_client.exceptions.TooManyRequestsException) as error:
        await invoke(FunctionName="quirks", Payload=json.dumps({"rawPath": "/ok"}))
    response = error.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "1"
    assert response["Error"]["Message"] == "Rate Exceeded."
    assert response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert response["Type"] == "User"

    for task in sleeping:
        result = await task
        assert "FunctionError" not in result
        assert http_body(result) == {"slept": 1.0}
    # Concurrency is free again.
    after = await invoke(FunctionName="quirks", Payload=json.dumps({"rawPath": "/ok"}))
    assert "FunctionError" not in after


async def test_event_invocation_runs_in_background(invoke: Invoke, log_watcher: LogWatcher) -> None:
    response = await invoke(
        FunctionName="quirks",
        InvocationType="Event",
        Payload=json.dumps({"rawPath": "/event-test"}),
    )
    assert response["StatusCode"] == 202
    assert response["Payload"] == b""
    assert "FunctionError" not in response
    await log_watcher.wait_for("[quirks:$LATEST] quirks /event-test")


async def test_dry_run_runs_nothing(
    invoke: Invoke, service: LocalLambdaService, log_watcher: LogWatcher
) -> None:
    response = await invoke(FunctionName="greeter:stable", InvocationType="DryRun", Payload=b"{}")
    assert response["StatusCode"] == 204
    assert response["Payload"] == b""
    assert service.worker_pids == []
    assert not [message for message in log_watcher.messages if "started runtime" in message]


async def test_dry_run_of_unknown_alias(lambda_client: Any, invoke: Invoke) -> None:
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        await invoke(FunctionName="greeter:missing", InvocationType="DryRun", Payload=b"{}")


@pytest.mark.parametrize(
    ("size", "accepted"),
    [
        pytest.param(6 * 1024 * 1024, True, id="at-limit"),
        pytest.param(6 * 1024 * 1024 + 1, False, id="over"),
    ],
)
async def test_request_size_limit(
    lambda_client: Any, invoke: Invoke, size: int, accepted: bool
) -> None:
    prefix = b'{"rawPath": "/big", "padding": "'
    payload = prefix + b"x" * (size - len(prefix) - 2) + b'"}'
    assert len(payload) == size
    if accepted:
        response = await invoke(FunctionName="quirks", Payload=payload)
        assert http_body(response) == {"rawPath": "/big"}
        return
    with pytest.raises(lambda_client.exceptions.RequestTooLargeException) as error:
        await invoke(FunctionName="quirks", Payload=payload)
    response = error.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert response["Error"]["Message"] == (
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )
    assert response["Type"] == "User"


async def test_event_size_limit(lambda_client: Any, invoke: Invoke) -> None:
    payload = b'"' + b"x" * (1024 * 1024 - 1) + b'"'
    with pytest.raises(lambda_client.exceptions.RequestTooLargeException) as error:
        await invoke(FunctionName="echo", InvocationType="Event", Payload=payload)
    assert error.value.response["Error"]["Message"] == (
        "1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    )


@pytest.mark.parametrize("payload", [b"{not json", b'{"a": NaN}', b"\xff\xfe"])
async def test_invalid_json(lambda_client: Any, invoke: Invoke, payload: bytes) -> None:
    with pytest.raises(lambda_client.exceptions.InvalidRequestContentException) as error:
        await invoke(FunctionName="echo", Payload=payload)
    response = error.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Message"].startswith("Could not parse request body into json: ")
    assert response["Type"] == "User"


async def test_response_too_large(invoke: Invoke) -> None:
    response = await invoke(
        FunctionName="quirks", Payload=json.dumps({"rawPath": "/result/oversize"})
    )
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"]) == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": "Response payload size (6291557 bytes) exceeded maximum allowed payload "
        "size (6291556 bytes).",
    }


@pytest.mark.parametrize(
    ("name", "payload", "content_type"),
    [
        pytest.param("bytes", b"\xff\xfe not json", "application/unknown", id="bytes"),
        pytest.param("status-42", b'{"statusCode": 42}', "application/json", id="status-42"),
        pytest.param("string", b'"just a string"', "application/json", id="string"),
        pytest.param("none", b"null", "application/json", id="none"),
        pytest.param(
            "crlf-header",
            b'{"statusCode": 200, "headers": {"x-injected": "value\\r\\nSet-Cookie: injected=1"}, '
            b'"body": "header with CR/LF"}',
            "application/json",
            id="crlf-header",
        ),
    ],
)
async def test_odd_results_pass_through(
    invoke: Invoke, name: str, payload: bytes, content_type: str
) -> None:
    response = await invoke(
        FunctionName="quirks", Payload=json.dumps({"rawPath": f"/result/{name}"})
    )
    assert "FunctionError" not in response
    assert response["Payload"] == payload
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == content_type


async def test_log_tail(invoke: Invoke) -> None:
    response = await invoke(
        FunctionName="quirks", LogType="Tail", Payload=json.dumps({"rawPath": "/raise"})
    )
    request_id = response["ResponseMetadata"]["RequestId"]
    lines = base64.b64decode(response["LogResult"]).decode().splitlines()
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert "quirks /raise" in lines
    assert "[ERROR] ValueError: quirks raised on request" in lines
    assert lines[-2] == f"END RequestId: {request_id}"
    assert lines[-1].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    assert "\tMemory Size: 128 MB" in lines[-1]


async def test_log_tail_keeps_last_4_kb(invoke: Invoke) -> None:
    payload = json.dumps({"rawPath": "/" + "p" * 5000})
    response = await invoke(FunctionName="quirks", LogType="Tail", Payload=payload)
    log = base64.b64decode(response["LogResult"])
    assert len(log) == 4096
    lines = log.decode().splitlines()
    assert set(lines[0]) == {"p"}
    assert lines[-1].startswith("REPORT RequestId: ")


async def test_no_log_result_without_tail(invoke: Invoke) -> None:
    response = await invoke(FunctionName="echo", Payload=b"{}")
    assert "LogResult" not in response


async def test_runtime_environment(
    invoke: Invoke, service: LocalLambdaService, functions_dir: Any
) -> None:
    response = await invoke(FunctionName="quirks", Payload=json.dumps({"rawPath": "/context"}))
    body = http_body(response)
    environ = body["environ"]
    code_dir = str(functions_dir / "quirks")
    assert body["cwd"] == code_dir

    python = f"python{sys.version_info.major}.{sys.version_info.minor}"
    expected = {
        "_HANDLER": "app.handler",
        "LAMBDA_TASK_ROOT": code_dir,
        "PYTHONPATH": code_dir,
        "LANG": "en_US.UTF-8",
        "TZ": "UTC",
        "AWS_LAMBDA_FUNCTION_NAME": "quirks",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/quirks",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{python}",
        "AWS_ENDPOINT_URL_LAMBDA": service.endpoint_url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "QUIRKS_GREETING": "hello from quirks",
    }
    assert {key: environ.get(key) for key in expected} == expected

    assert re.fullmatch(r"127\.0\.0\.1:\d+", environ["AWS_LAMBDA_RUNTIME_API"])
    assert re.fullmatch(
        r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", environ["AWS_LAMBDA_LOG_STREAM_NAME"]
    )
    assert environ["AWS_ACCESS_KEY_ID"] != os.environ["AWS_ACCESS_KEY_ID"]
    assert environ["AWS_SESSION_TOKEN"]

    # awslambdaric copies Lambda-Runtime-Trace-Id into _X_AMZN_TRACE_ID.
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0", environ["_X_AMZN_TRACE_ID"])

    assert body["invoked_function_arn"] == ARN_PREFIX + "quirks"
    assert 1000 < body["remaining_time_in_millis"] <= 2000


async def test_environment_not_inherited(
    monkeypatch: pytest.MonkeyPatch, invoker_factory: InvokerFactory, functions_dir: Any
) -> None:
    monkeypatch.setenv("LAMUX_TEST_PARENT_ONLY", "secret")
    service = LocalLambdaService.from_file(functions_dir / "lamux.toml")
    await service.start()
    try:
        invoke = invoker_factory(service.endpoint_url)
        response = await invoke(FunctionName="quirks", Payload=json.dumps({"rawPath": "/context"}))
    finally:
        await service.close()
    assert "LAMUX_TEST_PARENT_ONLY" not in http_body(response)["environ"]


async def test_client_context_reaches_handler(invoke: Invoke) -> None:
    context = {"custom": {"tenant": "blue"}, "client": {"app_title": "tests"}}
    response = await invoke(
        FunctionName="quirks",
        ClientContext=base64.b64encode(json.dumps(context).encode()).decode(),
        Payload=json.dumps({"rawPath": "/context"}),
    )
    assert http_body(response)["client_context"] == {"tenant": "blue"}


async def test_invalid_client_context(lambda_client: Any, invoke: Invoke) -> None:
    with pytest.raises(lambda_client.exceptions.InvalidRequestContentException) as error:
        await invoke(FunctionName="echo", ClientContext="not base64!", Payload=b"{}")
    assert error.value.response["Error"]["Message"] == (
        "X-Amz-Client-Context must be a base64-encoded JSON object."
    )


async def test_custom_runtime(invoke: Invoke) -> None:
    before_ms = time.time() * 1000
    response = await invoke(FunctionName="custom:$LATEST", Payload=json.dumps({"n": 1}))
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    result = json.loads(response["Payload"])
    assert result["handler"] == "echo.handler"
    assert result["event"] == {"n": 1}
    headers = result["headers"]
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == ARN_PREFIX + "custom:$LATEST"
    assert (
        before_ms + 2000 < int(headers["Lambda-Runtime-Deadline-Ms"]) <= time.time() * 1000 + 3000
    )
    assert re.fullmatch(
        r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0", headers["Lambda-Runtime-Trace-Id"]
    )
    assert "Lambda-Runtime-Client-Context" not in headers


async def test_custom_runtime_error(invoke: Invoke) -> None:
    response = await invoke(FunctionName="custom", Payload=json.dumps({"fail": True}))
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"]) == {
        "errorType": "CustomFailure",
        "errorMessage": "failed on request",
    }
    # The runtime keeps serving after reporting an error.
    after = await invoke(FunctionName="custom", Payload=json.dumps({"n": 2}))
    assert json.loads(after["Payload"])["event"] == {"n": 2}


@pytest.mark.timeout(15)
async def test_close_kills_every_runtime(
    invoker_factory: InvokerFactory, functions_dir: Any, log_watcher: LogWatcher
) -> None:
    service = LocalLambdaService.from_file(functions_dir / "lamux.toml")
    await service.start()
    invoke = invoker_factory(service.endpoint_url)
    for name in ("echo", "custom", "greeter:preview"):
        await invoke(FunctionName=name, Payload=b"{}")
    running = asyncio.create_task(
        invoke(FunctionName="quirks", Payload=json.dumps({"rawPath": "/sleep/10"}))
    )
    await log_watcher.wait_for("sleeping 10.0 s")
    pids = service.worker_pids
    assert len(pids) == 4
    assert all(pid_exists(pid) for pid in pids)

    await service.close()

    assert [pid for pid in pids if pid_exists(pid)] == []
    response = await running
    request_id = response["ResponseMetadata"]["RequestId"]
    assert json.loads(response["Payload"]) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
    }
