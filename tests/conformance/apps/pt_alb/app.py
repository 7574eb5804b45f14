"""The probe app on Powertools' ALBResolver, which reads Application Load Balancer events.

``decode_query_parameters`` keeps its default, off, so the routes see query
keys and values as the load balancer sends them: still percent-encoded.

The routes live in ../shared/probe_powertools.py, which the function's
PYTHONPATH adds.
"""

from __future__ import annotations

import probe_powertools
from aws_lambda_powertools.event_handler import ALBResolver

app = ALBResolver()
app.include_router(probe_powertools.router)


def handler(event, context):
    return app.resolve(event, context)
