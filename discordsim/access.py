"""Who may see and do what in a channel: Topics > Permissions, as Discord computes it."""

from __future__ import annotations

from typing import Any

from discordsim import permissions, snowflake
from discordsim.state import Guild, State, Thread

VIEW_CHANNEL = permissions.BY_NAME["VIEW_CHANNEL"].value
SEND_MESSAGES = permissions.BY_NAME["SEND_MESSAGES"].value
SEND_MESSAGES_IN_THREADS = permissions.BY_NAME["SEND_MESSAGES_IN_THREADS"].value
READ_MESSAGE_HISTORY = permissions.BY_NAME["READ_MESSAGE_HISTORY"].value
EMBED_LINKS = permissions.BY_NAME["EMBED_LINKS"].value
MENTION_EVERYONE = permissions.BY_NAME["MENTION_EVERYONE"].value
MANAGE_MESSAGES = permissions.BY_NAME["MANAGE_MESSAGES"].value
MANAGE_CHANNELS = permissions.BY_NAME["MANAGE_CHANNELS"].value
MANAGE_THREADS = permissions.BY_NAME["MANAGE_THREADS"].value
CREATE_PUBLIC_THREADS = permissions.BY_NAME["CREATE_PUBLIC_THREADS"].value
CREATE_PRIVATE_THREADS = permissions.BY_NAME["CREATE_PRIVATE_THREADS"].value
USE_APPLICATION_COMMANDS = permissions.BY_NAME["USE_APPLICATION_COMMANDS"].value
# Lost with SEND_MESSAGES (Topics > Permissions > Implicit Permissions).
NEEDS_SEND = permissions.combine(
    "SEND_TTS_MESSAGES", "MENTION_EVERYONE", "ATTACH_FILES", "EMBED_LINKS"
)
# The permissions that mean something in a channel (discord.py's Permissions.all_channel()):
# without VIEW_CHANNEL a member has none of them there.
CHANNEL_SCOPED = permissions.combine(
    "CREATE_INSTANT_INVITE",
    "MANAGE_CHANNELS",
    "ADD_REACTIONS",
    "PRIORITY_SPEAKER",
    "STREAM",
    "VIEW_CHANNEL",
    "SEND_MESSAGES",
    "SEND_TTS_MESSAGES",
    "MANAGE_MESSAGES",
    "EMBED_LINKS",
    "ATTACH_FILES",
    "READ_MESSAGE_HISTORY",
    "MENTION_EVERYONE",
    "USE_EXTERNAL_EMOJIS",
    "CONNECT",
    "SPEAK",
    "MUTE_MEMBERS",
    "DEAFEN_MEMBERS",
    "MOVE_MEMBERS",
    "USE_VAD",
    "MANAGE_ROLES",
    "MANAGE_WEBHOOKS",
    "USE_APPLICATION_COMMANDS",
    "REQUEST_TO_SPEAK",
    "MANAGE_THREADS",
    "CREATE_PUBLIC_THREADS",
    "CREATE_PRIVATE_THREADS",
    "USE_EXTERNAL_STICKERS",
    "SEND_MESSAGES_IN_THREADS",
    "USE_EMBEDDED_ACTIVITIES",
    "USE_SOUNDBOARD",
    "USE_EXTERNAL_SOUNDS",
    "SEND_VOICE_MESSAGES",
    "SEND_POLLS",
    "USE_EXTERNAL_APPS",
    "PIN_MESSAGES",
    "BYPASS_SLOWMODE",
)

Channel = dict[str, Any] | Thread


def apply_overwrites(
    base: int,
    overwrites: list[dict[str, Any]],
    *,
    guild_id: str,
    role_ids: list[str],
    member_id: str,
) -> int:
    """compute_overwrites() from Topics > Permissions: @everyone, then the member's roles
    (their denies and allows together), then the member's own overwrite."""
    if base & permissions.ADMINISTRATOR:
        return permissions.ALL
    by_id = {item["id"]: item for item in overwrites}
    value = base
    everyone = by_id.get(guild_id)
    if everyone is not None:
        value = (value & ~int(everyone["deny"])) | int(everyone["allow"])
    allow = deny = 0
    for role_id in role_ids:
        item = by_id.get(role_id)
        if item is not None and item["type"] == 0:
            allow |= int(item["allow"])
            deny |= int(item["deny"])
    value = (value & ~deny) | allow
    member = by_id.get(member_id)
    if member is not None and member["type"] == 1:
        value = (value & ~int(member["deny"])) | int(member["allow"])
    return value


def _implicit(value: int, send: int) -> int:
    if not value & send:
        value &= ~NEEDS_SEND
    if not value & VIEW_CHANNEL:
        value &= ~CHANNEL_SCOPED
    return value


def member_roles(state: State, guild: Guild) -> dict[int, str]:
    """The role that gives each distinct set of guild permissions the scenario's members hold
    beyond @everyone's: {permission value: role id}. Discord has no per-member permissions,
    only roles (topics/permissions, "Permission Hierarchy"); a client computes a member's
    guild permissions from @everyone and the member's roles, so every member above @everyone
    carries one of these."""
    values = sorted(
        {
            value
            for user_id, value in state.members[guild.id].items()
            if user_id != guild.owner_id and value != permissions.EVERYONE
        }
    )
    created = snowflake.timestamp_ms(guild.id)
    return {
        value: snowflake.make(created, worker=3, increment=index + 1)
        for index, value in enumerate(values)
    }


def guild_permissions(state: State, guild: Guild, user_id: str) -> tuple[int, list[str]]:
    """A member's server-level permissions and the roles they hold (the bot included)."""
    if user_id == state.bot.id:
        # The bot holds @everyone and its managed role.
        return permissions.effective(permissions.EVERYONE | guild.bot_permissions), [
            guild.bot_role_id
        ]
    if user_id == guild.owner_id:
        return permissions.ALL, []
    value = state.members[guild.id].get(user_id)
    if value is None:
        return 0, []
    role = member_roles(state, guild).get(value)
    return permissions.effective(value), [role] if role else []


def is_member(state: State, guild: Guild, user_id: str) -> bool:
    if user_id == state.bot.id:
        return guild.bot_present
    return user_id in state.members[guild.id]


def permissions_in(state: State, guild: Guild, channel: Channel, user_id: str) -> int:
    """What a member may do in a channel or thread; 0 for someone not in the server.

    A thread takes its parent's permissions, with SEND_MESSAGES_IN_THREADS in place of
    SEND_MESSAGES; a private thread is seen only by its members and those who may manage
    threads (Topics > Threads > Permissions)."""
    if not is_member(state, guild, user_id):
        return 0
    base, roles = guild_permissions(state, guild, user_id)
    if user_id == guild.owner_id or base & permissions.ADMINISTRATOR:
        return permissions.ALL
    overwrites = channel.get("permission_overwrites", []) if isinstance(channel, dict) else []
    if isinstance(channel, Thread):
        found = state.find_channel(channel.parent_id)
        if found is None or not isinstance(found[1], dict):
            return 0
        overwrites = found[1].get("permission_overwrites", [])
    value = apply_overwrites(
        base,
        overwrites,
        guild_id=guild.id,
        role_ids=roles,
        member_id=user_id,
    )
    value = _implicit(value, SEND_MESSAGES)
    if isinstance(channel, Thread):
        value = _implicit(value, SEND_MESSAGES_IN_THREADS)
        if channel.private and user_id not in channel.members and not value & MANAGE_THREADS:
            return 0
    return value


def can_view(state: State, guild: Guild, channel: Channel, user_id: str) -> bool:
    return bool(permissions_in(state, guild, channel, user_id) & VIEW_CHANNEL)


def bot_permissions_in(state: State, guild: Guild, channel: Channel) -> int:
    return permissions_in(state, guild, channel, state.bot.id) if guild.bot_present else 0
