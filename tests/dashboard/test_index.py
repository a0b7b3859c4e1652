"""/dashboard/: profile, every server with its badge, and Manage or Add to server."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.template import Context, Template
from django.test import Client
from django.utils import timezone

from accounts import server_list
from accounts.models import Session
from guildbot.models import Guild
from tests import discord_payloads as p
from tests.fake_discord import json_answer

pytestmark = pytest.mark.django_db

OWNER, ADMIN, MANAGER, MEMBER = (g["id"] for g in p.GUILDS)
ALL = str((1 << 53) - 1)


def guild(guild_id: str, name: str, *, owner=False, permissions="0", icon=None) -> dict:
    return {
        "id": guild_id,
        "name": name,
        "icon": icon,
        "owner": owner,
        "permissions": permissions,
        "features": [],
    }


def page(client) -> str:
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def servers_in_order(body: str) -> list[str]:
    return re.findall(r'<span class="server-name">([^<]+)</span>', body)


def row_of(body: str, name: str) -> str:
    start = body.index(f'<span class="server-name">{name}</span>')
    return body[body.rindex("<li", 0, start) : body.index("</li>", start)]


def test_it_requires_a_signed_in_person(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/auth/login/?next=/dashboard/"


def test_staff_without_discord_are_sent_to_log_in_with_discord(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "a@example.com", "pw"))
    assert client.get("/dashboard/")["Location"] == "/auth/login/?next=/dashboard/"


def test_it_shows_the_profile(client, sign_in, make_user):
    sign_in(client, user=make_user(avatar_hash="8342729096ea3675442027381ff50dfe"))
    body = page(client)
    assert "Nelly" in body and "@nelly" in body and str(p.USER_ID) in body
    assert (
        f"https://cdn.discordapp.com/avatars/{p.USER_ID}/8342729096ea3675442027381ff50dfe.png?size=128"
        in body
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"avatar_hash": "a_1269e74af4df7417b13759eae50c83dc"},
            f"/avatars/{p.USER_ID}/a_1269e74af4df7417b13759eae50c83dc.gif?size=128",
        ),
        ({"avatar_hash": "", "discriminator": "0"}, f"/embed/avatars/{(p.USER_ID >> 22) % 6}.png"),
        ({"avatar_hash": "", "discriminator": "1337"}, f"/embed/avatars/{1337 % 5}.png"),
    ],
)
def test_the_avatar_follows_discords_rules(client, sign_in, make_user, fields, expected):
    sign_in(client, user=make_user(**fields))
    assert f"https://cdn.discordapp.com{expected}" in page(client)


def test_every_server_gets_the_right_badge(client, sign_in):
    sign_in(client)
    body = page(client)
    assert "Owner" in row_of(body, "FightRise HQ")
    assert "Administrator" in row_of(body, "Pixel Arena")
    assert "Manage Server" in row_of(body, "Tekken Tuesdays")
    assert "badge" not in row_of(body, "Casual Corner")


def test_owner_beats_administrator_beats_manage_server(client, sign_in):
    both = str(0x8 | 0x20)
    sign_in(
        client,
        guilds=[
            guild("613425648685547541", "Mine", owner=True, permissions=both),
            guild("709158235487862816", "Admin", permissions=both),
        ],
    )
    body = page(client)
    assert re.findall(r'class="badge [^"]+">([^<]+)<', row_of(body, "Mine")) == ["Owner"]
    assert re.findall(r'class="badge [^"]+">([^<]+)<', row_of(body, "Admin")) == ["Administrator"]


def test_manage_where_the_bot_is_and_add_to_server_where_it_is_not(client, sign_in):
    sign_in(client)
    Guild.objects.create(guild_id=int(OWNER), name="FightRise HQ")
    Guild.objects.create(guild_id=int(MANAGER), name="Tekken Tuesdays", present=False)
    Guild.objects.create(guild_id=int(MEMBER), name="Casual Corner")
    body = page(client)
    assert f'href="/dashboard/guilds/{OWNER}/">Manage</a>' in row_of(body, "FightRise HQ")
    assert f'href="/bot/install/?guild_id={ADMIN}">Add to server</a>' in row_of(body, "Pixel Arena")
    assert f'href="/bot/install/?guild_id={MANAGER}">Add to server</a>' in row_of(
        body, "Tekken Tuesdays"
    )
    member = row_of(body, "Casual Corner")
    assert "Manage" not in member and "Add to server" not in member


def test_servers_to_manage_come_first_then_by_name(client, sign_in):
    sign_in(
        client,
        guilds=[
            guild("900000000000000001", "zeta plain"),
            guild("900000000000000002", "Beta managed", permissions="32"),
            guild("900000000000000003", "alpha plain"),
            guild("900000000000000004", "Ärger owned", owner=True),
            guild("900000000000000005", "Delta admin", permissions="8"),
        ],
    )
    assert servers_in_order(page(client)) == [
        "Beta managed",
        "Delta admin",
        "Ärger owned",
        "alpha plain",
        "zeta plain",
    ]


def test_a_server_without_an_icon_shows_its_initials(client, sign_in):
    sign_in(
        client,
        guilds=[
            guild("900000000000000001", "Friday Night Fights"),
            guild("900000000000000002", "Icons", icon="abc"),
        ],
    )
    body = page(client)
    assert '<span class="server-icon server-initials" aria-hidden="true">FNF</span>' in body
    assert "https://cdn.discordapp.com/icons/900000000000000002/abc.png?size=128" in body


def test_an_icon_that_is_not_a_hash_shows_the_initials(client, sign_in):
    sign_in(client, guilds=[guild("900000000000000001", "Friday Night Fights", icon=True)])
    body = page(client)
    assert '<span class="server-icon server-initials" aria-hidden="true">FNF</span>' in body
    assert "/icons/" not in body


def test_junk_in_the_snapshot_is_skipped_not_a_500(client, sign_in):
    key = sign_in(client)
    Session.objects.for_key(key).update(
        guilds=[
            {"id": "nope"},
            {"name": "no id"},
            guild("900000000000000001", "Fine", permissions="junk"),
        ]
    )
    body = page(client)
    assert servers_in_order(body) == ["Fine"]


def test_the_filter_box_works_without_a_page_load(client, sign_in):
    sign_in(client)
    body = page(client)
    assert 'id="server-filter"' in body and 'data-filter-target="#server-list"' in body
    assert 'data-name="fightrise hq"' in body
    assert "/static/js/dashboard.js" in body


@pytest.mark.parametrize("count", [1, 200])
def test_the_page_costs_a_constant_number_of_queries(
    client, sign_in, count, django_assert_max_num_queries
):
    guilds = [
        guild(str(900000000000000000 + n), f"Server {n}", permissions="32") for n in range(count)
    ]
    sign_in(client, guilds=guilds)
    Guild.objects.bulk_create(
        [Guild(guild_id=900000000000000000 + n, name="x") for n in range(0, count, 4)]
    )
    with django_assert_max_num_queries(4) as captured:
        page(client)
    assert len(captured) == 3  # the session, the user, the bot's presence


def test_a_fresh_list_costs_no_discord_call(client, sign_in, fake_discord):
    sign_in(client)
    for _ in range(3):
        page(client)
    assert len(fake_discord.calls) == 0


def test_a_stale_list_is_fetched_before_the_page(client, sign_in, fake_discord):
    key = sign_in(client, guilds=[])
    Session.objects.for_key(key).update(guilds_stale=True)
    fake_discord.guilds()
    assert len(servers_in_order(page(client))) == len(p.GUILDS)
    assert Session.objects.get(session_key=key).guilds_stale is False


@pytest.mark.django_db(transaction=True)
def test_an_old_list_is_shown_at_once_and_refreshed_in_the_background(
    client, sign_in, fake_discord, settings
):
    key = sign_in(client, guilds=[])
    Session.objects.for_key(key).update(guilds_fetched_at=timezone.now() - timedelta(minutes=6))
    fake_discord.guilds()
    assert servers_in_order(page(client)) == []
    server_list.wait_for_background()
    assert len(servers_in_order(page(client))) == len(p.GUILDS)
    assert len(fake_discord.calls) == 1


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            429,
            {"message": "You are being rate limited.", "retry_after": 30.0, "global": False},
            "slow down",
        ),
        (500, {}, "not answering"),
    ],
)
def test_when_discord_fails_the_last_list_is_shown_with_its_age(
    client, sign_in, fake_discord, status, body, message
):
    key = sign_in(client)
    Session.objects.for_key(key).update(
        guilds_stale=True, guilds_fetched_at=timezone.now() - timedelta(hours=2)
    )
    fake_discord.guilds(status=status, json=body)
    html = page(client)
    assert message in html
    assert "As of 2\xa0hours ago" in html
    assert len(servers_in_order(html)) == len(p.GUILDS)
    page(client)  # the pause is honoured: no second call
    assert len(fake_discord.calls) == 1


def test_the_refresh_button_fetches_now(client, sign_in, fake_discord):
    key = sign_in(client, guilds=[], list_age=60)
    fake_discord.guilds()
    response = client.post("/dashboard/refresh/")
    assert response["Location"] == "/dashboard/"
    assert len(Session.objects.get(session_key=key).guilds) == len(p.GUILDS)
    assert "up to date" in page(client)


def test_the_refresh_button_honours_a_429(client, sign_in, fake_discord, monkeypatch):
    sign_in(client, list_age=60)
    fake_discord.guilds(status=429, json={"message": "slow", "retry_after": 12.5, "global": False})
    client.post("/dashboard/refresh/")
    client.post("/dashboard/refresh/")
    assert len(fake_discord.calls) == 1
    assert "slow down" in page(client)


@pytest.mark.django_db(transaction=True)
def test_a_refresh_already_running_is_waited_for_not_reported_as_done(
    sign_in, fake_discord, monkeypatch
):
    """A double click: the second request waits for the first one's list, then shows it."""
    from django.db import connection

    key = sign_in(Client(), guilds=[], list_age=60)
    first, second = Client(), Client()
    for browser in (first, second):
        browser.cookies[django_settings.SESSION_COOKIE_NAME] = key
    in_discord = threading.Event()

    def slow_guilds(request):
        in_discord.set()
        return json_answer(200, p.GUILDS)

    fake_discord.mock.add_callback("GET", p.GUILDS_URL, callback=slow_guilds)
    store = type(Session.objects).store_server_list

    def slow_store(self, *args):
        time.sleep(0.3)  # the window in which the second request must not call it done
        return store(self, *args)

    monkeypatch.setattr(type(Session.objects), "store_server_list", slow_store)

    def click():
        try:
            first.post("/dashboard/refresh/")
        finally:
            connection.close()

    clicked = threading.Thread(target=click)
    clicked.start()
    assert in_discord.wait(5)
    second.post("/dashboard/refresh/")
    clicked.join(10)
    html = page(second)
    assert "up to date" in html
    assert len(servers_in_order(html)) == len(p.GUILDS)
    assert len(fake_discord.calls) == 1


def other_refresh(key: str, holder: str, outcome: str | None, *, after: float = 0.2):
    """Another request holds the refresh lock as `holder`; after a moment it ends with
    `outcome` (None: it records nothing, as when its lock lapsed) and the lock goes."""
    cache.set(server_list._lock_key(key), holder, 60)

    def end():
        if outcome is not None:
            cache.set(server_list._outcome_key(key), (holder, outcome), 60)
        cache.delete(server_list._lock_key(key))

    timer = threading.Timer(after, end)
    timer.start()
    return timer


@pytest.mark.parametrize(
    ("outcome", "shown"),
    [
        ("refresh_failed", "did not give us your server list"),
        ("discord_unavailable", "not answering"),
        (None, "still being fetched"),
    ],
)
def test_a_waiter_is_told_the_outcome_of_the_refresh_it_waited_for(
    client, sign_in, fake_discord, outcome, shown
):
    key = sign_in(client, list_age=60)
    cache.set(server_list._outcome_key(key), ("an-earlier-refresh", server_list.DONE), 60)
    timer = other_refresh(key, "the-refresh-waited-for", outcome)
    client.post("/dashboard/refresh/")
    timer.join()
    html = page(client)
    assert shown in html and "up to date" not in html
    assert len(fake_discord.calls) == 0


def test_a_waiter_whose_refresh_found_the_grant_gone_is_asked_to_log_in(
    client, sign_in, fake_discord
):
    key = sign_in(client, list_age=60)
    timer = other_refresh(key, "the-refresh-waited-for", server_list.REVOKED)
    assert client.post("/dashboard/refresh/")["Location"] == "/"
    timer.join()
    assert not Session.objects.for_key(key).exists()
    assert "Please log in again" in client.get("/").content.decode()


def test_a_refresh_never_releases_a_lock_that_is_no_longer_its_own(client, sign_in, fake_discord):
    """Its lock lapsed and another refresh took it: that one's lock stays."""
    key = sign_in(client, list_age=60)

    def guilds_while_the_lock_changes_hands(request):
        cache.set(server_list._lock_key(key), "a-later-refresh", 60)
        return json_answer(200, p.GUILDS)

    fake_discord.mock.add_callback(
        "GET", p.GUILDS_URL, callback=guilds_while_the_lock_changes_hands
    )
    client.post("/dashboard/refresh/")
    assert cache.get(server_list._lock_key(key)) == "a-later-refresh"
    mine, outcome = cache.get(server_list._outcome_key(key))
    assert mine != "a-later-refresh" and outcome == server_list.DONE


def test_a_background_refresh_never_waits_for_another(sign_in, fake_discord):
    """The background pool is small: a job that finds the list being fetched just ends."""
    key = sign_in(Client())
    cache.set(server_list._lock_key(key), True, 60)
    started = time.monotonic()
    assert server_list.refresh(key, wait=0) == "refresh_in_progress"
    assert time.monotonic() - started < 0.5
    assert len(fake_discord.calls) == 0


def test_a_refresh_still_running_elsewhere_says_so(client, sign_in, fake_discord, monkeypatch):
    key = sign_in(client, list_age=60)
    monkeypatch.setattr(server_list, "OTHER_REFRESH_WAIT", 0.2)
    cache.set(server_list._lock_key(key), True, 60)
    client.post("/dashboard/refresh/")
    html = page(client)
    assert "still being fetched" in html and "up to date" not in html
    assert len(fake_discord.calls) == 0


def test_refresh_needs_post_and_csrf(sign_in):
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser)
    assert browser.get("/dashboard/refresh/").status_code == 405
    assert browser.post("/dashboard/refresh/").status_code == 403


@pytest.mark.parametrize(
    ("value", "flag", "expected"),
    [
        ("32", '"MANAGE_GUILD"', "yes"),
        ("8", '"MANAGE_GUILD"', "no"),
        ("8", '"ADMINISTRATOR"', "yes"),
        (str(2**63 | 32), '"MANAGE_GUILD"', "yes"),
        (str(2**63), "9223372036854775808", "yes"),
        ("junk", '"MANAGE_GUILD"', "no"),
        ("", '"MANAGE_GUILD"', "no"),
        ("32", '"NOPE"', "no"),
        ("32", "32", "yes"),
    ],
)
def test_the_has_permission_filter(value, flag, expected):
    template = Template(
        "{% load permissions %}{% if value|has_permission:" + flag + " %}yes{% else %}no{% endif %}"
    )
    assert template.render(Context({"value": value})) == expected


def test_the_cached_rows_follow_the_bot_joining_and_leaving(client, sign_in):
    sign_in(client)
    assert "Add to server" in row_of(page(client), "Pixel Arena")
    joined = Guild.objects.create(guild_id=int(ADMIN), name="Pixel Arena")
    assert "Manage</a>" in row_of(page(client), "Pixel Arena")
    joined.present = False
    joined.save()
    assert "Add to server" in row_of(page(client), "Pixel Arena")


def test_the_cached_rows_follow_a_new_snapshot(client, sign_in, fake_discord):
    key = sign_in(client, list_age=60)
    assert "Tekken Tuesdays" in page(client)
    renamed = p.payload(p.GUILDS)
    renamed[2]["name"] = "Tekken Thursdays"
    fake_discord.guilds(json=renamed)
    client.post("/dashboard/refresh/")
    body = page(client)
    assert "Tekken Thursdays" in body and "Tekken Tuesdays" not in body
    assert Session.objects.get(session_key=key).guilds[2]["name"] == "Tekken Thursdays"


def test_two_people_never_see_each_others_rows(sign_in, make_user):
    first, second = Client(), Client()
    sign_in(first)
    sign_in(
        second,
        user=make_user(discord_id=90000000000000001),
        guilds=[guild("900000000000000001", "Only Mine")],
    )
    assert servers_in_order(page(first)) != servers_in_order(page(second))
    assert servers_in_order(page(second)) == ["Only Mine"]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (403, {"message": "Missing Access", "code": 50001}),
        (200, "not json"),
        (404, {"message": "?", "code": 0}),
    ],
)
def test_any_other_discord_answer_on_refresh_is_explained_not_a_500(
    client, sign_in, fake_discord, status, body
):
    sign_in(client, list_age=60)
    if isinstance(body, str):
        fake_discord.guilds(status=status, body=body)
    else:
        fake_discord.guilds(status=status, json=body)
    assert client.post("/dashboard/refresh/")["Location"] == "/dashboard/"
    assert "did not give us your server list" in page(client)


def test_no_cache_key_holds_the_session_key(client, sign_in, fake_discord):
    """Whoever can list the cache's keys (Redis KEYS) must not find live session keys."""
    from tests.conftest import cache_keys

    key = sign_in(client)
    Session.objects.for_key(key).update(guilds_fetched_at=timezone.now() - timedelta(hours=1))
    seen_during_the_call: list[str] = []

    def guilds_answer(request):
        seen_during_the_call.extend(cache_keys())  # the refresh lock is held now
        return json_answer(429, {"message": "slow", "retry_after": 30.0, "global": False})

    fake_discord.mock.add_callback("GET", p.GUILDS_URL, callback=guilds_answer)
    client.post("/dashboard/refresh/")
    page(client)  # the cached server rows
    keys = seen_during_the_call + cache_keys()
    assert [name for name in keys if "guilds:refreshing:" in name]
    assert [name for name in keys if "guilds:backoff:" in name]
    assert [name for name in keys if "template.cache.dashboard_servers" in name]
    assert not [name for name in keys if key in name]


def age_list(key: str, seconds: float) -> None:
    Session.objects.for_key(key).update(
        guilds_fetched_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_a_refresh_of_a_list_under_30_seconds_old_skips_discord_and_says_so(
    client, sign_in, fake_discord
):
    key = sign_in(client)
    age_list(key, 20)
    assert client.post("/dashboard/refresh/")["Location"] == "/dashboard/"
    assert "less than 30 seconds ago" in page(client)
    assert len(fake_discord.calls) == 0


def test_a_stale_list_is_refreshed_however_young(client, sign_in, fake_discord):
    """Marked stale (the bot was just added): the cooldown does not apply."""
    key = sign_in(client)
    Session.objects.for_key(key).update(guilds_stale=True)
    fake_discord.guilds()
    client.post("/dashboard/refresh/")
    assert len(fake_discord.calls) == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_fast_refreshes_make_at_most_one_discord_call(sign_in, fake_discord):
    from django.db import connection

    from tests.conftest import run_together

    key = sign_in(Client())
    age_list(key, 3600)
    fake_discord.guilds()

    def click() -> str:
        browser = Client()
        browser.cookies[django_settings.SESSION_COOKIE_NAME] = key
        try:
            return browser.post("/dashboard/refresh/")["Location"]
        finally:
            connection.close()

    locations = run_together(10, click) + [click() for _ in range(10)]
    assert locations == ["/dashboard/"] * 20
    assert len(fake_discord.calls) == 1


def test_refreshes_are_limited_per_person_across_their_sessions(sign_in, make_user, fake_discord):
    person = make_user()
    browsers = [Client() for _ in range(server_list.REFRESHES_PER_PERSON + 2)]
    for browser in browsers:
        age_list(sign_in(browser, user=person), 3600)
    fake_discord.guilds()
    for browser in browsers:
        browser.post("/dashboard/refresh/")
    assert len(fake_discord.calls) == server_list.REFRESHES_PER_PERSON
    assert "refreshed your server list many times" in page(browsers[-1])
