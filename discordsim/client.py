"""The simulated Discord client at /channels/: read the sample servers' channels and threads,
and press buttons, fill in modals and run slash commands as any sample person.

Server-rendered HTML with forms; /client.js (no inline script) reloads the page when the bot
has answered something. What a person does here goes through the same code as the control API,
so the bot gets exactly the interactions the tests send.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from discordsim import access, interactions, messages, payloads
from discordsim.common import HUB, STATE, json_response
from discordsim.oauth import USER_COOKIE
from discordsim.pages import avatar_url, display_name, handle
from discordsim.state import GUILD_TEXT, Guild, State, Thread, User

DISMISSED: web.AppKey[set[str]] = web.AppKey("dismissed_modals", set)
SHOWN_MESSAGES = 100
SHOWN_REPLIES = 6
BUTTON_CLASSES = {1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link", 6: "premium"}
TIMESTAMP_FORMATS = {
    "t": "%H:%M",
    "T": "%H:%M:%S",
    "d": "%d/%m/%Y",
    "D": "%d %B %Y",
    "f": "%d %B %Y %H:%M",
    "F": "%A, %d %B %Y %H:%M",
}
# Discord's client words a relative timestamp as moment.js does: its thresholds, in seconds,
# and the words below each ("in 3 hours", "2 days ago").
RELATIVE = [
    (45, "a few seconds", None),
    (90, "a minute", None),
    (45 * 60, "{} minutes", 60),
    (90 * 60, "an hour", None),
    (22 * 3600, "{} hours", 3600),
    (36 * 3600, "a day", None),
    (26 * 86400, "{} days", 86400),
    (45 * 86400, "a month", None),
    (320 * 86400, "{} months", 30 * 86400),
    (548 * 86400, "a year", None),
]

STYLE = """
:root { color-scheme: dark; }
* { box-sizing: border-box; }
body { margin: 0; height: 100vh; display: flex; background: #313338; color: #dbdee1;
  font: 15px/1.375 "gg sans", "Noto Sans", "Helvetica Neue", Helvetica, Arial, sans-serif; }
a { color: #00a8fc; text-decoration: none; }
nav.servers { width: 72px; background: #1e1f22; padding: 12px 0; display: flex;
  flex-direction: column; align-items: center; gap: 8px; overflow-y: auto; }
nav.servers a { flex: none; width: 48px; height: 48px; border-radius: 50%; background: #313338;
  display: grid; place-items: center; color: #dbdee1; font-weight: 700; font-size: 13px;
  overflow: hidden; }
nav.servers a.current { border-radius: 16px; background: #5865f2; color: #fff;
  box-shadow: 0 0 0 2px #f2f3f5; }
nav.servers img { width: 48px; height: 48px; }
aside.channels { width: 240px; background: #2b2d31; display: flex; flex-direction: column; }
aside.channels h1 { font-size: 16px; margin: 0; padding: 14px 16px; color: #f2f3f5;
  border-bottom: 1px solid #1f2023; }
aside.channels ul { list-style: none; margin: 8px 0; padding: 0 8px; overflow-y: auto; flex: 1; }
aside.channels li a { display: block; padding: 5px 8px; border-radius: 4px; color: #949ba4; }
aside.channels li a.current, aside.channels li a:hover { background: #404249; color: #f2f3f5; }
aside.channels li.thread a { padding-left: 28px; font-size: 14px; }
aside.channels .archived { opacity: .6; }
.me { background: #232428; padding: 8px 10px; font-size: 13px; display: flex;
  flex-direction: column; gap: 6px; }
.me .person { display: flex; align-items: center; gap: 8px; min-width: 0; }
.me .person img { width: 32px; height: 32px; border-radius: 50%; flex: none; }
.me .name { display: block; color: #f2f3f5; font-weight: 600; font-size: 14px; }
.me .handle { display: block; color: #949ba4; font-size: 12px; }
.me .pick { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; }
.me .pick label { flex-basis: 100%; color: #949ba4; font-size: 11px; font-weight: 700;
  text-transform: uppercase; }
.me .pick select { flex: 1; min-width: 0; }
.me .pick .btn { min-height: 28px; padding: 2px 10px; }
.me select, .me button, main select, main input, main textarea { font: inherit; background: #1e1f22;
  color: #dbdee1; border: 1px solid #1e1f22; border-radius: 4px; padding: 4px 6px; }
main { flex: 1; display: flex; flex-direction: column; min-width: 0; }
main > header { padding: 12px 16px; border-bottom: 1px solid #1f2023; color: #f2f3f5;
  font-weight: 600; }
main > header .topic { color: #949ba4; font-weight: 400; margin-left: 8px; }
.log { flex: 1; overflow-y: auto; padding: 8px 0 16px; }
.msg { display: flex; gap: 14px; padding: 6px 16px; }
.msg:hover { background: #2e3035; }
.msg img.avatar { width: 40px; height: 40px; border-radius: 50%; flex: none; }
.msg .body { min-width: 0; flex: 1; }
.msg .who strong { color: #f2f3f5; }
.tag { background: #5865f2; color: #fff; font-size: 10px; font-weight: 700; border-radius: 3px;
  padding: 0 4px; margin: 0 4px; vertical-align: 1px; }
.msg time, .edited, .system { color: #949ba4; font-size: 12px; }
.system { font-style: italic; font-size: 14px; }
.content { white-space: normal; overflow-wrap: anywhere; }
.content time { color: inherit; font-size: inherit; background: #ffffff0f; border-radius: 3px;
  padding: 0 2px; }
.mention { background: #5865f24d; color: #c9cdfb; border-radius: 3px; padding: 0 2px; }
code { background: #1e1f22; border-radius: 3px; padding: 0 3px; font-size: 13px; }
.reply { color: #949ba4; font-size: 13px; }
.embed { border-left: 4px solid #1e1f22; background: #2b2d31; border-radius: 4px;
  padding: 8px 12px; margin-top: 6px; max-width: 520px; }
.embed .title { color: #f2f3f5; font-weight: 700; }
.embed .fields { display: grid; grid-template-columns: repeat(3, 1fr); gap: 6px; margin-top: 6px; }
.embed .field.wide { grid-column: 1 / -1; }
.embed .field b { color: #f2f3f5; display: block; font-size: 13px; }
.embed footer { color: #949ba4; font-size: 12px; margin-top: 6px; }
.row { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 6px; }
.row form { display: flex; flex-wrap: wrap; gap: 8px; margin: 0; }
.btn { border: 0; border-radius: 3px; padding: 4px 14px; min-height: 32px; font: inherit;
  font-size: 14px; cursor: pointer; color: #fff; }
.btn:disabled { opacity: .5; cursor: not-allowed; }
.primary { background: #5865f2; } .secondary { background: #4e5058; }
.success { background: #248046; } .danger { background: #da373c; }
.link, .premium { background: #4e5058; display: inline-flex; align-items: center; }
.threadlink { margin-top: 6px; font-size: 13px; }
.notice { margin: 8px 16px; padding: 8px 12px; border-radius: 4px; background: #f2353926;
  border: 1px solid #f23539; }
.ephemeral { margin: 0 16px 8px; border-left: 3px solid #5865f2; background: #5865f214;
  border-radius: 4px; }
.ephemeral h2 { font-size: 12px; color: #949ba4; margin: 0; padding: 6px 12px 0;
  text-transform: uppercase; }
.compose { border-top: 1px solid #1f2023; padding: 8px 16px 12px; max-height: 40vh;
  overflow-y: auto; }
.compose details { margin: 4px 0; }
.compose summary { cursor: pointer; color: #f2f3f5; }
.compose form { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 6px 0 0 16px; }
.compose label { display: flex; flex-direction: column; font-size: 12px; color: #b5bac1; }
dialog { background: #313338; color: #dbdee1; border: 0; border-radius: 8px; width: 440px;
  box-shadow: 0 8px 32px #000a; }
dialog h2 { margin: 0 0 12px; color: #f2f3f5; font-size: 20px; }
dialog label { display: flex; flex-direction: column; gap: 4px; margin-bottom: 12px;
  font-size: 12px; font-weight: 700; text-transform: uppercase; color: #b5bac1; }
dialog input, dialog textarea { width: 100%; }
dialog footer { display: flex; justify-content: flex-end; gap: 8px; }
.servers-list { padding: 32px; display: grid; gap: 12px; max-width: 640px; }
.servers-list a { display: flex; gap: 12px; align-items: center; background: #2b2d31;
  border-radius: 8px; padding: 12px; color: #f2f3f5; }
.servers-list img { width: 40px; height: 40px; border-radius: 50%; }
.muted { color: #949ba4; }
.command { color: #00a8fc; }
@media (max-width: 640px) {
  body { flex-direction: column; height: auto; min-height: 100vh; }
  nav.servers { width: auto; flex-direction: row; padding: 8px 12px; overflow-x: auto; }
  nav.servers a, nav.servers img { width: 40px; height: 40px; }
  aside.channels { width: auto; }
  aside.channels h1 { padding: 10px 16px; }
  aside.channels ul { display: flex; flex-wrap: wrap; gap: 4px; margin: 6px 0; }
  aside.channels li a, aside.channels li.thread a { padding: 4px 8px; background: #313338; }
  main { min-height: 70vh; }
  .log { overflow-y: visible; }
  .msg { gap: 10px; padding: 6px 12px; }
  .msg img.avatar { width: 32px; height: 32px; }
  .embed .fields { grid-template-columns: 1fr; }
  dialog { width: auto; max-width: calc(100vw - 24px); }
}
"""

SCRIPT = """// Reload the client when the bot has answered something, unless someone is typing.
(function () {
  var log = document.querySelector(".log");
  if (log) { log.scrollTop = log.scrollHeight; }
  var seen = document.body.getAttribute("data-version");
  var url = document.body.getAttribute("data-version-url");
  if (!url) { return; }
  // A pressed button or a sent command is already loading the page anew; a person picked
  // or typed something not yet sent, which a reload would throw away.
  var leaving = false, editing = false;
  document.addEventListener("submit", function () { leaving = true; });
  document.addEventListener("input", function () { editing = true; });
  document.addEventListener("change", function () { editing = true; });
  function busy() {
    if (leaving || editing) { return true; }
    var active = document.activeElement;
    if (active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) { return true; }
    return document.querySelector("dialog[open]") !== null;
  }
  setInterval(function () {
    if (busy()) { return; }
    fetch(url).then(function (r) { return r.json(); }).then(function (data) {
      // Asked again on the answer: the person may have started since the question.
      if (String(data.version) !== seen && !busy()) { window.location.reload(); }
    }).catch(function () {});
  }, 1200);
})();
"""


def _page(title: str, body: str, *, version: int | None = None, version_url: str = "") -> str:
    data = ""
    if version is not None:
        data = f' data-version="{version}" data-version-url="{escape(version_url)}"'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f'<body{data}>{body}<script src="/client.js"></script></body></html>'
    )


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html")


def _icon(guild: Guild) -> str:
    if guild.icon:
        extension = "gif" if guild.icon.startswith("a_") else "png"
        return f'<img src="/icons/{guild.id}/{guild.icon}.{extension}?size=64" alt="">'
    return escape("".join(word[0] for word in guild.name.split()[:3]))


def _person(request: web.Request, guild: Guild) -> User | None:
    """Who is using the client: the cookie's person when they are in this server, else its
    owner, else its first member."""
    state = request.app[STATE]
    members = [user_id for user_id in state.members[guild.id] if user_id in state.users]
    chosen = request.cookies.get(USER_COOKIE)
    for user_id in (chosen, guild.owner_id, *members):
        if user_id in members:
            return state.users[user_id]
    return None


def _channel_id(channel: access.Channel) -> str:
    return channel.id if isinstance(channel, Thread) else channel["id"]


def _name_of(channel: access.Channel) -> str:
    return channel.name if isinstance(channel, Thread) else channel["name"]


# Text ----------------------------------------------------------------------------------------

_USER = re.compile(r"&lt;@!?([0-9]{17,20})&gt;")
_ROLE = re.compile(r"&lt;@&amp;([0-9]{17,20})&gt;")
_CHANNEL = re.compile(r"&lt;#([0-9]{17,20})&gt;")
_TIME = re.compile(r"&lt;t:(-?[0-9]{1,13})(?::([tTdDfFR]))?&gt;")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])[*_](?![*_\s])(.+?)(?<![\s*_])[*_](?![*\w])")
_CODE = re.compile(r"`([^`]+)`")
_STRIKE = re.compile(r"~~(.+?)~~")


def render_text(state: State, guild: Guild, text: str) -> str:
    """Message content as the client shows it: mentions as names, Discord timestamps as dates
    (UTC), a little markdown, line breaks."""
    html = escape(text)

    def user(match: re.Match[str]) -> str:
        found = state.lookup_user(match.group(1))
        name = display_name(found) if found is not None else "unknown-user"
        return f'<span class="mention">@{escape(name)}</span>'

    def role(match: re.Match[str]) -> str:
        roles = {item["id"]: item["name"] for item in payloads.role_objects(state, guild)}
        return f'<span class="mention">@{escape(roles.get(match.group(1), "unknown-role"))}</span>'

    def channel(match: re.Match[str]) -> str:
        found = state.find_channel(match.group(1))
        if found is None:
            return '<span class="mention">#unknown</span>'
        place, target = found
        href = f"/channels/{place.id}/{_channel_id(target)}"
        return f'<a class="mention" href="{href}">#{escape(_name_of(target))}</a>'

    def moment(match: re.Match[str]) -> str:
        at = datetime.fromtimestamp(int(match.group(1)), UTC)
        style = match.group(2) or "f"
        if style == "R":
            shown = relative(int(match.group(1)) - state.now())
            title = at.strftime(TIMESTAMP_FORMATS["F"]) + " UTC"
            return f'<time datetime="{at.isoformat()}" title="{title}">{shown}</time>'
        shown = at.strftime(TIMESTAMP_FORMATS[style])
        return f'<time datetime="{at.isoformat()}">{escape(shown)} UTC</time>'

    html = _CODE.sub(r"<code>\1</code>", html)
    html = _USER.sub(user, html)
    html = _ROLE.sub(role, html)
    html = _CHANNEL.sub(channel, html)
    html = _TIME.sub(moment, html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    html = _STRIKE.sub(r"<s>\1</s>", html)
    html = _ITALIC.sub(r"<em>\1</em>", html)
    return html.replace("\n", "<br>")


def relative(seconds: float) -> str:
    """A timestamp `seconds` from now as Discord's <t:...:R> shows it: "in 2 hours"."""
    span = abs(seconds)
    for below, text, unit in RELATIVE:
        if span < below:
            words = text.format(round(span / unit)) if unit else text
            break
    else:
        words = f"{round(span / (365 * 86400)) or 1} years"
    return f"in {words}" if seconds > 0 else f"{words} ago"


def _embed(state: State, guild: Guild, embed: dict[str, Any]) -> str:
    colour = embed.get("color")
    border = f' style="border-left-color:#{colour:06x}"' if isinstance(colour, int) else ""
    parts = []
    author = embed.get("author") or {}
    if author.get("name"):
        parts.append(f'<div class="muted">{escape(author["name"])}</div>')
    if embed.get("title"):
        title = escape(embed["title"])
        if embed.get("url"):
            title = f'<a href="{escape(embed["url"])}">{title}</a>'
        parts.append(f'<div class="title">{title}</div>')
    if embed.get("description"):
        parts.append(
            f'<div class="content">{render_text(state, guild, embed["description"])}</div>'
        )
    fields = embed.get("fields") or []
    if fields:
        cells = "".join(
            f'<div class="field{"" if item.get("inline") else " wide"}"><b>'
            f"{escape(str(item.get('name', '')))}</b>"
            f"{render_text(state, guild, str(item.get('value', '')))}</div>"
            for item in fields
        )
        parts.append(f'<div class="fields">{cells}</div>')
    footer = (embed.get("footer") or {}).get("text")
    if footer:
        parts.append(f"<footer>{escape(footer)}</footer>")
    return f'<div class="embed"{border}>{"".join(parts)}</div>'


def _components(message: dict[str, Any], action: str) -> str:
    """Buttons as form buttons that press them, selects as a form each; link buttons as links."""
    rows = []
    for row in message.get("components") or []:
        if row.get("type") != messages.ACTION_ROW:
            continue
        hidden = f'<input type="hidden" name="message_id" value="{escape(message["id"])}">'
        items = []
        for item in row.get("components") or []:
            label = escape(str(item.get("label") or (item.get("emoji") or {}).get("name") or "…"))
            style = BUTTON_CLASSES.get(item.get("style"), "secondary")
            if item.get("type") == messages.BUTTON and item.get("style") == 5:
                items.append(
                    f'<a class="btn link" href="{escape(item.get("url", ""))}">{label} ↗</a>'
                )
            elif item.get("type") == messages.BUTTON:
                disabled = " disabled" if item.get("disabled") else ""
                items.append(
                    f'<button class="btn {style}" name="custom_id" '
                    f'value="{escape(item.get("custom_id", ""))}"{disabled}>{label}</button>'
                )
            elif item.get("type") == messages.STRING_SELECT:
                many = " multiple" if item.get("max_values", 1) > 1 else ""
                options = "".join(
                    f'<option value="{escape(option["value"])}">{escape(option["label"])}</option>'
                    for option in item.get("options", [])
                )
                items.append(
                    f'<input type="hidden" name="custom_id" value="{escape(item["custom_id"])}">'
                    f'<select name="values"{many}>{options}</select>'
                    '<button class="btn secondary">Choose</button>'
                )
        rows.append(
            f'<div class="row"><form method="post" action="{action}">{hidden}{"".join(items)}'
            "</form></div>"
        )
    return "".join(rows)


def _message(state: State, guild: Guild, message: dict[str, Any], action: str) -> str:
    author = state.lookup_user(message["author"]["id"])
    name = display_name(author) if author is not None else message["author"].get("username", "?")
    avatar = avatar_url(author, 64) if author is not None else "/embed/avatars/0.png"
    tag = '<span class="tag">APP</span>' if message["author"].get("bot") else ""
    at = datetime.fromisoformat(message["timestamp"]).strftime("%d/%m/%Y %H:%M")
    edited = ' <span class="edited">(edited)</span>' if message.get("edited_timestamp") else ""
    parts, above = [], ""
    if message["type"] == messages.THREAD_CREATED:
        reference = message.get("message_reference") or {}
        target = f"/channels/{guild.id}/{reference.get('channel_id', '')}"
        parts.append(
            f'<div class="system">{escape(name)} started a thread: '
            f'<a href="{target}">{escape(message["content"])}</a></div>'
        )
    else:
        # The message interaction object (deprecated, but still sent) names the command;
        # Discord's client shows who used it above the response.
        used = message.get("interaction") or {}
        if used.get("name") and used.get("user"):
            who = state.lookup_user(used["user"]["id"])
            user_name = display_name(who) if who is not None else used["user"]["username"]
            above = (
                f'<div class="reply">↪ {escape(user_name)} used '
                f'<span class="command">/{escape(used["name"])}</span></div>'
            )
        referenced = message.get("referenced_message")
        if referenced:
            parts.append(f'<div class="reply">↪ {escape(referenced.get("content", "")[:80])}</div>')
        if message.get("flags", 0) & messages.LOADING:
            parts.append(f'<div class="system">{escape(name)} is thinking…</div>')
        if message.get("content"):
            parts.append(
                f'<div class="content">{render_text(state, guild, message["content"])}</div>'
            )
        if not message.get("flags", 0) & messages.SUPPRESS_EMBEDS:
            parts += [_embed(state, guild, embed) for embed in message.get("embeds") or []]
        parts.append(_components(message, action))
    thread = message.get("thread")
    if thread:
        live = state.threads.get(thread["id"])
        count = live.message_count if live is not None else thread.get("message_count", 0)
        parts.append(
            f'<div class="threadlink">Thread: <a href="/channels/{guild.id}/{thread["id"]}">'
            f"{escape(thread['name'])}</a> · {count} messages</div>"
        )
    return (
        f'<article class="msg" id="m{message["id"]}"><img class="avatar" src="{avatar}" alt="">'
        f'<div class="body">{above}<div class="who"><strong>{escape(name)}</strong>{tag} '
        f"<time>{at}</time>{edited}</div>{''.join(parts)}</div></article>"
    )


# Panels ---------------------------------------------------------------------------------------


def _sidebar(state: State, guild: Guild, person: User, current: str) -> str:
    items = []
    threads = state.guild_threads(guild.id)
    for channel in sorted(guild.channels, key=lambda c: c["position"]):
        if not access.can_view(state, guild, channel, person.id):
            continue
        mark = "#" if channel["type"] == GUILD_TEXT else "▸"
        here = " current" if channel["id"] == current else ""
        items.append(
            f'<li><a class="{here.strip()}" href="/channels/{guild.id}/{channel["id"]}">'
            f"{mark} {escape(channel['name'])}</a></li>"
        )
        for thread in sorted(threads, key=lambda t: (t.archived, -int(t.id))):
            if thread.parent_id != channel["id"]:
                continue
            if not access.can_view(state, guild, thread, person.id):
                continue
            classes = " ".join(
                name
                for name, on in (("current", thread.id == current), ("archived", thread.archived))
                if on
            )
            lock = "🔒 " if thread.private else ""
            items.append(
                f'<li class="thread"><a class="{classes}" href="/channels/{guild.id}/{thread.id}">'
                f"{lock}{escape(thread.name)}</a></li>"
            )
    people = "".join(
        f'<option value="{user_id}"{" selected" if user_id == person.id else ""}>'
        f"{escape(display_name(state.users[user_id]))}</option>"
        for user_id in state.members[guild.id]
        if user_id in state.users
    )
    picker = (
        f'<form class="me" method="get" action="/channels/{guild.id}/{current}">'
        f'<div class="person"><img class="avatar" src="{avatar_url(person, 64)}" alt="">'
        f'<span><span class="name">{escape(display_name(person))}</span>'
        f'<span class="handle">{escape(handle(person))}</span></span></div>'
        f'<div class="pick"><label for="acting-as">Acting as</label>'
        f'<select id="acting-as" name="as">{people}</select>'
        '<button class="btn secondary">Switch</button></div></form>'
    )
    return (
        f'<aside class="channels"><h1>{escape(guild.name)}</h1>'
        f"<ul>{''.join(items)}</ul>{picker}</aside>"
    )


def _servers(state: State, current: str | None) -> str:
    links = "".join(
        f'<a class="{"current" if guild.id == current else ""}" title="{escape(guild.name)}" '
        f'href="/channels/{guild.id}">{_icon(guild)}</a>'
        for guild in _client_guilds(state)
    )
    return f'<nav class="servers"><a href="/channels" title="All servers">⌂</a>{links}</nav>'


def _client_guilds(state: State) -> list[Guild]:
    """The servers worth opening: the bot's that sample people are in, the busiest first."""
    people = set(state.users)
    found = [
        (len(people & set(state.members[guild.id])), guild)
        for guild in state.guilds.values()
        if guild.bot_present
    ]
    return [guild for count, guild in sorted(found, key=lambda row: -row[0]) if count]


def _option_field(state: State, guild: Guild, option: dict[str, Any]) -> str:
    name = f"opt_{option['name']}"
    required = " required" if option.get("required") else ""
    label = escape(option["name"]) + ("" if option.get("required") else " (optional)")
    kind = option["type"]
    blank = "" if option.get("required") else '<option value="">—</option>'
    if option.get("choices"):
        choices = "".join(
            f'<option value="{escape(str(c["value"]))}">{escape(c["name"])}</option>'
            for c in option["choices"]
        )
        field = f'<select name="{name}"{required}>{blank}{choices}</select>'
    elif kind in (interactions.INTEGER, interactions.NUMBER):
        limits = "".join(
            f' {attr}="{option[key]}"'
            for key, attr in (("min_value", "min"), ("max_value", "max"))
            if key in option
        )
        step = "1" if kind == interactions.INTEGER else "any"
        field = f'<input type="number" name="{name}" step="{step}"{limits}{required}>'
    elif kind == interactions.BOOLEAN:
        choices = "<option>true</option><option>false</option>"
        field = f'<select name="{name}"{required}>{blank}{choices}</select>'
    elif kind in (interactions.USER, interactions.MENTIONABLE):
        people = "".join(
            f'<option value="{user_id}">{escape(display_name(state.users[user_id]))}</option>'
            for user_id in state.members[guild.id]
            if user_id in state.users
        )
        field = f'<select name="{name}"{required}>{blank}{people}</select>'
    elif kind == interactions.CHANNEL:
        channels = "".join(
            f'<option value="{c["id"]}">#{escape(c["name"])}</option>' for c in guild.channels
        )
        field = f'<select name="{name}"{required}>{blank}{channels}</select>'
    elif kind == interactions.ROLE:
        roles = "".join(
            f'<option value="{r["id"]}">{escape(r["name"])}</option>'
            for r in payloads.role_objects(state, guild)
        )
        field = f'<select name="{name}"{required}>{blank}{roles}</select>'
    else:
        longest = f' maxlength="{option["max_length"]}"' if "max_length" in option else ""
        field = f'<input name="{name}"{longest}{required}>'
    return f"<label>{label}{field}</label>"


def _command_forms(state: State, guild: Guild, person: User, action: str) -> str:
    """A form per slash command (per subcommand) the person is offered here."""
    base = access.guild_permissions(state, guild, person.id)[0]
    forms = []
    seen = set()
    for scope in (guild.id, None):
        for command in state.commands.get(scope, {}).values():
            if command["type"] != 1 or command["name"] in seen:
                continue
            seen.add(command["name"])
            if not interactions.offered_to(command, base):
                continue
            for group, sub, options in interactions.command_paths(command):
                path = " ".join(part for part in (command["name"], group, sub) if part)
                hidden = "".join(
                    f'<input type="hidden" name="{key}" value="{escape(value)}">'
                    for key, value in (("name", command["name"]), ("group", group), ("sub", sub))
                    if value
                )
                fields = "".join(_option_field(state, guild, option) for option in options)
                forms.append(
                    f'<details><summary>/{escape(path)} <span class="muted">'
                    f"{escape(command.get('description', ''))}</span></summary>"
                    f'<form method="post" action="{action}">{hidden}{fields}'
                    '<button class="btn primary">Send</button></form></details>'
                )
    if not forms:
        return '<p class="muted">No slash commands are synced for this server yet.</p>'
    return "".join(forms)


def _ephemeral(state: State, guild: Guild, person: User, channel_id: str, action: str) -> str:
    replies = []
    for record in state.interactions.values():
        if record.user_id != person.id or record.channel_id != channel_id:
            continue
        for message in (record.original, *record.followups):
            if message is not None and message["flags"] & messages.EPHEMERAL:
                replies.append(message)
    replies.sort(key=lambda m: int(m["id"]))
    if not replies:
        return ""
    shown = "".join(_message(state, guild, m, action) for m in replies[-SHOWN_REPLIES:])
    return f'<section class="ephemeral"><h2>Only you can see these</h2>{shown}</section>'


def _open_modal(request: web.Request, person: User, channel_id: str) -> Any:
    state = request.app[STATE]
    dismissed = request.app[DISMISSED]
    for record in sorted(state.interactions.values(), key=lambda r: int(r.id), reverse=True):
        if (
            record.user_id == person.id
            and record.channel_id == channel_id
            and record.modal is not None
            and record.modal_submission is None
            and record.id not in dismissed
            and state.now() - record.created_at < 900
        ):
            return record
    return None


def _modal(record: Any, action: str) -> str:
    fields = []
    for component in record.modal["components"]:
        label = ""
        inner = component
        if component["type"] == messages.LABEL:
            label, inner = component.get("label", ""), component["component"]
        elif component["type"] == messages.ACTION_ROW:
            inner = component["components"][0]
        if inner.get("type") != messages.TEXT_INPUT:
            continue
        label = label or inner.get("label") or inner["custom_id"]
        attributes = " required" if inner.get("required", True) else ""
        for key, attr in (("min_length", "minlength"), ("max_length", "maxlength")):
            if key in inner:
                attributes += f' {attr}="{inner[key]}"'
        if inner.get("placeholder"):
            attributes += f' placeholder="{escape(inner["placeholder"])}"'
        name = f"in_{escape(inner['custom_id'])}"
        value = escape(inner.get("value") or "")
        if inner.get("style") == 2:
            field = f'<textarea name="{name}" rows="4"{attributes}>{value}</textarea>'
        else:
            field = f'<input name="{name}" value="{value}"{attributes}>'
        fields.append(f"<label>{escape(label)}{field}</label>")
    return (
        f'<dialog open><form method="post" action="{action}">'
        f'<input type="hidden" name="interaction_id" value="{record.id}">'
        f"<h2>{escape(record.modal['title'])}</h2>{''.join(fields)}<footer>"
        '<button class="btn secondary" name="dismiss" value="1" formnovalidate>Cancel</button>'
        '<button class="btn primary">Submit</button></footer></form></dialog>'
    )


# Views ----------------------------------------------------------------------------------------


async def servers(request: web.Request) -> web.Response:
    state = request.app[STATE]
    rows = "".join(
        f'<a href="/channels/{guild.id}">{_icon(guild)}<span>{escape(guild.name)}'
        f'<br><span class="muted">{len(guild.channels)} channels, '
        f"{len(state.guild_threads(guild.id))} threads</span></span></a>"
        for guild in _client_guilds(state)
    )
    body = (
        f"{_servers(state, None)}<main><header>Servers with {escape(state.bot.username)}</header>"
        f'<div class="servers-list">{rows or "<p>The bot is in no server.</p>"}</div></main>'
    )
    return _html(_page("discordsim · servers", body))


def _guild(request: web.Request) -> Guild:
    guild = request.app[STATE].guilds.get(request.match_info["guild_id"])
    if guild is None:
        raise web.HTTPNotFound(text="No such server")
    return guild


async def guild_home(request: web.Request) -> web.Response:
    state = request.app[STATE]
    guild = _guild(request)
    person = _person(request, guild)
    for channel in sorted(guild.channels, key=lambda c: c["position"]):
        if person is not None and access.can_view(state, guild, channel, person.id):
            return _redirect(f"/channels/{guild.id}/{channel['id']}")
    return _html(_page(guild.name, "<main><p>No channel to show.</p></main>"), 404)


def _base(guild: Guild, channel_id: str) -> str:
    return f"/channels/{guild.id}/{channel_id}"


async def channel_view(request: web.Request) -> web.Response:
    """A channel or thread: its messages, the person's ephemeral replies, an open modal, and
    the slash commands they can run here."""
    state = request.app[STATE]
    guild = _guild(request)
    channel_id = request.match_info["channel_id"]
    chosen = request.query.get("as")
    if chosen is not None:
        response = _redirect(_base(guild, channel_id))
        if chosen in state.members[guild.id]:
            response.set_cookie(USER_COOKIE, chosen, path="/", httponly=True, samesite="Lax")
        return response
    found = state.find_channel(channel_id)
    person = _person(request, guild)
    if found is None or found[0] is not guild or person is None:
        raise web.HTTPNotFound(text="No such channel")
    channel = found[1]
    base = _base(guild, channel_id)
    if not access.can_view(state, guild, channel, person.id):
        main = (
            f'<main><header>#{escape(_name_of(channel))}</header><p class="notice">'
            f"{escape(display_name(person))} cannot see this channel.</p></main>"
        )
    else:
        stored = sorted(state.channel_messages(channel_id).values(), key=lambda m: int(m["id"]))
        log = "".join(_message(state, guild, m, f"{base}/press") for m in stored[-SHOWN_MESSAGES:])
        heading = f"# {escape(_name_of(channel))}"
        if isinstance(channel, Thread):
            parent = state.find_channel(channel.parent_id)
            parent_name = _name_of(parent[1]) if parent else "?"
            status = " · archived" if channel.archived else ""
            status += " · locked" if channel.locked else ""
            heading = (
                f'{escape(channel.name)}<span class="topic">thread in '
                f'<a href="{_base(guild, channel.parent_id)}">#{escape(parent_name)}</a>'
                f"{status}</span>"
            )
        elif channel.get("topic"):
            heading += f'<span class="topic">{escape(channel["topic"])}</span>'
        notice = request.query.get("notice")
        notice_html = f'<p class="notice">{escape(notice)}</p>' if notice else ""
        modal = _open_modal(request, person, channel_id)
        main = (
            f"<main><header>{heading}</header>{notice_html}"
            f'<div class="log">{log or "<p class=muted>No messages yet.</p>"}</div>'
            f"{_ephemeral(state, guild, person, channel_id, f'{base}/press')}"
            f'<div class="compose">{_command_forms(state, guild, person, f"{base}/command")}</div>'
            f"{_modal(modal, f'{base}/modal') if modal is not None else ''}</main>"
        )
    body = _servers(state, guild.id) + _sidebar(state, guild, person, channel_id) + main
    return _html(
        _page(
            f"{_name_of(channel)} · {guild.name}",
            body,
            version=state.completed_requests,
            version_url=f"{base}/version",
        )
    )


async def version(request: web.Request) -> web.Response:
    return json_response({"version": request.app[STATE].completed_requests})


def _redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _back(guild: Guild, channel_id: str, notice: str | None = None) -> web.Response:
    query = f"?{urlencode({'notice': notice})}" if notice else ""
    return _redirect(f"{_base(guild, channel_id)}{query}")


def _send(request: web.Request, guild: Guild, channel_id: str, build: Any) -> web.Response:
    state = request.app[STATE]
    try:
        interactions.deliver(state, request.app[HUB], build())
    except interactions.InteractionError as error:
        return _back(guild, channel_id, str(error))
    return _back(guild, channel_id)


async def _action(request: web.Request) -> tuple[State, Guild, str, User | None, Any]:
    """What a form post needs: the state, the server, the channel id, the person, the form."""
    guild = _guild(request)
    form = await request.post()
    return (
        request.app[STATE],
        guild,
        request.match_info["channel_id"],
        _person(request, guild),
        form,
    )


async def press(request: web.Request) -> web.Response:
    state, guild, channel_id, person, form = await _action(request)
    message_id, custom_id = str(form.get("message_id", "")), str(form.get("custom_id", ""))
    values = [str(value) for value in form.getall("values", [])] or None
    if person is None:
        return _back(guild, channel_id, "Pick someone to act as first.")
    return _send(
        request,
        guild,
        channel_id,
        lambda: interactions.build_component(
            state,
            message_id=message_id,
            custom_id=custom_id,
            user_id=person.id,
            values=values,
            locale=person.locale,
        ),
    )


def _option_values(command: dict[str, Any], group: str, sub: str, form: Any) -> dict[str, Any]:
    options = next(
        (
            found
            for path_group, path_sub, found in interactions.command_paths(command)
            if (path_group or "") == group and (path_sub or "") == sub
        ),
        None,
    )
    if options is None:
        raise interactions.InteractionError("no such subcommand")
    values: dict[str, Any] = {}
    for option in options:
        raw = str(form.get(f"opt_{option['name']}", "")).strip()
        if raw == "":
            continue
        kind = option["type"]
        try:
            if kind == interactions.INTEGER:
                values[option["name"]] = int(raw)
            elif kind == interactions.NUMBER:
                values[option["name"]] = float(raw)
            elif kind == interactions.BOOLEAN:
                values[option["name"]] = raw == "true"
            else:
                values[option["name"]] = raw
        except ValueError as error:
            raise interactions.InteractionError(
                f"{option['name']}: {raw!r} is not a number"
            ) from error
    return values


async def command(request: web.Request) -> web.Response:
    state, guild, channel_id, person, form = await _action(request)
    name, group, sub = (str(form.get(key, "")) for key in ("name", "group", "sub"))
    if person is None:
        return _back(guild, channel_id, "Pick someone to act as first.")

    def build() -> Any:
        definition = interactions.find_command(state, guild.id, name)
        return interactions.build(
            state,
            guild_id=guild.id,
            channel_id=channel_id,
            user_id=person.id,
            name=name,
            subcommand=sub or None,
            subcommand_group=group or None,
            options=_option_values(definition, group, sub, form),
            locale=person.locale,
        )

    return _send(request, guild, channel_id, build)


async def modal(request: web.Request) -> web.Response:
    state, guild, channel_id, person, form = await _action(request)
    interaction_id = str(form.get("interaction_id", ""))
    if form.get("dismiss"):
        # Closing a modal tells the bot nothing.
        request.app[DISMISSED].add(interaction_id)
        return _back(guild, channel_id)
    values = {key[3:]: str(value) for key, value in form.items() if key.startswith("in_")}
    return _send(
        request,
        guild,
        channel_id,
        lambda: interactions.build_modal_submit(
            state,
            interaction_id,
            values=values,
            user_id=person.id if person is not None else None,
        ),
    )


async def script(request: web.Request) -> web.Response:
    return web.Response(text=SCRIPT, content_type="text/javascript")


def setup(app: web.Application) -> None:
    app[DISMISSED] = set()
    channel = "/channels/{guild_id}/{channel_id}"
    app.router.add_routes(
        [
            web.get("/client.js", script),
            web.get("/channels", servers),
            web.get("/channels/{guild_id}", guild_home),
            web.get(channel, channel_view),
            web.get(f"{channel}/version", version),
            web.post(f"{channel}/press", press),
            web.post(f"{channel}/command", command),
            web.post(f"{channel}/modal", modal),
        ]
    )
