"""Discord permission bits, their names on the consent screen, and the values Discord computes."""

from __future__ import annotations

from typing import NamedTuple


class Permission(NamedTuple):
    bit: int
    name: str
    label: str

    @property
    def value(self) -> int:
        return 1 << self.bit


# Topics > Permissions > Bitwise Permission Flags, with the labels the Discord client shows
# ("Manage Server" for MANAGE_GUILD, "Use Voice Activity" for USE_VAD, ...). Bit 47 is
# unassigned.
FLAGS: tuple[Permission, ...] = (
    Permission(0, "CREATE_INSTANT_INVITE", "Create Invite"),
    Permission(1, "KICK_MEMBERS", "Kick Members"),
    Permission(2, "BAN_MEMBERS", "Ban Members"),
    Permission(3, "ADMINISTRATOR", "Administrator"),
    Permission(4, "MANAGE_CHANNELS", "Manage Channels"),
    Permission(5, "MANAGE_GUILD", "Manage Server"),
    Permission(6, "ADD_REACTIONS", "Add Reactions"),
    Permission(7, "VIEW_AUDIT_LOG", "View Audit Log"),
    Permission(8, "PRIORITY_SPEAKER", "Priority Speaker"),
    Permission(9, "STREAM", "Video"),
    Permission(10, "VIEW_CHANNEL", "View Channels"),
    Permission(11, "SEND_MESSAGES", "Send Messages"),
    Permission(12, "SEND_TTS_MESSAGES", "Send Text-to-Speech Messages"),
    Permission(13, "MANAGE_MESSAGES", "Manage Messages"),
    Permission(14, "EMBED_LINKS", "Embed Links"),
    Permission(15, "ATTACH_FILES", "Attach Files"),
    Permission(16, "READ_MESSAGE_HISTORY", "Read Message History"),
    Permission(17, "MENTION_EVERYONE", "Mention @everyone, @here, and All Roles"),
    Permission(18, "USE_EXTERNAL_EMOJIS", "Use External Emoji"),
    Permission(19, "VIEW_GUILD_INSIGHTS", "View Server Insights"),
    Permission(20, "CONNECT", "Connect"),
    Permission(21, "SPEAK", "Speak"),
    Permission(22, "MUTE_MEMBERS", "Mute Members"),
    Permission(23, "DEAFEN_MEMBERS", "Deafen Members"),
    Permission(24, "MOVE_MEMBERS", "Move Members"),
    Permission(25, "USE_VAD", "Use Voice Activity"),
    Permission(26, "CHANGE_NICKNAME", "Change Nickname"),
    Permission(27, "MANAGE_NICKNAMES", "Manage Nicknames"),
    Permission(28, "MANAGE_ROLES", "Manage Roles"),
    Permission(29, "MANAGE_WEBHOOKS", "Manage Webhooks"),
    Permission(30, "MANAGE_GUILD_EXPRESSIONS", "Manage Expressions"),
    Permission(31, "USE_APPLICATION_COMMANDS", "Use Application Commands"),
    Permission(32, "REQUEST_TO_SPEAK", "Request to Speak"),
    Permission(33, "MANAGE_EVENTS", "Manage Events"),
    Permission(34, "MANAGE_THREADS", "Manage Threads"),
    Permission(35, "CREATE_PUBLIC_THREADS", "Create Public Threads"),
    Permission(36, "CREATE_PRIVATE_THREADS", "Create Private Threads"),
    Permission(37, "USE_EXTERNAL_STICKERS", "Use External Stickers"),
    Permission(38, "SEND_MESSAGES_IN_THREADS", "Send Messages in Threads"),
    Permission(39, "USE_EMBEDDED_ACTIVITIES", "Use Activities"),
    Permission(40, "MODERATE_MEMBERS", "Timeout Members"),
    Permission(41, "VIEW_CREATOR_MONETIZATION_ANALYTICS", "View Server Subscription Insights"),
    Permission(42, "USE_SOUNDBOARD", "Use Soundboard"),
    Permission(43, "CREATE_GUILD_EXPRESSIONS", "Create Expressions"),
    Permission(44, "CREATE_EVENTS", "Create Events"),
    Permission(45, "USE_EXTERNAL_SOUNDS", "Use External Sounds"),
    Permission(46, "SEND_VOICE_MESSAGES", "Send Voice Messages"),
    Permission(48, "SET_VOICE_CHANNEL_STATUS", "Set Voice Channel Status"),
    Permission(49, "SEND_POLLS", "Create Polls"),
    Permission(50, "USE_EXTERNAL_APPS", "Use External Apps"),
    Permission(51, "PIN_MESSAGES", "Pin Messages"),
    Permission(52, "BYPASS_SLOWMODE", "Bypass Slowmode"),
)
BY_NAME: dict[str, Permission] = {flag.name: flag for flag in FLAGS}

ADMINISTRATOR = BY_NAME["ADMINISTRATOR"].value
MANAGE_GUILD = BY_NAME["MANAGE_GUILD"].value
# compute_base_permissions() in Topics > Permissions returns ALL for the owner and for
# administrators: every permission Discord defines (discord.py's Permissions.all() agrees).
ALL = sum(flag.value for flag in FLAGS)


def combine(*names: str) -> int:
    return sum(BY_NAME[name].value for name in names)


# What @everyone may do in a new server today: a plain member's guild permissions.
EVERYONE = combine(
    "CREATE_INSTANT_INVITE",
    "ADD_REACTIONS",
    "STREAM",
    "VIEW_CHANNEL",
    "SEND_MESSAGES",
    "EMBED_LINKS",
    "ATTACH_FILES",
    "READ_MESSAGE_HISTORY",
    "USE_EXTERNAL_EMOJIS",
    "CONNECT",
    "SPEAK",
    "USE_VAD",
    "CHANGE_NICKNAME",
    "USE_APPLICATION_COMMANDS",
    "REQUEST_TO_SPEAK",
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
)
# A moderator: @everyone plus Manage Server and the usual moderation bits.
MODERATOR = EVERYONE | combine(
    "MANAGE_GUILD", "MANAGE_MESSAGES", "KICK_MEMBERS", "MODERATE_MEMBERS", "VIEW_AUDIT_LOG"
)
# What a tournament bot typically asks for when it is added to a server.
BOT_DEFAULT = combine(
    "VIEW_CHANNEL",
    "SEND_MESSAGES",
    "EMBED_LINKS",
    "ATTACH_FILES",
    "READ_MESSAGE_HISTORY",
    "ADD_REACTIONS",
    "USE_APPLICATION_COMMANDS",
    "SEND_MESSAGES_IN_THREADS",
    "CREATE_PUBLIC_THREADS",
    "MANAGE_MESSAGES",
)


def effective(value: int, *, owner: bool = False) -> int:
    """The guild permissions Discord reports: ALL for owners and administrators."""
    if owner or value & ADMINISTRATOR:
        return ALL
    return value


def can_add_bots(value: int, *, owner: bool = False) -> bool:
    """Whether the consent screen lists the server in its "Add to server" picker."""
    return owner or bool(value & (ADMINISTRATOR | MANAGE_GUILD))


def flags_in(value: int) -> list[Permission]:
    """The defined permissions set in value, lowest bit first."""
    return [flag for flag in FLAGS if value & flag.value]
