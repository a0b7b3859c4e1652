"""Per-route rate limits (Topics > Rate Limits): buckets, headers, 429s, and what they cost.

Every /api/ route has a fixed window per route, major parameter (server, channel, webhook,
interaction) and credential. The routes the bot posts and edits with come in families whose
limits model what Discord serves in practice (FAMILIES); the rest share the scenario's
`rate_limit_per_second`. The stats say how many requests each bucket admitted and how many
429s it served, and so the least wall time those requests needed under these limits.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from discordsim.common import API, STATE, json_response
from discordsim.state import State

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Path parameters that make a rate limit bucket of their own (Topics > Rate Limits: top-level
# resources are channels, guilds and webhooks).
MAJOR_PARAMETERS = ("guild_id", "channel_id", "application_id", "interaction_id")
DEFAULT_FAMILY = "default"
# Past this many live windows the expired ones are dropped.
WINDOW_CAP = 10000
STATS_CAP = 100000

_CHANNEL = f"{API}/channels/{{channel_id}}"
_MESSAGE = f"{_CHANNEL}/messages/{{message_id}}"
_MEMBER = f"{_CHANNEL}/thread-members"


@dataclass(frozen=True)
class Family:
    """Routes that share one limit (one X-RateLimit-Bucket), per major parameter."""

    routes: tuple[tuple[str, str], ...]
    limit: int
    window: float
    why: str


# Discord publishes no numbers ("rate limits should not be hard coded"); these follow what it
# has served bots in practice. Each can be changed per scenario (`rate_limits`) or at run time.
FAMILIES: dict[str, Family] = {
    "message_create": Family(
        (("POST", f"{_CHANNEL}/messages"),),
        5,
        5.0,
        "5 per 5 s per channel, what bots have been served since the 2016 launch "
        "(discord/discord-api-docs#20) and still are",
    ),
    "message_edit": Family(
        (("PATCH", _MESSAGE),),
        5,
        5.0,
        "the same 5 per 5 s per channel as creating: #20 says the limit covers editing",
    ),
    "message_delete": Family(
        (("DELETE", _MESSAGE),),
        5,
        1.0,
        "5 per second per channel for the bot's recent messages",
    ),
    "thread_create": Family(
        (("POST", f"{_CHANNEL}/threads"), ("POST", f"{_MESSAGE}/threads")),
        10,
        10.0,
        "10 per 10 s per parent channel, both ways of starting a thread in one bucket; "
        "Discord's thread creation is its most tightly limited route in practice",
    ),
    "channel_edit": Family(
        (("PATCH", _CHANNEL), ("DELETE", _CHANNEL)),
        5,
        5.0,
        "5 per 5 s per channel (Discord also allows only 2 renames per 10 minutes, "
        "which is not modelled)",
    ),
    "thread_members": Family(
        (
            ("PUT", f"{_MEMBER}/{{user_id}}"),
            ("DELETE", f"{_MEMBER}/{{user_id}}"),
            ("PUT", f"{_MEMBER}/@me"),
            ("DELETE", f"{_MEMBER}/@me"),
        ),
        10,
        10.0,
        "10 per 10 s per thread",
    ),
}
_BY_ROUTE = {route: name for name, family in FAMILIES.items() for route in family.routes}


@dataclass(frozen=True)
class Bucket:
    family: str
    hash: str
    major: str
    limit: int
    window: float


def _digest(text: str) -> str:
    return hashlib.blake2s(text.encode(), digest_size=16).hexdigest()


def bucket_for(state: State, method: str, template: str, match: dict[str, str]) -> Bucket:
    """The bucket of a request to a route template (aiohttp's canonical form)."""
    name = _BY_ROUTE.get((method, template), DEFAULT_FAMILY)
    if name == DEFAULT_FAMILY:
        digest, limit, window = _digest(f"{method} {template}"), state.rate_limit, 1.0
    else:
        digest = _digest(name)
        limit, window = state.rate_limits.get(name, (FAMILIES[name].limit, FAMILIES[name].window))
    major = ":".join(match.get(key, "") for key in MAJOR_PARAMETERS)
    return Bucket(name, digest, major, limit, window)


def request_bucket(request: web.Request) -> Bucket:
    resource = request.match_info.route.resource
    template = resource.canonical if resource is not None else request.path
    return bucket_for(request.app[STATE], request.method, template, dict(request.match_info))


def _reset_after(reset: float) -> float:
    # Rounded up to the millisecond, so a client that sleeps this long finds the window over.
    return math.ceil(max(0.0, reset - time.time()) * 1000) / 1000


def headers(bucket: Bucket, remaining: int, reset: float) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(bucket.limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{reset:.3f}",
        "X-RateLimit-Reset-After": f"{_reset_after(reset):.3f}",
        "X-RateLimit-Bucket": bucket.hash,
    }


def too_many(
    retry_after: float, *, scope: str, extra: dict[str, str] | None = None
) -> web.Response:
    """Topics > Rate Limits > Exceeding A Rate Limit: the body, Retry-After and the scope."""
    message = (
        "The resource is being rate limited."
        if scope == "shared"
        else "You are being rate limited."
    )
    body = {"message": message, "retry_after": round(retry_after, 3), "global": scope == "global"}
    response_headers = {
        "Retry-After": str(math.ceil(retry_after)),
        "X-RateLimit-Scope": scope,
        **(extra or {}),
    }
    if scope == "global":
        response_headers["X-RateLimit-Global"] = "true"
    return json_response(body, 429, response_headers)


def _stats_row(state: State, bucket: Bucket, credential: str) -> dict[str, Any]:
    key = (bucket.hash, bucket.major, credential)
    row = state.rate_stats["buckets"].get(key)
    if row is None:
        if len(state.rate_stats["buckets"]) >= STATS_CAP:
            return {"requests": 0, "limited": 0}
        row = {
            "family": bucket.family,
            "bucket": bucket.hash,
            "major": bucket.major,
            "requests": 0,
            "limited": 0,
        }
        state.rate_stats["buckets"][key] = row
    return row


async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Admit the request into its bucket's window, or answer 429 until the window is over."""
    state = request.app[STATE]
    bucket = request_bucket(request)
    credential = request.headers.get("Authorization") or (request.remote or "")
    key = (bucket.hash, bucket.major, credential)
    now = time.time()
    window = state.rate_buckets.get(key)
    if window is None or now >= window[0] + bucket.window:
        if len(state.rate_buckets) > WINDOW_CAP:
            state.rate_buckets = {k: w for k, w in state.rate_buckets.items() if now < w[0] + w[2]}
        window = [now, 0.0, bucket.window]
        state.rate_buckets[key] = window
    reset = window[0] + bucket.window
    row = _stats_row(state, bucket, credential)
    if window[1] >= bucket.limit:
        row["limited"] += 1
        state.rate_stats["limited"] += 1
        return too_many(reset - now, scope="user", extra=headers(bucket, 0, reset))
    window[1] += 1
    row["requests"] += 1
    state.rate_stats["requests"] += 1
    response = await handler(request)
    response.headers.update(headers(bucket, bucket.limit - int(window[1]), reset))
    return response


def cost(limit_value: int, window: float, count: int) -> float:
    """The least time from the first to the last of `count` requests in one fresh bucket."""
    return (math.ceil(count / limit_value) - 1) * window if count else 0.0


def stats(state: State) -> dict[str, Any]:
    """Admitted requests and 429s per bucket since the last clear, and the lower bound on the
    wall time they needed: the slowest bucket's (ceil(requests / limit) - 1) * window."""
    rows = []
    bound = 0.0
    for row in state.rate_stats["buckets"].values():
        limit_value, window = family_limits(state, row["family"])
        seconds = cost(limit_value, window, row["requests"])
        bound = max(bound, seconds)
        rows.append({**row, "limit": limit_value, "window": window, "bound": seconds})
    return {
        "requests": state.rate_stats["requests"],
        "limited": state.rate_stats["limited"],
        "fault_429s": state.rate_stats["fault_429s"],
        "bound": bound,
        "buckets": rows,
    }


def family_limits(state: State, name: str) -> tuple[int, float]:
    if name == DEFAULT_FAMILY:
        return state.rate_limit, 1.0
    return state.rate_limits.get(name, (FAMILIES[name].limit, FAMILIES[name].window))


def limits(state: State) -> dict[str, Any]:
    result = {
        name: {
            "limit": family_limits(state, name)[0],
            "window": family_limits(state, name)[1],
            "routes": [f"{method} {path}" for method, path in family.routes],
            "why": family.why,
        }
        for name, family in FAMILIES.items()
    }
    result[DEFAULT_FAMILY] = {
        "limit": state.rate_limit,
        "window": 1.0,
        "routes": ["every other /api/ route, each its own bucket"],
        "why": "the scenario's rate_limit_per_second",
    }
    return result


async def bound(app: web.Application, requests: list[tuple[str, str]]) -> dict[str, Any]:
    """The lower bound for a planned sequence of (method, path) requests, one credential,
    fresh buckets: the slowest bucket's cost."""
    state = app[STATE]
    counts: dict[tuple[str, str], list[Any]] = {}
    for method, path in requests:
        match = await app.router.resolve(make_mocked_request(method.upper(), path, app=app))
        resource = match.route.resource
        template = resource.canonical if resource is not None else path
        bucket = bucket_for(state, method.upper(), template, dict(match))
        counts.setdefault((bucket.hash, bucket.major), [bucket, 0])[1] += 1
    rows = [
        {
            "family": bucket.family,
            "major": bucket.major,
            "requests": count,
            "bound": cost(bucket.limit, bucket.window, count),
        }
        for bucket, count in counts.values()
    ]
    return {"bound": max((row["bound"] for row in rows), default=0.0), "buckets": rows}
