"""Lambda names, qualifiers and ARNs as the local Lambda service reads and writes them.

Patterns follow the Lambda API model (botocore ``data/lambda/2015-03-31/service-2.json``):
``FunctionName`` for names in configuration, ``NamespacedFunctionName`` for the
``FunctionName`` that Invoke accepts, ``Alias`` and ``Version`` for qualifiers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

# Placeholder account id of every ARN this service builds. Its twelve digits keep ARNs well
# formed for SDKs that parse them.
ACCOUNT_ID = "000000000000"

DEFAULT_REGION = "us-east-1"

LATEST = "$LATEST"

# Name of a function as created (CreateFunction): 1 to 64 characters.
FUNCTION_NAME_RE = re.compile(r"[a-zA-Z0-9_-]{1,64}")

# Alias names are 1 to 128 characters and never all digits, because an all-digit qualifier
# is a version number.
ALIAS_NAME_RE = re.compile(r"(?!\d+$)[a-zA-Z0-9_-]{1,128}")

# Published versions are positive integers without leading zeros.
VERSION_RE = re.compile(r"[1-9][0-9]*")

# NamespacedFunctionName from the Lambda API model: a name, name:qualifier, a partial ARN
# (ACCOUNT:function:NAME) or a full ARN, each with an optional qualifier.
NAMESPACED_FUNCTION_NAME_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
)
_NAMESPACED_FUNCTION_NAME_RE = re.compile(
    r"(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?"
    r"(?:(?:eusc-)?[a-z]{2}(?:(?:-gov)|(?:-iso[a-z]?))?-[a-z]+-\d:)?"
    r"(?:\d{12}:)?"
    r"(?:function:)?"
    r"(?P<name>[a-zA-Z0-9_.-]+)"
    r"(?::(?P<qualifier>\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]+))?"
)
NAMESPACED_FUNCTION_NAME_MAX_LENGTH = 256

# Qualifier query parameter of Invoke.
QUALIFIER_PATTERN = r"(|[a-zA-Z0-9$_-]+)"
_QUALIFIER_RE = re.compile(r"[a-zA-Z0-9$_-]*")
QUALIFIER_MAX_LENGTH = 128


@dataclass(frozen=True)
class FunctionReference:
    """A function named in an Invoke request, with the qualifier given in the name, if any."""

    name: str
    qualifier: str | None


def parse_function_name(value: str) -> FunctionReference | None:
    """Split Invoke's FunctionName into name and qualifier, or return None if it is invalid.

    A full ARN's partition, region and account are not checked against this service's,
    because one local service stands for one account in one region.
    """
    if len(value) > NAMESPACED_FUNCTION_NAME_MAX_LENGTH:
        return None
    match = _NAMESPACED_FUNCTION_NAME_RE.fullmatch(value)
    if match is None:
        return None
    return FunctionReference(match["name"], match["qualifier"])


def is_valid_qualifier(value: str) -> bool:
    """Return whether ``value`` matches the model's pattern for the Qualifier parameter."""
    return len(value) <= QUALIFIER_MAX_LENGTH and _QUALIFIER_RE.fullmatch(value) is not None


def is_version(qualifier: str) -> bool:
    """Return whether a qualifier names a published version rather than an alias."""
    return qualifier.isdigit()


def function_arn(region: str, function_name: str, qualifier: str | None = None) -> str:
    """Build the ARN of a function in this service's account, qualified if a qualifier is given."""
    arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}"
    if qualifier:
        arn += f":{qualifier}"
    return arn


def default_region(environ: Mapping[str, str] = os.environ) -> str:
    """Return the region from AWS_REGION or AWS_DEFAULT_REGION, else us-east-1."""
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
