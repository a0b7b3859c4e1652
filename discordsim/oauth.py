"""OAuth2: the consent screen at /oauth2/authorize, and the token and revocation endpoints."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from aiohttp import web

from discordsim import pages, payloads, snowflake
from discordsim.common import API, HUB, STATE, json_response, oauth_error
from discordsim.gateway import GUILDS_INTENT
from discordsim.state import AuthCode, State, User

USER_COOKIE = "discordsim_user"
# Topics > OAuth2 > OAuth2 Scopes: every scope Discord knows.
KNOWN_SCOPES = {
    "activities.read",
    "activities.write",
    "applications.builds.read",
    "applications.builds.upload",
    "applications.commands",
    "applications.commands.update",
    "applications.commands.permissions.update",
    "applications.entitlements",
    "applications.store.update",
    "bot",
    "connections",
    "dm_channels.read",
    "email",
    "gdm.join",
    "guilds",
    "guilds.join",
    "guilds.members.read",
    "identify",
    "messages.read",
    "relationships.read",
    "role_connections.write",
    "rpc",
    "rpc.activities.write",
    "rpc.notifications.read",
    "rpc.voice.read",
    "rpc.voice.write",
    "voice",
    "webhook.incoming",
}
# Scopes that ride on the bot authorization and need no redirect back to the app.
BOT_SCOPES = {"bot", "applications.commands"}
PARAMS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "prompt",
    "code_challenge",
    "code_challenge_method",
    "integration_type",
    "permissions",
    "guild_id",
    "disable_guild_select",
)
# RFC 7636 section 4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
PKCE_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
ACCESS_DENIED = "The resource owner or authorization server denied the request"


@dataclass
class Authorize:
    """A checked authorization request."""

    params: dict[str, str]
    scopes: list[str]
    redirect_uri: str | None
    response_type: str | None
    state: str | None
    prompt: str
    code_challenge: str | None
    permissions: int
    guild_id: str | None
    guild_locked: bool


class PageError(Exception):
    """Shown on Discord's own page: nowhere safe to redirect to."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message)
        self.title = title
        self.message = message


class RedirectError(Exception):
    """Sent back to the app's redirect_uri as error=...&error_description=...&state=..."""

    def __init__(self, error: str, description: str, redirect_uri: str, state: str | None) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.redirect_uri = redirect_uri
        self.state = state

    def response(self) -> web.Response:
        params = {"error": self.error, "error_description": self.description}
        if self.state is not None:
            params["state"] = self.state
        return _redirect(with_params(self.redirect_uri, params))


def with_params(uri: str, params: dict[str, str], *, fragment: bool = False) -> str:
    """The redirect URI with params added to its query (or fragment, for the implicit grant)."""
    parts = urlsplit(uri)
    encoded = urlencode(params)
    if fragment:
        return urlunsplit(parts._replace(fragment=encoded))
    query = f"{parts.query}&{encoded}" if parts.query else encoded
    return urlunsplit(parts._replace(query=query))


def check(state: State, raw: dict[str, str]) -> Authorize:
    """Validate an authorization request the way Discord does, first what makes a redirect safe."""
    params = {key: raw[key] for key in PARAMS if raw.get(key) not in (None, "")}
    if params.get("client_id") != state.application.id:
        raise PageError(
            "Unknown Application",
            "The application you are trying to authorize does not exist: check client_id.",
        )
    scopes = params.get("scope", "").split()
    response_type = params.get("response_type")
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is not None and redirect_uri not in state.application.redirect_uris:
        raise PageError(
            "Invalid OAuth2 redirect_uri",
            "The redirect_uri is not one of those registered for this application.",
        )
    needs_redirect = response_type is not None or bool(set(scopes) - BOT_SCOPES)
    if redirect_uri is None and needs_redirect:
        # Topics > OAuth2 > Advanced Bot Authorization: without redirect_uri Discord uses the
        # first registered one.
        if not state.application.redirect_uris:
            raise PageError("Invalid OAuth2 redirect_uri", "No redirect_uri given or registered.")
        redirect_uri = state.application.redirect_uris[0]

    def fail(error: str, description: str) -> Exception:
        if redirect_uri is None:
            return PageError("Invalid request", description)
        return RedirectError(error, description, redirect_uri, params.get("state"))

    if not scopes:
        raise fail("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
    unknown = [scope for scope in scopes if scope not in KNOWN_SCOPES]
    if unknown:
        raise fail("invalid_scope", f"Invalid scope(s): {', '.join(unknown)}.")
    if response_type is not None and response_type not in ("code", "token"):
        raise fail("unsupported_response_type", f"Unsupported response_type: {response_type}.")
    if response_type is None and (set(scopes) - BOT_SCOPES):
        raise fail("invalid_request", "response_type is required.")
    if "bot" in scopes and state.application.bot_require_code_grant and response_type != "code":
        raise fail(
            "invalid_request",
            "This application requires a code grant to add its bot (response_type=code).",
        )
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if challenge is not None or method is not None:
        if challenge is None or method != "S256":
            raise fail(
                "invalid_request", "PKCE requires code_challenge with code_challenge_method=S256."
            )
        if not PKCE_RE.match(challenge):
            raise fail("invalid_request", "code_challenge must be 43 to 128 URL-safe characters.")
        if response_type != "code":
            raise fail("invalid_request", "PKCE applies to response_type=code.")
    prompt = params.get("prompt", "consent")
    if prompt not in ("consent", "none"):
        raise fail("invalid_request", f"Unsupported prompt: {prompt}.")
    integration_type = params.get("integration_type")
    if integration_type not in (None, "0", "1"):
        raise fail("invalid_request", "integration_type must be 0 (server) or 1 (user).")
    if integration_type == "1" and "bot" in scopes:
        raise fail(
            "invalid_request", "A bot is added to a server: integration_type=1 cannot have bot."
        )
    raw_permissions = params.get("permissions", "0")
    if not raw_permissions.isdigit() or int(raw_permissions) >= 2**64:
        raise fail("invalid_request", "permissions must be a non-negative integer.")
    guild_id = params.get("guild_id")
    if guild_id is not None and not snowflake.is_valid(guild_id):
        raise fail("invalid_request", "guild_id must be a snowflake.")
    return Authorize(
        params=params,
        scopes=scopes,
        redirect_uri=redirect_uri,
        response_type=response_type,
        state=params.get("state"),
        prompt=prompt,
        code_challenge=challenge,
        permissions=int(raw_permissions),
        guild_id=guild_id,
        guild_locked=params.get("disable_guild_select") == "true" and guild_id is not None,
    )


def _people(state: State) -> list[User]:
    return list(state.users.values())


def _person(state: State, request: web.Request, chosen: str | None = None) -> User | None:
    for user_id in (chosen, request.cookies.get(USER_COOKIE)):
        if user_id and user_id in state.users:
            return state.users[user_id]
    people = _people(state)
    return people[0] if people else None


def _page(html: str, status: int = 200) -> web.Response:
    return web.Response(text=html, status=status, content_type="text/html")


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


def _bot_problem(state: State, request: Authorize, person: User) -> str | None:
    """Why this person cannot add the bot to the requested server, if they cannot."""
    if "bot" not in request.scopes:
        return None
    app = state.application
    if not app.bot_public and person.id != app.owner_id:
        return "This bot is private: only its owner can add it to servers."
    manageable = {guild.id for guild in state.manageable_guilds(person.id)}
    if request.guild_locked and request.guild_id not in manageable:
        return (
            "You do not have Manage Server permission in the server this link is for, "
            "so you cannot add the bot there."
        )
    return None


def _consent(
    state: State, request: Authorize, person: User, error: str | None = None
) -> web.Response:
    guilds = state.manageable_guilds(person.id) if "bot" in request.scopes else []
    selected = request.guild_id if request.guild_id in {g.id for g in guilds} else None
    problem = error or _bot_problem(state, request, person)
    view = pages.Consent(
        app_name=state.application.name,
        app_id=state.application.id,
        bot=state.bot,
        person=person,
        people=_people(state),
        scopes=request.scopes,
        params=request.params,
        redirect_uri=request.redirect_uri,
        bot_guild_count=len(state.bot_guild_ids()),
        guilds=guilds,
        selected_guild=selected,
        guild_locked=request.guild_locked,
        requested_permissions=request.permissions,
        error=problem,
    )
    return _page(pages.consent_page(view), 400 if error else 200)


def _join_bot(app: web.Application, guild_id: str, granted: int | None, *, via: str) -> None:
    """The bot joins the server (GUILD_CREATE to the shard that owns it) with these permissions."""
    state = app[STATE]
    if state.add_bot(guild_id, granted, via=via):
        app[HUB].bot_added(state.guilds[guild_id])
    else:
        # The bot was already there: its managed role takes the new permissions.
        guild = state.guilds[guild_id]
        role = payloads.role_objects(state, guild)[-1]
        app[HUB].dispatch(
            "GUILD_ROLE_UPDATE",
            {"guild_id": guild_id, "role": role},
            guild_id=guild_id,
            intent=GUILDS_INTENT,
        )


def _complete(
    app: web.Application,
    request: Authorize,
    person: User,
    guild_id: str | None,
    granted: int | None,
) -> web.Response:
    """Authorize pressed: add the bot (unless the code grant must come first), make the code or
    token, and send the person back."""
    state = app[STATE]
    # The grant is on record from here, so prompt=none can skip the screen next time.
    state.authorization(state.application.id, person.id).scopes.update(request.scopes)
    result: dict[str, str] = {}
    joins_at_exchange = False
    if "bot" in request.scopes and guild_id is not None and granted is not None:
        # Resources > Application > bot_require_code_grant: "the app's bot will only join upon
        # completion of the full OAuth2 code grant flow", that is when the code is exchanged
        # (Topics > OAuth2 > Advanced Bot Authorization). check() made sure there is a code.
        joins_at_exchange = state.application.bot_require_code_grant
        if not joins_at_exchange:
            _join_bot(app, guild_id, granted, via="authorize")
        result = {"guild_id": guild_id, "permissions": str(granted)}
    if request.response_type == "code":
        code = state.issue_code(
            user_id=person.id,
            scopes=request.scopes,
            redirect_uri=request.params.get("redirect_uri"),
            code_challenge=request.code_challenge,
            guild_id=guild_id,
            permissions_value=granted,
            joins_bot=joins_at_exchange,
        )
        params = {"code": code.code}
        if request.state is not None:
            params["state"] = request.state
        return _redirect(with_params(request.redirect_uri or "", {**params, **result}))
    if request.response_type == "token":
        access, _ = state.issue_tokens(
            state.application.id, person.id, request.scopes, refresh=False
        )
        params = {
            "access_token": access.value,
            "token_type": "Bearer",
            "expires_in": str(state.token_ttl),
            "scope": " ".join(request.scopes),
        }
        if request.state is not None:
            params["state"] = request.state
        return _redirect(with_params(request.redirect_uri or "", params, fragment=True))
    if request.redirect_uri is not None:
        params = dict(result)
        if request.state is not None:
            params["state"] = request.state
        return _redirect(with_params(request.redirect_uri, params))
    guild_name = state.guilds[guild_id].name if guild_id else "your server"
    return _page(
        pages.message_page(
            "Authorized", f"{state.application.name} has been added to {guild_name}.", tone="ok"
        )
    )


async def authorize_page(request: web.Request) -> web.Response:
    """GET /oauth2/authorize: validate, then show the consent screen (skipped for prompt=none)."""
    state = request.app[STATE]
    try:
        auth = check(state, dict(request.query))
    except PageError as error:
        return _page(pages.message_page(error.title, error.message), 400)
    except RedirectError as error:
        return error.response()
    person = _person(state, request)
    if person is None:
        return _page(pages.message_page("No one to sign in", "The scenario has no people."), 400)
    # Topics > OAuth2 > prompt: none skips the screen for scopes already granted, except bot.
    if (
        auth.prompt == "none"
        and "bot" not in auth.scopes
        and state.has_authorized(state.application.id, person.id, auth.scopes)
    ):
        return _complete(request.app, auth, person, None, None)
    return _consent(state, auth, person)


async def authorize_submit(request: web.Request) -> web.Response:
    """POST /oauth2/authorize: Authorize, Cancel or switch account, with the original parameters."""
    state = request.app[STATE]
    form = await request.post()
    raw = {key: str(form[key]) for key in PARAMS if key in form}
    try:
        auth = check(state, raw)
    except PageError as error:
        return _page(pages.message_page(error.title, error.message), 400)
    except RedirectError as error:
        return error.response()
    action = form.get("action")
    chosen = form.get("user_id")
    person = _person(state, request, str(chosen) if chosen else None)
    if person is None:
        return _page(pages.message_page("No one to sign in", "The scenario has no people."), 400)
    if action == "switch":
        response = _redirect("/oauth2/authorize?" + urlencode(auth.params))
        response.set_cookie(USER_COOKIE, person.id, path="/", httponly=True, samesite="Lax")
        return response
    if action == "cancel":
        if auth.redirect_uri is None:
            return _page(pages.message_page("Cancelled", "Nothing was authorized."), 200)
        return RedirectError(
            "access_denied", ACCESS_DENIED, auth.redirect_uri, auth.state
        ).response()
    if action != "authorize":
        return _page(pages.message_page("Invalid request", "Press Authorize or Cancel."), 400)
    problem = _bot_problem(state, auth, person)
    if problem is not None:
        return _consent(state, auth, person, problem)
    guild_id = None
    granted = None
    if "bot" in auth.scopes:
        guild_id = str(form.get("guild") or "")
        if guild_id not in {guild.id for guild in state.manageable_guilds(person.id)}:
            return _consent(state, auth, person, "Choose a server you can manage.")
        if auth.guild_locked and guild_id != auth.guild_id:
            return _consent(state, auth, person, "This link is for another server.")
        granted = 0
        for value in form.getall("permission", []):
            text = str(value)
            if not text.isdigit() or int(text) & ~auth.permissions:
                return _consent(
                    state, auth, person, "Only the permissions asked for can be granted."
                )
            granted |= int(text)
    return _complete(request.app, auth, person, guild_id, granted)


# Token endpoints -----------------------------------------------------------------------------


def _client(state: State, request: web.Request, form: dict[str, str]) -> str | None:
    """Client authentication: HTTP Basic or client_id/client_secret in the form (RFC 6749 2.3.1)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, _, secret = decoded.partition(":")
        client_id, secret = unquote(client_id), unquote(secret)
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    app = state.application
    if client_id == app.id and hmac.compare_digest(secret.encode(), app.client_secret.encode()):
        return client_id
    return None


async def _form(request: web.Request) -> dict[str, str] | None:
    # Topics > OAuth2: the token URLs take only application/x-www-form-urlencoded.
    if request.content_type != "application/x-www-form-urlencoded":
        return None
    body = (await request.read()).decode(errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


async def _client_form(
    request: web.Request, state: State, endpoint: str
) -> tuple[str, dict[str, str]] | web.Response:
    """The form of a token or revocation request from an authenticated client, or the error."""
    form = await _form(request)
    if form is None:
        return oauth_error(
            400, "invalid_request", f"The {endpoint} takes application/x-www-form-urlencoded only."
        )
    client_id = _client(state, request, form)
    if client_id is None:
        return oauth_error(401, "invalid_client", "Invalid client credentials.")
    return client_id, form


def _token_body(state: State, access: Any, refresh: Any, scopes: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "access_token": access.value,
        "expires_in": state.token_ttl,
        "scope": " ".join(scopes),
    }
    if refresh is not None:
        body["refresh_token"] = refresh.value
    return body


def _token_response(body: dict[str, Any]) -> web.Response:
    return json_response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _pkce_ok(code: AuthCode, verifier: str | None) -> bool:
    if code.code_challenge is None:
        # A verifier for a code that had no challenge means a downgraded request.
        return verifier is None
    if verifier is None or not PKCE_RE.match(verifier):
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(expected, code.code_challenge)


async def token(request: web.Request) -> web.Response:
    """POST /api/v10/oauth2/token: authorization_code, refresh_token or client_credentials."""
    state = request.app[STATE]
    checked = await _client_form(request, state, "token endpoint")
    if isinstance(checked, web.Response):
        return checked
    client_id, form = checked
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        return _exchange_code(request.app, state, client_id, form)
    if grant_type == "refresh_token":
        return _refresh(state, client_id, form)
    if grant_type == "client_credentials":
        return _client_credentials(state, client_id, form)
    return oauth_error(400, "unsupported_grant_type", f"Unsupported grant_type: {grant_type}.")


def _exchange_code(
    app: web.Application, state: State, client_id: str, form: dict[str, str]
) -> web.Response:
    value = form.get("code")
    if not value:
        return oauth_error(400, "invalid_request", 'Missing "code" in request.')
    code = state.codes.get(value)
    if code is None or code.client_id != client_id or code.expires_at <= state.now():
        return oauth_error(400, "invalid_grant", 'Invalid "code" in request.')
    if code.used:
        # RFC 6749 4.1.2: a code used twice revokes what it already gave.
        for issued in code.issued:
            state.access_tokens.pop(issued, None)
            state.refresh_tokens.pop(issued, None)
        return oauth_error(400, "invalid_grant", 'Invalid "code" in request.')
    if code.redirect_uri is not None and form.get("redirect_uri") != code.redirect_uri:
        return oauth_error(400, "invalid_grant", 'Invalid "redirect_uri" in request.')
    if not _pkce_ok(code, form.get("code_verifier")):
        return oauth_error(400, "invalid_grant", 'Invalid "code_verifier" in request.')
    code.used = True
    if code.joins_bot and code.guild_id in state.guilds:
        _join_bot(app, code.guild_id, code.permissions, via="code_exchange")
    access, refresh = state.issue_tokens(client_id, code.user_id, code.scopes)
    code.issued = [access.value] + ([refresh.value] if refresh else [])
    body = _token_body(state, access, refresh, code.scopes)
    if code.guild_id is not None and code.guild_id in state.guilds:
        # Topics > OAuth2 > Extended Bot Authorization Access Token Example.
        body["guild"] = payloads.guild_object(state, state.guilds[code.guild_id])
    return _token_response(body)


def _refresh(state: State, client_id: str, form: dict[str, str]) -> web.Response:
    value = form.get("refresh_token")
    if not value:
        return oauth_error(400, "invalid_request", 'Missing "refresh_token" in request.')
    old = state.refresh_tokens.get(value)
    if old is None or old.client_id != client_id:
        return oauth_error(400, "invalid_grant", 'Invalid "refresh_token" in request.')
    # Rotation: the refresh token is spent and a new pair takes its place.
    del state.refresh_tokens[value]
    grant = state.authorizations.get((client_id, old.user_id))
    if grant is not None:
        grant.refresh_tokens.discard(value)
    access, refresh = state.issue_tokens(client_id, old.user_id, old.scopes)
    return _token_response(_token_body(state, access, refresh, old.scopes))


def _client_credentials(state: State, client_id: str, form: dict[str, str]) -> web.Response:
    """Topics > OAuth2 > Client Credentials Grant: a token for the app's owner, no refresh token."""
    owner = state.application.owner_id
    if owner is None:
        return oauth_error(400, "invalid_request", "The application has no owner in the scenario.")
    scopes = form.get("scope", "identify").split()
    if not scopes or any(scope not in KNOWN_SCOPES or scope in BOT_SCOPES for scope in scopes):
        return oauth_error(
            400, "invalid_scope", "The requested scope is invalid, unknown, or malformed."
        )
    access, _ = state.issue_tokens(client_id, owner, scopes, refresh=False)
    return _token_response(_token_body(state, access, None, scopes))


async def revoke(request: web.Request) -> web.Response:
    """POST /api/v10/oauth2/token/revoke: ends the whole authorization; 200 even when unknown."""
    state = request.app[STATE]
    checked = await _client_form(request, state, "revocation endpoint")
    if isinstance(checked, web.Response):
        return checked
    client_id, form = checked
    value = form.get("token")
    if not value:
        return oauth_error(400, "invalid_request", 'Missing "token" in request.')
    owner = state.access_tokens.get(value) or state.refresh_tokens.get(value)
    if owner is not None and owner.client_id == client_id:
        state.revoke_authorization(client_id, owner.user_id)
    return json_response({})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/oauth2/authorize", authorize_page),
        web.post("/oauth2/authorize", authorize_submit),
        web.post(f"{API}/oauth2/token", token),
        web.post(f"{API}/oauth2/token/revoke", revoke),
    ]
