"""The REST API under /api/v10: the current user and servers, the app, the gateway, commands."""

from __future__ import annotations

import math
import re
from typing import Any

from aiohttp import web

from discordsim import payloads
from discordsim.common import (
    API,
    FALSE_VALUES,
    HUB,
    STATE,
    TRUE_VALUES,
    api_error,
    bot_caller,
    caller,
    form_error,
    invalid_form,
    json_response,
    missing_access,
    read_json,
    unauthorized,
)
from discordsim.state import State, iso

# Resources > User > Get Current User Guilds: 200 by default, the most a person can join.
GUILDS_LIMIT = 200
# Interactions > Application Commands > Application Command Naming (\p{L} and \p{N} are what
# Python's \w matches, less the underscore it already allows; then Devanagari and Thai).
COMMAND_NAME_RE = re.compile(r"^[-_'\w\u0900-\u097f\u0e00-\u0e7f]{1,32}$")
MAX_COMMANDS = {1: 100, 2: 15, 3: 15}
# Reference > Locales: the keys of name_localizations and description_localizations.
LOCALES = (
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi",
    "th", "zh-CN", "ja", "zh-TW", "ko",
)  # fmt: skip


def unknown_guild() -> web.Response:
    return api_error(404, "Unknown Guild", 10004)


async def current_user(request: web.Request) -> web.Response:
    """GET /users/@me: the bot, or the person behind a Bearer token with `identify`."""
    who = caller(request)
    if who is None or not who.has_scope("identify"):
        return unauthorized()
    email = who.token is not None and "email" in who.token.scopes
    return json_response(payloads.user_object(who.user, private=True, email=email))


def _snowflake_param(request: web.Request, name: str) -> tuple[str | None, tuple[str, str] | None]:
    raw = request.query.get(name)
    if raw is None:
        return None, None
    if not raw.isdigit() or int(raw) >= 2**64:
        return None, ("NUMBER_TYPE_COERCE", f'Value "{raw}" is not snowflake.')
    return raw, None


async def current_user_guilds(request: web.Request) -> web.Response:
    """GET /users/@me/guilds: partial servers sorted by id, paged with before/after/limit."""
    state = request.app[STATE]
    who = caller(request)
    if who is None or not who.has_scope("guilds"):
        return unauthorized()
    errors: dict[str, tuple[str, str]] = {}
    limit = GUILDS_LIMIT
    raw_limit = request.query.get("limit")
    if raw_limit is not None:
        if not re.fullmatch(r"-?[0-9]+", raw_limit):
            errors["limit"] = ("NUMBER_TYPE_COERCE", f'Value "{raw_limit}" is not int.')
        elif int(raw_limit) < 1:
            errors["limit"] = ("NUMBER_TYPE_MIN", "Int value should be greater than or equal to 1.")
        elif int(raw_limit) > GUILDS_LIMIT:
            errors["limit"] = (
                "NUMBER_TYPE_MAX",
                f"Int value should be less than or equal to {GUILDS_LIMIT}.",
            )
        else:
            limit = int(raw_limit)
    before, error = _snowflake_param(request, "before")
    if error:
        errors["before"] = error
    after, error = _snowflake_param(request, "after")
    if error:
        errors["after"] = error
    counts = False
    raw_counts = request.query.get("with_counts")
    if raw_counts is not None:
        if raw_counts not in TRUE_VALUES | FALSE_VALUES:
            errors["with_counts"] = (
                "BOOLEAN_TYPE_COERCE",
                f'Value "{raw_counts}" is not a valid boolean.',
            )
        counts = raw_counts in TRUE_VALUES
    if errors:
        return form_error(errors)

    ids = state.bot_guild_ids() if who.is_bot else state.user_guild_ids(who.user.id)
    if after is not None:
        ids = [gid for gid in ids if int(gid) > int(after)]
    if before is not None:
        ids = [gid for gid in ids if int(gid) < int(before)]
    ids = ids[-limit:] if before is not None and after is None else ids[:limit]
    result = []
    for guild_id in ids:
        guild = state.guilds[guild_id]
        if who.is_bot:
            value, owner = state.bot_permissions(guild), False
        else:
            value = state.members[guild_id][who.user.id]
            owner = guild.owner_id == who.user.id
        result.append(payloads.partial_guild(guild, value, owner=owner, counts=counts))
    return json_response(result)


async def leave_guild(request: web.Request) -> web.Response:
    """DELETE /users/@me/guilds/{guild_id}: the bot leaves; the gateway says GUILD_DELETE."""
    state = request.app[STATE]
    if bot_caller(request) is None:
        return unauthorized()
    guild = state.guilds.get(request.match_info["guild_id"])
    if guild is None or not guild.bot_present:
        return unknown_guild()
    state.remove_bot(guild.id)
    request.app[HUB].bot_removed(guild.id)
    return web.Response(status=204)


async def get_user(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if bot_caller(request) is None:
        return unauthorized()
    user = state.lookup_user(request.match_info["user_id"])
    if user is None:
        return api_error(404, "Unknown User", 10013)
    return json_response(payloads.user_object(user))


def _bot_guild(request: web.Request) -> tuple[Any, web.Response | None]:
    state = request.app[STATE]
    if bot_caller(request) is None:
        return None, unauthorized()
    guild = state.guilds.get(request.match_info["guild_id"])
    if guild is None:
        return None, unknown_guild()
    if not guild.bot_present:
        return None, missing_access()
    return guild, None


async def get_guild(request: web.Request) -> web.Response:
    guild, error = _bot_guild(request)
    if error is not None:
        return error
    state = request.app[STATE]
    data = payloads.guild_object(state, guild)
    if request.query.get("with_counts") in TRUE_VALUES:
        data["approximate_member_count"] = guild.member_count
        data["approximate_presence_count"] = guild.presence_count
    return json_response(data)


async def get_guild_channels(request: web.Request) -> web.Response:
    guild, error = _bot_guild(request)
    if error is not None:
        return error
    return json_response([payloads.channel_object(guild, channel) for channel in guild.channels])


async def current_application(request: web.Request) -> web.Response:
    """GET /applications/@me (Resources > Application > Get Current Application) and
    GET /oauth2/applications/@me, which discord.py reads at login (AppInfo): the bot's app."""
    if bot_caller(request) is None:
        return unauthorized()
    return json_response(payloads.application_object(request.app[STATE]))


async def current_authorization(request: web.Request) -> web.Response:
    """GET /oauth2/@me: the app, the scopes and expiry of this Bearer token, and the person."""
    state = request.app[STATE]
    who = caller(request)
    if who is None or who.token is None:
        return unauthorized()
    app = payloads.application_object(state)
    data: dict[str, Any] = {
        "application": {
            key: app[key]
            for key in (
                "id",
                "name",
                "icon",
                "description",
                "hook",
                "bot_public",
                "bot_require_code_grant",
                "verify_key",
            )
        },
        "scopes": who.token.scopes,
        "expires": iso(who.token.expires_at),
    }
    if "identify" in who.token.scopes:
        data["user"] = payloads.user_object(who.user)
    return json_response(data)


async def get_gateway(request: web.Request) -> web.Response:
    """GET /gateway needs no authentication."""
    return json_response({"url": request.app[HUB].url})


async def get_gateway_bot(request: web.Request) -> web.Response:
    """GET /gateway/bot: the URL, a shard count (one per 1000 servers) and session start limits."""
    state = request.app[STATE]
    if bot_caller(request) is None:
        return unauthorized()
    shards = max(1, math.ceil(len(state.bot_guild_ids()) / 1000))
    return json_response(
        {
            "url": request.app[HUB].url,
            "shards": shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": max(0, 1000 - state.session_starts),
                "reset_after": 86400000,
                "max_concurrency": 1,
            },
        }
    )


# Application commands ------------------------------------------------------------------------


def _invalid(path: list[str], code: str, message: str) -> web.Response:
    return invalid_form(list(path), code, message)


def _check_name(name: Any, path: list[str], *, chat_input: bool) -> web.Response | None:
    if not isinstance(name, str) or not name:
        return _invalid(path, "BASE_TYPE_REQUIRED", "This field is required")
    if len(name) > 32:
        return _invalid(path, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    if chat_input and (not COMMAND_NAME_RE.match(name) or name != name.lower()):
        return _invalid(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    return None


def _check_description(description: Any, path: list[str]) -> web.Response | None:
    if not isinstance(description, str):
        return _invalid(path, "BASE_TYPE_REQUIRED", "This field is required")
    if not 1 <= len(description) <= 100:
        return _invalid(path, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    return None


def _check_localizations(data: dict[str, Any], path: list[str], check) -> web.Response | None:
    """name_localizations and description_localizations: null or a dictionary whose keys
    are Discord's locales and whose values follow the field's own rules."""
    for field, value_path in (("name_localizations", "name"), ("description_localizations", "")):
        localized = data.get(field)
        if localized is None:
            continue
        if not isinstance(localized, dict):
            return _invalid(
                [*path, field], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"
            )
        for locale, value in localized.items():
            here = [*path, field, locale]
            if locale not in LOCALES:
                return _invalid(here, "BASE_TYPE_CHOICES", f"Value must be one of {set(LOCALES)}.")
            error = check(value_path, value, here)
            if error is not None:
                return error
    return None


def _check_name_description(
    data: dict[str, Any], path: list[str], *, chat_input: bool
) -> web.Response | None:
    error = _check_name(data.get("name"), [*path, "name"], chat_input=chat_input)
    if error is not None:
        return error
    description = data.get("description", "")
    if chat_input:
        error = _check_description(description, [*path, "description"])
        if error is not None:
            return error
    elif not isinstance(description, str):
        return _invalid([*path, "description"], "BASE_TYPE_REQUIRED", "This field is required")
    elif description:
        return _invalid(
            [*path, "description"],
            "APPLICATION_COMMAND_INVALID_DESCRIPTION",
            "Context menu commands cannot have description",
        )

    def check(field: str, value: Any, here: list[str]) -> web.Response | None:
        if field == "name":
            return _check_name(value, here, chat_input=chat_input)
        return _check_description(value, here) if chat_input else None

    return _check_localizations(data, path, check)


def _check_option_names(options: list[dict[str, Any]], path: list[str]) -> web.Response | None:
    """Option names are distinct; a localized one also differs from the other options'
    default names and from the others' names in its locale (Interactions > Application
    Commands > Localization)."""
    taken = "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS"
    defaults = [option["name"] for option in options]
    for index, name in enumerate(defaults):
        if name in defaults[:index]:
            return _invalid(
                [*path, "options", str(index), "name"], taken, "Option names must be unique"
            )
    locales = sorted({locale for o in options for locale in o.get("name_localizations") or {}})
    for locale in locales:
        seen: set[str] = set()
        for index, option in enumerate(options):
            name = (option.get("name_localizations") or {}).get(locale, option["name"])
            others = set(defaults[:index] + defaults[index + 1 :])
            if name in seen or (name != option["name"] and name in others):
                return _invalid(
                    [*path, "options", str(index), "name_localizations", locale],
                    taken,
                    "Option names must be unique",
                )
            seen.add(name)
    return None


def _check_options(options: Any, path: list[str]) -> web.Response | None:
    if options is None:
        return None
    if not isinstance(options, list) or len(options) > 25:
        return _invalid(
            [*path, "options"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
        )
    for index, option in enumerate(options):
        here = [*path, "options", str(index)]
        if not isinstance(option, dict) or option.get("type") not in range(1, 12):
            return _invalid(
                [*here, "type"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, ..., 11)."
            )
        error = _check_name_description(option, here, chat_input=True)
        if error is None and option["type"] in (1, 2):
            error = _check_options(option.get("options"), here)
        if error is not None:
            return error
    return _check_option_names(options, path)


def _validate_command(data: Any, path: list[str]) -> web.Response | None:
    if not isinstance(data, dict):
        return _invalid(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
    command_type = data.get("type", 1)
    if command_type not in (1, 2, 3, 4):
        return _invalid([*path, "type"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4).")
    error = _check_name_description(data, path, chat_input=command_type == 1)
    if error is None and command_type == 1:
        error = _check_options(data.get("options"), path)
    return error


def _permission_string(value: Any) -> str | None:
    return None if value is None else str(int(value))


def _command_object(
    state: State, data: dict[str, Any], guild_id: str | None, command_id: str, version: str
) -> dict[str, Any]:
    """Interactions > Application Commands > Application Command Object, with Discord's defaults."""
    command: dict[str, Any] = {
        "id": command_id,
        "application_id": state.application.id,
        "version": version,
        # A bit set as a decimal string, whatever the client sent (an int is accepted).
        "default_member_permissions": _permission_string(data.get("default_member_permissions")),
        "type": data.get("type", 1),
        "name": data["name"],
        "name_localizations": data.get("name_localizations"),
        "description": data.get("description", ""),
        "description_localizations": data.get("description_localizations"),
        "nsfw": bool(data.get("nsfw", False)),
    }
    if data.get("options"):
        command["options"] = data["options"]
    if guild_id is None:
        command["dm_permission"] = data.get("dm_permission", True)
        command["contexts"] = data.get("contexts") or [0, 1, 2]
        command["integration_types"] = data.get("integration_types") or [0]
    else:
        command["guild_id"] = guild_id
        command["contexts"] = None
        command["integration_types"] = [0]
    return command


def _comparable(command: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in command.items()
        if key not in ("id", "version", "application_id")
    }


def _command_scope(request: web.Request) -> tuple[str | None, web.Response | None]:
    """Check the app id and, for server commands, the server; the scope key is None for global."""
    state = request.app[STATE]
    if bot_caller(request) is None:
        return None, unauthorized()
    if request.match_info["application_id"] != state.application.id:
        return None, api_error(
            403, "You are not authorized to perform this action on this application", 20012
        )
    guild_id = request.match_info.get("guild_id")
    if guild_id is None:
        return None, None
    guild = state.guilds.get(guild_id)
    if guild is None:
        return None, unknown_guild()
    if not guild.bot_present:
        return None, missing_access()
    state.commands.setdefault(guild_id, {})
    return guild_id, None


def _upsert(state: State, scope: str | None, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    commands = state.commands.setdefault(scope, {})
    kind = data.get("type", 1)
    existing = next(
        (c for c in commands.values() if c["name"] == data["name"] and c["type"] == kind), None
    )
    if existing is None:
        new_id = state.ids.next()
        command = _command_object(state, data, scope, new_id, new_id)
        commands[new_id] = command
        return command, True
    command = _command_object(state, data, scope, existing["id"], existing["version"])
    if _comparable(command) != _comparable(existing):
        command["version"] = state.ids.next()
    commands[existing["id"]] = command
    return command, False


async def list_commands(request: web.Request) -> web.Response:
    scope, error = _command_scope(request)
    if error is not None:
        return error
    return json_response(list(request.app[STATE].commands.get(scope, {}).values()))


async def overwrite_commands(request: web.Request) -> web.Response:
    """PUT: the list replaces every command; commands kept by name and type keep their ids."""
    state = request.app[STATE]
    scope, error = _command_scope(request)
    if error is not None:
        return error
    body = await read_json(request)
    if not isinstance(body, list):
        return _invalid([], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
    for index, data in enumerate(body):
        error = _validate_command(data, [str(index)])
        if error is not None:
            return error
    for kind, most in MAX_COMMANDS.items():
        if sum(1 for data in body if data.get("type", 1) == kind) > most:
            return api_error(400, "Maximum number of application commands reached", 30032)
    kept = []
    for data in body:
        command, _ = _upsert(state, scope, data)
        kept.append(command)
    state.commands[scope] = {command["id"]: command for command in kept}
    return json_response(kept)


async def create_command(request: web.Request) -> web.Response:
    """POST: creates, or updates the command with the same name and type (200 then, 201 new)."""
    state = request.app[STATE]
    scope, error = _command_scope(request)
    if error is not None:
        return error
    data = await read_json(request)
    error = _validate_command(data, [])
    if error is not None:
        return error
    command, created = _upsert(state, scope, data)
    return json_response(command, 201 if created else 200)


async def get_command(request: web.Request) -> web.Response:
    scope, error = _command_scope(request)
    if error is not None:
        return error
    command = request.app[STATE].commands.get(scope, {}).get(request.match_info["command_id"])
    if command is None:
        return api_error(404, "Unknown application command", 10063)
    return json_response(command)


async def edit_command(request: web.Request) -> web.Response:
    state = request.app[STATE]
    scope, error = _command_scope(request)
    if error is not None:
        return error
    commands = state.commands.get(scope, {})
    current = commands.get(request.match_info["command_id"])
    if current is None:
        return api_error(404, "Unknown application command", 10063)
    changes = await read_json(request)
    if not isinstance(changes, dict):
        return _invalid([], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
    merged = {**current, **changes, "type": current["type"]}
    error = _validate_command(merged, [])
    if error is not None:
        return error
    command = _command_object(state, merged, scope, current["id"], current["version"])
    if _comparable(command) != _comparable(current):
        command["version"] = state.ids.next()
    commands[current["id"]] = command
    return json_response(command)


async def delete_command(request: web.Request) -> web.Response:
    scope, error = _command_scope(request)
    if error is not None:
        return error
    if (
        request.app[STATE].commands.get(scope, {}).pop(request.match_info["command_id"], None)
        is None
    ):
        return api_error(404, "Unknown application command", 10063)
    return web.Response(status=204)


def routes() -> list[web.RouteDef]:
    commands = f"{API}/applications/{{application_id}}"
    result = [
        web.get(f"{API}/users/@me", current_user),
        web.get(f"{API}/users/@me/guilds", current_user_guilds),
        web.delete(f"{API}/users/@me/guilds/{{guild_id}}", leave_guild),
        web.get(f"{API}/users/{{user_id}}", get_user),
        web.get(f"{API}/guilds/{{guild_id}}", get_guild),
        web.get(f"{API}/guilds/{{guild_id}}/channels", get_guild_channels),
        web.get(f"{API}/applications/@me", current_application),
        web.get(f"{API}/oauth2/applications/@me", current_application),
        web.get(f"{API}/oauth2/@me", current_authorization),
        web.get(f"{API}/gateway", get_gateway),
        web.get(f"{API}/gateway/bot", get_gateway_bot),
    ]
    for prefix in (f"{commands}/commands", f"{commands}/guilds/{{guild_id}}/commands"):
        result += [
            web.get(prefix, list_commands),
            web.put(prefix, overwrite_commands),
            web.post(prefix, create_command),
            web.get(f"{prefix}/{{command_id}}", get_command),
            web.patch(f"{prefix}/{{command_id}}", edit_command),
            web.delete(f"{prefix}/{{command_id}}", delete_command),
        ]
    return result
