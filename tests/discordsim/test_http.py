"""What every response carries, real rate limits, and latency and fault injection."""

from __future__ import annotations

import logging
import time

import pytest
import requests

from discordsim import sample
from discordsim.testing import USER_AGENT, SimError
from tests.discordsim.helpers import wait_until


def test_it_sends_via_and_exact_json_content_type(sim, api, exchange):
    responses = [
        api("GET", "/users/@me", bot=True),
        api("GET", "/users/@me"),
        api("GET", "/nothing/here"),
        exchange({"grant_type": "nonsense"}),
        requests.get(f"{sim.url}/_sim/scenario", timeout=10),
    ]
    for response in responses:
        assert response.headers["Via"] == "1.1 google"
        assert response.headers["Content-Type"] == "application/json"
    page = requests.get(f"{sim.url}/oauth2/authorize", timeout=10)
    assert page.headers["Via"] == "1.1 google"


def test_it_sends_rate_limit_headers(sim, api):
    first = api("GET", "/users/@me", bot=True)
    second = api("GET", "/users/@me", bot=True)
    assert first.headers["X-RateLimit-Limit"] == "50"
    assert int(first.headers["X-RateLimit-Remaining"]) == 49
    assert int(second.headers["X-RateLimit-Remaining"]) == 48
    assert float(first.headers["X-RateLimit-Reset"]) > time.time() - 1
    assert 0 <= float(first.headers["X-RateLimit-Reset-After"]) <= 1
    assert len(first.headers["X-RateLimit-Bucket"]) == 32
    other = api("GET", "/gateway/bot", bot=True)
    assert other.headers["X-RateLimit-Bucket"] != first.headers["X-RateLimit-Bucket"]


def test_it_answers_429_past_the_limit(sim, api, login):
    scenario = sim.scenario()
    scenario["rate_limit_per_second"] = 3
    sim.load_scenario(scenario)
    statuses = [api("GET", "/users/@me", bot=True) for _ in range(4)]
    assert [r.status_code for r in statuses[:3]] == [200, 200, 200]
    limited = statuses[3]
    assert limited.status_code == 429
    body = limited.json()
    assert body["message"] == "You are being rate limited." and body["global"] is False
    assert 0 < body["retry_after"] <= 1
    assert limited.headers["Retry-After"] == "1"
    assert limited.headers["X-RateLimit-Scope"] == "user"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.headers["Via"] == "1.1 google"
    # Another credential has its own bucket.
    assert api("GET", "/users/@me", token=login()["access_token"]).status_code == 200


def test_it_delays_matching_requests(sim, api):
    sim.set_latency("/api/v10/users/@me", 250)
    started = time.monotonic()
    api("GET", "/users/@me", bot=True)
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    api("GET", "/gateway")
    assert time.monotonic() - started < 0.25
    sim.set_latency("/api/v10/users/@me", 0)
    started = time.monotonic()
    api("GET", "/users/@me", bot=True)
    assert time.monotonic() - started < 0.25


def test_it_delays_by_method_and_for_every_path(sim, api):
    sim.set_latency("*", 200, method="POST")
    started = time.monotonic()
    api("GET", "/gateway")
    assert time.monotonic() - started < 0.2
    started = time.monotonic()
    api("POST", "/oauth2/token", data={})
    assert time.monotonic() - started >= 0.2


def test_it_injects_a_429_fault(sim, api):
    sim.add_fault("/api/v10/users/@me", status=429, retry_after=2.5)
    response = api("GET", "/users/@me", bot=True)
    assert response.status_code == 429
    assert response.json() == {
        "message": "You are being rate limited.",
        "retry_after": 2.5,
        "global": False,
    }
    assert response.headers["Retry-After"] == "3"
    assert response.headers["X-RateLimit-Scope"] == "user"
    assert api("GET", "/users/@me", bot=True).status_code == 200


def test_it_injects_a_global_429_fault(sim, api):
    sim.add_fault("/api/v10/users/@me/guilds", status=429, retry_after=0.5, is_global=True)
    response = api("GET", "/users/@me/guilds", bot=True)
    assert response.json()["global"] is True
    assert response.headers["X-RateLimit-Global"] == "true"
    assert response.headers["X-RateLimit-Scope"] == "global"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_it_injects_server_errors_count_times(sim, api, status):
    sim.add_fault("/api/v10/oauth2/token", status=status, count=2)
    codes = [api("POST", "/oauth2/token", data={}).status_code for _ in range(3)]
    assert codes == [status, status, 400]
    assert api("GET", "/users/@me", bot=True).status_code == 200


def test_it_matches_faults_by_method_and_glob(sim, api):
    sim.add_fault("/api/v10/users/*", status=500, method="GET")
    assert api("DELETE", f"/users/@me/guilds/{sample.FIGHTRISE_HQ_ID}", bot=True).status_code == 204
    assert api("GET", "/users/@me/guilds", bot=True).status_code == 500


def test_it_holds_a_request_until_the_client_times_out(sim, api):
    sim.add_fault("/api/v10/users/@me", timeout=1.0)
    with pytest.raises(requests.Timeout):
        api("GET", "/users/@me", bot=True, timeout=0.2)

    def answered() -> bool:
        entries = sim.requests("/api/v10/users/@me")
        return bool(entries) and entries[-1]["status"] == 504

    wait_until(answered)


def test_it_applies_faults_to_the_consent_screen(sim):
    sim.add_fault("/oauth2/authorize", status=503)
    assert requests.get(f"{sim.url}/oauth2/authorize", timeout=10).status_code == 503


def test_it_refuses_invalid_faults(sim):
    for fault in ({"status": 404}, {"status": 500, "count": 0}, {"timeout": -1}):
        with pytest.raises(SimError):
            sim.add_fault("/api/v10/users/@me", **fault)


def test_it_logs_requests_with_their_bodies(sim, login):
    login()
    entries = sim.requests("/api/v10/oauth2/token")
    assert len(entries) == 1
    entry = entries[0]
    assert entry["method"] == "POST" and entry["status"] == 200
    assert entry["body_type"] == "form"
    assert entry["body"]["grant_type"] == "authorization_code"
    assert entry["headers"]["Authorization"].startswith("Basic ")
    assert entry["started"] <= entry["ended"]
    assert sim.requests("/api/v10/users/*") == []
    assert [e["path"] for e in sim.requests("/oauth2/*")] == ["/oauth2/authorize"]


def test_it_clears_the_request_log(sim, api):
    api("GET", "/users/@me", bot=True, params={"a": "1"})
    assert sim.requests()[0]["query"] == {"a": "1"}
    sim.clear_requests()
    assert sim.requests() == []


def test_it_refuses_to_listen_beyond_loopback():
    from discordsim.server import SimServer

    with pytest.raises(ValueError, match="loopback"):
        SimServer(host="0.0.0.0")  # noqa: S104
    with pytest.raises(ValueError, match="loopback"):
        SimServer(host="192.168.1.10")


BLOCKED = {"message": "internal network error", "code": 40333}


@pytest.mark.parametrize(
    "user_agent",
    [
        None,
        "",
        f"python-requests/{requests.__version__}",
        "Python-urllib/3.11",
        "FightRise-web/1.0 python-requests/2.34.2",
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
        "DiscordBot",
        "DiscordBot (https://fightrise.example)",
        "DiscordBot (, 1.0)",
        "discordbot (https://fightrise.example, 1.0)",
    ],
)
def test_it_refuses_api_calls_without_a_discord_bot_user_agent(sim, api, user_agent):
    response = api("GET", "/users/@me", bot=True, headers={"User-Agent": user_agent})
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == BLOCKED
    (entry,) = sim.requests("/api/v10/users/@me")
    assert entry["status"] == 403 and entry["refused"] == "user_agent"


def test_it_refuses_the_token_endpoint_too_and_logs_why(sim, exchange, caplog):
    caplog.set_level(logging.WARNING, logger="discordsim.server")
    response = exchange({"grant_type": "client_credentials"}, user_agent="curl/8.14.1")
    assert response.status_code == 403 and response.json() == BLOCKED
    assert "User-Agent" in caplog.text and "curl/8.14.1" in caplog.text
    assert "/api/v10/oauth2/token" in caplog.text


@pytest.mark.parametrize(
    "user_agent",
    [
        "DiscordBot (https://fightrise.example, 0.1.0)",
        "DiscordBot (https://fightrise.example, 0.1.0) FightRise-web python-requests/2.34.2",
        # As of discord.py 2.7 there is no comma between the URL and the version.
        "DiscordBot (https://github.com/Rapptz/discord.py 2.7.1) Python/3.11 aiohttp/3.14.5",
        USER_AGENT,
    ],
)
def test_it_accepts_the_documented_user_agent(sim, api, user_agent):
    response = api("GET", "/users/@me", bot=True, headers={"User-Agent": user_agent})
    assert response.status_code == 200
    (entry,) = sim.requests("/api/v10/users/@me")
    assert entry["refused"] is None


def test_it_asks_no_user_agent_of_pages_the_cdn_or_the_control_api(sim):
    plain = {"User-Agent": f"python-requests/{requests.__version__}"}
    for path in ("/oauth2/authorize", "/embed/avatars/0.png", "/_sim/scenario", "/"):
        assert requests.get(f"{sim.url}{path}", headers=plain, timeout=10).status_code != 403
    # Webhook-token routes take any agent, as Discord's do.
    callback = f"{sim.url}/api/v10/interactions/{sample.CLIENT_ID}/nope/callback"
    answer = requests.post(callback, json={"type": 1}, headers=plain, timeout=10)
    assert answer.json()["code"] == 10062
