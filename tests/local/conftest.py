"""Fixtures for the local Lambda service: a started service, SDK clients and log watching."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from lamux.local import LocalLambdaService

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
FUNCTIONS_TOML = FUNCTIONS_DIR / "lamux.toml"


class LogWatcher(logging.Handler):
    """Collects messages of the ``lamux.local`` loggers and lets a test wait for one."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self._loop.call_soon_threadsafe(self._append, record.getMessage())

    def _append(self, message: str) -> None:
        self.messages.append(message)
        self._changed.set()

    async def wait_for(self, text: str, count: int = 1, timeout: float = 10) -> list[str]:
        """Wait until ``count`` messages contain ``text`` and return those messages."""
        async with asyncio.timeout(timeout):
            while True:
                matches = [message for message in self.messages if text in message]
                if len(matches) >= count:
                    return matches
                self._changed.clear()
                await self._changed.wait()


@pytest.fixture
async def log_watcher() -> AsyncIterator[LogWatcher]:
    watcher = LogWatcher()
    service_logger = logging.getLogger("lamux.local")
    previous_level = service_logger.level
    service_logger.setLevel(logging.INFO)
    service_logger.addHandler(watcher)
    yield watcher
    service_logger.removeHandler(watcher)
    service_logger.setLevel(previous_level)


@pytest.fixture
async def service(log_watcher: LogWatcher) -> AsyncIterator[LocalLambdaService]:
    """The service for tests/functions/lamux.toml, started on a free loopback port."""
    local_service = LocalLambdaService.from_file(FUNCTIONS_TOML)
    await local_service.start(host="127.0.0.1", port=0)
    yield local_service
    await local_service.close()


def make_client(endpoint_url: str) -> Any:
    """Create botocore's Lambda client for a local endpoint, without retries."""
    return boto3.client(
        "lambda",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}, read_timeout=30, connect_timeout=5),
    )


async def invoke_in_thread(client: Any, **kwargs: Any) -> dict[str, Any]:
    """Call Invoke in a thread, so the event loop keeps serving, with the Payload read."""

    def call() -> dict[str, Any]:
        response = client.invoke(**kwargs)
        response["Payload"] = response["Payload"].read()
        return response

    return await asyncio.to_thread(call)


@pytest.fixture
def lambda_client(service: LocalLambdaService) -> Iterator[Any]:
    """botocore's Lambda client for ``service``."""
    client = make_client(service.endpoint_url)
    yield client
    client.close()


@pytest.fixture
def invoke(lambda_client: Any) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Invoke through ``lambda_client``: ``await invoke(FunctionName=..., Payload=...)``."""
    return functools.partial(invoke_in_thread, lambda_client)


@pytest.fixture
def invoker_factory() -> Iterator[Callable[[str], Callable[..., Awaitable[dict[str, Any]]]]]:
    """Create ``invoke`` functions like the ``invoke`` fixture for services a test starts."""
    clients: list[Any] = []

    def create(endpoint_url: str) -> Callable[..., Awaitable[dict[str, Any]]]:
        client = make_client(endpoint_url)
        clients.append(client)
        return functools.partial(invoke_in_thread, client)

    yield create
    for client in clients:
        client.close()


def sign(url: str, body: bytes, headers: dict[str, str] | None = None) -> dict[str, str]:
    """Sign a POST with SigV4 as the SDK does and return its headers, for raw HTTP requests."""
    request = AWSRequest(method="POST", url=url, data=body, headers=headers or {})
    credentials = Credentials("AKIDLAMUXTEST", "lamux-test-secret")
    SigV4Auth(credentials, "lambda", "us-east-1").add_auth(request)
    return dict(request.headers)


@pytest.fixture
def signed_headers() -> Callable[..., dict[str, str]]:
    """``signed_headers(url, body, headers=None)`` returns the headers of a signed POST."""
    return sign


@pytest.fixture
def functions_dir() -> Path:
    """tests/functions, with lamux.toml and the code of the test functions."""
    return FUNCTIONS_DIR
