"""Settings from flags and LAMUX_* variables, and their validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamux.cli import main
from lamux.config import Settings, load_settings, parse_duration
from lamux.errors import ConfigError
from lamux.target_rules import TargetRule


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30.0),
        ("1m30s", 90.0),
        ("500ms", 0.5),
        ("1h", 3600.0),
        ("1.5s", 1.5),
        ("2", 2.0),
        ("0.25", 0.25),
        ("100us", 0.0001),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "s", "1x", "1s2", "inf", "nan", "-", "1 s"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_defaults_match_go_lamux() -> None:
    settings = load_settings({}, {})
    assert settings.port == 8080
    assert settings.function_name == "*"
    assert settings.domain_suffix == "localdomain"
    assert settings.upstream_timeout == 30.0
    assert settings.bind == "0.0.0.0"
    assert settings.error_details is False
    assert settings.trust_forwarded_headers is False


def test_environment_read() -> None:
    settings = load_settings(
        {},
        {
            "LAMUX_PORT": "9000",
            "LAMUX_FUNCTION_NAME": "web",
            "LAMUX_DOMAIN_SUFFIX": "example.com",
            "LAMUX_UPSTREAM_TIMEOUT": "1m",
            "LAMUX_ERROR_DETAILS": "true",
            "LAMUX_LOG_LEVEL": "DEBUG",
            "LAMUX_TRUST_FORWARDED_HEADERS": "1",
        },
    )
    assert settings.port == 9000
    assert settings.function_name == "web"
    assert settings.domain_suffix == "example.com"
    assert settings.upstream_timeout == 60.0
    assert settings.error_details is True
    assert settings.log_level == "debug"
    assert settings.trust_forwarded_headers is True


def test_flag_wins_over_environment() -> None:
    settings = load_settings({"port": "9001", "error_details": False}, {"LAMUX_PORT": "9000", "LAMUX_ERROR_DETAILS": "true"})
    assert settings.port == 9001
    assert settings.error_details is False


def test_local_defaults(tmp_path: Path) -> None:
    toml = tmp_path / "lamux.toml"
    toml.write_text("")
    settings = load_settings({}, {}, local_config=toml)
    assert settings.domain_suffix == "localhost"
    assert settings.bind == "127.0.0.1"
    assert settings.error_details is True
    assert settings.local_config == toml


def test_local_defaults_yield_to_flags(tmp_path: Path) -> None:
    toml = tmp_path / "lamux.toml"
    toml.write_text("")
    settings = load_settings({"error_details": False, "domain_suffix": "dev.test"}, {}, local_config=toml)
    assert settings.error_details is False
    assert settings.domain_suffix == "dev.test"


@pytest.mark.parametrize(
    ("flags", "environ", "message_part"),
    [
        ({"port": "abc"}, {}, "invalid --port value 'abc'"),
        ({}, {"LAMUX_PORT": "70000"}, "invalid LAMUX_PORT value '70000'"),
        ({"upstream_timeout": "0s"}, {}, "invalid upstream timeout 0s: expected a positive duration"),
        ({}, {"LAMUX_UPSTREAM_TIMEOUT": "soon"}, "invalid LAMUX_UPSTREAM_TIMEOUT value 'soon'"),
        ({}, {"LAMUX_ERROR_DETAILS": "maybe"}, "expected true or false"),
        ({"function_name": "bad name"}, {}, "invalid function name 'bad name'"),
        ({"function_name": "x" * 65}, {}, "invalid function name"),
        ({"domain_suffix": "exa_mple.com"}, {}, "invalid domain suffix 'exa_mple.com'"),
        ({"host_form": "slashed"}, {}, "expected one of dotted, dashed"),
        ({"log_level": "loud"}, {}, "expected one of debug, info, warning, error"),
        ({"endpoint_url": "localhost:3001"}, {}, "expected http:// or https://"),
    ],
)
def test_invalid_settings(flags: dict, environ: dict, message_part: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(flags, environ)
    assert message_part in str(raised.value)


def test_function_name_accepts_lambda_names_and_arns() -> None:
    assert Settings(function_name="My_Func-1").function_name == "My_Func-1"
    arn = "arn:aws:lambda:eu-west-1:111122223333:function:orders"
    assert Settings(function_name=arn).function_name == arn


def test_cli_reports_invalid_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--upstream-timeout", "1x"]) == 2
    assert "invalid --upstream-timeout value '1x'" in capsys.readouterr().err


def test_cli_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0
    assert capsys.readouterr().out.startswith("lamux 0.")


def test_config_file_proxy_table(tmp_path: Path) -> None:
    toml = tmp_path / "lamux.toml"
    toml.write_text(
        """
[proxy]
domain_suffix = "preview.example.com"
upstream_timeout = "1m"
port = 9000
error_details = true
event_format = "1.0"

[[proxy.rules]]
function = "legacy-*"
event_format = "alb"

[[proxy.rules]]
function = "web"
alias = "pr-*"
event_format = "alb-multi-value"

[functions.ignored]
handler = "not read by the proxy settings"
"""
    )
    settings = load_settings({}, {}, config_file=toml)
    assert settings.domain_suffix == "preview.example.com"
    assert settings.upstream_timeout == 60.0
    assert settings.port == 9000
    assert settings.error_details is True
    assert settings.event_format == "1.0"
    assert settings.rules == (
        TargetRule("legacy-*", "*", "alb"),
        TargetRule("web", "pr-*", "alb-multi-value"),
    )


def test_config_file_loses_to_environment_and_flags(tmp_path: Path) -> None:
    toml = tmp_path / "lamux.toml"
    toml.write_text('[proxy]\nport = 9000\ndomain_suffix = "file.test"\nlog_level = "error"\n')
    settings = load_settings({"port": "9002"}, {"LAMUX_PORT": "9001", "LAMUX_DOMAIN_SUFFIX": "env.test"}, config_file=toml)
    assert settings.port == 9002
    assert settings.domain_suffix == "env.test"
    assert settings.log_level == "error"


def test_config_file_from_environment(tmp_path: Path) -> None:
    toml = tmp_path / "lamux.toml"
    toml.write_text('[proxy]\nfunction_name = "web"\n')
    assert load_settings({}, {"LAMUX_CONFIG": str(toml)}).function_name == "web"


@pytest.mark.parametrize(
    ("text", "message_part"),
    [
        ("[proxy]\nport = \"80\"\n", "proxy.port value '80': expected an integer"),
        ("[proxy]\nport = true\n", "proxy.port value True: expected an integer"),
        ("[proxy]\nerror_details = \"yes\"\n", "expected true or false"),
        ("[proxy]\ndomain-suffix = \"x.test\"\n", "unknown key proxy.domain-suffix: expected one of"),
        ("[proxy]\nevent_format = \"3.0\"\n", "expected one of 2.0, 1.0, alb, alb-multi-value"),
        ("proxy = 1\n", "'proxy' must be a table"),
        ("[proxy\n", "invalid TOML"),
        ("[[proxy.rules]]\nfunction = \"x\"\n", "rule 1 has no event_format"),
        ("[[proxy.rules]]\nfunction = \"x\"\nformat = \"1.0\"\n", "rule 1 has unknown key 'format'"),
        ("[[proxy.rules]]\nevent_format = \"2\"\n", "rule 1: invalid event_format '2'"),
        ("[[proxy.rules]]\nfunction = 3\nevent_format = \"1.0\"\n", "rule 1: function must be a string"),
        ("[proxy]\nrules = \"x\"\n", "proxy.rules must be an array of tables"),
    ],
)
def test_config_file_errors(tmp_path: Path, text: str, message_part: str) -> None:
    toml = tmp_path / "lamux.toml"
    toml.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_settings({}, {}, config_file=toml)
    assert message_part in str(raised.value)
    assert str(toml) in str(raised.value)


def test_config_file_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file .*missing.toml not found"):
        load_settings({}, {}, config_file=tmp_path / "missing.toml")
