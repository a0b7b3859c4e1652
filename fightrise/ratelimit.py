"""A fixed-window counter in the cache, to keep anonymous traffic from piling up rows."""

from __future__ import annotations

import time

from django.core.cache import cache


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one hit for `key`; False once it has had more than `limit` in this window."""
    bucket = f"ratelimit:{key}:{int(time.time() // window)}"
    if cache.add(bucket, 1, window + 1):
        return True
    try:
        return cache.incr(bucket) <= limit
    except ValueError:  # the bucket expired between add() and incr()
        return cache.add(bucket, 1, window + 1) or True
