"""Facts about the request's peer: the client's IP address behind an optional proxy."""

from __future__ import annotations

import functools
import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or with BEHIND_PROXY the one our proxy appended.

    Only the last X-Forwarded-For entry is trusted: everything before it came from the
    client and can be forged.
    """
    candidate = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_PROXY:
        if forwarded.strip():
            candidate = forwarded.split(",")[-1].strip()
    elif forwarded:
        warn_forwarded_ignored()
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    if getattr(address, "scope_id", None):
        return None  # fe80::1%eth0: not an address PostgreSQL's inet type takes
    return str(address)


@functools.cache
def warn_forwarded_ignored() -> None:
    """Once per process: a proxy seems to be in front, but its header is not trusted."""
    logger.warning(
        "Requests carry X-Forwarded-For but BEHIND_PROXY is off: every person counts as the "
        "proxy's address, so they share one LOGIN_RATE_LIMIT. Set BEHIND_PROXY=true if a "
        "proxy of yours sets that header."
    )


def rate_limit_key(ip: str | None) -> str:
    """Whom a per-address limit counts: the IPv4 address, or the IPv6 /64 (one subscriber
    usually holds a whole /64, and could rotate through it)."""
    if ip is None:
        return "unknown"
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
