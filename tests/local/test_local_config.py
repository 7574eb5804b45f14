"""Configuration of the local Lambda service: loading, qualifier resolution and errors.

Rules checked here are Lambda's: function names (CreateFunction FunctionName), alias names
(Alias: not all digits), versions (positive integers), timeout 1 to 900 s, memory 128 to
10240 MB, environment variable names ([a-zA-Z][a-zA-Z0-9_]+) and reserved variables
(Lambda Developer Guide, configuration-envvars).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lamux.local import ConfigError, load_config
from lamux.local.config import LocalConfig


@pytest.fixture
def config(functions_dir: Path) -> LocalConfig:
    return load_config(functions_dir / "lamux.toml")


def test_test_functions_load(config: LocalConfig, functions_dir: Path) -> None:
    assert list(config.functions) == ["echo", "quirks", "custom", "init-error", "greeter"]
    echo = config.functions["echo"]
    assert echo.runtime == "python"
    assert echo.timeout == 3
    assert echo.memory_size == 128
    assert echo.concurrency == 10
    assert echo.code.directory == functions_dir / "echo"
    assert echo.code.handler == "app.handler"
    assert dict(echo.code.environment) == {}
    quirks = config.functions["quirks"]
    assert quirks.timeout == 2
    assert quirks.concurrency == 2
    assert dict(quirks.code.environment) == {"QUIRKS_GREETING": "hello from quirks"}
    custom = config.functions["custom"]
    assert custom.runtime == "bootstrap"
    assert custom.code.handler == "echo.handler"


@pytest.mark.parametrize(
    ("qualifier", "key", "version", "directory", "greeting"),
    [
        pytest.param(None, "$LATEST", "$LATEST", "greeter/main", "hello", id="unqualified"),
        pytest.param("$LATEST", "$LATEST", "$LATEST", "greeter/main", "hello", id="latest"),
        pytest.param("1", "1", "1", "greeter/v1", "hello", id="version"),
        pytest.param("stable", "1", "1", "greeter/v1", "hello", id="alias-of-version"),
        pytest.param("main", "main", "$LATEST", "greeter/main", "hello", id="alias-with-code"),
        pytest.param("preview", "preview", "$LATEST", "greeter/preview", "hi", id="alias-own-env"),
    ],
)
def test_resolve_qualifier(
    config: LocalConfig,
    functions_dir: Path,
    qualifier: str | None,
    key: str,
    version: str,
    directory: str,
    greeting: str,
) -> None:
    deployment = config.functions["greeter"].resolve(qualifier)
    assert deployment is not None
    assert deployment.key == key
    assert deployment.version == version
    assert deployment.code.directory == functions_dir / directory
    assert deployment.code.handler == "app.handler"
    assert deployment.code.environment["GREETING"] == greeting


@pytest.mark.parametrize("qualifier", ["2", "0", "missing", "$LATEST.PUBLISHED", "Stable"])
def test_resolve_unknown_qualifier(config: LocalConfig, qualifier: str) -> None:
    assert config.functions["greeter"].resolve(qualifier) is None


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert (
        str(error.value) == f"{path}: cannot read the configuration file: No such file or directory"
    )


def test_toml_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "lamux.toml"
    path.write_text('[functions.hello]\ncode = "code"\nhandler app.handler\n')
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == (
        f"{path}, line 3, column 9: invalid TOML: Expected '=' after a key in a key/value pair"
    )


def test_toml_error_at_end_of_file(tmp_path: Path) -> None:
    path = tmp_path / "lamux.toml"
    path.write_text('[functions.hello]\ncode = "code')
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == f"{path}: invalid TOML at the end of the file: Unterminated string"


GOOD = """
[functions.hello]
handler = "app.handler"
code = "code"
"""


def _function(body: str, name: str = "hello") -> str:
    return f'[functions.{name}]\nhandler = "app.handler"\ncode = "code"\n{body}\n'


BAD_CONFIGS = [
    pytest.param(
        "[server]\nport = 1\n" + GOOD,
        "unknown key 'server'. Allowed keys: functions, proxy.",
        id="unknown-top-level-key",
    ),
    pytest.param("", "no functions declared. Add a table such as [functions.hello].", id="empty"),
    pytest.param(
        "functions = 3\n", "'functions' must be a table of functions", id="functions-not-table"
    ),
    pytest.param(
        _function("", name='"hello.world"'),
        "function 'hello.world': invalid function name. Use 1 to 64 letters, digits, hyphens or underscores.",
        id="function-name-dot",
    ),
    pytest.param(
        _function("", name="a" * 65),
        f"function '{'a' * 65}': invalid function name.",
        id="function-name-too-long",
    ),
    pytest.param(
        _function('hanlder = "app.handler"'),
        "function 'hello': unknown key 'hanlder'. Allowed keys: aliases, code, concurrency, "
        "environment, handler, memory_size, runtime, timeout, versions.",
        id="typo-in-key",
    ),
    pytest.param(
        '[functions.hello]\ncode = "code"\n',
        "function 'hello': missing key 'handler' for runtime \"python\". Set it to MODULE.FUNCTION, "
        'e.g. handler = "app.handler".',
        id="missing-handler",
    ),
    pytest.param(
        '[functions.hello]\nhandler = "app.handler"\n',
        "function 'hello': missing key 'code'.",
        id="missing-code",
    ),
    pytest.param(
        '[functions.hello]\nhandler = "app.handler"\ncode = "nowhere"\n',
        "function 'hello': code directory {dir}/nowhere does not exist. Paths are relative to the directory "
        "of the configuration file, {dir}",
        id="code-directory-missing",
    ),
    pytest.param(
        '[functions.hello]\nhandler = "app.handler"\ncode = 7\n',
        "function 'hello': code must be a directory path as a string, got 7.",
        id="code-not-string",
    ),
    pytest.param(
        _function('runtime = "nodejs"'),
        'function \'hello\': runtime must be "python" or "bootstrap", got "nodejs".',
        id="unknown-runtime",
    ),
    pytest.param(
        _function("timeout = 0"),
        "function 'hello': timeout must be a number of seconds from 1 to 900, got 0.",
        id="timeout-zero",
    ),
    pytest.param(
        _function("timeout = 901"),
        "function 'hello': timeout must be a number of seconds from 1 to 900, got 901.",
        id="timeout-too-long",
    ),
    pytest.param(
        _function('timeout = "3"'),
        "function 'hello': timeout must be a number of seconds from 1 to 900, got \"3\".",
        id="timeout-string",
    ),
    pytest.param(
        _function("timeout = true"),
        "function 'hello': timeout must be a number of seconds from 1 to 900, got true.",
        id="timeout-bool",
    ),
    pytest.param(
        _function("memory_size = 64"),
        "function 'hello': memory_size must be an integer from 128 to 10240, got 64.",
        id="memory-too-small",
    ),
    pytest.param(
        _function("concurrency = 1.5"),
        "function 'hello': concurrency must be an integer from 0 to 1000, got 1.5.",
        id="concurrency-float",
    ),
    pytest.param(
        _function("environment = { PORT = 8080 }"),
        "function 'hello': environment variable PORT must be a string, got 8080. "
        'Quote the value: PORT = "8080"',
        id="environment-not-string",
    ),
    pytest.param(
        _function('environment = { AWS_REGION = "eu-west-1" }'),
        "function 'hello': environment variable AWS_REGION is reserved by Lambda and cannot be set.",
        id="environment-reserved",
    ),
    pytest.param(
        _function('environment = { "1X" = "a" }'),
        "function 'hello': invalid environment variable name '1X'.",
        id="environment-bad-name",
    ),
    pytest.param(
        _function('environment = "A=1"'),
        'function \'hello\': environment must be a table such as { GREETING = "hello" }, got "A=1".',
        id="environment-not-table",
    ),
    pytest.param(
        '[functions.hello]\nruntime = "bootstrap"\ncode = "code"\n',
        "function 'hello': {dir}/code/bootstrap must be an executable file for runtime \"bootstrap\". "
        "Create it and run: chmod +x {dir}/code/bootstrap",
        id="bootstrap-missing",
    ),
    pytest.param(
        '[functions.hello]\nruntime = "bootstrap"\ncode = "plain"\n',
        "function 'hello': {dir}/plain/bootstrap must be an executable file for runtime \"bootstrap\".",
        id="bootstrap-not-executable",
    ),
    pytest.param(
        _function('[functions.hello.versions]\n"0" = { code = "code" }'),
        "function 'hello', version '0': invalid version. Versions are positive integers such as \"1\".",
        id="version-zero",
    ),
    pytest.param(
        _function('[functions.hello.versions]\nv1 = { code = "code" }'),
        "function 'hello', version 'v1': invalid version.",
        id="version-not-number",
    ),
    pytest.param(
        _function('[functions.hello.versions]\n"1" = { handler = "app.other" }'),
        "function 'hello', version '1': missing key 'code'.",
        id="version-without-code",
    ),
    pytest.param(
        _function('[functions.hello.versions]\n"1" = { code = "code", timeout = 5 }'),
        "function 'hello', version '1': unknown key 'timeout'. Allowed keys: code, environment, handler.",
        id="version-unknown-key",
    ),
    pytest.param(
        _function('[functions.hello.aliases]\n"123" = { version = "$LATEST" }'),
        "function 'hello', alias '123': invalid alias name. Use 1 to 128 letters, digits, hyphens "
        "or underscores, not only digits.",
        id="alias-all-digits",
    ),
    pytest.param(
        _function('[functions.hello.aliases]\n"feature.x" = { version = "$LATEST" }'),
        "function 'hello', alias 'feature.x': invalid alias name.",
        id="alias-with-dot",
    ),
    pytest.param(
        _function('[functions.hello.aliases]\nstable = { version = "2" }'),
        "function 'hello', alias 'stable': version '2' is not declared. Declared versions: $LATEST. "
        "Declare it under [functions.NAME.versions] or point the alias at one of these.",
        id="alias-undeclared-version",
    ),
    pytest.param(
        _function('[functions.hello.aliases]\nstable = { version = "1", code = "code" }'),
        "function 'hello', alias 'stable': an alias of a version runs that version's code, handler "
        "and environment. Remove 'code', 'handler' and 'environment', or remove 'version'.",
        id="alias-version-and-code",
    ),
    pytest.param(
        _function('[functions.hello.aliases]\nstable = { handler = "app.other" }'),
        'function \'hello\', alias \'stable\': set either version = "1" (or "$LATEST") or code = "DIRECTORY".',
        id="alias-neither",
    ),
    pytest.param(
        _function('[functions.hello.aliases]\nstable = { version = "1", weight = 2 }'),
        "function 'hello', alias 'stable': unknown key 'weight'. Allowed keys: code, environment, "
        "handler, version.",
        id="alias-unknown-key",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD_CONFIGS)
def test_invalid_config_message(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "bootstrap").write_text("#!/bin/sh\n")
    path = tmp_path / "lamux.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ")
    assert expected.replace("{dir}", str(tmp_path)) in message


def test_version_inherits_and_overrides(tmp_path: Path) -> None:
    for name in ("code", "v1", "v2"):
        (tmp_path / name).mkdir()
    path = tmp_path / "lamux.toml"
    path.write_text(
        _function(
            'environment = { SOURCE = "function" }\n'
            "[functions.hello.versions]\n"
            '"1" = { code = "v1" }\n'
            '"2" = { code = "v2", handler = "other.handler", environment = { SOURCE = "version" } }\n'
            "[functions.hello.aliases]\n"
            'latest = { version = "$LATEST" }\n'
            "two = { version = 2 }\n"
        )
    )
    function = load_config(path).functions["hello"]
    assert dict(function.versions["1"].environment) == {"SOURCE": "function"}
    assert function.versions["1"].handler == "app.handler"
    assert dict(function.versions["2"].environment) == {"SOURCE": "version"}
    assert function.versions["2"].handler == "other.handler"
    latest = function.resolve("latest")
    assert latest is not None
    assert latest.key == "$LATEST"
    two = function.resolve("two")
    assert two is not None
    assert two.code.directory == tmp_path / "v2"


def test_bootstrap_handler_optional(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    bootstrap = tmp_path / "code" / "bootstrap"
    bootstrap.write_text("#!/bin/sh\n")
    os.chmod(bootstrap, 0o755)
    path = tmp_path / "lamux.toml"
    path.write_text('[functions.custom]\nruntime = "bootstrap"\ncode = "code"\n')
    function = load_config(path).functions["custom"]
    assert function.runtime == "bootstrap"
    assert function.code.handler is None
