"""The Starlette probe app through Mangum behind lamux, against Starlette called directly.

Every request case runs behind each front door: Function URL (payload 2.0),
REST API (payload 1.0), and the Application Load Balancer with multi-value
headers off and on.
"""

from __future__ import annotations

import pytest

from lamux.server import ProxyServer
from tests.conformance.cases import CASES, RequestCase
from tests.conformance.differences import (
    MANGUM,
    Combination,
    assert_conforms,
    combinations_of,
    expected_behind,
)
from tests.conformance.harness import assert_pinned, call_asgi, call_lamux, load_app

pytestmark = pytest.mark.asyncio(loop_scope="module")

STARLETTE_APP = load_app("asgi").app


@pytest.mark.parametrize("combination", combinations_of(MANGUM))
@pytest.mark.parametrize("case", CASES)
async def test_mangum_conforms(stack: ProxyServer, case: RequestCase, combination: Combination) -> None:
    direct = await call_asgi(STARLETTE_APP, case)
    assert_pinned(direct, case, "asgi")

    behind = await call_lamux(stack, combination.function, combination.alias, case)

    assert_conforms(behind, expected_behind(direct, combination, case))
