"""A real lamux proxy with the local Lambda service embedded, on loopback ports.

The stacks are module-scoped: warm runtime processes are reused between the
tests of one module, as on Lambda, and the modules still run in any order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from lamux.config import load_settings
from lamux.server import ProxyServer

TESTS_DIR = Path(__file__).resolve().parent.parent
FUNCTIONS_TOML = TESTS_DIR / "functions" / "lamux.toml"
EXAMPLES_TOML = TESTS_DIR.parent / "examples" / "lamux.toml"


async def start_stack(toml: Path, **flags: Any) -> ProxyServer:
    settings = load_settings({"port": 0, **flags}, {}, local_config=toml)
    server = ProxyServer(settings)
    await server.start()
    return server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def functions_stack() -> AsyncIterator[ProxyServer]:
    server = await start_stack(FUNCTIONS_TOML, upstream_timeout="10s")
    yield server
    await server.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def examples_stack() -> AsyncIterator[ProxyServer]:
    server = await start_stack(EXAMPLES_TOML)
    yield server
    await server.close()
