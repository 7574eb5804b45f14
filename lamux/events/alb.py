"""The event an Application Load Balancer sends to a Lambda target, and its result.

Follows "Lambda functions as targets" in the Elastic Load Balancing User Guide
for Application Load Balancers: the sections "Receive events from the load
balancer", "Respond to the load balancer" and "Multi-value headers", and the
limits listed at the top of that page.

A target group either has multi-value headers disabled (the default, format
"alb") or enabled (format "alb-multi-value"), and the two modes use different
keys in both directions:

* Disabled: ``headers`` and ``queryStringParameters`` contain the last value
  the client sent for each name. The function responds with ``headers``.
* Enabled: ``multiValueHeaders`` and ``multiValueQueryStringParameters``
  contain every value. ``headers`` is null and ``queryStringParameters`` is
  absent. The ELB guide's example omits both single-value keys, and a captured
  event has ``"headers": null``. The function responds with
  ``multiValueHeaders``.

Header names are lower-case. Query keys and values arrive exactly as the
client encoded them, because the load balancer does not decode them. The body
is sent as text for ``text/*``, application/json, application/javascript and
application/xml and base64-encoded for every other type. A request without a
body has ``"body": ""``.
"""

from __future__ import annotations

import re
from typing import Any

from lamux.errors import InvalidResponse, RequestTooLarge
from lamux.events.common import (
    HTTPRequest,
    HTTPResponse,
    check_header_name,
    decode_body,
    encode_body,
    first_header,
    json_type,
    load_result,
    parse_status_code,
    result_header,
    split_query,
)

# requestContext.elb.targetGroupArn. lamux has no target group, so this is a
# well-formed ARN in AWS's documentation account 123456789012.
TARGET_GROUP_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lamux/0000000000000000"

# The load balancer accepts request bodies and result JSON of at most 1 MB.
# NOTE: the guide does not say whether 1 MB is 10**6 or 2**20 bytes. lamux
# assumes 2**20, the unit of Lambda's own payload quotas.
MAX_REQUEST_BODY = 1024 * 1024
MAX_RESULT_JSON = 1024 * 1024

# statusDescription is "<status code> <reason phrase>", such as "200 OK". The
# reason phrase is limited to printable ASCII, spaces and tabs so that it can
# never break the status line.
_STATUS_DESCRIPTION = re.compile(r"(\d{3}) ([\t\x20-\x7e]*)")


class ALBEvent:
    """Application Load Balancer Lambda target, with multi-value headers disabled or enabled."""

    def __init__(self, *, multi_value_headers: bool = False) -> None:
        self.multi_value_headers = multi_value_headers
        self.name = "alb-multi-value" if multi_value_headers else "alb"

    def build_event(self, request: HTTPRequest) -> dict[str, Any]:
        if len(request.body) > MAX_REQUEST_BODY:
            raise RequestTooLarge(
                f"request body of {len(request.body)} bytes exceeds the Application Load Balancer's "
                f"limit of {MAX_REQUEST_BODY} bytes for Lambda targets"
            )

        headers: dict[str, list[str]] = {}
        for name, value in request.headers:
            headers.setdefault(name.lower(), []).append(value)
        query: dict[str, list[str]] = {}
        for key, value in split_query(request.raw_query):
            query.setdefault(key, []).append(value)

        event: dict[str, Any] = {
            "requestContext": {"elb": {"targetGroupArn": TARGET_GROUP_ARN}},
            "httpMethod": request.method,
            "path": request.raw_path,
        }
        if self.multi_value_headers:
            event["multiValueQueryStringParameters"] = query
            event["multiValueHeaders"] = headers
            # A captured multi-value event carries "headers": null beside the
            # multi-value map; consumers select the mode by multiValueHeaders.
            event["headers"] = None
        else:
            event["queryStringParameters"] = {key: values[-1] for key, values in query.items()}
            event["headers"] = {name: values[-1] for name, values in headers.items()}

        if request.body:
            body, is_base64 = encode_body(request.body, first_header(request.headers, "content-type"))
            event["body"] = body
            event["isBase64Encoded"] = is_base64
        else:
            event["body"] = ""
            event["isBase64Encoded"] = False
        return event

    def read_result(self, payload: bytes) -> HTTPResponse:
        if len(payload) > MAX_RESULT_JSON:
            raise InvalidResponse(
                f"invalid function result: {len(payload)} bytes of JSON exceeds the Application Load "
                f"Balancer's limit of {MAX_RESULT_JSON} bytes for Lambda targets"
            )
        result = load_result(payload)
        if not isinstance(result, dict) or "statusCode" not in result:
            received = "an object without statusCode" if isinstance(result, dict) else json_type(result)
            raise InvalidResponse(
                f"invalid function result: expected a JSON object with statusCode, got {received}"
            )

        status = parse_status_code(result["statusCode"])
        if self.multi_value_headers:
            headers = _read_multi_value_headers(result.get("multiValueHeaders"))
        else:
            headers = _read_headers(result.get("headers"))
        body = decode_body(result.get("body"), result.get("isBase64Encoded"))
        if body and not any(name.lower() == "content-type" for name, _ in headers):
            # What users report a load balancer sends for a body without a type.
            headers.append(("Content-Type", "application/octet-stream"))
        reason = reason_phrase(status, result.get("statusDescription"))
        return HTTPResponse(status, headers, body, reason)


def reason_phrase(status: int, status_description: object) -> str | None:
    """Return the reason phrase of a statusDescription such as ``"200 OK"``.

    Returns None, which selects the standard phrase, when the description is
    missing, is not ``"<code> <reason>"`` with a printable reason, or names a
    code other than ``status``.
    """
    # NOTE: what the load balancer does with a missing or malformed
    # statusDescription is not documented. Functions that omit it are
    # reported to work, so lamux does not reject it.
    if not isinstance(status_description, str):
        return None
    match = _STATUS_DESCRIPTION.fullmatch(status_description)
    if not match or int(match.group(1)) != status:
        return None
    reason = match.group(2).strip()
    if not reason:
        return None
    return reason


def _read_headers(value: object) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise InvalidResponse(f"invalid function result: headers must be an object, got {json_type(value)}")
    lines = []
    for name, header_value in value.items():
        _check_string_value(name, header_value)
        line = result_header(name, header_value)
        if line:
            lines.append(line)
    return lines


def _read_multi_value_headers(value: object) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise InvalidResponse(
            f"invalid function result: multiValueHeaders must be an object, got {json_type(value)}"
        )
    lines = []
    for name, values in value.items():
        if values is None:
            continue
        if not isinstance(values, list):
            raise InvalidResponse(
                f"invalid function result: multiValueHeaders[{name!r}] must be an array, got {json_type(values)}"
            )
        for header_value in values:
            _check_string_value(name, header_value)
            line = result_header(name, header_value)
            if line:
                lines.append(line)
    return lines


def _check_string_value(name: object, value: object) -> None:
    """Reject a header value that is neither a string nor null.

    The load balancer returns 502 even for numbers and booleans, as users of
    Lambda web adapters have reported for a boolean
    Access-Control-Allow-Credentials and a numeric Content-Length. Null values
    are skipped, as in the other formats.
    """
    if value is None or isinstance(value, str):
        return
    check_header_name(name)
    raise InvalidResponse(f"invalid function result: header {name!r} must be a string, got {json_type(value)}")
