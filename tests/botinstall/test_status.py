"""/bot/install/status/: whether the bot is in a server this browser just installed it in."""

from __future__ import annotations

import pytest

from guildbot.models import Guild
from tests.botinstall.test_callback import GUILD_ID, callback, start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def code_grant_off(settings):
    settings.DISCORD_BOT_REQUIRE_CODE_GRANT = False


def installed(client) -> None:
    callback(client, state=start(client), guild_id=GUILD_ID)


def test_it_says_not_yet_until_the_gateway_records_the_server(client):
    installed(client)
    answer = client.get("/bot/install/status/", {"guild_id": GUILD_ID})
    assert answer.status_code == 200
    assert answer.json() == {
        "guild_id": GUILD_ID,
        "present": False,
        "name": None,
        "settings_url": None,
    }


def test_it_names_the_server_and_links_its_settings_once_the_bot_is_in(client):
    installed(client)
    Guild.objects.create(guild_id=int(GUILD_ID), name="FightRise HQ", present=True)
    answer = client.get("/bot/install/status/", {"guild_id": GUILD_ID}).json()
    assert answer["present"] is True and answer["name"] == "FightRise HQ"
    assert answer["settings_url"] == f"/dashboard/guilds/{GUILD_ID}/"


def test_a_server_the_bot_left_is_not_present(client):
    installed(client)
    Guild.objects.create(guild_id=int(GUILD_ID), name="FightRise HQ", present=False)
    assert client.get("/bot/install/status/", {"guild_id": GUILD_ID}).json()["present"] is False


@pytest.mark.parametrize(
    "guild_id", [None, "", "12", "x" * 5000, "６１３４２５６４８６８５５４７５４１"]
)
def test_it_answers_only_about_servers_this_browser_installed_in(client, guild_id):
    Guild.objects.create(guild_id=int(GUILD_ID), name="FightRise HQ", present=True)
    installed(client)
    params = {} if guild_id is None else {"guild_id": guild_id}
    assert client.get("/bot/install/status/", params).status_code == 404


def test_another_browser_cannot_ask(client):
    from django.test import Client

    installed(client)
    Guild.objects.create(guild_id=int(GUILD_ID), name="FightRise HQ", present=True)
    assert Client().get("/bot/install/status/", {"guild_id": GUILD_ID}).status_code == 404


def test_it_answers_head_and_refuses_post(client):
    installed(client)
    assert client.head("/bot/install/status/", {"guild_id": GUILD_ID}).status_code == 200
    assert client.post("/bot/install/status/", {"guild_id": GUILD_ID}).status_code == 405


def test_every_permission_an_install_explains_has_its_name_in_the_catalogues():
    """The success page translates each missing permission's name as Discord's client shows
    it: the names marked for the catalogues are exactly those of the permissions explained."""
    from botinstall.installed import EFFECTS, PERMISSION_NAMES
    from fightrise.permissions import LABELS

    assert sorted(PERMISSION_NAMES) == sorted(LABELS[name] for name in EFFECTS)
