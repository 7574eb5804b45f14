"""The probe app on Powertools' LambdaFunctionUrlResolver, which reads Function URL (payload 2.0) events.

The routes live in ../shared/probe_powertools.py, which the function's
PYTHONPATH adds.
"""

from __future__ import annotations

import probe_powertools
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver

app = LambdaFunctionUrlResolver()
app.include_router(probe_powertools.router)


def handler(event, context):
    return app.resolve(event, context)
