"""Loggers of lamux, declared in one place.

* ``lamux.server``: start-up, shutdown and listener events.
* ``lamux.access``: one record per request; the fields are also attached as
  ``record.access`` (a dict) for structured handlers.
* ``lamux.proxy``: request failures.
* ``lamux.invoker``: the Lambda endpoint in use.
* ``lamux.local`` and ``lamux.local.function``: the local Lambda service and
  the output of the functions it runs.

aiohttp's own loggers write through the same handler.
"""

from __future__ import annotations

import logging
import sys

from aiohttp.http_exceptions import HttpProcessingError

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class _MalformedRequestFilter(logging.Filter):
    """Shorten aiohttp's report of a request it could not parse to one line.

    Malformed requests (no Host header, a broken request line) come from
    clients, not from a bug, so their parser traceback is noise.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg = "rejected a malformed request with %s: %s"
            record.args = (error.code, error.message.strip())
            record.exc_info = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def configure_logging(level: str) -> None:
    """Send every lamux record at ``level`` or above to standard error, one line each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    for name, logger_level in (("lamux", _LEVELS[level]), ("aiohttp", max(_LEVELS[level], logging.WARNING))):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logger_level)
        logger.propagate = False
    logging.getLogger("aiohttp.server").addFilter(_MalformedRequestFilter())
