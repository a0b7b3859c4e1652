"""Discord tokens: encrypted at rest, refreshed once near expiry, a refused grant ends politely."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts import grants
from accounts.models import OAuthState, Session
from tests import discord_payloads as p
from tests.conftest import run_together
from tests.fake_discord import json_answer


def refresh_servers(client: Client):
    return client.post("/dashboard/refresh/")


@pytest.mark.django_db
def test_a_fresh_token_is_used_as_it_is(client, sign_in, fake_discord):
    sign_in(client, list_age=60)
    fake_discord.guilds()
    assert refresh_servers(client)["Location"] == "/dashboard/"
    assert len(fake_discord.calls) == 1


@pytest.mark.django_db
def test_a_near_expiry_token_is_refreshed_before_the_call(client, sign_in, fake_discord):
    key = sign_in(client, expires_in=60, list_age=60)
    fake_discord.refresh()
    fake_discord.guilds(token=p.NEW_ACCESS_TOKEN)
    assert refresh_servers(client)["Location"] == "/dashboard/"
    session = Session.objects.get(session_key=key)
    assert session.access_token == p.NEW_ACCESS_TOKEN
    # Discord rotates refresh tokens: the new one must be kept, the old one is dead.
    assert session.refresh_token == p.NEW_REFRESH_TOKEN
    assert session.token_expires_at > timezone.now() + timedelta(days=6)


@pytest.mark.django_db(transaction=True)
def test_two_requests_needing_a_refresh_together_refresh_once(client, sign_in, fake_discord):
    key = sign_in(client, expires_in=60, list_age=60)
    in_refresh = threading.Event()

    def slow_refresh(request):
        in_refresh.set()
        # Hold the refresh open so that the other request arrives while it runs.
        threading.Event().wait(0.3)
        return json_answer(200, p.REFRESH_RESPONSE)

    fake_discord.mock.add_callback("POST", p.TOKEN_URL, callback=slow_refresh)
    fake_discord.guilds(token=p.NEW_ACCESS_TOKEN)

    def request():
        browser = Client()
        browser.cookies[django_settings.SESSION_COOKIE_NAME] = key
        return refresh_servers(browser)["Location"]

    assert run_together(2, request) == ["/dashboard/", "/dashboard/"]
    token_calls = [call for call in fake_discord.calls if call.request.url == p.TOKEN_URL]
    assert len(token_calls) == 1
    assert Session.objects.get(session_key=key).refresh_token == p.NEW_REFRESH_TOKEN


INVALID_GRANT = {"error": "invalid_grant", "error_description": "Invalid refresh token"}


@pytest.mark.django_db(transaction=True)
def test_two_workers_needing_a_refresh_together_spend_the_refresh_token_once(sign_in, fake_discord):
    """Straight at the lease, without the dashboard's per-session lock in front of it."""
    key = sign_in(Client(), expires_in=60)

    def slow_refresh(request):
        threading.Event().wait(0.3)  # the other worker arrives while this one runs
        return json_answer(200, p.REFRESH_RESPONSE)

    fake_discord.mock.add_callback("POST", p.TOKEN_URL, callback=slow_refresh)
    tokens = run_together(2, lambda: grants.fresh_access_token(key))
    assert tokens == [p.NEW_ACCESS_TOKEN, p.NEW_ACCESS_TOKEN]
    assert len(fake_discord.calls) == 1
    session = Session.objects.get(session_key=key)
    assert (session.refresh_token, session.token_refresh_until) == (p.NEW_REFRESH_TOKEN, None)


@pytest.mark.django_db
def test_the_lease_outlasts_the_longest_refresh(settings):
    """requests applies the connect timeout to the connection and the read timeout to the
    answer, and a short 429 is tried a second time: one refresh may take two attempts of
    (connect + read)."""
    from fightrise.discord_api import MAX_RETRY_WAIT

    settings.DISCORD_CONNECT_TIMEOUT = 5
    settings.DISCORD_TIMEOUT = 20
    assert grants.refresh_lease().total_seconds() > 2 * (5 + 20) + MAX_RETRY_WAIT


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("winner", ["stalled", "successor"])
def test_a_refresh_that_outlives_its_lease_does_not_end_the_session(
    sign_in, fake_discord, monkeypatch, winner
):
    """A worker stalls past its lease; another takes the lease and spends the same refresh
    token. Discord honours whichever call reaches it first and refuses the other with
    invalid_grant; the loser must pick up the winner's tokens, not end the session."""
    key = sign_in(Client(), expires_in=60)
    monkeypatch.setattr(grants, "refresh_lease", lambda: timedelta(seconds=0.2))
    stalled_in_discord = threading.Event()
    successor_done = threading.Event()
    calls: list[int] = []

    def refresh(request):
        calls.append(len(calls))
        if len(calls) == 1:  # the stalled worker
            stalled_in_discord.set()
            if winner == "stalled":
                time.sleep(0.6)  # Discord answered it, but it saves after the successor asked
                return json_answer(200, p.REFRESH_RESPONSE)
            successor_done.wait(5)  # its call reached Discord after the successor's
            return json_answer(400, INVALID_GRANT)
        if winner == "stalled":
            return json_answer(400, INVALID_GRANT)
        return json_answer(200, p.REFRESH_RESPONSE)

    fake_discord.mock.add_callback("POST", p.TOKEN_URL, callback=refresh)
    results: dict[str, str] = {}

    def work(name: str) -> None:
        try:
            results[name] = grants.fresh_access_token(key)
        except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
            results[name] = repr(exc)
        finally:
            if name == "successor":
                successor_done.set()
            connection.close()

    stalled = threading.Thread(target=work, args=("stalled",))
    stalled.start()
    assert stalled_in_discord.wait(5)
    time.sleep(0.3)  # the stalled worker's lease runs out
    successor = threading.Thread(target=work, args=("successor",))
    successor.start()
    for thread in (stalled, successor):
        thread.join(15)
    assert results == {"stalled": p.NEW_ACCESS_TOKEN, "successor": p.NEW_ACCESS_TOKEN}
    assert len(calls) == 2
    session = Session.objects.get(session_key=key)
    assert (session.refresh_token, session.token_refresh_until) == (p.NEW_REFRESH_TOKEN, None)


@pytest.mark.django_db(transaction=True)
def test_a_session_ended_while_discord_refreshes_its_token_is_not_revived(
    client, sign_in, fake_discord
):
    """Logging out in another tab while this request refreshes: no 500, no row written."""
    key = sign_in(client, expires_in=60, list_age=60)

    def refresh_while_logging_out(request):
        Session.objects.for_key(key).delete()
        return json_answer(200, p.REFRESH_RESPONSE)

    fake_discord.mock.add_callback("POST", p.TOKEN_URL, callback=refresh_while_logging_out)
    # The logout revoked the refresh token this refresh had just spent: the new grant must
    # be revoked too, or the person's authorization outlives their last session.
    fake_discord.revoke(token=p.NEW_REFRESH_TOKEN)
    assert client.post("/dashboard/refresh/")["Location"] == "/"
    assert not Session.objects.for_key(key).exists()


@pytest.mark.django_db
def test_invalid_grant_ends_the_session_and_asks_to_log_in_again(client, sign_in, fake_discord):
    key = sign_in(client, expires_in=60, list_age=60)
    fake_discord.refresh(
        status=400, json={"error": "invalid_grant", "error_description": "Invalid refresh token"}
    )
    response = refresh_servers(client)
    assert response["Location"] == "/"
    assert not Session.objects.for_key(key).exists()
    page = client.get("/")
    assert "Please log in again" in page.content.decode()
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_a_token_refused_by_discord_ends_the_session(client, sign_in, fake_discord):
    key = sign_in(client, list_age=60)
    fake_discord.guilds(status=401, json={"message": "401: Unauthorized", "code": 0})
    assert refresh_servers(client)["Location"] == "/"
    assert not Session.objects.for_key(key).exists()


@pytest.mark.django_db
def test_a_refresh_that_discord_cannot_serve_keeps_the_session(client, sign_in, fake_discord):
    key = sign_in(client, expires_in=60, list_age=60)
    fake_discord.refresh(status=503, json={})
    response = refresh_servers(client)
    assert response["Location"] == "/dashboard/"
    assert Session.objects.get(session_key=key).refresh_token == p.REFRESH_TOKEN


@pytest.mark.django_db
def test_tokens_are_encrypted_in_their_columns(client, sign_in):
    key = sign_in(client)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM accounts_session WHERE session_key = %s", [key]
        )
        access, refresh = cursor.fetchone()
    assert access and refresh
    assert p.ACCESS_TOKEN not in access and p.REFRESH_TOKEN not in refresh
    assert Session.objects.get(session_key=key).access_token == p.ACCESS_TOKEN


@pytest.mark.django_db(transaction=True)
def test_tokens_are_not_readable_anywhere_in_the_database(client, log_in):
    log_in()
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            dump = repr(cursor.fetchall())
            for secret in p.SECRETS:
                assert secret not in dump, f"{table} holds a token in clear"
    if connection.vendor == "sqlite":
        name = connection.settings_dict["NAME"]
        for path in (name, f"{name}-wal"):
            try:
                raw = open(path, "rb").read()  # noqa: SIM115
            except FileNotFoundError:
                continue
            for secret in p.SECRETS:
                assert secret.encode() not in raw, f"{path} holds a token in clear"


@pytest.mark.django_db(transaction=True)
def test_a_refresh_holds_no_database_lock_while_discord_answers(client, sign_in, fake_discord):
    key = sign_in(client, expires_in=60)
    discord_thinking = threading.Event()
    written = threading.Event()

    def slow_refresh(request):
        discord_thinking.set()
        written.wait(5)  # Discord answers only once another write went through
        return json_answer(200, p.REFRESH_RESPONSE)

    fake_discord.mock.add_callback("POST", p.TOKEN_URL, callback=slow_refresh)
    outcome: dict = {}

    def refresh():
        try:
            outcome["token"] = grants.fresh_access_token(key)
        finally:
            connection.close()

    refresher = threading.Thread(target=refresh)
    refresher.start()
    assert discord_thinking.wait(5)
    started = time.monotonic()
    OAuthState.objects.issue(browser="another-browser", purpose="login")
    outcome["write_seconds"] = time.monotonic() - started
    written.set()
    refresher.join(10)
    assert outcome["token"] == p.NEW_ACCESS_TOKEN
    assert outcome["write_seconds"] < 1
