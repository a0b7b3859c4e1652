"""The simulated Discord's state: the scenario (people, servers, the app) and run-time records."""

from __future__ import annotations

import copy
import re
import secrets
import string
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from discordsim import permissions, snowflake

HASH_RE = re.compile(r"^(a_)?[0-9a-f]{32}$")
DISCRIMINATOR_RE = re.compile(r"^(0|[0-9]{4})$")
TOKEN_ALPHABET = string.ascii_letters + string.digits

DEFAULT_TOKEN_TTL = 604800
DEFAULT_RATE_LIMIT = 50
# Events > Gateway > Hello: Discord currently asks for a heartbeat every 41.25 seconds.
DEFAULT_HEARTBEAT_INTERVAL_MS = 41250
CODE_TTL = 600
# Interactions > Receiving and Responding: the first response within 3 seconds, then the token
# stays valid for 15 minutes.
INTERACTION_ACK_DEADLINE = 3.0
INTERACTION_TOKEN_TTL = 900
REQUEST_LOG_SIZE = 10000
# Resources > Channel > Channel Types.
GUILD_TEXT, GUILD_VOICE, GUILD_CATEGORY, GUILD_ANNOUNCEMENT = 0, 2, 4, 5
ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD, GUILD_FORUM, GUILD_MEDIA = 10, 11, 12, 15, 16
THREAD_TYPES = (ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD)
# Resources > Channel > Overwrite Object: 0 for a role, 1 for a member.
ROLE_OVERWRITE, MEMBER_OVERWRITE = 0, 1

# Intents that need the app's switch in the Developer Portal (Events > Gateway > Privileged
# Intents): GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT.
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)
# Resources > Application > Application Flags for those switches on an unverified app.
INTENT_APPLICATION_FLAGS = {1 << 8: 1 << 13, 1 << 1: 1 << 15, 1 << 15: 1 << 19}
APPLICATION_COMMAND_BADGE = 1 << 23


class ScenarioError(ValueError):
    """The scenario document is not valid; the message names the field."""


def random_token(length: int = 30) -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(length))


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


@dataclass
class Application:
    id: str
    name: str
    client_secret: str
    bot_token: str
    redirect_uris: list[str]
    bot_public: bool = True
    bot_require_code_grant: bool = True
    privileged_intents: int = 0
    description: str = ""
    icon: str | None = None
    owner_id: str | None = None
    verify_key: str = ""

    @property
    def flags(self) -> int:
        flags = APPLICATION_COMMAND_BADGE
        for intent, flag in INTENT_APPLICATION_FLAGS.items():
            if self.privileged_intents & intent:
                flags |= flag
        return flags


@dataclass
class User:
    id: str
    username: str
    global_name: str | None = None
    discriminator: str = "0"
    avatar: str | None = None
    bot: bool = False
    email: str | None = None
    locale: str = "en-US"
    public_flags: int = 0
    premium_type: int = 0
    mfa_enabled: bool = False
    banner: str | None = None
    accent_color: int | None = None


@dataclass
class Guild:
    id: str
    name: str
    owner_id: str
    icon: str | None = None
    banner: str | None = None
    description: str | None = None
    features: list[str] = field(default_factory=list)
    member_count: int = 1
    channels: list[dict[str, Any]] = field(default_factory=list)
    preferred_locale: str = "en-US"
    bot_present: bool = False
    bot_permissions: int = permissions.BOT_DEFAULT
    bot_joined_at: float = 0.0
    unavailable: bool = False

    @property
    def presence_count(self) -> int:
        # Roughly a third of a server is online at any time; stable for a given server.
        return max(1, self.member_count // 3)

    @property
    def bot_role_id(self) -> str:
        # The managed role Discord creates when the bot joins with permissions.
        return snowflake.make(snowflake.timestamp_ms(self.id), worker=2, increment=1)


@dataclass
class Thread:
    """A thread: a channel under a text channel (Topics > Threads), kept for this run only."""

    id: str
    guild_id: str
    parent_id: str
    owner_id: str
    name: str
    type: int
    created_at: float
    auto_archive_duration: int = 1440
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    rate_limit_per_user: int = 0
    archive_timestamp: float = 0.0
    # When it last had activity (a message, unarchiving, a new auto_archive_duration).
    last_activity: float = 0.0
    # Thread members: user id -> when they joined.
    members: dict[str, float] = field(default_factory=dict)
    message_count: int = 0
    total_message_sent: int = 0
    last_message_id: str | None = None

    @property
    def private(self) -> bool:
        return self.type == PRIVATE_THREAD


@dataclass
class Authorization:
    """A person's grant to the app (Settings > Authorized Apps): revoking it ends every token."""

    client_id: str
    user_id: str
    scopes: set[str] = field(default_factory=set)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)


@dataclass
class AccessToken:
    value: str
    client_id: str
    user_id: str
    scopes: list[str]
    expires_at: float


@dataclass
class RefreshToken:
    value: str
    client_id: str
    user_id: str
    scopes: list[str]


@dataclass
class AuthCode:
    code: str
    client_id: str
    user_id: str
    scopes: list[str]
    redirect_uri: str | None
    code_challenge: str | None
    guild_id: str | None
    permissions: int | None
    expires_at: float
    used: bool = False
    issued: list[str] = field(default_factory=list)
    # The app requires the code grant: the bot joins guild_id when this code is exchanged.
    joins_bot: bool = False


@dataclass
class InteractionRecord:
    """An interaction the simulator sent, and everything the bot answered to it."""

    id: str
    token: str
    payload: dict[str, Any]
    created_at: float
    command_name: str = ""
    # Interactions > Receiving and Responding > Interaction Type: 2 a command, 3 a component,
    # 5 a modal's submission.
    kind: int = 2
    user_id: str = ""
    guild_id: str = ""
    channel_id: str = ""
    # The message whose component was used (type 3, and type 5 for a modal opened from one).
    message_id: str | None = None
    callback: dict[str, Any] | None = None
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    # A MODAL callback's modal, and the interaction its submission became.
    modal: dict[str, Any] | None = None
    modal_submission: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "token": self.token,
            "type": self.kind,
            "command_name": self.command_name,
            "user_id": self.user_id,
            "channel_id": self.channel_id,
            "message_id": self.message_id,
            "interaction": self.payload,
            "acknowledged": self.callback is not None,
            "callback": self.callback,
            "original": self.original,
            "followups": self.followups,
            "responses": self.responses,
            "modal": self.modal,
            "modal_submission": self.modal_submission,
        }


def _require(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise ScenarioError(f"{where}.{key} is required")
    return data[key]


def _snowflake(value: Any, where: str) -> str:
    if not snowflake.is_valid(value):
        raise ScenarioError(
            f"{where} must be a snowflake string (17-20 digits, not in the future): {value!r}"
        )
    return value


def _hash(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not HASH_RE.match(value):
        raise ScenarioError(f"{where} must be null or 32 hex digits, optionally after a_")
    return value


def _permissions(value: Any, where: str) -> int:
    if not isinstance(value, str) or not value.isdigit() or int(value) >= 2**64:
        raise ScenarioError(f"{where} must be a decimal string below 2**64")
    return int(value)


def _string(data: dict[str, Any], key: str, where: str) -> str:
    value = _require(data, key, where)
    if not isinstance(value, str) or not value:
        raise ScenarioError(f"{where}.{key} must be a non-empty string")
    return value


def _list(data: dict[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ScenarioError(f"{where}.{key} must be a list")
    return value


def _int(data: dict[str, Any], key: str, default: int, where: str, minimum: int = 0) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ScenarioError(f"{where}.{key} must be an integer of at least {minimum}")
    return value


def permission_bits(value: Any, where: str) -> int:
    """A permission set given as a decimal string or as a list of names ("SEND_MESSAGES")."""
    if isinstance(value, list):
        unknown = [name for name in value if name not in permissions.BY_NAME]
        if unknown:
            raise ScenarioError(f"{where}: unknown permissions {unknown}")
        return permissions.combine(*value)
    return _permissions(value, where)


def parse_overwrites(data: dict[str, Any], where: str, *, bot_id: str) -> list[dict[str, Any]]:
    """Resources > Channel > Overwrite Object, from `permission_overwrites` and the shorthand
    `bot_denied` (permission names the bot is denied here: a member overwrite for the bot)."""
    result: list[dict[str, Any]] = []
    for index, item in enumerate(_list(data, "permission_overwrites", where)):
        here = f"{where}.permission_overwrites[{index}]"
        if not isinstance(item, dict):
            raise ScenarioError(f"{here} must be an object")
        kind = item.get("type")
        if kind not in (ROLE_OVERWRITE, MEMBER_OVERWRITE):
            raise ScenarioError(f"{here}.type must be 0 (role) or 1 (member)")
        result.append(
            {
                "id": _snowflake(_require(item, "id", here), f"{here}.id"),
                "type": kind,
                "allow": str(permission_bits(item.get("allow") or "0", f"{here}.allow")),
                "deny": str(permission_bits(item.get("deny") or "0", f"{here}.deny")),
            }
        )
    if "bot_denied" in data:
        denied = permission_bits(data["bot_denied"], f"{where}.bot_denied")
        result = [item for item in result if item["id"] != bot_id]
        if denied:
            result.append(
                {"id": bot_id, "type": MEMBER_OVERWRITE, "allow": "0", "deny": str(denied)}
            )
    return result


def parse_rate_limits(data: Any, where: str) -> dict[str, tuple[int, float]]:
    """{"message_create": {"limit": 5, "window": 5.0}, ...}: the route families' limits."""
    from discordsim.ratelimits import FAMILIES

    if not isinstance(data, dict):
        raise ScenarioError(f"{where} must be an object")
    result = {}
    for name, value in data.items():
        if name not in FAMILIES:
            raise ScenarioError(f"{where}.{name}: no such route family ({', '.join(FAMILIES)})")
        if not isinstance(value, dict):
            raise ScenarioError(f"{where}.{name} must be an object")
        limit = _int(value, "limit", FAMILIES[name].limit, f"{where}.{name}", minimum=1)
        window = value.get("window", FAMILIES[name].window)
        if isinstance(window, bool) or not isinstance(window, int | float) or window <= 0:
            raise ScenarioError(f"{where}.{name}.window must be a positive number of seconds")
        result[name] = (limit, float(window))
    return result


class State:
    """Everything the simulator knows. Lives on the server's event loop; not thread-safe."""

    def __init__(self, scenario: dict[str, Any]) -> None:
        self.ids = snowflake.Generator()
        # Every code and token handed out since start, across scenario loads: tests check
        # that none of them shows up whole in a log.
        self.issued_secrets: list[str] = []
        self.load(scenario)

    def now(self) -> float:
        """Wall-clock time as the simulator sees it (moved on by POST /_sim/clock)."""
        return time.time() + self.clock_offset

    # Scenario -------------------------------------------------------------------------------

    def load(self, scenario: dict[str, Any]) -> None:
        """Replace all state with the scenario, validating it first."""
        if not isinstance(scenario, dict):
            raise ScenarioError("the scenario must be a JSON object")
        app_data = _require(scenario, "application", "scenario")
        bot_data = _require(scenario, "bot", "scenario")
        application = Application(
            id=_snowflake(_require(app_data, "id", "application"), "application.id"),
            name=_string(app_data, "name", "application"),
            client_secret=_string(app_data, "client_secret", "application"),
            bot_token=_string(app_data, "bot_token", "application"),
            redirect_uris=[str(uri) for uri in _list(app_data, "redirect_uris", "application")],
            bot_public=bool(app_data.get("bot_public", True)),
            bot_require_code_grant=bool(app_data.get("bot_require_code_grant", True)),
            privileged_intents=_int(app_data, "privileged_intents", 0, "application"),
            description=str(app_data.get("description", "")),
            icon=_hash(app_data.get("icon"), "application.icon"),
            owner_id=app_data.get("owner_id"),
            verify_key=str(app_data.get("verify_key") or secrets.token_hex(32)),
        )
        if application.privileged_intents & ~PRIVILEGED_INTENTS:
            raise ScenarioError("application.privileged_intents may hold only bits 1, 8 and 15")
        bot = User(
            id=_snowflake(_require(bot_data, "id", "bot"), "bot.id"),
            username=_string(bot_data, "username", "bot"),
            avatar=_hash(bot_data.get("avatar"), "bot.avatar"),
            discriminator=str(bot_data.get("discriminator", "0")),
            global_name=application.name,
            bot=True,
        )
        if bot.id != application.id:
            raise ScenarioError("bot.id must equal application.id, as it does on Discord")

        users: dict[str, User] = {}
        for index, data in enumerate(_list(scenario, "users", "scenario")):
            where = f"users[{index}]"
            user = User(
                id=_snowflake(_require(data, "id", where), f"{where}.id"),
                username=_string(data, "username", where),
                global_name=data.get("global_name"),
                discriminator=str(data.get("discriminator", "0")),
                avatar=_hash(data.get("avatar"), f"{where}.avatar"),
                email=data.get("email"),
                locale=str(data.get("locale", "en-US")),
                public_flags=_int(data, "public_flags", 0, where),
                premium_type=_int(data, "premium_type", 0, where),
                mfa_enabled=bool(data.get("mfa_enabled", False)),
            )
            if not DISCRIMINATOR_RE.match(user.discriminator):
                raise ScenarioError(f'{where}.discriminator must be "0" or four digits')
            if user.id in users or user.id == bot.id:
                raise ScenarioError(f"{where}.id is used twice")
            users[user.id] = user
        if application.owner_id is not None and application.owner_id not in users:
            raise ScenarioError("application.owner_id must name one of the users")

        now = time.time()
        guilds: dict[str, Guild] = {}
        for index, data in enumerate(_list(scenario, "guilds", "scenario")):
            where = f"guilds[{index}]"
            guild_id = _snowflake(_require(data, "id", where), f"{where}.id")
            if guild_id in guilds:
                raise ScenarioError(f"{where}.id is used twice")
            features = _list(data, "features", where)
            guild = Guild(
                id=guild_id,
                name=_string(data, "name", where),
                owner_id=_snowflake(_require(data, "owner_id", where), f"{where}.owner_id"),
                icon=_hash(data.get("icon"), f"{where}.icon"),
                banner=_hash(data.get("banner"), f"{where}.banner"),
                description=data.get("description"),
                features=[str(feature) for feature in features],
                member_count=_int(data, "member_count", 1, where, minimum=1),
                preferred_locale=str(data.get("preferred_locale", "en-US")),
                bot_present=bool(data.get("bot_present", False)),
                bot_permissions=_permissions(
                    data.get("bot_permissions", str(permissions.BOT_DEFAULT)),
                    f"{where}.bot_permissions",
                ),
            )
            guild.channels = self.parse_channels(
                guild, _list(data, "channels", where), where, bot_id=bot.id
            )
            # The bot joined a day after the server was made, or now for a brand-new server.
            guild.bot_joined_at = min(snowflake.timestamp_ms(guild_id) / 1000 + 86400, now)
            guilds[guild_id] = guild

        members: dict[str, dict[str, int]] = {guild_id: {} for guild_id in guilds}
        for index, data in enumerate(_list(scenario, "members", "scenario")):
            where = f"members[{index}]"
            guild_id = _require(data, "guild_id", where)
            user_id = _require(data, "user_id", where)
            if guild_id not in guilds:
                raise ScenarioError(f"{where}.guild_id names no guild: {guild_id!r}")
            if user_id not in users:
                raise ScenarioError(f"{where}.user_id names no user: {user_id!r}")
            value = _permissions(_require(data, "permissions", where), f"{where}.permissions")
            members[guild_id][user_id] = value
        for guild in guilds.values():
            # The owner is always a member, and Discord computes ALL for the owner.
            if guild.owner_id in users:
                members[guild.id][guild.owner_id] = permissions.ALL

        self.application = application
        self.bot = bot
        self.users = users
        self.guilds = guilds
        self.members = members
        self.token_ttl = _int(scenario, "token_ttl", DEFAULT_TOKEN_TTL, "scenario")
        self.rate_limit = _int(
            scenario, "rate_limit_per_second", DEFAULT_RATE_LIMIT, "scenario", minimum=1
        )
        self.heartbeat_interval = _int(
            scenario, "heartbeat_interval", DEFAULT_HEARTBEAT_INTERVAL_MS, "scenario", minimum=10
        )
        self.rate_limits = parse_rate_limits(scenario.get("rate_limits") or {}, "rate_limits")
        self.index_channels()
        self.reset_runtime()

    def parse_channels(
        self, guild: Guild, channels: list[Any], where: str, *, bot_id: str | None = None
    ) -> list[dict[str, Any]]:
        if not channels:
            channels = [
                {
                    "id": snowflake.make(snowflake.timestamp_ms(guild.id), increment=1),
                    "name": "general",
                }
            ]
        result = []
        for position, data in enumerate(channels):
            here = f"{where}.channels[{position}]"
            if not isinstance(data, dict):
                raise ScenarioError(f"{here} must be an object")
            channel = {
                "id": _snowflake(_require(data, "id", here), f"{here}.id"),
                "name": _string(data, "name", here),
                "type": _int(data, "type", 0, here),
                "position": _int(data, "position", position, here),
                "topic": data.get("topic"),
                "nsfw": bool(data.get("nsfw", False)),
                "parent_id": data.get("parent_id"),
                "permission_overwrites": parse_overwrites(data, here, bot_id=bot_id or self.bot.id),
            }
            if channel["type"] in THREAD_TYPES:
                raise ScenarioError(f"{here}.type: threads are made at run time, not declared")
            result.append(channel)
        return result

    def reset_runtime(self) -> None:
        """Forget tokens, codes, commands, interactions, logs and faults (not the scenario)."""
        self.clock_offset = 0.0
        self.authorizations: dict[tuple[str, str], Authorization] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}
        self.commands: dict[str | None, dict[str, dict[str, Any]]] = {None: {}}
        self.interactions: dict[str, InteractionRecord] = {}
        self.interactions_by_token: dict[str, InteractionRecord] = {}
        self.request_log: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self.request_counter = 0
        # Requests answered: the client page reloads when this moves.
        self.completed_requests = 0
        self.faults: list[dict[str, Any]] = []
        self.latency: list[dict[str, Any]] = []
        self.rate_buckets: dict[tuple[str, str, str], list[float]] = {}
        self.clear_rate_stats()
        self.session_starts = 0
        # Each time the bot joined a server during this run: guild_id, at, via.
        self.bot_joins: list[dict[str, Any]] = []
        # Messages per channel (threads included), oldest first: channel id -> id -> message.
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}
        self.threads: dict[str, Thread] = {}
        # Create Message's enforce_nonce: (author, nonce) -> (message id, channel id, when).
        self.nonces: dict[tuple[str, str], tuple[str, str, float]] = {}
        # Which channel holds each stored message.
        self.message_channel: dict[str, str] = {}
        self.last_sweep = 0.0

    def to_scenario(self) -> dict[str, Any]:
        """The current state as a scenario document (POST it back to get the same world)."""
        app = self.application
        application = {
            "id": app.id,
            "name": app.name,
            "client_secret": app.client_secret,
            "bot_token": app.bot_token,
            "redirect_uris": list(app.redirect_uris),
            "bot_public": app.bot_public,
            "bot_require_code_grant": app.bot_require_code_grant,
            "privileged_intents": app.privileged_intents,
            "description": app.description,
            "icon": app.icon,
            "verify_key": app.verify_key,
        }
        if app.owner_id is not None:
            application["owner_id"] = app.owner_id
        users = []
        for user in self.users.values():
            entry: dict[str, Any] = {
                "id": user.id,
                "username": user.username,
                "global_name": user.global_name,
                "discriminator": user.discriminator,
                "avatar": user.avatar,
            }
            if user.email is not None:
                entry["email"] = user.email
            users.append(entry)
        guilds = []
        members = []
        for guild in self.guilds.values():
            guilds.append(
                {
                    "id": guild.id,
                    "name": guild.name,
                    "icon": guild.icon,
                    "banner": guild.banner,
                    "description": guild.description,
                    "owner_id": guild.owner_id,
                    "features": list(guild.features),
                    "member_count": guild.member_count,
                    "preferred_locale": guild.preferred_locale,
                    "channels": copy.deepcopy(guild.channels),
                    "bot_present": guild.bot_present,
                    "bot_permissions": str(guild.bot_permissions),
                }
            )
            for user_id, value in self.members[guild.id].items():
                members.append(
                    {"guild_id": guild.id, "user_id": user_id, "permissions": str(value)}
                )
        return {
            "application": application,
            "bot": {
                "id": self.bot.id,
                "username": self.bot.username,
                "avatar": self.bot.avatar,
                "discriminator": self.bot.discriminator,
            },
            "users": users,
            "guilds": guilds,
            "members": members,
            "token_ttl": self.token_ttl,
            "rate_limit_per_second": self.rate_limit,
            "rate_limits": {
                name: {"limit": value, "window": window}
                for name, (value, window) in self.rate_limits.items()
            },
            "heartbeat_interval": self.heartbeat_interval,
        }

    def clear_rate_stats(self) -> None:
        """Forget what the rate limits counted, and start every bucket afresh."""
        self.rate_buckets = {}
        self.rate_stats: dict[str, Any] = {
            "requests": 0,
            "limited": 0,
            "fault_429s": 0,
            "buckets": {},
        }

    def index_channels(self) -> None:
        """Map every declared channel to its server (call after changing a server's channels)."""
        self.channel_guild = {
            channel["id"]: guild.id for guild in self.guilds.values() for channel in guild.channels
        }

    # Queries --------------------------------------------------------------------------------

    def find_channel(self, channel_id: str) -> tuple[Guild, dict[str, Any] | Thread] | None:
        """The server and the channel (a declared channel, or a thread) with this id."""
        thread = self.threads.get(channel_id)
        if thread is not None:
            return self.guilds[thread.guild_id], thread
        guild_id = self.channel_guild.get(channel_id)
        if guild_id is None:
            return None
        guild = self.guilds[guild_id]
        channel = next((c for c in guild.channels if c["id"] == channel_id), None)
        return (guild, channel) if channel is not None else None

    def guild_threads(self, guild_id: str) -> list[Thread]:
        return [thread for thread in self.threads.values() if thread.guild_id == guild_id]

    def remove_thread(self, thread_id: str) -> None:
        self.threads.pop(thread_id, None)
        self.messages.pop(thread_id, None)

    def channel_messages(self, channel_id: str) -> dict[str, dict[str, Any]]:
        return self.messages.setdefault(channel_id, {})

    def user_guild_ids(self, user_id: str) -> list[str]:
        """The servers a person is in, sorted by id as Discord lists them."""
        return sorted((gid for gid, people in self.members.items() if user_id in people), key=int)

    def bot_guild_ids(self) -> list[str]:
        return sorted((gid for gid, guild in self.guilds.items() if guild.bot_present), key=int)

    def bot_permissions(self, guild: Guild) -> int:
        return permissions.effective(guild.bot_permissions)

    def manageable_guilds(self, user_id: str) -> list[Guild]:
        """Servers whose "Add to server" picker lists this person: owner, admin or Manage Server."""
        result = []
        for guild_id in self.user_guild_ids(user_id):
            guild = self.guilds[guild_id]
            value = self.members[guild_id][user_id]
            if permissions.can_add_bots(value, owner=guild.owner_id == user_id):
                result.append(guild)
        return result

    def lookup_user(self, user_id: str) -> User | None:
        if user_id == self.bot.id:
            return self.bot
        return self.users.get(user_id)

    # Mutations the control API and the consent screen share ---------------------------------

    def add_bot(self, guild_id: str, bot_permissions: int | None = None, *, via: str) -> bool:
        """Put the bot in the server; False when it was already there.

        `via` says what added it ("authorize", "code_exchange", "control"), for bot_membership.
        """
        guild = self.guilds[guild_id]
        if bot_permissions is not None:
            guild.bot_permissions = bot_permissions
        if guild.bot_present:
            return False
        guild.bot_present = True
        guild.bot_joined_at = time.time()
        guild.unavailable = False
        self.bot_joins.append({"guild_id": guild_id, "at": guild.bot_joined_at, "via": via})
        return True

    def bot_membership(self, guild: Guild) -> dict[str, Any]:
        """Whether the bot is in the server, since when, and every join of this run."""
        return {
            "guild_id": guild.id,
            "present": guild.bot_present,
            "joined_at": guild.bot_joined_at if guild.bot_present else None,
            "permissions": str(guild.bot_permissions),
            "joins": [
                {"at": join["at"], "via": join["via"]}
                for join in self.bot_joins
                if join["guild_id"] == guild.id
            ],
        }

    def remove_bot(self, guild_id: str) -> bool:
        guild = self.guilds[guild_id]
        if not guild.bot_present:
            return False
        guild.bot_present = False
        guild.unavailable = False
        return True

    # OAuth2 ---------------------------------------------------------------------------------

    def issue_code(
        self,
        *,
        user_id: str,
        scopes: list[str],
        redirect_uri: str | None,
        code_challenge: str | None,
        guild_id: str | None,
        permissions_value: int | None,
        joins_bot: bool = False,
    ) -> AuthCode:
        code = AuthCode(
            code=random_token(),
            client_id=self.application.id,
            user_id=user_id,
            scopes=scopes,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            guild_id=guild_id,
            permissions=permissions_value,
            expires_at=self.now() + CODE_TTL,
            joins_bot=joins_bot,
        )
        self.codes[code.code] = code
        self.issued_secrets.append(code.code)
        return code

    def authorization(self, client_id: str, user_id: str) -> Authorization:
        key = (client_id, user_id)
        if key not in self.authorizations:
            self.authorizations[key] = Authorization(client_id=client_id, user_id=user_id)
        return self.authorizations[key]

    def issue_tokens(
        self, client_id: str, user_id: str, scopes: list[str], *, refresh: bool = True
    ) -> tuple[AccessToken, RefreshToken | None]:
        grant = self.authorization(client_id, user_id)
        grant.scopes.update(scopes)
        access = AccessToken(
            value=random_token(),
            client_id=client_id,
            user_id=user_id,
            scopes=list(scopes),
            expires_at=self.now() + self.token_ttl,
        )
        self.access_tokens[access.value] = access
        grant.access_tokens.add(access.value)
        self.issued_secrets.append(access.value)
        refresh_token = None
        if refresh:
            refresh_token = RefreshToken(
                value=random_token(), client_id=client_id, user_id=user_id, scopes=list(scopes)
            )
            self.refresh_tokens[refresh_token.value] = refresh_token
            grant.refresh_tokens.add(refresh_token.value)
            self.issued_secrets.append(refresh_token.value)
        return access, refresh_token

    def revoke_authorization(self, client_id: str, user_id: str) -> None:
        grant = self.authorizations.pop((client_id, user_id), None)
        if grant is None:
            return
        for value in grant.access_tokens:
            self.access_tokens.pop(value, None)
        for value in grant.refresh_tokens:
            self.refresh_tokens.pop(value, None)

    def valid_access_token(self, value: str) -> AccessToken | None:
        token = self.access_tokens.get(value)
        if token is None or token.expires_at <= self.now():
            return None
        return token

    def has_authorized(self, client_id: str, user_id: str, scopes: list[str]) -> bool:
        grant = self.authorizations.get((client_id, user_id))
        return grant is not None and set(scopes) <= grant.scopes
