"""When Discord is slow or down: a bulkhead bounds the requests of one process waiting on it,
and a circuit breaker shared through the cache fails fast after repeated failures."""

from __future__ import annotations

import logging
import threading

import pytest
import requests

from accounts.models import OAuthState
from fightrise import breaker, discord_api
from tests import discord_payloads as p
from tests.conftest import state_from
from tests.fake_discord import json_answer

FAILURES = discord_api.BREAKER_FAILURES


def fail(fake_discord, times: int, *, failure=None) -> None:
    """`times` calls to /users/@me that Discord fails (a timeout unless told otherwise)."""
    for _ in range(times):
        if isinstance(failure, int):
            fake_discord.me(status=failure, body="<html>Bad gateway</html>")
        else:
            fake_discord.me(body=failure or requests.ReadTimeout())
        with pytest.raises(discord_api.DiscordUnavailable):
            discord_api.get_current_user(p.ACCESS_TOKEN)


def calls_made_by(fake_discord, call) -> int:
    """How many HTTP calls `call()` made (an unregistered URL counts, and fails the call)."""
    before = len(fake_discord.calls)
    call()
    return len(fake_discord.calls) - before


def refused_without_a_call(fake_discord) -> bool:
    def call():
        with pytest.raises(discord_api.DiscordUnavailable):
            discord_api.get_current_user(p.ACCESS_TOKEN)

    return calls_made_by(fake_discord, call) == 0


@pytest.fixture
def later(monkeypatch):
    """Move the breaker's clock on by some seconds."""
    offset = [0.0]
    clock = breaker._now
    monkeypatch.setattr(breaker, "_now", lambda: clock() + offset[0])

    def move(seconds: float) -> None:
        offset[0] += seconds

    return move


@pytest.mark.parametrize(
    "failure", [requests.ReadTimeout(), requests.ConnectTimeout(), requests.ConnectionError(), 503]
)
def test_it_fails_fast_after_repeated_timeouts_or_5xx(fake_discord, failure):
    fail(fake_discord, FAILURES, failure=failure)
    assert refused_without_a_call(fake_discord)


def test_fewer_failures_leave_it_closed(fake_discord):
    fail(fake_discord, FAILURES - 1)
    fake_discord.me()
    assert discord_api.get_current_user(p.ACCESS_TOKEN).id == p.USER_ID


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"message": "401: Unauthorized", "code": 0}, discord_api.DiscordUnauthorized),
        (403, {"message": "Missing Access", "code": 50001}, discord_api.DiscordError),
        (429, {"message": "slow", "retry_after": 60}, discord_api.DiscordRateLimited),
    ],
)
def test_4xx_and_429_answers_say_nothing_of_discords_health(fake_discord, status, body, error):
    """429s have their own pause (APP_PAUSE_KEY); a 4xx is about the call, not Discord."""
    for _ in range(FAILURES * 2):
        fake_discord.me(status=status, json=body)
        with pytest.raises(error):
            discord_api.get_current_user(p.ACCESS_TOKEN)
    fake_discord.me()
    assert discord_api.get_current_user(p.ACCESS_TOKEN).id == p.USER_ID


def test_it_lets_one_trial_call_through_after_a_while_and_closes_when_it_succeeds(
    fake_discord, later
):
    fail(fake_discord, FAILURES)
    later(discord_api.BREAKER_OPEN_SECONDS - 1)
    assert refused_without_a_call(fake_discord)
    later(2)
    fake_discord.me()
    assert discord_api.get_current_user(p.ACCESS_TOKEN).id == p.USER_ID
    fake_discord.me()
    assert discord_api.get_current_user(p.ACCESS_TOKEN).id == p.USER_ID


def test_a_failed_trial_opens_it_again(fake_discord, later):
    fail(fake_discord, FAILURES)
    later(discord_api.BREAKER_OPEN_SECONDS + 1)
    fail(fake_discord, 1)
    assert refused_without_a_call(fake_discord)
    later(discord_api.BREAKER_OPEN_SECONDS + 1)
    fake_discord.me()
    assert discord_api.get_current_user(p.ACCESS_TOKEN).id == p.USER_ID


def test_an_answered_trial_closes_it_even_when_the_answer_is_a_refusal(fake_discord, later):
    fail(fake_discord, FAILURES)
    later(discord_api.BREAKER_OPEN_SECONDS + 1)
    fake_discord.me(status=401, json={"message": "401: Unauthorized", "code": 0})
    with pytest.raises(discord_api.DiscordUnauthorized):
        discord_api.get_current_user(p.ACCESS_TOKEN)
    fake_discord.me()
    assert discord_api.get_current_user(p.ACCESS_TOKEN).id == p.USER_ID


def test_only_one_trial_call_goes_through_at_a_time(fake_discord, later):
    fail(fake_discord, FAILURES)
    later(discord_api.BREAKER_OPEN_SECONDS + 1)
    in_discord, release = threading.Event(), threading.Event()

    def slow(request):
        in_discord.set()
        release.wait(5)
        return json_answer(200, p.USER)

    fake_discord.mock.add_callback("GET", p.ME_URL, callback=slow)
    trial = threading.Thread(target=discord_api.get_current_user, args=(p.ACCESS_TOKEN,))
    trial.start()
    try:
        assert in_discord.wait(5)
        assert refused_without_a_call(fake_discord)
    finally:
        release.set()
        trial.join(5)


def test_every_worker_sees_it_through_the_cache(fake_discord):
    fail(fake_discord, FAILURES)
    another_worker = breaker.Breaker(
        "discord",
        failures=FAILURES,
        window=discord_api.BREAKER_WINDOW,
        open_seconds=discord_api.BREAKER_OPEN_SECONDS,
    )
    with another_worker.attempt(failure=discord_api.DiscordUnavailable, trial_seconds=1) as ok:
        assert not ok


def test_it_logs_each_change_of_state_once(fake_discord, later, caplog):
    fail(fake_discord, FAILURES)
    assert all(refused_without_a_call(fake_discord) for _ in range(3))
    later(discord_api.BREAKER_OPEN_SECONDS + 1)
    fake_discord.me()
    discord_api.get_current_user(p.ACCESS_TOKEN)
    fake_discord.me()
    discord_api.get_current_user(p.ACCESS_TOKEN)
    changes = [r.getMessage() for r in caplog.records if r.name == "fightrise.breaker"]
    assert [change.split(":")[0] for change in changes] == [
        "Circuit discord opened",
        "Circuit discord half-open",
        "Circuit discord closed",
    ]
    assert all(r.levelno >= logging.INFO for r in caplog.records if r.name == "fightrise.breaker")


@pytest.mark.django_db
def test_a_login_while_it_is_open_ends_on_discord_unavailable_without_a_call(client, fake_discord):
    fail(fake_discord, FAILURES)
    state = state_from(client.get("/auth/login/"))

    def callback():
        response = client.get("/auth/callback/", {"code": p.CODE, "state": state})
        assert response["Location"] == "/auth/error/?error=discord_unavailable"

    assert calls_made_by(fake_discord, callback) == 0
    assert not OAuthState.objects.filter(state=state).exists()


# The bulkhead: at most DISCORD_MAX_WAITING requests of one process wait on Discord at once.


class Held:
    """Calls to /users/@me that Discord holds until released: requests waiting on it."""

    def __init__(self, fake_discord, count: int):
        self.arrived = threading.Semaphore(0)
        self.release = threading.Event()
        self.threads: list[threading.Thread] = []

        def hold(request):
            self.arrived.release()
            self.release.wait(5)
            return json_answer(200, p.USER)

        fake_discord.mock.add_callback("GET", p.ME_URL, callback=hold)
        for _ in range(count):
            thread = threading.Thread(target=discord_api.get_current_user, args=(p.ACCESS_TOKEN,))
            thread.start()
            self.threads.append(thread)
        for _ in range(count):
            assert self.arrived.acquire(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release.set()
        for thread in self.threads:
            thread.join(5)


def test_a_request_over_the_bound_is_refused_at_once(fake_discord, settings):
    settings.DISCORD_MAX_WAITING = 2
    with Held(fake_discord, 2):
        assert refused_without_a_call(fake_discord)
    assert discord_api.get_current_user(p.ACCESS_TOKEN).id == p.USER_ID


def test_a_refusal_of_the_bulkhead_is_not_a_failure_of_discord(fake_discord, settings):
    settings.DISCORD_MAX_WAITING = 1
    with Held(fake_discord, 1):
        for _ in range(FAILURES):
            assert refused_without_a_call(fake_discord)
    assert discord_api.get_current_user(p.ACCESS_TOKEN).id == p.USER_ID


def test_the_login_pair_of_calls_is_one_request_waiting(fake_discord, settings):
    """/users/@me and /users/@me/guilds go at the same time, one on an executor thread: the
    request waiting on both holds one place, not two."""
    settings.DISCORD_MAX_WAITING = 1
    both_in_flight = threading.Barrier(2, timeout=5)

    def answer(body):
        def callback(request):
            both_in_flight.wait()
            return json_answer(200, body)

        return callback

    fake_discord.mock.add_callback("GET", p.ME_URL, callback=answer(p.USER))
    fake_discord.mock.add_callback("GET", p.GUILDS_URL, callback=answer(p.GUILDS))
    user, guilds = discord_api.get_user_and_guilds(p.ACCESS_TOKEN)
    assert (user.id, len(guilds)) == (p.USER_ID, len(p.GUILDS))


def test_calls_in_one_slot_are_one_request_waiting(fake_discord, settings):
    settings.DISCORD_MAX_WAITING = 1
    fake_discord.me()
    fake_discord.guilds()
    with discord_api.slot():
        assert another_request_is_refused()
        discord_api.get_current_user(p.ACCESS_TOKEN)
        discord_api.get_current_user_guilds(p.ACCESS_TOKEN)
    assert not another_request_is_refused()


def test_background_refreshes_hold_no_request_and_are_not_counted(fake_discord, settings):
    settings.DISCORD_MAX_WAITING = 1
    fake_discord.guilds()
    with Held(fake_discord, 1), discord_api.in_background():
        assert len(discord_api.get_current_user_guilds(p.ACCESS_TOKEN)) == len(p.GUILDS)


@pytest.mark.django_db
def test_a_login_over_the_bound_ends_on_discord_unavailable_at_once(client, fake_discord, settings):
    settings.DISCORD_MAX_WAITING = 1
    state = state_from(client.get("/auth/login/"))
    with Held(fake_discord, 1):

        def callback():
            response = client.get("/auth/callback/", {"code": p.CODE, "state": state})
            assert response["Location"] == "/auth/error/?error=discord_unavailable"

        assert calls_made_by(fake_discord, callback) == 0


@pytest.mark.django_db
def test_logout_over_the_bound_still_ends_the_session(client, sign_in, fake_discord, settings):
    from accounts.models import Session

    settings.DISCORD_MAX_WAITING = 1
    key = sign_in(client)
    with Held(fake_discord, 1):
        assert calls_made_by(fake_discord, lambda: client.post("/auth/logout/")) == 0
    assert not Session.objects.for_key(key).exists()


def another_request_is_refused() -> bool:
    """Whether a request on another thread would be refused a place now."""
    refused = []

    def request():
        try:
            with discord_api.slot():
                refused.append(False)
        except discord_api.DiscordUnavailable:
            refused.append(True)

    thread = threading.Thread(target=request)
    thread.start()
    thread.join(5)
    return refused == [True]


@pytest.mark.django_db
def test_a_login_keeps_its_place_from_the_code_exchange_to_the_server_list(
    client, fake_discord, settings, monkeypatch
):
    """Let in, a login is never refused halfway, once its code is spent."""
    settings.DISCORD_MAX_WAITING = 1
    start = client.get("/auth/login/")
    state = state_from(start)
    fake_discord.login(verifier=OAuthState.objects.get(state=state).code_verifier)
    between = []
    fetch = discord_api.get_user_and_guilds

    def after_the_exchange(token):
        between.append(another_request_is_refused())
        return fetch(token)

    monkeypatch.setattr(discord_api, "get_user_and_guilds", after_the_exchange)
    response = client.get("/auth/callback/", {"code": p.CODE, "state": state})
    assert response["Location"] == "/dashboard/"
    assert between == [True]


@pytest.mark.django_db(transaction=True)
def test_a_background_refresh_of_the_server_list_takes_no_requests_place(
    client, sign_in, fake_discord, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from accounts import server_list
    from accounts.models import Session

    settings.DISCORD_MAX_WAITING = 1
    key = sign_in(client, guilds=[])
    Session.objects.for_key(key).update(guilds_fetched_at=timezone.now() - timedelta(minutes=6))
    fake_discord.guilds()
    with Held(fake_discord, 1):
        assert client.get("/dashboard/").status_code == 200
        server_list.wait_for_background()
    assert len(Session.objects.get(session_key=key).guilds) == len(p.GUILDS)
