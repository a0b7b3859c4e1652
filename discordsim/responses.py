"""What the bot answers an interaction: the callback, followups, and its messages' edits.

Interactions > Receiving and Responding: one callback within 3 seconds (40060 after the
first, 10062 once late), then followups and edits with the token for 15 minutes. A message
that is not ephemeral lands in the channel like any other (MESSAGE_CREATE); UPDATE_MESSAGE
edits the message whose component was used.
"""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

from discordsim import access, events, interactions, messages
from discordsim.common import (
    API,
    BASE_URL,
    HUB,
    STATE,
    TRUE_VALUES,
    api_error,
    invalid_form,
    json_response,
    read_message_body,
)
from discordsim.state import (
    INTERACTION_ACK_DEADLINE,
    INTERACTION_TOKEN_TTL,
    InteractionRecord,
    State,
    iso,
)

# Interactions > Receiving and Responding > Interaction Callback Type.
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE = 1, 4, 5
DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = 6, 7, 8, 9
# Which callbacks each kind of interaction may take: UPDATE_MESSAGE and DEFERRED_UPDATE_MESSAGE
# only for components (and a modal opened from one), MODAL never for a modal's submission.
CALLBACKS = {
    interactions.APPLICATION_COMMAND: (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL),
    interactions.MESSAGE_COMPONENT: (
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    ),
    interactions.MODAL_SUBMIT: (
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
    ),
}


def unknown_interaction() -> web.Response:
    return api_error(404, "Unknown interaction", 10062)


def unknown_webhook() -> web.Response:
    return api_error(404, "Unknown Webhook", 10015)


def empty_message() -> web.Response:
    return api_error(400, "Cannot send an empty message", 50006)


def _where(state: State, record: InteractionRecord) -> tuple[Any, access.Channel] | None:
    return state.find_channel(record.channel_id)


def _source(state: State, record: InteractionRecord) -> dict[str, Any] | None:
    """The message whose component was used, if it is still there."""
    if record.message_id is None:
        return None
    found = interactions.find_message(state, record.message_id)
    return found[0] if found is not None else None


def _response_message(
    request: web.Request,
    record: InteractionRecord,
    data: dict[str, Any],
    files: list[dict[str, Any]],
    flags: int,
) -> dict[str, Any]:
    """A message the bot sends with the interaction's token: a reply to a command (type 20),
    or to the message whose component was used (type 19, with a message_reference)."""
    state = request.app[STATE]
    guild = state.guilds[record.guild_id]
    user = record.payload["member"]["user"]
    replying = record.message_id is not None
    message = messages.message_object(
        state,
        guild=guild,
        channel_id=record.channel_id,
        author=state.bot,
        body=data,
        kind=messages.REPLY if replying else messages.CHAT_INPUT_COMMAND,
        flags=flags,
        default_parse=messages.PARSE_USERS,
    )
    message["attachments"] = messages.attachments(
        request.app[BASE_URL], record.channel_id, message["id"], files
    )
    message["application_id"] = state.application.id
    message["webhook_id"] = state.application.id
    metadata: dict[str, Any] = {
        "id": record.id,
        "type": record.kind,
        "user": user,
        "authorizing_integration_owners": record.payload["authorizing_integration_owners"],
    }
    if record.kind == interactions.APPLICATION_COMMAND:
        metadata.update({"name": record.command_name, "command_type": 1})
        message["interaction"] = {
            "id": record.id,
            "type": record.kind,
            "name": record.command_name,
            "user": user,
        }
    if record.message_id is not None:
        metadata["interacted_message_id"] = record.message_id
        message["message_reference"] = {
            "type": 0,
            "message_id": record.message_id,
            "channel_id": record.channel_id,
            "guild_id": record.guild_id,
        }
    message["interaction_metadata"] = metadata
    return message


def _publish(request: web.Request, record: InteractionRecord, message: dict[str, Any]) -> None:
    """A response that is not ephemeral is a message in the channel for everyone."""
    if message["flags"] & messages.EPHEMERAL:
        return
    state = request.app[STATE]
    found = _where(state, record)
    if found is not None:
        events.post(state, request.app[HUB], found[0], found[1], message)


def _published(state: State, message: dict[str, Any]) -> bool:
    return state.channel_messages(message["channel_id"]).get(message["id"]) is message


def _changed(request: web.Request, message: dict[str, Any]) -> None:
    state = request.app[STATE]
    if _published(state, message):
        found = state.find_channel(message["channel_id"])
        if found is not None:
            events.updated(state, request.app[HUB], found[0], found[1], message)


def _edit(
    request: web.Request,
    record: InteractionRecord,
    message: dict[str, Any],
    data: dict[str, Any],
    files: list[dict[str, Any]],
) -> web.Response | None:
    """Edit a message the bot sent with the token (or the one an UPDATE_MESSAGE changes): the
    first edit of a deferred response fills it in, others set edited_timestamp."""
    state = request.app[STATE]
    errors = messages.check_body(data, v2=bool(message["flags"] & messages.IS_COMPONENTS_V2))
    if errors:
        return errors.response()
    edited = copy.deepcopy(message)
    guild = state.guilds[record.guild_id]
    messages.apply_edit(state, guild, edited, data, default_parse=messages.PARSE_USERS)
    if files:
        edited["attachments"] = messages.attachments(
            request.app[BASE_URL], message["channel_id"], message["id"], files
        )
    loading = bool(edited["flags"] & messages.LOADING)
    if not loading and messages.is_empty(edited):
        return empty_message()
    if loading:
        edited["flags"] &= ~messages.LOADING
    else:
        edited["edited_timestamp"] = iso(state.now())
    message.clear()
    message.update(edited)
    _changed(request, message)
    return None


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
    response = _callback(request, record, body, files)
    _log(record, state, "callback", request, body, response.status)
    return response


def _invalid_type() -> web.Response:
    return invalid_form(
        ["type"], "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type"
    )


def _callback(
    request: web.Request, record: InteractionRecord, body: Any, files: list[dict[str, Any]]
) -> web.Response:
    state = request.app[STATE]
    age = state.now() - record.created_at
    if age > INTERACTION_TOKEN_TTL:
        return unknown_interaction()
    if record.callback is not None:
        return api_error(400, "Interaction has already been acknowledged.", 40060)
    if age > INTERACTION_ACK_DEADLINE:
        # Past the 3-second deadline the token is invalidated (Interaction Callback).
        return unknown_interaction()
    if not isinstance(body, dict) or body.get("type") not in CALLBACKS[record.kind]:
        return _invalid_type()
    kind = body["type"]
    data = body.get("data") or {}
    source = _source(state, record)
    if kind == UPDATE_MESSAGE and source is None:
        return _invalid_type()
    message = None
    if kind == CHANNEL_MESSAGE:
        errors = messages.check_body(data)
        if errors:
            return errors.response()
        if not files and messages.is_empty(data):
            return empty_message()
        flags = messages.flags_of(data) & messages.RESPONSE_FLAGS
        message = _response_message(request, record, data, files, flags)
    elif kind == DEFERRED_CHANNEL_MESSAGE:
        # "the only valid message flag you may use is EPHEMERAL"
        flags = messages.flags_of(data) & messages.EPHEMERAL
        message = _response_message(request, record, {}, [], flags | messages.LOADING)
    elif kind == UPDATE_MESSAGE:
        refused = _edit(request, record, source, data, files)
        if refused is not None:
            return refused
        message = source
    elif kind == DEFERRED_UPDATE_MESSAGE:
        message = source
    else:
        errors = messages.check_modal(data)
        if errors:
            return errors.response()
        record.modal = {**data, "components": messages.number_components(data["components"])}
    record.callback = {"type": kind, "data": data}
    record.original = message
    if message is not None and message is not source:
        _publish(request, record, message)
    if request.query.get("with_response") not in TRUE_VALUES:
        return web.Response(status=204)
    return json_response(_callback_response(record, kind, message))


def _callback_response(
    record: InteractionRecord, kind: int, message: dict[str, Any] | None
) -> dict[str, Any]:
    """Interaction Callback Response Object: the message only for CHANNEL_MESSAGE and
    UPDATE_MESSAGE."""
    interaction: dict[str, Any] = {"id": record.id, "type": record.kind}
    resource: dict[str, Any] = {"type": kind}
    if message is not None and kind != DEFERRED_UPDATE_MESSAGE:
        interaction["response_message_id"] = message["id"]
        interaction["response_message_loading"] = bool(message["flags"] & messages.LOADING)
        interaction["response_message_ephemeral"] = bool(message["flags"] & messages.EPHEMERAL)
    if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
        resource["message"] = message
    return {"interaction": interaction, "resource": resource}


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


async def followup(request: web.Request) -> web.Response:
    """POST /webhooks/{application_id}/{token}: a followup message (wait is always true)."""
    state = request.app[STATE]
    record = _webhook_record(request)
    if isinstance(record, web.Response):
        return record
    body, files = await read_message_body(request)
    response = _followup(request, record, body, files)
    _log(record, state, "followup", request, body, response.status)
    return response


def _followup(
    request: web.Request, record: InteractionRecord, body: Any, files: list[dict[str, Any]]
) -> web.Response:
    if record.callback is None:
        return unknown_webhook()
    errors = messages.check_body(body)
    if errors:
        return errors.response()
    if not files and messages.is_empty(body):
        return empty_message()
    original = record.original
    if (
        original is not None
        and original["flags"] & messages.LOADING
        and record.callback["type"] == DEFERRED_CHANNEL_MESSAGE
    ):
        # Receiving and Responding > Create Followup Message: right after a deferred response the
        # first followup edits the loading message instead, keeping its ephemeral flag.
        refused = _edit(request, record, original, body, files)
        return refused if refused is not None else json_response(original)
    flags = messages.flags_of(body) & messages.RESPONSE_FLAGS
    message = _response_message(request, record, body, files, flags)
    record.followups.append(message)
    _publish(request, record, message)
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
            response = empty_message()
        else:
            refused = _edit(request, record, message, body, files)
            response = refused if refused is not None else json_response(message)
    else:
        if _published(state, message):
            found = state.find_channel(message["channel_id"])
            if found is not None:
                events.deleted(state, request.app[HUB], found[0], found[1], message["id"])
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
