"""What follows a change to messages and threads: the stores, and the gateway events Discord
sends for it (Events > Gateway Events > Messages and Threads; Topics > Threads)."""

from __future__ import annotations

from typing import Any

from discordsim import access, payloads
from discordsim.gateway import (
    GUILD_MEMBERS_INTENT,
    GUILD_MESSAGES_INTENT,
    GUILDS_INTENT,
    GatewayHub,
)
from discordsim.state import Guild, State, Thread

# How often, at most, threads are checked for inactivity.
SWEEP_INTERVAL = 1.0


def _bot_sees(state: State, guild: Guild, channel: access.Channel) -> bool:
    return guild.bot_present and access.can_view(state, guild, channel, state.bot.id)


def message_event(state: State, guild: Guild, message: dict[str, Any]) -> dict[str, Any]:
    """MESSAGE_CREATE and MESSAGE_UPDATE carry the message with guild_id and the author's
    partial member."""
    data = {**message, "guild_id": guild.id}
    member = payloads.any_member(state, guild, message["author"]["id"])
    if member is not None:
        member.pop("user")
        data["member"] = member
    return data


def _dispatch_message(
    state: State, hub: GatewayHub, guild: Guild, channel: access.Channel, event: str, data: Any
) -> None:
    # GUILD_MESSAGES intent; a bot with only GUILDS gets no MESSAGE_* events.
    if _bot_sees(state, guild, channel):
        hub.guild_event(event, data, guild.id, intent=GUILD_MESSAGES_INTENT)


def post(
    state: State, hub: GatewayHub, guild: Guild, channel: access.Channel, message: dict[str, Any]
) -> None:
    """Store a new message and say MESSAGE_CREATE. In a thread it counts as activity: an
    archived thread is unarchived, and the author and the users it mentions join it."""
    state.channel_messages(message["channel_id"])[message["id"]] = message
    state.message_channel[message["id"]] = message["channel_id"]
    if isinstance(channel, Thread):
        channel.message_count += 1
        channel.total_message_sent += 1
        channel.last_message_id = message["id"]
        message["position"] = channel.total_message_sent - 1
        touch(state, hub, guild, channel, unarchive=True)
        joining = [message["author"]["id"]] + [user["id"] for user in message["mentions"]]
        add_members(state, hub, guild, channel, joining)
    _dispatch_message(
        state, hub, guild, channel, "MESSAGE_CREATE", message_event(state, guild, message)
    )


def updated(
    state: State, hub: GatewayHub, guild: Guild, channel: access.Channel, message: dict[str, Any]
) -> None:
    _dispatch_message(
        state, hub, guild, channel, "MESSAGE_UPDATE", message_event(state, guild, message)
    )


def deleted(
    state: State, hub: GatewayHub, guild: Guild, channel: access.Channel, message_id: str
) -> None:
    channel_id = channel.id if isinstance(channel, Thread) else channel["id"]
    if state.channel_messages(channel_id).pop(message_id, None) is None:
        return
    state.message_channel.pop(message_id, None)
    if isinstance(channel, Thread):
        channel.message_count = max(0, channel.message_count - 1)
    _dispatch_message(
        state,
        hub,
        guild,
        channel,
        "MESSAGE_DELETE",
        {"id": message_id, "channel_id": channel_id, "guild_id": guild.id},
    )


# Threads --------------------------------------------------------------------------------------


def thread_updated(state: State, hub: GatewayHub, guild: Guild, thread: Thread) -> None:
    if _bot_sees(state, guild, thread):
        hub.guild_event("THREAD_UPDATE", payloads.thread_object(thread), guild.id)


def touch(
    state: State, hub: GatewayHub, guild: Guild, thread: Thread, *, unarchive: bool = False
) -> None:
    """Activity in a thread restarts its inactivity timer; it unarchives an archived one."""
    now = state.now()
    thread.last_activity = now
    if unarchive and thread.archived:
        thread.archived = False
        thread.archive_timestamp = now
        thread_updated(state, hub, guild, thread)


def create_thread(state: State, hub: GatewayHub, guild: Guild, thread: Thread) -> None:
    """A new thread, its creator its first member: THREAD_CREATE with newly_created, and the
    THREAD_MEMBERS_UPDATE Discord always sends when the bot itself joins a thread."""
    state.threads[thread.id] = thread
    thread.members[thread.owner_id] = thread.created_at
    if _bot_sees(state, guild, thread):
        data = {**payloads.thread_object(thread, me=state.bot.id), "newly_created": True}
        hub.guild_event("THREAD_CREATE", data, guild.id)
    _members_update(state, hub, guild, thread, added=[thread.owner_id], removed=[])


def _members_update(
    state: State,
    hub: GatewayHub,
    guild: Guild,
    thread: Thread,
    *,
    added: list[str],
    removed: list[str],
) -> None:
    """THREAD_MEMBERS_UPDATE: to every session with GUILD_MEMBERS, and with GUILDS alone only
    when the bot itself was added or removed."""
    if not (added or removed) or not _bot_sees(state, guild, thread):
        return
    data: dict[str, Any] = {
        "id": thread.id,
        "guild_id": guild.id,
        "member_count": min(len(thread.members), 50),
    }
    if added:
        data["added_members"] = []
        for user_id in added:
            entry = payloads.thread_member(thread, user_id)
            entry["member"] = payloads.any_member(state, guild, user_id)
            entry["presence"] = None
            data["added_members"].append(entry)
    if removed:
        data["removed_member_ids"] = removed
    own = state.bot.id in added or state.bot.id in removed
    intent = GUILDS_INTENT if own else GUILD_MEMBERS_INTENT
    hub.guild_event("THREAD_MEMBERS_UPDATE", data, guild.id, intent=intent)


def add_members(
    state: State, hub: GatewayHub, guild: Guild, thread: Thread, user_ids: list[str]
) -> list[str]:
    """Add members of the server who are not yet in the thread; returns those added."""
    now = state.now()
    added = []
    for user_id in dict.fromkeys(user_ids):
        if user_id not in thread.members and access.is_member(state, guild, user_id):
            thread.members[user_id] = now
            added.append(user_id)
    _members_update(state, hub, guild, thread, added=added, removed=[])
    return added


def remove_member(
    state: State, hub: GatewayHub, guild: Guild, thread: Thread, user_id: str
) -> bool:
    if thread.members.pop(user_id, None) is None:
        return False
    _members_update(state, hub, guild, thread, added=[], removed=[user_id])
    return True


def delete_channel(state: State, hub: GatewayHub, guild: Guild, channel: access.Channel) -> None:
    """A thread goes with its messages (THREAD_DELETE); a channel with its threads and
    messages (CHANNEL_DELETE)."""
    if isinstance(channel, Thread):
        seen = _bot_sees(state, guild, channel)
        state.remove_thread(channel.id)
        if seen:
            hub.guild_event("THREAD_DELETE", payloads.thread_deleted(channel), guild.id)
        return
    data = payloads.channel_object(guild, channel)
    guild.channels.remove(channel)
    state.index_channels()
    for thread in state.guild_threads(guild.id):
        if thread.parent_id == channel["id"]:
            state.remove_thread(thread.id)
    state.messages.pop(channel["id"], None)
    hub.guild_event("CHANNEL_DELETE", data, guild.id)


def sweep(state: State, hub: GatewayHub, *, force: bool = False) -> int:
    """Archive the threads idle for their auto_archive_duration (Topics > Threads > Active &
    Archived Threads), with THREAD_UPDATE for each; returns how many."""
    now = state.now()
    if not force and now - state.last_sweep < SWEEP_INTERVAL:
        return 0
    state.last_sweep = now
    count = 0
    for thread in list(state.threads.values()):
        if not thread.archived and now >= thread.last_activity + thread.auto_archive_duration * 60:
            thread.archived = True
            thread.archive_timestamp = now
            count += 1
            thread_updated(state, hub, state.guilds[thread.guild_id], thread)
    return count
