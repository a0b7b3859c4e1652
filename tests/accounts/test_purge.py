"""Expired sessions that still hold a Discord grant are revoked at Discord before they go.

A request never calls Discord for somebody else's session: the purge that runs as logins go
deletes only expired sessions without a grant, and the daily command (or `clearsessions`)
revokes the rest, keeping for its next run what Discord could not be asked about.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import requests
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Session
from tests import discord_payloads as p
from tests.factories import anonymous_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def expire():
    def run(key: str) -> None:
        Session.objects.for_key(key).update(expire_date=timezone.now() - timedelta(minutes=1))

    return run


@pytest.fixture
def anonymous_expired():
    return anonymous_session("x" * 32, expires_in=-timedelta(days=1))


def purge() -> str:
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    return out.getvalue()


def test_the_command_revokes_an_expired_grant_before_deleting_it(
    sign_in, make_user, expire, fake_discord, anonymous_expired
):
    key = sign_in(Client())
    live = sign_in(Client(), user=make_user(discord_id=p.USER_ID + 1))
    expire(key)
    fake_discord.revoke()
    output = purge()
    assert not Session.objects.for_key(key).exists()
    assert not Session.objects.for_key(anonymous_expired).exists()
    assert Session.objects.for_key(live).exists()
    assert len(fake_discord.calls) == 1
    assert "2 session(s)" in output


@pytest.mark.parametrize(
    "failure",
    [
        {"body": requests.Timeout("slow")},
        {"status": 503, "json": {"message": "upstream"}},
        {"status": 429, "json": {"retry_after": 60, "global": False, "message": "slow"}},
    ],
    ids=["timeout", "503", "429"],
)
def test_a_grant_discord_could_not_revoke_waits_for_the_next_run(
    sign_in, make_user, expire, fake_discord, anonymous_expired, failure
):
    first = sign_in(Client())
    second = sign_in(
        Client(), user=make_user(discord_id=p.USER_ID + 1), refresh_token="second-refresh-token"
    )
    expire(first)
    expire(second)
    fake_discord.mock.add("POST", p.REVOKE_URL, **failure)
    output = purge()
    # One failed call, and no second one: Discord is not hammered while it is unwell.
    assert len(fake_discord.calls) == 1
    assert Session.objects.filter(session_key__in=[first, second]).count() == 2
    assert not Session.objects.for_key(anonymous_expired).exists()
    assert "2 expired session(s) kept" in output

    fake_discord.mock.reset()
    fake_discord.revoke()
    fake_discord.revoke(token="second-refresh-token")
    assert "2 session(s)" in purge()
    assert not Session.objects.exists()


def test_an_expired_session_of_someone_still_signed_in_elsewhere_is_not_revoked(
    sign_in, make_user, expire, fake_discord
):
    """Discord keeps one authorization per person: revoking the old session's tokens would
    revoke the new session's too."""
    person = make_user()
    laptop = Client()
    old = sign_in(Client(), user=person)
    sign_in(laptop, user=person, refresh_token="laptop-refresh-token")
    expire(old)
    assert "1 session(s)" in purge()
    assert len(fake_discord.calls) == 0
    assert not Session.objects.for_key(old).exists()
    assert laptop.get("/dashboard/").status_code == 200


def test_a_grant_discord_refuses_to_revoke_is_deleted_all_the_same(sign_in, expire, fake_discord):
    key = sign_in(Client())
    expire(key)
    fake_discord.revoke(status=401)
    purge()
    assert not Session.objects.exists()


def test_the_purge_as_logins_go_leaves_expired_grants_to_the_command(
    client, sign_in, expire, fake_discord, anonymous_expired
):
    key = sign_in(Client())
    expire(key)
    client.get("/auth/login/")
    assert not Session.objects.for_key(anonymous_expired).exists()
    assert Session.objects.for_key(key).exists()
    assert len(fake_discord.calls) == 0


def test_clearsessions_revokes_too(sign_in, expire, fake_discord):
    key = sign_in(Client())
    expire(key)
    fake_discord.revoke()
    call_command("clearsessions")
    assert not Session.objects.exists()
    assert len(fake_discord.calls) == 1
