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
