"""Interactions as Discord builds them: a slash command, a button or select, a modal's submission.

Each becomes the INTERACTION_CREATE a person's action makes (Interactions > Receiving and
Responding > Interaction Object); `responses` takes what the bot answers.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass, field
from typing import Any

from discordsim import access, messages, payloads, permissions
from discordsim.gateway import GatewayHub
from discordsim.state import InteractionRecord, State, Thread, User, random_token

# Interactions > Receiving and Responding > Interaction Type.
APPLICATION_COMMAND, MESSAGE_COMPONENT, MODAL_SUBMIT = 2, 3, 5
# Interactions > Application Commands > Application Command Option Type.
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN = 1, 2, 3, 4, 5
USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 6, 7, 8, 9, 10, 11
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class InteractionError(ValueError):
    """The control API cannot build this interaction; status is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def find_command(state: State, guild_id: str, name: str) -> dict[str, Any]:
    for scope in (guild_id, None):
        for command in state.commands.get(scope, {}).values():
            if command["name"] == name and command["type"] == 1:
                return command
    raise InteractionError(
        f"no slash command named {name!r} is registered for this server; sync the tree first",
        404,
    )


def offered_to(command: dict[str, Any], member_permissions: int) -> bool:
    required = command.get("default_member_permissions")
    if required is None or member_permissions & permissions.ADMINISTRATOR:
        return True
    required = int(required)
    return required != 0 and member_permissions & required == required


def command_paths(
    command: dict[str, Any],
) -> list[tuple[str | None, str | None, list[dict[str, Any]]]]:
    """How a slash command can be run: (group, subcommand, its options) for each path."""
    definitions = command.get("options") or []
    paths: list[tuple[str | None, str | None, list[dict[str, Any]]]] = []
    for item in definitions:
        if item["type"] == SUB_COMMAND_GROUP:
            for sub in item.get("options") or []:
                paths.append((item["name"], sub["name"], sub.get("options") or []))
        elif item["type"] == SUB_COMMAND:
            paths.append((None, item["name"], item.get("options") or []))
    return paths or [(None, None, definitions)]


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
    # The Discord client keeps values inside min_value/max_value and min_length/max_length.
    low, high = definition.get("min_value"), definition.get("max_value")
    if kind in (INTEGER, NUMBER) and (
        (low is not None and result < low) or (high is not None and result > high)
    ):
        raise InteractionError(f"option {name!r} must be between {low} and {high}")
    shortest, longest = definition.get("min_length", 0), definition.get("max_length", 6000)
    if kind == STRING and not shortest <= len(result) <= longest:
        raise InteractionError(f"option {name!r} takes {shortest} to {longest} characters")
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


def _place(
    state: State, guild_id: str, channel_id: str, user_id: str
) -> tuple[Any, access.Channel, User]:
    """The server, channel and person of an interaction, as Discord would let it happen: the
    person is a member who can see the channel, and the bot is in the server."""
    guild = state.guilds.get(guild_id)
    if guild is None:
        raise InteractionError(f"no server {guild_id!r}", 404)
    if not guild.bot_present:
        raise InteractionError("the bot is not in this server, so its commands are not there")
    user = state.users.get(user_id)
    if user is None or user_id not in state.members[guild_id]:
        raise InteractionError(f"{user_id!r} is not a member of this server")
    found = state.find_channel(channel_id)
    if found is None or found[0] is not guild:
        raise InteractionError(f"no channel {channel_id!r} in this server")
    channel = found[1]
    if not access.can_view(state, guild, channel, user_id):
        raise InteractionError(f"{user.username} cannot see this channel", 403)
    return guild, channel, user


def _channel_id(channel: access.Channel) -> str:
    return channel.id if isinstance(channel, Thread) else channel["id"]


def _envelope(
    state: State,
    *,
    guild: Any,
    channel: access.Channel,
    user: User,
    kind: int,
    data: dict[str, Any],
    locale: str,
) -> dict[str, Any]:
    """The Interaction Object around `data`: where it happened, who did it, and the token."""
    value = access.permissions_in(state, guild, channel, user.id)
    if isinstance(channel, Thread):
        partial_channel = payloads.thread_object(channel)
    else:
        partial_channel = payloads.channel_object(guild, channel)
    partial_channel["permissions"] = str(value)
    member = payloads.member_object(state, guild, user)
    member["permissions"] = str(value)
    interaction_id = state.ids.next()
    token = base64.urlsafe_b64encode(f"interaction:{interaction_id}:{random_token(64)}".encode())
    return {
        "id": interaction_id,
        "application_id": state.application.id,
        "type": kind,
        "data": data,
        "guild": {
            "id": guild.id,
            "locale": guild.preferred_locale,
            "features": list(guild.features),
        },
        "guild_id": guild.id,
        "channel": partial_channel,
        "channel_id": _channel_id(channel),
        "member": member,
        "token": token.decode().rstrip("="),
        "version": 1,
        "app_permissions": str(access.bot_permissions_in(state, guild, channel)),
        "locale": locale,
        "guild_locale": guild.preferred_locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": guild.id},
        "context": 0,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }


def _record(state: State, payload: dict[str, Any], **fields: Any) -> InteractionRecord:
    record = InteractionRecord(
        id=payload["id"],
        token=payload["token"],
        payload=payload,
        created_at=state.now(),
        kind=payload["type"],
        user_id=payload["member"]["user"]["id"],
        guild_id=payload["guild_id"],
        channel_id=payload["channel_id"],
        **fields,
    )
    state.interactions[record.id] = record
    state.interactions_by_token[record.token] = record
    state.issued_secrets.append(record.token)
    return record


def deliver(state: State, hub: GatewayHub, record: InteractionRecord) -> InteractionRecord:
    """INTERACTION_CREATE to the shard that owns the server; 409 when no session gets it
    (then the interaction is forgotten, as no bot saw it)."""
    if not hub.dispatch("INTERACTION_CREATE", record.payload, guild_id=record.guild_id):
        state.interactions.pop(record.id, None)
        state.interactions_by_token.pop(record.token, None)
        raise InteractionError(
            "no gateway session receives this server's events, so no bot would see it", 409
        )
    return record


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
    """The APPLICATION_COMMAND interaction a person makes by running /name subcommand options
    in a channel or a thread (which then comes as the interaction's `channel`)."""
    guild, channel, user = _place(state, guild_id, channel_id, user_id)
    if isinstance(channel, Thread) and channel.archived:
        # Topics > Threads: nobody can use application commands in an archived thread.
        raise InteractionError("the thread is archived; commands cannot be run in it")
    command = find_command(state, guild_id, name)
    member_permissions = access.permissions_in(state, guild, channel, user_id)
    if not member_permissions & access.USE_APPLICATION_COMMANDS:
        raise InteractionError(f"{user.username} may not use commands in this channel", 403)
    if not offered_to(command, access.guild_permissions(state, guild, user_id)[0]):
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
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1}
    if top:
        data["options"] = top
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    if call.resolved:
        data["resolved"] = call.resolved
    payload = _envelope(
        state,
        guild=guild,
        channel=channel,
        user=user,
        kind=APPLICATION_COMMAND,
        data=data,
        locale=locale,
    )
    return _record(state, payload, command_name=full_name)


# Components and modals ----------------------------------------------------------------------


def find_message(
    state: State, message_id: str
) -> tuple[dict[str, Any], str, InteractionRecord | None] | None:
    """A message by id: (message, channel id, None) for one in a channel, or (message, channel
    id, record) for an ephemeral interaction response, which only its person sees."""
    channel_id = state.message_channel.get(message_id)
    if channel_id is not None:
        message = state.channel_messages(channel_id).get(message_id)
        if message is not None:
            return message, channel_id, None
    for record in state.interactions.values():
        for message in (record.original, *record.followups):
            if (
                message is not None
                and message["id"] == message_id
                and message["flags"] & messages.EPHEMERAL
            ):
                return message, record.channel_id, record
    return None


def _select_values(component: dict[str, Any], values: list[Any] | None) -> list[Any]:
    if not isinstance(values, list):
        raise InteractionError("a select takes a list of values")
    low = component.get("min_values", 1)
    high = component.get("max_values", 1)
    if not low <= len(values) <= high:
        raise InteractionError(f"pick between {low} and {high} values")
    if component["type"] == messages.STRING_SELECT:
        offered = {option["value"] for option in component.get("options", [])}
        unknown = [value for value in values if value not in offered]
        if unknown:
            raise InteractionError(f"not among the options: {unknown}")
    return values


def build_component(
    state: State,
    *,
    message_id: str,
    custom_id: str,
    user_id: str,
    values: list[Any] | None = None,
    locale: str = "en-US",
) -> InteractionRecord:
    """The MESSAGE_COMPONENT interaction a person makes by pressing a button (or choosing in a
    select) on a message: the message exists, so does the component, it is enabled, and the
    person is a member who can see the channel (or, for an ephemeral message, its person)."""
    found = find_message(state, message_id)
    if found is None:
        raise InteractionError(f"no message {message_id!r}", 404)
    message, channel_id, ephemeral_for = found
    if ephemeral_for is not None and ephemeral_for.user_id != user_id:
        raise InteractionError("only the person it was sent to sees an ephemeral message", 403)
    location = state.find_channel(channel_id)
    if location is None:
        raise InteractionError("the message's channel is gone", 404)
    guild, channel, user = _place(state, location[0].id, channel_id, user_id)
    component = next(
        (
            item
            for item in messages.walk(message.get("components") or [])
            if item.get("custom_id") == custom_id
        ),
        None,
    )
    if component is None or component["type"] not in (messages.BUTTON, *messages.SELECTS):
        raise InteractionError(f"the message has no button or select {custom_id!r}", 404)
    if component.get("disabled"):
        raise InteractionError(f"{custom_id!r} is disabled", 409)
    data: dict[str, Any] = {
        "custom_id": custom_id,
        "component_type": component["type"],
        "id": component.get("id", 0),
    }
    if component["type"] in messages.SELECTS:
        data["values"] = _select_values(component, values)
    payload = _envelope(
        state,
        guild=guild,
        channel=channel,
        user=user,
        kind=MESSAGE_COMPONENT,
        data=data,
        locale=locale,
    )
    payload["message"] = copy.deepcopy(message)
    return _record(state, payload, message_id=message["id"])


def _submitted(component: dict[str, Any], values: dict[str, Any], left: set[str]) -> dict[str, Any]:
    """One modal component as Interactions > Component Interaction Response Structures gives
    it back, with the person's value."""
    kind = component["type"]
    if kind == messages.ACTION_ROW:
        children = [_submitted(child, values, left) for child in component["components"]]
        return {"type": kind, "id": component["id"], "components": children}
    if kind == messages.LABEL:
        inner = _submitted(component["component"], values, left)
        return {"type": kind, "id": component["id"], "component": inner}
    custom_id = component.get("custom_id")
    if custom_id is None:
        return {"type": kind, "id": component["id"]}
    left.discard(custom_id)
    if kind == messages.TEXT_INPUT:
        value = values.get(custom_id, component.get("value") or "")
        if not isinstance(value, str):
            raise InteractionError(f"{custom_id!r} takes text")
        low, high = component.get("min_length", 0), component.get("max_length", 4000)
        if component.get("required", True) and not value:
            raise InteractionError(f"{custom_id!r} is required")
        if value and not low <= len(value) <= high:
            raise InteractionError(f"{custom_id!r} takes {low} to {high} characters")
        return {"type": kind, "id": component["id"], "custom_id": custom_id, "value": value}
    chosen = _select_values(component, values.get(custom_id, []))
    return {"type": kind, "id": component["id"], "custom_id": custom_id, "values": chosen}


def build_modal_submit(
    state: State,
    interaction_id: str,
    *,
    values: dict[str, Any],
    user_id: str | None = None,
    locale: str = "en-US",
) -> InteractionRecord:
    """The MODAL_SUBMIT interaction a person makes by submitting the modal the bot opened in
    answer to `interaction_id` (a MODAL callback), with a value per input's custom_id."""
    origin = state.interactions.get(interaction_id)
    if origin is None:
        raise InteractionError(f"no interaction {interaction_id!r}", 404)
    if origin.modal is None:
        raise InteractionError("the bot opened no modal for this interaction", 409)
    if origin.modal_submission is not None:
        raise InteractionError("this modal was submitted already", 409)
    if user_id is not None and user_id != origin.user_id:
        raise InteractionError("only the person the modal was shown to can submit it", 403)
    guild, channel, user = _place(state, origin.guild_id, origin.channel_id, origin.user_id)
    left = set(values)
    components = [_submitted(component, values, left) for component in origin.modal["components"]]
    if left:
        raise InteractionError(f"the modal has no inputs {sorted(left)}")
    data = {"custom_id": origin.modal["custom_id"], "components": components}
    payload = _envelope(
        state, guild=guild, channel=channel, user=user, kind=MODAL_SUBMIT, data=data, locale=locale
    )
    message = None
    if origin.message_id is not None:
        found = find_message(state, origin.message_id)
        message = found[0] if found is not None else None
    if message is not None:
        payload["message"] = copy.deepcopy(message)
    record = _record(state, payload, message_id=origin.message_id)
    origin.modal_submission = record.id
    return record
