"""Responses over Lambda's 6 MB result limit, behind every front door.

These run apart from the case tables because of what follows such a response:
awslambdaric raises when the Runtime API rejects the response with 413, and
its process exits tens of milliseconds later. Each alias has its own runtime
processes (see lamux.toml), and each test here sends one oversized response
per alias, so no test meets a runtime that another test left exiting.
"""

from __future__ import annotations

import pytest

from lamux.server import ProxyServer
from tests.conformance.cases import RequestCase
from tests.conformance.differences import (
    COMBINATIONS,
    Combination,
    assert_conforms,
    expected_behind,
)
from tests.conformance.harness import (
    assert_pinned,
    call_asgi,
    call_lamux,
    call_wsgi,
    load_app,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

DIRECT_APPS = {"asgi": load_app("asgi").app, "wsgi": load_app("wsgi").app}

# 5,000,000 bytes, 6,666,668 in base64: over the 6 MB limit of a result.
OVERSIZED_REPLY = RequestCase("GET", "/reply/blob-5000000", direct={"status": 200})
LINGERING_OK = RequestCase("GET", "/")
LINGERING_LARGE = RequestCase("GET", "/large")


async def test_request_after_oversized_response_succeeds(stack: ProxyServer) -> None:
    # The lingering function's runtime takes a second to exit, so the
    # follow-up request reliably arrives while it is still running.
    warm_up = await call_lamux(stack, "lingering", "main", LINGERING_OK)
    if warm_up.status != 200:
        pytest.fail(f"warm-up request returned status {warm_up.status}, expected 200")
    oversized = await call_lamux(stack, "lingering", "main", LINGERING_LARGE)
    if oversized.status != 502 or b"Function.ResponseSizeTooLarge" not in oversized.body:
        pytest.fail(f"oversized response returned status {oversized.status}, expected 502: {oversized.body[:200]!r}")

    follow_up = await call_lamux(stack, "lingering", "main", LINGERING_OK)

    # Lambda routes an invocation only to a runtime that waits on
    # /runtime/invocation/next, so a runtime that exits instead never gets it,
    # and the invocation runs in a new execution environment.
    assert follow_up.status == 200, follow_up.body
    assert follow_up.body == b"ok\n"


@pytest.mark.parametrize("combination", [pytest.param(c, id=c.id) for c in COMBINATIONS])
async def test_oversized_response_is_bad_gateway(stack: ProxyServer, combination: Combination) -> None:
    app = DIRECT_APPS[combination.direct_kind]
    call_direct = call_wsgi if combination.direct_kind == "wsgi" else call_asgi
    direct = await call_direct(app, OVERSIZED_REPLY)
    assert_pinned(direct, OVERSIZED_REPLY, combination.direct_kind)

    behind = await call_lamux(stack, combination.function, combination.alias, OVERSIZED_REPLY)

    expected = expected_behind(direct, combination, OVERSIZED_REPLY)
    assert "invoke-result-limit" in expected.applied
    assert_conforms(behind, expected)
    # lamux runs the local service with error details on, so the body names
    # Lambda's error after the status line.
    assert b"\nFunction.ResponseSizeTooLarge: " in behind.body
