"""Channel messages over HTTP: Create, Edit, Delete, Get; validation, mentions, refusals."""

from __future__ import annotations

import pytest

from discordsim import sample, snowflake

HQ = sample.FIGHTRISE_HQ_ID
MATCHES = sample.channel_id(HQ, "matches")
GENERAL = sample.channel_id(HQ, "general")
UNKNOWN = "1185624892092583939"


def buttons(*custom_ids: str, row_of: int = 5) -> list[dict]:
    items = [{"type": 2, "style": 1, "label": cid, "custom_id": cid} for cid in custom_ids]
    return [{"type": 1, "components": items[i : i + row_of]} for i in range(0, len(items), row_of)]


@pytest.fixture
def post(api):
    def send(body: dict, channel: str = MATCHES, **kwargs):
        return api("POST", f"/channels/{channel}/messages", bot=True, json=body, **kwargs)

    return send


def test_it_creates_a_message_with_buttons(post, sim):
    response = post(
        {"content": "Round 1 is up", "components": buttons("join", "leave"), "tts": False}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    message = response.json()
    assert snowflake.is_valid(message["id"]) and message["channel_id"] == MATCHES
    assert message["type"] == 0 and message["content"] == "Round 1 is up"
    assert message["author"]["id"] == sample.BOT_ID and message["author"]["bot"] is True
    assert message["edited_timestamp"] is None and message["timestamp"].endswith("+00:00")
    row = message["components"][0]
    assert row["type"] == 1 and row["id"] == 1
    assert [(b["custom_id"], b["id"]) for b in row["components"]] == [("join", 2), ("leave", 3)]
    assert sim.messages(MATCHES) == [message]


def test_it_parses_mentions_as_allowed(post):
    content = f"<@{sample.ADA_ID}> vs <@!{sample.BLAZE_ID}>, <#{GENERAL}> @everyone"
    message = post({"content": content}).json()
    assert [user["id"] for user in message["mentions"]] == [sample.ADA_ID, sample.BLAZE_ID]
    assert message["mentions"][0]["member"]["roles"] == []
    # @everyone needs MENTION_EVERYONE, which the sample bot does not have.
    assert message["mention_everyone"] is False
    quiet = post({"content": content, "allowed_mentions": {"parse": []}}).json()
    assert quiet["mentions"] == []
    only_ada = post({"content": content, "allowed_mentions": {"users": [sample.ADA_ID]}}).json()
    assert [user["id"] for user in only_ada["mentions"]] == [sample.ADA_ID]
    # Snowflakes may come as numbers too, as discord.py sends allowed_mentions' users.
    as_number = post({"content": content, "allowed_mentions": {"users": [int(sample.ADA_ID)]}})
    assert [user["id"] for user in as_number.json()["mentions"]] == [sample.ADA_ID]
    stranger = post({"content": "<@123456789012345678>"}).json()
    assert stranger["mentions"] == []


def test_it_refuses_parse_and_a_list_together(post):
    response = post(
        {"content": "x", "allowed_mentions": {"parse": ["users"], "users": [sample.ADA_ID]}}
    )
    assert response.status_code == 400
    error = response.json()["errors"]["allowed_mentions"]["_errors"][0]
    assert error["code"] == "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE"


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        ({"content": "x" * 2001}, ["content"], "BASE_TYPE_MAX_LENGTH"),
        (
            {"components": buttons(*[f"b{i}" for i in range(26)])},
            ["components"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"components": buttons(*[f"b{i}" for i in range(6)], row_of=6)},
            ["components", "0", "components"],
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            {"components": buttons("x" * 101)},
            ["components", "0", "components", "0", "custom_id"],
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            {"components": buttons("same", "same")},
            ["components", "0", "components", "1", "custom_id"],
            "COMPONENT_CUSTOM_ID_DUPLICATED",
        ),
        (
            {"components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "x"}]}]},
            ["components", "0", "components", "0", "custom_id"],
            "BASE_TYPE_REQUIRED",
        ),
        (
            {"components": [{"type": 2, "style": 1, "custom_id": "x"}]},
            ["components", "0", "type"],
            "UNION_TYPE_CHOICES",
        ),
        ({"embeds": [{"title": "t"}] * 11}, ["embeds"], "BASE_TYPE_MAX_LENGTH"),
        ({"embeds": [{"title": "x" * 257}]}, ["embeds", "0", "title"], "BASE_TYPE_MAX_LENGTH"),
    ],
)
def test_it_answers_invalid_form_body_at_the_documented_path(post, sim, body, path, code):
    response = post(body)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == 50035 and data["message"] == "Invalid Form Body"
    node = data["errors"]
    for key in path:
        node = node[key]
    assert node["_errors"][0]["code"] == code
    assert sim.messages(MATCHES) == []


def test_it_refuses_an_empty_message(post):
    for body in ({}, {"content": ""}, {"components": [], "embeds": []}):
        response = post(body)
        assert response.status_code == 400
        assert response.json() == {"message": "Cannot send an empty message", "code": 50006}


def test_it_lists_messages_newest_first_and_pages_them(post, api):
    ids = [post({"content": str(number)}).json()["id"] for number in range(5)]
    listed = api("GET", f"/channels/{MATCHES}/messages", bot=True).json()
    assert [m["id"] for m in listed] == ids[::-1]
    page = api("GET", f"/channels/{MATCHES}/messages?limit=2&before={ids[3]}", bot=True).json()
    assert [m["id"] for m in page] == [ids[2], ids[1]]
    after = api("GET", f"/channels/{MATCHES}/messages?limit=2&after={ids[1]}", bot=True).json()
    assert [m["id"] for m in after] == [ids[3], ids[2]]
    around = api("GET", f"/channels/{MATCHES}/messages?limit=3&around={ids[2]}", bot=True).json()
    assert [m["id"] for m in around] == [ids[3], ids[2], ids[1]]
    bad = api("GET", f"/channels/{MATCHES}/messages?limit=101", bot=True)
    assert bad.status_code == 400 and bad.json()["errors"]["limit"]
    one = api("GET", f"/channels/{MATCHES}/messages/{ids[0]}", bot=True)
    assert one.json()["content"] == "0"
    missing = api("GET", f"/channels/{MATCHES}/messages/{UNKNOWN}", bot=True)
    assert missing.status_code == 404
    assert missing.json() == {"message": "Unknown Message", "code": 10008}


def test_it_edits_a_message(post, api, sim):
    message = post({"content": "Entrants: 0", "components": buttons("join")}).json()
    url = f"/channels/{MATCHES}/messages/{message['id']}"
    edited = api(
        "PATCH",
        url,
        bot=True,
        json={"content": f"Entrants: 1 (<@{sample.ADA_ID}>)", "components": buttons("leave")},
    ).json()
    assert edited["id"] == message["id"] and edited["edited_timestamp"] is not None
    assert edited["content"] == f"Entrants: 1 (<@{sample.ADA_ID}>)"
    assert [user["id"] for user in edited["mentions"]] == [sample.ADA_ID]
    assert edited["components"][0]["components"][0]["custom_id"] == "leave"
    kept = api("PATCH", url, bot=True, json={"embeds": [{"title": "Bracket"}]}).json()
    assert kept["content"] == edited["content"] and kept["embeds"][0]["type"] == "rich"
    emptied = api("PATCH", url, bot=True, json={"content": None, "components": [], "embeds": []})
    assert emptied.json() == {"message": "Cannot send an empty message", "code": 50006}
    assert sim.messages(MATCHES)[0]["content"] == edited["content"]
    too_long = api("PATCH", url, bot=True, json={"content": "x" * 2001})
    assert too_long.json()["errors"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    unknown = api("PATCH", f"/channels/{MATCHES}/messages/{UNKNOWN}", bot=True, json={})
    assert unknown.json()["code"] == 10008


def test_it_deletes_a_message(post, api, sim):
    message = post({"content": "oops"}).json()
    url = f"/channels/{MATCHES}/messages/{message['id']}"
    assert api("DELETE", url, bot=True).status_code == 204
    assert api("GET", url, bot=True).json()["code"] == 10008
    assert api("DELETE", url, bot=True).json()["code"] == 10008
    assert sim.messages(MATCHES) == []


def test_it_replies_to_a_message(post):
    first = post({"content": "first"}).json()
    reply = post({"content": "second", "message_reference": {"message_id": first["id"]}}).json()
    assert reply["type"] == 19
    assert reply["message_reference"]["message_id"] == first["id"]
    assert reply["referenced_message"]["content"] == "first"
    missing = post({"content": "x", "message_reference": {"message_id": UNKNOWN}})
    assert missing.json()["errors"]["message_reference"]["_errors"][0]["code"] == (
        "REPLIES_UNKNOWN_MESSAGE"
    )
    loose = post(
        {"content": "x", "message_reference": {"message_id": UNKNOWN, "fail_if_not_exists": False}}
    )
    assert loose.json()["type"] == 0


def test_it_returns_the_first_message_for_a_repeated_enforced_nonce(post, sim):
    body = {"content": "Match A is ready", "nonce": "outbox-17", "enforce_nonce": True}
    first = post(body).json()
    again = post(body).json()
    assert again["id"] == first["id"] and again["nonce"] == "outbox-17"
    assert len(sim.messages(MATCHES)) == 1
    unenforced = post({"content": "x", "nonce": "outbox-17"}).json()
    assert unenforced["id"] != first["id"]


def test_it_only_lets_through_the_flags_a_bot_may_set(post):
    message = post({"content": "x", "flags": (1 << 6) | (1 << 12)}).json()
    assert message["flags"] == 1 << 12


def test_it_refuses_channels_the_bot_cannot_see_or_post_in(post, sim):
    assert post({"content": "x"}, channel=UNKNOWN).json() == {
        "message": "Unknown Channel",
        "code": 10003,
    }
    sim.deny_bot(MATCHES, "SEND_MESSAGES")
    refused = post({"content": "x"})
    assert refused.status_code == 403
    assert refused.json() == {"message": "Missing Permissions", "code": 50013}
    sim.deny_bot(MATCHES, "VIEW_CHANNEL")
    hidden = post({"content": "x"})
    assert hidden.status_code == 403
    assert hidden.json() == {"message": "Missing Access", "code": 50001}
    sim.deny_bot(MATCHES)
    assert post({"content": "x"}).status_code == 200


def test_it_drops_embeds_without_embed_links(post, sim):
    sim.deny_bot(MATCHES, "EMBED_LINKS")
    with_text = post({"content": "Standings", "embeds": [{"title": "Top 8"}]})
    assert with_text.status_code == 200 and with_text.json()["embeds"] == []
    embed_only = post({"embeds": [{"title": "Top 8"}]})
    assert embed_only.status_code == 403 and embed_only.json()["code"] == 50013


def test_it_refuses_to_post_in_a_category(api, sim):
    category = sim.create_channel(HQ, "Tournaments", type=4)
    response = api("POST", f"/channels/{category['id']}/messages", bot=True, json={"content": "x"})
    assert response.json() == {
        "message": "Cannot send messages in a non-text channel",
        "code": 50008,
    }
