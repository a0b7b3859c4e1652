"""/dashboard/guilds/<id>/: the bot's settings, only for those who may manage, only where it is."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from guildbot.models import Guild, GuildConfig
from tests import discord_payloads as p

pytestmark = pytest.mark.django_db

OWNER, ADMIN, MANAGER, MEMBER = (g["id"] for g in p.GUILDS)
STRANGER = "1100000000000000099"


CHANNELS = [
    {"id": "1100000000000000001", "name": "announcements"},
    {"id": "1100000000000000002", "name": "matches"},
]


@pytest.fixture
def bot_everywhere():
    for guild in p.GUILDS:
        Guild.objects.create(
            guild_id=int(guild["id"]), name=guild["name"], member_count=12, channels=CHANNELS
        )
    Guild.objects.create(guild_id=int(STRANGER), name="Someone else's")


def url(guild_id: str) -> str:
    return f"/dashboard/guilds/{guild_id}/"


@pytest.mark.parametrize("guild_id", [OWNER, ADMIN, MANAGER])
def test_owners_admins_and_managers_see_the_settings(client, sign_in, bot_everywhere, guild_id):
    sign_in(client)
    response = client.get(url(guild_id))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Save settings" in body and 'name="timezone"' in body
    assert GuildConfig.objects.filter(guild_id=int(guild_id)).exists()


@pytest.mark.parametrize("guild_id", [MEMBER, STRANGER, "abc", "123", str(2**64), "0" * 18])
def test_everyone_else_gets_a_404(client, sign_in, bot_everywhere, guild_id):
    sign_in(client)
    assert client.get(url(guild_id)).status_code == 404
    assert client.post(url(guild_id), {"locale": "de"}).status_code == 404


def test_a_server_without_the_bot_is_a_404(client, sign_in):
    sign_in(client)
    Guild.objects.create(guild_id=int(ADMIN), name="Pixel Arena", present=False)
    assert client.get(url(OWNER)).status_code == 404
    assert client.get(url(ADMIN)).status_code == 404


def test_it_requires_a_signed_in_person(client, bot_everywhere):
    assert client.get(url(OWNER))["Location"] == f"/auth/login/?next=/dashboard/guilds/{OWNER}/"


def valid(**changes) -> dict:
    return {
        "announcement_channel_id": "1100000000000000001",
        "match_channel_id": "",
        "locale": "de",
        "timezone": "Europe/Berlin",
        **changes,
    }


def test_a_manager_saves_the_settings_and_sees_a_confirmation(client, sign_in, bot_everywhere):
    sign_in(client)
    response = client.post(url(MANAGER), valid())
    assert response.status_code == 302 and response["Location"] == url(MANAGER)
    config = GuildConfig.objects.get(guild_id=int(MANAGER))
    assert (
        config.announcement_channel_id,
        config.match_channel_id,
        config.locale,
        config.timezone,
    ) == (1100000000000000001, None, "de", "Europe/Berlin")
    assert "Settings for Tekken Tuesdays saved." in client.get(url(MANAGER)).content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"announcement_channel_id": "12345"}, "announcement_channel_id", "Pick one of"),
        ({"match_channel_id": "general"}, "match_channel_id", "Pick one of"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Select a valid choice"),
        ({"timezone": "../../etc/passwd"}, "timezone", "Select a valid choice"),
        ({"locale": "xx"}, "locale", "Select a valid choice"),
    ],
)
def test_bad_values_are_explained_and_nothing_is_saved(
    client, sign_in, bot_everywhere, changes, field, message
):
    sign_in(client)
    client.get(url(OWNER))
    response = client.post(url(OWNER), valid(**changes))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    config = GuildConfig.objects.get(guild_id=int(OWNER))
    assert (config.locale, config.timezone) == ("en", "UTC")


def test_the_form_needs_the_csrf_token(sign_in, bot_everywhere):
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser)
    assert browser.post(url(OWNER), valid()).status_code == 403
    token = browser.get(url(OWNER)).context["csrf_token"]
    assert (
        browser.post(url(OWNER), {**valid(), "csrfmiddlewaretoken": str(token)}).status_code == 302
    )


def test_non_ascii_and_huge_input_is_handled(client, sign_in, bot_everywhere):
    sign_in(client)
    response = client.post(url(OWNER), valid(timezone="é" * 4000, announcement_channel_id="١" * 18))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"timezone", "announcement_channel_id"}


def test_with_known_channels_the_form_offers_them_by_name(client, sign_in, bot_everywhere):
    sign_in(client)
    body = client.get(url(OWNER)).content.decode()
    assert '<option value="1100000000000000001">#announcements</option>' in body
    assert '<option value="" selected>Not set</option>' in body
    response = client.post(url(OWNER), valid(announcement_channel_id="1100000000000000002"))
    assert response.status_code == 302
    assert (
        GuildConfig.objects.get(guild_id=int(OWNER)).announcement_channel_id == 1100000000000000002
    )


def test_a_channel_of_another_server_is_refused(client, sign_in, bot_everywhere):
    sign_in(client)
    response = client.post(url(OWNER), valid(announcement_channel_id="1100000000000000099"))
    assert "Pick one of this server" in str(
        response.context["form"].errors["announcement_channel_id"]
    )


def test_a_chosen_channel_the_bot_no_longer_sees_is_kept_and_named(client, sign_in, bot_everywhere):
    sign_in(client)
    GuildConfig.objects.create(guild_id=int(OWNER), match_channel_id=1100000000000000077)
    body = client.get(url(OWNER)).content.decode()
    assert "A channel FightRise cannot see (1100000000000000077)" in body
    assert client.post(url(OWNER), valid(match_channel_id="1100000000000000077")).status_code == 302


def test_an_old_server_list_is_confirmed_with_discord_first(
    client, sign_in, bot_everywhere, fake_discord
):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Session

    key = sign_in(client)
    Session.objects.for_key(key).update(guilds_fetched_at=timezone.now() - timedelta(days=10))
    demoted = p.payload(p.GUILDS)
    demoted[2]["permissions"] = "1024"  # no longer Manage Server in Tekken Tuesdays
    fake_discord.guilds(json=demoted)
    assert client.post(url(MANAGER), valid()).status_code == 404
    assert not GuildConfig.objects.filter(guild_id=int(MANAGER)).exists()


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "json": {}},
        {"status": 429, "json": {"message": "slow", "retry_after": 30, "global": False}},
    ],
)
def test_when_discord_cannot_confirm_nothing_changes(
    client, sign_in, bot_everywhere, fake_discord, failure
):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Session

    key = sign_in(client)
    Session.objects.for_key(key).update(guilds_fetched_at=timezone.now() - timedelta(days=10))
    fake_discord.guilds(**failure)
    response = client.post(url(OWNER), valid())
    assert response["Location"] == "/dashboard/"
    assert not GuildConfig.objects.exists()
    assert "could not confirm with Discord" in client.get("/dashboard/").content.decode()


def test_a_change_is_authorized_on_a_list_at_most_a_minute_old(
    client, sign_in, bot_everywhere, fake_discord
):
    """Two minutes after the list came, the person lost Manage Server: the change must
    see that, though the list is well within GUILDS_MAX_AGE for showing the page."""
    sign_in(client, list_age=120)
    assert client.get(url(MANAGER)).status_code == 200  # showing: no call to Discord
    demoted = p.payload(p.GUILDS)
    demoted[2]["permissions"] = "1024"
    fake_discord.guilds(json=demoted)
    assert client.post(url(MANAGER), valid()).status_code == 404
    config = GuildConfig.objects.get(guild_id=int(MANAGER))  # made by the page view
    assert (config.timezone, config.locale) == ("UTC", "en")
    assert len(fake_discord.calls) == 1


def test_a_change_on_a_list_under_a_minute_old_costs_no_discord_call(
    client, sign_in, bot_everywhere, fake_discord
):
    sign_in(client, list_age=50)
    assert client.post(url(MANAGER), valid()).status_code == 302
    assert len(fake_discord.calls) == 0


def test_when_the_bot_knows_no_channel_of_the_server_none_is_accepted_and_it_says_so(
    client, sign_in, bot_everywhere
):
    """A pasted id could be any server's channel: only those the bot saw in this one go."""
    sign_in(client)
    Guild.objects.filter(guild_id=int(OWNER)).update(channels=[])
    body = client.get(url(OWNER)).content.decode()
    assert "FightRise has not seen this server&#x27;s channels yet" in body
    another_servers = "1100000000000000099"
    response = client.post(url(OWNER), valid(announcement_channel_id=another_servers))
    assert response.status_code == 200
    errors = str(response.context["form"].errors["announcement_channel_id"])
    assert "has not seen this server" in errors
    assert GuildConfig.objects.get(guild_id=int(OWNER)).announcement_channel_id is None
    assert client.post(url(OWNER), valid(announcement_channel_id="")).status_code == 302


def test_a_language_no_longer_offered_is_not_shown_as_a_choice(client, sign_in, bot_everywhere):
    """Migration 0004 moved the server to English: the page says why, not that someone chose
    English; once the settings are saved, they are someone's choice."""
    sign_in(client)
    GuildConfig.objects.create(guild_id=int(OWNER), locale="en", dropped_locale="it")
    body = client.get(url(OWNER)).content.decode()
    assert "This server chose Italiano, which FightRise does not speak yet" in body
    client.post(url(OWNER), {"locale": "en", "timezone": "UTC"})
    config = GuildConfig.objects.get(guild_id=int(OWNER))
    assert (config.locale, config.dropped_locale) == ("en", "")
    assert "does not speak yet" not in client.get(url(OWNER)).content.decode()


def test_the_bot_language_choices_are_the_offered_languages(client, sign_in, bot_everywhere):
    sign_in(client)
    body = client.get(url(OWNER)).content.decode()
    for code, name in settings.LANGUAGES:
        assert f'<option value="{code}"' in body and name in body
    assert '<option value="it"' not in body
    response = client.post(url(OWNER), {"locale": "it", "timezone": "UTC"})
    assert "Select a valid choice" in response.content.decode()


def test_it_says_when_the_bot_is_offline(client, sign_in, bot_everywhere):
    from guildbot import store

    sign_in(client)
    offline = "FightRise is offline; posts will go out when it is back."
    assert offline in client.get(url(OWNER)).content.decode()
    store.beat([0], shard_count=1)
    assert offline not in client.get(url(OWNER)).content.decode()
