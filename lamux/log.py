"""Loggers of lamux, declared in one place.

* ``lamux.server``: start-up, shutdown and listener events.
* ``lamux.access``: one record per request; the fields are also attached as
  ``record.access`` (a dict) for structured handlers.
* ``lamux.proxy``: request failures.
* ``lamux.invoker``: the Lambda endpoint in use.
* ``lamux.local`` and ``lamux.local.function``: the local Lambda service and
  the output of the functions it runs.
"""

from __future__ import annotations

import logging
import sys

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def configure_logging(level: str) -> None:
    """Send every lamux record at ``level`` or above to standard error, one line each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("lamux")
    root.handlers[:] = [handler]
    root.setLevel(_LEVELS[level])
    root.propagate = False
