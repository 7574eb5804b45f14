"""Settings from flags and LAMUX_* variables, and their validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamux.cli import main
from lamux.config import Settings, load_settings, parse_duration
from lamux.errors import ConfigError


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


def test_local_defaults() -> None:
    settings = load_settings({}, {}, local_config=Path("lamux.toml"))
    assert settings.domain_suffix == "localhost"
    assert settings.bind == "127.0.0.1"
    assert settings.error_details is True
    assert settings.local_config == Path("lamux.toml")


def test_local_defaults_yield_to_flags() -> None:
    settings = load_settings({"error_details": False, "domain_suffix": "dev.test"}, {}, local_config=Path("x.toml"))
    assert settings.error_details is False
    assert settings.domain_suffix == "dev.test"


@pytest.mark.parametrize(
    ("flags", "environ", "message_part"),
    [
        ({"port": "abc"}, {}, "invalid --port value 'abc'"),
        ({}, {"LAMUX_PORT": "70000"}, "invalid LAMUX_PORT value '70000'"),
        ({"upstream_timeout": "0s"}, {}, "invalid upstream timeout 0.0"),
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
