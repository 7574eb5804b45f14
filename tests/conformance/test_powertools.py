"""The Powertools probe apps behind lamux, against the Starlette probe app called directly.

Powertools' resolvers run only on Lambda, so their direct counterpart is the
Starlette app, which serves the same routes with the same replies. Each
resolver runs behind the front door whose events it reads.
"""

from __future__ import annotations

import pytest

from lamux.server import ProxyServer
from tests.conformance.cases import CASES, RequestCase
from tests.conformance.differences import (
    POWERTOOLS,
    Combination,
    assert_conforms,
    combinations_of,
    expected_behind,
)
from tests.conformance.harness import assert_pinned, call_asgi, call_lamux, load_app

pytestmark = pytest.mark.asyncio(loop_scope="module")

STARLETTE_APP = load_app("asgi").app


@pytest.mark.parametrize("combination", combinations_of(POWERTOOLS))
@pytest.mark.parametrize("case", CASES)
async def test_powertools_conforms(stack: ProxyServer, case: RequestCase, combination: Combination) -> None:
    direct = await call_asgi(STARLETTE_APP, case)
    assert_pinned(direct, case, "asgi")

    behind = await call_lamux(stack, combination.function, combination.alias, case)

    assert_conforms(behind, expected_behind(direct, combination, case))
