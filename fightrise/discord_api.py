"""The site's one Discord REST and OAuth2 client: URLs, a pooled session, typed errors.

Every call has a connect and a read timeout (DISCORD_CONNECT_TIMEOUT, DISCORD_TIMEOUT). A
429 is waited out once when Discord asks for a short pause and turned into
DiscordRateLimited otherwise: Discord bans an IP that makes 10,000 invalid requests in 10
minutes, so nothing here retries in a loop.
When Discord is slow or down, no call holds a thread it need not (fightrise.breaker): at most
DISCORD_MAX_WAITING requests of a process wait on Discord at once, and after repeated
timeouts or 5xx answers every worker fails fast for a while. Both end in DiscordUnavailable.
Docs: discord/discord-api-docs, topics/oauth2 and topics/rate-limits.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import logging
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from requests.adapters import HTTPAdapter

import fightrise
from fightrise.breaker import Breaker, Bulkhead
from fightrise.snowflake import parse_discord_id

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
AUTHORIZE_PATH = "/oauth2/authorize"
TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a path, not a secret
REVOKE_PATH = "/oauth2/token/revoke"
CURRENT_USER_PATH = "/users/@me"
CURRENT_USER_GUILDS_PATH = "/users/@me/guilds"
CURRENT_APPLICATION_PATH = "/applications/@me"
# The most servers a person can be in, and so the one page of /users/@me/guilds we read.
GUILDS_PAGE_LIMIT = 200
# Wait once for a 429 whose retry_after is at most this many seconds; give up on longer.
MAX_RETRY_WAIT = 2.0
# The longest pause a 429 is taken to ask for, whatever it says (it may say "Infinity").
MAX_RETRY_AFTER = 3600.0
# Revocation at logout is best effort and must not hold the person up for long.
REVOKE_TIMEOUT = 3.0
# Reference > User Agent: "DiscordBot ($url, $versionNumber)", then what else we like; a call
# without it may be blocked by Cloudflare (403, code 40333).
USER_AGENT = (
    f"DiscordBot ({fightrise.HOMEPAGE}, {fightrise.__version__}) "
    f"FightRise-web python-requests/{requests.__version__}"
)

# While Discord has the whole application on a global rate limit (its client-authenticated
# calls: code exchange, refresh, revoke), no worker calls those endpoints until this passes.
APP_PAUSE_KEY = "discord:app-paused-until"
# This many timeouts, unreachable connections or 5xx answers within the window (seconds)
# open the breaker: calls fail fast for BREAKER_OPEN_SECONDS, then one trial call goes.
BREAKER_FAILURES = 5
BREAKER_WINDOW = 30
BREAKER_OPEN_SECONDS = 30

_session = requests.Session()
_session.headers["User-Agent"] = USER_AGENT
# One session serves every person: never replay one call's cookies on another's.
_session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
_session.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0))
_session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0))
_executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="discord-api")
_sleep = time.sleep
_breaker = Breaker(
    "discord",
    failures=BREAKER_FAILURES,
    window=BREAKER_WINDOW,
    open_seconds=BREAKER_OPEN_SECONDS,
)
_bulkhead = Bulkhead()


class DiscordError(Exception):
    """Discord refused or failed a call. `error_code` is the /auth/error/ code to show."""

    error_code = "login_failed"

    def __init__(self, message: str, *, status: int | None = None, code: int | str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class DiscordUnavailable(DiscordError):
    """Discord timed out, could not be reached, or answered 5xx."""

    error_code = "discord_unavailable"


class DiscordRateLimited(DiscordError):
    """Discord answered 429 and asked for a longer pause than we are willing to wait."""

    error_code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float, is_global: bool = False):
        super().__init__(message, status=429)
        self.retry_after = retry_after
        self.is_global = is_global


class DiscordUnauthorized(DiscordError):
    """The token was refused (401): expired, revoked, or never valid."""


class InvalidGrant(DiscordError):
    """The token endpoint refused a code or refresh token (`invalid_grant`)."""


class DiscordBadResponse(DiscordError):
    """Discord answered with something that is not the documented shape."""


@dataclass(frozen=True)
class PartialGuild:
    """A server as GET /users/@me/guilds lists it; permissions are the person's, 64-bit."""

    id: int
    name: str
    icon: str | None
    owner: bool
    permissions: int
    features: tuple[str, ...] = ()

    @classmethod
    def from_raw(cls, data: Any) -> PartialGuild:
        try:
            return cls(
                id=_discord_id(data["id"]),
                name=str(data["name"]),
                icon=_hash(data.get("icon")),
                owner=bool(data.get("owner", False)),
                # As of API v8 permissions are a decimal string; never through a float.
                permissions=int(str(data.get("permissions", "0")), 10),
                features=tuple(str(f) for f in data.get("features") or ()),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DiscordBadResponse(f"unexpected guild object: {exc!r}") from None

    def to_json(self) -> dict[str, Any]:
        """The JSON kept in the session; ids and permissions as strings, as Discord sends them."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": self.icon,
            "owner": self.owner,
            "permissions": str(self.permissions),
            "features": list(self.features),
        }


@dataclass(frozen=True)
class DiscordUser:
    """The person behind an access token (GET /users/@me)."""

    id: int
    username: str
    global_name: str | None
    discriminator: str
    avatar: str | None

    @classmethod
    def from_raw(cls, data: Any) -> DiscordUser:
        try:
            return cls(
                id=_discord_id(data["id"]),
                username=str(data["username"]),
                global_name=data.get("global_name") or None,
                # As of 2023-05, migrated users have discriminator "0"; it may also be absent.
                discriminator=str(data.get("discriminator") or "0"),
                avatar=data.get("avatar") or None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DiscordBadResponse(f"unexpected user object: {exc!r}") from None

    @property
    def display_name(self) -> str:
        return self.global_name or self.username


@dataclass(frozen=True)
class Application:
    """The application behind the bot token (GET /applications/@me), as far as we use it."""

    id: int
    name: str
    bot_public: bool
    # "Requires OAuth2 Code Grant": the bot joins a server only when the code is exchanged.
    bot_require_code_grant: bool

    @classmethod
    def from_raw(cls, data: Any) -> Application:
        try:
            return cls(
                id=_discord_id(data["id"]),
                name=str(data["name"]),
                bot_public=bool(data.get("bot_public", False)),
                bot_require_code_grant=bool(data.get("bot_require_code_grant", False)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DiscordBadResponse(f"unexpected application object: {exc!r}") from None


@dataclass(frozen=True)
class TokenGrant:
    """The token endpoint's answer. `guild` is set for a bot authorization with a code grant."""

    access_token: str
    refresh_token: str
    expires_at: datetime
    scope: tuple[str, ...]
    guild_id: int | None = None
    guild_name: str | None = None

    @classmethod
    def from_raw(cls, data: Any) -> TokenGrant:
        try:
            guild = data.get("guild") or None
            return cls(
                access_token=str(data["access_token"]),
                refresh_token=str(data.get("refresh_token") or ""),
                expires_at=timezone.now() + timedelta(seconds=int(data["expires_in"])),
                scope=tuple(str(data.get("scope", "")).split()),
                guild_id=_discord_id(guild["id"]) if guild else None,
                guild_name=str(guild["name"]) if guild else None,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DiscordBadResponse(f"unexpected token response: {exc!r}") from None


def _discord_id(value: Any) -> int:
    """An id from Discord's answer (fightrise.snowflake's rules), or ValueError."""
    number = parse_discord_id(value)
    if number is None:
        raise ValueError(f"not a snowflake: {value!r}")
    return number


def _timeouts(read: float | None = None) -> tuple[float, float]:
    """(connect, read) for requests; the connect timeout never longer than the read one."""
    read = read or settings.DISCORD_TIMEOUT
    return (min(settings.DISCORD_CONNECT_TIMEOUT, read), read)


def call_budget(timeout: float | None = None) -> float:
    """The longest one call to Discord may take, in seconds, for a read timeout of `timeout`
    (DISCORD_TIMEOUT by default): requests applies the connect timeout to the connection and
    the read timeout to the answer, and a short 429 is waited out and tried once more.
    Leases and waits that outlast a call are computed from this; a call refused by the
    bulkhead or the breaker takes no time at all."""
    connect, read = _timeouts(timeout)
    return 2 * (connect + read) + MAX_RETRY_WAIT


@contextlib.contextmanager
def slot() -> Iterator[None]:
    """Count this thread as one request waiting on Discord for the whole block, whatever
    calls it makes inside; DiscordUnavailable at once when DISCORD_MAX_WAITING requests of
    this process already wait."""
    with _bulkhead.enter(settings.DISCORD_MAX_WAITING) as admitted:
        if not admitted:
            raise DiscordUnavailable(
                f"{settings.DISCORD_MAX_WAITING} requests of this process already wait on Discord"
            )
        yield


def in_background() -> contextlib.AbstractContextManager[None]:
    """For calls made by no request (background refreshes, bounded by their own pool): they
    hold none of the threads DISCORD_MAX_WAITING keeps free."""
    return _bulkhead.uncounted()


def _for_the_caller(call: Callable[..., Any], *args: Any) -> Any:
    """Run `call` on an executor thread for a request that holds its slot and waits."""
    with _bulkhead.uncounted():
        return call(*args)


def api_url(path: str) -> str:
    return f"{settings.DISCORD_BASE_URL}{API_PREFIX}{path}"


def authorize_url(params: dict[str, str]) -> str:
    """Discord's consent page with these query parameters (scopes joined by %20)."""
    return f"{settings.DISCORD_BASE_URL}{AUTHORIZE_PATH}?{urlencode(params, quote_via=quote)}"


def client_url(guild_id: int, channel_id: int) -> str:
    """Discord's web client at a server's channel or thread (what its "Copy Link" gives)."""
    return f"{settings.DISCORD_BASE_URL}/channels/{guild_id}/{channel_id}"


def cdn_url(path: str) -> str:
    return f"{settings.DISCORD_CDN_URL}{path}"


def _image_url(folder: str, image_hash: str, *, size: int = 128) -> str:
    # Docs: reference, Image Formatting. Hashes starting with a_ are animated (GIF); sizes
    # are powers of two.
    extension = "gif" if image_hash.startswith("a_") else "png"
    return cdn_url(f"{folder}/{image_hash}.{extension}?size={size}")


def avatar_url(user_id: int | None, avatar_hash: str, discriminator: str) -> str:
    """A person's avatar, else Discord's default avatar for the account: index (id >> 22) % 6
    on the new username system, discriminator % 5 for legacy accounts."""
    if user_id is None:
        return cdn_url("/embed/avatars/0.png")
    if avatar_hash:
        return _image_url(f"/avatars/{user_id}", avatar_hash)
    if discriminator not in ("", "0") and discriminator.isdigit():
        index = int(discriminator) % 5
    else:
        index = (user_id >> 22) % 6
    return cdn_url(f"/embed/avatars/{index}.png")


def guild_icon_url(guild_id: int, icon: str | None) -> str | None:
    """A server's icon, or None when it has none (the page shows its initials)."""
    icon = _hash(icon)
    return _image_url(f"/icons/{guild_id}", icon) if icon else None


def _hash(value: Any) -> str | None:
    """An image hash as Discord sends one (a string, or null for none); anything else is none."""
    return value if isinstance(value, str) and value else None


def _client_auth() -> tuple[str, str]:
    return (settings.DISCORD_CLIENT_ID, settings.DISCORD_CLIENT_SECRET)


def _retry_after(response: requests.Response, payload: Any) -> float:
    """The pause a 429 asks for, in seconds within [0, MAX_RETRY_AFTER]; 1 when unreadable."""
    value = payload.get("retry_after") if isinstance(payload, dict) else None
    if value is None:
        value = response.headers.get("Retry-After", "1")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return 1.0
    if math.isnan(seconds):
        return 1.0
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _request(
    method: str,
    path: str,
    *,
    bearer: str | None = None,
    bot_token: str | None = None,
    form: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Any:
    """One call to the API: JSON in return, or a DiscordError. Never logs a token or body.

    Authenticated as a person (`bearer`), as the bot (`bot_token`), or, for a form to the
    token endpoints, as the application (HTTP Basic)."""
    auth = _client_auth() if form is not None else None
    if auth is not None:
        paused_until = cache.get(APP_PAUSE_KEY)
        if paused_until and paused_until > time.time():
            raise DiscordRateLimited(
                "Discord has paused the application",
                retry_after=paused_until - time.time(),
                is_global=True,
            )
    timeouts = _timeouts(timeout)
    budget = call_budget(timeouts[1])
    with (
        slot(),
        _breaker.attempt(failure=DiscordUnavailable, trial_seconds=budget) as admitted,
    ):
        if not admitted:
            raise DiscordUnavailable("Discord has been failing: calls fail fast for a while")
        return _send(
            method,
            path,
            headers=_authorization(bearer=bearer, bot_token=bot_token),
            form=form,
            params=params,
            auth=auth,
            timeouts=timeouts,
        )


def _authorization(*, bearer: str | None, bot_token: str | None) -> dict[str, str]:
    if bearer:
        return {"Authorization": f"Bearer {bearer}"}
    return {"Authorization": f"Bot {bot_token}"} if bot_token else {}


def _send(
    method: str,
    path: str,
    *,
    headers: dict[str, str],
    form: dict[str, str] | None,
    params: dict[str, str] | None,
    auth: tuple[str, str] | None,
    timeouts: tuple[float, float],
) -> Any:
    """The HTTP exchange of _request, with its one wait for a short 429."""
    for attempt in (1, 2):
        try:
            response = _session.request(
                method,
                api_url(path),
                headers=headers,
                data=form,
                params=params,
                auth=auth,
                timeout=timeouts,
            )
        except requests.Timeout:
            logger.warning(
                "Discord %s %s timed out (connect %ss, read %ss)", method, path, *timeouts
            )
            raise DiscordUnavailable("Discord timed out") from None
        except requests.RequestException as exc:
            logger.warning("Discord %s %s failed: %s", method, path, type(exc).__name__)
            raise DiscordUnavailable("Discord could not be reached") from None

        payload = _json(response)
        status = response.status_code
        if status == 429:
            retry_after = _retry_after(response, payload)
            is_global = bool(isinstance(payload, dict) and payload.get("global"))
            logger.warning(
                "Discord %s %s rate limited: retry_after=%.3fs global=%s attempt=%d",
                method,
                path,
                retry_after,
                is_global,
                attempt,
            )
            if attempt == 1 and retry_after <= MAX_RETRY_WAIT:
                _sleep(retry_after)
                continue
            if is_global and auth is not None:
                cache.set(APP_PAUSE_KEY, time.time() + retry_after, int(retry_after) + 1)
            raise DiscordRateLimited(
                "Discord asked us to slow down", retry_after=retry_after, is_global=is_global
            )
        if status >= 500:
            logger.warning("Discord %s %s answered %d", method, path, status)
            raise DiscordUnavailable(f"Discord answered {status}", status=status)
        if status >= 400:
            raise _client_error(method, path, status, payload)
        if payload is None:
            logger.warning("Discord %s %s answered %d without JSON", method, path, status)
            raise DiscordBadResponse("Discord answered without JSON", status=status)
        return payload
    raise AssertionError("unreachable")  # pragma: no cover


def _client_error(method: str, path: str, status: int, payload: Any) -> DiscordError:
    # OAuth errors carry "error" (RFC 6749); REST errors carry a numeric "code".
    code = None
    if isinstance(payload, dict):
        code = payload.get("error") if "error" in payload else payload.get("code")
    logger.warning("Discord %s %s answered %d (code %s)", method, path, status, code)
    if code == "invalid_grant":
        return InvalidGrant("Discord refused the grant", status=status, code=code)
    if status == 401:
        return DiscordUnauthorized("Discord refused the token", status=status, code=code)
    return DiscordError(f"Discord answered {status}", status=status, code=code)


def exchange_code(code: str, *, redirect_uri: str, code_verifier: str | None = None) -> TokenGrant:
    """Trade an authorization code for tokens (form-encoded, client auth by HTTP Basic)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if code_verifier:
        form["code_verifier"] = code_verifier
    return TokenGrant.from_raw(_request("POST", TOKEN_PATH, form=form))


def refresh_grant(refresh_token: str) -> TokenGrant:
    """New tokens for a refresh token. Discord rotates the refresh token: keep the new one."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return TokenGrant.from_raw(_request("POST", TOKEN_PATH, form=form))


def revoke_token(token: str, *, token_type_hint: str) -> None:
    """Revoke the whole authorization the token belongs to, waiting REVOKE_TIMEOUT at most."""
    form = {"token": token, "token_type_hint": token_type_hint}
    _request("POST", REVOKE_PATH, form=form, timeout=REVOKE_TIMEOUT)


def get_current_application(bot_token: str) -> Application:
    """The bot's application, with its portal switches (needs the bot token)."""
    return Application.from_raw(_request("GET", CURRENT_APPLICATION_PATH, bot_token=bot_token))


def get_current_user(access_token: str) -> DiscordUser:
    return DiscordUser.from_raw(_request("GET", CURRENT_USER_PATH, bearer=access_token))


def get_current_user_guilds(access_token: str) -> list[PartialGuild]:
    """Every server the person is in, in one call.

    Docs (resources/user, Get Current User Guilds, as of 2026-02): 200 is both the default
    page and the most servers a person can join, so "pagination is not needed".
    """
    params = {"limit": str(GUILDS_PAGE_LIMIT)}
    page = _request("GET", CURRENT_USER_GUILDS_PATH, bearer=access_token, params=params)
    if not isinstance(page, list):
        raise DiscordBadResponse("guild list is not a list")
    return [PartialGuild.from_raw(item) for item in page]


def get_user_and_guilds(access_token: str) -> tuple[DiscordUser, list[PartialGuild]]:
    """/users/@me and /users/@me/guilds at the same time: one round trip instead of two, and
    one request waiting (one slot), not two."""
    with slot():
        guilds = _executor.submit(_for_the_caller, get_current_user_guilds, access_token)
        try:
            user = get_current_user(access_token)
        finally:
            # Wait for the other call either way, so that none outlives the request.
            guild_list = guilds.result()
    return user, guild_list
