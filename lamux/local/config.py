"""Configuration of the local Lambda service: functions, versions and aliases read from TOML.

Example, with paths relative to the TOML file's directory::

    [functions.hello]
    runtime = "python"          # or "bootstrap": CODE/bootstrap runs as a custom runtime
    handler = "app.handler"     # required for python, passed to both runtimes as _HANDLER
    code = "hello/main"         # code directory of $LATEST
    timeout = 3                 # seconds, 1 to 900
    memory_size = 128           # MB, 128 to 10240, only reported to the function
    concurrency = 10            # reserved concurrency over all qualifiers
    environment = { GREETING = "hello" }

    [functions.hello.versions]
    "1" = { code = "hello/v1" }

    [functions.hello.aliases]
    preview = { code = "hello/preview" }    # an alias with its own code directory
    stable = { version = "1" }              # an alias of a version or of "$LATEST"

A version or an alias with its own code may set ``handler`` and ``environment``. Unset ones are
inherited from the function, and an ``environment`` that is set replaces the function's whole
table. Names, limits and reserved environment variables follow Lambda's rules, so a file that
loads here describes functions that Lambda would accept.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from lamux.errors import ConfigError as LamuxConfigError
from lamux.local.names import ALIAS_NAME_RE, FUNCTION_NAME_RE, LATEST, VERSION_RE, is_version
from lamux.tomlfile import describe_toml_error

Runtime = Literal["python", "bootstrap"]
RUNTIMES: tuple[Runtime, ...] = ("python", "bootstrap")

DEFAULT_TIMEOUT = 3
MIN_TIMEOUT = 1
MAX_TIMEOUT = 900
DEFAULT_MEMORY_SIZE = 128
MIN_MEMORY_SIZE = 128
MAX_MEMORY_SIZE = 10240
DEFAULT_CONCURRENCY = 10
# Lambda accepts a reserved concurrency of 0, which throttles every invocation. The maximum is
# the default concurrency quota of an account.
MIN_CONCURRENCY = 0
MAX_CONCURRENCY = 1000

# EnvironmentVariableName in the Lambda API model: two characters or more.
ENVIRONMENT_KEY_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")

# Keys that Lambda reserves for the runtime ("Defined runtime environment variables" in the
# Lambda Developer Guide, configuration-envvars). Lambda rejects them in function configuration.
RESERVED_ENVIRONMENT_KEYS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "TZ",
    }
)

# The [proxy] table belongs to lamux.config: proxy settings and event format rules.
_TOP_LEVEL_KEYS = ("functions", "proxy")
_FUNCTION_KEYS = (
    "aliases",
    "code",
    "concurrency",
    "environment",
    "handler",
    "memory_size",
    "runtime",
    "timeout",
    "versions",
)
_VERSION_KEYS = ("code", "environment", "handler")
_ALIAS_KEYS = ("code", "environment", "handler", "version")

# tomllib (Python 3.11) ends its messages with "(at line L, column C)" or "(at end of document)".
class ConfigError(LamuxConfigError):
    """An invalid configuration file. The message names the file, the setting and the fix."""


@dataclass(frozen=True)
class CodeConfig:
    """Code directory, handler and environment that one version or alias runs."""

    directory: Path
    handler: str | None
    environment: Mapping[str, str]


@dataclass(frozen=True)
class AliasConfig:
    """An alias: either a pointer to a version (or $LATEST), or its own code directory."""

    name: str
    version: str | None
    code: CodeConfig | None


@dataclass(frozen=True, eq=False)
class FunctionConfig:
    """One function with its $LATEST code, published versions and aliases."""

    name: str
    runtime: Runtime
    timeout: float
    memory_size: int
    concurrency: int
    code: CodeConfig
    versions: Mapping[str, CodeConfig]
    aliases: Mapping[str, AliasConfig]

    def resolve(self, qualifier: str | None) -> Deployment | None:
        """Return what an invocation with ``qualifier`` runs, or None if no such qualifier exists.

        No qualifier and ``$LATEST`` select the function's code. A number selects a declared
        version, and anything else an alias.
        """
        if qualifier is None or qualifier == LATEST:
            return Deployment(self, LATEST, LATEST, self.code)
        if is_version(qualifier):
            code = self.versions.get(qualifier)
            return None if code is None else Deployment(self, qualifier, qualifier, code)
        alias = self.aliases.get(qualifier)
        if alias is None:
            return None
        if alias.code is None:
            return self.resolve(alias.version)
        # An alias with its own code directory has no published version behind it, so it
        # reports $LATEST as the executed version, as an alias of $LATEST does on Lambda.
        return Deployment(self, alias.name, LATEST, alias.code)


@dataclass(frozen=True, eq=False)
class Deployment:
    """The code that an invocation runs after its qualifier is resolved.

    ``key`` identifies the workers that can serve the invocation: ``$LATEST``, a version
    number, or the name of an alias with its own code directory. An alias of a version shares
    that version's workers. ``version`` is the executed version reported to callers and to the
    function.
    """

    function: FunctionConfig
    key: str
    version: str
    code: CodeConfig


@dataclass(frozen=True)
class LocalConfig:
    """All functions of one configuration file."""

    path: Path
    functions: Mapping[str, FunctionConfig]


def load_config(path: str | os.PathLike[str]) -> LocalConfig:
    """Read and validate a configuration file.

    Raises ConfigError if the file cannot be read, is not valid TOML or breaks a rule.
    """
    path = Path(path)
    try:
        with path.open("rb") as file:
            document = tomllib.load(file)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration file: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(describe_toml_error(path, exc)) from exc
    return _Parser(path).parse(document)


class _Parser:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._base = path.parent

    def fail(self, where: str, message: str) -> ConfigError:
        prefix = f"{self._path}: {where}: " if where else f"{self._path}: "
        return ConfigError(prefix + message)

    def parse(self, document: dict[str, Any]) -> LocalConfig:
        self.check_keys("", document, _TOP_LEVEL_KEYS)
        functions = document.get("functions")
        if not functions:
            raise self.fail("", "no functions declared. Add a table such as [functions.hello].")
        if not isinstance(functions, dict):
            raise self.fail(
                "", "'functions' must be a table of functions such as [functions.hello]."
            )
        parsed = {name: self.parse_function(name, table) for name, table in functions.items()}
        return LocalConfig(self._path, MappingProxyType(parsed))

    def check_keys(self, where: str, table: dict[str, Any], allowed: tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(where, f"unknown key '{key}'. Allowed keys: {', '.join(allowed)}.")

    def parse_function(self, name: str, table: Any) -> FunctionConfig:
        where = f"function '{name}'"
        if not FUNCTION_NAME_RE.fullmatch(name):
            raise self.fail(
                where,
                "invalid function name. Use 1 to 64 letters, digits, hyphens or underscores.",
            )
        if not isinstance(table, dict):
            raise self.fail(where, f"expected a table [functions.{name}], got {_describe(table)}.")
        self.check_keys(where, table, _FUNCTION_KEYS)

        runtime = table.get("runtime", "python")
        if runtime not in RUNTIMES:
            raise self.fail(
                where, f'runtime must be "python" or "bootstrap", got {_describe(runtime)}.'
            )
        timeout = self.parse_number(
            where, table, "timeout", DEFAULT_TIMEOUT, MIN_TIMEOUT, MAX_TIMEOUT
        )
        memory_size = self.parse_integer(
            where, table, "memory_size", DEFAULT_MEMORY_SIZE, MIN_MEMORY_SIZE, MAX_MEMORY_SIZE
        )
        concurrency = self.parse_integer(
            where, table, "concurrency", DEFAULT_CONCURRENCY, MIN_CONCURRENCY, MAX_CONCURRENCY
        )
        if "code" not in table:
            raise self.fail(
                where, "missing key 'code'. Set it to the code directory, e.g. code = \"hello\"."
            )
        code = self.parse_code(where, table, runtime, inherited=None)
        versions = self.parse_versions(where, table.get("versions", {}), runtime, code)
        aliases = self.parse_aliases(where, table.get("aliases", {}), runtime, code, versions)
        return FunctionConfig(
            name=name,
            runtime=runtime,
            timeout=timeout,
            memory_size=memory_size,
            concurrency=concurrency,
            code=code,
            versions=MappingProxyType(versions),
            aliases=MappingProxyType(aliases),
        )

    def parse_versions(
        self, where: str, table: Any, runtime: Runtime, latest: CodeConfig
    ) -> dict[str, CodeConfig]:
        if not isinstance(table, dict):
            raise self.fail(
                where,
                'versions must be a table such as "1" = { code = "v1" }, '
                f"got {_describe(table)}.",
            )
        versions = {}
        for version, entry in table.items():
            version_where = f"{where}, version '{version}'"
            if not VERSION_RE.fullmatch(version):
                raise self.fail(
                    version_where, 'invalid version. Versions are positive integers such as "1".'
                )
            if not isinstance(entry, dict):
                raise self.fail(
                    version_where,
                    f'expected a table such as {{ code = "v1" }}, got {_describe(entry)}.',
                )
            self.check_keys(version_where, entry, _VERSION_KEYS)
            if "code" not in entry:
                raise self.fail(
                    version_where,
                    "missing key 'code'. Set it to the code directory of this version.",
                )
            versions[version] = self.parse_code(version_where, entry, runtime, inherited=latest)
        return versions

    def parse_aliases(
        self,
        where: str,
        table: Any,
        runtime: Runtime,
        latest: CodeConfig,
        versions: Mapping[str, CodeConfig],
    ) -> dict[str, AliasConfig]:
        if not isinstance(table, dict):
            raise self.fail(
                where,
                'aliases must be a table such as main = { version = "1" }, '
                f"got {_describe(table)}.",
            )
        aliases = {}
        for name, entry in table.items():
            alias_where = f"{where}, alias '{name}'"
            if not ALIAS_NAME_RE.fullmatch(name):
                raise self.fail(
                    alias_where,
                    "invalid alias name. Use 1 to 128 letters, digits, hyphens or underscores, "
                    "not only digits.",
                )
            if not isinstance(entry, dict):
                raise self.fail(
                    alias_where,
                    f'expected a table such as {{ version = "1" }}, got {_describe(entry)}.',
                )
            self.check_keys(alias_where, entry, _ALIAS_KEYS)
            aliases[name] = self.parse_alias(alias_where, name, entry, runtime, latest, versions)
        return aliases

    def parse_alias(
        self,
        where: str,
        name: str,
        entry: dict[str, Any],
        runtime: Runtime,
        latest: CodeConfig,
        versions: Mapping[str, CodeConfig],
    ) -> AliasConfig:
        has_code = "code" in entry
        if "version" not in entry:
            if not has_code:
                raise self.fail(
                    where, 'set either version = "1" (or "$LATEST") or code = "DIRECTORY".'
                )
            return AliasConfig(name, None, self.parse_code(where, entry, runtime, inherited=latest))
        if has_code or "handler" in entry or "environment" in entry:
            raise self.fail(
                where,
                "an alias of a version runs that version's code, handler and environment. "
                "Remove 'code', 'handler' and 'environment', or remove 'version'.",
            )
        version = entry["version"]
        if isinstance(version, int) and not isinstance(version, bool):
            version = str(version)
        if not isinstance(version, str):
            raise self.fail(
                where,
                f'version must be a string such as "1" or "$LATEST", got {_describe(version)}.',
            )
        if version != LATEST and version not in versions:
            declared = ", ".join([LATEST, *versions])
            raise self.fail(
                where,
                f"version '{version}' is not declared. Declared versions: {declared}. "
                "Declare it under [functions.NAME.versions] or point the alias at one of these.",
            )
        return AliasConfig(name, version, None)

    def parse_code(
        self, where: str, table: dict[str, Any], runtime: Runtime, inherited: CodeConfig | None
    ) -> CodeConfig:
        directory = self.parse_directory(where, table["code"])
        handler = self.parse_handler(where, table, runtime, inherited)
        if "environment" in table:
            environment: Mapping[str, str] = self.parse_environment(where, table["environment"])
        elif inherited is not None:
            environment = inherited.environment
        else:
            environment = MappingProxyType({})
        if runtime == "bootstrap":
            bootstrap = directory / "bootstrap"
            if not bootstrap.is_file() or not os.access(bootstrap, os.X_OK):
                raise self.fail(
                    where,
                    f'{bootstrap} must be an executable file for runtime "bootstrap". '
                    f"Create it and run: chmod +x {bootstrap}",
                )
        return CodeConfig(directory, handler, environment)

    def parse_directory(self, where: str, value: Any) -> Path:
        if not isinstance(value, str) or not value:
            raise self.fail(
                where, f"code must be a directory path as a string, got {_describe(value)}."
            )
        directory = (self._base / value).resolve()
        if not directory.is_dir():
            raise self.fail(
                where,
                f"code directory {directory} does not exist. Paths are relative to the directory "
                f"of the configuration file, {self._base.resolve()}",
            )
        return directory

    def parse_handler(
        self, where: str, table: dict[str, Any], runtime: Runtime, inherited: CodeConfig | None
    ) -> str | None:
        if "handler" not in table:
            if inherited is not None:
                return inherited.handler
            if runtime == "python":
                raise self.fail(
                    where,
                    "missing key 'handler' for runtime \"python\". Set it to MODULE.FUNCTION, "
                    'e.g. handler = "app.handler".',
                )
            return None
        handler = table["handler"]
        # Handler in the Lambda API model: at most 128 characters, no whitespace.
        if not isinstance(handler, str) or not re.fullmatch(r"\S{1,128}", handler):
            raise self.fail(
                where,
                "handler must be a string of 1 to 128 characters without spaces, "
                f"got {_describe(handler)}.",
            )
        return handler

    def parse_environment(self, where: str, table: Any) -> Mapping[str, str]:
        if not isinstance(table, dict):
            raise self.fail(
                where,
                'environment must be a table such as { GREETING = "hello" }, '
                f"got {_describe(table)}.",
            )
        for key, value in table.items():
            if not ENVIRONMENT_KEY_RE.fullmatch(key):
                raise self.fail(
                    where,
                    f"invalid environment variable name '{key}'. Use a letter followed by "
                    "one or more letters, digits or underscores.",
                )
            if key in RESERVED_ENVIRONMENT_KEYS:
                raise self.fail(
                    where, f"environment variable {key} is reserved by Lambda and cannot be set."
                )
            if not isinstance(value, str):
                raise self.fail(
                    where,
                    f"environment variable {key} must be a string, got {_describe(value)}. "
                    f'Quote the value: {key} = "{value}"',
                )
        return MappingProxyType(dict(table))

    def parse_number(
        self,
        where: str,
        table: dict[str, Any],
        key: str,
        default: float,
        minimum: float,
        maximum: float,
    ) -> float:
        value = table.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not minimum <= value <= maximum
        ):
            raise self.fail(
                where,
                f"{key} must be a number of seconds from {minimum} to {maximum}, "
                f"got {_describe(value)}.",
            )
        return value

    def parse_integer(
        self, where: str, table: dict[str, Any], key: str, default: int, minimum: int, maximum: int
    ) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise self.fail(
                where,
                f"{key} must be an integer from {minimum} to {maximum}, got {_describe(value)}.",
            )
        return value


def _describe(value: Any) -> str:
    """Describe a TOML value for an error message: strings quoted, tables and arrays by kind."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
