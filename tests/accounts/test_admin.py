"""Staff browse sessions in admin without ever seeing a token, and can end them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from accounts.models import Session, User
from tests import discord_payloads as p

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    """A staff account without a Discord id, logging in with a password."""
    user = User.objects.create_superuser(
        "admin", "admin@fightrise.example", "correct horse battery"
    )
    browser = Client()
    response = browser.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": "correct horse battery"},
    )
    assert response.status_code == 302, "staff without a Discord id must be able to log in"
    browser.user = user
    return browser


def ciphertexts(key: str) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM accounts_session WHERE session_key = %s", [key]
        )
        return cursor.fetchone()


def test_staff_see_sessions_without_tokens_or_keys(staff, sign_in):
    key = sign_in(Client())
    page = staff.get("/admin/accounts/session/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Nelly" in body and str(p.USER_ID) in body
    # The session key is the cookie: whoever reads it can be that person (or that staff).
    for secret in (
        key,
        staff.cookies["sessionid"].value,
        p.ACCESS_TOKEN,
        p.REFRESH_TOKEN,
        *ciphertexts(key),
    ):
        assert secret not in body
    session_id = Session.objects.get(session_key=key).pk
    detail = staff.get(f"/admin/accounts/session/{session_id}/change/")
    assert detail.status_code == 200
    detail_body = detail.content.decode()
    for secret in (key, p.ACCESS_TOKEN, p.REFRESH_TOKEN, *ciphertexts(key)):
        assert secret not in detail_body
    assert "session_data" not in detail_body


def test_the_list_shows_the_number_of_servers(staff, sign_in):
    sign_in(Client())
    body = staff.get("/admin/accounts/session/").content.decode()
    assert f'<td class="field-server_count">{len(p.GUILDS)}</td>' in body


def test_staff_search_by_username_and_discord_id(staff, sign_in, make_user):
    sign_in(Client())
    sign_in(
        Client(),
        user=make_user(
            discord_id=90000000000000001, discord_username="other", display_name="Other"
        ),
    )
    by_name = staff.get("/admin/accounts/session/", {"q": "nelly"}).content.decode()
    assert "Nelly" in by_name and "Other" not in by_name
    by_id = staff.get("/admin/accounts/session/", {"q": "90000000000000001"}).content.decode()
    assert "Other" in by_id and "Nelly" not in by_id


def test_staff_filter_active_and_expired(staff, sign_in, make_user):
    from datetime import timedelta

    from django.utils import timezone

    active = sign_in(Client())
    expired = sign_in(Client(), user=make_user(discord_id=90000000000000001, display_name="Gone"))
    Session.objects.for_key(expired).update(expire_date=timezone.now() - timedelta(hours=1))
    body = staff.get("/admin/accounts/session/", {"status": "active"}).content.decode()
    assert "Nelly" in body and active
    assert "Gone" not in body
    assert "Gone" in staff.get("/admin/accounts/session/", {"status": "expired"}).content.decode()


def test_the_end_sessions_action_revokes_and_deletes(staff, sign_in, fake_discord):
    victim = Client()
    key = sign_in(victim)
    fake_discord.revoke()
    response = staff.post(
        "/admin/accounts/session/",
        {"action": "end_sessions", "_selected_action": [Session.objects.get(session_key=key).pk]},
        follow=True,
    )
    assert "Ended 1 session(s)." in response.content.decode()
    assert not Session.objects.for_key(key).exists()
    assert victim.get("/dashboard/").status_code == 302


def test_ending_every_session_of_a_person_revokes_their_authorization_once(
    staff, sign_in, make_user, fake_discord
):
    person = make_user()
    keys = [sign_in(Client(), user=person, refresh_token=f"refresh-{n}") for n in range(3)]
    fake_discord.revoke(token="refresh-2")
    selected = list(Session.objects.filter(session_key__in=keys).values_list("pk", flat=True))
    response = staff.post(
        "/admin/accounts/session/",
        {"action": "end_sessions", "_selected_action": selected},
        follow=True,
    )
    assert "Ended 3 session(s)." in response.content.decode()
    assert len(fake_discord.calls) == 1
    assert not Session.objects.filter(session_key__in=keys).exists()


def test_sessions_cannot_be_added_edited_or_deleted_without_revoking(staff, sign_in):
    key = sign_in(Client())
    session_id = Session.objects.get(session_key=key).pk
    assert staff.get("/admin/accounts/session/add/").status_code == 403
    staff.post(f"/admin/accounts/session/{session_id}/change/", {"user_agent": "forged"})
    assert Session.objects.get(session_key=key).user_agent != "forged"
    assert (
        staff.post(f"/admin/accounts/session/{session_id}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Session.objects.for_key(key).exists()


def test_view_only_staff_cannot_end_sessions(sign_in, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_session", content_type__app_label="accounts")
    )
    browser = Client()
    browser.force_login(viewer)
    key = sign_in(Client())
    body = browser.get("/admin/accounts/session/").content.decode()
    assert "Nelly" in body and key not in body
    assert 'value="end_sessions"' not in body


def test_the_bulk_delete_action_is_not_offered(staff, sign_in):
    sign_in(Client())
    body = staff.get("/admin/accounts/session/").content.decode()
    assert 'value="delete_selected"' not in body
    assert 'value="end_sessions"' in body


def test_people_are_searchable_by_discord_id(staff, make_user):
    make_user()
    body = staff.get("/admin/accounts/user/", {"q": str(p.USER_ID)}).content.decode()
    assert "nelly" in body
