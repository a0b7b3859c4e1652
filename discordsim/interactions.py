"""Slash-command interactions: INTERACTION_CREATE as Discord builds it, callbacks, followups."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from discordsim import messages, payloads, permissions
from discordsim.common import (
    API,
    BASE_URL,
    STATE,
    TRUE_VALUES,
    api_error,
    json_response,
    read_message_body,
)
from discordsim.state import (
    INTERACTION_ACK_DEADLINE,
    INTERACTION_TOKEN_TTL,
    InteractionRecord,
    State,
    User,
    iso,
    random_token,
)

# Interactions > Receiving and Responding > Interaction Callback Type.
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE = 1, 4, 5
DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = 6, 7, 8, 9
# Resources > Message > Message Flags a response may set, and LOADING for a deferred one.
EPHEMERAL, LOADING = 1 << 6, 1 << 7
RESPONSE_FLAGS = (1 << 2) | EPHEMERAL | (1 << 12) | (1 << 13) | (1 << 15)
CHAT_INPUT_COMMAND_MESSAGE = 20
# Interactions > Application Commands > Application Command Option Type.
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN = 1, 2, 3, 4, 5
USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 6, 7, 8, 9, 10, 11
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class InteractionError(ValueError):
    """The control API cannot build this interaction; status is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _find_command(state: State, guild_id: str, name: str) -> dict[str, Any]:
    for scope in (guild_id, None):
        for command in state.commands.get(scope, {}).values():
            if command["name"] == name and command["type"] == 1:
                return command
    raise InteractionError(
        f"no slash command named {name!r} is registered for this server; sync the tree first",
        404,
    )


def _offered_to(command: dict[str, Any], member_permissions: int) -> bool:
    required = command.get("default_member_permissions")
    if required is None or member_permissions & permissions.ADMINISTRATOR:
        return True
    required = int(required)
    return required != 0 and member_permissions & required == required


def _user(state: State, value: Any) -> User | None:
    return state.lookup_user(value) if isinstance(value, str) else None


@dataclass
class _Invocation:
    """What option values are checked against: the server and the person's permissions there."""

    state: State
    guild_id: str
    viewer: int
    resolved: dict[str, dict[str, Any]] = field(default_factory=dict)


def _option_value(call: _Invocation, definition: dict[str, Any], value: Any) -> Any:
    state, guild_id, resolved = call.state, call.guild_id, call.resolved
    kind, name = definition["type"], definition["name"]
    guild = state.guilds[guild_id]
    if kind == STRING and isinstance(value, str):
        result: Any = value
    elif kind == INTEGER and isinstance(value, int) and not isinstance(value, bool):
        result = value
    elif kind == NUMBER and isinstance(value, int | float) and not isinstance(value, bool):
        result = value
    elif kind == BOOLEAN and isinstance(value, bool):
        result = value
    elif kind in (USER, MENTIONABLE) and (user := _user(state, value)) is not None:
        resolved.setdefault("users", {})[value] = payloads.user_object(user)
        if value in state.members[guild_id]:
            member = payloads.member_object(state, guild, user)
            member.pop("user")
            member.pop("deaf")
            member.pop("mute")
            member["permissions"] = str(state.members[guild_id][value])
            resolved.setdefault("members", {})[value] = member
        result = value
    elif kind in (ROLE, MENTIONABLE) and isinstance(value, str):
        roles = {role["id"]: role for role in payloads.role_objects(state, guild)}
        if value not in roles:
            raise InteractionError(f"option {name!r}: no role {value!r} in this server")
        resolved.setdefault("roles", {})[value] = roles[value]
        result = value
    elif kind == CHANNEL and isinstance(value, str):
        channel = next((c for c in guild.channels if c["id"] == value), None)
        if channel is None:
            raise InteractionError(f"option {name!r}: no channel {value!r} in this server")
        partial = payloads.channel_object(guild, channel)
        partial["permissions"] = str(call.viewer)
        resolved.setdefault("channels", {})[value] = partial
        result = value
    else:
        raise InteractionError(f"option {name!r} (type {kind}) cannot take {value!r}")
    choices = definition.get("choices")
    if choices and result not in [choice["value"] for choice in choices]:
        raise InteractionError(f"option {name!r} must be one of its choices")
    return result


def _options(
    call: _Invocation, definitions: list[dict[str, Any]], values: dict[str, Any]
) -> list[dict[str, Any]]:
    by_name = {
        d["name"]: d for d in definitions if d["type"] not in (SUB_COMMAND, SUB_COMMAND_GROUP)
    }
    unknown = set(values) - set(by_name)
    if unknown:
        raise InteractionError(f"unknown options: {', '.join(sorted(unknown))}")
    result = []
    for definition in definitions:
        name = definition["name"]
        if name not in values:
            if definition.get("required"):
                raise InteractionError(f"option {name!r} is required")
            continue
        value = _option_value(call, definition, values[name])
        result.append({"name": name, "type": definition["type"], "value": value})
    return result


def _pick(definitions: list[dict[str, Any]], name: str, kind: int) -> dict[str, Any]:
    for definition in definitions:
        if definition["name"] == name and definition["type"] == kind:
            return definition
    label = "subcommand group" if kind == SUB_COMMAND_GROUP else "subcommand"
    raise InteractionError(f"no {label} named {name!r}")


def build(
    state: State,
    *,
    guild_id: str,
    channel_id: str,
    user_id: str,
    name: str,
    subcommand: str | None = None,
    subcommand_group: str | None = None,
    options: dict[str, Any] | None = None,
    locale: str = "en-US",
) -> InteractionRecord:
    """The APPLICATION_COMMAND interaction a person makes by running /name subcommand options."""
    guild = state.guilds.get(guild_id)
    if guild is None:
        raise InteractionError(f"no server {guild_id!r}", 404)
    if not guild.bot_present:
        raise InteractionError("the bot is not in this server, so its commands are not there")
    user = state.users.get(user_id)
    if user is None or user_id not in state.members[guild_id]:
        raise InteractionError(f"{user_id!r} is not a member of this server")
    channel = next((c for c in guild.channels if c["id"] == channel_id), None)
    if channel is None:
        raise InteractionError(f"no channel {channel_id!r} in this server")
    command = _find_command(state, guild_id, name)
    owner = guild.owner_id == user_id
    member_permissions = permissions.ALL if owner else state.members[guild_id][user_id]
    if not _offered_to(command, member_permissions):
        # Interactions > Application Commands > Permissions: Discord neither shows nor runs a
        # command for a member without its default_member_permissions ("0": admins only).
        raise InteractionError(
            f"Discord does not offer /{name} to this member: it needs the permissions "
            f"{command['default_member_permissions']} (default_member_permissions)",
            403,
        )
    call = _Invocation(state, guild_id, member_permissions)
    definitions = command.get("options") or []
    top: list[dict[str, Any]]
    if subcommand_group is not None:
        if subcommand is None:
            raise InteractionError("a subcommand group needs a subcommand")
        group = _pick(definitions, subcommand_group, SUB_COMMAND_GROUP)
        sub = _pick(group.get("options") or [], subcommand, SUB_COMMAND)
        inner = _options(call, sub.get("options") or [], options or {})
        top = [
            {
                "name": group["name"],
                "type": SUB_COMMAND_GROUP,
                "options": [{"name": sub["name"], "type": SUB_COMMAND, "options": inner}],
            }
        ]
        full_name = f"{name} {subcommand_group} {subcommand}"
    elif subcommand is not None:
        sub = _pick(definitions, subcommand, SUB_COMMAND)
        inner = _options(call, sub.get("options") or [], options or {})
        top = [{"name": sub["name"], "type": SUB_COMMAND, "options": inner}]
        full_name = f"{name} {subcommand}"
    else:
        if any(d["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for d in definitions):
            raise InteractionError(f"/{name} needs a subcommand")
        top = _options(call, definitions, options or {})
        full_name = name

    interaction_id = state.ids.next()
    token = base64.urlsafe_b64encode(f"interaction:{interaction_id}:{random_token(64)}".encode())
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1}
    if top:
        data["options"] = top
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    if call.resolved:
        data["resolved"] = call.resolved
    partial_channel = payloads.channel_object(guild, channel)
    partial_channel["permissions"] = str(member_permissions)
    member = payloads.member_object(state, guild, user)
    member["permissions"] = str(member_permissions)
    payload = {
        "id": interaction_id,
        "application_id": state.application.id,
        "type": 2,
        "data": data,
        "guild": {
            "id": guild.id,
            "locale": guild.preferred_locale,
            "features": list(guild.features),
        },
        "guild_id": guild.id,
        "channel": partial_channel,
        "channel_id": channel_id,
        "member": member,
        "token": token.decode().rstrip("="),
        "version": 1,
        "app_permissions": str(state.bot_permissions(guild)),
        "locale": locale,
        "guild_locale": guild.preferred_locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": guild.id},
        "context": 0,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    record = InteractionRecord(
        id=interaction_id,
        token=payload["token"],
        payload=payload,
        created_at=state.now(),
        command_name=full_name,
    )
    state.interactions[record.id] = record
    state.interactions_by_token[record.token] = record
    state.issued_secrets.append(record.token)
    return record


# Responding ---------------------------------------------------------------------------------


def unknown_interaction() -> web.Response:
    return api_error(404, "Unknown interaction", 10062)


def unknown_webhook() -> web.Response:
    return api_error(404, "Unknown Webhook", 10015)


def _check_message(
    data: Any, files: list[dict[str, Any]], *, allow_empty: bool = False
) -> web.Response | None:
    if not isinstance(data, dict):
        return api_error(400, "Cannot send an empty message", 50006)
    content = data.get("content") or ""
    if not isinstance(content, str):
        return json_response(
            {
                "code": 50035,
                "message": "Invalid Form Body",
                "errors": {
                    "content": {
                        "_errors": [{"code": "BASE_TYPE_STRING", "message": "Must be a string."}]
                    }
                },
            },
            400,
        )
    if len(content) > 2000:
        return json_response(
            {
                "code": 50035,
                "message": "Invalid Form Body",
                "errors": {
                    "content": {
                        "_errors": [
                            {
                                "code": "BASE_TYPE_MAX_LENGTH",
                                "message": "Must be 2000 or fewer in length.",
                            }
                        ]
                    }
                },
            },
            400,
        )
    if len(data.get("embeds") or []) > 10:
        return json_response(
            {
                "code": 50035,
                "message": "Invalid Form Body",
                "errors": {
                    "embeds": {
                        "_errors": [
                            {
                                "code": "BASE_TYPE_MAX_LENGTH",
                                "message": "Must be 10 or fewer in length.",
                            }
                        ]
                    }
                },
            },
            400,
        )
    has_content = any(
        data.get(key) for key in ("content", "embeds", "components", "poll", "sticker_ids")
    )
    if not allow_empty and not has_content and not files:
        return api_error(400, "Cannot send an empty message", 50006)
    return None


def _message(
    state: State,
    base_url: str,
    record: InteractionRecord,
    data: dict[str, Any],
    files: list[dict[str, Any]],
    flags: int,
) -> dict[str, Any]:
    payload = record.payload
    user = payload["member"]["user"]
    message_id = state.ids.next()
    attachments = messages.attachments(base_url, payload["channel_id"], message_id, files)
    return {
        "id": message_id,
        "type": CHAT_INPUT_COMMAND_MESSAGE,
        "content": data.get("content") or "",
        "channel_id": payload["channel_id"],
        "author": payloads.user_object(state.bot),
        "attachments": attachments,
        "embeds": data.get("embeds") or [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": bool(data.get("tts", False)),
        "timestamp": iso(state.now()),
        "edited_timestamp": None,
        "flags": flags,
        "components": data.get("components") or [],
        "application_id": state.application.id,
        "webhook_id": state.application.id,
        "position": 0,
        "interaction_metadata": {
            "id": record.id,
            "type": 2,
            "user": user,
            "authorizing_integration_owners": payload["authorizing_integration_owners"],
            "name": record.command_name,
            "command_type": 1,
        },
        "interaction": {"id": record.id, "type": 2, "name": record.command_name, "user": user},
    }


def _log(
    record: InteractionRecord, state: State, kind: str, request: web.Request, body: Any, status: int
) -> None:
    record.responses.append(
        {
            "kind": kind,
            "method": request.method,
            "path": request.path,
            "body": body,
            "status": status,
            "at": state.now(),
        }
    )


async def callback(request: web.Request) -> web.Response:
    """POST /interactions/{id}/{token}/callback (discord.py adds ?with_response=1)."""
    state = request.app[STATE]
    record = state.interactions.get(request.match_info["interaction_id"])
    if record is None or record.token != request.match_info["token"]:
        return unknown_interaction()
    body, files = await read_message_body(request)
    response = _callback(state, request, record, body, files)
    _log(record, state, "callback", request, body, response.status)
    return response


def _callback(
    state: State,
    request: web.Request,
    record: InteractionRecord,
    body: Any,
    files: list[dict[str, Any]],
) -> web.Response:
    age = state.now() - record.created_at
    if age > INTERACTION_TOKEN_TTL:
        return unknown_interaction()
    if record.callback is not None:
        return api_error(400, "Interaction has already been acknowledged.", 40060)
    if age > INTERACTION_ACK_DEADLINE:
        # Past the 3-second deadline the token is invalidated (Interaction Callback).
        return unknown_interaction()
    if not isinstance(body, dict) or body.get("type") not in (
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        MODAL,
    ):
        return json_response(
            {
                "code": 50035,
                "message": "Invalid Form Body",
                "errors": {
                    "type": {
                        "_errors": [
                            {
                                "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                "message": "Invalid interaction response type",
                            }
                        ]
                    }
                },
            },
            400,
        )
    kind = body["type"]
    data = body.get("data") or {}
    message = None
    if kind == CHANNEL_MESSAGE:
        error = _check_message(data, files)
        if error is not None:
            return error
        message = _message(
            state,
            request.app[BASE_URL],
            record,
            data,
            files,
            int(data.get("flags") or 0) & RESPONSE_FLAGS,
        )
    elif kind == DEFERRED_CHANNEL_MESSAGE:
        flags = int(data.get("flags") or 0) & EPHEMERAL
        message = _message(state, request.app[BASE_URL], record, {}, [], flags | LOADING)
    elif not isinstance(data, dict) or not all(
        key in data for key in ("custom_id", "title", "components")
    ):
        return json_response(
            {
                "code": 50035,
                "message": "Invalid Form Body",
                "errors": {
                    "data": {
                        "_errors": [
                            {
                                "code": "MODEL_TYPE_CONVERT",
                                "message": "A modal needs custom_id, title and components",
                            }
                        ]
                    }
                },
            },
            400,
        )
    record.callback = {"type": kind, "data": data}
    record.original = message
    if request.query.get("with_response") not in TRUE_VALUES:
        return web.Response(status=204)
    interaction: dict[str, Any] = {"id": record.id, "type": 2}
    resource: dict[str, Any] = {"type": kind}
    if message is not None:
        interaction["response_message_id"] = message["id"]
        interaction["response_message_loading"] = bool(message["flags"] & LOADING)
        interaction["response_message_ephemeral"] = bool(message["flags"] & EPHEMERAL)
    if kind == CHANNEL_MESSAGE:
        resource["message"] = message
    return json_response({"interaction": interaction, "resource": resource})


def _webhook_record(request: web.Request) -> InteractionRecord | web.Response:
    """The interaction behind /webhooks/{application_id}/{token}, or the error to answer."""
    state = request.app[STATE]
    if request.match_info["application_id"] != state.application.id:
        return unknown_webhook()
    record = state.interactions_by_token.get(request.match_info["token"])
    if record is None:
        return unknown_webhook()
    if state.now() - record.created_at > INTERACTION_TOKEN_TTL:
        return api_error(401, "Invalid Webhook Token", 50027)
    return record


def _edit(
    state: State, message: dict[str, Any], data: dict[str, Any], files: list[dict[str, Any]]
) -> None:
    for key in ("content", "embeds", "components"):
        if key in data:
            message[key] = data[key] if data[key] is not None else ([] if key != "content" else "")
    if files:
        message["attachments"] = [
            {
                "id": str(i),
                "filename": f["filename"],
                "size": f["size"],
                "content_type": f["content_type"],
            }
            for i, f in enumerate(files)
        ]
    if message["flags"] & LOADING:
        message["flags"] &= ~LOADING
    else:
        message["edited_timestamp"] = iso(state.now())


async def followup(request: web.Request) -> web.Response:
    """POST /webhooks/{application_id}/{token}: a followup message (wait is always true)."""
    state = request.app[STATE]
    record = _webhook_record(request)
    if isinstance(record, web.Response):
        return record
    body, files = await read_message_body(request)
    response = _followup(state, request, record, body, files)
    _log(record, state, "followup", request, body, response.status)
    return response


def _followup(
    state: State,
    request: web.Request,
    record: InteractionRecord,
    body: Any,
    files: list[dict[str, Any]],
) -> web.Response:
    if record.callback is None:
        return unknown_webhook()
    error = _check_message(body, files)
    if error is not None:
        return error
    original = record.original
    if original is not None and original["flags"] & LOADING:
        # Receiving and Responding > Create Followup Message: right after a deferred response the
        # first followup edits the loading message instead, keeping its ephemeral flag.
        _edit(state, original, body, files)
        return json_response(original)
    flags = int(body.get("flags") or 0) & RESPONSE_FLAGS
    message = _message(state, request.app[BASE_URL], record, body, files, flags)
    record.followups.append(message)
    return json_response(message)


def _find_message(record: InteractionRecord, message_id: str) -> dict[str, Any] | None:
    if message_id == "@original":
        return record.original
    if record.original is not None and record.original["id"] == message_id:
        return record.original
    return next((m for m in record.followups if m["id"] == message_id), None)


async def webhook_message(request: web.Request) -> web.Response:
    """GET, PATCH or DELETE /webhooks/{application_id}/{token}/messages/{@original|message_id}."""
    state = request.app[STATE]
    record = _webhook_record(request)
    if isinstance(record, web.Response):
        return record
    message_id = request.match_info["message_id"]
    message = _find_message(record, message_id)
    body: Any = None
    files: list[dict[str, Any]] = []
    if request.method == "PATCH":
        body, files = await read_message_body(request)
    if message is None:
        response = api_error(404, "Unknown Message", 10008)
    elif request.method == "GET":
        response = json_response(message)
    elif request.method == "PATCH":
        if not isinstance(body, dict):
            response = api_error(400, "Cannot send an empty message", 50006)
        else:
            _edit(state, message, body, files)
            response = json_response(message)
    else:
        if message is record.original:
            record.original = None
        else:
            record.followups.remove(message)
        response = web.Response(status=204)
    if request.method != "GET":
        kind = ("edit" if request.method == "PATCH" else "delete") + (
            "_original" if message_id == "@original" else "_followup"
        )
        _log(record, state, kind, request, body, response.status)
    return response


def routes() -> list[web.RouteDef]:
    webhook = f"{API}/webhooks/{{application_id}}/{{token}}"
    return [
        web.post(f"{API}/interactions/{{interaction_id}}/{{token}}/callback", callback),
        web.post(webhook, followup),
        web.get(f"{webhook}/messages/{{message_id}}", webhook_message),
        web.patch(f"{webhook}/messages/{{message_id}}", webhook_message),
        web.delete(f"{webhook}/messages/{{message_id}}", webhook_message),
    ]
