"""The HTML pages: the OAuth2 consent screen, its error and result pages, and the index."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode

from discordsim import permissions, snowflake
from discordsim.state import Guild, User

# What the consent screen says each scope lets the app do.
SCOPE_TEXT = {
    "identify": "Access your username, avatar, and banner",
    "email": "Access your email address",
    "guilds": "Know what servers you're in",
    "guilds.join": "Join servers for you",
    "guilds.members.read": (
        "Read your member info (nickname, avatar, roles) for servers you belong to"
    ),
    "connections": "Access your third-party connections",
    "bot": "Add a bot to a server",
    "applications.commands": "Create commands",
    "applications.commands.permissions.update": "Update commands' permissions in your servers",
    "role_connections.write": "Update your connection and metadata for this app",
    "gdm.join": "Join group DMs for you",
    "messages.read": "Read all messages from all client channels",
    "webhook.incoming": "Post messages to a channel with a webhook",
}

STYLE = """
:root { color-scheme: dark; }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
  background: #1e1f22 radial-gradient(circle at 15% 10%, #5865f240, transparent 45%),
  radial-gradient(circle at 85% 90%, #eb459f26, transparent 40%);
  font: 16px/1.375 "gg sans", "Noto Sans", "Helvetica Neue", Helvetica, Arial, sans-serif;
  color: #dbdee1; }
.card { width: 100%; max-width: 460px; margin: 32px 16px; background: #313338; border-radius: 8px;
  box-shadow: 0 8px 32px #00000080; overflow: hidden; }
.body { padding: 32px 16px 8px; }
.avatars { display: flex; align-items: center; justify-content: center; gap: 14px; }
.avatars img { width: 80px; height: 80px; border-radius: 50%; background: #1e1f22; }
.dots { display: flex; gap: 6px; }
.dots i { width: 6px; height: 6px; border-radius: 50%; background: #4e5058; display: block; }
.kicker { text-align: center; color: #b5bac1; font-size: 14px; margin: 18px 0 2px; }
h1 { text-align: center; color: #f2f3f5; font-size: 24px; line-height: 30px; margin: 0; }
.lead { text-align: center; color: #b5bac1; margin: 2px 0 14px; }
.account { display: flex; flex-direction: column; align-items: center; font-size: 14px;
  color: #b5bac1; }
.account strong { color: #f2f3f5; }
details { margin-top: 4px; width: 100%; }
summary { cursor: pointer; color: #00a8fc; text-align: center; list-style: none; }
summary::-webkit-details-marker { display: none; }
.people { display: grid; gap: 6px; margin: 10px 0 4px; }
.people form { margin: 0; }
.person { display: flex; gap: 10px; align-items: center; width: 100%; padding: 8px 10px;
  border-radius: 6px; background: #2b2d31; border: 0; color: #dbdee1; cursor: pointer;
  text-align: left; font: inherit; }
.person:hover { background: #35373c; }
.person.current { box-shadow: inset 0 0 0 2px #5865f2; }
.person img { width: 32px; height: 32px; border-radius: 50%; }
.person .who { display: flex; flex-direction: column; }
.tag { color: #949ba4; font-size: 12px; }
.section { border-top: 1px solid #3f4147; padding: 16px 0; }
h2 { font-size: 12px; line-height: 16px; text-transform: uppercase; letter-spacing: .02em;
  color: #b5bac1; margin: 0 0 12px; font-weight: 700; }
ul { list-style: none; margin: 0; padding: 0; }
.scopes li { display: flex; gap: 12px; align-items: center; padding: 6px 0; }
.ok { flex: none; width: 24px; height: 24px; border-radius: 50%; background: #23a55a; color: #fff;
  display: grid; place-items: center; font-size: 14px; font-weight: 700; }
label.field { display: block; font-size: 12px; font-weight: 700; text-transform: uppercase;
  color: #b5bac1; margin-bottom: 8px; }
select { width: 100%; padding: 10px; font: inherit; background: #1e1f22; color: #dbdee1;
  border: 1px solid #1e1f22; border-radius: 4px; }
select:disabled { opacity: .7; }
.hint { font-size: 12px; color: #949ba4; margin: 8px 0 0; }
.perms li { display: flex; align-items: center; gap: 12px; padding: 7px 0; }
.perms input { width: 20px; height: 20px; accent-color: #5865f2; margin: 0; }
.error { background: #f2353926; border: 1px solid #f23539; border-radius: 6px; padding: 10px 12px;
  color: #ffd6d7; margin: 12px 0; font-size: 14px; }
.fine { font-size: 12px; color: #949ba4; margin: 6px 0; display: flex; gap: 8px; }
.fine svg { flex: none; margin-top: 1px; }
footer { background: #2b2d31; padding: 16px; display: flex; justify-content: space-between;
  align-items: center; }
.btn { border: 0; border-radius: 4px; padding: 10px 24px; min-width: 96px; font: inherit;
  font-size: 14px; font-weight: 600; cursor: pointer; }
.primary { background: #5865f2; color: #fff; }
.primary:hover { background: #4752c4; }
.primary:disabled { opacity: .5; cursor: not-allowed; }
.secondary { background: transparent; color: #dbdee1; }
.secondary:hover { text-decoration: underline; }
.center { text-align: center; }
code { background: #1e1f22; padding: 2px 4px; border-radius: 3px; font-size: 13px; }
"""


# Small inline icons for the fine print (no fonts or files from elsewhere).
_ICON = (
    '<svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="#949ba4" '
    'stroke-width="1.5">'
)
ICONS = {
    "redirect": _ICON + '<path d="M3 3v5h9M9 5l3 3-3 3"/></svg>',
    "lock": _ICON
    + '<rect x="3" y="7" width="10" height="7" rx="1"/><path d="M5 7V5a3 3 0 0 1 6 0v2"/></svg>',
    "clock": _ICON + '<circle cx="8" cy="8" r="6"/><path d="M8 4v4l3 2"/></svg>',
    "servers": _ICON
    + '<rect x="2" y="3" width="12" height="4" rx="1"/>'
    + '<rect x="2" y="9" width="12" height="4" rx="1"/></svg>',
}


def display_name(user: User) -> str:
    return user.global_name or user.username


def handle(user: User) -> str:
    """@name for migrated usernames, name#1234 for legacy ones (discriminator other than "0")."""
    if user.discriminator == "0":
        return f"@{user.username}"
    return f"{user.username}#{user.discriminator}"


def avatar_url(user: User, size: int = 128) -> str:
    """Reference > Image Formatting, served by this simulator's own CDN routes."""
    if user.avatar:
        extension = "gif" if user.avatar.startswith("a_") else "png"
        return f"/avatars/{user.id}/{user.avatar}.{extension}?size={size}"
    if user.discriminator == "0":
        index = (int(user.id) >> 22) % 6
    else:
        index = int(user.discriminator) % 5
    return f"/embed/avatars/{index}.png"


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f'<body><main class="card">{body}</main></body></html>'
    )


def _hidden(params: dict[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{escape(key)}" value="{escape(value)}">'
        for key, value in params.items()
    )


def message_page(title: str, message: str, *, tone: str = "error") -> str:
    """A plain card, for errors before any redirect and for flows that end on Discord."""
    mark = "!" if tone == "error" else "✓"
    colour = "#f23539" if tone == "error" else "#23a55a"
    body = (
        '<div class="body center">'
        f'<div class="avatars"><span class="ok" style="width:64px;height:64px;font-size:32px;'
        f'background:{colour}">{mark}</span></div>'
        f'<h1 style="margin-top:16px">{escape(title)}</h1>'
        f'<p class="lead">{escape(message)}</p></div>'
    )
    return _page(f"Discord | {title}", body)


@dataclass
class Consent:
    """What the consent screen shows, decided by the OAuth2 view."""

    app_name: str
    app_id: str
    bot: User
    person: User
    people: list[User]
    scopes: list[str]
    params: dict[str, str]
    redirect_uri: str | None
    bot_guild_count: int
    guilds: list[Guild]
    selected_guild: str | None
    guild_locked: bool
    requested_permissions: int
    error: str | None


def consent_page(view: Consent) -> str:
    bot_flow = "bot" in view.scopes
    switcher = "".join(
        f'<form method="post" action="/oauth2/authorize">{_hidden(view.params)}'
        f'<input type="hidden" name="action" value="switch">'
        f'<input type="hidden" name="user_id" value="{person.id}">'
        f'<button class="person{" current" if person.id == view.person.id else ""}" type="submit">'
        f'<img src="{avatar_url(person, 64)}" alt=""><span class="who">'
        f"<strong>{escape(display_name(person))}</strong>"
        f'<span class="tag">{escape(handle(person))}</span></span></button></form>'
        for person in view.people
    )
    scopes = "".join(
        f'<li><span class="ok">✓</span><span>{escape(SCOPE_TEXT.get(scope, scope))}</span></li>'
        for scope in view.scopes
    )
    server = ""
    if bot_flow:
        options = "".join(
            f'<option value="{guild.id}"{" selected" if guild.id == view.selected_guild else ""}>'
            f"{escape(guild.name)}{' (already added)' if guild.bot_present else ''}</option>"
            for guild in view.guilds
        )
        if not view.guilds:
            options = '<option value="">No servers you can add bots to</option>'
        elif view.selected_guild is None:
            options = '<option value="" selected disabled>Select a server</option>' + options
        locked = view.guild_locked and view.selected_guild is not None
        hidden_choice = (
            f'<input type="hidden" name="guild" value="{view.selected_guild}">' if locked else ""
        )
        server = (
            '<div class="section"><label class="field" for="guild">Add to server:</label>'
            f'<select id="guild" name="guild"{" disabled" if locked else ""} required>'
            f"{options}</select>"
            f"{hidden_choice}"
            '<p class="hint">This requires you to have <strong>Manage Server</strong> permission '
            "in this server.</p></div>"
        )
    perms = ""
    if bot_flow and view.requested_permissions:
        items = "".join(
            f'<li><input type="checkbox" id="perm{flag.bit}" name="permission" '
            f'value="{flag.value}" checked>'
            f'<label for="perm{flag.bit}">{escape(flag.label)}</label></li>'
            for flag in permissions.flags_in(view.requested_permissions)
        )
        perms = (
            f'<div class="section"><h2>Grant {escape(view.app_name)} these permissions</h2>'
            f'<ul class="perms">{items}</ul></div>'
        )
    error = f'<div class="error">{escape(view.error)}</div>' if view.error else ""
    blocked = bool(view.error) or (bot_flow and not view.guilds)
    since = snowflake.created_at(view.app_id).strftime("%b %d, %Y").replace(" 0", " ")
    redirect = ""
    if view.redirect_uri:
        redirect = (
            f'<p class="fine">{ICONS["redirect"]}<span>Once you authorize, you will be redirected '
            f"outside of Discord to: <strong>{escape(view.redirect_uri)}</strong></span></p>"
        )
    body = (
        '<div class="body">'
        f'<div class="avatars"><img src="{avatar_url(view.bot)}" alt="{escape(view.app_name)}">'
        '<span class="dots"><i></i><i></i><i></i></span>'
        f'<img src="{avatar_url(view.person)}" alt="{escape(display_name(view.person))}"></div>'
        '<p class="kicker">An external application</p>'
        f"<h1>{escape(view.app_name)}</h1>"
        '<p class="lead">wants to access your account</p>'
        '<div class="account"><span>Signed in as '
        f"<strong>{escape(display_name(view.person))}</strong> "
        f'<span class="tag">{escape(handle(view.person))}</span></span>'
        "<details><summary>Not you? Switch account</summary>"
        f'<div class="people">{switcher}</div></details>'
        "</div>"
        f"{error}"
        '<form id="consent" method="post" action="/oauth2/authorize">'
        f"{_hidden(view.params)}"
        f'<input type="hidden" name="user_id" value="{view.person.id}">'
        '<div class="section">'
        f"<h2>This will allow the developer of {escape(view.app_name)} to:</h2>"
        f'<ul class="scopes">{scopes}</ul></div>'
        f"{server}{perms}"
        f'<div class="section">{redirect}'
        f'<p class="fine">{ICONS["lock"]}<span>The developer of {escape(view.app_name)}\'s privacy '
        "policy and terms of service apply to this application.</span></p>"
        f'<p class="fine">{ICONS["clock"]}<span>Active since {since}</span></p>'
        f'<p class="fine">{ICONS["servers"]}<span>Used in {view.bot_guild_count} servers</span></p>'
        "</div>"
        "</form></div>"
        '<footer><button class="btn secondary" form="consent" type="submit" name="action" '
        'value="cancel" formnovalidate>Cancel</button>'
        '<button class="btn primary" form="consent" type="submit" name="action" value="authorize"'
        f"{' disabled' if blocked else ''}>Authorize</button></footer>"
    )
    return _page("Discord | Authorize access to your account", body)


def index_page(
    app_name: str, client_id: str, redirect_uri: str | None, extra: dict[str, Any]
) -> str:
    """GET /: what is running and where to start."""
    links = ""
    if redirect_uri:
        query = urlencode(
            {
                "client_id": client_id,
                "response_type": "code",
                "scope": "identify guilds",
                "redirect_uri": redirect_uri,
                "state": "try-it",
            }
        )
        links = (
            f'<p class="center"><a style="color:#00a8fc" href="/oauth2/authorize?{escape(query)}">'
            "Open the consent screen</a></p>"
        )
    links += (
        '<p class="center"><a style="color:#00a8fc" href="/channels">Open the Discord client: '
        "read the servers' channels and press buttons as anyone</a></p>"
    )
    rows = "".join(
        f"<li><code>{escape(key)}</code> {escape(str(value))}</li>" for key, value in extra.items()
    )
    body = (
        '<div class="body"><h1>discordsim</h1>'
        '<p class="lead">A local stand-in for Discord, serving the app '
        f"<strong>{escape(app_name)}</strong>.</p>"
        f'<ul class="scopes">{rows}</ul>{links}</div>'
    )
    return _page("discordsim", body)
