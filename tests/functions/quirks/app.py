"""Behaviour chosen by the event, for tests of failures and unusual results.

For an HTTP event the path (``event["rawPath"]``) selects what happens:

- ``/raise``: raise ValueError.
- ``/sleep/N``: print a line, sleep N seconds, then return.
- ``/exit``: end the process with exit status 1 in the middle of the invocation.
- ``/result/NAME``: return one of RESULTS below as it is.
- ``/context``: return the environment, working directory, process id and context fields.
- anything else: answer 200 with the path.

Every invocation first prints ``quirks <rawPath>``.
"""

import json
import os
import sys
import time

RESULTS = {
    # Not JSON: awslambdaric posts bytes as they are, with content type application/unknown.
    "bytes": lambda: b"\xff\xfe not json",
    "status-42": lambda: {"statusCode": 42},
    "string": lambda: "just a string",
    "none": lambda: None,
    "crlf-header": lambda: {
        "statusCode": 200,
        "headers": {"x-injected": "value\r\nSet-Cookie: injected=1"},
        "body": "header with CR/LF",
    },
    # One byte over the 6,291,556-byte response limit once JSON-encoded with its quotes.
    "oversize": lambda: "x" * (6 * 1024 * 1024 + 99),
}


def http_response(body):
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


def handler(event, context):
    raw_path = event.get("rawPath", "/") if isinstance(event, dict) else "/"
    print(f"quirks {raw_path}")

    if raw_path == "/raise":
        raise ValueError("quirks raised on request")
    if raw_path.startswith("/sleep/"):
        seconds = float(raw_path.removeprefix("/sleep/"))
        print(f"sleeping {seconds} s in pid {os.getpid()}")
        time.sleep(seconds)
        return http_response({"slept": seconds})
    if raw_path == "/exit":
        sys.stdout.flush()
        os._exit(1)
    if raw_path.startswith("/result/"):
        return RESULTS[raw_path.removeprefix("/result/")]()
    if raw_path == "/context":
        return http_response(
            {
                "environ": dict(os.environ),
                "cwd": os.getcwd(),
                "pid": os.getpid(),
                "aws_request_id": context.aws_request_id,
                "invoked_function_arn": context.invoked_function_arn,
                "remaining_time_in_millis": context.get_remaining_time_in_millis(),
                "client_context": getattr(context.client_context, "custom", None),
            }
        )
    return http_response({"rawPath": raw_path})
