"""Reading TOML configuration files with errors that point at the file and line."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from lamux.errors import ConfigError

# tomllib ends its messages with "(at line L, column C)" or "(at end of document)".
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


def load_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a TOML file. Raises ConfigError naming the file, and the line and column of a syntax error."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError as error:
        raise ConfigError(f"configuration file {path} not found") from error
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the configuration file: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(describe_toml_error(path, error)) from error


def describe_toml_error(path: Path, error: tomllib.TOMLDecodeError) -> str:
    message = str(error)
    position = _TOML_POSITION.search(message)
    if position is None:
        return f"{path}: invalid TOML: {message}"
    reason = message[: position.start()]
    if position[1] is None:
        return f"{path}: invalid TOML at the end of the file: {reason}"
    return f"{path}, line {position[1]}, column {position[2]}: invalid TOML: {reason}"
