"""Rate limits on the message and thread routes: buckets per channel, headers, 429s, the bound."""

from __future__ import annotations

import time

import pytest

from discordsim import sample
from discordsim.testing import SimError

HQ = sample.FIGHTRISE_HQ_ID
MATCHES = sample.channel_id(HQ, "matches")
GENERAL = sample.channel_id(HQ, "general")


@pytest.fixture
def post(api):
    def send(channel: str = MATCHES, content: str = "x"):
        return api("POST", f"/channels/{channel}/messages", bot=True, json={"content": content})

    return send


def test_it_sends_the_documented_headers_per_channel_bucket(post, api):
    first = post()
    assert first.headers["X-RateLimit-Limit"] == "5"
    assert first.headers["X-RateLimit-Remaining"] == "4"
    assert 4.9 < float(first.headers["X-RateLimit-Reset-After"]) <= 5
    assert float(first.headers["X-RateLimit-Reset"]) > time.time() + 4
    other = post(GENERAL)
    assert other.headers["X-RateLimit-Remaining"] == "4"  # its own channel, its own window
    assert other.headers["X-RateLimit-Bucket"] == first.headers["X-RateLimit-Bucket"]
    edit = api(
        "PATCH",
        f"/channels/{MATCHES}/messages/{first.json()['id']}",
        bot=True,
        json={"content": "y"},
    )
    assert edit.headers["X-RateLimit-Bucket"] != first.headers["X-RateLimit-Bucket"]
    threads = api("POST", f"/channels/{MATCHES}/threads", bot=True, json={"name": "t"})
    from_message = api(
        "POST",
        f"/channels/{MATCHES}/messages/{first.json()['id']}/threads",
        bot=True,
        json={"name": "u"},
    )
    # Both ways of starting a thread share one bucket (and so one X-RateLimit-Bucket).
    assert threads.headers["X-RateLimit-Bucket"] == from_message.headers["X-RateLimit-Bucket"]
    assert threads.headers["X-RateLimit-Limit"] == "10"
    assert from_message.headers["X-RateLimit-Remaining"] == "8"


def test_it_answers_429_past_a_channels_limit_and_counts_it(post, sim):
    sim.clear_rate_limits()
    assert [post().status_code for _ in range(5)] == [200] * 5
    assert post(GENERAL).status_code == 200
    limited = post()
    assert limited.status_code == 429
    body = limited.json()
    assert body["message"] == "You are being rate limited." and body["global"] is False
    assert 4 < body["retry_after"] <= 5
    assert limited.headers["Retry-After"] == "5"
    assert limited.headers["X-RateLimit-Scope"] == "user"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.headers["Via"] == "1.1 google"
    assert len(sim.messages(MATCHES)) == 5
    stats = sim.rate_limits()
    assert stats["requests"] == 6 and stats["limited"] == 1
    rows = {row["major"].split(":")[1]: row for row in stats["buckets"]}
    assert rows[MATCHES]["requests"] == 5 and rows[MATCHES]["limited"] == 1
    assert rows[MATCHES]["family"] == "message_create"
    assert stats["bound"] == 0  # five in one window need no waiting


def test_limits_can_be_changed_and_windows_end(post, sim):
    sim.set_rate_limit("message_create", 2, 0.3)
    assert [post().status_code for _ in range(3)] == [200, 200, 429]
    time.sleep(0.31)
    assert post().status_code == 200
    assert sim.rate_limits()["limits"]["message_create"] == {
        **sim.rate_limits()["limits"]["message_create"],
        "limit": 2,
        "window": 0.3,
    }
    sim.clear_rate_limits()
    assert post().status_code == 200


def test_it_gives_the_least_time_requests_need(sim, post):
    threads = [("POST", f"/api/v10/channels/{MATCHES}/threads")] * 128
    first_posts = [
        ("POST", f"/api/v10/channels/{1185624892092583939 + n}/messages") for n in range(128)
    ]
    # 128 thread starts in one parent: 13 windows of 10, so 12 waits of 10 s; the first
    # messages go to 128 different threads, each its own bucket.
    assert sim.rate_limit_bound(threads + first_posts) == 120
    edits = [("PATCH", f"/api/v10/channels/{MATCHES}/messages/1185624892092583939")] * 10
    assert sim.rate_limit_bound(edits) == 5
    assert sim.rate_limit_bound([("GET", "/api/v10/users/@me")] * 120) == 2
    sim.set_rate_limit("message_create", 2, 0.2)
    sim.clear_rate_limits()
    for _ in range(5):
        while post().status_code == 429:
            time.sleep(0.05)
    stats = sim.rate_limits()
    assert stats["requests"] == 5 and stats["bound"] == pytest.approx(0.4)


def test_a_shared_scope_fault_reads_like_discords(sim, post):
    sim.add_fault(
        f"/api/v10/channels/{MATCHES}/messages", status=429, retry_after=3, scope="shared"
    )
    response = post()
    assert response.status_code == 429
    assert response.json() == {
        "message": "The resource is being rate limited.",
        "retry_after": 3,
        "global": False,
    }
    assert response.headers["X-RateLimit-Scope"] == "shared"
    assert response.headers["X-RateLimit-Remaining"] == "4"
    assert sim.rate_limits()["fault_429s"] == 1


def test_the_scenario_holds_the_limits(sim):
    scenario = sim.scenario()
    scenario["rate_limits"] = {"thread_create": {"limit": 3, "window": 1.5}}
    sim.load_scenario(scenario)
    assert sim.scenario()["rate_limits"] == {"thread_create": {"limit": 3, "window": 1.5}}
    assert sim.rate_limits()["limits"]["thread_create"]["limit"] == 3
    scenario["rate_limits"] = {"messages": {"limit": 3}}
    with pytest.raises(SimError) as error:
        sim.load_scenario(scenario)
    assert error.value.status == 400
    with pytest.raises(SimError):
        sim.set_rate_limit("thread_create", 0, 1)
