"""Run discordsim from tests and benchmarks, and drive its control API (standard library only)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from discordsim import sample

# Reference > User Agent: discordsim refuses /api/ calls that do not name their client as
# "DiscordBot ($url, $versionNumber)", so these helpers, and the tests and benchmarks that call
# its API with plain HTTP, send this.
USER_AGENT = "DiscordBot (https://github.com/fightrise/fightrise-web, 1.0) discordsim-testing"


class SimError(Exception):
    """The simulator answered a control call with an error status."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"discordsim answered {status}: {body}")
        self.status = status
        self.body = body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class SimClient:
    """Thin wrappers over /_sim/ (and the consent form) for one running simulator."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _send(
        self,
        method: str,
        url: str,
        data: bytes | None,
        headers: dict[str, str],
        opener: urllib.request.OpenerDirector | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        if not url.startswith(self.url):
            raise ValueError(f"{url} is not on the simulator")
        # Only ever the simulator's own loopback http:// URL (checked above).
        headers = {"User-Agent": USER_AGENT, **headers}
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
        open_url = opener.open if opener is not None else urllib.request.urlopen
        try:
            with open_url(request, timeout=self.timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def call(
        self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None
    ) -> Any:
        """One control API call; raises SimError for a 4xx or 5xx answer."""
        url = self.url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        status, _, raw = self._send(method, url, data, headers)
        parsed = json.loads(raw) if raw else None
        if status >= 400:
            raise SimError(status, parsed)
        return parsed

    def as_bot(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """A REST call as the sample bot would make it (its token, a bot's User-Agent), such
        as a post in a channel: `as_bot("POST", "/channels/1/messages", {"content": "hi"})`."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bot {sample.BOT_TOKEN}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        status, _, raw = self._send(method, f"{self.url}/api/v10{path}", data, headers)
        return status, json.loads(raw) if raw else None

    # Scenario and logs ------------------------------------------------------------------------

    def load_scenario(self, scenario: dict[str, Any]) -> None:
        """Replace the whole world (and drop gateway sessions) with this scenario."""
        self.call("POST", "/_sim/scenario", scenario)

    def scenario(self) -> dict[str, Any]:
        return self.call("GET", "/_sim/scenario")

    def reset(self) -> None:
        """The sample scenario again, with no logs, faults, latency, tokens, codes or sessions."""
        self.call("POST", "/_sim/reset", {})

    def set_latency(self, path: str, ms: float, method: str | None = None) -> None:
        """Delay matching /api/ and /oauth2/ requests by ms (0 removes the rule); path may be *."""
        self.call("POST", "/_sim/latency", {"path": path, "ms": ms, "method": method})

    def add_fault(
        self,
        path: str,
        status: int | None = None,
        count: int = 1,
        retry_after: float | None = None,
        is_global: bool = False,
        timeout: float | None = None,
        method: str | None = None,
        scope: str = "user",
    ) -> None:
        """Answer the next `count` matching requests with `status`, or hold them `timeout` s.
        A 429 says X-RateLimit-Scope `scope` ("user" or "shared"), or global with is_global."""
        body: dict[str, Any] = {
            "path": path,
            "count": count,
            "method": method,
            "global": is_global,
            "scope": scope,
        }
        if status is not None:
            body["status"] = status
        if retry_after is not None:
            body["retry_after"] = retry_after
        if timeout is not None:
            body["timeout"] = timeout
        self.call("POST", "/_sim/faults", body)

    def clear_faults(self) -> None:
        self.call("DELETE", "/_sim/faults")

    def requests(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        """Logged requests, oldest first; path may be exact or a glob like /api/v10/users/*."""
        return self.call("GET", "/_sim/requests", query={"path": path, "method": method})[
            "requests"
        ]

    def commands(self, guild_id: str | None = None) -> list[dict[str, Any]]:
        """The application commands the bot synced for a server (global ones without it), as
        Discord stores them, with their name and description localizations."""
        return self.call("GET", "/_sim/commands", query={"guild_id": guild_id})["commands"]

    def issued_secrets(self) -> list[str]:
        """Every authorization code, token and interaction token handed out since start."""
        return self.call("GET", "/_sim/secrets")["secrets"]

    def clear_requests(self) -> None:
        self.call("DELETE", "/_sim/requests")

    # Rate limits ----------------------------------------------------------------------------------

    def rate_limits(self) -> dict[str, Any]:
        """Since the last clear: {"limits": {family: {"limit", "window", "routes", "why"}},
        "requests", "limited" (429s the limits served), "fault_429s", "buckets": [{"family",
        "bucket", "major", "requests", "limited", "limit", "window", "bound"}], "bound"}, where
        "bound" is the least wall time the admitted requests needed under these limits."""
        return self.call("GET", "/_sim/ratelimits")

    def set_rate_limit(self, family: str, limit: int, window: float) -> None:
        """Change a route family's limit: `limit` requests per `window` seconds."""
        self.call("PATCH", "/_sim/ratelimits", {family: {"limit": limit, "window": window}})

    def clear_rate_limits(self) -> None:
        """Zero the rate-limit counts and start every bucket afresh (before a measurement)."""
        self.call("DELETE", "/_sim/ratelimits")

    def rate_limit_bound(self, requests: list[tuple[str, str]]) -> float:
        """The least wall time a planned sequence of (method, path) needs, in seconds."""
        body = {"requests": [list(item) for item in requests]}
        return self.call("POST", "/_sim/ratelimits/bound", body)["bound"]

    def advance_clock(self, seconds: float) -> None:
        """Move the simulator's clock on: codes, tokens and interaction tokens expire by it, and
        threads idle past their auto_archive_duration archive."""
        self.call("POST", "/_sim/clock", {"seconds": seconds})

    # Gateway and servers ----------------------------------------------------------------------

    def dispatch(self, event: str, data: Any, shard_id: int | None = None) -> int:
        """Send any dispatch event; returns how many sessions got it."""
        body = {"t": event, "d": data}
        if shard_id is not None:
            body["shard_id"] = shard_id
        return self.call("POST", "/_sim/gateway/dispatch", body)["delivered"]

    def gateway_sessions(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sim/gateway")["sessions"]

    def reconnect_gateway(self) -> int:
        return self.call("POST", "/_sim/gateway/reconnect", {})["reconnecting"]

    def add_bot(self, guild_id: str, permissions_value: int | None = None) -> dict[str, Any]:
        body = {} if permissions_value is None else {"permissions": str(permissions_value)}
        return self.call("POST", f"/_sim/guilds/{guild_id}/bot", body)

    def bot_membership(self, guild_id: str) -> dict[str, Any]:
        """Whether the bot is in the server: present, joined_at, permissions, and every join of
        this run as {"at", "via": "authorize" | "code_exchange" | "control"}."""
        return self.call("GET", f"/_sim/guilds/{guild_id}/bot")

    def remove_bot(self, guild_id: str) -> dict[str, Any]:
        return self.call("DELETE", f"/_sim/guilds/{guild_id}/bot")

    def outage(self, guild_id: str) -> dict[str, Any]:
        return self.call("POST", f"/_sim/guilds/{guild_id}/outage", {})

    def recover(self, guild_id: str) -> dict[str, Any]:
        return self.call("POST", f"/_sim/guilds/{guild_id}/recover", {})

    def update_guild(self, guild_id: str, **fields: Any) -> dict[str, Any]:
        return self.call("PATCH", f"/_sim/guilds/{guild_id}", fields)

    # Channels -----------------------------------------------------------------------------------

    def channel(self, channel_id: str) -> dict[str, Any]:
        """A channel or thread: {"channel", "bot_permissions", "people": [{"user_id",
        "permissions"}], "message_count"}; permissions as Discord computes them there."""
        return self.call("GET", f"/_sim/channels/{channel_id}")

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        """The messages in a channel or thread, oldest first, as Discord stores them."""
        return self.call("GET", f"/_sim/channels/{channel_id}/messages")["messages"]

    def threads(self, guild_id: str) -> list[dict[str, Any]]:
        """Every thread of a server (archived too): thread channel objects with `member_ids`."""
        return self.call("GET", f"/_sim/guilds/{guild_id}/threads")["threads"]

    def thread_members(self, thread_id: str) -> list[str]:
        """The user ids in a thread, in the order they joined."""
        return self.channel(thread_id)["member_ids"]

    def update_channel(self, channel_id: str, **fields: Any) -> dict[str, Any]:
        """Change a declared channel: name, topic, permission_overwrites, or bot_denied (a list
        of permission names the bot loses there; [] gives them back). CHANNEL_UPDATE follows."""
        return self.call("PATCH", f"/_sim/channels/{channel_id}", fields)

    def deny_bot(self, channel_id: str, *names: str) -> dict[str, Any]:
        """Take these permissions from the bot in one channel: deny_bot(id, "SEND_MESSAGES")."""
        return self.update_channel(channel_id, bot_denied=list(names))

    def create_channel(self, guild_id: str, name: str, **fields: Any) -> dict[str, Any]:
        """A new channel (CHANNEL_CREATE); returns its channel object."""
        return self.call("POST", f"/_sim/guilds/{guild_id}/channels", {"name": name, **fields})

    def delete_channel(self, channel_id: str) -> dict[str, Any]:
        """Delete a channel (CHANNEL_DELETE, with its threads and messages) or a thread."""
        return self.call("DELETE", f"/_sim/channels/{channel_id}")

    def update_application(self, **switches: bool) -> dict[str, bool]:
        """Flip the app's bot_public and bot_require_code_grant, as in the Developer Portal."""
        return self.call("PATCH", "/_sim/application", switches)

    def set_redirect_uris(self, redirect_uris: list[str]) -> None:
        self.call("POST", "/_sim/redirect_uris", {"redirect_uris": redirect_uris})

    # Interactions -----------------------------------------------------------------------------

    def interact(
        self,
        guild_id: str,
        channel_id: str,
        user_id: str,
        name: str,
        subcommand: str | None = None,
        options: dict[str, Any] | None = None,
        *,
        subcommand_group: str | None = None,
        locale: str = "en-US",
    ) -> dict[str, str]:
        """A person runs /name [subcommand] with options; returns {"id", "token"}."""
        body = {
            "guild_id": guild_id,
            "channel_id": channel_id,
            "user_id": user_id,
            "name": name,
            "subcommand": subcommand,
            "subcommand_group": subcommand_group,
            "options": options or {},
            "locale": locale,
        }
        return self.call("POST", "/_sim/interactions", body)

    def press(
        self,
        message_id: str,
        custom_id: str,
        user_id: str,
        values: list[Any] | None = None,
        *,
        locale: str = "en-US",
    ) -> dict[str, str]:
        """A person presses a button (or picks `values` in a select) on a message; the bot gets
        the MESSAGE_COMPONENT interaction. Returns {"id", "token"}."""
        body: dict[str, Any] = {"user_id": user_id, "locale": locale}
        if values is not None:
            body["values"] = values
        path = f"/_sim/messages/{message_id}/components/{urllib.parse.quote(custom_id, safe='')}"
        return self.call("POST", path, body)

    def submit_modal(
        self, interaction_id: str, values: dict[str, Any], user_id: str | None = None
    ) -> dict[str, str]:
        """Submit the modal the bot opened in answer to `interaction_id`, a value per input's
        custom_id; the bot gets the MODAL_SUBMIT interaction. Returns {"id", "token"}."""
        body: dict[str, Any] = {"values": values}
        if user_id is not None:
            body["user_id"] = user_id
        return self.call("POST", f"/_sim/interactions/{interaction_id}/modal", body)

    def ephemeral_replies(
        self, user_id: str, channel_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The ephemeral messages this person got, newest first: [{"interaction_id",
        "channel_id", "message"}]."""
        query = {"channel_id": channel_id}
        return self.call("GET", f"/_sim/users/{user_id}/ephemeral", query=query)["replies"]

    def interaction_response(self, interaction_id: str) -> dict[str, Any]:
        """What the bot answered: callback, original message, followups, every response call."""
        return self.call("GET", f"/_sim/interactions/{interaction_id}")

    def wait_for_response(self, interaction_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """Poll until the interaction is acknowledged (or raise TimeoutError)."""
        deadline = time.monotonic() + timeout
        while True:
            record = self.interaction_response(interaction_id)
            if record["acknowledged"]:
                return record
            if time.monotonic() > deadline:
                raise TimeoutError(f"interaction {interaction_id} was not answered")
            time.sleep(0.02)

    # OAuth2 without a browser -------------------------------------------------------------------

    def authorize(
        self,
        client_id: str,
        redirect_uri: str | None,
        scope: str,
        state: str | None,
        user_id: str,
        code_challenge: str | None = None,
        guild_id: str | None = None,
        permissions: int | None = None,
        deny: bool = False,
        *,
        response_type: str | None = "code",
        code_challenge_method: str = "S256",
        granted_permissions: int | None = None,
        disable_guild_select: bool = False,
    ) -> str:
        """Press Authorize (or Cancel, with deny) on the consent screen as user_id.

        For the bot scope, guild_id is the server chosen and permissions the value the link asks
        for; every asked-for permission stays checked unless granted_permissions says otherwise.
        Returns the Location the browser would be sent to; raises SimError when the screen
        answers with a page instead of a redirect.
        """
        form: list[tuple[str, str]] = [
            ("client_id", client_id),
            ("scope", scope),
            ("user_id", user_id),
        ]
        optional = {
            "redirect_uri": redirect_uri,
            "response_type": response_type,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": code_challenge_method if code_challenge else None,
            "guild_id": guild_id,
            "permissions": str(permissions) if permissions is not None else None,
            "disable_guild_select": "true" if disable_guild_select else None,
        }
        form += [(key, value) for key, value in optional.items() if value is not None]
        if guild_id is not None:
            form.append(("guild", guild_id))
        granted = permissions if granted_permissions is None else granted_permissions
        for flag in _bits(granted or 0):
            form.append(("permission", str(flag)))
        form.append(("action", "cancel" if deny else "authorize"))
        status, headers, body = self._send(
            "POST",
            self.url + "/oauth2/authorize",
            urllib.parse.urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
            urllib.request.build_opener(_NoRedirect),
        )
        location = headers.get("Location")
        if status not in (302, 303) or location is None:
            raise SimError(status, body.decode(errors="replace"))
        return location


def _bits(value: int) -> list[int]:
    return [1 << bit for bit in range(64) if value >> bit & 1]


@contextmanager
def running_sim(port: int = 0, scenario: dict[str, Any] | None = None) -> Iterator[SimClient]:
    """Start discordsim on 127.0.0.1 in a daemon thread; yields a SimClient; stops on exit."""
    from discordsim.server import SimServer

    server = SimServer(port=port, scenario=scenario)
    url = server.start_in_thread()
    try:
        yield SimClient(url)
    finally:
        server.stop_thread()
