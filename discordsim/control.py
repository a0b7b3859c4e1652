"""The control API under /_sim/: load scenarios, inject latency and faults, drive the gateway."""

from __future__ import annotations

import fnmatch
from typing import Any

from aiohttp import web

from discordsim import (
    access,
    channels,
    events,
    interactions,
    messages,
    payloads,
    permissions,
    ratelimits,
    sample,
    snowflake,
)
from discordsim.common import HUB, STATE, json_response, read_json
from discordsim.state import HASH_RE, ScenarioError, Thread, parse_rate_limits

FAULT_STATUSES = {429} | set(range(500, 600))
GUILD_FIELDS = {
    "name",
    "icon",
    "banner",
    "description",
    "owner_id",
    "features",
    "member_count",
    "preferred_locale",
    "channels",
}


APPLICATION_SWITCHES = {"bot_public", "bot_require_code_grant"}
THREAD_FIELDS = {"name", "archived", "locked"}
CHANNEL_FIELDS = {
    "name",
    "type",
    "topic",
    "nsfw",
    "position",
    "permission_overwrites",
    "bot_denied",
}


def problem(status: int, message: str) -> web.Response:
    return json_response({"error": message}, status)


def matches(pattern: str, path: str) -> bool:
    """A path pattern: "*" for all, an exact path, or a glob such as /api/v10/users/*."""
    return pattern == "*" or pattern == path or fnmatch.fnmatchcase(path, pattern)


async def _object(request: web.Request) -> dict[str, Any] | None:
    body = await read_json(request)
    return body if isinstance(body, dict) else None


async def load_scenario(request: web.Request) -> web.Response:
    body = await read_json(request)
    try:
        request.app[STATE].load(body)
    except ScenarioError as error:
        return problem(400, str(error))
    request.app[HUB].close_all()
    return json_response({"ok": True})


async def get_scenario(request: web.Request) -> web.Response:
    return json_response(request.app[STATE].to_scenario())


async def reset(request: web.Request) -> web.Response:
    request.app[STATE].load(sample.sample_scenario())
    request.app[HUB].close_all()
    return json_response({"ok": True})


async def set_latency(request: web.Request) -> web.Response:
    body = await _object(request)
    if (
        body is None
        or not isinstance(body.get("path"), str)
        or not isinstance(body.get("ms"), int | float)
    ):
        return problem(400, 'send {"path": "/api/v10/..." or "*", "ms": 100, "method"?: "GET"}')
    state = request.app[STATE]
    method = body.get("method")
    state.latency = [
        rule for rule in state.latency if (rule["path"], rule["method"]) != (body["path"], method)
    ]
    if body["ms"] > 0:
        state.latency.append({"path": body["path"], "method": method, "ms": body["ms"]})
    return json_response({"latency": state.latency})


async def get_latency(request: web.Request) -> web.Response:
    return json_response({"latency": request.app[STATE].latency})


async def add_fault(request: web.Request) -> web.Response:
    body = await _object(request)
    if body is None or not isinstance(body.get("path"), str):
        return problem(400, 'send {"path", "count", "status"} or {"path", "count", "timeout"}')
    count = body.get("count", 1)
    if not isinstance(count, int) or count < 1:
        return problem(400, "count must be a positive integer")
    timeout = body.get("timeout")
    status = body.get("status")
    if timeout is not None:
        if status is not None or not isinstance(timeout, int | float) or timeout <= 0:
            return problem(400, "a timeout fault takes a positive timeout and no status")
    elif status not in FAULT_STATUSES:
        return problem(400, "status must be 429 or a 5xx code")
    retry_after = body.get("retry_after", 1.0)
    if not isinstance(retry_after, int | float) or retry_after < 0:
        return problem(400, "retry_after must be a non-negative number of seconds")
    scope = body.get("scope", "user")
    if scope not in ("user", "shared"):
        return problem(400, 'scope must be "user" or "shared" (send "global": true for global)')
    fault = {
        "path": body["path"],
        "method": body.get("method"),
        "count": count,
        "status": status,
        "timeout": timeout,
        "retry_after": float(retry_after),
        "global": bool(body.get("global", False)),
        "scope": scope,
    }
    request.app[STATE].faults.append(fault)
    return json_response({"faults": request.app[STATE].faults})


async def get_faults(request: web.Request) -> web.Response:
    return json_response({"faults": request.app[STATE].faults})


async def clear_faults(request: web.Request) -> web.Response:
    request.app[STATE].faults = []
    return json_response({"faults": []})


async def get_requests(request: web.Request) -> web.Response:
    pattern = request.query.get("path")
    method = request.query.get("method")
    entries = [
        entry
        for entry in request.app[STATE].request_log
        if (pattern is None or matches(pattern, entry["path"]))
        and (method is None or entry["method"] == method.upper())
    ]
    return json_response({"requests": entries})


async def synced_commands(request: web.Request) -> web.Response:
    """The application commands the bot synced, as stored (with their localizations): the
    server's with ?guild_id=, else the global ones."""
    guild_id = request.query.get("guild_id") or None
    commands = request.app[STATE].commands.get(guild_id, {})
    return json_response({"commands": list(commands.values())})


async def issued_secrets(request: web.Request) -> web.Response:
    """Every code and token handed out since start, for tests that scan logs for leaks."""
    return json_response({"secrets": list(request.app[STATE].issued_secrets)})


async def clear_requests(request: web.Request) -> web.Response:
    request.app[STATE].request_log.clear()
    return json_response({"requests": []})


async def dispatch(request: web.Request) -> web.Response:
    body = await _object(request)
    if body is None or not isinstance(body.get("t"), str) or "d" not in body:
        return problem(400, 'send {"t": "EVENT_NAME", "d": {...}, "shard_id"?: 0}')
    shard_id = body.get("shard_id")
    if shard_id is not None and not isinstance(shard_id, int):
        return problem(400, "shard_id must be an integer")
    data = body["d"]
    guild_id = None
    if isinstance(data, dict):
        guild_id = data.get("guild_id") or (
            data.get("id") if body["t"].startswith("GUILD_") else None
        )
    delivered = request.app[HUB].dispatch(body["t"], data, guild_id=guild_id, shard_id=shard_id)
    return json_response({"delivered": delivered})


async def gateway_sessions(request: web.Request) -> web.Response:
    return json_response({"sessions": [c.as_json() for c in request.app[HUB].connections]})


async def reconnect(request: web.Request) -> web.Response:
    return json_response({"reconnecting": request.app[HUB].reconnect_all()})


def _guild(request: web.Request) -> Any:
    return request.app[STATE].guilds.get(request.match_info["guild_id"])


async def add_bot(request: web.Request) -> web.Response:
    guild = _guild(request)
    if guild is None:
        return problem(404, "no such server")
    body = await _object(request) or {}
    value = body.get("permissions")
    if value is not None and (not isinstance(value, str) or not value.isdigit()):
        return problem(400, "permissions must be a decimal string")
    added = request.app[STATE].add_bot(
        guild.id, int(value) if value is not None else None, via="control"
    )
    delivered = request.app[HUB].bot_added(guild) if added else 0
    return json_response({"added": added, "delivered": delivered})


async def bot_membership(request: web.Request) -> web.Response:
    guild = _guild(request)
    if guild is None:
        return problem(404, "no such server")
    return json_response(request.app[STATE].bot_membership(guild))


async def remove_bot(request: web.Request) -> web.Response:
    guild = _guild(request)
    if guild is None:
        return problem(404, "no such server")
    removed = request.app[STATE].remove_bot(guild.id)
    delivered = request.app[HUB].bot_removed(guild.id) if removed else 0
    return json_response({"removed": removed, "delivered": delivered})


def _set_available(request: web.Request, *, available: bool) -> web.Response:
    """An outage (GUILD_DELETE unavailable) or its end (GUILD_CREATE) for one server."""
    guild = _guild(request)
    if guild is None:
        return problem(404, "no such server")
    if not guild.bot_present:
        return problem(409, "the bot is not in this server")
    guild.unavailable = not available
    hub = request.app[HUB]
    return json_response({"delivered": hub.recovered(guild) if available else hub.outage(guild.id)})


async def outage(request: web.Request) -> web.Response:
    return _set_available(request, available=False)


async def recover(request: web.Request) -> web.Response:
    return _set_available(request, available=True)


async def update_guild(request: web.Request) -> web.Response:
    state = request.app[STATE]
    guild = _guild(request)
    if guild is None:
        return problem(404, "no such server")
    body = await _object(request)
    if body is None or not body or set(body) - GUILD_FIELDS:
        return problem(400, f"send some of: {', '.join(sorted(GUILD_FIELDS))}")
    for key in ("icon", "banner"):
        if key in body and body[key] is not None and not HASH_RE.match(str(body[key])):
            return problem(400, f"{key} must be null or an image hash")
    if "owner_id" in body and not snowflake.is_valid(body["owner_id"]):
        return problem(400, "owner_id must be a snowflake")
    if "channels" in body:
        try:
            body["channels"] = state.parse_channels(guild, body["channels"], "channels")
        except ScenarioError as error:
            return problem(400, str(error))
    for key, value in body.items():
        setattr(guild, key, value)
    state.index_channels()
    if "owner_id" in body and body["owner_id"] in state.users:
        state.members[guild.id][body["owner_id"]] = permissions.ALL
    delivered = request.app[HUB].guild_updated(guild) if guild.bot_present else 0
    return json_response({"delivered": delivered})


def _declared_channel(request: web.Request) -> tuple[Any, Any] | web.Response:
    found = request.app[STATE].find_channel(request.match_info["channel_id"])
    if found is None:
        return problem(404, "no such channel")
    return found


async def get_channel(request: web.Request) -> web.Response:
    """A channel or thread, what the bot and each member may do there, and its message count."""
    state = request.app[STATE]
    found = _declared_channel(request)
    if isinstance(found, web.Response):
        return found
    guild, channel = found
    people = [
        {
            "user_id": user_id,
            "permissions": str(access.permissions_in(state, guild, channel, user_id)),
        }
        for user_id in state.members[guild.id]
    ]
    extra = {"member_ids": list(channel.members)} if isinstance(channel, Thread) else {}
    return json_response(
        {
            **extra,
            "channel": channels.channel_payload(state, guild, channel),
            "bot_permissions": str(access.bot_permissions_in(state, guild, channel)),
            "people": people,
            "message_count": len(state.channel_messages(request.match_info["channel_id"])),
        }
    )


def _thread_row(thread: Thread) -> dict[str, Any]:
    return {**payloads.thread_object(thread), "member_ids": list(thread.members)}


async def guild_threads(request: web.Request) -> web.Response:
    """Every thread of a server, archived ones too, each with `member_ids`."""
    state = request.app[STATE]
    guild = _guild(request)
    if guild is None:
        return problem(404, "no such server")
    events.sweep(state, request.app[HUB])
    return json_response({"threads": [_thread_row(t) for t in state.guild_threads(guild.id)]})


async def channel_messages(request: web.Request) -> web.Response:
    """Every message stored in a channel or thread, oldest first (ephemeral ones are not)."""
    state = request.app[STATE]
    found = _declared_channel(request)
    if isinstance(found, web.Response):
        return found
    stored = state.channel_messages(request.match_info["channel_id"]).values()
    return json_response({"messages": sorted(stored, key=lambda m: int(m["id"]))})


def _sync_threads(request: web.Request, guild: Any, channel: dict[str, Any]) -> None:
    """Events > Gateway Events > Thread List Sync: the bot has just gained access to a channel."""
    state = request.app[STATE]
    threads = [
        thread
        for thread in state.guild_threads(guild.id)
        if thread.parent_id == channel["id"] and not thread.archived
    ]
    request.app[HUB].guild_event(
        "THREAD_LIST_SYNC",
        {
            "guild_id": guild.id,
            "channel_ids": [channel["id"]],
            "threads": [payloads.thread_object(thread) for thread in threads],
            "members": [
                payloads.thread_member(thread, state.bot.id)
                for thread in threads
                if state.bot.id in thread.members
            ],
        },
        guild.id,
    )


async def update_channel(request: web.Request) -> web.Response:
    """Change a declared channel (name, topic, overwrites, the bot_denied shorthand):
    CHANNEL_UPDATE, and THREAD_LIST_SYNC when the bot can now see it and could not before."""
    state = request.app[STATE]
    found = _declared_channel(request)
    if isinstance(found, web.Response):
        return found
    guild, channel = found
    body = await _object(request)
    if isinstance(channel, Thread):
        return _update_thread(request, guild, channel, body)
    if not body or set(body) - CHANNEL_FIELDS:
        return problem(400, f"send some of: {', '.join(sorted(CHANNEL_FIELDS))}")
    before = access.can_view(state, guild, channel, state.bot.id)
    try:
        changed = state.parse_channels(guild, [{**channel, **body}], "channel")[0]
    except ScenarioError as error:
        return problem(400, str(error))
    channel.clear()
    channel.update(changed)
    hub = request.app[HUB]
    delivered = hub.guild_event("CHANNEL_UPDATE", payloads.channel_object(guild, channel), guild.id)
    if not before and access.can_view(state, guild, channel, state.bot.id):
        _sync_threads(request, guild, channel)
    return json_response({"delivered": delivered})


def _update_thread(request: web.Request, guild: Any, thread: Thread, body: Any) -> web.Response:
    """What a moderator does to a thread: rename, archive or unarchive, lock or unlock it
    (THREAD_UPDATE)."""
    if (
        not body
        or set(body) - THREAD_FIELDS
        or not all(isinstance(body[key], bool) for key in ("archived", "locked") if key in body)
        or not isinstance(body.get("name", "x"), str)
        or not body.get("name", "x")
    ):
        return problem(400, 'send some of {"name": "...", "archived": bool, "locked": bool}')
    state = request.app[STATE]
    now = state.now()
    if "name" in body:
        thread.name = body["name"]
    if "locked" in body:
        thread.locked = body["locked"]
    if "archived" in body and body["archived"] != thread.archived:
        thread.archived = body["archived"]
        thread.archive_timestamp = now
        if not thread.archived:
            thread.last_activity = now
    events.thread_updated(state, request.app[HUB], guild, thread)
    return json_response(_thread_row(thread))


async def create_channel(request: web.Request) -> web.Response:
    """A new channel in a server (CHANNEL_CREATE); the body is a scenario channel, id optional."""
    state = request.app[STATE]
    guild = _guild(request)
    if guild is None:
        return problem(404, "no such server")
    body = await _object(request)
    if body is None or set(body) - CHANNEL_FIELDS - {"id"}:
        return problem(400, f"send name and some of: {', '.join(sorted(CHANNEL_FIELDS))}")
    body.setdefault("id", state.ids.next())
    body.setdefault("position", len(guild.channels))
    if state.find_channel(str(body["id"])) is not None:
        return problem(409, "a channel with this id exists")
    try:
        channel = state.parse_channels(guild, [body], "channel")[0]
    except ScenarioError as error:
        return problem(400, str(error))
    guild.channels.append(channel)
    state.index_channels()
    data = payloads.channel_object(guild, channel)
    request.app[HUB].guild_event("CHANNEL_CREATE", data, guild.id)
    return json_response(data)


async def delete_channel(request: web.Request) -> web.Response:
    """Delete a channel (CHANNEL_DELETE; its threads and messages go too) or a thread
    (THREAD_DELETE)."""
    state = request.app[STATE]
    found = _declared_channel(request)
    if isinstance(found, web.Response):
        return found
    guild, channel = found
    events.delete_channel(state, request.app[HUB], guild, channel)
    return json_response({"deleted": request.match_info["channel_id"]})


async def update_application(request: web.Request) -> web.Response:
    """The portal's switches: Public Bot and Requires OAuth2 Code Grant."""
    body = await _object(request)
    if (
        not body
        or set(body) - APPLICATION_SWITCHES
        or not all(isinstance(value, bool) for value in body.values())
    ):
        return problem(400, f"send some of {', '.join(sorted(APPLICATION_SWITCHES))}: true/false")
    application = request.app[STATE].application
    for key, value in body.items():
        setattr(application, key, value)
    return json_response({key: getattr(application, key) for key in sorted(APPLICATION_SWITCHES)})


async def set_redirect_uris(request: web.Request) -> web.Response:
    body = await _object(request)
    uris = body.get("redirect_uris") if body else None
    if not isinstance(uris, list) or not all(isinstance(uri, str) for uri in uris):
        return problem(400, 'send {"redirect_uris": ["http://..."]}')
    request.app[STATE].application.redirect_uris = list(uris)
    return json_response({"redirect_uris": uris})


async def _interact(request: web.Request, build: Any, *args: Any, **kwargs: Any) -> web.Response:
    """Build an interaction and send it to the bot: {"id", "token"}, or the reason it cannot."""
    state = request.app[STATE]
    try:
        record = interactions.deliver(state, request.app[HUB], build(state, *args, **kwargs))
    except interactions.InteractionError as error:
        return problem(error.status, str(error))
    return json_response({"id": record.id, "token": record.token})


async def create_interaction(request: web.Request) -> web.Response:
    """A person runs a slash command in a channel or thread."""
    body = await _object(request)
    if body is None:
        return problem(400, 'send {"guild_id", "channel_id", "user_id", "name", ...}')
    options = body.get("options") or {}
    if not isinstance(options, dict):
        return problem(400, "options must be an object")
    return await _interact(
        request,
        interactions.build,
        guild_id=str(body.get("guild_id")),
        channel_id=str(body.get("channel_id")),
        user_id=str(body.get("user_id")),
        name=str(body.get("name")),
        subcommand=body.get("subcommand"),
        subcommand_group=body.get("subcommand_group"),
        options=options,
        locale=str(body.get("locale", "en-US")),
    )


async def use_component(request: web.Request) -> web.Response:
    """A person presses a button (or chooses in a select: "values") on a message."""
    body = await _object(request)
    if body is None or not isinstance(body.get("user_id"), str):
        return problem(400, 'send {"user_id", "values"?: [...], "locale"?}')
    return await _interact(
        request,
        interactions.build_component,
        message_id=request.match_info["message_id"],
        custom_id=request.match_info["custom_id"],
        user_id=body["user_id"],
        values=body.get("values"),
        locale=str(body.get("locale", "en-US")),
    )


async def submit_modal(request: web.Request) -> web.Response:
    """The person submits the modal the bot opened for an interaction: {"values": {custom_id:
    text or [choices]}}."""
    body = await _object(request)
    if body is None or not isinstance(body.get("values", {}), dict):
        return problem(400, 'send {"values": {"custom_id": "text"}, "user_id"?}')
    return await _interact(
        request,
        interactions.build_modal_submit,
        request.match_info["interaction_id"],
        values=body.get("values", {}),
        user_id=body.get("user_id"),
        locale=str(body.get("locale", "en-US")),
    )


async def ephemeral_replies(request: web.Request) -> web.Response:
    """What only this person saw: the ephemeral responses to their interactions, newest first,
    each with the interaction's id and channel (`?channel_id=` narrows it)."""
    state = request.app[STATE]
    user_id = request.match_info["user_id"]
    channel_id = request.query.get("channel_id")
    replies = []
    for record in state.interactions.values():
        if record.user_id != user_id or channel_id not in (None, record.channel_id):
            continue
        for message in (record.original, *record.followups):
            if message is not None and message["flags"] & messages.EPHEMERAL:
                replies.append(
                    {
                        "interaction_id": record.id,
                        "channel_id": record.channel_id,
                        "message": message,
                    }
                )
    replies.sort(key=lambda reply: int(reply["message"]["id"]), reverse=True)
    return json_response({"replies": replies})


async def get_interaction(request: web.Request) -> web.Response:
    record = request.app[STATE].interactions.get(request.match_info["interaction_id"])
    if record is None:
        return problem(404, "no such interaction")
    return json_response(record.as_json())


async def get_rate_limits(request: web.Request) -> web.Response:
    """The limits per route family, and since the last clear: requests admitted and 429s per
    bucket, and the lower bound on the wall time those requests needed."""
    state = request.app[STATE]
    return json_response({"limits": ratelimits.limits(state), **ratelimits.stats(state)})


async def set_rate_limits(request: web.Request) -> web.Response:
    """{"thread_create": {"limit": 10, "window": 1.0}, ...}: new limits for route families."""
    state = request.app[STATE]
    body = await _object(request)
    try:
        changes = parse_rate_limits(body if body is not None else [], "body")
    except ScenarioError as error:
        return problem(400, str(error))
    state.rate_limits.update(changes)
    return json_response({"limits": ratelimits.limits(state)})


async def clear_rate_limits(request: web.Request) -> web.Response:
    """Zero the counts and start every bucket's window afresh (do this before measuring)."""
    request.app[STATE].clear_rate_stats()
    return json_response({"cleared": True})


async def rate_limit_bound(request: web.Request) -> web.Response:
    """{"requests": [["POST", "/api/v10/channels/1/threads"], ...]}: the least wall time that
    sequence needs under the current limits, from fresh buckets."""
    body = await _object(request)
    planned = body.get("requests") if body else None
    if not isinstance(planned, list) or not all(
        isinstance(item, list | tuple)
        and len(item) == 2
        and all(isinstance(part, str) for part in item)
        for item in planned
    ):
        return problem(400, 'send {"requests": [["POST", "/api/v10/channels/1/messages"], ...]}')
    return json_response(await ratelimits.bound(request.app, [tuple(item) for item in planned]))


async def advance_clock(request: web.Request) -> web.Response:
    body = await _object(request)
    seconds = body.get("seconds") if body else None
    if not isinstance(seconds, int | float) or seconds < 0:
        return problem(400, 'send {"seconds": 3600}')
    state = request.app[STATE]
    state.clock_offset += seconds
    # Threads idle past their auto_archive_duration archive now (THREAD_UPDATE).
    archived = events.sweep(state, request.app[HUB], force=True)
    return json_response({"offset": state.clock_offset, "now": state.now(), "archived": archived})


def routes() -> list[web.RouteDef]:
    return [
        web.post("/_sim/scenario", load_scenario),
        web.get("/_sim/scenario", get_scenario),
        web.post("/_sim/reset", reset),
        web.post("/_sim/latency", set_latency),
        web.get("/_sim/latency", get_latency),
        web.post("/_sim/faults", add_fault),
        web.get("/_sim/faults", get_faults),
        web.delete("/_sim/faults", clear_faults),
        web.get("/_sim/requests", get_requests),
        web.delete("/_sim/requests", clear_requests),
        web.get("/_sim/secrets", issued_secrets),
        web.get("/_sim/commands", synced_commands),
        web.post("/_sim/gateway/dispatch", dispatch),
        web.get("/_sim/gateway", gateway_sessions),
        web.post("/_sim/gateway/reconnect", reconnect),
        web.get("/_sim/guilds/{guild_id}/bot", bot_membership),
        web.post("/_sim/guilds/{guild_id}/bot", add_bot),
        web.delete("/_sim/guilds/{guild_id}/bot", remove_bot),
        web.post("/_sim/guilds/{guild_id}/outage", outage),
        web.post("/_sim/guilds/{guild_id}/recover", recover),
        web.patch("/_sim/guilds/{guild_id}", update_guild),
        web.post("/_sim/guilds/{guild_id}/channels", create_channel),
        web.get("/_sim/guilds/{guild_id}/threads", guild_threads),
        web.get("/_sim/channels/{channel_id}", get_channel),
        web.patch("/_sim/channels/{channel_id}", update_channel),
        web.delete("/_sim/channels/{channel_id}", delete_channel),
        web.get("/_sim/channels/{channel_id}/messages", channel_messages),
        web.patch("/_sim/application", update_application),
        web.post("/_sim/redirect_uris", set_redirect_uris),
        web.post("/_sim/interactions", create_interaction),
        web.post("/_sim/messages/{message_id}/components/{custom_id}", use_component),
        web.post("/_sim/interactions/{interaction_id}/modal", submit_modal),
        web.get("/_sim/users/{user_id}/ephemeral", ephemeral_replies),
        web.get("/_sim/interactions/{interaction_id}", get_interaction),
        web.post("/_sim/clock", advance_clock),
        web.get("/_sim/ratelimits", get_rate_limits),
        web.patch("/_sim/ratelimits", set_rate_limits),
        web.delete("/_sim/ratelimits", clear_rate_limits),
        web.post("/_sim/ratelimits/bound", rate_limit_bound),
    ]
