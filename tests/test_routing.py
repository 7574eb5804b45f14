"""Host name → target resolution, normalization and forwarded-host trust."""

from __future__ import annotations

import pytest

from lamux.errors import BadHost, UnknownHost
from lamux.routing import HostForm, Router, Target, function_name_of, normalize_host, select_host

SUFFIX = "example.test"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("v1.orders.example.test", "v1.orders.example.test", id="plain"),
        pytest.param("V1.Orders.Example.TEST:8080", "v1.orders.example.test", id="case-and-port"),
        pytest.param("v1.orders.example.test.", "v1.orders.example.test", id="trailing-dot"),
        pytest.param("v1.orders.example.test.:443", "v1.orders.example.test", id="trailing-dot-and-port"),
        pytest.param("[::1]:8080", "[::1]", id="ipv6-with-port"),
        pytest.param("[::1]", "[::1]", id="ipv6"),
        pytest.param("127.0.0.1:8080", "127.0.0.1", id="ipv4-with-port"),
        pytest.param("  v1.orders.example.test  ", "v1.orders.example.test", id="surrounding-space"),
    ],
)
def test_normalize_host(header: str, expected: str) -> None:
    assert normalize_host(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("", id="empty"),
        pytest.param("a b.example.test", id="space"),
        pytest.param("v1.orders.example.test:http", id="non-numeric-port"),
        pytest.param("[::1", id="unclosed-ipv6"),
        pytest.param("[::1]x", id="garbage-after-ipv6"),
        pytest.param("v1/../x.example.test", id="slash"),
        pytest.param("v1.orders.example.test\r\nx: y", id="crlf"),
    ],
)
def test_normalize_host_rejects(header: str) -> None:
    with pytest.raises(BadHost):
        normalize_host(header)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("v1.orders.example.test", Target("orders", "v1"), id="alias-function"),
        pytest.param("feature-x.web.example.test", Target("web", "feature-x"), id="hyphen-alias"),
        pytest.param("main.my-func.example.test", Target("my-func", "main"), id="hyphen-function"),
        pytest.param("42.orders.example.test", Target("orders", "42"), id="digits-are-a-version"),
        pytest.param("1a.2b.example.test", Target("2b", "1a"), id="leading-digits"),
        pytest.param("a.b.example.test", Target("b", "a"), id="one-letter"),
        pytest.param("a" * 63 + ".f.example.test", Target("f", "a" * 63), id="63-character-alias"),
    ],
)
def test_dotted_form(host: str, expected: Target) -> None:
    assert Router(SUFFIX).resolve(host) == expected


@pytest.mark.parametrize(
    ("host", "error", "message_part"),
    [
        pytest.param("v1.billingexample.test", UnknownHost, "expected ALIAS.FUNCTION.example.test", id="label-boundary"),
        pytest.param("example.test", UnknownHost, "not served here", id="suffix-alone"),
        pytest.param("v1.orders.other.test", UnknownHost, "not served here", id="other-domain"),
        pytest.param("orders.example.test", BadHost, "expected ALIAS.FUNCTION.example.test", id="one-label"),
        pytest.param("a.v1.orders.example.test", BadHost, "expected ALIAS.FUNCTION.example.test", id="three-labels"),
        pytest.param("v_1.orders.example.test", BadHost, "contains '_'", id="underscore-alias"),
        pytest.param("v1.my_func.example.test", BadHost, "--function-name", id="underscore-function"),
        pytest.param("-v1.orders.example.test", BadHost, "not a host name label", id="leading-hyphen"),
        pytest.param("v1-.orders.example.test", BadHost, "not a host name label", id="trailing-hyphen"),
        pytest.param("v1..example.test", BadHost, "not a host name label", id="empty-label"),
        pytest.param(
            "v1." + "x" * 64 + ".example.test", BadHost, "longer than 63 characters", id="64-character-function"
        ),
        pytest.param("v1.orders$latest.example.test", BadHost, "not a host name label", id="dollar"),
        pytest.param("v1.arn:aws.example.test", BadHost, "not a host name label", id="colon"),
        pytest.param("v1.%6frders.example.test", BadHost, "not a host name label", id="percent"),
    ],
)
def test_dotted_form_rejects(host: str, error: type[Exception], message_part: str) -> None:
    with pytest.raises(error) as raised:
        Router(SUFFIX).resolve(host)
    assert message_part in str(raised.value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("orders", "orders"),
        ("arn:aws:lambda:us-east-1:111122223333:function:orders", "orders"),
        ("arn:aws-cn:lambda:cn-north-1:111122223333:function:my_func", "my_func"),
    ],
)
def test_function_name_of(name: str, expected: str) -> None:
    assert function_name_of(name) == expected


def test_rejected_host_statuses() -> None:
    assert BadHost.status == 400
    assert UnknownHost.status == 404


def test_fixed_function() -> None:
    router = Router(SUFFIX, function_name="My_Function")
    assert router.resolve("feature-x.example.test") == Target("My_Function", "feature-x")
    assert router.expected_form == "ALIAS.example.test"


def test_fixed_function_rejects_two_labels() -> None:
    with pytest.raises(BadHost, match="expected ALIAS.example.test"):
        Router(SUFFIX, function_name="web").resolve("a.b.example.test")


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("v1-orders.example.test", Target("orders", "v1"), id="simple"),
        pytest.param("v1-my-func.example.test", Target("my-func", "v1"), id="split-at-first-hyphen"),
    ],
)
def test_dashed_form(host: str, expected: Target) -> None:
    assert Router(SUFFIX, host_form=HostForm.DASHED).resolve(host) == expected


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("orders.example.test", id="no-hyphen"),
        pytest.param("v1.orders.example.test", id="dotted"),
    ],
)
def test_dashed_form_rejects(host: str) -> None:
    with pytest.raises(BadHost, match="ALIAS-FUNCTION.example.test"):
        Router(SUFFIX, host_form=HostForm.DASHED).resolve(host)


def test_suffix_with_trailing_dot_and_case() -> None:
    assert Router("Example.TEST.").resolve("v1.orders.example.test") == Target("orders", "v1")


@pytest.mark.parametrize(
    ("trust", "host", "forwarded", "absolute", "expected"),
    [
        pytest.param(False, "v1.orders.example.test", None, None, "v1.orders.example.test", id="host"),
        pytest.param(
            False, "proxy.internal:8080", "v1.orders.example.test", None, "proxy.internal", id="untrusted-xfh-ignored"
        ),
        pytest.param(
            True,
            "proxy.internal:8080",
            "v1.orders.example.test, edge.internal",
            None,
            "v1.orders.example.test",
            id="trusted-xfh-first-element",
        ),
        pytest.param(True, "v1.orders.example.test", None, None, "v1.orders.example.test", id="trusted-without-xfh"),
        pytest.param(True, "v1.orders.example.test", " , x", None, "v1.orders.example.test", id="trusted-empty-xfh"),
        pytest.param(
            False, "other.example.test", None, "v1.orders.example.test:80", "v1.orders.example.test", id="absolute-form"
        ),
    ],
)
def test_select_host(trust: bool, host: str, forwarded: str | None, absolute: str | None, expected: str) -> None:
    assert select_host(host, forwarded, trust_forwarded_headers=trust, absolute_uri_host=absolute) == expected


def test_select_host_missing() -> None:
    with pytest.raises(BadHost, match="missing Host header"):
        select_host(None, None, trust_forwarded_headers=False)
