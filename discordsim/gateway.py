"""The gateway: Discord's WebSocket protocol (JSON, optional zlib- or zstd-stream) at /gateway."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import zstandard
from aiohttp import WSMsgType, web

from discordsim import payloads
from discordsim.common import HUB
from discordsim.state import PRIVILEGED_INTENTS, Guild, State

logger = logging.getLogger(__name__)

# Topics > Opcodes and Status Codes > Gateway Opcodes.
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11
REQUEST_SOUNDBOARD_SOUNDS = 31

# Gateway Close Event Codes; the ones after which a session cannot be resumed end it here too.
UNKNOWN_ERROR, UNKNOWN_OPCODE, DECODE_ERROR, NOT_AUTHENTICATED = 4000, 4001, 4002, 4003
AUTHENTICATION_FAILED, ALREADY_AUTHENTICATED, INVALID_SEQ, RATE_LIMITED = 4004, 4005, 4007, 4008
SESSION_TIMED_OUT, INVALID_SHARD, SHARDING_REQUIRED, INVALID_API_VERSION = 4009, 4010, 4011, 4012
INVALID_INTENTS, DISALLOWED_INTENTS = 4013, 4014
CLOSE_REASONS = {
    UNKNOWN_ERROR: "Unknown error.",
    UNKNOWN_OPCODE: "Unknown opcode.",
    DECODE_ERROR: "Error while decoding payload.",
    NOT_AUTHENTICATED: "Not authenticated.",
    AUTHENTICATION_FAILED: "Authentication failed.",
    ALREADY_AUTHENTICATED: "Already authenticated.",
    INVALID_SEQ: "Invalid seq.",
    RATE_LIMITED: "Rate limited.",
    SESSION_TIMED_OUT: "Session timed out.",
    INVALID_SHARD: "Invalid shard.",
    SHARDING_REQUIRED: "Sharding required.",
    INVALID_API_VERSION: "Invalid API version.",
    INVALID_INTENTS: "Invalid intent(s).",
    DISALLOWED_INTENTS: "Disallowed intent(s).",
}
NOT_RESUMABLE = {4003, 4004, 4005, 4007, 4009, 4010, 4011, 4012, 4013, 4014}

GUILDS_INTENT = 1 << 0
GUILD_MEMBERS_INTENT = 1 << 1
GUILD_MESSAGES_INTENT = 1 << 9
# Events > Gateway > List of Intents.
KNOWN_INTENTS = sum(1 << bit for bit in (*range(17), 20, 21, 24, 25))
API_VERSIONS = {"9", "10"}
# Events > Gateway: payloads over 4096 bytes close with 4002; 120 sends per connection per
# 60 seconds; 2500 servers per shard at most.
MAX_PAYLOAD = 4096
SEND_LIMIT, SEND_WINDOW = 120, 60.0
MAX_GUILDS_PER_SHARD = 2500
# How long a dropped session stays resumable, and the replay buffer behind it.
RESUME_WINDOW = 300.0
REPLAY_BUFFER = 10000
RECONNECT_GRACE = 5.0
HISTORY = 200


class _ZlibStream:
    """Events > Gateway > Transport Compression > zlib-stream: one context per connection, each
    message ending in a Z_SYNC_FLUSH (00 00 ff ff)."""

    def __init__(self) -> None:
        self.context = zlib.compressobj()

    def compress(self, data: bytes) -> bytes:
        return self.context.compress(data) + self.context.flush(zlib.Z_SYNC_FLUSH)


class _ZstdStream:
    """Events > Gateway > Transport Compression > zstd-stream: one zstd stream for the life of
    the connection; each message holds one whole gateway payload, flushed so that it decompresses
    on arrival, but "does not end a zstd frame"."""

    def __init__(self) -> None:
        self.context = zstandard.ZstdCompressor().compressobj()

    def compress(self, data: bytes) -> bytes:
        return self.context.compress(data) + self.context.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)


COMPRESSIONS: dict[str, type[_ZlibStream] | type[_ZstdStream]] = {
    "zlib-stream": _ZlibStream,
    "zstd-stream": _ZstdStream,
}


def _frame(op: int, d: Any = None) -> str:
    return json.dumps({"op": op, "d": d, "s": None, "t": None}, separators=(",", ":"))


@dataclass
class Session:
    id: str
    shard_id: int
    shard_count: int
    intents: int
    seq: int = 0
    buffer: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=REPLAY_BUFFER))
    connection: Connection | None = None
    invalidated: bool = False
    disconnected_at: float | None = None

    def owns(self, guild_id: str) -> bool:
        # Events > Gateway > Sharding Formula.
        return (int(guild_id) >> 22) % self.shard_count == self.shard_id

    def emit(self, event: str, data: Any) -> None:
        self.seq += 1
        text = json.dumps(
            {"op": DISPATCH, "d": data, "s": self.seq, "t": event}, separators=(",", ":")
        )
        self.buffer.append((self.seq, text))
        if self.connection is not None:
            self.connection.send(text)

    def resumable(self) -> bool:
        if self.invalidated:
            return False
        return (
            self.disconnected_at is None or time.monotonic() - self.disconnected_at < RESUME_WINDOW
        )


class Connection:
    """One WebSocket; it writes frames in order through a queue so one compressed stream stays
    intact."""

    def __init__(
        self, number: int, ws: web.WebSocketResponse, compress: str | None, version: str
    ) -> None:
        self.number = number
        self.ws = ws
        self.version = version
        self.compress = compress
        self.compressor = COMPRESSIONS[compress]() if compress is not None else None
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.session: Session | None = None
        self.resumed = False
        self.opened_at = time.time()
        self.closed_at: float | None = None
        self.close_code: int | None = None
        self.server_close_code: int | None = None
        self.last_heartbeat = time.monotonic()
        self.received: deque[float] = deque()
        self.closing = False

    def send(self, text: str) -> None:
        if not self.closing:
            self.queue.put_nowait(("text", text))

    def close_soon(self, code: int) -> None:
        """Close after the frames already queued; sessions that cannot resume end here."""
        if self.closing:
            return
        self.closing = True
        if code in NOT_RESUMABLE and self.session is not None:
            self.session.invalidated = True
        self.queue.put_nowait(("close", code))

    async def write(self) -> None:
        try:
            while True:
                kind, value = await self.queue.get()
                if kind == "close":
                    self.server_close_code = value
                    await self.ws.close(code=value, message=CLOSE_REASONS.get(value, "").encode())
                    return
                if self.compressor is not None:
                    await self.ws.send_bytes(self.compressor.compress(value.encode()))
                else:
                    await self.ws.send_str(value)
        except (ConnectionError, RuntimeError):
            return

    def as_json(self) -> dict[str, Any]:
        session = self.session
        return {
            "id": self.number,
            "session_id": session.id if session else None,
            "shard": [session.shard_id, session.shard_count] if session else None,
            "seq": session.seq if session else None,
            "intents": session.intents if session else None,
            "identified": session is not None,
            "resumed": self.resumed,
            "compress": self.compress,
            "closed": self.closed_at is not None,
            "close_code": self.close_code,
            "opened_at": self.opened_at,
            "closed_at": self.closed_at,
        }


class GatewayHub:
    """All gateway sessions and connections; routes events to the shard that owns a server."""

    def __init__(self, state: State, base_url: str) -> None:
        self.state = state
        self.url = "ws" + base_url.removeprefix("http") + "/gateway"
        self.sessions: dict[str, Session] = {}
        self.connections: deque[Connection] = deque(maxlen=HISTORY)
        self.numbers = itertools.count(1)

    # Sending --------------------------------------------------------------------------------

    def dispatch(
        self,
        event: str,
        data: Any,
        *,
        guild_id: str | None = None,
        shard_id: int | None = None,
        intent: int = 0,
    ) -> int:
        """Send a dispatch to every live session that should get it; returns how many did.

        Events without a server go to shard 0 (Events > Gateway > Sharding). Sessions that lost
        their connection still number the event and keep it for RESUME.
        """
        self._forget_expired()
        count = 0
        for session in self.sessions.values():
            if shard_id is not None:
                if session.shard_id != shard_id:
                    continue
            elif guild_id is not None:
                if not session.owns(guild_id):
                    continue
            elif session.shard_id != 0:
                continue
            if intent and not session.intents & intent:
                continue
            session.emit(event, data)
            count += 1
        return count

    def _forget_expired(self) -> None:
        for session_id in [
            sid for sid, session in self.sessions.items() if not session.resumable()
        ]:
            del self.sessions[session_id]

    def bot_added(self, guild: Guild) -> int:
        return self.dispatch(
            "GUILD_CREATE",
            payloads.guild_create(self.state, guild, join=True),
            guild_id=guild.id,
            intent=GUILDS_INTENT,
        )

    def bot_removed(self, guild_id: str) -> int:
        return self.dispatch(
            "GUILD_DELETE", {"id": guild_id}, guild_id=guild_id, intent=GUILDS_INTENT
        )

    def outage(self, guild_id: str) -> int:
        return self.dispatch(
            "GUILD_DELETE",
            {"id": guild_id, "unavailable": True},
            guild_id=guild_id,
            intent=GUILDS_INTENT,
        )

    def recovered(self, guild: Guild) -> int:
        return self.dispatch(
            "GUILD_CREATE",
            payloads.guild_create(self.state, guild, join=False),
            guild_id=guild.id,
            intent=GUILDS_INTENT,
        )

    def guild_updated(self, guild: Guild) -> int:
        return self.dispatch(
            "GUILD_UPDATE",
            payloads.guild_object(self.state, guild),
            guild_id=guild.id,
            intent=GUILDS_INTENT,
        )

    def guild_event(
        self, event: str, data: Any, guild_id: str, *, intent: int = GUILDS_INTENT
    ) -> int:
        """A server's event (CHANNEL_*, THREAD_*, MESSAGE_*) to the shard that owns it, while
        the bot is in that server."""
        guild = self.state.guilds.get(guild_id)
        if guild is None or not guild.bot_present:
            return 0
        return self.dispatch(event, data, guild_id=guild_id, intent=intent)

    def reconnect_all(self) -> int:
        """Op 7 to every identified connection; close any that has not gone a few seconds later."""
        count = 0
        loop = asyncio.get_running_loop()
        for connection in self.connections:
            if (
                connection.session is not None
                and connection.closed_at is None
                and not connection.closing
            ):
                connection.send(_frame(RECONNECT))
                loop.call_later(RECONNECT_GRACE, connection.close_soon, UNKNOWN_ERROR)
                count += 1
        return count

    def close_all(self, code: int = UNKNOWN_ERROR) -> None:
        """Drop every connection and session (a new scenario, a reset, shutdown)."""
        for connection in self.connections:
            if connection.closed_at is None:
                connection.close_soon(code)
        for session in self.sessions.values():
            session.invalidated = True
        self.sessions.clear()

    # Receiving ------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        version = request.query.get("v", "10")
        encoding = request.query.get("encoding", "json")
        compress = request.query.get("compress")
        if encoding != "json":
            return web.Response(status=400, text="discordsim speaks only encoding=json")
        if compress is not None and compress not in COMPRESSIONS:
            return web.Response(
                status=400, text="discordsim offers compress=zlib-stream or compress=zstd-stream"
            )
        ws = web.WebSocketResponse(compress=False, max_msg_size=1 << 20, timeout=2.0)
        await ws.prepare(request)
        connection = Connection(next(self.numbers), ws, compress, version)
        self.connections.append(connection)
        writer = asyncio.create_task(connection.write())
        watchdog = asyncio.create_task(self._watch_heartbeats(connection))
        try:
            if version not in API_VERSIONS:
                connection.close_soon(INVALID_API_VERSION)
            else:
                connection.send(
                    _frame(
                        HELLO,
                        {
                            "heartbeat_interval": self.state.heartbeat_interval,
                            "_trace": ['["discordsim"]'],
                        },
                    )
                )
            async for message in ws:
                if not connection.closing:
                    if message.type is WSMsgType.TEXT:
                        self._receive(connection, message.data)
                    else:
                        connection.close_soon(DECODE_ERROR)
                if connection.closing:
                    break
        finally:
            watchdog.cancel()
            if connection.closing and not writer.done():
                # Let the frames queued before the close (INVALID_SESSION, ...) go out first.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(writer), timeout=3)
            writer.cancel()
            self._closed(connection)
        return ws

    def _closed(self, connection: Connection) -> None:
        connection.closed_at = time.time()
        client_code = connection.ws.close_code
        connection.close_code = connection.server_close_code or client_code
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
            session.disconnected_at = time.monotonic()
            # Events > Gateway > Initiating a Disconnect: closing with 1000 or 1001 ends the
            # session; any other code (or none) leaves it resumable for a while.
            if connection.server_close_code is None and client_code in (1000, 1001):
                session.invalidated = True

    async def _watch_heartbeats(self, connection: Connection) -> None:
        interval = self.state.heartbeat_interval / 1000
        while not connection.closing:
            await asyncio.sleep(min(interval / 4, 1.0))
            # Discord allows for some network delay before it gives up on a silent client.
            if time.monotonic() - connection.last_heartbeat > interval * 1.5:
                connection.close_soon(SESSION_TIMED_OUT)
                return

    def _receive(self, connection: Connection, text: str) -> None:
        now = time.monotonic()
        connection.received.append(now)
        while connection.received and now - connection.received[0] > SEND_WINDOW:
            connection.received.popleft()
        if len(connection.received) > SEND_LIMIT:
            connection.close_soon(RATE_LIMITED)
            return
        if len(text.encode()) > MAX_PAYLOAD:
            connection.close_soon(DECODE_ERROR)
            return
        try:
            payload = json.loads(text)
        except ValueError:
            connection.close_soon(DECODE_ERROR)
            return
        if not isinstance(payload, dict) or not isinstance(payload.get("op"), int):
            connection.close_soon(DECODE_ERROR)
            return
        op, data = payload["op"], payload.get("d")
        if op == HEARTBEAT:
            connection.last_heartbeat = now
            connection.send(_frame(HEARTBEAT_ACK))
        elif op == IDENTIFY:
            self._identify(connection, data)
        elif op == RESUME:
            self._resume(connection, data)
        elif op in (
            PRESENCE_UPDATE,
            VOICE_STATE_UPDATE,
            REQUEST_GUILD_MEMBERS,
            REQUEST_SOUNDBOARD_SOUNDS,
        ):
            if connection.session is None:
                connection.close_soon(NOT_AUTHENTICATED)
            elif op == REQUEST_GUILD_MEMBERS:
                self._members_chunk(connection.session, data)
        else:
            connection.close_soon(UNKNOWN_OPCODE)

    def _token_ok(self, data: dict[str, Any]) -> bool:
        token = data.get("token")
        if isinstance(token, str) and token.startswith("Bot "):
            token = token[4:]
        return token == self.state.application.bot_token

    def _identify(self, connection: Connection, data: Any) -> None:
        if connection.session is not None:
            connection.close_soon(ALREADY_AUTHENTICATED)
            return
        if not isinstance(data, dict) or not isinstance(data.get("properties", {}), dict):
            connection.close_soon(DECODE_ERROR)
            return
        if not self._token_ok(data):
            connection.close_soon(AUTHENTICATION_FAILED)
            return
        intents = data.get("intents")
        if isinstance(intents, bool) or not isinstance(intents, int) or intents < 0:
            connection.close_soon(INVALID_INTENTS)
            return
        if intents & ~KNOWN_INTENTS:
            connection.close_soon(INVALID_INTENTS)
            return
        if intents & PRIVILEGED_INTENTS & ~self.state.application.privileged_intents:
            connection.close_soon(DISALLOWED_INTENTS)
            return
        shard = data.get("shard", [0, 1])
        if (
            not isinstance(shard, list)
            or len(shard) != 2
            or not all(isinstance(value, int) and not isinstance(value, bool) for value in shard)
            or shard[1] < 1
            or not 0 <= shard[0] < shard[1]
        ):
            connection.close_soon(INVALID_SHARD)
            return
        session = Session(
            id=secrets.token_hex(16), shard_id=shard[0], shard_count=shard[1], intents=intents
        )
        guild_ids = [gid for gid in self.state.bot_guild_ids() if session.owns(gid)]
        if len(guild_ids) > MAX_GUILDS_PER_SHARD:
            connection.close_soon(SHARDING_REQUIRED)
            return
        self.sessions[session.id] = session
        session.connection = connection
        connection.session = session
        self.state.session_starts += 1
        ready = {
            "v": int(connection.version),
            "user": payloads.user_object(self.state.bot, private=True),
            "user_settings": {},
            "guilds": [{"id": gid, "unavailable": True} for gid in guild_ids],
            "presences": [],
            "private_channels": [],
            "relationships": [],
            "guild_join_requests": [],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.url,
            "shard": [session.shard_id, session.shard_count],
            "application": {"id": self.state.application.id, "flags": self.state.application.flags},
            "_trace": ['["discordsim"]'],
        }
        session.emit("READY", ready)
        if not intents & GUILDS_INTENT:
            return
        for guild_id in guild_ids:
            guild = self.state.guilds[guild_id]
            if guild.unavailable:
                # Events > Gateway Events > Guild Create: servers in an outage send GUILD_DELETE.
                session.emit("GUILD_DELETE", {"id": guild.id, "unavailable": True})
            else:
                session.emit("GUILD_CREATE", payloads.guild_create(self.state, guild, join=False))

    def _resume(self, connection: Connection, data: Any) -> None:
        if connection.session is not None:
            connection.close_soon(ALREADY_AUTHENTICATED)
            return
        if not isinstance(data, dict):
            connection.close_soon(DECODE_ERROR)
            return
        if not self._token_ok(data):
            connection.close_soon(AUTHENTICATION_FAILED)
            return
        session = self.sessions.get(data.get("session_id"))  # type: ignore[arg-type]
        seq = data.get("seq")
        if session is None or not session.resumable():
            connection.send(_frame(INVALID_SESSION, False))
            return
        if seq is not None and (not isinstance(seq, int) or seq > session.seq or seq < 0):
            connection.close_soon(INVALID_SEQ)
            return
        last_seen = seq or 0
        if last_seen < session.seq and (not session.buffer or session.buffer[0][0] > last_seen + 1):
            # The events it missed are no longer kept: it has to start over.
            session.invalidated = True
            connection.send(_frame(INVALID_SESSION, False))
            return
        previous = session.connection
        if previous is not None and previous is not connection:
            previous.session = None
            previous.close_soon(UNKNOWN_ERROR)
        session.connection = connection
        session.disconnected_at = None
        connection.session = session
        connection.resumed = True
        for number, text in session.buffer:
            if number > last_seen:
                connection.send(text)
        session.emit("RESUMED", {"_trace": ['["discordsim"]']})

    def _members_chunk(self, session: Session, data: Any) -> None:
        """Request Guild Members: one GUILD_MEMBERS_CHUNK with the people the scenario knows."""
        if not isinstance(data, dict) or not isinstance(data.get("guild_id"), str):
            return
        guild = self.state.guilds.get(data["guild_id"])
        if guild is None or not guild.bot_present:
            return
        people = [self.state.users[user_id] for user_id in self.state.members[guild.id]]
        members = [payloads.member_object(self.state, guild, user) for user in people]
        members.append(payloads.bot_member(self.state, guild))
        chunk: dict[str, Any] = {"guild_id": guild.id, "chunk_index": 0, "chunk_count": 1}
        user_ids = data.get("user_ids")
        if user_ids is not None:
            wanted = {user_ids} if isinstance(user_ids, str) else set(user_ids)
            members = [member for member in members if member["user"]["id"] in wanted]
            chunk["not_found"] = sorted(wanted - {member["user"]["id"] for member in members})
        else:
            query = str(data.get("query", "")).lower()
            members = [m for m in members if m["user"]["username"].lower().startswith(query)]
            limit = data.get("limit", 0)
            if isinstance(limit, int) and limit > 0:
                members = members[:limit]
        chunk["members"] = members
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        session.emit("GUILD_MEMBERS_CHUNK", chunk)


async def gateway(request: web.Request) -> web.StreamResponse:
    return await request.app[HUB].handle(request)
