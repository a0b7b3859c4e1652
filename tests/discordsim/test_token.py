"""POST /api/v10/oauth2/token and /token/revoke: client auth, codes, PKCE, refresh, revocation."""

from __future__ import annotations

import pytest

from discordsim import permissions, sample
from tests.discordsim.helpers import pkce_pair, query_of

REDIRECT = sample.DEFAULT_REDIRECT_URIS[0]
BOT_REDIRECT = sample.DEFAULT_REDIRECT_URIS[2]


def a_code(sim, *, scope="identify guilds", code_challenge=None, user_id=sample.ADA_ID) -> str:
    location = sim.authorize(
        sample.CLIENT_ID, REDIRECT, scope, "s", user_id, code_challenge=code_challenge
    )
    return query_of(location)["code"]


def code_form(code: str, **extra) -> dict[str, str]:
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **extra}


def a_bot_code(sim, *, guild_id=sample.COMBO_LAB_ID, code_challenge=None, granted=None) -> str:
    location = sim.authorize(
        sample.CLIENT_ID,
        BOT_REDIRECT,
        "bot applications.commands",
        "s",
        sample.ADA_ID,
        code_challenge=code_challenge,
        guild_id=guild_id,
        permissions=permissions.combine("VIEW_CHANNEL", "SEND_MESSAGES"),
        granted_permissions=granted,
    )
    return query_of(location)["code"]


def bot_code_form(code: str, **extra) -> dict[str, str]:
    return code_form(code, redirect_uri=BOT_REDIRECT, **extra)


def test_it_exchanges_a_code_with_basic_auth(sim, exchange):
    response = exchange(code_form(a_code(sim)))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 604800
    assert body["scope"] == "identify guilds"


def test_it_exchanges_a_code_with_form_credentials(sim, exchange):
    form = code_form(a_code(sim), client_id=sample.CLIENT_ID, client_secret=sample.CLIENT_SECRET)
    assert exchange(form, auth=None).status_code == 200


def test_it_takes_only_form_encoded_bodies(sim, api):
    response = api(
        "POST",
        "/oauth2/token",
        json=code_form(a_code(sim)),
        auth=(sample.CLIENT_ID, sample.CLIENT_SECRET),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "auth",
    [(sample.CLIENT_ID, "wrong-secret"), ("123456789012345678", sample.CLIENT_SECRET), None],
)
def test_it_rejects_bad_client_credentials(sim, exchange, auth):
    response = exchange(code_form(a_code(sim)), auth=auth)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_it_uses_a_code_only_once(sim, exchange, api):
    code = a_code(sim)
    first = exchange(code_form(code))
    assert first.status_code == 200
    again = exchange(code_form(code))
    assert again.status_code == 400
    assert again.json() == {
        "error": "invalid_grant",
        "error_description": 'Invalid "code" in request.',
    }
    # RFC 6749 4.1.2: a replayed code takes back the tokens it gave.
    assert api("GET", "/users/@me", token=first.json()["access_token"]).status_code == 401


def test_it_rejects_an_unknown_code(sim, exchange):
    response = exchange(code_form("x" * 30))
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("redirect_uri", [sample.DEFAULT_REDIRECT_URIS[1], None])
def test_it_rejects_a_redirect_uri_that_differs(sim, exchange, redirect_uri):
    form = code_form(a_code(sim))
    if redirect_uri is None:
        del form["redirect_uri"]
    else:
        form["redirect_uri"] = redirect_uri
    response = exchange(form)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_it_expires_codes_after_ten_minutes(sim, exchange):
    code = a_code(sim)
    sim.advance_clock(601)
    assert exchange(code_form(code)).json()["error"] == "invalid_grant"


def test_it_checks_the_pkce_verifier(sim, exchange):
    verifier, challenge = pkce_pair()
    assert exchange(code_form(a_code(sim, code_challenge=challenge), code_verifier=verifier)).ok


@pytest.mark.parametrize("verifier", [pkce_pair()[0], None, "short"])
def test_it_rejects_a_wrong_or_missing_pkce_verifier(sim, exchange, verifier):
    _, challenge = pkce_pair()
    form = code_form(a_code(sim, code_challenge=challenge))
    if verifier is not None:
        form["code_verifier"] = verifier
    response = exchange(form)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_it_rejects_a_verifier_for_a_code_without_a_challenge(sim, exchange):
    response = exchange(code_form(a_code(sim), code_verifier=pkce_pair()[0]))
    assert response.json()["error"] == "invalid_grant"


def test_it_rotates_refresh_tokens(sim, exchange, api, login):
    tokens = login()
    refreshed = exchange({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    body = refreshed.json()
    assert body["access_token"] != tokens["access_token"]
    assert body["refresh_token"] != tokens["refresh_token"]
    assert body["scope"] == "identify guilds"
    assert api("GET", "/users/@me", token=body["access_token"]).status_code == 200
    replay = exchange({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
def test_it_revokes_the_whole_authorization(sim, exchange, api, login, which):
    tokens = login()
    other = login()
    response = exchange(
        {"token": tokens[which], "token_type_hint": which}, path="/oauth2/token/revoke"
    )
    assert response.status_code == 200
    for grant in (tokens, other):
        assert api("GET", "/users/@me", token=grant["access_token"]).status_code == 401
        refresh = exchange({"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]})
        assert refresh.json()["error"] == "invalid_grant"


def test_it_answers_200_when_revoking_an_unknown_token(sim, exchange):
    response = exchange({"token": "not-a-token"}, path="/oauth2/token/revoke")
    assert response.status_code == 200


def test_it_authenticates_the_client_when_revoking(sim, exchange, login):
    tokens = login()
    response = exchange(
        {"token": tokens["access_token"]},
        auth=(sample.CLIENT_ID, "wrong"),
        path="/oauth2/token/revoke",
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_it_takes_only_form_encoded_revocations(sim, api, login):
    response = api(
        "POST",
        "/oauth2/token/revoke",
        json={"token": login()["access_token"]},
        auth=(sample.CLIENT_ID, sample.CLIENT_SECRET),
    )
    assert response.status_code == 400


def test_it_rejects_unknown_grant_types(sim, exchange):
    response = exchange({"grant_type": "password", "username": "ada", "password": "x"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_it_expires_access_tokens(sim, api, login):
    tokens = login()
    sim.advance_clock(604800)
    assert api("GET", "/users/@me", token=tokens["access_token"]).status_code == 401


def test_it_returns_the_server_for_a_bot_authorization(sim, exchange):
    code = a_bot_code(sim)
    response = exchange(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": BOT_REDIRECT}
    )
    body = response.json()
    assert body["scope"] == "bot applications.commands"
    guild = body["guild"]
    assert guild["id"] == sample.COMBO_LAB_ID and guild["name"] == "Combo Lab"
    # The keys of Topics > OAuth2 > Extended Bot Authorization Access Token Example.
    documented = {
        "mfa_level",
        "emojis",
        "application_id",
        "name",
        "roles",
        "afk_timeout",
        "system_channel_id",
        "widget_channel_id",
        "default_message_notifications",
        "explicit_content_filter",
        "splash",
        "features",
        "afk_channel_id",
        "widget_enabled",
        "verification_level",
        "owner_id",
        "id",
        "icon",
        "description",
        "public_updates_channel_id",
        "safety_alerts_channel_id",
        "rules_channel_id",
        "max_members",
        "vanity_url_code",
        "premium_subscription_count",
        "premium_tier",
        "preferred_locale",
        "system_channel_flags",
        "banner",
        "max_presences",
        "discovery_splash",
        "max_video_channel_users",
    }
    assert documented <= set(guild)
    everyone = guild["roles"][0]
    assert everyone["id"] == sample.COMBO_LAB_ID and everyone["name"] == "@everyone"
    assert isinstance(everyone["permissions"], str)


def test_it_gives_the_owner_a_token_for_client_credentials(sim, exchange, api):
    response = exchange({"grant_type": "client_credentials", "scope": "identify"})
    body = response.json()
    assert "refresh_token" not in body
    me = api("GET", "/users/@me", token=body["access_token"]).json()
    assert me["id"] == sample.ADA_ID


def test_it_lists_every_code_and_token_it_handed_out_across_scenario_loads(sim, exchange, login):
    tokens = login()
    refreshed = exchange({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    sim.load_scenario(sim.scenario())
    issued = set(sim.issued_secrets())
    assert {tokens["access_token"], tokens["refresh_token"]} <= issued
    assert {refreshed.json()["access_token"], refreshed.json()["refresh_token"]} <= issued


def test_it_adds_the_bot_when_the_code_is_exchanged_and_only_once(sim, exchange):
    # Resources > Application: with bot_require_code_grant the bot joins only upon completion
    # of the code grant (the sample app has it on, as docs/DISCORD_SETUP.md says to).
    granted = permissions.combine("VIEW_CHANNEL")
    code = a_bot_code(sim, granted=granted)
    assert sim.bot_membership(sample.COMBO_LAB_ID)["present"] is False
    assert exchange(bot_code_form(code)).status_code == 200
    joined = sim.bot_membership(sample.COMBO_LAB_ID)
    assert joined["present"] is True and joined["permissions"] == str(granted)
    assert [join["via"] for join in joined["joins"]] == ["code_exchange"]
    assert joined["joined_at"] == joined["joins"][0]["at"]
    replayed = exchange(bot_code_form(code))
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"
    assert len(sim.bot_membership(sample.COMBO_LAB_ID)["joins"]) == 1


@pytest.mark.parametrize(
    ("form", "auth", "status"),
    [
        ({"redirect_uri": REDIRECT}, (sample.CLIENT_ID, sample.CLIENT_SECRET), 400),
        ({"code_verifier": pkce_pair()[0]}, (sample.CLIENT_ID, sample.CLIENT_SECRET), 400),
        ({}, (sample.CLIENT_ID, "wrong"), 401),
    ],
)
def test_a_refused_exchange_adds_no_bot(sim, exchange, form, auth, status):
    code = a_bot_code(sim, code_challenge=pkce_pair()[1])
    assert exchange({**bot_code_form(code), **form}, auth=auth).status_code == status
    membership = sim.bot_membership(sample.COMBO_LAB_ID)
    assert membership["present"] is False
    assert membership["joined_at"] is None and membership["joins"] == []


def test_a_code_left_to_expire_adds_no_bot(sim, exchange):
    code = a_bot_code(sim)
    sim.advance_clock(601)
    assert exchange(bot_code_form(code)).json()["error"] == "invalid_grant"
    assert sim.bot_membership(sample.COMBO_LAB_ID)["present"] is False


def test_without_the_code_grant_the_bot_joins_at_authorize(sim, exchange):
    sim.update_application(bot_require_code_grant=False)
    code = a_bot_code(sim)
    joined = sim.bot_membership(sample.COMBO_LAB_ID)
    assert joined["present"] is True
    assert [join["via"] for join in joined["joins"]] == ["authorize"]
    assert exchange(bot_code_form(code)).json()["guild"]["id"] == sample.COMBO_LAB_ID
    assert len(sim.bot_membership(sample.COMBO_LAB_ID)["joins"]) == 1
