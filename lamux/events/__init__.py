"""Lambda HTTP event formats.

Each format turns an :class:`~lamux.events.common.HTTPRequest` into the event a
front door (Function URL, API Gateway, ALB) would send, and reads the
function's result as that front door would. Formats are pure: no I/O.
"""

from __future__ import annotations

from typing import Any, Protocol

from lamux.events.alb import ALBEvent
from lamux.events.common import HTTPRequest, HTTPResponse
from lamux.events.v1 import PayloadV1
from lamux.events.v2 import PayloadV2


class EventFormat(Protocol):
    """One front door's request event and result rules."""

    name: str

    def build_event(self, request: HTTPRequest) -> dict[str, Any]: ...

    def read_result(self, payload: bytes) -> HTTPResponse: ...


FORMATS: dict[str, EventFormat] = {
    fmt.name: fmt
    for fmt in (PayloadV2(), PayloadV1(), ALBEvent(), ALBEvent(multi_value_headers=True))
}
DEFAULT_FORMAT = PayloadV2.name

__all__ = ["DEFAULT_FORMAT", "FORMATS", "EventFormat", "HTTPRequest", "HTTPResponse"]
