"""Payload format 1.0: the event an API Gateway REST API proxy integration sends.

Follows "Set up Lambda proxy integrations in API Gateway" in the API Gateway
Developer Guide: the sections "Input format of a Lambda function for proxy
integration" and "Output format of a Lambda function for proxy integration".

lamux acts as a REST API with one resource for every path, each with the ANY
method and no path parameters, served from a custom domain name. So
``resource`` equals ``path``, ``pathParameters`` is ``null``, and ``path`` and
``requestContext.path`` carry no stage prefix. Where REST APIs
differ from the 2.0 format:

* Header names keep the case the client sent. ``headers`` contains the last
  value of each header and ``multiValueHeaders`` every value. The Cookie header
  stays in both, and there is no ``cookies`` field.
* ``path`` keeps the client's percent-encoding. ``queryStringParameters``
  (last value per key) and ``multiValueQueryStringParameters`` (every value)
  are decoded.
* Empty collections and a missing body are ``null``, never omitted.
* A REST API base64-encodes a request body only when the API's
  binaryMediaTypes match its Content-Type, and otherwise passes the bytes as
  text. lamux behaves as if binaryMediaTypes matched every type except the
  text types of :func:`~lamux.events.common.is_text_media_type`, the rule the
  2.0 format uses, so binary bodies arrive intact.

Result side: there is no inference. Anything but a JSON object with
``statusCode`` and no keys beyond the five documented ones is what API Gateway
logs as "Malformed Lambda proxy response" and returns 502 for. lamux always
decodes a body marked ``isBase64Encoded: true``. A REST API does so only when
its binaryMediaTypes match the response, so this mirrors the request side.
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
    json_type,
    load_result,
    parse_query,
    parse_status_code,
    result_header,
)

# Placeholders for values that only exist on a deployed REST API. "$default"
# is the name HTTP APIs give the stage that adds no prefix to the path, which
# matches lamux.
STAGE = "$default"
RESOURCE_ID = "lamux"

# Keys of requestContext.identity in the guide's examples, plus apiKeyId,
# principalOrgId and clientCert, which the Powertools and aws-lambda-go event
# types also list. lamux authenticates no one, so all but sourceIp and
# userAgent are null.
_IDENTITY_KEYS = (
    "accessKey",
    "accountId",
    "apiKey",
    "apiKeyId",
    "caller",
    "clientCert",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "sourceIp",
    "user",
    "userAgent",
    "userArn",
)

# The keys of the documented output format. API Gateway also rejects a result
# with any other key: a function that returns the 2.0 "cookies" array to a
# REST API gets "Malformed Lambda proxy response" (reported by users, not
# documented).
_RESULT_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})


class PayloadV1:
    """API Gateway REST API proxy integration, payload format 1.0."""

    name = "1.0"

    def build_event(self, request: HTTPRequest) -> dict[str, Any]:
        headers, multi_value_headers = _group_headers(request.headers)
        query = parse_query(request.raw_query)
        resource = request.raw_path

        event: dict[str, Any] = {
            "resource": resource,
            "path": request.raw_path,
            "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": multi_value_headers or None,
            "queryStringParameters": {key: value for key, value in query} or None,
            "multiValueQueryStringParameters": _group_query(query) or None,
            "pathParameters": None,
            "stageVariables": None,
            "requestContext": _request_context(request, resource),
        }
        if request.body:
            body, is_base64 = encode_body(request.body, first_header(request.headers, "content-type"))
            event["body"] = body
            event["isBase64Encoded"] = is_base64
        else:
            event["body"] = None
            event["isBase64Encoded"] = False
        return event

    def read_result(self, payload: bytes) -> HTTPResponse:
        result = load_result(payload)
        if not isinstance(result, dict) or "statusCode" not in result:
            received = "an object without statusCode" if isinstance(result, dict) else json_type(result)
            raise InvalidResponse(
                f"malformed Lambda proxy response: expected a JSON object with statusCode, got {received}"
            )
        unknown = sorted(set(result) - _RESULT_KEYS)
        if unknown:
            raise InvalidResponse(
                f"malformed Lambda proxy response: unexpected keys {unknown}, "
                f"expected only {sorted(_RESULT_KEYS)}"
            )

        status = parse_status_code(result["statusCode"])
        headers = _merge_result_headers(result.get("headers"), result.get("multiValueHeaders"))
        body = decode_body(result.get("body"), result.get("isBase64Encoded"))
        return HTTPResponse(status, headers, body)


def _group_headers(request_headers: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Group request headers by name, case-insensitively, keeping the first spelling seen."""
    spelling: dict[str, str] = {}
    multi_value: dict[str, list[str]] = {}
    for name, value in request_headers:
        key = spelling.setdefault(name.lower(), name)
        multi_value.setdefault(key, []).append(value)
    single_value = {key: values[-1] for key, values in multi_value.items()}
    return single_value, multi_value


def _group_query(query: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in query:
        grouped.setdefault(key, []).append(value)
    return grouped


def _request_context(request: HTTPRequest, resource: str) -> dict[str, Any]:
    identity: dict[str, Any] = dict.fromkeys(_IDENTITY_KEYS)
    identity["sourceIp"] = request.source_ip
    identity["userAgent"] = first_header(request.headers, "user-agent")

    domain_prefix = request.host.split(".", 1)[0]
    return {
        "accountId": ANONYMOUS_ACCOUNT_ID,
        "apiId": domain_prefix,
        "domainName": request.host,
        "domainPrefix": domain_prefix,
        "extendedRequestId": request.request_id,
        "httpMethod": request.method,
        "identity": identity,
        "path": request.raw_path,
        "protocol": request.protocol,
        "requestId": request.request_id,
        "requestTime": format_request_time(request.time_epoch_ms),
        "requestTimeEpoch": request.time_epoch_ms,
        "resourceId": RESOURCE_ID,
        "resourcePath": resource,
        "stage": STAGE,
    }


def _merge_result_headers(headers: object, multi_value_headers: object) -> list[tuple[str, str]]:
    """Merge a result's headers and multiValueHeaders into response header lines.

    Names are compared case-insensitively. For a name in both, only the
    multiValueHeaders values are sent, as the output format section documents.
    A Content-Type of application/json is added when the result names none:
    API Gateway does so (reported by users, not documented), and a
    Content-Type header set to null suppresses it.
    """
    if headers is not None and not isinstance(headers, dict):
        raise InvalidResponse(f"invalid function result: headers must be an object, got {json_type(headers)}")
    if multi_value_headers is not None and not isinstance(multi_value_headers, dict):
        raise InvalidResponse(
            f"invalid function result: multiValueHeaders must be an object, got {json_type(multi_value_headers)}"
        )
    headers = headers or {}
    multi_value_headers = multi_value_headers or {}

    lines: list[tuple[str, str]] = []
    overridden = {str(name).lower() for name in multi_value_headers}
    for name, value in headers.items():
        if str(name).lower() in overridden:
            continue
        line = result_header(name, value)
        if line:
            lines.append(line)
    for name, values in multi_value_headers.items():
        if values is None:
            continue
        if not isinstance(values, list):
            raise InvalidResponse(
                f"invalid function result: multiValueHeaders[{name!r}] must be an array, got {json_type(values)}"
            )
        for value in values:
            line = result_header(name, value)
            if line:
                lines.append(line)

    named = {str(name).lower() for name in (*headers, *multi_value_headers)}
    if "content-type" not in named:
        lines.append(("Content-Type", "application/json"))
    return lines
