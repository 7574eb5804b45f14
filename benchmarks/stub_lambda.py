"""A loopback stand-in for the Lambda Invoke API that responds at once.

It returns one fixed payload 2.0 result for every invocation, so a benchmark
measures lamux's own cost: routing, event building, signing, the Invoke
round trip on loopback and result decoding.

    python benchmarks/stub_lambda.py PORT
"""

from __future__ import annotations

import sys

from aiohttp import web

RESULT = b'{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\\"ok\\":true}"}'


async def invoke(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=RESULT, headers={"X-Amz-Executed-Version": "1"})


def main() -> None:
    app = web.Application()
    app.router.add_post("/2015-03-31/functions/{function}/invocations", invoke)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
