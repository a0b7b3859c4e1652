"""/auth/logout/ is a CSRF-protected POST that revokes the Discord grant and ends the session."""

from __future__ import annotations

import pytest
import requests
from django.test import Client

from accounts.models import Session
from tests import discord_payloads as p

pytestmark = pytest.mark.django_db


def test_logout_revokes_and_ends_the_session(client, sign_in, fake_discord):
    key = sign_in(client)
    fake_discord.revoke()
    response = client.post("/auth/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not Session.objects.for_key(key).exists()
    assert client.get("/dashboard/").status_code == 302
    revoke = fake_discord.calls[0].request
    assert revoke.headers["Content-Type"] == "application/x-www-form-urlencoded"


@pytest.mark.parametrize("failure", [requests.Timeout("slow"), requests.ConnectionError("down")])
def test_logout_ends_the_session_even_when_discord_does_not_answer(
    client, sign_in, fake_discord, failure
):
    key = sign_in(client)
    fake_discord.mock.add("POST", p.REVOKE_URL, body=failure)
    assert client.post("/auth/logout/")["Location"] == "/"
    assert not Session.objects.for_key(key).exists()


def test_logout_waits_for_discord_a_bounded_time(client, sign_in, fake_discord):
    sign_in(client)
    fake_discord.revoke()
    client.post("/auth/logout/")
    # requests records the timeout it was given for the call.
    assert max(fake_discord.calls[0].request.req_kwargs["timeout"]) <= 3


def test_get_does_not_log_out(client, sign_in):
    key = sign_in(client)
    assert client.get("/auth/logout/").status_code == 405
    assert Session.objects.for_key(key).exists()
    assert client.get("/dashboard/").status_code == 200


def test_logout_requires_the_csrf_token(sign_in):
    browser = Client(enforce_csrf_checks=True)
    key = sign_in(browser)
    assert browser.post("/auth/logout/").status_code == 403
    assert Session.objects.for_key(key).exists()


def test_logout_with_the_csrf_token_works(sign_in, fake_discord):
    browser = Client(enforce_csrf_checks=True)
    key = sign_in(browser)
    page = browser.get("/dashboard/")
    token = page.context["csrf_token"]
    fake_discord.revoke()
    assert browser.post("/auth/logout/", {"csrfmiddlewaretoken": str(token)})["Location"] == "/"
    assert not Session.objects.for_key(key).exists()


def test_logout_of_an_anonymous_browser_just_goes_home(client):
    assert client.post("/auth/logout/")["Location"] == "/"


def test_logout_in_one_browser_leaves_the_persons_other_sessions_working(
    sign_in, make_user, fake_discord
):
    """Revoking any token ends the person's whole authorization at Discord, so it is revoked
    only when their last session that uses it logs out."""
    person = make_user()
    phone, laptop = Client(), Client()
    sign_in(phone, user=person)
    laptop_key = sign_in(laptop, user=person, refresh_token="laptop-refresh-token")
    assert phone.post("/auth/logout/")["Location"] == "/"
    assert len(fake_discord.calls) == 0
    assert laptop.get("/dashboard/").status_code == 200

    fake_discord.revoke(token="laptop-refresh-token")
    laptop.post("/auth/logout/")
    assert len(fake_discord.calls) == 1
    assert not Session.objects.for_key(laptop_key).exists()


@pytest.mark.django_db(transaction=True)
def test_the_last_two_sessions_logging_out_at_once_still_revoke(
    sign_in, make_user, fake_discord, monkeypatch
):
    """Each of the two sees the other while it decides: unless each removes itself first,
    neither revokes, and the grant stays at Discord with no session left to end it."""
    import threading

    from accounts.models import SessionManager

    person = make_user()
    phone, laptop = Client(), Client()
    sign_in(phone, user=person, refresh_token="phone-refresh-token")
    sign_in(laptop, user=person, refresh_token="laptop-refresh-token")
    both_deciding = threading.Barrier(2)
    decide = SessionManager.grant_used_elsewhere

    def decide_together(self, session):
        both_deciding.wait(5)
        return decide(self, session)

    monkeypatch.setattr(SessionManager, "grant_used_elsewhere", decide_together)
    fake_discord.revoke(token="phone-refresh-token")
    fake_discord.revoke(token="laptop-refresh-token")

    def logout(browser):
        from django.db import connection

        try:
            return browser.post("/auth/logout/")["Location"]
        finally:
            connection.close()

    results = []
    threads = [
        threading.Thread(target=lambda b=b: results.append(logout(b))) for b in (phone, laptop)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == ["/", "/"]
    assert not Session.objects.exists()
    assert len(fake_discord.calls) == 2
