"""Start-up failures of the standalone server and its log set-up."""

from __future__ import annotations

import asyncio
import logging

import pytest

from lamux.config import Settings
from lamux.errors import ConfigError
from lamux.log import configure_logging
from lamux.server import ProxyServer


async def test_port_in_use_names_flags() -> None:
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = blocker.sockets[0].getsockname()[1]
    server = ProxyServer(Settings(bind="127.0.0.1", port=port, endpoint_url="http://127.0.0.1:9"))
    try:
        with pytest.raises(ConfigError, match=rf"cannot listen on 127.0.0.1:{port} \(--bind, --port\)"):
            await server.start()
    finally:
        blocker.close()
        await blocker.wait_closed()
        await server.close()


async def test_invalid_endpoint_variable_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", "notaurl")
    server = ProxyServer(Settings(bind="127.0.0.1", port=0))
    with pytest.raises(ConfigError, match="AWS_ENDPOINT_URL_LAMBDA"):
        await server.start()
    await server.close()


async def test_malformed_request_logged_as_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info")
    try:
        server = ProxyServer(Settings(bind="127.0.0.1", port=0, endpoint_url="http://127.0.0.1:9"))
        await server.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        response = await reader.read()
        writer.close()
        await server.close()
    finally:
        for name in ("lamux", "aiohttp"):
            logging.getLogger(name).handlers.clear()
            logging.getLogger(name).propagate = True
    assert response.startswith(b"HTTP/1.0 400 Bad Request")
    err = capsys.readouterr().err
    assert "rejected a malformed request with 400: Missing 'Host' header in request." in err
    assert "Traceback" not in err
