"""Settings: one immutable object built from flags and LAMUX_* variables.

Every setting is declared once in :data:`SETTINGS`; the command line and the
environment lookup are both derived from that table. A flag wins over its
environment variable, which wins over the default. Names and defaults of the
Go lamux's settings are kept so that either tool reads the same environment.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamux.errors import ConfigError
from lamux.events import DEFAULT_FORMAT, FORMATS
from lamux.routing import ANY_FUNCTION, HostForm, is_valid_domain_suffix, is_valid_function_name
from lamux.target_rules import TargetRule
from lamux.tomlfile import load_toml

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
LOG_LEVELS = ("debug", "info", "warning", "error")


def parse_duration(text: str) -> float:
    """Parse a Go duration ("30s", "1m30s", "500ms") or a plain number of seconds.

    Returns seconds. Raises ValueError for anything else.
    """
    value = text.strip()
    if not value:
        raise ValueError("empty duration")
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if math.isfinite(seconds):
            return seconds
        raise ValueError(f"invalid duration {text!r}")
    position = 0
    total = 0.0
    for match in _DURATION_PART.finditer(value):
        if match.start() != position:
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    if position != len(value):
        raise ValueError(f"invalid duration {text!r}: expected a number of seconds or a Go duration such as 30s, 1m30s or 500ms")
    return total


def parse_port(text: str) -> int:
    value = text.strip()
    if not value.isdigit() or int(value) > 65535:
        raise ValueError("expected a TCP port number from 0 to 65535")
    return int(value)


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"invalid boolean {text!r}: expected true or false")


@dataclass(frozen=True)
class Setting:
    """One setting: its field, flag, environment variable, parser and help text."""

    field: str
    flag: str
    env: str | None
    parse: Callable[[str], Any]
    help: str
    kind: str = "value"  # "value" takes an argument; "bool" is a --flag/--no-flag pair
    metavar: str | None = None
    choices: tuple[str, ...] | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting("port", "--port", "LAMUX_PORT", parse_port, "TCP port to listen on (default 8080)", metavar="PORT"),
    Setting(
        "bind",
        "--bind",
        "LAMUX_BIND",
        str,
        "address to listen on (default 0.0.0.0; 127.0.0.1 with --local)",
        metavar="ADDRESS",
    ),
    Setting(
        "function_name",
        "--function-name",
        "LAMUX_FUNCTION_NAME",
        str,
        "the one function to serve, or * to take the function from the host name (default *)",
        metavar="NAME",
    ),
    Setting(
        "domain_suffix",
        "--domain-suffix",
        "LAMUX_DOMAIN_SUFFIX",
        str,
        "domain that function host names end with (default localdomain; localhost with --local)",
        metavar="DOMAIN",
    ),
    Setting(
        "host_form",
        "--host-form",
        "LAMUX_HOST_FORM",
        str,
        "how a host names alias and function: dotted = ALIAS.FUNCTION.SUFFIX (default), "
        "dashed = ALIAS-FUNCTION.SUFFIX as the Go lamux does",
        choices=tuple(form.value for form in HostForm),
    ),
    Setting(
        "upstream_timeout",
        "--upstream-timeout",
        "LAMUX_UPSTREAM_TIMEOUT",
        parse_duration,
        "time limit of one Invoke call, as seconds or a Go duration such as 30s (default 30s)",
        metavar="DURATION",
    ),
    Setting(
        "error_details",
        "--error-details",
        "LAMUX_ERROR_DETAILS",
        parse_bool,
        "include the upstream error text in error responses (default off; on with --local)",
        kind="bool",
    ),
    Setting(
        "trust_forwarded_headers",
        "--trust-forwarded-headers",
        "LAMUX_TRUST_FORWARDED_HEADERS",
        parse_bool,
        "the hop in front of lamux sets X-Forwarded-Host, -Proto and -Port: route by X-Forwarded-Host "
        "and pass them on (default off)",
        kind="bool",
    ),
    Setting(
        "event_format",
        "--event-format",
        "LAMUX_EVENT_FORMAT",
        str,
        "event format of functions that no rule of the configuration file matches: "
        "2.0 = Function URL and HTTP API (default), 1.0 = REST API, alb, alb-multi-value",
        choices=tuple(FORMATS),
    ),
    Setting(
        "endpoint_url",
        "--endpoint-url",
        None,
        str,
        "Lambda API endpoint (default: AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL, or the region's endpoint)",
        metavar="URL",
    ),
    Setting("region", "--region", None, str, "AWS region (default: the AWS SDK chain, such as AWS_REGION)", metavar="REGION"),
    Setting(
        "log_level",
        "--log-level",
        "LAMUX_LOG_LEVEL",
        str.lower,
        "log level (default info)",
        choices=LOG_LEVELS,
    ),
)


@dataclass(frozen=True)
class Settings:
    """Validated settings of one lamux server."""

    port: int = 8080
    bind: str = "0.0.0.0"
    function_name: str = ANY_FUNCTION
    domain_suffix: str = "localdomain"
    host_form: str = HostForm.DOTTED.value
    upstream_timeout: float = 30.0
    error_details: bool = False
    trust_forwarded_headers: bool = False
    endpoint_url: str | None = None
    region: str | None = None
    log_level: str = "info"
    event_format: str = DEFAULT_FORMAT
    rules: tuple[TargetRule, ...] = ()  # per-function event formats, from the configuration file
    local_config: Path | None = None  # serve --local FILE: run the local Lambda service in-process

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"invalid port {self.port}: expected 0 to 65535 (--port, LAMUX_PORT)")
        if self.function_name != ANY_FUNCTION and not is_valid_function_name(self.function_name):
            raise ConfigError(
                f"invalid function name {self.function_name!r}: expected * or a Lambda function name "
                "(letters, digits, '-' and '_', at most 64) or function ARN (--function-name, LAMUX_FUNCTION_NAME)"
            )
        if not is_valid_domain_suffix(self.domain_suffix.lower().rstrip(".")):
            raise ConfigError(
                f"invalid domain suffix {self.domain_suffix!r}: expected a host name such as example.com "
                "(--domain-suffix, LAMUX_DOMAIN_SUFFIX)"
            )
        if self.host_form not in {form.value for form in HostForm}:
            raise ConfigError(f"invalid host form {self.host_form!r}: expected dotted or dashed (--host-form)")
        if not self.upstream_timeout > 0:
            raise ConfigError(
                f"invalid upstream timeout {self.upstream_timeout:g}s: expected a positive duration such as 30s "
                "(--upstream-timeout, LAMUX_UPSTREAM_TIMEOUT)"
            )
        for name in (self.event_format, *(rule.event_format for rule in self.rules)):
            if name not in FORMATS:
                raise ConfigError(f"invalid event format {name!r}: expected one of {', '.join(FORMATS)}")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"invalid log level {self.log_level!r}: expected one of {', '.join(LOG_LEVELS)}")
        if self.endpoint_url is not None and not re.match(r"https?://", self.endpoint_url):
            raise ConfigError(
                f"invalid endpoint URL {self.endpoint_url!r}: expected http:// or https:// (--endpoint-url)"
            )


# Defaults that differ when the local Lambda service runs in the same process:
# a laptop set-up that serves http://ALIAS.FUNCTION.localhost:8080/ and
# shows function errors in the browser.
LOCAL_DEFAULTS: Mapping[str, Any] = {"domain_suffix": "localhost", "bind": "127.0.0.1", "error_details": True}


def load_settings(
    flags: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    *,
    local_config: Path | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Build Settings from parsed flags (None = not given), the environment and a TOML file.

    A flag wins over its environment variable, which wins over the file's
    ``[proxy]`` table. With ``local_config`` (``serve --local FILE``) that
    file is also the configuration file unless ``config_file`` is given.
    Raises ConfigError naming the flag, variable or file of an invalid value.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if local_config is not None:
        values.update(LOCAL_DEFAULTS)
        values["local_config"] = local_config
    if config_file is None and environ.get("LAMUX_CONFIG"):
        config_file = Path(environ["LAMUX_CONFIG"])
    if config_file is None:
        config_file = local_config
    if config_file is not None:
        values.update(read_config_file(config_file))
    for setting in SETTINGS:
        raw = flags.get(setting.field)
        source = setting.flag
        if raw is None and setting.env and environ.get(setting.env, "") != "":
            raw = environ[setting.env]
            source = setting.env
        if raw is None:
            continue
        values[setting.field] = _parse_value(setting, raw, source)
    return Settings(**values)


def _parse_value(setting: Setting, raw: Any, source: str) -> Any:
    if isinstance(raw, str):
        try:
            raw = setting.parse(raw)
        except ValueError as error:
            raise ConfigError(f"invalid {source} value {raw!r}: {error}") from error
        if setting.choices and raw not in setting.choices:
            raise ConfigError(f"invalid {source} value {raw!r}: expected one of {', '.join(setting.choices)}")
    return raw


_RULE_KEYS = ("function", "alias", "event_format")


def read_config_file(path: Path) -> dict[str, Any]:
    """Read the ``[proxy]`` table of a TOML file into Settings field values.

    Keys are the settings' field names (``domain_suffix``, ``upstream_timeout``
    …) plus ``rules``, an array of tables with ``function``, ``alias`` and
    ``event_format``. Other tables of the file, such as the local Lambda
    service's ``[functions]``, are not read here.
    """
    document = load_toml(path)
    table = document.get("proxy", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'proxy' must be a table ([proxy])")
    settings = {setting.field: setting for setting in SETTINGS}
    values: dict[str, Any] = {}
    for key, raw in table.items():
        source = f"{path}: proxy.{key}"
        if key == "rules":
            values["rules"] = _read_rules(path, raw)
        elif key in settings:
            setting = settings[key]
            expected = {"port": int, "upstream_timeout": (int, float, str)}.get(key, bool if setting.kind == "bool" else str)
            if not isinstance(raw, expected) or (expected is int and isinstance(raw, bool)):
                raise ConfigError(f"invalid {source} value {raw!r}: expected {_type_name(expected)}")
            values[key] = _parse_value(setting, raw, source)
        else:
            allowed = ", ".join(sorted([*settings, "rules"]))
            raise ConfigError(f"{path}: unknown key proxy.{key}: expected one of {allowed}")
    return values


def _read_rules(path: Path, raw: Any) -> tuple[TargetRule, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ConfigError(f"{path}: proxy.rules must be an array of tables ([[proxy.rules]])")
    rules = []
    for number, item in enumerate(raw, start=1):
        unknown = set(item) - set(_RULE_KEYS)
        if unknown:
            raise ConfigError(
                f"{path}: rule {number} has unknown key {sorted(unknown)[0]!r}: expected {', '.join(_RULE_KEYS)}"
            )
        if "event_format" not in item:
            raise ConfigError(f"{path}: rule {number} has no event_format: expected one of {', '.join(FORMATS)}")
        for key in _RULE_KEYS:
            if key in item and not isinstance(item[key], str):
                raise ConfigError(f"{path}: rule {number}: {key} must be a string, got {item[key]!r}")
        if item["event_format"] not in FORMATS:
            raise ConfigError(
                f"{path}: rule {number}: invalid event_format {item['event_format']!r}: "
                f"expected one of {', '.join(FORMATS)}"
            )
        rules.append(TargetRule(item.get("function", "*"), item.get("alias", "*"), item["event_format"]))
    return tuple(rules)


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(names[kind] for kind in kinds)
