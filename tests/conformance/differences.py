"""The known differences between calling an app directly and behind a front door.

Behind lamux an app receives a Lambda event instead of an HTTP request, and
its adapter (Mangum, apig-wsgi, Powertools) rebuilds a request from that
event. What the app receives then differs from a direct call in ways that a
real front door causes as well. Each such difference is one
:class:`Difference` here, with the same name as its row in
docs/conformance.md, and each turns the direct response into the response
expected through lamux. Every other field must match the direct response
exactly.

A difference applies to some event formats and adapters, and only to the
requests that trigger it, such as a repeated header. Where the app's view
depends on request lines that the direct response no longer shows apart (Flask
sees repeated headers joined), the expectation is computed from the request.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.conformance.cases import ALB_BODY_LIMIT, RequestCase
from tests.conformance.harness import Observation

MANGUM = "mangum"
APIG_WSGI = "apig-wsgi"
POWERTOOLS = "powertools"

# Event format of each alias, as lamux.toml's [proxy] rules set it.
FORMAT_OF_ALIAS = {"v2": "2.0", "v1": "1.0", "alb": "alb", "albmv": "alb-multi-value"}
ALB_FORMATS = frozenset({"alb", "alb-multi-value"})
ALL_FORMATS = frozenset(FORMAT_OF_ALIAS.values())
ALL_ADAPTERS = frozenset({MANGUM, APIG_WSGI, POWERTOOLS})

# Lambda's synchronous Invoke limit, for the event and for the result.
INVOKE_PAYLOAD_LIMIT = 6_291_456
# Estimate of an event's size without its body: the request context and the
# few headers of these cases come to about 1 KB, so 4 KB leaves a margin. The
# bodies of the size cases are hundreds of kilobytes away from the limit.
EVENT_SIZE_WITHOUT_BODY = 4096
# The Application Load Balancer's limit on the result JSON, 1 MB like its
# limit on the request body (ALB_BODY_LIMIT), which lamux takes as 1,048,576
# bytes.
ALB_RESULT_LIMIT = 1_048_576

ERROR_CONTENT_TYPE = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Combination:
    """One app behind one front door: the adapter, the lamux function and its alias."""

    adapter: str
    function: str
    alias: str

    @property
    def event_format(self) -> str:
        return FORMAT_OF_ALIAS[self.alias]

    @property
    def direct_kind(self) -> str:
        """Return the app called directly for comparison: "wsgi" for Flask, else "asgi".

        Powertools' resolvers run only on Lambda, so they are compared with
        the Starlette app, which serves the same routes.
        """
        return "wsgi" if self.adapter == APIG_WSGI else "asgi"

    @property
    def id(self) -> str:
        return f"{self.function}-{self.alias}"


# Every adapter behind every front door whose events it reads, as lamux.toml
# declares them.
COMBINATIONS = (
    *(Combination(MANGUM, "mangum", alias) for alias in FORMAT_OF_ALIAS),
    *(Combination(APIG_WSGI, "wsgi", alias) for alias in FORMAT_OF_ALIAS),
    Combination(POWERTOOLS, "pt-rest", "v1"),
    Combination(POWERTOOLS, "pt-http", "v2"),
    Combination(POWERTOOLS, "pt-furl", "v2"),
    Combination(POWERTOOLS, "pt-alb", "alb"),
    Combination(POWERTOOLS, "pt-alb", "albmv"),
)


def combinations_of(adapter: str) -> list[object]:
    """Return the combinations of ``adapter`` as pytest parameters named by function and alias."""
    return [
        pytest.param(combination, id=combination.id)
        for combination in COMBINATIONS
        if combination.adapter == adapter
    ]


@dataclass
class Expected:
    """The response expected through lamux, and the differences that shaped it."""

    status: int
    headers: dict[str, list[str]]
    body: bytes
    echo: dict[str, Any] | None
    # Only the start of the body is fixed for an error that lamux or the
    # front door returns, because the rest names sizes and functions.
    body_prefix: bytes | None = None
    applied: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Difference:
    """One known difference: where it applies, what triggers it, and its effect."""

    name: str
    formats: frozenset[str]
    adapters: frozenset[str]
    triggered: Callable[[Combination, RequestCase, Expected], bool]
    apply: Callable[[Combination, RequestCase, Expected], None]


def expected_behind(direct: Observation, combination: Combination, case: RequestCase) -> Expected:
    """Turn the direct response into the response expected through lamux."""
    expected = Expected(direct.status, copy.deepcopy(direct.headers), direct.body, copy.deepcopy(direct.echo))
    for difference in DIFFERENCES:
        if combination.event_format not in difference.formats or combination.adapter not in difference.adapters:
            continue
        if difference.triggered(combination, case, expected):
            difference.apply(combination, case, expected)
            expected.applied.append(difference.name)
        if expected.body_prefix is not None:
            break
    return expected


# --- Helpers ---------------------------------------------------------------


def _sent_header_lines(case: RequestCase, name: str) -> list[bytes]:
    return [value for key, value in case.headers if key.lower() == name]


def _echo(expected: Expected) -> dict[str, Any]:
    assert expected.echo is not None, "only echo responses have an echo document"
    return expected.echo


def _echo_headers(expected: Expected) -> dict[str, list[str]]:
    return _echo(expected)["headers"]


def _repeated_headers(case: RequestCase, expected: Expected) -> list[str]:
    """Return the echoed headers that the request sends more than once."""
    if expected.echo is None:
        return []
    names = {key.lower() for key, _ in case.headers}
    echoed = _echo_headers(expected)
    return sorted(name for name in names if name in echoed and len(_sent_header_lines(case, name)) > 1)


def _has_repeated_headers(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    return bool(_repeated_headers(case, expected))


def _set_header_view(case: RequestCase, expected: Expected, view: Callable[[list[str]], list[str]]) -> None:
    """Set each repeated header to ``view`` of its request lines (ASCII in these cases)."""
    headers = _echo_headers(expected)
    for name in _repeated_headers(case, expected):
        headers[name] = view([line.decode("ascii") for line in _sent_header_lines(case, name)])


def _raw_query_pairs(case: RequestCase) -> list[list[str]]:
    """Split the request's query into [key, value] pairs exactly as sent.

    Empty pieces are skipped and a key without "=" gets "", as lamux and
    every adapter here parse a query.
    """
    pairs = []
    for piece in urlsplit(case.target).query.split("&"):
        if piece:
            key, _, value = piece.partition("=")
            pairs.append([key, value])
    return pairs


def _grouped(pairs: list[list[str]]) -> list[list[str]]:
    """Regroup pairs by key, keys in order of first appearance, as a parameter map stores them."""
    groups: dict[str, list[str]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return [[key, value] for key, values in groups.items() for value in values]


def _last_per_key(pairs: list[list[str]]) -> list[list[str]]:
    last: dict[str, str] = {}
    for key, value in pairs:
        last[key] = value
    return [[key, value] for key, value in last.items()]


def _has_query(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    return expected.echo is not None and bool(expected.echo["args"])


def _is_echo(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    return expected.echo is not None


def _reads_parameter_map(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    """Tell whether the app reads the query from a parameter map, not from a raw query string.

    REST API and ALB events have only maps. In 2.0 events Mangum and
    apig-wsgi read rawQueryString and Powertools reads queryStringParameters.
    """
    uses_map = combination.event_format != "2.0" or combination.adapter == POWERTOOLS
    return uses_map and _has_query(combination, case, expected)


def _error(expected: Expected, status: int, prefix: bytes, headers: dict[str, list[str]]) -> None:
    expected.status = status
    expected.headers = headers
    expected.body = b""
    expected.body_prefix = prefix
    expected.echo = None


def _base64_size(size: int) -> int:
    return 4 * ((size + 2) // 3)


# --- Request side ----------------------------------------------------------


def _powertools_alb_sees_raw_query(combination: Combination, case: RequestCase, expected: Expected) -> None:
    _echo(expected)["args"] = _raw_query_pairs(case)


def _group_query(combination: Combination, case: RequestCase, expected: Expected) -> None:
    _echo(expected)["args"] = _grouped(_echo(expected)["args"])


def _alb_keeps_last_value(combination: Combination, case: RequestCase, expected: Expected) -> None:
    _echo(expected)["args"] = _last_per_key(_echo(expected)["args"])
    _set_header_view(case, expected, lambda lines: [lines[-1]])


def _alb_single_value_triggered(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    return _has_query(combination, case, expected) or _has_repeated_headers(combination, case, expected)


def _rebuilt_query(combination: Combination, case: RequestCase, expected: Expected) -> None:
    """Set the raw query to the one the adapter rebuilds from the event's parameter map."""
    echo = _echo(expected)
    if combination.adapter == POWERTOOLS:
        echo["query"] = None
        return
    if combination.adapter == APIG_WSGI and combination.event_format in ALB_FORMATS:
        # apig-wsgi quotes the load balancer's undecoded values again but
        # leaves percent-escapes and reserved characters alone, so the pairs
        # come back as sent.
        raw = _grouped(_raw_query_pairs(case))
        if combination.event_format == "alb":
            raw = _last_per_key(raw)
        echo["query"] = "&".join(f"{key}={value}" for key, value in raw)
        return
    # Mangum, and apig-wsgi for REST API events, urlencode the decoded map.
    echo["query"] = urlencode([(key, value) for key, value in echo["args"]])


def _v2_joins_repeated_headers(combination: Combination, case: RequestCase, expected: Expected) -> None:
    _set_header_view(case, expected, lambda lines: [",".join(lines)])


def _v1_repeated_headers(combination: Combination, case: RequestCase, expected: Expected) -> None:
    if combination.adapter == MANGUM:
        _set_header_view(case, expected, lambda lines: [", ".join(lines)])
    elif combination.adapter == APIG_WSGI:
        _set_header_view(case, expected, lambda lines: [",".join(lines)])
    else:
        _set_header_view(case, expected, list)


def _multi_value_repeated_headers(combination: Combination, case: RequestCase, expected: Expected) -> None:
    if combination.adapter == APIG_WSGI:
        _set_header_view(case, expected, lambda lines: [",".join(lines)])
    else:
        _set_header_view(case, expected, list)


def _has_non_ascii_header(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    return expected.echo is not None and any(
        not value.isascii() and name.lower() in _echo_headers(expected) for name, value in case.headers
    )


def _header_text_is_utf8(combination: Combination, case: RequestCase, expected: Expected) -> None:
    headers = _echo_headers(expected)
    for name in list(headers):
        lines = _sent_header_lines(case, name)
        if any(not line.isascii() for line in lines):
            headers[name] = [line.decode("utf-8") for line in lines]


def _has_comma(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    if expected.echo is None:
        return False
    values = [value for _, value in _echo(expected)["args"]]
    if combination.event_format == "2.0":
        values += [value for values in _echo_headers(expected).values() for value in values]
    return any("," in value for value in values)


def _powertools_splits_on_commas(combination: Combination, case: RequestCase, expected: Expected) -> None:
    echo = _echo(expected)
    echo["args"] = [[key, piece] for key, value in echo["args"] for piece in value.split(",")]
    if combination.event_format == "2.0":
        headers = _echo_headers(expected)
        for name, values in headers.items():
            headers[name] = [piece for value in values for piece in value.split(",")]


def _cookies_sent(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    return expected.echo is not None and bool(expected.echo["cookies"])


def _cookies_twice(combination: Combination, case: RequestCase, expected: Expected) -> None:
    echo = _echo(expected)
    echo["cookies"] = [pair for pair in echo["cookies"] for _ in range(2)]


def _over_alb_body_limit(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    return len(case.body) > ALB_BODY_LIMIT


def _over_invoke_limit(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    return _base64_size(len(case.body)) + EVENT_SIZE_WITHOUT_BODY > INVOKE_PAYLOAD_LIMIT


def _request_too_large(combination: Combination, case: RequestCase, expected: Expected) -> None:
    # lamux closes the connection after a 413, because the rest of the body
    # may still be arriving.
    _error(
        expected,
        413,
        b"413 Content Too Large: ",
        {"content-type": [ERROR_CONTENT_TYPE], "connection": ["close"]},
    )


# --- Response side ---------------------------------------------------------


def _has_no_content_type(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    return "content-type" not in expected.headers


def _has_body_but_no_content_type(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    return "content-type" not in expected.headers and bool(expected.body)


def _add_json_content_type(combination: Combination, case: RequestCase, expected: Expected) -> None:
    expected.headers["content-type"] = ["application/json"]


def _add_octet_stream_content_type(combination: Combination, case: RequestCase, expected: Expected) -> None:
    expected.headers["content-type"] = ["application/octet-stream"]


Trigger = Callable[[Combination, RequestCase, Expected], bool]


def _repeated_response_header(names_excluded: frozenset[str]) -> Trigger:
    def triggered(combination: Combination, case: RequestCase, expected: Expected) -> bool:
        return any(len(values) > 1 for name, values in expected.headers.items() if name not in names_excluded)

    return triggered


def _v2_one_value_per_header(combination: Combination, case: RequestCase, expected: Expected) -> None:
    for name, values in expected.headers.items():
        if name == "set-cookie" or len(values) < 2:
            continue
        if combination.adapter == MANGUM:
            expected.headers[name] = [",".join(values)]
        elif combination.adapter == POWERTOOLS:
            expected.headers[name] = [", ".join(values)]
        else:
            expected.headers[name] = [values[-1]]


def _alb_one_value_per_header(combination: Combination, case: RequestCase, expected: Expected) -> None:
    for name, values in expected.headers.items():
        expected.headers[name] = [values[-1]]


def _result_json_size(expected: Expected) -> int:
    """Estimate the result's size as the base64 text of its body.

    The oversized replies are binary, which every adapter sends base64-encoded,
    and the rest of a result is a few hundred bytes.
    """
    return _base64_size(len(expected.body))


def _over_alb_result_limit(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    return _result_json_size(expected) > ALB_RESULT_LIMIT


def _over_invoke_result_limit(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    return _result_json_size(expected) > INVOKE_PAYLOAD_LIMIT


def _bad_gateway(combination: Combination, case: RequestCase, expected: Expected) -> None:
    _error(expected, 502, b"502 Bad Gateway: ", {"content-type": [ERROR_CONTENT_TYPE]})


def _text_not_utf8(combination: Combination, case: RequestCase, expected: Expected) -> bool:
    content_type = expected.headers.get("content-type", [""])[0]
    if not content_type.startswith("text/") or "content-encoding" in expected.headers:
        return False
    try:
        expected.body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


# Applied in this order: the request side, the request size limits, the
# response side, then the failures of a response. An error replaces the
# whole response, so the differences after it no longer apply.
DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "alb-query-not-decoded",
        ALB_FORMATS,
        frozenset({POWERTOOLS}),
        _has_query,
        _powertools_alb_sees_raw_query,
    ),
    Difference("query-parameters-grouped-by-key", ALL_FORMATS, ALL_ADAPTERS, _reads_parameter_map, _group_query),
    Difference(
        "alb-last-value-only",
        frozenset({"alb"}),
        ALL_ADAPTERS,
        _alb_single_value_triggered,
        _alb_keeps_last_value,
    ),
    Difference(
        "raw-query-rebuilt",
        frozenset({"1.0", "alb", "alb-multi-value"}),
        ALL_ADAPTERS,
        _is_echo,
        _rebuilt_query,
    ),
    Difference(
        "v2-repeated-headers-joined",
        frozenset({"2.0"}),
        ALL_ADAPTERS,
        _has_repeated_headers,
        _v2_joins_repeated_headers,
    ),
    Difference(
        "v1-repeated-headers-joined-by-adapter",
        frozenset({"1.0"}),
        ALL_ADAPTERS,
        _has_repeated_headers,
        _v1_repeated_headers,
    ),
    Difference(
        "alb-multi-value-headers-joined-by-adapter",
        frozenset({"alb-multi-value"}),
        frozenset({APIG_WSGI}),
        _has_repeated_headers,
        _multi_value_repeated_headers,
    ),
    Difference(
        "header-text-decoded-as-utf8",
        ALL_FORMATS,
        frozenset({APIG_WSGI, POWERTOOLS}),
        _has_non_ascii_header,
        _header_text_is_utf8,
    ),
    Difference(
        "powertools-splits-comma-joined-values",
        frozenset({"2.0", "alb"}),
        frozenset({POWERTOOLS}),
        _has_comma,
        _powertools_splits_on_commas,
    ),
    Difference(
        "function-url-cookie-header-kept",
        frozenset({"2.0"}),
        frozenset({APIG_WSGI}),
        _cookies_sent,
        _cookies_twice,
    ),
    Difference("alb-request-body-limit", ALB_FORMATS, ALL_ADAPTERS, _over_alb_body_limit, _request_too_large),
    Difference("invoke-request-limit", ALL_FORMATS, ALL_ADAPTERS, _over_invoke_limit, _request_too_large),
    Difference(
        "v1-default-content-type",
        frozenset({"1.0"}),
        ALL_ADAPTERS,
        _has_no_content_type,
        _add_json_content_type,
    ),
    Difference(
        "mangum-v2-default-content-type",
        frozenset({"2.0"}),
        frozenset({MANGUM}),
        _has_no_content_type,
        _add_json_content_type,
    ),
    Difference(
        "v2-default-content-type",
        frozenset({"2.0"}),
        ALL_ADAPTERS,
        _has_body_but_no_content_type,
        _add_json_content_type,
    ),
    Difference(
        "alb-default-content-type",
        ALB_FORMATS,
        ALL_ADAPTERS,
        _has_body_but_no_content_type,
        _add_octet_stream_content_type,
    ),
    Difference(
        "v2-one-value-per-response-header",
        frozenset({"2.0"}),
        ALL_ADAPTERS,
        _repeated_response_header(frozenset({"set-cookie"})),
        _v2_one_value_per_header,
    ),
    Difference(
        "alb-one-value-per-response-header",
        frozenset({"alb"}),
        frozenset({APIG_WSGI, POWERTOOLS}),
        _repeated_response_header(frozenset()),
        _alb_one_value_per_header,
    ),
    Difference("apig-wsgi-text-must-be-utf8", ALL_FORMATS, frozenset({APIG_WSGI}), _text_not_utf8, _bad_gateway),
    Difference("invoke-result-limit", ALL_FORMATS, ALL_ADAPTERS, _over_invoke_result_limit, _bad_gateway),
    Difference("alb-result-limit", ALB_FORMATS, ALL_ADAPTERS, _over_alb_result_limit, _bad_gateway),
)


def assert_conforms(behind: Observation, expected: Expected) -> None:
    """Compare the response through lamux with the expected one, one field at a time."""
    note = f" (differences applied: {', '.join(expected.applied) or 'none'})"
    assert behind.status == expected.status, "status" + note
    assert behind.headers == expected.headers, "headers" + note
    if expected.body_prefix is not None:
        assert behind.body.startswith(expected.body_prefix), "error body" + note
    elif expected.echo is not None:
        assert behind.echo is not None, "echo document" + note
        for key in sorted(expected.echo.keys() | behind.echo.keys()):
            assert behind.echo.get(key) == expected.echo.get(key), f"echo {key}" + note
    else:
        assert behind.body == expected.body, "body" + note
