"""The probe app on Flask, run on Lambda through apig-wsgi.

apig-wsgi picks the event format from the event: ALB events by
``requestContext.elb``, payload 2.0 by ``version``, anything else as a REST
API event. For REST API and ALB events it returns ``multiValueHeaders``
when the event has them. ``binary_support=True`` lets it send non-text bodies
base64-encoded for every format. conformance_probe lives in ../shared, which
the function's PYTHONPATH adds.
"""

from __future__ import annotations

import conformance_probe as probe
from apig_wsgi import make_lambda_handler
from flask import Flask, Response, request
from werkzeug.routing import BaseConverter


class AnyPathConverter(BaseConverter):
    """Match the rest of the path, empty segments included.

    Werkzeug's ``path`` converter rejects a value that starts with "/", so
    ``/echo//double`` would not match ``/echo/<path:rest>``.
    """

    regex = ".*"
    part_isolating = False


app = Flask(__name__)
app.url_map.converters["anypath"] = AnyPathConverter
# Werkzeug redirects a path with "//" to the merged path by default. The probe
# reports such paths as they are, as the Starlette app does.
app.url_map.merge_slashes = False


def _echo_request() -> probe.EchoRequest:
    return probe.EchoRequest(
        method=request.method,
        path=request.path,
        query=request.query_string.decode("latin-1"),
        args=list(request.args.items(multi=True)),
        header_values=request.headers.getlist,
        cookies=list(request.cookies.items(multi=True)),
        body=request.get_data(),
    )


def _response(reply: probe.Reply) -> Response:
    response = Response(reply.body, status=reply.status)
    # Werkzeug gives every response a default text/html Content-Type, but the
    # probe's replies carry exactly the headers they list.
    del response.headers["Content-Type"]
    for name, value in reply.header_lines():
        response.headers.add(name, value)
    return response


@app.route("/echo", methods=probe.ECHO_METHODS)
@app.route("/echo/<anypath:rest>", methods=probe.ECHO_METHODS)
def echo(rest: str = "") -> Response:
    return _response(probe.echo_reply(_echo_request()))


@app.route("/digest/<anypath:rest>", methods=probe.ECHO_METHODS)
def digest(rest: str) -> Response:
    return _response(probe.echo_reply(_echo_request(), include_body=False))


@app.route("/reply/<name>", methods=probe.REPLY_METHODS)
def fixed_reply(name: str) -> Response:
    reply = probe.reply(name)
    if reply is None:
        return Response(b"unknown reply\n", status=404, content_type="text/plain")
    return _response(reply)


handler = make_lambda_handler(app, binary_support=True)
