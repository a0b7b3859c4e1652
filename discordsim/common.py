"""What the server's parts share: app keys, JSON replies in Discord's shapes, auth parsing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from discordsim.state import AccessToken, State, User

if TYPE_CHECKING:
    from discordsim.gateway import GatewayHub

STATE: web.AppKey[State] = web.AppKey("state", State)
HUB: web.AppKey[GatewayHub] = web.AppKey("hub")
BASE_URL: web.AppKey[str] = web.AppKey("base_url", str)

API = "/api/v10"
# Reference > Boolean Query Strings.
TRUE_VALUES = {"True", "true", "1"}
FALSE_VALUES = {"False", "false", "0"}


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON reply whose Content-Type is exactly application/json, as Discord sends it.

    discord.py parses a body as JSON only when the header equals "application/json", so the
    "; charset=utf-8" aiohttp would add must not be there.
    """
    body = json.dumps(data, separators=(",", ":")).encode()
    return web.Response(
        body=body, status=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


def api_error(status: int, message: str, code: int = 0, **extra: Any) -> web.Response:
    """Reference > Error Messages: {"message": ..., "code": ...}."""
    return json_response({"message": message, "code": code, **extra}, status)


def unauthorized() -> web.Response:
    return api_error(401, "401: Unauthorized")


def missing_access() -> web.Response:
    return api_error(403, "Missing Access", 50001)


def missing_permissions() -> web.Response:
    return api_error(403, "Missing Permissions", 50013)


def form_error(field_errors: dict[str, tuple[str, str]]) -> web.Response:
    """Code 50035 with the nested "errors" object: {field: {"_errors": [{code, message}]}}."""
    errors = {
        name: {"_errors": [{"code": code, "message": message}]}
        for name, (code, message) in field_errors.items()
    }
    return json_response({"code": 50035, "errors": errors, "message": "Invalid Form Body"}, 400)


class FormErrors:
    """Reference > Error Messages: 50035 Invalid Form Body, with every problem at its path in
    the nested "errors" object ({"components": {"0": {"custom_id": {"_errors": [...]}}}})."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: list[str | int], code: str, message: str) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def __bool__(self) -> bool:
        return bool(self.tree)

    def response(self) -> web.Response:
        return json_response(
            {"code": 50035, "errors": self.tree, "message": "Invalid Form Body"}, 400
        )


def invalid_form(path: list[str | int], code: str, message: str) -> web.Response:
    errors = FormErrors()
    errors.add(path, code, message)
    return errors.response()


def oauth_error(status: int, error: str, description: str | None = None) -> web.Response:
    """RFC 6749 section 5.2 error bodies, as Discord's token endpoints send them."""
    body = {"error": error}
    if description is not None:
        body["error_description"] = description
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if error == "invalid_client":
        headers["WWW-Authenticate"] = 'Basic realm="discord"'
    return json_response(body, status, headers)


@dataclass(frozen=True)
class Caller:
    """Who made an API request: the bot (Bot token) or a person (Bearer token)."""

    user: User
    token: AccessToken | None

    @property
    def is_bot(self) -> bool:
        return self.token is None

    def has_scope(self, scope: str) -> bool:
        return self.token is None or scope in self.token.scopes


def caller(request: web.Request) -> Caller | None:
    state = request.app[STATE]
    header = request.headers.get("Authorization", "")
    kind, _, value = header.partition(" ")
    if kind == "Bot" and value and value == state.application.bot_token:
        return Caller(state.bot, None)
    if kind == "Bearer" and value:
        token = state.valid_access_token(value)
        if token is not None and token.user_id in state.users:
            return Caller(state.users[token.user_id], token)
    return None


def bot_caller(request: web.Request) -> Caller | None:
    """The caller when it is the bot (a Bot token), else None."""
    who = caller(request)
    return who if who is not None and who.is_bot else None


async def read_json(request: web.Request) -> Any:
    """The JSON body, or None when there is none or it does not parse."""
    try:
        return json.loads(await request.read() or b"null")
    except ValueError:
        return None


async def read_message_body(request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
    """The JSON body, or payload_json plus the files of a multipart upload."""
    if request.content_type == "multipart/form-data":
        form = await request.post()
        files = []
        for field_name, value in form.items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                files.append(
                    {
                        "field": field_name,
                        "filename": value.filename,
                        "size": len(content),
                        "content_type": value.content_type,
                    }
                )
        raw = form.get("payload_json")
        body = json.loads(raw) if isinstance(raw, str) else None
        return body, files
    try:
        return json.loads(await request.read() or b"null"), []
    except ValueError:
        return None, []
