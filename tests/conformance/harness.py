"""Send one request case to an app directly or through lamux, and record the response.

Direct calls use the framework's own in-process client: httpx's ASGITransport
for the Starlette app, Flask's test client for the Flask app. Calls through
lamux use httpx over loopback with the Host header naming the alias and
function. Both httpx clients send the same default headers, minus Accept, which
the probe reports and Flask's test client does not add.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from flask import Flask
from starlette.types import ASGIApp

from lamux.server import ProxyServer
from tests.conformance.apps.shared import conformance_probe
from tests.conformance.cases import RequestCase

APPS_DIR = Path(__file__).resolve().parent / "apps"

# Response headers left out of comparisons: lamux computes Content-Length from
# the body it sends (the body is compared instead), the server stack adds Date
# and Server, and lamux adds its request id.
IGNORED_RESPONSE_HEADERS = frozenset({"content-length", "date", "server", "x-amzn-requestid"})


@dataclass(frozen=True)
class Observation:
    """An HTTP response reduced to what the suite compares."""

    status: int
    headers: dict[str, list[str]]  # lower-case name → values in order, ignored headers left out
    body: bytes
    echo: dict[str, Any] | None  # the echo document of an echo route, None for other responses


def observe(method: str, status: int, header_lines: list[tuple[str, str]], body: bytes) -> Observation:
    """Reduce a response to an Observation, parsing the echo document of an echo route."""
    headers: dict[str, list[str]] = {}
    for name, value in header_lines:
        key = name.lower()
        if key not in IGNORED_RESPONSE_HEADERS:
            headers.setdefault(key, []).append(value)
    echo = None
    if conformance_probe.ECHO_METHOD_HEADER in headers and body and method != "HEAD":
        echo = json.loads(body)
    return Observation(status, headers, body, echo)


def load_app(kind: str) -> ModuleType:
    """Import ``apps/KIND/app.py`` into the test process.

    The app imports ``conformance_probe`` as a top-level module, as it does on
    the local Lambda service. Here that name is bound to the module that the
    tests import, so the app and the tests share one module.
    """
    sys.modules.setdefault("conformance_probe", conformance_probe)
    spec = importlib.util.spec_from_file_location(f"conformance_{kind}_app", APPS_DIR / kind / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _httpx_client(**kwargs: Any) -> httpx.AsyncClient:
    client = httpx.AsyncClient(timeout=60, **kwargs)
    del client.headers["Accept"]
    return client


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    middle = len(body) // 2
    yield body[:middle]
    yield body[middle:]


async def _send(
    client: httpx.AsyncClient, case: RequestCase, url: str, extra_headers: list[tuple[str, bytes]]
) -> Observation:
    # An async iterator makes httpx send the body chunked, without Content-Length.
    content = _chunks(case.body) if case.chunked else case.body or None
    request = client.build_request(case.method, url, headers=[*extra_headers, *case.headers], content=content)
    response = await client.send(request, stream=True)
    try:
        # Raw bytes: a gzip body is compared as the app sent it, not inflated.
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    finally:
        await response.aclose()
    return observe(case.method, response.status_code, list(response.headers.multi_items()), body)


async def call_asgi(app: ASGIApp, case: RequestCase) -> Observation:
    """Send ``case`` to an ASGI app in process."""
    async with _httpx_client(transport=httpx.ASGITransport(app=app)) as client:
        observation = await _send(client, case, "http://probe.test" + case.target, [])
    if case.method == "HEAD":
        # An HTTP server sends no body in a HEAD response (RFC 9110 section
        # 9.3.2), but ASGITransport returns whatever the app wrote.
        observation = replace(observation, body=b"")
    return observation


async def call_wsgi(app: Flask, case: RequestCase) -> Observation:
    """Send ``case`` to a Flask app through its test client, in a worker thread."""

    def send() -> Observation:
        client = app.test_client(use_cookies=False)
        # WSGI carries header values as Latin-1 strings of the raw bytes (PEP 3333).
        header_lines = [(name, value.decode("latin-1")) for name, value in case.headers]
        response = client.open(case.target, method=case.method, headers=header_lines, data=case.body)
        return observe(case.method, response.status_code, response.headers.to_wsgi_list(), response.get_data())

    return await asyncio.to_thread(send)


async def call_lamux(server: ProxyServer, function: str, alias: str, case: RequestCase) -> Observation:
    """Send ``case`` through lamux to ``function`` at ``alias``."""
    async with _httpx_client() as client:
        host = f"{alias}.{function}.localhost".encode()
        return await _send(client, case, server.url + case.target, [("Host", host)])


def assert_pinned(direct: Observation, case: RequestCase, kind: str) -> None:
    """Check the direct response against the values ``case`` pins for apps of ``kind``."""
    pins = {**case.direct, **case.direct_by_kind.get(kind, {})}
    for key, value in pins.items():
        if key == "status":
            assert direct.status == value, "direct status"
        else:
            assert direct.echo is not None, "direct echo document"
            assert direct.echo[key] == value, f"direct echo {key}"
