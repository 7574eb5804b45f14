"""Report which code directory runs, with the greeting and the function's identity."""

import json
import os

CODE = "main"


def handler(event, context):
    body = {
        "code": CODE,
        "greeting": os.environ.get("GREETING"),
        "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
        "invoked_function_arn": context.invoked_function_arn,
    }
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }
