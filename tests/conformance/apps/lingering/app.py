"""A function whose runtime takes a second to exit, for the test of the request after a failed response.

``GET /large`` returns a result of 7,000,000 bytes, over Lambda's 6 MB limit.
The Runtime API rejects it with 413, awslambdaric raises and its process
exits, but only after the atexit hook below has waited one second, as an app
that flushes telemetry on exit would. Any other path returns 200 "ok".
"""

import atexit
import time

atexit.register(time.sleep, 1.0)


def handler(event, context):
    if event["rawPath"] == "/large":
        return {"statusCode": 200, "body": "x" * 7_000_000}
    return {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "ok\n"}
