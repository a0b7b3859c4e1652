"""Discord permission flags by name, from the docs' Bitwise Permission Flags table.

Permissions are 64-bit and arrive as decimal strings; they are parsed with int(), never
through a float. As of 2026-02, bit 47 is unassigned and bit 52 is the newest flag.
Kept here rather than importing discord.py's Permissions: importing discord costs a web
worker 120-150 ms and 17 MB of memory (measured after Django is loaded); a test checks this
table against discord.py's.
"""

from __future__ import annotations

FLAGS: dict[str, int] = {
    "CREATE_INSTANT_INVITE": 1 << 0,
    "KICK_MEMBERS": 1 << 1,
    "BAN_MEMBERS": 1 << 2,
    "ADMINISTRATOR": 1 << 3,
    "MANAGE_CHANNELS": 1 << 4,
    "MANAGE_GUILD": 1 << 5,
    "ADD_REACTIONS": 1 << 6,
    "VIEW_AUDIT_LOG": 1 << 7,
    "PRIORITY_SPEAKER": 1 << 8,
    "STREAM": 1 << 9,
    "VIEW_CHANNEL": 1 << 10,
    "SEND_MESSAGES": 1 << 11,
    "SEND_TTS_MESSAGES": 1 << 12,
    "MANAGE_MESSAGES": 1 << 13,
    "EMBED_LINKS": 1 << 14,
    "ATTACH_FILES": 1 << 15,
    "READ_MESSAGE_HISTORY": 1 << 16,
    "MENTION_EVERYONE": 1 << 17,
    "USE_EXTERNAL_EMOJIS": 1 << 18,
    "VIEW_GUILD_INSIGHTS": 1 << 19,
    "CONNECT": 1 << 20,
    "SPEAK": 1 << 21,
    "MUTE_MEMBERS": 1 << 22,
    "DEAFEN_MEMBERS": 1 << 23,
    "MOVE_MEMBERS": 1 << 24,
    "USE_VAD": 1 << 25,
    "CHANGE_NICKNAME": 1 << 26,
    "MANAGE_NICKNAMES": 1 << 27,
    "MANAGE_ROLES": 1 << 28,
    "MANAGE_WEBHOOKS": 1 << 29,
    "MANAGE_GUILD_EXPRESSIONS": 1 << 30,
    "USE_APPLICATION_COMMANDS": 1 << 31,
    "REQUEST_TO_SPEAK": 1 << 32,
    "MANAGE_EVENTS": 1 << 33,
    "MANAGE_THREADS": 1 << 34,
    "CREATE_PUBLIC_THREADS": 1 << 35,
    "CREATE_PRIVATE_THREADS": 1 << 36,
    "USE_EXTERNAL_STICKERS": 1 << 37,
    "SEND_MESSAGES_IN_THREADS": 1 << 38,
    "USE_EMBEDDED_ACTIVITIES": 1 << 39,
    "MODERATE_MEMBERS": 1 << 40,
    "VIEW_CREATOR_MONETIZATION_ANALYTICS": 1 << 41,
    "USE_SOUNDBOARD": 1 << 42,
    "CREATE_GUILD_EXPRESSIONS": 1 << 43,
    "CREATE_EVENTS": 1 << 44,
    "USE_EXTERNAL_SOUNDS": 1 << 45,
    "SEND_VOICE_MESSAGES": 1 << 46,
    "SET_VOICE_CHANNEL_STATUS": 1 << 48,
    "SEND_POLLS": 1 << 49,
    "USE_EXTERNAL_APPS": 1 << 50,
    "PIN_MESSAGES": 1 << 51,
    "BYPASS_SLOWMODE": 1 << 52,
}

ADMINISTRATOR = FLAGS["ADMINISTRATOR"]
MANAGE_GUILD = FLAGS["MANAGE_GUILD"]
ALL = sum(FLAGS.values())
MAX = 2**64

# How Discord's client names each permission on the consent screen.
LABELS = {
    name: name.replace("_", " ").title().replace("Guild", "Server").replace("Vad", "Voice Activity")
    for name in FLAGS
} | {
    "VIEW_CHANNEL": "View Channels",
    "READ_MESSAGE_HISTORY": "Read Message History",
    "USE_EXTERNAL_EMOJIS": "Use External Emoji",
    "MANAGE_GUILD_EXPRESSIONS": "Manage Expressions",
    "CREATE_GUILD_EXPRESSIONS": "Create Expressions",
    "SEND_TTS_MESSAGES": "Send Text-to-Speech Messages",
    "USE_EMBEDDED_ACTIVITIES": "Use Activities",
    "MODERATE_MEMBERS": "Timeout Members",
}


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
