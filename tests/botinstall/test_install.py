"""/bot/install/ sends anyone to Discord's bot authorization with a one-time state."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.models import OAuthState
from tests.conftest import state_from
from tests.discord_payloads import CLIENT_ID

pytestmark = pytest.mark.django_db
GUILD_ID = "613425648685547541"


def params_of(response) -> dict[str, str]:
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        "https://discord.com/oauth2/authorize"
    )
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def test_it_redirects_with_exactly_the_invite_parameters(client):
    response = client.get("/bot/install/")
    params = params_of(response)
    assert params == {
        "client_id": CLIENT_ID,
        "scope": "bot applications.commands",
        "permissions": "328565083136",
        "integration_type": "0",
        "response_type": "code",
        "redirect_uri": "http://testserver/auth/callback/bot/",
        "state": params["state"],
    }
    assert "scope=bot%20applications.commands" in response["Location"]
    state = OAuthState.objects.get(state=params["state"])
    assert state.purpose == OAuthState.Purpose.BOT_INSTALL
    assert state.data == {"permissions": "328565083136"}


def test_it_preselects_and_locks_the_chosen_server(client):
    params = params_of(client.get("/bot/install/", {"guild_id": GUILD_ID}))
    assert params["guild_id"] == GUILD_ID
    assert params["disable_guild_select"] == "true"
    assert set(params) == {
        "client_id",
        "scope",
        "permissions",
        "integration_type",
        "response_type",
        "redirect_uri",
        "state",
        "guild_id",
        "disable_guild_select",
    }


@pytest.mark.parametrize("bad", ["abc", "123", "1" * 21, str(2**64), "61342564868554754\u0661"])
def test_it_refuses_a_bad_server_id_before_going_to_discord(client, bad):
    response = client.get("/bot/install/", {"guild_id": bad})
    assert response["Location"] == "/auth/error/?error=invalid_guild_id"
    assert not OAuthState.objects.exists()


def test_it_uses_the_configured_permissions_and_redirect_uri(client, settings):
    settings.DISCORD_BOT_PERMISSIONS = 2048
    settings.DISCORD_BOT_REDIRECT_URI = "https://fightrise.example/auth/callback/bot/"
    params = params_of(client.get("/bot/install/"))
    assert params["permissions"] == "2048"
    assert params["redirect_uri"] == "https://fightrise.example/auth/callback/bot/"


def test_a_signed_in_person_keeps_their_long_session(client, sign_in):
    sign_in(client)
    age = client.session.get_expiry_age()
    client.get("/bot/install/")
    assert client.session.get_expiry_age() == age
    assert OAuthState.objects.get(state=state_from(client.get("/bot/install/")))


def test_it_does_not_send_pkce_or_prompt(client, settings):
    settings.DISCORD_OAUTH_PROMPT = "none"
    params = params_of(client.get("/bot/install/"))
    assert "code_challenge" not in params and "prompt" not in params
