"""Fixtures for the discordsim tests: one simulator per session, reset before every test."""

from __future__ import annotations

import pytest
import requests

from discordsim import sample
from discordsim.testing import USER_AGENT, SimClient, running_sim
from tests.discordsim.helpers import GUILDS, Listener, point_discordpy_at, query_of

CLIENT_AUTH = (sample.CLIENT_ID, sample.CLIENT_SECRET)


@pytest.fixture(scope="session")
def sim_server():
    with running_sim() as client:
        yield client


@pytest.fixture
def sim(sim_server: SimClient) -> SimClient:
    """The running simulator, back on the sample scenario with nothing logged."""
    sim_server.reset()
    return sim_server


@pytest.fixture
def api(sim: SimClient):
    """Call the simulated Discord API: api("GET", "/users/@me", token=..., bot=True, ...).

    It sends the User-Agent Discord asks for unless `headers` says otherwise (None drops it).
    """

    def call(
        method: str, path: str, *, token: str | None = None, bot: bool = False, **kwargs
    ) -> requests.Response:
        headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
        if bot:
            headers["Authorization"] = f"Bot {sample.BOT_TOKEN}"
        elif token is not None:
            headers["Authorization"] = f"Bearer {token}"
        timeout = kwargs.pop("timeout", 10)
        url = f"{sim.url}/api/v10{path}"
        return requests.request(method, url, headers=headers, timeout=timeout, **kwargs)

    return call


@pytest.fixture
def exchange(sim: SimClient):
    """POST a form to the token endpoint with HTTP Basic client auth (or as given)."""

    def post(
        data: dict[str, str],
        *,
        auth=CLIENT_AUTH,
        path: str = "/oauth2/token",
        user_agent: str = USER_AGENT,
    ):
        return requests.post(
            f"{sim.url}/api/v10{path}",
            data=data,
            auth=auth,
            headers={"User-Agent": user_agent},
            timeout=10,
        )

    return post


@pytest.fixture
def login(sim: SimClient, exchange):
    """Authorize as a person and exchange the code: returns the token response."""

    def run(user_id: str = sample.ADA_ID, scope: str = "identify guilds") -> dict:
        redirect_uri = sample.DEFAULT_REDIRECT_URIS[0]
        location = sim.authorize(sample.CLIENT_ID, redirect_uri, scope, "s", user_id)
        code = query_of(location)["code"]
        response = exchange(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        )
        assert response.status_code == 200, response.text
        return response.json()

    return run


@pytest.fixture
def discord_at(sim, monkeypatch):
    """Point discord.py at the simulator: REST base and the default gateway."""
    point_discordpy_at(monkeypatch, sim)
    return sim


@pytest.fixture
def listening(sim):
    """A bot's gateway session (GUILDS and GUILD_MESSAGES) open for the test, recording what
    it is sent; with it the simulator delivers interactions."""
    with Listener(sim, intents=GUILDS | (1 << 9)) as listener:
        yield listener
