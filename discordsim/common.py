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


def form_error(field_errors: dict[str, tuple[str, str]]) -> web.Response:
    """Code 50035 with the nested "errors" object: {field: {"_errors": [{code, message}]}}."""
    errors = {
        name: {"_errors": [{"code": code, "message": message}]}
        for name, (code, message) in field_errors.items()
    }
    return json_response({"code": 50035, "errors": errors, "message": "Invalid Form Body"}, 400)


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


async def read_json(request: web.Request) -> Any:
    """The JSON body, or None when there is none or it does not parse."""
    try:
        return json.loads(await request.read() or b"null")
    except ValueError:
        return None
