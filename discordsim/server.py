"""The aiohttp application (middleware for latency, faults, rate limits, logging) and its server."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from discordsim import (
    cdn,
    channels,
    client,
    control,
    gateway,
    oauth,
    pages,
    ratelimits,
    responses,
    rest,
    sample,
)
from discordsim.common import API, BASE_URL, HUB, STATE, api_error
from discordsim.state import State

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BODY_LOG_LIMIT = 10000
# Reference > HTTP API > User Agent: "DiscordBot ($url, $versionNumber)", more may follow. As of
# discord.py 2.7 its agent has a space instead of the comma ("DiscordBot (https://github.com/
# Rapptz/discord.py 2.7.1) Python/3.11 aiohttp/3.14.5") and Discord serves it, so either will do.
USER_AGENT_RE = re.compile(r"^DiscordBot \(https?://[^\s,()]+(?:, ?| )[^\s,()]+\)")
# Webhook-token routes (interaction responses, followups) are not held to it: Execute Webhook
# serves curl's, Ruby's or python-requests' own agents (discord/discord-api-docs#4908, 2022-05),
# and as of discord.py 2.7 its webhook adapter sends aiohttp's default "Python/3.11 aiohttp/...".
USER_AGENT_EXEMPT = (f"{API}/webhooks/", f"{API}/interactions/")
UNLOGGED = ("/_sim/", "/channels", "/client.js")


def is_loopback(host: str) -> bool:
    """True for loopback addresses and for "localhost"."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _latency(state: State, request: web.Request) -> float:
    delay = 0.0
    for rule in state.latency:
        if control.matches(rule["path"], request.path) and rule["method"] in (None, request.method):
            delay = max(delay, rule["ms"] / 1000)
    return delay


def _take_fault(state: State, request: web.Request) -> dict[str, Any] | None:
    for fault in state.faults:
        if control.matches(fault["path"], request.path) and fault["method"] in (
            None,
            request.method,
        ):
            fault["count"] -= 1
            if fault["count"] <= 0:
                state.faults.remove(fault)
            return fault
    return None


def _blocked(request: web.Request, entry: dict[str, Any] | None) -> web.Response:
    """What Cloudflare in front of Discord answers an API call without a valid User-Agent.

    Topics > Opcodes and Status Codes > JSON Error Codes: 40333, "Cloudflare is blocking your
    request"; since 2023-10 the body is JSON rather than Cloudflare's HTML page, and its message
    says "internal network error" (discord/discord-api-docs#6473). A 403, so it also counts
    toward the invalid-request limit.
    """
    agent = request.headers.get("User-Agent")
    resource = request.match_info.route.resource
    logger.warning(
        # No colon after the path: the log redaction would take "token: User-Agent" for a token.
        "Refused %s %s, whose User-Agent %r is not DiscordBot ($url, $versionNumber)",
        request.method,
        # The route, not the path: a path may hold a webhook or interaction token.
        resource.canonical if resource is not None else "an unknown route",
        agent[:200] if agent is not None else None,
    )
    if entry is not None:
        entry["refused"] = "user_agent"
    return api_error(403, "internal network error", 40333)


async def _fault(request: web.Request, fault: dict[str, Any]) -> web.StreamResponse:
    if fault["timeout"] is not None:
        # Hold the request past the client's timeout, then answer as an upstream timeout would.
        await asyncio.sleep(fault["timeout"])
        return api_error(504, "504: Gateway Timeout")
    status = fault["status"]
    if status == 429:
        request.app[STATE].rate_stats["fault_429s"] += 1
        headers: dict[str, str] = {}
        scope = "global" if fault["global"] else fault["scope"]
        if scope != "global":
            bucket = ratelimits.request_bucket(request)
            # A shared (per-resource) limit can refuse while the bot's own bucket has room.
            remaining = bucket.limit - 1 if scope == "shared" else 0
            reset = time.time() + fault["retry_after"]
            headers = ratelimits.headers(bucket, remaining, reset)
        return ratelimits.too_many(fault["retry_after"], scope=scope, extra=headers)
    reason = web.Response(status=status).reason
    return api_error(status, f"{status}: {reason}")


async def _start_log(request: web.Request) -> dict[str, Any]:
    state = request.app[STATE]
    body: Any = None
    body_type = None
    if request.content_type == "multipart/form-data":
        # Reading it here would leave nothing for the handler's multipart parser.
        body_type = "multipart"
    elif request.can_read_body:
        raw = await request.read()
        if request.content_type == "application/x-www-form-urlencoded":
            body, body_type = (
                dict(parse_qsl(raw.decode(errors="replace"), keep_blank_values=True)),
                "form",
            )
        else:
            try:
                body, body_type = json.loads(raw), "json"
            except ValueError:
                body, body_type = raw.decode(errors="replace")[:BODY_LOG_LIMIT], "text"
    query: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        query[key] = values[0] if len(values) == 1 else values
    state.request_counter += 1
    entry = {
        "id": state.request_counter,
        "method": request.method,
        "path": request.path,
        "query": query,
        "headers": dict(request.headers),
        "body": body,
        "body_type": body_type,
        "status": None,
        "refused": None,
        "started": time.time(),
        "ended": None,
    }
    state.request_log.append(entry)
    return entry


@web.middleware
async def simulate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Log, delay, fault and rate-limit requests to /api/ and /oauth2/ as configured."""
    path = request.path
    simulated = path.startswith(("/api/", "/oauth2/"))
    entry = None
    # The control API, the gateway and the simulated Discord client are not what an app sends.
    if not path.startswith(UNLOGGED) and path != "/gateway":
        entry = await _start_log(request)
    state = request.app[STATE]
    try:
        response: web.StreamResponse
        if (
            path.startswith("/api/")
            and not path.startswith(USER_AGENT_EXEMPT)
            and not USER_AGENT_RE.match(request.headers.get("User-Agent", ""))
        ):
            # Cloudflare answers before Discord's own latency, faults or rate limits apply.
            response = _blocked(request, entry)
        elif simulated:
            delay = _latency(state, request)
            if delay:
                await asyncio.sleep(delay)
            fault = _take_fault(state, request)
            if fault is not None:
                response = await _fault(request, fault)
            elif path.startswith("/api/"):
                response = await ratelimits.limit(request, handler)
            else:
                response = await handler(request)
        else:
            response = await handler(request)
    except web.HTTPException as error:
        # Discord's API answers unknown routes and wrong methods with its JSON error shape.
        if not path.startswith("/api/") or error.status not in (404, 405):
            if entry is not None:
                entry["status"], entry["ended"] = error.status, time.time()
            raise
        response = api_error(error.status, f"{error.status}: {error.reason}")
    if entry is not None:
        entry["status"] = response.status
        entry["ended"] = time.time()
        state.completed_requests += 1
    return response


async def _via(request: web.Request, response: web.StreamResponse) -> None:
    # Every Discord response passes Google's load balancer; discord.py retries a 429 only when
    # it sees this header (otherwise it assumes a Cloudflare ban).
    response.headers["Via"] = "1.1 google"


async def _close_gateway(app: web.Application) -> None:
    app[HUB].close_all(1001)
    await asyncio.sleep(0)


async def index(request: web.Request) -> web.Response:
    state = request.app[STATE]
    uris = state.application.redirect_uris
    facts = {
        "application": f"{state.application.name} ({state.application.id})",
        "people": len(state.users),
        "servers": len(state.guilds),
        "bot in": len(state.bot_guild_ids()),
        "gateway": request.app[HUB].url,
        "control API": "/_sim/",
    }
    html = pages.index_page(
        state.application.name, state.application.id, uris[0] if uris else None, facts
    )
    return web.Response(text=html, content_type="text/html")


def create_app(state: State, base_url: str) -> web.Application:
    app = web.Application(middlewares=[simulate], client_max_size=25 * 1024 * 1024)
    app[STATE] = state
    app[BASE_URL] = base_url
    app[HUB] = gateway.GatewayHub(state, base_url)
    app.router.add_routes(
        control.routes()
        + oauth.routes()
        + rest.routes()
        + channels.routes()
        + responses.routes()
        + cdn.routes()
    )
    client.setup(app)
    app.router.add_get("/gateway", gateway.gateway)
    app.router.add_get("/", index)
    app.on_response_prepare.append(_via)
    app.on_shutdown.append(_close_gateway)
    return app


class SimServer:
    """discordsim on a loopback address, run in the foreground (serve) or in a daemon thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        scenario: dict[str, Any] | None = None,
        *,
        access_log: bool = False,
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"discordsim listens on loopback only, not {host!r}")
        self.host = host
        self.port = port
        self.state = State(scenario if scenario is not None else sample.sample_scenario())
        self.access_log = access_log
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    async def start(self) -> str:
        """Bind, start serving and return the base URL (http://127.0.0.1:<port>)."""
        family, kind, proto, _, address = socket.getaddrinfo(
            self.host, self.port, type=socket.SOCK_STREAM
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        host, port = sock.getsockname()[:2]
        self.port = port
        self.url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        app = create_app(self.state, self.url)
        self._runner = web.AppRunner(
            app,
            shutdown_timeout=1.0,
            access_log=logging.getLogger("aiohttp.access") if self.access_log else None,
        )
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def serve(self, stopping: asyncio.Event, ready: Callable[[], None] | None = None) -> None:
        """Serve until stopping is set."""
        await self.start()
        if ready is not None:
            ready()
        try:
            await stopping.wait()
        finally:
            await self.stop()

    def start_in_thread(self, timeout: float = 10.0) -> str:
        """Serve from a daemon thread with its own event loop; returns the base URL."""
        ready = threading.Event()
        errors: list[BaseException] = []

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stopping = asyncio.Event()
            await self.serve(self._stopping, ready.set)

        def run() -> None:
            try:
                asyncio.run(main())
            except BaseException as error:  # handed over to the starting thread
                errors.append(error)
                ready.set()

        self._thread = threading.Thread(target=run, name="discordsim", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise TimeoutError("discordsim did not start")
        if errors:
            raise errors[0]
        return self.url

    def stop_thread(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stopping is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
