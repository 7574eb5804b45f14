"""Test-wide isolation from the developer's AWS set-up.

Every test runs with LAMUX_* and AWS_* variables cleared, static dummy
credentials, no shared config or credentials files, and the instance metadata
service disabled, so no test can fall through to AWS's default endpoint or to
the metadata address. Tests that need a Lambda endpoint start one on loopback
and pass its URL explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = REPO_ROOT / "examples"

DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIDLAMUXTEST",
    "AWS_SECRET_ACCESS_KEY": "lamux-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def _isolate(environ: dict[str, str] | os._Environ[str]) -> None:
    for name in list(environ):
        if name.startswith(("LAMUX_", "AWS_")):
            del environ[name]
    environ.update(DUMMY_AWS_ENV)


# Applied at import time as well, so subprocesses started by session-scoped
# fixtures inherit the same isolated environment.
_isolate(os.environ)


@pytest.fixture(autouse=True)
def isolated_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("LAMUX_", "AWS_")):
            monkeypatch.delenv(name)
    for name, value in DUMMY_AWS_ENV.items():
        monkeypatch.setenv(name, value)
