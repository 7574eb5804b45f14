"""The probe apps called directly: Starlette and Flask agree, and replies are as defined.

The Powertools apps are compared with the Starlette app, so the suite relies
on the apps behaving the same. Where the two frameworks read a request
differently, the case pins each framework's own value in ``direct_by_kind``,
and those fields are left out here.
"""

from __future__ import annotations

import pytest

from tests.conformance.apps.shared import conformance_probe as probe
from tests.conformance.cases import CASES, RequestCase
from tests.conformance.harness import call_asgi, call_wsgi, load_app

STARLETTE_APP = load_app("asgi").app
FLASK_APP = load_app("wsgi").app

REPLY_CASES = [param for param in CASES if param.values[0].target.startswith("/reply/")]


@pytest.mark.parametrize("case", CASES)
async def test_starlette_and_flask_agree(case: RequestCase) -> None:
    starlette = await call_asgi(STARLETTE_APP, case)
    flask = await call_wsgi(FLASK_APP, case)

    assert flask.status == starlette.status
    assert flask.headers == starlette.headers
    if starlette.echo is None:
        assert flask.echo is None
        assert flask.body == starlette.body
        return
    assert flask.echo is not None
    assert flask.echo.keys() == starlette.echo.keys()
    framework_specific = {key for pins in case.direct_by_kind.values() for key in pins}
    for key in sorted(starlette.echo.keys() - framework_specific):
        assert flask.echo[key] == starlette.echo[key], f"echo {key}"


@pytest.mark.parametrize("case", REPLY_CASES)
async def test_starlette_sends_reply_as_defined(case: RequestCase) -> None:
    reply = probe.reply(case.target.removeprefix("/reply/"))
    assert reply is not None
    headers: dict[str, list[str]] = {}
    for name, value in reply.header_lines():
        headers.setdefault(name, []).append(value)

    starlette = await call_asgi(STARLETTE_APP, case)

    assert starlette.status == reply.status
    assert starlette.headers == headers
    assert starlette.body == (b"" if case.method == "HEAD" else reply.body)
