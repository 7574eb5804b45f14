"""Exceptions that become HTTP responses.

Every error lamux turns into a response derives from :class:`ProxyError` and
carries its HTTP status, so the request handler maps failures in one place.
"""

from __future__ import annotations


class LamuxError(Exception):
    """Base class of every exception lamux raises on purpose."""


class ConfigError(LamuxError, ValueError):
    """An invalid setting; the message names the flag or variable and the fix."""


class ProxyError(LamuxError):
    """A failure sent to the client as an HTTP error status instead of a function response."""

    status: int = 502
    reason: str = "Bad Gateway"

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Upstream text (an error type, a Lambda error message) shown only when
        # error details are enabled.
        self.detail = detail

    def response_headers(self) -> dict[str, str]:
        return {}


class BadHost(ProxyError):
    """The host name is malformed or names an invalid function or alias."""

    status = 400
    reason = "Bad Request"


class UnknownHost(ProxyError):
    """The host name is well-formed but not under the configured domain suffix."""

    status = 404
    reason = "Not Found"


class LoopDetected(ProxyError):
    """The target is the Lambda function lamux itself runs in."""

    status = 508
    reason = "Loop Detected"


class RequestTooLarge(ProxyError):
    """The request, or the event built from it, exceeds the Invoke payload limit."""

    status = 413
    reason = "Content Too Large"


class FunctionNotFound(ProxyError):
    """Lambda reported ResourceNotFoundException for the function or qualifier."""

    status = 404
    reason = "Not Found"


class Throttled(ProxyError):
    """Lambda throttled the invocation (TooManyRequestsException)."""

    status = 429
    reason = "Too Many Requests"

    def __init__(self, message: str, *, retry_after: str | None = None, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.retry_after = retry_after or "1"

    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": self.retry_after}


class UpstreamError(ProxyError):
    """Lambda rejected the Invoke call, or the function's result is unusable."""

    status = 502
    reason = "Bad Gateway"


class FunctionError(UpstreamError):
    """The function raised, crashed or was stopped (X-Amz-Function-Error was set)."""


class InvalidResponse(UpstreamError):
    """The function returned a result that cannot be read as an HTTP response."""


class FunctionUnavailable(ProxyError):
    """The function exists but cannot run right now: being updated, inactive or initializing."""

    status = 503
    reason = "Service Unavailable"


class UpstreamTimeout(ProxyError):
    """The function timed out, or Lambda did not respond within the upstream timeout."""

    status = 504
    reason = "Gateway Timeout"
