"""Echo handler for the `main` alias of the `hello` example function.

It returns, as JSON, the parts of the Lambda Function URL event (payload
format 2.0) that it received, plus which code directory handled the request.
The `feature-x` alias runs a copy of this file from hello/feature-x, which
differs only in CODE and in the greeting, so a client can see which alias
served it.
"""

import base64
import binascii
import json
import os

CODE = "main"


def make_greeting() -> str:
    return os.environ.get("GREETING", "Hello")


def decode_body(event: dict) -> tuple[str | None, bool]:
    """Return the request body and whether it is still base64.

    A base64 body is decoded when it is valid base64 of UTF-8 text. Otherwise
    it stays base64, so binary uploads survive the trip into JSON.
    """
    body = event.get("body")
    if body is None or not event.get("isBase64Encoded", False):
        return body, False
    try:
        return base64.b64decode(body, validate=True).decode("utf-8"), False
    except (binascii.Error, UnicodeDecodeError):
        return body, True


def alias_from_arn(arn: str) -> str | None:
    """Return the qualifier of a function ARN, or None for an unqualified ARN.

    A qualified ARN has eight colon-separated parts and ends with the alias
    or version the caller invoked: arn:aws:lambda:REGION:ACCOUNT:function:NAME:ALIAS.
    """
    parts = arn.split(":")
    if len(parts) == 8:
        return parts[7]
    return None


def handler(event: dict, context) -> dict:
    request_context = event.get("requestContext", {})
    body, body_is_base64 = decode_body(event)
    echo = {
        "greeting": make_greeting(),
        "code": CODE,
        "alias": alias_from_arn(getattr(context, "invoked_function_arn", "")),
        "functionName": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
        "functionVersion": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION"),
        "method": request_context.get("http", {}).get("method"),
        "rawPath": event.get("rawPath"),
        "rawQueryString": event.get("rawQueryString"),
        # Function URLs leave out queryStringParameters and cookies when the
        # request has none, so an empty value here means "none received".
        "queryStringParameters": event.get("queryStringParameters", {}),
        "headers": event.get("headers", {}),
        "cookies": event.get("cookies", []),
        "body": body,
        "bodyIsBase64": body_is_base64,
        "requestId": request_context.get("requestId"),
    }
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(echo, indent=2),
    }
