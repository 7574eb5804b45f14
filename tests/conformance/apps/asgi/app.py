"""The probe app on Starlette, run on Lambda through Mangum.

Mangum picks the event format from the event itself: ALB events by
``requestContext.elb``, payload 2.0 by ``version``, REST API events by
``resource``. conformance_probe lives in ../shared, which the function's
PYTHONPATH adds.
"""

from __future__ import annotations

import conformance_probe as probe
from mangum import Mangum
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def _echo_request(request: Request) -> probe.EchoRequest:
    return probe.EchoRequest(
        method=request.method,
        path=request.scope["path"],
        query=request.scope["query_string"].decode("latin-1"),
        args=request.query_params.multi_items(),
        header_values=request.headers.getlist,
        cookies=list(request.cookies.items()),
        body=await request.body(),
    )


def _response(reply: probe.Reply) -> Response:
    response = Response(content=reply.body, status_code=reply.status)
    for name, value in reply.header_lines():
        response.headers.append(name, value)
    return response


async def echo(request: Request) -> Response:
    return _response(probe.echo_reply(await _echo_request(request)))


async def digest(request: Request) -> Response:
    return _response(probe.echo_reply(await _echo_request(request), include_body=False))


async def fixed_reply(request: Request) -> Response:
    reply = probe.reply(request.path_params["name"])
    if reply is None:
        return Response(b"unknown reply\n", status_code=404, media_type="text/plain")
    return _response(reply)


app = Starlette(
    routes=[
        Route("/echo", echo, methods=probe.ECHO_METHODS),
        Route("/echo/{rest:path}", echo, methods=probe.ECHO_METHODS),
        Route("/digest/{rest:path}", digest, methods=probe.ECHO_METHODS),
        Route("/reply/{name}", fixed_reply, methods=probe.REPLY_METHODS),
    ]
)

handler = Mangum(app, lifespan="off")
