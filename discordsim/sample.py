"""The sample app credentials, the built-in scenario, and bulk scenarios for benchmarks."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from discordsim import permissions, snowflake

APP_NAME = "FightRise"
CLIENT_ID = "1085218138242547719"
CLIENT_SECRET = "vAqwapJNZ9d0Sc3QIf-g1XeTtFqSL7AF"  # noqa: S105 - a fake, for the simulator
# A bot token is base64(application id), a dot, a 6-character timestamp part, a dot, and a
# 38-character HMAC part.
BOT_TOKEN = "MTA4NTIxODEzODI0MjU0NzcxOQ.GkRz9Q.sIm-7QxW2nL4vB8dK0pZ5tY3uR1eF6hJ9cMaXo"  # noqa: S105
BOT_ID = CLIENT_ID
BOT_USERNAME = "FightRise"
BOT_AVATAR = "c5fbff5740ef5d6604def65eabed48f8"
DEFAULT_REDIRECT_URIS = [
    "http://127.0.0.1:8000/auth/callback/",
    "http://localhost:8000/auth/callback/",
    "http://127.0.0.1:8000/auth/callback/bot/",
    "http://localhost:8000/auth/callback/bot/",
]


def site_redirect_uris(*sites: str) -> list[str]:
    """The login and bot callbacks of each site (http://host:port), as the site builds them."""
    return [
        f"{site.rstrip('/')}{path}"
        for site in sites
        for path in ("/auth/callback/", "/auth/callback/bot/")
    ]


# The people. Ada is the one to sign in as: she can manage some servers and not others.
ADA_ID = "257069950429175809"
BLAZE_ID = "464162408479465473"
NEWBIE_ID = "1378704647581212673"
OLDTIMER_ID = "139436512226975745"
COLLECTOR_ID = "643407370722091009"

# Ada's servers, one per case the dashboard has to show.
FIGHTRISE_HQ_ID = "1085624137117863936"  # Ada owns it; the bot is in
PIXEL_BRAWLERS_ID = "310170053771268096"  # Ada is an administrator; no bot
MIDNIGHT_ARENA_ID = "545755878167416832"  # Ada has Manage Server; the bot is in
COMBO_LAB_ID = "741568419182153728"  # Ada has Manage Server; no bot
CASUAL_FRIDAYS_ID = "893550330904580096"  # Ada is a plain member; the bot is in
RETRO_RUMBLE_ID = "155026562020806656"  # Ada is a plain member; no bot

COLLECTOR_GUILDS = 200
COLLECTOR_BOT_GUILDS = 50
BENCH_USER_ID = "901233411022979073"
BENCH_OWNER_ID = "901233411022979074"

_EVERYONE = str(permissions.EVERYONE)
_MODERATOR = str(permissions.MODERATOR)
_ALL = str(permissions.ALL)

_PREFIXES = [
    "Arcade",
    "Neon",
    "Frame Data",
    "Parry",
    "Turbo",
    "Pixel",
    "Midnight",
    "Sunday",
    "Rollback",
    "Throw Tech",
    "Meter",
    "Hitbox",
    "Wakeup",
    "Spacing",
]
_SUFFIXES = [
    "Club",
    "Dojo",
    "League",
    "Lounge",
    "Collective",
    "Syndicate",
    "Circuit",
    "Society",
    "Guild",
    "Crew",
    "Bracket",
    "Academy",
    "Arena",
    "House",
]


def _name(index: int) -> str:
    """Distinct server names for the first 196 indexes, from two word lists."""
    suffix = _SUFFIXES[index // len(_PREFIXES) % len(_SUFFIXES)]
    return f"{_PREFIXES[index % len(_PREFIXES)]} {suffix}"


def _channel_id(guild_id: str, number: int) -> str:
    """A channel made a few minutes after its server, so its id is a real, stable snowflake."""
    created = snowflake.timestamp_ms(guild_id) + number * 60000
    return snowflake.make(created, worker=0, process=1, increment=number)


def channel_id(guild_id: str, name: str) -> str:
    """The id of one of the sample servers' channels, by name: channel_id(FIGHTRISE_HQ_ID,
    "matches")."""
    server = next(server for server in _SERVERS if server["id"] == guild_id)
    return _channel_id(guild_id, server["channels"].index(name) + 1)


def _channels(guild_id: str, names: list[str]) -> list[dict[str, Any]]:
    return [
        {"id": _channel_id(guild_id, number), "name": name, "type": 0}
        for number, name in enumerate(names, start=1)
    ]


def _application() -> dict[str, Any]:
    return {
        "id": CLIENT_ID,
        "name": APP_NAME,
        "description": "Tournaments, brackets and match calls for fighting-game communities.",
        "client_secret": CLIENT_SECRET,
        "bot_token": BOT_TOKEN,
        "redirect_uris": list(DEFAULT_REDIRECT_URIS),
        "bot_public": True,
        "bot_require_code_grant": True,
        "privileged_intents": 0,
        "owner_id": ADA_ID,
    }


def _bot() -> dict[str, Any]:
    return {"id": BOT_ID, "username": BOT_USERNAME, "avatar": BOT_AVATAR, "discriminator": "4417"}


_PEOPLE: list[dict[str, Any]] = [
    {
        "id": ADA_ID,
        "username": "ada",
        "global_name": "Ada Lovelace",
        "discriminator": "0",
        "avatar": "fdee430d40bd57deeac186cd9790033d",
        "email": "ada@example.com",
    },
    {
        "id": BLAZE_ID,
        "username": "blaze",
        "global_name": "Blaze",
        "discriminator": "0",
        "avatar": "a_88a5c49d8cb7f295df955627440db159",
    },
    # Brand new: no avatar and no display name yet, so the username is what shows.
    {
        "id": NEWBIE_ID,
        "username": "newbie",
        "global_name": None,
        "discriminator": "0",
        "avatar": None,
    },
    # Never migrated to the new usernames: a four-digit discriminator and no display name.
    {
        "id": OLDTIMER_ID,
        "username": "Oldtimer",
        "global_name": None,
        "discriminator": "4821",
        "avatar": None,
    },
    {
        "id": COLLECTOR_ID,
        "username": "collector",
        "global_name": "The Collector",
        "discriminator": "0",
        "avatar": "0736fd5b7cc7ab7dfe821d3a17f93f26",
    },
]

_SERVERS: list[dict[str, Any]] = [
    {
        "id": FIGHTRISE_HQ_ID,
        "name": "FightRise HQ",
        "icon": "dfbfcd6f5474f6d4ab08bef315974f86",
        "owner_id": ADA_ID,
        "features": ["COMMUNITY", "NEWS"],
        "member_count": 1240,
        "bot_present": True,
        "channels": ["announcements", "general", "matches", "results"],
    },
    {
        "id": PIXEL_BRAWLERS_ID,
        "name": "Pixel Brawlers",
        "icon": "a_3f8d7379e2f0f7d0c845a06f7b67ef80",
        "owner_id": BLAZE_ID,
        "features": ["ANIMATED_ICON"],
        "member_count": 87,
        "bot_present": False,
        "channels": ["general", "matches"],
    },
    {
        "id": MIDNIGHT_ARENA_ID,
        "name": "Midnight Arena",
        "icon": "35af25f5a5fdac6401dd4baf949794b5",
        "owner_id": BLAZE_ID,
        "features": [],
        "member_count": 560,
        "bot_present": True,
        "channels": ["announcements", "general", "matches"],
    },
    {
        "id": COMBO_LAB_ID,
        "name": "Combo Lab",
        "icon": None,
        "owner_id": COLLECTOR_ID,
        "features": [],
        "member_count": 23,
        "bot_present": False,
        "channels": ["general", "combo-videos"],
    },
    {
        "id": CASUAL_FRIDAYS_ID,
        "name": "Casual Fridays",
        "icon": "c633eb52f63cec1d6b02d42448254cd8",
        "owner_id": OLDTIMER_ID,
        "features": [],
        "member_count": 14,
        "bot_present": True,
        "channels": ["general", "matches"],
    },
    {
        "id": RETRO_RUMBLE_ID,
        "name": "Retro Rumble",
        "icon": None,
        "owner_id": OLDTIMER_ID,
        "features": [],
        "member_count": 342,
        "bot_present": False,
        "channels": ["announcements", "general"],
    },
]

# (server, person, permissions); owners are members with every permission anyway.
_MEMBERSHIPS: list[tuple[str, str, str]] = [
    (FIGHTRISE_HQ_ID, BLAZE_ID, _MODERATOR),
    (FIGHTRISE_HQ_ID, NEWBIE_ID, _EVERYONE),
    (FIGHTRISE_HQ_ID, COLLECTOR_ID, _EVERYONE),
    # Administrators get every permission, as Discord computes it.
    (PIXEL_BRAWLERS_ID, ADA_ID, _ALL),
    (PIXEL_BRAWLERS_ID, OLDTIMER_ID, _EVERYONE),
    (MIDNIGHT_ARENA_ID, ADA_ID, _MODERATOR),
    (MIDNIGHT_ARENA_ID, NEWBIE_ID, _EVERYONE),
    (MIDNIGHT_ARENA_ID, COLLECTOR_ID, _EVERYONE),
    (COMBO_LAB_ID, ADA_ID, _MODERATOR),
    (CASUAL_FRIDAYS_ID, ADA_ID, _EVERYONE),
    (CASUAL_FRIDAYS_ID, NEWBIE_ID, _EVERYONE),
    (CASUAL_FRIDAYS_ID, BLAZE_ID, _EVERYONE),
    (RETRO_RUMBLE_ID, ADA_ID, _EVERYONE),
    (RETRO_RUMBLE_ID, COLLECTOR_ID, _EVERYONE),
]


def _collection(count: int, bot_count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The Collector's other servers: names from two word lists, made between 2017 and 2024."""
    start = datetime(2017, 1, 9, 14, 0, tzinfo=UTC).timestamp() * 1000
    span = datetime(2024, 12, 20, tzinfo=UTC).timestamp() * 1000 - start
    guilds, members = [], []
    for index in range(count):
        created = int(start + span * index / count) + index * 7919
        guild_id = snowflake.make(created, worker=0, process=1)
        owner_id = snowflake.make(created - 86400000, worker=1, process=3)
        guilds.append(
            {
                "id": guild_id,
                "name": _name(index),
                "icon": None,
                "owner_id": owner_id,
                "member_count": 12 + (index * 37) % 900,
                "bot_present": index % 4 == 0 and index // 4 < bot_count,
                "channels": _channels(guild_id, ["general", "matches"]),
            }
        )
        if index % 13 == 0:
            value = _ALL
        elif index % 5 == 0:
            value = _MODERATOR
        else:
            value = _EVERYONE
        members.append({"guild_id": guild_id, "user_id": COLLECTOR_ID, "permissions": value})
    return guilds, members


def sample_scenario() -> dict[str, Any]:
    """The built-in world: five people, Ada's six servers, and the Collector's 200."""
    guilds = []
    for server in _SERVERS:
        guild = copy.deepcopy(server)
        guild["channels"] = _channels(guild["id"], guild["channels"])
        guilds.append(guild)
    members = [
        {"guild_id": guild_id, "user_id": user_id, "permissions": value}
        for guild_id, user_id, value in _MEMBERSHIPS
    ]
    named = {guild_id for guild_id, user_id, _ in _MEMBERSHIPS if user_id == COLLECTOR_ID}
    named |= {server["id"] for server in _SERVERS if server["owner_id"] == COLLECTOR_ID}
    named_with_bot = sum(
        1 for server in _SERVERS if server["id"] in named and server["bot_present"]
    )
    extra_guilds, extra_members = _collection(
        COLLECTOR_GUILDS - len(named), COLLECTOR_BOT_GUILDS - named_with_bot
    )
    return {
        "application": _application(),
        "bot": _bot(),
        "users": copy.deepcopy(_PEOPLE),
        "guilds": guilds + extra_guilds,
        "members": members + extra_members,
        "token_ttl": 604800,
    }


def add_players(scenario: dict[str, Any], guild_id: str, count: int) -> list[str]:
    """Add `count` plain members ("player1", "player2", ...) to a server of the scenario, for
    brackets bigger than the sample people; returns their ids in order."""
    guild = next(guild for guild in scenario["guilds"] if guild["id"] == guild_id)
    start = snowflake.timestamp_ms(guild_id) + 3600000
    ids = []
    for number in range(1, count + 1):
        user_id = snowflake.make(start + number * 1000, worker=4, process=2, increment=number)
        scenario["users"].append(
            {
                "id": user_id,
                "username": f"player{number}",
                "global_name": f"Player {number}",
                "discriminator": "0",
                "avatar": None,
            }
        )
        scenario["members"].append(
            {"guild_id": guild_id, "user_id": user_id, "permissions": _EVERYONE}
        )
        ids.append(user_id)
    guild["member_count"] = max(guild.get("member_count", 1), len(ids) + 1)
    return ids


def bulk_scenario(
    guilds: int = 2500,
    bot_in: int = 2500,
    user_guilds: int = 200,
    *,
    channels_per_guild: int = 3,
    rate_limit_per_second: int = 50,
) -> dict[str, Any]:
    """A large world for benchmarks: `guilds` servers, the bot in the first `bot_in` of them,
    and one person (BENCH_USER_ID, "bench") in `user_guilds` of them, spread evenly.

    Server ids spread over 2016-2024, so sharding distributes them like real ones.
    """
    if not 0 <= bot_in <= guilds or not 0 <= user_guilds <= guilds:
        raise ValueError("bot_in and user_guilds cannot exceed guilds")
    start = datetime(2016, 2, 1, tzinfo=UTC).timestamp() * 1000
    span = datetime(2024, 12, 1, tzinfo=UTC).timestamp() * 1000 - start
    names = ["general", "matches", "announcements", "results", "off-topic"]
    step = guilds / user_guilds if user_guilds else 0
    chosen = {int(index * step) for index in range(user_guilds)}
    guild_list, members = [], []
    for index in range(guilds):
        created = int(start + span * index / guilds) + index % 997
        guild_id = snowflake.make(created, worker=2, process=index % 32)
        owns = index in chosen and index % 10 == 0
        guild_list.append(
            {
                "id": guild_id,
                "name": f"{_name(index)} {index + 1}",
                "icon": None,
                "owner_id": BENCH_USER_ID if owns else BENCH_OWNER_ID,
                "member_count": 10 + (index * 53) % 5000,
                "bot_present": index < bot_in,
                "channels": _channels(guild_id, (names * 4)[: max(1, channels_per_guild)]),
            }
        )
        if index in chosen and not owns:
            value = _MODERATOR if index % 3 == 0 else _EVERYONE
            members.append({"guild_id": guild_id, "user_id": BENCH_USER_ID, "permissions": value})
    return {
        "application": _application(),
        "bot": _bot(),
        "users": [
            {
                "id": BENCH_USER_ID,
                "username": "bench",
                "global_name": "Bench Mark",
                "discriminator": "0",
                "avatar": None,
            },
            {
                "id": BENCH_OWNER_ID,
                "username": "organizer",
                "global_name": "Organizer",
                "discriminator": "0",
                "avatar": None,
            },
            copy.deepcopy(_PEOPLE[0]),
        ],
        "guilds": guild_list,
        "members": members,
        "token_ttl": 604800,
        "rate_limit_per_second": rate_limit_per_second,
    }
