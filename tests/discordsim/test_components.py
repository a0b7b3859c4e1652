"""Buttons, selects and modals over HTTP: MESSAGE_COMPONENT and MODAL_SUBMIT, and the callbacks
6, 7 and 9 with the 3-second and only-once rules."""

from __future__ import annotations

import pytest
import requests

from discordsim import sample
from discordsim.testing import SimError

HQ = sample.FIGHTRISE_HQ_ID
MATCHES = sample.channel_id(HQ, "matches")
ROWS = [
    {
        "type": 1,
        "components": [
            {"type": 2, "style": 3, "label": "Join", "custom_id": "t:7:join"},
            {"type": 2, "style": 4, "label": "Leave", "custom_id": "t:7:leave"},
            {"type": 2, "style": 2, "label": "Closed", "custom_id": "t:7:closed", "disabled": True},
            {"type": 2, "style": 5, "label": "Bracket", "url": "http://127.0.0.1:8000/t/x/"},
        ],
    },
    {
        "type": 1,
        "components": [
            {
                "type": 3,
                "custom_id": "t:7:seed",
                "options": [{"label": "1", "value": "1"}, {"label": "2", "value": "2"}],
            }
        ],
    },
]
MODAL = {
    "custom_id": "report:A",
    "title": "Report match A",
    "components": [
        {
            "type": 1,
            "components": [{"type": 4, "custom_id": "score", "style": 1, "label": "Score"}],
        },
        {
            "type": 18,
            "label": "Notes",
            "component": {"type": 4, "custom_id": "notes", "style": 2, "required": False},
        },
    ],
}


@pytest.fixture
def announcement(api):
    response = api(
        "POST",
        f"/channels/{MATCHES}/messages",
        bot=True,
        json={"content": "Weekly #12: 0 entrants", "components": ROWS},
    )
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def report_command(api):
    """/report score:<W-L> [game:<1-5>], synced as the bot's tree would sync it."""
    options = [
        {"type": 3, "name": "score", "description": "W-L", "required": True, "max_length": 5},
        {"type": 4, "name": "game", "description": "Game", "min_value": 1, "max_value": 5},
    ]
    command = {"name": "report", "description": "Report a score", "options": options}
    response = api("PUT", f"/applications/{sample.CLIENT_ID}/commands", bot=True, json=[command])
    assert response.status_code == 200


@pytest.fixture
def respond(sim):
    def post(created: dict, body: dict, *, with_response: bool = False):
        url = f"{sim.url}/api/v10/interactions/{created['id']}/{created['token']}/callback"
        return requests.post(
            url, json=body, params={"with_response": "1"} if with_response else None, timeout=10
        )

    return post


def test_a_press_sends_the_component_interaction_discord_builds(sim, listening, announcement):
    created = sim.press(announcement["id"], "t:7:join", sample.NEWBIE_ID, locale="fr")
    payload = listening.wait_for("INTERACTION_CREATE")[0]
    assert payload["id"] == created["id"] and payload["token"] == created["token"]
    assert payload["type"] == 3 and payload["version"] == 1
    assert payload["data"] == {"custom_id": "t:7:join", "component_type": 2, "id": 2}
    assert payload["message"]["id"] == announcement["id"]
    assert payload["message"]["components"] == announcement["components"]
    assert payload["guild_id"] == HQ and payload["channel_id"] == MATCHES
    assert payload["channel"]["id"] == MATCHES and payload["channel"]["type"] == 0
    assert payload["member"]["user"]["id"] == sample.NEWBIE_ID
    assert int(payload["member"]["permissions"]) & (1 << 10)
    assert int(payload["app_permissions"]) & (1 << 11)
    assert payload["locale"] == "fr" and payload["guild_locale"] == "en-US"
    assert payload["authorizing_integration_owners"] == {"0": HQ}
    record = sim.interaction_response(created["id"])
    assert record["type"] == 3 and record["message_id"] == announcement["id"]


def test_a_select_sends_its_values(sim, listening, announcement):
    sim.press(announcement["id"], "t:7:seed", sample.ADA_ID, values=["2"])
    payload = listening.wait_for("INTERACTION_CREATE")[0]
    assert payload["data"]["values"] == ["2"] and payload["data"]["component_type"] == 3
    for values in (None, [], ["3"], ["1", "2"]):
        with pytest.raises(SimError) as error:
            sim.press(announcement["id"], "t:7:seed", sample.ADA_ID, values=values)
        assert error.value.status == 400


def test_a_press_needs_a_message_an_enabled_button_and_a_member_who_sees_it(
    sim, listening, announcement
):
    cases = [
        ("1185624892092583939", "t:7:join", sample.ADA_ID, 404),
        (announcement["id"], "t:7:nope", sample.ADA_ID, 404),
        (announcement["id"], "t:7:closed", sample.ADA_ID, 409),
        (announcement["id"], "t:7:join", sample.OLDTIMER_ID, 400),  # not in FightRise HQ
    ]
    for message_id, custom_id, user_id, status in cases:
        with pytest.raises(SimError) as error:
            sim.press(message_id, custom_id, user_id)
        assert error.value.status == status, (custom_id, user_id)
    sim.update_channel(
        MATCHES,
        permission_overwrites=[{"id": sample.NEWBIE_ID, "type": 1, "deny": ["VIEW_CHANNEL"]}],
    )
    with pytest.raises(SimError) as hidden:
        sim.press(announcement["id"], "t:7:join", sample.NEWBIE_ID)
    assert hidden.value.status == 403


def test_a_press_needs_a_listening_bot(sim, announcement):
    with pytest.raises(SimError) as error:
        sim.press(announcement["id"], "t:7:join", sample.ADA_ID)
    assert error.value.status == 409


def test_an_ephemeral_reply_is_for_its_person_only(sim, listening, announcement, respond):
    created = sim.press(announcement["id"], "t:7:join", sample.NEWBIE_ID)
    reply = {
        "type": 4,
        "data": {
            "content": "You're in!",
            "flags": 64,
            "components": [
                {
                    "type": 1,
                    "components": [{"type": 2, "style": 4, "label": "Undo", "custom_id": "undo"}],
                }
            ],
        },
    }
    answered = respond(created, reply, with_response=True)
    assert answered.status_code == 200
    body = answered.json()
    assert body["interaction"]["response_message_ephemeral"] is True
    message = body["resource"]["message"]
    assert message["flags"] == 64 and message["type"] == 19
    assert message["message_reference"]["message_id"] == announcement["id"]
    assert message["interaction_metadata"]["type"] == 3
    assert message["interaction_metadata"]["interacted_message_id"] == announcement["id"]
    assert [m["id"] for m in sim.messages(MATCHES)] == [announcement["id"]]
    replies = sim.ephemeral_replies(sample.NEWBIE_ID, MATCHES)
    assert [r["message"]["content"] for r in replies] == ["You're in!"]
    assert sim.ephemeral_replies(sample.ADA_ID) == []
    with pytest.raises(SimError) as error:
        sim.press(message["id"], "undo", sample.ADA_ID)
    assert error.value.status == 403
    sim.press(message["id"], "undo", sample.NEWBIE_ID)
    assert len(listening.wait_for("INTERACTION_CREATE", 2)) == 2


def test_a_public_reply_is_a_channel_message(sim, listening, announcement, respond):
    created = sim.press(announcement["id"], "t:7:join", sample.ADA_ID)
    assert respond(created, {"type": 4, "data": {"content": "Ada joined"}}).status_code == 204
    stored = sim.messages(MATCHES)
    assert [m["content"] for m in stored] == ["Weekly #12: 0 entrants", "Ada joined"]
    assert stored[1]["webhook_id"] == sample.CLIENT_ID
    assert listening.wait_for("MESSAGE_CREATE", 2)[-1]["id"] == stored[1]["id"]


def test_update_message_edits_the_message_the_button_is_on(sim, listening, announcement, respond):
    created = sim.press(announcement["id"], "t:7:join", sample.ADA_ID)
    update = {"type": 7, "data": {"content": "Weekly #12: 1 entrant"}}
    answered = respond(created, update, with_response=True).json()
    assert answered["resource"]["type"] == 7
    assert answered["resource"]["message"]["id"] == announcement["id"]
    stored = sim.messages(MATCHES)
    assert len(stored) == 1 and stored[0]["content"] == "Weekly #12: 1 entrant"
    assert stored[0]["components"] == announcement["components"]
    assert stored[0]["edited_timestamp"] is not None
    assert listening.wait_for("MESSAGE_UPDATE")[-1]["content"] == "Weekly #12: 1 entrant"
    again = respond(created, update)
    assert again.json() == {"message": "Interaction has already been acknowledged.", "code": 40060}


def test_a_deferred_update_then_edits_the_original_message(sim, listening, announcement, respond):
    created = sim.press(announcement["id"], "t:7:leave", sample.ADA_ID)
    assert respond(created, {"type": 6}).status_code == 204
    edit = requests.patch(
        f"{sim.url}/api/v10/webhooks/{sample.CLIENT_ID}/{created['token']}/messages/@original",
        json={"content": "Weekly #12: 0 entrants (edited)", "components": []},
        timeout=10,
    )
    assert edit.status_code == 200 and edit.json()["id"] == announcement["id"]
    stored = sim.messages(MATCHES)[0]
    assert stored["content"].endswith("(edited)") and stored["components"] == []


def test_the_first_answer_must_come_within_three_seconds(sim, listening, announcement, respond):
    created = sim.press(announcement["id"], "t:7:join", sample.ADA_ID)
    sim.advance_clock(3.5)
    late = respond(created, {"type": 6})
    assert late.json() == {"message": "Unknown interaction", "code": 10062}


def test_a_command_cannot_update_a_message(sim, listening, respond, report_command):
    created = sim.interact(HQ, MATCHES, sample.ADA_ID, "report", options={"score": "2-1"})
    refused = respond(created, {"type": 7, "data": {"content": "x"}})
    assert refused.status_code == 400
    assert refused.json()["errors"]["type"]["_errors"][0]["code"] == (
        "INTERACTION_RESPONSE_TYPE_INVALID"
    )


def test_a_modal_opens_and_its_submission_comes_back(sim, listening, announcement, respond):
    created = sim.press(announcement["id"], "t:7:join", sample.BLAZE_ID)
    assert respond(created, {"type": 9, "data": MODAL}).status_code == 204
    record = sim.interaction_response(created["id"])
    assert record["modal"]["custom_id"] == "report:A" and record["original"] is None
    for values, user, status in (
        ({}, None, 400),  # score is required
        ({"score": "2-1", "extra": "x"}, None, 400),
        ({"score": "2-1"}, sample.ADA_ID, 403),
    ):
        with pytest.raises(SimError) as error:
            sim.submit_modal(created["id"], values, user)
        assert error.value.status == status
    submitted = sim.submit_modal(created["id"], {"score": "2-1"}, sample.BLAZE_ID)
    payload = listening.wait_for("INTERACTION_CREATE", 2)[-1]
    assert payload["id"] == submitted["id"] and payload["type"] == 5
    assert payload["data"]["custom_id"] == "report:A"
    assert payload["data"]["components"] == [
        {
            "type": 1,
            "id": 1,
            "components": [{"type": 4, "id": 2, "custom_id": "score", "value": "2-1"}],
        },
        {"type": 18, "id": 3, "component": {"type": 4, "id": 4, "custom_id": "notes", "value": ""}},
    ]
    assert payload["message"]["id"] == announcement["id"]
    assert payload["member"]["user"]["id"] == sample.BLAZE_ID
    with pytest.raises(SimError) as twice:
        sim.submit_modal(created["id"], {"score": "2-1"})
    assert twice.value.status == 409
    # A submission from a component's modal may update that message, but not open a modal.
    assert respond(submitted, {"type": 9, "data": MODAL}).status_code == 400
    assert respond(submitted, {"type": 7, "data": {"content": "Reported"}}).status_code == 204
    assert sim.messages(MATCHES)[0]["content"] == "Reported"


def test_a_modal_is_checked(sim, listening, announcement, respond):
    created = sim.press(announcement["id"], "t:7:join", sample.BLAZE_ID)
    bad = {**MODAL, "title": "x" * 46}
    refused = respond(created, {"type": 9, "data": bad})
    assert refused.json()["errors"]["data"]["title"]["_errors"][0]["code"] == (
        "BASE_TYPE_BAD_LENGTH"
    )
    with pytest.raises(SimError) as error:
        sim.submit_modal(created["id"], {"score": "1"})
    assert error.value.status == 409


def test_a_command_in_a_thread_comes_from_the_thread(sim, listening, api, report_command):
    thread = api(
        "POST", f"/channels/{MATCHES}/threads", bot=True, json={"name": "A", "type": 11}
    ).json()
    sim.interact(HQ, thread["id"], sample.ADA_ID, "report", options={"score": "2-1", "game": 3})
    payload = listening.wait_for("INTERACTION_CREATE")[0]
    assert payload["channel_id"] == thread["id"]
    assert payload["channel"]["type"] == 11 and payload["channel"]["parent_id"] == MATCHES
    assert payload["channel"]["thread_metadata"]["archived"] is False
    assert payload["data"]["options"] == [
        {"name": "score", "type": 3, "value": "2-1"},
        {"name": "game", "type": 4, "value": 3},
    ]
    for options in (
        {"score": "2-1-1-1"},
        {"score": "2-1", "game": 9},
        {"score": "2-1", "game": "3"},
    ):
        with pytest.raises(SimError) as error:
            sim.interact(HQ, thread["id"], sample.ADA_ID, "report", options=options)
        assert error.value.status == 400
    api("PATCH", f"/channels/{thread['id']}", bot=True, json={"archived": True})
    with pytest.raises(SimError) as archived:
        sim.interact(HQ, thread["id"], sample.ADA_ID, "report", options={"score": "2-1"})
    assert archived.value.status == 400
