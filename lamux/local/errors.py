"""Errors of the Invoke API, shaped as Lambda sends them so that SDKs raise the right exception.

Lambda sends an error as a non-2xx status, the exception name in the ``x-amzn-ErrorType``
header and a JSON body with ``Type`` and a message. The message key is ``message`` or
``Message``, whichever the Lambda API model (botocore ``service-2.json``) declares for that
exception, and the status is the model's ``httpStatusCode``.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar


class InvokeApiError(Exception):
    """An Invoke request that fails before the function runs."""

    status: ClassVar[int]
    message_key: ClassVar[str] = "message"
    # "User" for faults of the caller, "Service" for faults of Lambda.
    fault_type: ClassVar[str | None] = "User"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def error_type(self) -> str:
        """Exception name sent in x-amzn-ErrorType, the same as the class name."""
        return type(self).__name__

    def body_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if self.fault_type is not None:
            fields["Type"] = self.fault_type
        fields[self.message_key] = self.message
        return fields

    def body(self) -> bytes:
        return json.dumps(self.body_fields()).encode()

    def headers(self) -> dict[str, str]:
        return {"x-amzn-ErrorType": self.error_type}


class InvalidParameterValueException(InvokeApiError):
    status = 400


class InvalidRequestContentException(InvokeApiError):
    status = 400


class ValidationException(InvokeApiError):
    """A parameter that breaks a constraint of the API model, such as a pattern or an enum.

    Lambda's front end sends this type although the Invoke model does not list it, and its
    body carries only ``message``, as in captured responses for an invalid InvocationType.
    """

    status = 400
    fault_type = None


class MissingAuthenticationTokenException(InvokeApiError):
    """A request without a SigV4 Authorization header. AWS's front end sends only a message."""

    status = 403
    fault_type = None

    def __init__(self) -> None:
        super().__init__("Missing Authentication Token")


class ResourceNotFoundException(InvokeApiError):
    status = 404
    message_key = "Message"


class RequestTooLargeException(InvokeApiError):
    """A request payload over the limit of its invocation type.

    NOTE: the model names this RequestTooLargeException, but responses captured from Lambda
    name it RequestEntityTooLargeException. This service follows the model, which is what
    botocore maps to ``client.exceptions.RequestTooLargeException``.
    """

    status = 413


class TooManyRequestsException(InvokeApiError):
    """A throttled invocation, with the reason and the Retry-After header of the model."""

    status = 429

    def __init__(self, reason: str, retry_after_seconds: int = 1) -> None:
        super().__init__("Rate Exceeded.")
        self.reason = reason
        self.retry_after_seconds = retry_after_seconds

    def body_fields(self) -> dict[str, Any]:
        return {**super().body_fields(), "Reason": self.reason}

    def headers(self) -> dict[str, str]:
        return {**super().headers(), "Retry-After": str(self.retry_after_seconds)}


class ServiceException(InvokeApiError):
    status = 500
    message_key = "Message"
    fault_type = "Service"


def validation_message(value: str, member: str, constraint: str) -> str:
    """Build the message of a failed model constraint in the form AWS's validation uses."""
    return (
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {constraint}"
    )
