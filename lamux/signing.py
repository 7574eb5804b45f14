"""SigV4 request signing for the Invoke client.

Two implementations of one interface, both AWS's own code: the AWS Common
Runtime signer (awscrt, C) when it is installed, and botocore's pure-Python
``SigV4Auth`` otherwise. Measured by benchmarks/bench_signing.py on a 2-core
x86_64 machine, the CRT signer takes about 26 µs a request and botocore's
about 61 µs. Signing is the largest single cost lamux adds to a request, so
the CRT signer is preferred. Both apply the rules the Lambda API needs: the path is
URI-encoded twice in the canonical request, the payload hash covers the exact
body, and the session token header is added for temporary credentials.
"""

from __future__ import annotations

import hashlib
import io
from typing import Protocol

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials


class RequestSigner(Protocol):
    """Signs one HTTP request and returns the headers to send with it."""

    name: str

    def sign(
        self,
        credentials: ReadOnlyCredentials,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
    ) -> dict[str, str]: ...


class BotocoreSigner:
    """botocore's SigV4Auth, the signer of every Python AWS SDK call."""

    name = "botocore"

    def __init__(self, service: str, region: str) -> None:
        self.service = service
        self.region = region

    def sign(
        self,
        credentials: ReadOnlyCredentials,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
    ) -> dict[str, str]:
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(credentials, self.service, self.region).add_auth(request)
        return dict(request.headers.items())


class CrtSigner:
    """The AWS Common Runtime's SigV4 signer."""

    name = "awscrt"

    def __init__(self, service: str, region: str) -> None:
        from awscrt import auth

        self._auth = auth
        self.service = service
        self.region = region
        self._provider_for: ReadOnlyCredentials | None = None
        self._provider = None

    def _credentials_provider(self, credentials: ReadOnlyCredentials):  # type: ignore[no-untyped-def]
        # A static provider per set of credentials; refreshed credentials get a new one.
        if credentials != self._provider_for:
            self._provider = self._auth.AwsCredentialsProvider.new_static(
                credentials.access_key, credentials.secret_key, credentials.token
            )
            self._provider_for = credentials
        return self._provider

    def sign(
        self,
        credentials: ReadOnlyCredentials,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
    ) -> dict[str, str]:
        from awscrt import http

        scheme_end = url.index("://") + 3
        path_start = url.find("/", scheme_end)
        host = url[scheme_end:path_start]
        request = http.HttpRequest(
            method,
            url[path_start:],
            http.HttpHeaders([("host", host), *headers.items()]),
            io.BytesIO(body),
        )
        config = self._auth.AwsSigningConfig(
            algorithm=self._auth.AwsSigningAlgorithm.V4,
            signature_type=self._auth.AwsSignatureType.HTTP_REQUEST_HEADERS,
            credentials_provider=self._credentials_provider(credentials),
            region=self.region,
            service=self.service,
            signed_body_value=hashlib.sha256(body).hexdigest(),
        )
        # With a static credentials provider the signing completes before
        # aws_sign_request returns, so result() does not block the event loop.
        signed = self._auth.aws_sign_request(request, config).result()
        # Host is sent as signed, so the HTTP client cannot write it differently.
        return dict(signed.headers)


def default_signer(service: str, region: str) -> RequestSigner:
    """Return the CRT signer when awscrt is installed, else botocore's."""
    try:
        return CrtSigner(service, region)
    except ImportError:
        return BotocoreSigner(service, region)
