"""Token keys: rotation never destroys a token, and "no key opens it" is never "no token".

A token no configured key opens may be perfectly good for another worker (a key missing
from this one's TOKEN_ENCRYPTION_KEYS) or lost for good; either way nothing here may end the
session for it, write over it, or decide from it that the grant is unused.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts import grants, server_list
from accounts.models import Session
from tests import discord_payloads as p
from tests.servers import database_url

pytestmark = pytest.mark.django_db


def stored(key: str | None = None) -> dict:
    """The token columns as the database holds them (ciphertexts), by session key."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_key, access_token, refresh_token FROM accounts_session")
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    return rows if key is None else rows[key]


def new_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def another_workers_key(settings):
    """Switch between this worker's keys and a key only another worker has: what is
    signed in under `theirs_now()` is encrypted with a key this worker lacks."""

    class Keys:
        def __init__(self):
            self.ours = list(settings.TOKEN_ENCRYPTION_KEYS)
            self.theirs = [new_key()]

        def theirs_now(self):
            settings.TOKEN_ENCRYPTION_KEYS = self.theirs

        def ours_now(self):
            settings.TOKEN_ENCRYPTION_KEYS = self.ours

    return Keys()


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_token_keys", *args, stdout=out)
    return out.getvalue()


# Rotation ---------------------------------------------------------------------------------


def test_keys_can_be_rotated(client, sign_in, settings):
    old_key = settings.TOKEN_ENCRYPTION_KEYS[0]
    key = sign_in(client)
    new = new_key()
    settings.TOKEN_ENCRYPTION_KEYS = [new, old_key]
    assert Session.objects.get(session_key=key).access_token == p.ACCESS_TOKEN
    rotate()
    settings.TOKEN_ENCRYPTION_KEYS = [new]
    session = Session.objects.get(session_key=key)
    assert (session.access_token, session.refresh_token) == (p.ACCESS_TOKEN, p.REFRESH_TOKEN)


@pytest.mark.django_db(transaction=True)
def test_it_rotates_a_default_install_as_the_readme_says(sign_in, run_manage, settings):
    """Default install: the key is derived from SECRET_KEY. Put a new key first and run
    the command: every token must come out under the new key, none as ""."""
    key = sign_in(Client())
    new = new_key()
    result = run_manage(
        "rotate_token_keys", env={"TOKEN_ENCRYPTION_KEYS": new, "DATABASE_URL": database_url()}
    )
    assert result.returncode == 0, result.stderr
    assert "1 session" in result.stdout
    settings.TOKEN_ENCRYPTION_KEYS = [new]
    session = Session.objects.get(session_key=key)
    assert (session.access_token, session.refresh_token) == (p.ACCESS_TOKEN, p.REFRESH_TOKEN)


def test_it_rotates_the_ciphertexts_rather_than_decrypting_and_saving(sign_in, settings):
    old = settings.TOKEN_ENCRYPTION_KEYS[0]
    key = sign_in(Client())
    long_ago = 1_700_000_000
    Session.objects.for_key(key).update(access_token="", refresh_token="")
    with connection.cursor() as cursor:
        token = Fernet(old).encrypt_at_time(p.REFRESH_TOKEN.encode(), long_ago).decode()
        cursor.execute("UPDATE accounts_session SET refresh_token = %s", [token])
    new = new_key()
    settings.TOKEN_ENCRYPTION_KEYS = [new, old]
    assert "1 session" in rotate()
    access, refresh = stored(key)
    assert access == ""  # no token stays no token
    assert Fernet(new).decrypt(refresh.encode()).decode() == p.REFRESH_TOKEN
    assert Fernet(new).extract_timestamp(refresh.encode()) == long_ago


def test_it_stops_and_writes_nothing_when_no_key_opens_a_token(
    sign_in, make_user, another_workers_key, settings
):
    sign_in(Client())
    another_workers_key.theirs_now()
    lost = sign_in(Client(), user=make_user(discord_id=90000000000000001))
    another_workers_key.ours_now()
    before = stored()
    settings.TOKEN_ENCRYPTION_KEYS = [new_key(), *another_workers_key.ours]
    with pytest.raises(CommandError) as failure:
        rotate()
    message = str(failure.value)
    assert "1 session(s)" in message and "nothing was written" in message
    assert "--drop-unreadable" in message
    assert str(Session.objects.get(session_key=lost).pk) in message
    assert stored() == before


def test_told_so_it_ends_the_sessions_no_key_opens_and_rotates_the_rest(
    sign_in, make_user, another_workers_key, settings
):
    kept = sign_in(Client())
    another_workers_key.theirs_now()
    lost = sign_in(Client(), user=make_user(discord_id=90000000000000001))
    new = new_key()
    settings.TOKEN_ENCRYPTION_KEYS = [new, *another_workers_key.ours]
    output = rotate("--drop-unreadable")
    assert "Ended 1 session(s)" in output and "Re-encrypted the tokens of 1 session(s)" in output
    assert not Session.objects.for_key(lost).exists()
    settings.TOKEN_ENCRYPTION_KEYS = [new]
    assert Session.objects.get(session_key=kept).refresh_token == p.REFRESH_TOKEN


# A worker whose keys do not open a session's tokens -------------------------------------


def test_saving_a_row_whose_tokens_no_key_opens_writes_them_back_unchanged(
    sign_in, another_workers_key
):
    key = sign_in(Client())
    before = stored(key)
    another_workers_key.theirs_now()
    session = Session.objects.get(session_key=key)
    assert session.access_token and session.grant_unreadable
    session.save()
    assert stored(key) == before


def test_a_refresh_where_the_tokens_cannot_be_read_keeps_the_session_and_says_so(
    client, sign_in, another_workers_key, fake_discord, caplog
):
    key = sign_in(client, list_age=60)
    before = stored(key)
    another_workers_key.theirs_now()
    assert client.post("/dashboard/refresh/")["Location"] == "/dashboard/"
    assert stored(key) == before
    body = client.get("/dashboard/").content.decode()
    assert "could not use your Discord sign-in" in body
    assert len(fake_discord.calls) == 0
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("TOKEN_ENCRYPTION_KEYS" in message for message in errors)


@pytest.mark.django_db(transaction=True)
def test_a_background_refresh_where_the_tokens_cannot_be_read_leaves_them_alone(
    client, sign_in, another_workers_key, fake_discord
):
    """Today's rule for a refused grant (wipe the tokens, end the session at the next view)
    must not apply: another worker may read them perfectly well."""
    key = sign_in(client, list_age=3600)
    before = stored(key)
    another_workers_key.theirs_now()
    assert client.get("/dashboard/").status_code == 200
    server_list.wait_for_background()
    assert stored(key) == before
    assert client.get("/dashboard/").status_code == 200
    assert len(fake_discord.calls) == 0


def test_logging_out_where_the_tokens_cannot_be_read_leaves_the_revoke_to_the_purge(
    client, sign_in, another_workers_key, fake_discord
):
    """The person is signed out at once; the grant is revoked by the purge, where a key opens
    it, instead of being forgotten."""
    key = sign_in(client)
    ciphertexts = stored(key)
    another_workers_key.theirs_now()
    assert client.post("/auth/logout/")["Location"] == "/"
    assert client.get("/dashboard/").status_code == 302
    assert not Session.objects.for_key(key).exists()
    (ended,) = Session.objects.all()
    assert ended.expire_date <= timezone.now() and stored(ended.session_key) == ciphertexts
    assert len(fake_discord.calls) == 0

    another_workers_key.ours_now()
    fake_discord.revoke()
    assert grants.purge_expired() == (0, 1)
    assert not Session.objects.exists()


def test_a_session_this_worker_cannot_read_may_be_using_the_grant(
    sign_in, make_user, another_workers_key, fake_discord, settings
):
    """A wrong key in one worker must not sign the person out elsewhere: a session whose
    tokens it cannot read counts as using the grant. Once those tokens are declared lost
    for good (rotate_token_keys --drop-unreadable), it no longer keeps the grant alive."""
    person = make_user()
    another_workers_key.theirs_now()
    sign_in(Client(), user=person, refresh_token="lost-refresh-token")
    another_workers_key.ours_now()
    browser = Client()
    sign_in(browser, user=person)
    browser.post("/auth/logout/")
    assert len(fake_discord.calls) == 0

    sign_in(browser, user=person)
    rotate("--drop-unreadable")
    fake_discord.revoke()
    browser.post("/auth/logout/")
    assert len(fake_discord.calls) == 1


def test_the_purge_keeps_expired_sessions_no_key_opens_and_goes_on(
    sign_in, make_user, another_workers_key, fake_discord, caplog
):
    another_workers_key.theirs_now()
    unreadable = sign_in(Client(), user=make_user(discord_id=90000000000000001))
    another_workers_key.ours_now()
    readable = sign_in(Client())
    Session.objects.update(expire_date=timezone.now() - timedelta(minutes=1))
    fake_discord.revoke()
    assert grants.purge_expired() == (0, 1)
    assert Session.objects.for_key(unreadable).exists()
    assert not Session.objects.for_key(readable).exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("rotate_token_keys --drop-unreadable" in message for message in errors)
