"""Who is asking: the client's address behind an optional proxy, and what a limit counts."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from fightrise.net import client_ip, rate_limit_key


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8::1", "2001:db8::1"),
        ("fe80::1%eth0", None),  # PostgreSQL's inet type refuses zone ids
        ("not an address", None),
        ("", None),
    ],
)
def test_it_reads_the_remote_address(remote, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    assert client_ip(request) == expected


def test_behind_a_proxy_only_the_last_forwarded_address_counts(settings):
    settings.BEHIND_PROXY = True
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )
    assert client_ip(request) == "198.51.100.7"


@pytest.mark.parametrize(
    ("ip", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        (None, "unknown"),
    ],
)
def test_limits_count_an_ipv6_subscriber_once(ip, key):
    assert rate_limit_key(ip) == key


@pytest.fixture
def fresh_process(monkeypatch):
    """As if in a new process: the once-per-process warning has not been given yet."""
    from fightrise import net

    net.warn_forwarded_ignored.cache_clear()
    yield
    net.warn_forwarded_ignored.cache_clear()


def forwarded_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "X-Forwarded-For" in r.getMessage()]


def test_forwarded_requests_with_behind_proxy_off_are_warned_of_once(fresh_process, caplog):
    """Every person then counts as the proxy's address: one login limit for all of them."""
    for _ in range(3):
        request = RequestFactory().get(
            "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7"
        )
        assert client_ip(request) == "10.0.0.2"
    (warning,) = forwarded_warnings(caplog)
    assert "BEHIND_PROXY" in warning and "LOGIN_RATE_LIMIT" in warning


def test_no_warning_behind_a_proxy_or_without_the_header(fresh_process, settings, caplog):
    client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2"))
    settings.BEHIND_PROXY = True
    client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4"))
    assert forwarded_warnings(caplog) == []
