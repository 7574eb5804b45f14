"""The Flask probe app through apig-wsgi behind lamux, against Flask's test client.

Every request case runs behind each front door: Function URL (payload 2.0),
REST API (payload 1.0), and the Application Load Balancer with multi-value
headers off and on.
"""

from __future__ import annotations

import pytest

from lamux.server import ProxyServer
from tests.conformance.cases import CASES, RequestCase
from tests.conformance.differences import (
    APIG_WSGI,
    Combination,
    assert_conforms,
    combinations_of,
    expected_behind,
)
from tests.conformance.harness import assert_pinned, call_lamux, call_wsgi, load_app

pytestmark = pytest.mark.asyncio(loop_scope="module")

FLASK_APP = load_app("wsgi").app


@pytest.mark.parametrize("combination", combinations_of(APIG_WSGI))
@pytest.mark.parametrize("case", CASES)
async def test_apig_wsgi_conforms(stack: ProxyServer, case: RequestCase, combination: Combination) -> None:
    direct = await call_wsgi(FLASK_APP, case)
    assert_pinned(direct, case, "wsgi")

    behind = await call_lamux(stack, combination.function, combination.alias, case)

    assert_conforms(behind, expected_behind(direct, combination, case))
