"""GET and POST /oauth2/authorize: validation, the consent screen, Authorize and Cancel."""

from __future__ import annotations

import pytest
import requests

from discordsim import permissions, sample
from discordsim.testing import SimError
from tests.discordsim.helpers import pkce_pair, query_of

REDIRECT = sample.DEFAULT_REDIRECT_URIS[0]
BOT_REDIRECT = sample.DEFAULT_REDIRECT_URIS[2]
ASKED = permissions.combine(
    "VIEW_CHANNEL", "SEND_MESSAGES", "EMBED_LINKS", "USE_APPLICATION_COMMANDS"
)


def params(**overrides) -> dict[str, str]:
    base = {
        "client_id": sample.CLIENT_ID,
        "response_type": "code",
        "scope": "identify guilds",
        "redirect_uri": REDIRECT,
        "state": "st4te",
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def bot_params(**overrides) -> dict[str, str]:
    defaults = {
        "scope": "bot applications.commands",
        "redirect_uri": BOT_REDIRECT,
        "permissions": str(ASKED),
        "integration_type": "0",
    }
    return params(**{**defaults, **overrides})


def page(sim, query: dict[str, str], cookies: dict[str, str] | None = None) -> requests.Response:
    return requests.get(
        f"{sim.url}/oauth2/authorize",
        params=query,
        cookies=cookies,
        allow_redirects=False,
        timeout=10,
    )


def test_it_shows_the_consent_screen(sim):
    response = page(sim, params())
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.text
    assert "FightRise" in html and "wants to access your account" in html
    assert "Access your username, avatar, and banner" in html
    assert "Know what servers you&#x27;re in" in html
    assert "Ada Lovelace" in html and "Oldtimer#4821" in html and "@newbie" in html
    assert 'name="action" value="authorize"' in html and 'value="cancel"' in html
    assert "http://" not in html.replace(REDIRECT, "")


@pytest.mark.parametrize("client_id", [None, "123456789012345678", "not-a-number"])
def test_it_shows_an_error_page_for_an_unknown_client(sim, client_id):
    response = page(sim, params(client_id=client_id))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "Unknown Application" in response.text


@pytest.mark.parametrize(
    "redirect_uri",
    ["http://127.0.0.1:8000/auth/callback", "http://evil.example/auth/callback/", REDIRECT + "x"],
)
def test_it_shows_an_error_page_for_an_unregistered_redirect_uri(sim, redirect_uri):
    response = page(sim, params(redirect_uri=redirect_uri))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "Invalid OAuth2 redirect_uri" in response.text


def test_it_follows_the_registered_redirect_uris(sim):
    sim.set_redirect_uris(["https://fightrise.example/auth/callback/"])
    assert page(sim, params()).status_code == 400
    response = page(sim, params(redirect_uri="https://fightrise.example/auth/callback/"))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"scope": None}, "invalid_scope"),
        ({"scope": "identify nonsense"}, "invalid_scope"),
        ({"response_type": "id_token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"code_challenge": pkce_pair()[1], "code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": pkce_pair()[1]}, "invalid_request"),
        ({"code_challenge": "short", "code_challenge_method": "S256"}, "invalid_request"),
        ({"prompt": "login"}, "invalid_request"),
    ],
)
def test_it_redirects_request_errors_with_the_state(sim, overrides, error):
    response = page(sim, params(**overrides))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    query = query_of(location)
    assert query["error"] == error
    assert query["error_description"]
    assert query["state"] == "st4te"


def test_it_shows_an_error_page_when_a_bot_only_link_is_invalid(sim):
    response = page(sim, bot_params(redirect_uri=None, response_type=None, permissions="lots"))
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_it_redirects_cancel_as_access_denied(sim):
    location = sim.authorize(
        sample.CLIENT_ID, REDIRECT, "identify guilds", "st4te", sample.ADA_ID, deny=True
    )
    assert location == (
        REDIRECT + "?error=access_denied&error_description=The+resource+owner+or+authorization"
        "+server+denied+the+request&state=st4te"
    )


def test_it_redirects_authorize_with_a_code_and_the_state(sim):
    location = sim.authorize(sample.CLIENT_ID, REDIRECT, "identify guilds", "st4te", sample.ADA_ID)
    query = query_of(location)
    assert location.startswith(REDIRECT + "?")
    assert set(query) == {"code", "state"}
    assert query["state"] == "st4te" and len(query["code"]) == 30


def test_it_keeps_a_query_already_in_the_redirect_uri(sim):
    sim.set_redirect_uris(["http://127.0.0.1:8000/cb/?next=%2Fdashboard%2F"])
    location = sim.authorize(
        sample.CLIENT_ID,
        "http://127.0.0.1:8000/cb/?next=%2Fdashboard%2F",
        "identify",
        None,
        sample.ADA_ID,
    )
    assert location.startswith("http://127.0.0.1:8000/cb/?next=%2Fdashboard%2F&code=")


def test_it_switches_person_and_remembers_them_in_a_cookie(sim):
    form = {**params(), "action": "switch", "user_id": sample.BLAZE_ID}
    response = requests.post(
        f"{sim.url}/oauth2/authorize", data=form, allow_redirects=False, timeout=10
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/oauth2/authorize?")
    assert response.cookies["discordsim_user"] == sample.BLAZE_ID
    html = page(sim, params(), cookies={"discordsim_user": sample.BLAZE_ID}).text
    assert "Signed in as <strong>Blaze</strong>" in html


def test_it_skips_the_screen_for_prompt_none_once_authorized(sim):
    cookies = {"discordsim_user": sample.ADA_ID}
    assert page(sim, params(prompt="none"), cookies).status_code == 200
    sim.authorize(sample.CLIENT_ID, REDIRECT, "identify guilds", "st4te", sample.ADA_ID)
    response = page(sim, params(prompt="none"), cookies)
    assert response.status_code == 302
    assert set(query_of(response.headers["Location"])) == {"code", "state"}
    wider = page(sim, params(prompt="none", scope="identify guilds email"), cookies)
    assert wider.status_code == 200


def test_it_always_asks_again_for_the_bot_scope(sim):
    cookies = {"discordsim_user": sample.ADA_ID}
    sim.authorize(
        sample.CLIENT_ID,
        BOT_REDIRECT,
        "bot applications.commands",
        "s",
        sample.ADA_ID,
        guild_id=sample.COMBO_LAB_ID,
        permissions=ASKED,
    )
    assert page(sim, bot_params(prompt="none"), cookies).status_code == 200


def test_it_lists_only_servers_the_person_can_manage(sim):
    html = page(sim, bot_params(), {"discordsim_user": sample.ADA_ID}).text
    for name in ("FightRise HQ", "Pixel Brawlers", "Midnight Arena", "Combo Lab"):
        assert name in html
    assert "Casual Fridays" not in html and "Retro Rumble" not in html
    assert "Add a bot to a server" in html and "Create commands" in html


def test_it_offers_nothing_to_someone_who_manages_no_server(sim):
    html = page(sim, bot_params(), {"discordsim_user": sample.NEWBIE_ID}).text
    assert "No servers you can add bots to" in html
    assert 'value="authorize" disabled' in html


def test_it_preselects_and_locks_the_server(sim):
    query = bot_params(guild_id=sample.COMBO_LAB_ID, disable_guild_select="true")
    html = page(sim, query, {"discordsim_user": sample.ADA_ID}).text
    assert f'<option value="{sample.COMBO_LAB_ID}" selected>' in html
    assert 'name="guild" disabled' in html
    assert f'<input type="hidden" name="guild" value="{sample.COMBO_LAB_ID}">' in html


def test_it_shows_an_error_when_the_locked_server_is_not_manageable(sim):
    query = bot_params(guild_id=sample.CASUAL_FRIDAYS_ID, disable_guild_select="true")
    html = page(sim, query, {"discordsim_user": sample.ADA_ID}).text
    assert "You do not have Manage Server permission" in html
    assert 'value="authorize" disabled' in html


def test_it_lists_each_requested_permission_checked(sim):
    html = page(sim, bot_params(), {"discordsim_user": sample.ADA_ID}).text
    for label in ("View Channels", "Send Messages", "Embed Links", "Use Application Commands"):
        assert label in html
    assert html.count('name="permission"') == 4
    assert html.count("checked>") == 4
    assert "Administrator" not in html


def test_it_sends_back_the_server_and_the_permissions_left_checked(sim):
    granted = permissions.combine("VIEW_CHANNEL", "SEND_MESSAGES")
    location = sim.authorize(
        sample.CLIENT_ID,
        BOT_REDIRECT,
        "bot applications.commands",
        "st4te",
        sample.ADA_ID,
        guild_id=sample.COMBO_LAB_ID,
        permissions=ASKED,
        granted_permissions=granted,
    )
    query = query_of(location)
    assert set(query) == {"code", "state", "guild_id", "permissions"}
    assert query["guild_id"] == sample.COMBO_LAB_ID
    assert query["permissions"] == str(granted)
    # The sample app requires the code grant: the bot joins when the code is exchanged.
    assert sim.bot_membership(sample.COMBO_LAB_ID)["present"] is False


def test_it_refuses_permissions_that_were_not_asked_for(sim):
    with pytest.raises(SimError) as error:
        sim.authorize(
            sample.CLIENT_ID,
            BOT_REDIRECT,
            "bot",
            "s",
            sample.ADA_ID,
            guild_id=sample.COMBO_LAB_ID,
            permissions=ASKED,
            granted_permissions=ASKED | permissions.ADMINISTRATOR,
        )
    assert error.value.status == 400


def test_it_refuses_a_server_the_person_cannot_manage(sim):
    with pytest.raises(SimError) as error:
        sim.authorize(
            sample.CLIENT_ID,
            BOT_REDIRECT,
            "bot",
            "s",
            sample.ADA_ID,
            guild_id=sample.CASUAL_FRIDAYS_ID,
            permissions=ASKED,
        )
    assert error.value.status == 400
    assert "Choose a server you can manage" in error.value.body


def test_it_refuses_another_server_than_the_locked_one(sim):
    form = {
        **bot_params(guild_id=sample.COMBO_LAB_ID, disable_guild_select="true"),
        "guild": sample.MIDNIGHT_ARENA_ID,
        "user_id": sample.ADA_ID,
        "action": "authorize",
    }
    response = requests.post(
        f"{sim.url}/oauth2/authorize", data=form, allow_redirects=False, timeout=10
    )
    assert response.status_code == 400
    assert "This link is for another server" in response.text


def test_it_requires_a_code_grant_for_the_bot_when_the_app_does(sim):
    response = page(sim, bot_params(response_type=None))
    assert response.status_code == 302
    assert query_of(response.headers["Location"])["error"] == "invalid_request"


def test_it_adds_a_bot_without_a_code_when_the_app_needs_none(sim):
    sim.update_application(bot_require_code_grant=False)
    granted = permissions.combine("VIEW_CHANNEL", "SEND_MESSAGES")
    location = sim.authorize(
        sample.CLIENT_ID,
        BOT_REDIRECT,
        "bot",
        "s",
        sample.ADA_ID,
        guild_id=sample.COMBO_LAB_ID,
        permissions=ASKED,
        response_type=None,
        granted_permissions=granted,
    )
    assert set(query_of(location)) == {"state", "guild_id", "permissions"}
    joined = sim.bot_membership(sample.COMBO_LAB_ID)
    assert joined["present"] is True and joined["permissions"] == str(granted)
    assert [join["via"] for join in joined["joins"]] == ["authorize"]


def test_it_returns_tokens_in_the_fragment_for_the_implicit_grant(sim):
    location = sim.authorize(
        sample.CLIENT_ID, REDIRECT, "identify", "s", sample.ADA_ID, response_type="token"
    )
    assert "#access_token=" in location and "token_type=Bearer" in location
