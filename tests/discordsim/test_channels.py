"""Channels and who may use them: overwrites, Get Channel, and the refusals Discord answers."""

from __future__ import annotations

import pytest

from discordsim import permissions, sample
from discordsim.access import CHANNEL_SCOPED, apply_overwrites
from discordsim.testing import SimError

HQ = sample.FIGHTRISE_HQ_ID
MATCHES = sample.channel_id(HQ, "matches")
GENERAL = sample.channel_id(HQ, "general")
UNKNOWN_CHANNEL = "1185624892092583939"


def test_it_returns_a_channel_with_its_overwrites(api, sim):
    sim.update_channel(MATCHES, bot_denied=["EMBED_LINKS"])
    response = api("GET", f"/channels/{MATCHES}", bot=True)
    assert response.status_code == 200
    channel = response.json()
    assert channel["id"] == MATCHES and channel["guild_id"] == HQ and channel["type"] == 0
    assert channel["name"] == "matches"
    assert channel["permission_overwrites"] == [
        {"id": sample.BOT_ID, "type": 1, "allow": "0", "deny": str(1 << 14)}
    ]


def test_it_answers_unknown_channel_for_a_channel_that_does_not_exist(api):
    response = api("GET", f"/channels/{UNKNOWN_CHANNEL}", bot=True)
    assert response.status_code == 404
    assert response.json() == {"message": "Unknown Channel", "code": 10003}


def test_it_answers_missing_access_for_a_channel_the_bot_cannot_see(api, sim):
    sim.update_channel(MATCHES, bot_denied=["VIEW_CHANNEL"])
    response = api("GET", f"/channels/{MATCHES}", bot=True)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Access", "code": 50001}
    outside = sample.channel_id(sample.COMBO_LAB_ID, "general")  # the bot is not in Combo Lab
    assert api("GET", f"/channels/{outside}", bot=True).json()["code"] == 50001


def test_it_needs_the_bot_token(api):
    assert api("GET", f"/channels/{MATCHES}").status_code == 401


def test_it_keeps_overwrites_in_the_scenario(sim):
    scenario = sim.scenario()
    hq = next(guild for guild in scenario["guilds"] if guild["id"] == HQ)
    hq["channels"][2]["bot_denied"] = ["SEND_MESSAGES", "EMBED_LINKS"]
    hq["channels"][1]["permission_overwrites"] = [
        {"id": HQ, "type": 0, "deny": ["VIEW_CHANNEL"]},
        {"id": sample.BLAZE_ID, "type": 1, "allow": str(1 << 10)},
    ]
    sim.load_scenario(scenario)
    again = next(guild for guild in sim.scenario()["guilds"] if guild["id"] == HQ)
    assert again["channels"][2]["permission_overwrites"] == [
        {"id": sample.BOT_ID, "type": 1, "allow": "0", "deny": str((1 << 11) | (1 << 14))}
    ]
    assert again["channels"][1]["permission_overwrites"] == [
        {"id": HQ, "type": 0, "allow": "0", "deny": str(1 << 10)},
        {"id": sample.BLAZE_ID, "type": 1, "allow": str(1 << 10), "deny": "0"},
    ]


@pytest.mark.parametrize(
    "overwrites",
    [
        [{"id": HQ, "type": 2}],
        [{"id": "12", "type": 0}],
        [{"id": HQ, "type": 0, "deny": ["NOT_A_PERMISSION"]}],
    ],
)
def test_it_refuses_bad_overwrites(sim, overwrites):
    with pytest.raises(SimError) as error:
        sim.update_channel(MATCHES, permission_overwrites=overwrites)
    assert error.value.status == 400


def test_it_reports_what_the_bot_and_each_person_may_do_in_a_channel(sim):
    sim.update_channel(
        GENERAL,
        permission_overwrites=[
            {"id": HQ, "type": 0, "deny": ["SEND_MESSAGES"]},
            {"id": sample.NEWBIE_ID, "type": 1, "deny": ["VIEW_CHANNEL"]},
        ],
    )
    channel = sim.channel(GENERAL)
    bot = int(channel["bot_permissions"])
    # A channel overwrite on @everyone beats what the bot's role allows in the server.
    assert bot & (1 << 10) and not bot & (1 << 11)
    people = {row["user_id"]: int(row["permissions"]) for row in channel["people"]}
    assert people[sample.ADA_ID] == permissions.ALL  # the owner
    assert not people[sample.COLLECTOR_ID] & (1 << 11)  # @everyone may not send
    assert not people[sample.COLLECTOR_ID] & (1 << 14)  # nor embed, without sending
    assert people[sample.NEWBIE_ID] & CHANNEL_SCOPED == 0  # cannot see it, so can do nothing


def test_it_computes_overwrites_in_discords_order():
    everyone, moderator, blaze = "1", "2", "3"
    base = permissions.combine("VIEW_CHANNEL", "SEND_MESSAGES")
    overwrites = [
        {"id": everyone, "type": 0, "allow": "0", "deny": str(base)},
        {"id": moderator, "type": 0, "allow": str(1 << 10), "deny": "0"},
        {"id": blaze, "type": 1, "allow": str(1 << 11), "deny": str(1 << 10)},
    ]
    kwargs = {"guild_id": everyone, "member_id": "9"}
    assert apply_overwrites(base, overwrites, role_ids=[], **kwargs) == 0
    assert apply_overwrites(base, overwrites, role_ids=[moderator], **kwargs) == 1 << 10
    mixed = apply_overwrites(
        base, overwrites, role_ids=[moderator], guild_id=everyone, member_id=blaze
    )
    assert mixed == 1 << 11
    admin = base | permissions.ADMINISTRATOR
    assert apply_overwrites(admin, overwrites, role_ids=[], **kwargs) == permissions.ALL


def test_it_creates_and_deletes_channels(api, sim):
    created = sim.create_channel(HQ, "bracket-talk")
    assert api("GET", f"/channels/{created['id']}", bot=True).json()["name"] == "bracket-talk"
    sim.delete_channel(created["id"])
    assert api("GET", f"/channels/{created['id']}", bot=True).json()["code"] == 10003
    with pytest.raises(SimError) as error:
        sim.delete_channel(created["id"])
    assert error.value.status == 404
