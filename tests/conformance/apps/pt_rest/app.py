"""The probe app on Powertools' APIGatewayRestResolver, which reads REST API (payload 1.0) events.

The routes live in ../shared/probe_powertools.py, which the function's
PYTHONPATH adds.
"""

from __future__ import annotations

import probe_powertools
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

app = APIGatewayRestResolver()
app.include_router(probe_powertools.router)


def handler(event, context):
    return app.resolve(event, context)
