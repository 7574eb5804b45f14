"""Per-target rules: which event format a function and alias are served with.

A rule matches function names and aliases with shell-style patterns
(``legacy-*``, ``pr-[0-9]*``). The first rule that matches a target decides,
and a target that no rule matches uses the default format. A function written for a
REST API gets payload 1.0, one written for an ALB target group gets the ALB
format, and every other function keeps the Function URL format.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from lamux.routing import Target


@dataclass(frozen=True, slots=True)
class TargetRule:
    """Serve targets matching ``function`` and ``alias`` with ``event_format``."""

    function: str = "*"
    alias: str = "*"
    event_format: str = "2.0"

    def matches(self, target: Target) -> bool:
        return fnmatchcase(target.function, self.function) and fnmatchcase(target.qualifier or "", self.alias)


class EventFormatSelector:
    """Selects the event format of each target, caching the result per target."""

    def __init__(self, rules: tuple[TargetRule, ...], default: str) -> None:
        self.rules = rules
        self.default = default
        self._cache: dict[Target, str] = {}

    def format_for(self, target: Target) -> str:
        name = self._cache.get(target)
        if name is None:
            name = next((rule.event_format for rule in self.rules if rule.matches(target)), self.default)
            if len(self._cache) < 10_000:
                self._cache[target] = name
        return name
