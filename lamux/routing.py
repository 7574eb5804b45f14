"""Host name → Lambda target resolution.

A request names its target in the host: ``ALIAS.FUNCTION.SUFFIX`` when any
function may be called, ``ALIAS.SUFFIX`` when lamux serves one fixed function,
or the Go lamux form ``ALIAS-FUNCTION.SUFFIX`` when that compatibility mode is
on. Host names are case-insensitive and carry only letters, digits and
hyphens (RFC 1035 section 2.3.1, RFC 1123 section 2.1, RFC 4343), while
Lambda names may also hold upper-case letters and underscores, so:

* labels are lower-cased, and only lower-case function and alias names can be
  reached through the host;
* a name with ``_`` cannot be written in a host. Serve such a function with a
  fixed function name, which takes any Lambda function name or ARN;
* a label longer than 63 characters is invalid, so 64-character function
  names and aliases longer than 63 characters cannot be reached;
* an all-digit label is a version number, because Lambda does not allow an
  alias name made only of digits.

Names are checked before anything reaches Lambda, so a hostile host header can
never smuggle an ARN, a path or a second qualifier into the Invoke call.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from lamux.errors import BadHost, UnknownHost

ANY_FUNCTION = "*"

# One DNS label (RFC 1123): letters, digits and inner hyphens, 1 to 63 characters.
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# Lambda's function name rule (CreateFunction) and its unqualified ARN form.
_FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FUNCTION_ARN = re.compile(
    r"arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}"
)
# Characters that may appear in a Host header value at all (RFC 3986 reg-name,
# IPv6 literals and a port). Anything else is rejected before any parsing.
_HOST_CHARS = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:\[\]%-]+")
_MAX_HOST_LENGTH = 253


class HostForm(enum.Enum):
    """Spelling of function and alias in a host name."""

    DOTTED = "dotted"  # ALIAS.FUNCTION.SUFFIX
    DASHED = "dashed"  # ALIAS-FUNCTION.SUFFIX, as the Go lamux does


@dataclass(frozen=True, slots=True)
class Target:
    """A Lambda function and the qualifier (alias or version) to invoke."""

    function: str
    qualifier: str | None

    def __str__(self) -> str:
        return f"{self.function}:{self.qualifier}" if self.qualifier else self.function


def is_valid_function_name(name: str) -> bool:
    """Tell whether ``name`` is a Lambda function name or unqualified function ARN."""
    return bool(_FUNCTION_NAME.fullmatch(name) or _FUNCTION_ARN.fullmatch(name))


def function_name_of(name_or_arn: str) -> str:
    """Return the bare function name of a function name or unqualified ARN."""
    return name_or_arn.rsplit(":function:", 1)[-1]


def is_valid_domain_suffix(suffix: str) -> bool:
    labels = suffix.split(".")
    return len(suffix) <= _MAX_HOST_LENGTH and all(_LABEL.fullmatch(label) for label in labels)


def normalize_host(value: str) -> str:
    """Return the host name of a Host header value: no port, no trailing dot, lower case.

    Raises BadHost for a value that is not a host name or IP literal.
    """
    host = value.strip()
    if not host or not _HOST_CHARS.fullmatch(host):
        raise BadHost(f"invalid host {value!r}: expected a host name such as ALIAS.FUNCTION.example.com")
    if host.startswith("["):
        # IPv6 literal, optionally followed by a port: [::1]:8080
        end = host.find("]")
        if end < 0 or (end + 1 < len(host) and not _is_port_suffix(host[end + 1 :])):
            raise BadHost(f"invalid host {value!r}: malformed IPv6 literal")
        return host[: end + 1].lower()
    name, colon, port = host.rpartition(":")
    if colon:
        if not port.isdigit() or ":" in name:
            raise BadHost(f"invalid host {value!r}: the port must be a number")
        host = name
    if host.endswith("."):
        host = host[:-1]
    return host.lower()


def _is_port_suffix(text: str) -> bool:
    return text.startswith(":") and text[1:].isdigit()


class Router:
    """Resolves normalized host names to targets under one domain suffix."""

    def __init__(
        self,
        domain_suffix: str,
        function_name: str = ANY_FUNCTION,
        host_form: HostForm = HostForm.DOTTED,
    ) -> None:
        self.domain_suffix = domain_suffix.lower().rstrip(".")
        self.function_name = function_name
        self.host_form = host_form
        if function_name == ANY_FUNCTION:
            separator = "." if host_form is HostForm.DOTTED else "-"
            self.expected_form = f"ALIAS{separator}FUNCTION.{self.domain_suffix}"
        else:
            self.expected_form = f"ALIAS.{self.domain_suffix}"

    def is_under_suffix(self, host: str) -> bool:
        """Tell whether ``host`` (normalized) ends with the suffix at a label boundary."""
        return host.endswith("." + self.domain_suffix)

    def resolve(self, host: str) -> Target:
        """Return the target a normalized host name names.

        Raises UnknownHost (404) for a host outside the domain suffix and
        BadHost (400) for a host under the suffix that names no valid target.
        """
        if len(host) > _MAX_HOST_LENGTH:
            raise BadHost(f"invalid host: longer than {_MAX_HOST_LENGTH} characters; expected {self.expected_form}")
        if not self.is_under_suffix(host):
            raise UnknownHost(f"host {host!r} is not served here: expected {self.expected_form}")
        prefix = host[: -len(self.domain_suffix) - 1]
        labels = prefix.split(".")
        for label in labels:
            _check_label(host, label, self.expected_form)

        if self.function_name != ANY_FUNCTION:
            if len(labels) != 1:
                raise BadHost(f"invalid host {host!r}: expected {self.expected_form}")
            return Target(self.function_name, labels[0])

        if self.host_form is HostForm.DASHED:
            if len(labels) != 1 or "-" not in labels[0]:
                raise BadHost(f"invalid host {host!r}: expected {self.expected_form}")
            alias, _, function = labels[0].partition("-")
            if not alias.isalnum():
                raise BadHost(
                    f"invalid host {host!r}: in the ALIAS-FUNCTION form the alias is letters and digits only"
                )
            return Target(function, alias)

        if len(labels) != 2:
            raise BadHost(f"invalid host {host!r}: expected {self.expected_form}")
        alias, function = labels
        return Target(function, alias)


def _check_label(host: str, label: str, expected_form: str) -> None:
    if _LABEL.fullmatch(label):
        return
    if "_" in label:
        raise BadHost(
            f"invalid host {host!r}: {label!r} contains '_', which host names cannot carry; "
            "serve a function whose name has '_' with a fixed function name (--function-name)"
        )
    if len(label) > 63:
        raise BadHost(f"invalid host {host!r}: the label {label!r} is longer than 63 characters")
    raise BadHost(
        f"invalid host {host!r}: {label!r} is not a host name label "
        f"(letters, digits and inner hyphens); expected {expected_form}"
    )


def select_authority(
    host_header: str | None,
    forwarded_host: str | None,
    *,
    trust_forwarded_headers: bool,
    absolute_uri_host: str | None = None,
) -> str:
    """Pick the client-facing host of a request, as sent (port included).

    An absolute-form request target overrides Host (RFC 9112 section 3.2.2).
    X-Forwarded-Host is used only when the hop in front of lamux is trusted to
    set it; otherwise any client could pick any function behind a front proxy's
    host rules. Its first comma-separated element is the original host.
    """
    if trust_forwarded_headers and forwarded_host:
        first = forwarded_host.split(",", 1)[0].strip()
        if first:
            return first
    if absolute_uri_host:
        return absolute_uri_host
    if not host_header:
        raise BadHost("missing Host header: expected a host name such as ALIAS.FUNCTION.example.com")
    return host_header.strip()


def select_host(
    host_header: str | None,
    forwarded_host: str | None,
    *,
    trust_forwarded_headers: bool,
    absolute_uri_host: str | None = None,
) -> str:
    """Return the normalized client-facing host of a request (see select_authority)."""
    return normalize_host(
        select_authority(
            host_header,
            forwarded_host,
            trust_forwarded_headers=trust_forwarded_headers,
            absolute_uri_host=absolute_uri_host,
        )
    )
