"""Routes under /api/v10/channels/: channels, their messages, threads and thread members.

Resources > Channel and Resources > Message, as the bot calls them: each route first finds the
channel (10003 Unknown Channel), then checks that the bot can see it (50001 Missing Access),
the body (50035 Invalid Form Body) and the permission it needs (50013 Missing Permissions).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from discordsim import access, events, messages, payloads
from discordsim.common import (
    API,
    BASE_URL,
    HUB,
    STATE,
    TRUE_VALUES,
    FormErrors,
    api_error,
    bot_caller,
    json_response,
    missing_access,
    missing_permissions,
    read_json,
    read_message_body,
    unauthorized,
)
from discordsim.gateway import GUILD_MEMBERS_INTENT
from discordsim.state import (
    ANNOUNCEMENT_THREAD,
    GUILD_ANNOUNCEMENT,
    GUILD_TEXT,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Guild,
    State,
    Thread,
    iso,
)

# Resources > Channel > Start Thread: the durations Discord accepts, in minutes.
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
DEFAULT_ARCHIVE_DURATION = 1440
SLOWMODE_LIMIT = 21600
# Guilds have a cap on active threads (160006 past it).
MAX_ACTIVE_THREADS = 1000
MESSAGES_LIMIT, MESSAGES_DEFAULT = 100, 50
THREAD_MEMBERS_LIMIT = 100
# Create Message: enforce_nonce checks "the past few minutes".
NONCE_WINDOW = 300.0
SNOWFLAKE_RE = re.compile(r"^[0-9]{1,20}$")
TEXT_CHANNELS = (GUILD_TEXT, GUILD_ANNOUNCEMENT)


def unknown_channel() -> web.Response:
    return api_error(404, "Unknown Channel", 10003)


def unknown_message() -> web.Response:
    return api_error(404, "Unknown Message", 10008)


def thread_archived() -> web.Response:
    return api_error(400, "Thread is archived", 50083)


def thread_locked() -> web.Response:
    return api_error(403, "Thread is locked", 160005)


def wrong_channel_type() -> web.Response:
    return api_error(400, "Cannot execute action on this channel type", 50024)


@dataclass
class Place:
    """A channel the bot asked about, its server, and the bot's permissions there."""

    guild: Guild
    channel: access.Channel
    permissions: int

    def has(self, permission: int) -> bool:
        return bool(self.permissions & permission)

    @property
    def thread(self) -> Thread | None:
        return self.channel if isinstance(self.channel, Thread) else None

    @property
    def id(self) -> str:
        return self.channel.id if isinstance(self.channel, Thread) else self.channel["id"]

    @property
    def kind(self) -> int:
        return self.channel.type if isinstance(self.channel, Thread) else self.channel["type"]


def channel_payload(state: State, guild: Guild, channel: access.Channel) -> dict[str, Any]:
    """The channel object Discord returns: a thread with the bot's `member` when it is in it."""
    if isinstance(channel, Thread):
        return payloads.thread_object(channel, me=state.bot.id)
    return payloads.channel_object(guild, channel)


def bot_place(request: web.Request, channel_id: str | None = None) -> Place | web.Response:
    """The channel in the path as the bot sees it: 401 without the bot token, 10003 Unknown
    Channel when there is no such channel, 50001 Missing Access when the bot is not in its
    server or cannot VIEW_CHANNEL there."""
    state = request.app[STATE]
    if bot_caller(request) is None:
        return unauthorized()
    events.sweep(state, request.app[HUB])
    found = state.find_channel(channel_id or request.match_info["channel_id"])
    if found is None:
        return unknown_channel()
    guild, channel = found
    value = access.bot_permissions_in(state, guild, channel)
    if not value & access.VIEW_CHANNEL:
        return missing_access()
    return Place(guild, channel, value)


async def get_channel(request: web.Request) -> web.Response:
    place = bot_place(request)
    if isinstance(place, web.Response):
        return place
    return json_response(channel_payload(request.app[STATE], place.guild, place.channel))


# Messages ------------------------------------------------------------------------------------


def _find_message(state: State, place: Place, message_id: str) -> dict[str, Any] | None:
    return state.channel_messages(place.id).get(message_id)


def _may_post(place: Place) -> web.Response | None:
    """SEND_MESSAGES (SEND_MESSAGES_IN_THREADS in a thread), and a thread that takes posts:
    a locked one only from those who may manage threads, an archived one unless locked (it
    unarchives)."""
    thread = place.thread
    if thread is None:
        if place.kind not in TEXT_CHANNELS:
            return api_error(400, "Cannot send messages in a non-text channel", 50008)
        return None if place.has(access.SEND_MESSAGES) else missing_permissions()
    if not place.has(access.SEND_MESSAGES_IN_THREADS):
        return missing_permissions()
    if thread.locked and not place.has(access.MANAGE_THREADS):
        return thread_archived() if thread.archived else thread_locked()
    return None


def _reply_target(
    state: State, place: Place, body: dict[str, Any], errors: FormErrors
) -> dict[str, Any] | None:
    reference = body.get("message_reference")
    if not isinstance(reference, dict) or reference.get("message_id") is None:
        return None
    channel_id = str(reference.get("channel_id") or place.id)
    target = state.channel_messages(channel_id).get(str(reference["message_id"]))
    if target is None and reference.get("fail_if_not_exists", True) is not False:
        errors.add(["message_reference"], "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
    return target


def _known_nonce(state: State, body: dict[str, Any]) -> dict[str, Any] | None:
    """Create Message with enforce_nonce: the same author and nonce within a few minutes
    returns the message made the first time, and makes none."""
    if not body.get("enforce_nonce") or body.get("nonce") is None:
        return None
    seen = state.nonces.get((state.bot.id, str(body["nonce"])))
    if seen is None or state.now() - seen[2] > NONCE_WINDOW:
        return None
    return state.channel_messages(seen[1]).get(seen[0])


async def create_message(request: web.Request) -> web.Response:
    """POST /channels/{channel_id}/messages (Resources > Message > Create Message)."""
    state = request.app[STATE]
    place = bot_place(request)
    if isinstance(place, web.Response):
        return place
    body, files = await read_message_body(request)
    errors = messages.check_body(body)
    target = _reply_target(state, place, body, errors) if isinstance(body, dict) else None
    if errors:
        return errors.response()
    if not files and messages.is_empty(
        {key: body.get(key) for key in ("content", "embeds", "components", "sticker_ids")}
    ):
        return api_error(400, "Cannot send an empty message", 50006)
    refused = _may_post(place)
    if refused is not None:
        return refused
    if target is not None and not place.has(access.READ_MESSAGE_HISTORY):
        return api_error(403, "Cannot reply without permission to read message history", 160002)
    again = _known_nonce(state, body)
    if again is not None:
        return json_response(again)
    message = messages.message_object(
        state,
        guild=place.guild,
        channel_id=place.id,
        author=state.bot,
        body=body,
        kind=messages.REPLY if target is not None else messages.DEFAULT,
        flags=messages.flags_of(body) & messages.CREATE_FLAGS,
        may_mention_everyone=place.has(access.MENTION_EVERYONE),
        # Embed Links: without it Discord drops the bot's embeds (an embed-only message
        # is refused), as discord/discord-api-docs#2601 describes (2021-02).
        embeds_allowed=place.has(access.EMBED_LINKS),
    )
    message["attachments"] = messages.attachments(
        request.app[BASE_URL], place.id, message["id"], files
    )
    if messages.is_empty(message):
        return missing_permissions()
    if target is not None:
        message["message_reference"] = {
            "type": 0,
            "message_id": target["id"],
            "channel_id": target["channel_id"],
            "guild_id": place.guild.id,
        }
        message["referenced_message"] = copy.deepcopy(target)
        replied = (body.get("allowed_mentions") or {}).get("replied_user")
        author = state.lookup_user(target["author"]["id"])
        if (
            replied
            and author is not None
            and target["author"]["id"] not in {user["id"] for user in message["mentions"]}
        ):
            message["mentions"].append(messages.mentioned_user(state, place.guild, author))
    if body.get("nonce") is not None:
        state.nonces[(state.bot.id, str(body["nonce"]))] = (message["id"], place.id, state.now())
    events.post(state, request.app[HUB], place.guild, place.channel, message)
    return json_response(message)


def _message_place(
    request: web.Request,
) -> tuple[Place, dict[str, Any]] | web.Response:
    state = request.app[STATE]
    place = bot_place(request)
    if isinstance(place, web.Response):
        return place
    message = _find_message(state, place, request.match_info["message_id"])
    if message is None:
        return unknown_message()
    return place, message


async def get_message(request: web.Request) -> web.Response:
    """GET /channels/{channel_id}/messages/{message_id}: VIEW_CHANNEL and READ_MESSAGE_HISTORY."""
    found = _message_place(request)
    if isinstance(found, web.Response):
        return found
    place, message = found
    if not place.has(access.READ_MESSAGE_HISTORY):
        return missing_access()
    return json_response(message)


async def edit_message(request: web.Request) -> web.Response:
    """PATCH /channels/{channel_id}/messages/{message_id}: the bot's own messages only."""
    state = request.app[STATE]
    found = _message_place(request)
    if isinstance(found, web.Response):
        return found
    place, message = found
    body, files = await read_message_body(request)
    if message["author"]["id"] != state.bot.id:
        return api_error(403, "Cannot edit a message authored by another user", 50005)
    errors = messages.check_body(body, v2=bool(message["flags"] & messages.IS_COMPONENTS_V2))
    if errors:
        return errors.response()
    thread = place.thread
    if thread is not None and thread.archived:
        return thread_archived()
    if thread is not None and thread.locked and not place.has(access.MANAGE_THREADS):
        return thread_locked()
    edited = copy.deepcopy(message)
    messages.apply_edit(
        state,
        place.guild,
        edited,
        body,
        may_mention_everyone=place.has(access.MENTION_EVERYONE),
        embeds_allowed=place.has(access.EMBED_LINKS),
    )
    if files:
        edited["attachments"] = messages.attachments(
            request.app[BASE_URL], place.id, message["id"], files
        )
    if messages.is_empty(edited):
        return api_error(400, "Cannot send an empty message", 50006)
    edited["edited_timestamp"] = iso(state.now())
    # The same object: interaction records and threads' starter messages hold it too.
    message.clear()
    message.update(edited)
    events.updated(state, request.app[HUB], place.guild, place.channel, message)
    return json_response(message)


async def delete_message(request: web.Request) -> web.Response:
    """DELETE /channels/{channel_id}/messages/{message_id}: others' need MANAGE_MESSAGES."""
    state = request.app[STATE]
    found = _message_place(request)
    if isinstance(found, web.Response):
        return found
    place, message = found
    if message["author"]["id"] != state.bot.id and not place.has(access.MANAGE_MESSAGES):
        return missing_permissions()
    events.deleted(state, request.app[HUB], place.guild, place.channel, message["id"])
    return web.Response(status=204)


def _limit(request: web.Request, errors: FormErrors, *, most: int, default: int) -> int:
    raw = request.query.get("limit")
    if raw is None:
        return default
    if not re.fullmatch(r"-?[0-9]+", raw):
        errors.add(["limit"], "NUMBER_TYPE_COERCE", f'Value "{raw}" is not int.')
    elif not 1 <= int(raw) <= most:
        errors.add(["limit"], "NUMBER_TYPE_MAX", f"Int value should be between 1 and {most}.")
    else:
        return int(raw)
    return default


async def list_messages(request: web.Request) -> web.Response:
    """GET /channels/{channel_id}/messages: newest first; before, after or around; limit
    1-100 (50). Without READ_MESSAGE_HISTORY, no messages."""
    state = request.app[STATE]
    place = bot_place(request)
    if isinstance(place, web.Response):
        return place
    errors = FormErrors()
    limit = _limit(request, errors, most=MESSAGES_LIMIT, default=MESSAGES_DEFAULT)
    anchors = {
        key: request.query[key] for key in ("before", "after", "around") if key in request.query
    }
    for key, value in anchors.items():
        if not SNOWFLAKE_RE.match(value):
            errors.add([key], "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.')
    if len(anchors) > 1:
        errors.add(
            [], "MESSAGE_LIST_PARAMS_EXCLUSIVE", "before, after and around are mutually exclusive"
        )
    if errors:
        return errors.response()
    if not place.has(access.READ_MESSAGE_HISTORY):
        return json_response([])
    newest = sorted(state.channel_messages(place.id).values(), key=lambda m: int(m["id"]))[::-1]
    if "before" in anchors:
        page = [m for m in newest if int(m["id"]) < int(anchors["before"])][:limit]
    elif "after" in anchors:
        page = [m for m in newest if int(m["id"]) > int(anchors["after"])][-limit:]
    elif "around" in anchors:
        pivot = int(anchors["around"])
        later = [m for m in newest if int(m["id"]) >= pivot][-((limit + 1) // 2) :]
        earlier = [m for m in newest if int(m["id"]) < pivot][: limit // 2]
        page = later + earlier
    else:
        page = newest[:limit]
    return json_response(page)


# Threads -------------------------------------------------------------------------------------


def _thread_fields(body: Any, errors: FormErrors, *, creating: bool) -> dict[str, Any]:
    """name, auto_archive_duration, rate_limit_per_user, invitable, as the thread routes check
    them."""
    if not isinstance(body, dict):
        errors.add([], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return {}
    if creating and body.get("name") is None:
        errors.add(["name"], "BASE_TYPE_REQUIRED", "This field is required")
    elif "name" in body:
        messages.check_length(errors, ["name"], body["name"], 100, low=1)
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in ARCHIVE_DURATIONS:
        errors.add(
            ["auto_archive_duration"],
            "BASE_TYPE_CHOICES",
            "Value must be one of {60, 1440, 4320, 10080}.",
        )
    slowmode = body.get("rate_limit_per_user")
    if slowmode is not None and (
        not isinstance(slowmode, int)
        or isinstance(slowmode, bool)
        or not 0 <= slowmode <= SLOWMODE_LIMIT
    ):
        errors.add(
            ["rate_limit_per_user"],
            "NUMBER_TYPE_MAX",
            f"Int value should be between 0 and {SLOWMODE_LIMIT}.",
        )
    for key in ("archived", "locked", "invitable"):
        if body.get(key) is not None and not isinstance(body[key], bool):
            errors.add([key], "BASE_TYPE_BOOLEAN", "Must be either true or false.")
    return body


def _parent(place: Place) -> web.Response | None:
    if place.kind not in TEXT_CHANNELS:
        return wrong_channel_type()
    return None


def _new_thread(
    state: State, place: Place, body: dict[str, Any], *, thread_id: str, kind: int
) -> Thread | web.Response:
    active = sum(1 for thread in state.guild_threads(place.guild.id) if not thread.archived)
    if active >= MAX_ACTIVE_THREADS:
        return api_error(400, "Maximum number of active threads reached", 160006)
    now = state.now()
    return Thread(
        id=thread_id,
        guild_id=place.guild.id,
        parent_id=place.id,
        owner_id=state.bot.id,
        name=body["name"],
        type=kind,
        created_at=now,
        auto_archive_duration=body.get("auto_archive_duration") or DEFAULT_ARCHIVE_DURATION,
        invitable=body.get("invitable") is not False,
        rate_limit_per_user=body.get("rate_limit_per_user") or 0,
        archive_timestamp=now,
        last_activity=now,
    )


async def start_thread_from_message(request: web.Request) -> web.Response:
    """POST /channels/{channel_id}/messages/{message_id}/threads: a public thread (an
    announcement thread in an announcement channel) with the message's id; one per message
    (160004)."""
    state = request.app[STATE]
    found = _message_place(request)
    if isinstance(found, web.Response):
        return found
    place, message = found
    errors = FormErrors()
    body = _thread_fields(await read_json(request), errors, creating=True)
    if errors:
        return errors.response()
    refused = _parent(place)
    if refused is not None:
        return refused
    if not place.has(access.CREATE_PUBLIC_THREADS):
        return missing_permissions()
    if message["id"] in state.threads or message.get("thread"):
        return api_error(400, "A thread has already been created for this message", 160004)
    announcement = place.kind == GUILD_ANNOUNCEMENT
    kind = ANNOUNCEMENT_THREAD if announcement else PUBLIC_THREAD
    thread = _new_thread(state, place, body, thread_id=message["id"], kind=kind)
    if isinstance(thread, web.Response):
        return thread
    hub = request.app[HUB]
    events.create_thread(state, hub, place.guild, thread)
    message["thread"] = payloads.thread_object(thread, me=state.bot.id)
    message["flags"] |= messages.HAS_THREAD
    events.updated(state, hub, place.guild, place.channel, message)
    return json_response(payloads.thread_object(thread, me=state.bot.id), 201)


async def start_thread(request: web.Request) -> web.Response:
    """POST /channels/{channel_id}/threads: a thread without a message; `type` 11 (public) or
    12 (private, the default as documented), `invitable` for private ones. A public thread
    posts a THREAD_CREATED message (type 18) in the parent channel."""
    state = request.app[STATE]
    place = bot_place(request)
    if isinstance(place, web.Response):
        return place
    errors = FormErrors()
    body = _thread_fields(await read_json(request), errors, creating=True)
    kind = body.get("type", PRIVATE_THREAD) if body else PRIVATE_THREAD
    if body and kind not in (ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD):
        errors.add(["type"], "BASE_TYPE_CHOICES", "Value must be one of {10, 11, 12}.")
    if errors:
        return errors.response()
    refused = _parent(place)
    if refused is not None:
        return refused
    announcement = place.kind == GUILD_ANNOUNCEMENT
    if (kind == PRIVATE_THREAD and announcement) or (kind == ANNOUNCEMENT_THREAD) != announcement:
        return wrong_channel_type()
    needed = (
        access.CREATE_PRIVATE_THREADS if kind == PRIVATE_THREAD else access.CREATE_PUBLIC_THREADS
    )
    if not place.has(needed):
        return missing_permissions()
    thread = _new_thread(state, place, body, thread_id=state.ids.next(), kind=kind)
    if isinstance(thread, web.Response):
        return thread
    hub = request.app[HUB]
    events.create_thread(state, hub, place.guild, thread)
    if kind != PRIVATE_THREAD:
        notice = messages.message_object(
            state,
            guild=place.guild,
            channel_id=place.id,
            author=state.bot,
            body={"content": thread.name},
            kind=messages.THREAD_CREATED,
        )
        notice["message_reference"] = {"channel_id": thread.id, "guild_id": place.guild.id}
        events.post(state, hub, place.guild, place.channel, notice)
    return json_response(payloads.thread_object(thread, me=state.bot.id), 201)


def _edit_thread(
    state: State, place: Place, thread: Thread, body: dict[str, Any]
) -> web.Response | None:
    """Modify Channel for a thread (JSON Params (Thread); Topics > Threads > Editing &
    Deleting Threads)."""
    manage = place.has(access.MANAGE_THREADS)
    creator = thread.owner_id == state.bot.id
    unarchiving = body.get("archived") is False
    if thread.archived and not unarchiving:
        return thread_archived()
    if any(key in body for key in ("locked", "rate_limit_per_user")) and not manage:
        return missing_permissions()
    if any(key in body for key in ("name", "auto_archive_duration", "invitable")) and not (
        manage or creator
    ):
        return missing_permissions()
    if body.get("archived") is True and not (manage or creator):
        return missing_permissions()
    if unarchiving and thread.archived:
        if thread.locked and not (manage or creator):
            return missing_permissions()
        if not place.has(access.SEND_MESSAGES_IN_THREADS) and not manage:
            return missing_permissions()
    now = state.now()
    if "name" in body:
        thread.name = body["name"]
    if body.get("locked") is not None:
        thread.locked = body["locked"]
    if body.get("invitable") is not None and thread.private:
        thread.invitable = body["invitable"]
    if "rate_limit_per_user" in body:
        thread.rate_limit_per_user = body["rate_limit_per_user"] or 0
    if body.get("auto_archive_duration") is not None:
        thread.auto_archive_duration = body["auto_archive_duration"]
        thread.archive_timestamp = thread.last_activity = now
    if body.get("archived") is not None and body["archived"] != thread.archived:
        thread.archived = body["archived"]
        thread.archive_timestamp = now
        if not thread.archived:
            thread.last_activity = now
    return None


async def modify_channel(request: web.Request) -> web.Response:
    """PATCH /channels/{channel_id}: a thread's name, archived, locked, auto_archive_duration,
    invitable, rate_limit_per_user (THREAD_UPDATE), or a channel's name and topic with
    MANAGE_CHANNELS (CHANNEL_UPDATE)."""
    state = request.app[STATE]
    place = bot_place(request)
    if isinstance(place, web.Response):
        return place
    errors = FormErrors()
    body = _thread_fields(await read_json(request), errors, creating=False)
    if errors:
        return errors.response()
    hub = request.app[HUB]
    thread = place.thread
    if thread is not None:
        refused = _edit_thread(state, place, thread, body)
        if refused is not None:
            return refused
        events.thread_updated(state, hub, place.guild, thread)
        return json_response(payloads.thread_object(thread, me=state.bot.id))
    channel = place.channel
    if not place.has(access.MANAGE_CHANNELS) or not isinstance(channel, dict):
        return missing_permissions()
    for key in ("name", "topic"):
        if key in body:
            channel[key] = body[key]
    data = payloads.channel_object(place.guild, channel)
    hub.guild_event("CHANNEL_UPDATE", data, place.guild.id)
    return json_response(data)


async def delete_channel(request: web.Request) -> web.Response:
    """DELETE /channels/{channel_id}: a thread with MANAGE_THREADS (THREAD_DELETE), a channel
    with MANAGE_CHANNELS (CHANNEL_DELETE)."""
    state = request.app[STATE]
    place = bot_place(request)
    if isinstance(place, web.Response):
        return place
    needed = access.MANAGE_THREADS if place.thread is not None else access.MANAGE_CHANNELS
    if not place.has(needed):
        return missing_permissions()
    data = channel_payload(state, place.guild, place.channel)
    events.delete_channel(state, request.app[HUB], place.guild, place.channel)
    return json_response(data)


# Thread members -------------------------------------------------------------------------------


def _thread_place(request: web.Request) -> tuple[Place, Thread] | web.Response:
    place = bot_place(request)
    if isinstance(place, web.Response):
        return place
    if place.thread is None:
        return wrong_channel_type()
    return place, place.thread


def _member_id(request: web.Request) -> str:
    user_id = request.match_info.get("user_id", "@me")
    return request.app[STATE].bot.id if user_id == "@me" else user_id


async def add_thread_member(request: web.Request) -> web.Response:
    """PUT /channels/{thread_id}/thread-members/{user_id|@me}: 204, also when already in."""
    state = request.app[STATE]
    found = _thread_place(request)
    if isinstance(found, web.Response):
        return found
    place, thread = found
    user_id = _member_id(request)
    if thread.archived:
        return thread_archived()
    if user_id != state.bot.id:
        # Add Thread Member: "Requires the ability to send messages in the thread"; in a
        # private thread, one of its members who may invite (invitable, the creator, a mod).
        if not place.has(access.SEND_MESSAGES_IN_THREADS):
            return missing_permissions()
        if thread.private and not (
            state.bot.id in thread.members
            and (
                thread.invitable
                or thread.owner_id == state.bot.id
                or place.has(access.MANAGE_THREADS)
            )
        ):
            return missing_permissions()
        if not access.is_member(state, place.guild, user_id):
            return api_error(404, "Unknown Member", 10007)
    events.add_members(state, request.app[HUB], place.guild, thread, [user_id])
    return web.Response(status=204)


async def remove_thread_member(request: web.Request) -> web.Response:
    """DELETE /channels/{thread_id}/thread-members/{user_id|@me}: others need MANAGE_THREADS,
    or to be the creator of a private thread."""
    state = request.app[STATE]
    found = _thread_place(request)
    if isinstance(found, web.Response):
        return found
    place, thread = found
    user_id = _member_id(request)
    if thread.archived:
        return thread_archived()
    if user_id != state.bot.id and not (
        place.has(access.MANAGE_THREADS) or (thread.private and thread.owner_id == state.bot.id)
    ):
        return missing_permissions()
    events.remove_member(state, request.app[HUB], place.guild, thread, user_id)
    return web.Response(status=204)


def _thread_member_payload(
    state: State, guild: Guild, thread: Thread, user_id: str, *, with_member: bool
) -> dict[str, Any]:
    data = payloads.thread_member(thread, user_id)
    if with_member:
        data["member"] = payloads.any_member(state, guild, user_id)
    return data


async def get_thread_member(request: web.Request) -> web.Response:
    state = request.app[STATE]
    found = _thread_place(request)
    if isinstance(found, web.Response):
        return found
    place, thread = found
    user_id = _member_id(request)
    if user_id not in thread.members:
        return api_error(404, "Unknown Member", 10007)
    with_member = request.query.get("with_member") in TRUE_VALUES
    return json_response(
        _thread_member_payload(state, place.guild, thread, user_id, with_member=with_member)
    )


async def list_thread_members(request: web.Request) -> web.Response:
    """GET /channels/{thread_id}/thread-members: needs the GUILD_MEMBERS privileged intent
    switched on for the app; with_member, after and limit (1-100) as documented."""
    state = request.app[STATE]
    found = _thread_place(request)
    if isinstance(found, web.Response):
        return found
    place, thread = found
    if not state.application.privileged_intents & GUILD_MEMBERS_INTENT:
        return missing_access()
    errors = FormErrors()
    limit = _limit(request, errors, most=THREAD_MEMBERS_LIMIT, default=THREAD_MEMBERS_LIMIT)
    after = request.query.get("after")
    if after is not None and not SNOWFLAKE_RE.match(after):
        errors.add(["after"], "NUMBER_TYPE_COERCE", f'Value "{after}" is not snowflake.')
    if errors:
        return errors.response()
    with_member = request.query.get("with_member") in TRUE_VALUES
    ids = sorted(thread.members, key=int)
    if after is not None:
        ids = [user_id for user_id in ids if int(user_id) > int(after)]
    return json_response(
        [
            _thread_member_payload(state, place.guild, thread, user_id, with_member=with_member)
            for user_id in ids[:limit]
        ]
    )


def routes() -> list[web.RouteDef]:
    channel = f"{API}/channels/{{channel_id}}"
    message = f"{channel}/messages/{{message_id}}"
    members = f"{channel}/thread-members"
    return [
        web.get(channel, get_channel),
        web.patch(channel, modify_channel),
        web.delete(channel, delete_channel),
        web.get(f"{channel}/messages", list_messages),
        web.post(f"{channel}/messages", create_message),
        web.get(message, get_message),
        web.patch(message, edit_message),
        web.delete(message, delete_message),
        web.post(f"{message}/threads", start_thread_from_message),
        web.post(f"{channel}/threads", start_thread),
        web.get(members, list_thread_members),
        web.put(f"{members}/@me", add_thread_member),
        web.delete(f"{members}/@me", remove_thread_member),
        web.get(f"{members}/{{user_id}}", get_thread_member),
        web.put(f"{members}/{{user_id}}", add_thread_member),
        web.delete(f"{members}/{{user_id}}", remove_thread_member),
    ]
