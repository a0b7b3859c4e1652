"""Sessions live in the database: they record where they are used and outlive any process."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from accounts.models import Session
from tests.servers import get, gunicorn


@pytest.mark.django_db
def test_login_records_address_and_browser(log_in):
    browser = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    log_in(client=browser)
    session = Session.objects.get(session_key=browser.session.session_key)
    assert session.ip_address == "127.0.0.1"
    assert session.user_agent == "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
    assert timezone.now() - session.created_at < timedelta(minutes=1)


@pytest.mark.django_db
def test_last_seen_is_written_at_most_every_five_minutes(client, sign_in):
    key = sign_in(client)
    Session.objects.for_key(key).update(last_seen=timezone.now() - timedelta(minutes=2))
    client.get("/dashboard/")
    two_minutes_ago = Session.objects.get(session_key=key).last_seen
    assert timezone.now() - two_minutes_ago > timedelta(minutes=1)
    Session.objects.for_key(key).update(last_seen=timezone.now() - timedelta(minutes=6))
    client.get("/dashboard/", REMOTE_ADDR="203.0.113.9")
    session = Session.objects.get(session_key=key)
    assert timezone.now() - session.last_seen < timedelta(minutes=1)
    assert session.ip_address == "203.0.113.9"


@pytest.mark.django_db
def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(log_in, settings):
    settings.BEHIND_PROXY = True
    browser = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    log_in(client=browser)
    assert Session.objects.get(session_key=browser.session.session_key).ip_address == "198.51.100.7"


@pytest.mark.django_db
def test_without_the_proxy_switch_forwarded_headers_are_ignored(log_in):
    browser = Client(HTTP_X_FORWARDED_FOR="198.51.100.7")
    log_in(client=browser)
    assert Session.objects.get(session_key=browser.session.session_key).ip_address == "127.0.0.1"


@pytest.mark.django_db
def test_an_expired_session_is_signed_out(client, sign_in):
    key = sign_in(client)
    Session.objects.for_key(key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_a_session_data_write_never_overwrites_the_tokens(client, sign_in):
    key = sign_in(client)
    session = client.session
    session["theme"] = "dark"
    session.save()
    assert Session.objects.get(session_key=key).access_token


@pytest.mark.django_db(transaction=True)
def test_a_session_works_across_two_servers_and_survives_a_restart(sign_in):
    key = sign_in(Client())
    cookies = {django_settings.SESSION_COOKIE_NAME: key}
    with gunicorn() as first, gunicorn() as second:
        for url in (first, second, first):
            status, body = get(f"{url}/dashboard/", cookies=cookies)
            assert status == 200
            assert "Nelly" in body
    with gunicorn() as restarted:
        status, body = get(f"{restarted}/dashboard/", cookies=cookies)
        assert status == 200 and "Nelly" in body
        assert get(f"{restarted}/dashboard/")[0] == 302


@pytest.mark.parametrize(
    ("guild", "managed"),
    [
        ({"id": "741568419182153728", "owner": True, "permissions": "0"}, True),
        ({"id": "741568419182153728", "owner": False, "permissions": "8"}, True),
        ({"id": "741568419182153728", "owner": False, "permissions": "32"}, True),
        ({"id": "741568419182153728", "owner": False, "permissions": "2048"}, False),
        ({"id": "741568419182153729", "owner": True, "permissions": "8"}, False),
    ],
)
def test_it_finds_a_server_the_person_may_manage(guild, managed):
    from accounts.server_list import managed_guild

    assert (managed_guild([guild], 741568419182153728) is guild) is managed
