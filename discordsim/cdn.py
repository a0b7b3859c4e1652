"""The CDN at the server root: avatars, default avatars and server icons, drawn on request."""

from __future__ import annotations

import asyncio

from aiohttp import web

from discordsim import images
from discordsim.common import STATE

CONTENT_TYPES = {"png": "image/png", "gif": "image/gif", "webp": "image/webp"}
# Reference > Image Formatting: any power of two from 16 to 4096.
SIZES = {2**power for power in range(4, 13)}
DEFAULT_SIZE = 128


def _size(request: web.Request) -> int | None:
    raw = request.query.get("size")
    if raw is None:
        return DEFAULT_SIZE
    if not raw.isdigit() or int(raw) not in SIZES:
        return None
    return int(raw)


async def _image(
    kind: str, seed: str, extension: str, request: web.Request, animated: bool
) -> web.Response:
    size = _size(request)
    if size is None:
        return web.Response(status=400, text="size must be a power of two from 16 to 4096")
    # Large images take a while to draw; keep the event loop (and the gateway) responsive.
    body = await asyncio.to_thread(
        images.render, kind, seed, size, extension, animated and extension == "gif"
    )
    return web.Response(
        body=body,
        headers={
            "Content-Type": CONTENT_TYPES[extension],
            "Cache-Control": "public, max-age=31536000",
        },
    )


def _split(filename: str) -> tuple[str, str] | None:
    stem, dot, extension = filename.rpartition(".")
    if not dot or extension not in CONTENT_TYPES:
        return None
    return stem, extension


async def avatar(request: web.Request) -> web.StreamResponse:
    """/avatars/{user_id}/{hash}.{png,gif,webp}: only the person's current avatar hash exists."""
    state = request.app[STATE]
    user = state.lookup_user(request.match_info["user_id"])
    parts = _split(request.match_info["filename"])
    if user is None or parts is None or user.avatar is None or parts[0] != user.avatar:
        raise web.HTTPNotFound()
    return await _image("avatar", user.avatar, parts[1], request, user.avatar.startswith("a_"))


async def embed_avatar(request: web.Request) -> web.StreamResponse:
    """/embed/avatars/{0..5}.png, the default avatars (PNG only, as on Discord)."""
    index = request.match_info["index"]
    if index not in {"0", "1", "2", "3", "4", "5"}:
        raise web.HTTPNotFound()
    return await _image("embed", index, "png", request, False)


async def guild_icon(request: web.Request) -> web.StreamResponse:
    """/icons/{guild_id}/{hash}.{png,gif,webp}."""
    state = request.app[STATE]
    guild = state.guilds.get(request.match_info["guild_id"])
    parts = _split(request.match_info["filename"])
    if guild is None or parts is None or guild.icon is None or parts[0] != guild.icon:
        raise web.HTTPNotFound()
    return await _image("icon", guild.icon, parts[1], request, guild.icon.startswith("a_"))


def routes() -> list[web.RouteDef]:
    return [
        web.get("/avatars/{user_id}/{filename}", avatar),
        web.get("/embed/avatars/{index}.png", embed_avatar),
        web.get("/icons/{guild_id}/{filename}", guild_icon),
    ]
