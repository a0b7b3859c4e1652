"""The simulated Discord client at /channels/: channels and threads, messages with their buttons,
and pressing, commands and modals as any sample person."""

from __future__ import annotations

import time

import pytest
import requests

from discordsim import client, sample
from tests.discordsim.helpers import answer, button_row

HQ = sample.FIGHTRISE_HQ_ID
MATCHES = sample.channel_id(HQ, "matches")
GENERAL = sample.channel_id(HQ, "general")


@pytest.fixture
def browser(sim):
    """A browser session on the simulator (cookies kept, redirects not followed)."""
    session = requests.Session()

    def go(method: str, path: str, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        return session.request(method, f"{sim.url}{path}", timeout=10, **kwargs)

    go.session = session
    return go


@pytest.fixture
def post(api):
    def send(channel: str, body: dict) -> dict:
        response = api("POST", f"/channels/{channel}/messages", bot=True, json=body)
        assert response.status_code == 200, response.text
        return response.json()

    return send


def act_as(browser, user_id: str, channel: str = MATCHES) -> None:
    response = browser("GET", f"/channels/{HQ}/{channel}?as={user_id}")
    assert response.status_code == 303


def test_it_lists_the_servers_and_opens_the_first_channel(browser):
    page = browser("GET", "/channels")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "FightRise HQ" in page.text and "Midnight Arena" in page.text
    assert "Combo Lab" not in page.text  # the bot is not there
    assert '<script src="/client.js"></script>' in page.text and "<script>" not in page.text
    home = browser("GET", f"/channels/{HQ}")
    assert home.status_code == 303
    assert home.headers["Location"] == f"/channels/{HQ}/{sample.channel_id(HQ, 'announcements')}"
    script = browser("GET", "/client.js")
    assert script.headers["Content-Type"].startswith("text/javascript")


def test_it_shows_messages_with_names_embeds_and_buttons(browser, post, api):
    post(
        MATCHES,
        {
            "content": f"**Weekly #3** <@{sample.ADA_ID}> vs <@{sample.BLAZE_ID}> <t:1767225600:F>"
            " <script>alert(1)</script>",
            "embeds": [{"title": "Bracket", "description": "Round 1", "color": 0x5865F2}],
            "components": [
                {
                    "type": 1,
                    "components": [
                        {"type": 2, "style": 3, "label": "Join", "custom_id": "join"},
                        {
                            "type": 2,
                            "style": 2,
                            "label": "Full",
                            "custom_id": "full",
                            "disabled": True,
                        },
                        {
                            "type": 2,
                            "style": 5,
                            "label": "Bracket",
                            "url": "http://127.0.0.1:8000/t/w3/",
                        },
                    ],
                }
            ],
        },
    )
    call = post(MATCHES, {"content": "Match A"})
    api(
        "POST",
        f"/channels/{MATCHES}/messages/{call['id']}/threads",
        bot=True,
        json={"name": "A: Ada vs Blaze"},
    )
    page = browser("GET", f"/channels/{HQ}/{MATCHES}").text
    assert "<strong>Weekly #3</strong>" in page
    assert '<span class="mention">@Ada Lovelace</span>' in page
    assert '<span class="mention">@Blaze</span>' in page
    assert "Thursday, 01 January 2026 00:00 UTC" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert 'class="embed" style="border-left-color:#5865f2"' in page
    assert 'name="custom_id" value="join">Join</button>' in page
    assert 'value="full" disabled>Full</button>' in page
    assert 'href="http://127.0.0.1:8000/t/w3/">Bracket ↗</a>' in page
    assert f'href="/channels/{HQ}/{call["id"]}">A: Ada vs Blaze</a>' in page  # sidebar and link
    thread = browser("GET", f"/channels/{HQ}/{call['id']}").text
    assert (
        "A: Ada vs Blaze<span" in thread and f'href="/channels/{HQ}/{MATCHES}">#matches' in thread
    )


def test_it_acts_as_the_person_picked(browser, sim):
    sim.update_channel(
        GENERAL,
        permission_overwrites=[{"id": sample.NEWBIE_ID, "type": 1, "deny": ["VIEW_CHANNEL"]}],
    )
    act_as(browser, sample.NEWBIE_ID)
    page = browser("GET", f"/channels/{HQ}/{MATCHES}").text
    assert f'<option value="{sample.NEWBIE_ID}" selected>newbie</option>' in page
    assert '<span class="name">newbie</span><span class="handle">@newbie</span>' in page
    assert '<label for="acting-as">Acting as</label><select id="acting-as" name="as">' in page
    assert f'href="/channels/{HQ}/{GENERAL}"' not in page
    hidden = browser("GET", f"/channels/{HQ}/{GENERAL}").text
    assert "newbie cannot see this channel." in hidden
    # A person from another server is not taken.
    browser("GET", f"/channels/{HQ}/{MATCHES}?as={sample.OLDTIMER_ID}")
    assert (
        f'<option value="{sample.NEWBIE_ID}" selected>'
        in browser("GET", f"/channels/{HQ}/{MATCHES}").text
    )


def test_pressing_a_button_sends_the_interaction_as_that_person(browser, post, listening, sim):
    message = post(
        MATCHES,
        {"content": "Join?", "components": button_row(("join", "Join"))},
    )
    act_as(browser, sample.BLAZE_ID)
    pressed = browser(
        "POST",
        f"/channels/{HQ}/{MATCHES}/press",
        data={"message_id": message["id"], "custom_id": "join"},
    )
    assert pressed.status_code == 303 and pressed.headers["Location"] == f"/channels/{HQ}/{MATCHES}"
    payload = listening.wait_for("INTERACTION_CREATE")[0]
    assert payload["type"] == 3 and payload["member"]["user"]["id"] == sample.BLAZE_ID
    answer(sim, payload, {"type": 4, "data": {"content": "Only Blaze sees this", "flags": 64}})
    assert "Only Blaze sees this" in browser("GET", f"/channels/{HQ}/{MATCHES}").text
    act_as(browser, sample.ADA_ID)
    assert "Only Blaze sees this" not in browser("GET", f"/channels/{HQ}/{MATCHES}").text
    refused = browser(
        "POST",
        f"/channels/{HQ}/{MATCHES}/press",
        data={"message_id": message["id"], "custom_id": "nope"},
    )
    assert "notice=" in refused.headers["Location"]
    shown = browser("GET", refused.headers["Location"]).text
    assert "the message has no button or select" in shown


def test_a_press_without_a_bot_says_so(browser, post):
    message = post(
        MATCHES,
        {"content": "Join?", "components": button_row(("join", "Join"))},
    )
    pressed = browser(
        "POST",
        f"/channels/{HQ}/{MATCHES}/press",
        data={"message_id": message["id"], "custom_id": "join"},
    )
    page = browser("GET", pressed.headers["Location"]).text
    assert "no gateway session receives this server" in page


def test_it_runs_slash_commands_with_typed_options(browser, api, listening, sim):
    options = [
        {"type": 3, "name": "score", "description": "W-L", "required": True},
        {"type": 4, "name": "game", "description": "Game", "min_value": 1, "max_value": 5},
        {"type": 5, "name": "forfeit", "description": "A forfeit"},
    ]
    tournament = {
        "name": "tournament",
        "description": "Organise",
        "options": [{"type": 1, "name": "list", "description": "List them"}],
    }
    api(
        "PUT",
        f"/applications/{sample.CLIENT_ID}/commands",
        bot=True,
        json=[{"name": "report", "description": "Report a score", "options": options}, tournament],
    )
    act_as(browser, sample.ADA_ID)
    page = browser("GET", f"/channels/{HQ}/{MATCHES}").text
    assert "/report" in page and "/tournament list" in page
    assert '<input type="number" name="opt_game" step="1" min="1" max="5">' in page
    sent = browser(
        "POST",
        f"/channels/{HQ}/{MATCHES}/command",
        data={"name": "report", "opt_score": "2-1", "opt_game": "3", "opt_forfeit": "false"},
    )
    assert sent.headers["Location"] == f"/channels/{HQ}/{MATCHES}"
    payload = listening.wait_for("INTERACTION_CREATE")[0]
    assert payload["data"]["options"] == [
        {"name": "score", "type": 3, "value": "2-1"},
        {"name": "game", "type": 4, "value": 3},
        {"name": "forfeit", "type": 5, "value": False},
    ]
    answer(sim, payload, {"type": 4, "data": {"content": "Reported", "flags": 64}})
    replied = browser("GET", f"/channels/{HQ}/{MATCHES}").text
    assert 'Ada Lovelace used <span class="command">/report</span></div>' in replied
    browser("POST", f"/channels/{HQ}/{MATCHES}/command", data={"name": "tournament", "sub": "list"})
    assert listening.wait_for("INTERACTION_CREATE", 2)[-1]["data"]["options"][0]["name"] == "list"
    bad = browser(
        "POST",
        f"/channels/{HQ}/{MATCHES}/command",
        data={"name": "report", "opt_score": "2-1", "opt_game": "x"},
    )
    assert "not a number" in browser("GET", bad.headers["Location"]).text


@pytest.fixture
def pressed_report(browser, post, listening):
    """Blaze pressed a Report button in the client: the interaction the bot got."""
    message = post(MATCHES, {"content": "Report?", "components": button_row(("report", "Report"))})
    act_as(browser, sample.BLAZE_ID)
    data = {"message_id": message["id"], "custom_id": "report"}
    browser("POST", f"/channels/{HQ}/{MATCHES}/press", data=data)
    return listening.wait_for("INTERACTION_CREATE")[0]


def test_it_shows_the_modal_the_bot_opened_and_submits_it(browser, pressed_report, listening, sim):
    payload = pressed_report
    modal = {
        "custom_id": "report:A",
        "title": "Report match A",
        "components": [
            {
                "type": 18,
                "label": "Score",
                "component": {"type": 4, "custom_id": "score", "style": 1, "max_length": 5},
            }
        ],
    }
    answer(sim, payload, {"type": 9, "data": modal})
    page = browser("GET", f"/channels/{HQ}/{MATCHES}").text
    assert "<dialog open>" in page and "Report match A" in page
    assert '<input name="in_score" value="" required maxlength="5">' in page
    submitted = browser(
        "POST",
        f"/channels/{HQ}/{MATCHES}/modal",
        data={"interaction_id": payload["id"], "in_score": "2-0"},
    )
    assert submitted.status_code == 303
    submission = listening.wait_for("INTERACTION_CREATE", 2)[-1]
    assert submission["type"] == 5
    assert submission["data"]["components"][0]["component"]["value"] == "2-0"
    assert "<dialog open>" not in browser("GET", f"/channels/{HQ}/{MATCHES}").text


def test_a_dismissed_modal_tells_the_bot_nothing(browser, pressed_report, listening, sim):
    payload = pressed_report
    modal = {
        "custom_id": "m",
        "title": "T",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "x", "style": 2, "label": "X"}]}
        ],
    }
    answer(sim, payload, {"type": 9, "data": modal})
    assert '<textarea name="in_x"' in browser("GET", f"/channels/{HQ}/{MATCHES}").text
    browser(
        "POST",
        f"/channels/{HQ}/{MATCHES}/modal",
        data={"interaction_id": payload["id"], "dismiss": "1"},
    )
    assert "<dialog open>" not in browser("GET", f"/channels/{HQ}/{MATCHES}").text
    assert len(listening.events("INTERACTION_CREATE")) == 1


def test_the_page_learns_when_to_reload_and_is_not_logged(browser, post, sim):
    script = browser("GET", "/client.js").text
    assert 'addEventListener("submit"' in script, "a press already loads the page anew"
    before = browser("GET", f"/channels/{HQ}/{MATCHES}/version").json()["version"]
    post(MATCHES, {"content": "new"})
    after = browser("GET", f"/channels/{HQ}/{MATCHES}/version").json()["version"]
    assert after > before
    assert sim.requests("/channels*") == []


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (10, "in a few seconds"),
        (-60, "a minute ago"),
        (20 * 60, "in 20 minutes"),
        (3600, "in an hour"),
        (-5 * 3600, "5 hours ago"),
        (86400, "in a day"),
        (3 * 86400, "in 3 days"),
        (40 * 86400, "in a month"),
        (-90 * 86400, "3 months ago"),
        (400 * 86400, "in a year"),
        (3 * 365 * 86400, "in 3 years"),
    ],
)
def test_relative_timestamps_read_as_in_discord(seconds, shown):
    assert client.relative(seconds) == shown


def test_a_relative_timestamp_is_counted_from_the_simulators_clock(browser, post, sim):
    at = int(time.time()) + 2 * 3600 + 30
    post(MATCHES, {"content": f"Starts <t:{at}:R>"})
    page = browser("GET", f"/channels/{HQ}/{MATCHES}").text
    assert ">in 2 hours</time>" in page
    sim.advance_clock(3 * 3600)
    assert ">an hour ago</time>" in browser("GET", f"/channels/{HQ}/{MATCHES}").text
