"""Small helpers shared by the discordsim tests."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import discord
import requests
import yarl
import zstandard

from discordsim import sample


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def wait_until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll a condition with a deadline (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


async def until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


ZLIB_SUFFIX = b"\x00\x00\xff\xff"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GUILDS = 1


def point_discordpy_at(monkeypatch, sim) -> None:
    """Point discord.py at the simulator `sim`: its REST base and its default gateway."""
    monkeypatch.setattr(discord.http.Route, "BASE", f"{sim.url}/api/v10")
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket,
        "DEFAULT_GATEWAY",
        yarl.URL(sim.url.replace("http", "ws") + "/gateway"),
    )


@contextlib.asynccontextmanager
async def running(client: discord.Client, *, wait_ready: bool = True) -> AsyncIterator:
    """`client` (a discord.py client) logged in with the sample bot's token and connected, by
    default ready (its servers cached); closed on the way out, its connect() task awaited."""
    await client.login(sample.BOT_TOKEN)
    task = asyncio.create_task(client.connect())
    try:
        if wait_ready:
            ready = asyncio.ensure_future(client.wait_until_ready())
            done, _ = await asyncio.wait(
                [task, ready], timeout=10, return_when=asyncio.FIRST_COMPLETED
            )
            ready.cancel()
            if task in done:
                task.result()
            assert client.is_ready()
        yield client
    finally:
        # Closing while discord.py still waits out guild_ready_timeout makes it dispatch events
        # from a closed client, so let READY happen first.
        if not task.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.wait_until_ready(), 10)
        await client.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


class RawGateway:
    """Just enough of a gateway client to check what the simulator sends."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.compress = compress
        self.inflator = zlib.decompressobj() if compress == "zlib-stream" else None
        # One zstd stream for the whole connection, as discord.py reads it.
        self.zstd = (
            zstandard.ZstdDecompressor().decompressobj() if compress == "zstd-stream" else None
        )
        self.buffer = bytearray()
        self.frames: list[aiohttp.WSMsgType] = []
        self.binary: list[bytes] = []

    async def receive(self, timeout: float = 5.0) -> dict[str, Any] | None:
        """The next payload, or None once the server has closed the connection."""
        while True:
            message = await self.ws.receive(timeout=timeout)
            self.frames.append(message.type)
            if message.type is aiohttp.WSMsgType.TEXT:
                return json.loads(message.data)
            if message.type is aiohttp.WSMsgType.BINARY:
                self.binary.append(message.data)
                if self.zstd is not None:
                    # Events > Gateway > zstd-stream: each message is one whole gateway payload.
                    return json.loads(self.zstd.decompress(message.data))
                assert self.inflator is not None
                self.buffer.extend(message.data)
                if self.buffer[-4:] != ZLIB_SUFFIX:
                    continue
                text = self.inflator.decompress(bytes(self.buffer))
                self.buffer.clear()
                return json.loads(text)
            return None

    async def send(self, op: int, data: Any) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": data}))

    async def identify(
        self, *, shard: list[int] | None = None, intents: int = GUILDS, token=sample.BOT_TOKEN
    ):
        payload: dict[str, Any] = {
            "token": token,
            "intents": intents,
            "properties": {"os": "linux", "browser": "test", "device": "test"},
        }
        if shard is not None:
            payload["shard"] = shard
        await self.send(2, payload)

    async def dispatches(self, count: int) -> list[dict[str, Any]]:
        result = []
        while len(result) < count:
            payload = await self.receive()
            assert payload is not None, "closed early"
            if payload["op"] == 0:
                result.append(payload)
        return result

    async def closed_with(self) -> int | None:
        while await self.receive() is not None:
            pass
        return self.ws.close_code


async def connect(sim, *, compress: str | None = None, query: str | None = None):
    session = aiohttp.ClientSession()
    params = query or ("v=10&encoding=json" + (f"&compress={compress}" if compress else ""))
    ws = await session.ws_connect(f"{sim.url.replace('http', 'ws')}/gateway?{params}")
    gateway = RawGateway(ws, compress)
    hello = await gateway.receive()
    assert hello is not None and hello["op"] == 10
    return session, gateway, hello


async def identified(sim, intents: int = GUILDS) -> tuple[aiohttp.ClientSession, RawGateway]:
    """One shard, identified with these intents and past READY and its GUILD_CREATEs."""
    session, gateway, _ = await connect(sim)
    await gateway.identify(intents=intents)
    ready = (await gateway.dispatches(1))[0]
    if intents & GUILDS:
        await gateway.dispatches(len(ready["d"]["guilds"]))
    return session, gateway


async def events_until(gateway: RawGateway, name: str, timeout: float = 5.0) -> list[dict]:
    """Dispatches up to and including the first one named `name`."""
    seen = []
    deadline = time.monotonic() + timeout
    while not seen or seen[-1]["t"] != name:
        payload = await gateway.receive(timeout=max(0.01, deadline - time.monotonic()))
        assert payload is not None, f"closed before {name}"
        if payload["op"] == 0:
            seen.append(payload)
    return seen


class Listener:
    """A raw gateway session kept open in a thread of its own while a sync test runs, so the
    simulator has a bot to send INTERACTION_CREATE and the rest to; it records every dispatch."""

    def __init__(self, sim, intents: int = GUILDS) -> None:
        self.sim = sim
        self.intents = intents
        self.dispatches: list[dict[str, Any]] = []
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        session, gateway = await identified(self.sim, self.intents)
        self._ready.set()
        try:
            while not self._stop.is_set():
                try:
                    payload = await gateway.receive(timeout=0.05)
                except TimeoutError:
                    continue
                if payload is None:
                    break
                if payload["op"] == 0:
                    self.dispatches.append(payload)
        finally:
            await session.close()

    def __enter__(self) -> Listener:
        self._thread.start()
        assert self._ready.wait(10), "the gateway did not become ready"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)

    def events(self, name: str) -> list[dict[str, Any]]:
        return [payload["d"] for payload in list(self.dispatches) if payload["t"] == name]

    def wait_for(self, name: str, count: int = 1) -> list[dict[str, Any]]:
        wait_until(lambda: len(self.events(name)) >= count)
        return self.events(name)


def button_row(*buttons: tuple[str, str]) -> list[dict[str, Any]]:
    """One action row of primary buttons, each (custom_id, label)."""
    return [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 1, "custom_id": custom_id, "label": label}
                for custom_id, label in buttons
            ],
        }
    ]


def answer(sim, interaction: dict[str, Any], body: dict[str, Any]) -> Any:
    """The bot's callback to an interaction ({"id", "token"} or the INTERACTION_CREATE data)."""
    url = f"{sim.url}/api/v10/interactions/{interaction['id']}/{interaction['token']}/callback"
    return requests.post(url, json=body, timeout=10)
