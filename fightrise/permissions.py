"""Discord's permission flags: bit, name and the label Discord's client shows, in one table.

Permissions are 64-bit and arrive as decimal strings; they are parsed with int(), never
through a float. As of 2026-02, bit 47 is unassigned and bit 52 is the newest flag.
Kept here rather than importing discord.py's Permissions: importing discord costs a web
worker 120-150 ms and 17 MB of memory (measured after Django is loaded).
tests/fightrise/test_permissions.py checks this table, bit by bit and name by name, against
discord.py's and discordsim's (which the product may not import).
"""

from __future__ import annotations

from typing import NamedTuple


class Permission(NamedTuple):
    bit: int
    name: str
    label: str


# Docs: topics/permissions, Bitwise Permission Flags, for the bits and names; the labels are
# what Discord's client shows on the consent screen and in server settings ("Manage Server"
# for MANAGE_GUILD, "Video" for STREAM, "Send Messages in Threads").
TABLE: tuple[Permission, ...] = (
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
FLAGS: dict[str, int] = {flag.name: 1 << flag.bit for flag in TABLE}
LABELS: dict[str, str] = {flag.name: flag.label for flag in TABLE}

ADMINISTRATOR = FLAGS["ADMINISTRATOR"]
MANAGE_GUILD = FLAGS["MANAGE_GUILD"]
ALL = sum(FLAGS.values())
MAX = 2**64


def parse_permissions(value: object) -> int | None:
    """A permission integer from a decimal string in [0, 2**64), or None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value < MAX else None
    if not isinstance(value, str) or not 1 <= len(value) <= 20:
        return None
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number < MAX else None


def flag_value(permission: object) -> int | None:
    """The bit(s) for a flag name ("MANAGE_GUILD", any case) or a decimal value ("32")."""
    if isinstance(permission, str) and permission.upper() in FLAGS:
        return FLAGS[permission.upper()]
    value = parse_permissions(permission)
    return value or None


def has_permission(permissions: object, permission: object) -> bool:
    """Whether `permissions` (a decimal string or int) holds every bit of `permission`.

    A plain bit test: ADMINISTRATOR does not imply the others here; callers that mean
    "may manage" check owner and ADMINISTRATOR themselves. Junk on either side is False.
    """
    value = parse_permissions(permissions)
    wanted = flag_value(permission)
    if value is None or wanted is None:
        return False
    return value & wanted == wanted


def may_manage(permissions: object, *, owner: bool = False) -> bool:
    """Owner, Administrator or Manage Server: who may add the bot and change its settings."""
    value = parse_permissions(permissions) or 0
    return owner or bool(value & (ADMINISTRATOR | MANAGE_GUILD))


def names(permissions: int) -> list[str]:
    """The flag names set in `permissions`, lowest bit first."""
    return [name for name, bit in FLAGS.items() if permissions & bit]
