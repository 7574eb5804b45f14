"""The Lambda Invoke client.

One SigV4-signed ``POST /2015-03-31/functions/{FunctionName}/invocations``
per proxied request, sent over a long-lived aiohttp connection pool. The AWS
SDK supplies what it does well and what must stay current: the credential
chain with refresh before expiry, region and endpoint resolution
(``AWS_ENDPOINT_URL_LAMBDA``, ``AWS_ENDPOINT_URL``, FIPS and dual-stack
settings), the SigV4 signer and the parser of Lambda's error responses. The
full aiobotocore request pipeline is skipped on the hot path because it costs
about half of the proxy's throughput.

Lambda API errors are translated to lamux's :mod:`lamux.errors` here and only
here.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

import aiohttp
import yarl
from aiobotocore.session import AioSession, get_session
from botocore.awsrequest import HeadersDict
from botocore.credentials import ReadOnlyCredentials
from botocore.exceptions import BotoCoreError
from botocore.parsers import create_parser

from lamux.errors import (
    ConfigError,
    FunctionNotFound,
    FunctionUnavailable,
    ProxyError,
    RequestTooLarge,
    Throttled,
    UpstreamError,
    UpstreamTimeout,
)
from lamux.routing import Target
from lamux.signing import RequestSigner, default_signer

logger = logging.getLogger("lamux.invoker")

# Lambda's synchronous Invoke request limit (6 MB), in bytes.
MAX_INVOKE_PAYLOAD = 6_291_456

_SIGNING_NAME = "lambda"


@dataclass(frozen=True, slots=True)
class InvokeResult:
    """Result of a synchronous Invoke call."""

    payload: bytes
    function_error: str | None = None  # X-Amz-Function-Error: set when the function failed
    executed_version: str | None = None
    request_id: str | None = None  # Lambda's x-amzn-RequestId


class Invoker(Protocol):
    """Calls a Lambda function synchronously with an event payload."""

    async def invoke(self, target: Target, payload: bytes, *, trace_id: str | None = None) -> InvokeResult: ...

    async def close(self) -> None: ...


# Lambda API error codes (x-amzn-ErrorType) → the lamux error raised for them.
# Every other code is an UpstreamError (502), because the caller's request was
# valid and lamux could not get a response from the function.
_ERRORS_BY_CODE: dict[str, type[ProxyError]] = {
    "ResourceNotFoundException": FunctionNotFound,
    "TooManyRequestsException": Throttled,
    "RequestTooLargeException": RequestTooLarge,
    # The name real Lambda responses were observed to carry for an oversized
    # payload, while the API model declares RequestTooLargeException.
    "RequestEntityTooLargeException": RequestTooLarge,
    "SerializedRequestEntityTooLargeException": RequestTooLarge,
    # Temporary states of the function; a later call may succeed.
    "ResourceConflictException": FunctionUnavailable,
    "ResourceNotReadyException": FunctionUnavailable,
    "SnapStartNotReadyException": FunctionUnavailable,
}


def error_for_response(status: int, headers: HeadersDict, body: bytes, target: Target) -> ProxyError:
    """Translate a non-2xx Invoke response into the lamux error to raise."""
    parsed = _ERROR_PARSER.parse(
        {"status_code": status, "headers": headers, "body": body},
        _INVOKE_OPERATION.output_shape,
    )
    error = parsed.get("Error", {})
    code = error.get("Code") or f"HTTP{status}"
    message = error.get("Message") or ""
    detail = f"{code}: {message}" if message else code
    kind = _ERRORS_BY_CODE.get(code, UpstreamError)
    if kind is FunctionNotFound:
        return FunctionNotFound(f"function {target} not found", detail=detail)
    if kind is Throttled:
        return Throttled(f"function {target} is throttled", retry_after=headers.get("Retry-After"), detail=detail)
    if kind is RequestTooLarge:
        return RequestTooLarge(f"request to {target} exceeds Lambda's payload limit", detail=detail)
    if kind is FunctionUnavailable:
        return FunctionUnavailable(f"function {target} cannot run right now", detail=detail)
    return UpstreamError(f"Lambda rejected the call to {target} with {code}", detail=detail)


def _load_invoke_model():  # type: ignore[no-untyped-def]
    import botocore.session

    service_model = botocore.session.get_session().get_service_model("lambda")
    return service_model.operation_model("Invoke")


_INVOKE_OPERATION = _load_invoke_model()
_ERROR_PARSER = create_parser("rest-json")


class LambdaInvoker:
    """Invoke client for the Lambda API or any endpoint that speaks it."""

    def __init__(
        self,
        *,
        endpoint_url: str,
        region: str,
        session: AioSession,
        timeout: float,
        static_credentials: ReadOnlyCredentials | None = None,
        signer: RequestSigner | None = None,
        max_connections: int = 512,
    ) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.region = region
        self.timeout = timeout
        self._session = session
        self._static_credentials = static_credentials
        self._credentials = None
        self.signer = signer or default_signer(_SIGNING_NAME, region)
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=max_connections, ttl_dns_cache=300),
            timeout=aiohttp.ClientTimeout(total=timeout),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Content-Type"),
        )

    @classmethod
    async def create(
        cls,
        *,
        timeout: float,
        endpoint_url: str | None = None,
        region: str | None = None,
        static_credentials: ReadOnlyCredentials | None = None,
        signer: RequestSigner | None = None,
    ) -> LambdaInvoker:
        """Resolve region, endpoint and credentials through the AWS SDK chain.

        Raises ConfigError when no region or no credentials can be found.
        """
        session = get_session()
        if region is None:
            # botocore reads AWS_DEFAULT_REGION and profiles; AWS_REGION is the
            # variable the newer AWS SDKs and the Lambda runtime also set.
            region = session.get_config_variable("region") or os.environ.get("AWS_REGION")
        if not region:
            raise ConfigError("no AWS region configured: set AWS_REGION or pass --region")
        try:
            async with session.create_client("lambda", region_name=region, endpoint_url=endpoint_url) as client:
                resolved_endpoint = client.meta.endpoint_url
        except (BotoCoreError, ValueError) as error:
            raise ConfigError(
                f"cannot use the Lambda endpoint for region {region!r}: {error}; check --endpoint-url, "
                "AWS_ENDPOINT_URL_LAMBDA and AWS_ENDPOINT_URL"
            ) from error
        invoker = cls(
            endpoint_url=resolved_endpoint,
            region=region,
            session=session,
            timeout=timeout,
            static_credentials=static_credentials,
            signer=signer,
        )
        if static_credentials is None:
            invoker._credentials = await session.get_credentials()
            if invoker._credentials is None:
                await invoker.close()
                raise ConfigError(
                    "no AWS credentials found: configure the AWS SDK credential chain "
                    "(environment, profile, SSO, container or instance role)"
                )
        logger.info(
            "invoking Lambda at %s in region %s, signing with %s", resolved_endpoint, region, invoker.signer.name
        )
        return invoker

    async def close(self) -> None:
        await self._http.close()

    async def _frozen_credentials(self) -> ReadOnlyCredentials:
        if self._static_credentials is not None:
            return self._static_credentials
        # Refreshable credentials renew themselves here shortly before expiry.
        return await self._credentials.get_frozen_credentials()

    def invocation_url(self, target: Target) -> str:
        # The function name is one path segment: an ARN's colons become %3A.
        url = f"{self.endpoint_url}/2015-03-31/functions/{quote(target.function, safe='')}/invocations"
        if target.qualifier:
            url += "?Qualifier=" + quote(target.qualifier, safe="")
        return url

    async def invoke(self, target: Target, payload: bytes, *, trace_id: str | None = None) -> InvokeResult:
        url = self.invocation_url(target)
        headers = self.signer.sign(
            await self._frozen_credentials(), "POST", url, {"Content-Type": "application/json"}, payload
        )
        if trace_id:
            # Not part of the signature, as in the AWS SDKs.
            headers["X-Amzn-Trace-Id"] = trace_id
        try:
            async with self._http.post(yarl.URL(url, encoded=True), data=payload, headers=headers) as response:
                body = await response.read()
                if response.status >= 300:
                    raise error_for_response(
                        response.status, HeadersDict(response.headers.items()), body, target
                    )
                return InvokeResult(
                    payload=body,
                    function_error=response.headers.get("X-Amz-Function-Error"),
                    executed_version=response.headers.get("X-Amz-Executed-Version"),
                    request_id=response.headers.get("x-amzn-RequestId"),
                )
        except asyncio.TimeoutError as error:
            raise UpstreamTimeout(
                f"{target} did not answer within the upstream timeout of {self.timeout:g}s"
            ) from error
        except aiohttp.ClientError as error:
            raise UpstreamError(f"cannot reach the Lambda endpoint {self.endpoint_url}", detail=str(error)) from error
