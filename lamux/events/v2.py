"""Payload format 2.0: the event a Lambda Function URL or HTTP API sends.

Request side follows "Invoking Lambda function URLs" (request payload format)
in the AWS Lambda Developer Guide and "Working with AWS Lambda proxy
integrations for HTTP APIs" in the API Gateway Developer Guide. Where the two
differ, lamux behaves as a Function URL does: ``rawPath`` keeps the client's
percent-encoding, and the Cookie header stays in ``headers`` besides the
``cookies`` array.

Result side follows the "Response payload format" section of the same Lambda
page: an object with ``statusCode`` is a structured response; any other valid
JSON is returned as a 200 ``application/json`` body, exactly as the function
returned it (a JSON string keeps its quotes).
"""

from __future__ import annotations

from typing import Any

from lamux.errors import InvalidResponse
from lamux.events.common import (
    ANONYMOUS_ACCOUNT_ID,
    HTTPRequest,
    HTTPResponse,
    decode_body,
    encode_body,
    first_header,
    format_request_time,
    header_value_text,
    header_values,
    json_type,
    load_result,
    parse_query,
    parse_status_code,
    result_header,
    split_cookies,
)

class PayloadV2:
    """Function URL / HTTP API payload format 2.0."""

    name = "2.0"

    def build_event(self, request: HTTPRequest) -> dict[str, Any]:
        headers: dict[str, str] = {}
        for name, value in request.headers:
            key = name.lower()
            if key == "cookie":
                continue
            # Repeated headers are joined with a bare comma, as AWS does.
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        cookie_lines = header_values(request.headers, "cookie")
        if cookie_lines:
            headers["cookie"] = "; ".join(cookie_lines)

        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": request.raw_path,
            "rawQueryString": request.raw_query,
        }
        cookies = split_cookies(cookie_lines)
        if cookies:
            event["cookies"] = cookies
        event["headers"] = headers

        query = parse_query(request.raw_query)
        if query:
            parameters: dict[str, str] = {}
            for key, value in query:
                parameters[key] = f"{parameters[key]},{value}" if key in parameters else value
            event["queryStringParameters"] = parameters

        domain_prefix = request.host.split(".", 1)[0]
        event["requestContext"] = {
            "accountId": ANONYMOUS_ACCOUNT_ID,
            "apiId": domain_prefix,
            "domainName": request.host,
            "domainPrefix": domain_prefix,
            "http": {
                "method": request.method,
                "path": request.raw_path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": first_header(request.headers, "user-agent") or "",
            },
            "requestId": request.request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": format_request_time(request.time_epoch_ms),
            "timeEpoch": request.time_epoch_ms,
        }
        if request.body:
            body, is_base64 = encode_body(request.body, first_header(request.headers, "content-type"))
            event["body"] = body
            event["isBase64Encoded"] = is_base64
        else:
            event["isBase64Encoded"] = False
        return event

    def read_result(self, payload: bytes) -> HTTPResponse:
        result = load_result(payload)

        if not (isinstance(result, dict) and "statusCode" in result):
            # Valid JSON without statusCode: the function's output is the body.
            return HTTPResponse(200, [("Content-Type", "application/json")], payload)

        status = parse_status_code(result["statusCode"])
        headers = _read_headers(result.get("headers"))
        for cookie in _read_cookies(result.get("cookies")):
            headers.append(("Set-Cookie", cookie))
        body = decode_body(result.get("body"), result.get("isBase64Encoded"))
        if body and not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
        return HTTPResponse(status, headers, body)


def _read_headers(value: object) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise InvalidResponse(f"invalid function result: headers must be an object, got {json_type(value)}")
    return [line for name, raw in value.items() if (line := result_header(name, raw)) is not None]


def _read_cookies(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidResponse(f"invalid function result: cookies must be an array, got {json_type(value)}")
    return [header_value_text("Set-Cookie", cookie) for cookie in value]
