"""HTTP client helper for the end-to-end tests."""

from __future__ import annotations

from typing import Any

import aiohttp

from lamux.server import ProxyServer


async def fetch(
    server: ProxyServer, host: str, target: str = "/", method: str = "GET", **kwargs: Any
) -> tuple[int, Any, bytes]:
    """Send one request through the proxy with the given Host; return status, headers, body."""
    headers = {"Host": host, **kwargs.pop("headers", {})}
    async with aiohttp.ClientSession(auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar()) as session:
        async with session.request(
            method, server.url + target, headers=headers, allow_redirects=False, **kwargs
        ) as response:
            return response.status, response.headers, await response.read()
