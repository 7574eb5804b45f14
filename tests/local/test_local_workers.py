"""Execution environments of the local Lambda service: start-up failures, reuse and limits.

Each test writes its own configuration, starts a service for it on a free loopback port and
invokes it with botocore's Lambda client.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from lamux.local import LocalLambdaService

Invoke = Callable[..., Awaitable[dict[str, Any]]]
InvokerFactory = Callable[[str], Invoke]
# The log_watcher fixture (conftest.LogWatcher): .messages and await .wait_for(text, count).
LogWatcher = Any


class ServiceStarter:
    """Starts services for configurations written by a test, and closes them afterwards."""

    def __init__(self, tmp_path: Path, invoker_factory: InvokerFactory) -> None:
        self.tmp_path = tmp_path
        self._invoker_factory = invoker_factory
        self.services: list[LocalLambdaService] = []

    def write_bootstrap(self, directory: str, script: str) -> None:
        code = self.tmp_path / directory
        code.mkdir()
        bootstrap = code / "bootstrap"
        bootstrap.write_text(script)
        os.chmod(bootstrap, 0o755)

    async def start(self, toml: str, **options: Any) -> tuple[LocalLambdaService, Invoke]:
        path = self.tmp_path / "lamux.toml"
        path.write_text(textwrap.dedent(toml))
        service = LocalLambdaService.from_file(path, **options)
        self.services.append(service)
        await service.start()
        return service, self._invoker_factory(service.endpoint_url)


@pytest.fixture
async def starter(
    tmp_path: Path, invoker_factory: InvokerFactory, log_watcher: LogWatcher
) -> AsyncIterator[ServiceStarter]:
    service_starter = ServiceStarter(tmp_path, invoker_factory)
    yield service_starter
    for service in service_starter.services:
        await service.close()


def pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def started_pids(log_watcher: LogWatcher) -> list[int]:
    """Process ids from the "started runtime, pid N, ..." messages, in order."""
    return [
        int(message.split(", pid ")[1].split(",")[0])
        for message in log_watcher.messages
        if "started runtime, pid" in message
    ]


def error_of(response: dict[str, Any]) -> dict[str, Any]:
    assert response["FunctionError"] == "Unhandled"
    return json.loads(response["Payload"])


@pytest.mark.timeout(10)
async def test_init_timeout(starter: ServiceStarter, log_watcher: LogWatcher) -> None:
    starter.write_bootstrap("silent", "#!/bin/sh\nexec sleep 30\n")
    toml = """
        [functions.silent]
        runtime = "bootstrap"
        code = "silent"
    """
    service, invoke = await starter.start(toml, init_timeout=0.5)
    response = await invoke(FunctionName="silent", Payload=b"{}")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert error_of(response) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Runtime did not request an invocation "
        "within 0.50 seconds of starting",
    }
    [pid] = started_pids(log_watcher)
    assert not pid_exists(pid)
    assert service.worker_pids == []


@pytest.mark.timeout(10)
async def test_close_during_cold_start(starter: ServiceStarter, log_watcher: LogWatcher) -> None:
    starter.write_bootstrap("silent", "#!/bin/sh\nexec sleep 30\n")
    toml = """
        [functions.silent]
        runtime = "bootstrap"
        code = "silent"
    """
    service, invoke = await starter.start(toml)
    starting = asyncio.create_task(invoke(FunctionName="silent", Payload=b"{}"))
    await log_watcher.wait_for("[silent:$LATEST] started runtime")
    [pid] = service.worker_pids

    await service.close()

    assert not pid_exists(pid)
    response = await starting
    request_id = response["ResponseMetadata"]["RequestId"]
    assert error_of(response) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
    }


async def test_exit_before_first_next(starter: ServiceStarter) -> None:
    starter.write_bootstrap("quitter", "#!/bin/sh\necho booting\necho failing >&2\nexit 3\n")
    toml = """
        [functions.quitter]
        runtime = "bootstrap"
        code = "quitter"
    """
    _, invoke = await starter.start(toml)
    response = await invoke(FunctionName="quitter", LogType="Tail", Payload=b"{}")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert error_of(response) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status 3",
    }
    log = base64.b64decode(response["LogResult"]).decode().splitlines()
    assert sorted(log) == ["booting", "failing"]


async def test_bootstrap_that_cannot_run(starter: ServiceStarter) -> None:
    starter.write_bootstrap("broken", "this file has no interpreter line\n")
    toml = """
        [functions.broken]
        runtime = "bootstrap"
        code = "broken"
    """
    _, invoke = await starter.start(toml)
    response = await invoke(FunctionName="broken", Payload=b"{}")
    request_id = response["ResponseMetadata"]["RequestId"]
    bootstrap = starter.tmp_path / "broken" / "bootstrap"
    assert error_of(response) == {
        "errorType": "Runtime.InvalidEntrypoint",
        "errorMessage": f"RequestId: {request_id} Error: failed to start {bootstrap}: "
        "Exec format error",
    }


async def test_workers_never_exceed_concurrency(
    starter: ServiceStarter, functions_dir: Path, log_watcher: LogWatcher
) -> None:
    shutil.copytree(functions_dir / "greeter" / "main", starter.tmp_path / "blue")
    shutil.copytree(functions_dir / "greeter" / "preview", starter.tmp_path / "green")
    toml = """
        [functions.site]
        handler = "app.handler"
        code = "blue"
        concurrency = 1

        [functions.site.aliases]
        blue = { code = "blue" }
        green = { code = "green" }
    """
    service, invoke = await starter.start(toml)
    blue = await invoke(FunctionName="site:blue", Payload=b"{}")
    assert json.loads(json.loads(blue["Payload"])["body"])["code"] == "main"
    [blue_pid] = service.worker_pids

    green = await invoke(FunctionName="site:green", Payload=b"{}")
    assert json.loads(json.loads(green["Payload"])["body"])["code"] == "preview"
    [green_pid] = service.worker_pids
    assert green_pid != blue_pid
    assert not pid_exists(blue_pid)
    assert started_pids(log_watcher) == [blue_pid, green_pid]


async def test_idle_worker_is_reaped(
    starter: ServiceStarter, functions_dir: Path, log_watcher: LogWatcher
) -> None:
    toml = f"""
        [functions.echo]
        handler = "app.handler"
        code = "{functions_dir / "echo"}"
    """
    service, invoke = await starter.start(toml, idle_timeout=0.2)
    await invoke(FunctionName="echo", Payload=b"{}")
    [pid] = service.worker_pids
    await log_watcher.wait_for("[echo:$LATEST] stopping runtime idle for 0.2 s")
    await log_watcher.wait_for(f"[echo:$LATEST] runtime pid {pid} exited: signal: killed")
    assert service.worker_pids == []
    assert not pid_exists(pid)


@pytest.mark.timeout(15)
async def test_event_waits_for_free_concurrency(
    starter: ServiceStarter, functions_dir: Path, log_watcher: LogWatcher
) -> None:
    toml = f"""
        [functions.single]
        handler = "app.handler"
        code = "{functions_dir / "quirks"}"
        concurrency = 1
    """
    _, invoke = await starter.start(toml)
    busy = asyncio.create_task(
        invoke(FunctionName="single", Payload=json.dumps({"rawPath": "/sleep/0.5"}))
    )
    await log_watcher.wait_for("sleeping 0.5 s")
    event = await invoke(
        FunctionName="single", InvocationType="Event", Payload=json.dumps({"rawPath": "/queued"})
    )
    assert event["StatusCode"] == 202
    await log_watcher.wait_for("[single:$LATEST] quirks /queued")
    assert "FunctionError" not in await busy


async def test_event_dropped_at_zero_concurrency(
    starter: ServiceStarter, functions_dir: Path, log_watcher: LogWatcher
) -> None:
    toml = f"""
        [functions.off]
        handler = "app.handler"
        code = "{functions_dir / "echo"}"
        concurrency = 0
    """
    _, invoke = await starter.start(toml)
    response = await invoke(FunctionName="off", InvocationType="Event", Payload=b"{}")
    assert response["StatusCode"] == 202
    request_id = response["ResponseMetadata"]["RequestId"]
    [dropped] = await log_watcher.wait_for("asynchronous invocation")
    assert dropped == f"[off:$LATEST] asynchronous invocation {request_id} dropped: Rate Exceeded."


CALLER_CODE = """
import json

import boto3


def handler(event, context):
    client = boto3.client("lambda")
    response = client.invoke(FunctionName="echo:$LATEST", Payload=b'{"from": "caller"}')
    return json.loads(response["Payload"].read())
"""


@pytest.mark.timeout(20)
async def test_function_invokes_another_locally(
    starter: ServiceStarter, functions_dir: Path
) -> None:
    caller = starter.tmp_path / "caller"
    caller.mkdir()
    (caller / "app.py").write_text(CALLER_CODE)
    toml = f"""
        [functions.caller]
        handler = "app.handler"
        code = "caller"
        timeout = 15

        [functions.echo]
        handler = "app.handler"
        code = "{functions_dir / "echo"}"
    """
    _, invoke = await starter.start(toml)
    response = await invoke(FunctionName="caller", Payload=b"{}")
    assert "FunctionError" not in response, response["Payload"]
    assert json.loads(response["Payload"])["body"] == '{"from": "caller"}'
