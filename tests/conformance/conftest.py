"""The lamux stack that the conformance tests run against, one per test module."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from lamux.config import load_settings
from lamux.server import ProxyServer

# The comparison helpers assert outside test modules. Rewriting their asserts
# makes a failure show the two values that differ.
pytest.register_assert_rewrite("tests.conformance.differences", "tests.conformance.harness")

CONFORMANCE_TOML = Path(__file__).resolve().parent / "lamux.toml"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack() -> AsyncIterator[ProxyServer]:
    """lamux with the local Lambda service running the probe functions, on a loopback port."""
    server = ProxyServer(load_settings({"port": 0, "upstream_timeout": "60s"}, {}, local_config=CONFORMANCE_TOML))
    await server.start()
    yield server
    await server.close()
