"""The REST API: the current user and their servers, the app, the gateway, commands, errors."""

from __future__ import annotations

import pytest

from discordsim import permissions, sample
from discordsim.state import State
from discordsim.testing import SimError


def test_it_returns_the_current_user_for_identify(sim, api, login):
    body = api("GET", "/users/@me", token=login()["access_token"]).json()
    assert body["id"] == sample.ADA_ID
    assert body["username"] == "ada" and body["global_name"] == "Ada Lovelace"
    assert body["discriminator"] == "0" and body["avatar"]
    for key in (
        "public_flags",
        "flags",
        "banner",
        "accent_color",
        "locale",
        "mfa_enabled",
        "premium_type",
    ):
        assert key in body
    assert "email" not in body and "bot" not in body


def test_it_adds_the_email_with_the_email_scope(sim, api, login):
    body = api("GET", "/users/@me", token=login(scope="identify email")["access_token"]).json()
    assert body["email"] == "ada@example.com" and body["verified"] is True


def test_it_returns_legacy_users_with_their_discriminator(sim, api, login):
    body = api("GET", "/users/@me", token=login(sample.OLDTIMER_ID)["access_token"]).json()
    assert (body["username"], body["discriminator"], body["global_name"], body["avatar"]) == (
        "Oldtimer",
        "4821",
        None,
        None,
    )


def test_it_returns_the_bot_user_for_a_bot_token(sim, api):
    body = api("GET", "/users/@me", bot=True).json()
    assert body["id"] == sample.BOT_ID and body["bot"] is True
    assert body["username"] == sample.BOT_USERNAME


@pytest.mark.parametrize("header", ["Bearer nope", "Bot nope", f"Basic {sample.BOT_TOKEN}", ""])
def test_it_answers_401_to_bad_credentials(sim, api, header):
    response = api("GET", "/users/@me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json() == {"message": "401: Unauthorized", "code": 0}


def test_it_requires_the_scope_of_each_route(sim, api, login):
    only_guilds = login(scope="guilds")["access_token"]
    assert api("GET", "/users/@me", token=only_guilds).status_code == 401
    only_identify = login(scope="identify")["access_token"]
    assert api("GET", "/users/@me/guilds", token=only_identify).status_code == 401


def test_it_lists_the_servers_of_a_person(sim, api, login):
    guilds = api("GET", "/users/@me/guilds", token=login()["access_token"]).json()
    ids = [guild["id"] for guild in guilds]
    assert ids == sorted(ids, key=int)
    assert len(ids) == 6
    by_id = {guild["id"]: guild for guild in guilds}
    hq = by_id[sample.FIGHTRISE_HQ_ID]
    assert set(hq) == {"id", "name", "icon", "banner", "owner", "permissions", "features"}
    assert hq["owner"] is True and hq["permissions"] == str(permissions.ALL)
    assert by_id[sample.PIXEL_BRAWLERS_ID]["owner"] is False
    assert int(by_id[sample.PIXEL_BRAWLERS_ID]["permissions"]) & permissions.ADMINISTRATOR
    assert all(isinstance(guild["permissions"], str) for guild in guilds)


def test_it_lists_200_servers_by_default(sim, api, login):
    guilds = api(
        "GET", "/users/@me/guilds", token=login(sample.COLLECTOR_ID)["access_token"]
    ).json()
    assert len(guilds) == 200


def test_it_pages_with_after_and_before(sim, api, login):
    token = login(sample.COLLECTOR_ID)["access_token"]
    everything = [g["id"] for g in api("GET", "/users/@me/guilds", token=token).json()]
    first = api("GET", "/users/@me/guilds", token=token, params={"limit": 50}).json()
    assert [g["id"] for g in first] == everything[:50]
    second = api(
        "GET", "/users/@me/guilds", token=token, params={"limit": 50, "after": first[-1]["id"]}
    )
    assert [g["id"] for g in second.json()] == everything[50:100]
    before = api(
        "GET", "/users/@me/guilds", token=token, params={"limit": 10, "before": everything[100]}
    )
    assert [g["id"] for g in before.json()] == everything[90:100]
    last = api("GET", "/users/@me/guilds", token=token, params={"after": everything[-1]}).json()
    assert last == []


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"limit": 0}, "limit", "NUMBER_TYPE_MIN"),
        ({"limit": 201}, "limit", "NUMBER_TYPE_MAX"),
        ({"limit": "ten"}, "limit", "NUMBER_TYPE_COERCE"),
        ({"after": "abc"}, "after", "NUMBER_TYPE_COERCE"),
        ({"with_counts": "yes"}, "with_counts", "BOOLEAN_TYPE_COERCE"),
    ],
)
def test_it_validates_the_query(sim, api, login, params, field, code):
    response = api("GET", "/users/@me/guilds", token=login()["access_token"], params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 50035 and body["message"] == "Invalid Form Body"
    assert body["errors"][field]["_errors"][0]["code"] == code


def test_it_accepts_limit_bounds(sim, api, login):
    token = login()["access_token"]
    assert len(api("GET", "/users/@me/guilds", token=token, params={"limit": 1}).json()) == 1
    assert api("GET", "/users/@me/guilds", token=token, params={"limit": 200}).status_code == 200


def test_it_adds_counts_with_with_counts(sim, api, login):
    token = login()["access_token"]
    guilds = api("GET", "/users/@me/guilds", token=token, params={"with_counts": "true"}).json()
    hq = next(g for g in guilds if g["id"] == sample.FIGHTRISE_HQ_ID)
    assert hq["approximate_member_count"] == 1240
    assert 0 < hq["approximate_presence_count"] <= 1240


def test_it_lists_the_bot_servers_for_a_bot_token(sim, api):
    guilds = api("GET", "/users/@me/guilds", bot=True).json()
    state = State(sample.sample_scenario())
    assert [g["id"] for g in guilds] == state.bot_guild_ids()
    assert all(g["owner"] is False for g in guilds)


def test_it_answers_401_after_revocation(sim, api, login, exchange):
    token = login()["access_token"]
    assert api("GET", "/users/@me/guilds", token=token).status_code == 200
    exchange({"token": token}, path="/oauth2/token/revoke")
    assert api("GET", "/users/@me/guilds", token=token).status_code == 401


def test_it_serves_what_discord_py_reads_as_application_info(sim, api):
    body = api("GET", "/oauth2/applications/@me", bot=True).json()
    for key in (
        "id",
        "name",
        "description",
        "icon",
        "bot_public",
        "bot_require_code_grant",
        "owner",
        "verify_key",
        "flags",
    ):
        assert key in body
    assert body["id"] == sample.CLIENT_ID and body["owner"]["id"] == sample.ADA_ID
    assert api("GET", "/oauth2/applications/@me").status_code == 401


def test_it_serves_the_current_application_to_the_bot(sim, api, login):
    # Resources > Application > Get Current Application: the Application Object.
    body = api("GET", "/applications/@me", bot=True).json()
    assert body == api("GET", "/oauth2/applications/@me", bot=True).json()
    assert body["id"] == sample.CLIENT_ID and body["bot"]["id"] == sample.BOT_ID
    assert body["bot_require_code_grant"] is True and body["bot_public"] is True
    assert isinstance(body["flags"], int) and body["flags_new"] == str(body["flags"])
    for key in ("name", "icon", "description", "verify_key", "owner", "redirect_uris"):
        assert key in body
    assert api("GET", "/applications/@me").status_code == 401
    assert api("GET", "/applications/@me", token=login()["access_token"]).status_code == 401
    sim.update_application(bot_require_code_grant=False, bot_public=False)
    body = api("GET", "/applications/@me", bot=True).json()
    assert (body["bot_require_code_grant"], body["bot_public"]) == (False, False)


def test_it_refuses_unknown_application_changes(sim):
    for fields in ({"name": "Other"}, {"bot_public": "yes"}, {}):
        with pytest.raises(SimError) as error:
            sim.update_application(**fields)
        assert error.value.status == 400
    with pytest.raises(SimError) as error:
        sim.bot_membership("123456789012345678")
    assert error.value.status == 404


def test_it_describes_the_current_authorization(sim, api, login):
    body = api("GET", "/oauth2/@me", token=login()["access_token"]).json()
    assert body["scopes"] == ["identify", "guilds"]
    assert body["user"]["id"] == sample.ADA_ID and body["application"]["id"] == sample.CLIENT_ID


def test_it_gives_the_gateway_url(sim, api):
    assert api("GET", "/gateway").json() == {"url": sim.url.replace("http", "ws") + "/gateway"}


def test_it_recommends_one_shard_per_thousand_servers(sim, api):
    body = api("GET", "/gateway/bot", bot=True).json()
    assert body["url"] == sim.url.replace("http", "ws") + "/gateway"
    assert body["shards"] == 1
    assert set(body["session_start_limit"]) == {
        "total",
        "remaining",
        "reset_after",
        "max_concurrency",
    }
    sim.load_scenario(sample.bulk_scenario(guilds=2100, bot_in=2001, user_guilds=10))
    assert api("GET", "/gateway/bot", bot=True).json()["shards"] == 3
    assert api("GET", "/gateway/bot").status_code == 401


def test_it_answers_unknown_guild_and_missing_access(sim, api):
    unknown = api("GET", "/guilds/123456789012345678", bot=True)
    assert unknown.status_code == 404
    assert unknown.json() == {"message": "Unknown Guild", "code": 10004}
    absent = api("GET", f"/guilds/{sample.COMBO_LAB_ID}", bot=True)
    assert absent.status_code == 403 and absent.json()["code"] == 50001
    present = api(
        "GET", f"/guilds/{sample.FIGHTRISE_HQ_ID}", bot=True, params={"with_counts": "true"}
    )
    assert present.json()["approximate_member_count"] == 1240


def test_it_lets_the_bot_leave_a_server(sim, api):
    assert api("DELETE", f"/users/@me/guilds/{sample.FIGHTRISE_HQ_ID}", bot=True).status_code == 204
    ids = [g["id"] for g in api("GET", "/users/@me/guilds", bot=True).json()]
    assert sample.FIGHTRISE_HQ_ID not in ids


def test_it_answers_unknown_routes_and_methods_with_json(sim, api):
    missing = api("GET", "/no/such/route", bot=True)
    assert missing.status_code == 404
    assert missing.json() == {"message": "404: Not Found", "code": 0}
    wrong = api("POST", "/users/@me", bot=True)
    assert wrong.status_code == 405
    assert wrong.json() == {"message": "405: Method Not Allowed", "code": 0}


COMMAND = {
    "name": "fightrise",
    "description": "Run tournaments",
    "type": 1,
    "options": [{"type": 1, "name": "setup", "description": "Set up the bot"}],
}


def test_it_keeps_command_ids_across_bulk_overwrites(sim, api):
    path = f"/applications/{sample.CLIENT_ID}/commands"
    first = api("PUT", path, bot=True, json=[COMMAND]).json()
    assert first[0]["application_id"] == sample.CLIENT_ID
    assert {"id", "version", "default_member_permissions", "type", "name", "description"} <= set(
        first[0]
    )
    again = api("PUT", path, bot=True, json=[COMMAND]).json()
    assert again[0]["id"] == first[0]["id"] and again[0]["version"] == first[0]["version"]
    changed = api("PUT", path, bot=True, json=[{**COMMAND, "description": "Brackets"}]).json()
    assert changed[0]["id"] == first[0]["id"] and changed[0]["version"] != first[0]["version"]
    assert api("GET", path, bot=True).json() == changed
    assert api("PUT", path, bot=True, json=[]).json() == []


def test_it_creates_and_upserts_single_commands(sim, api):
    path = f"/applications/{sample.CLIENT_ID}/guilds/{sample.FIGHTRISE_HQ_ID}/commands"
    created = api("POST", path, bot=True, json=COMMAND)
    assert created.status_code == 201 and created.json()["guild_id"] == sample.FIGHTRISE_HQ_ID
    updated = api("POST", path, bot=True, json={**COMMAND, "description": "New"})
    assert updated.status_code == 200 and updated.json()["id"] == created.json()["id"]
    one = api("GET", f"{path}/{created.json()['id']}", bot=True)
    assert one.json()["description"] == "New"
    assert api("DELETE", f"{path}/{created.json()['id']}", bot=True).status_code == 204
    assert api("GET", f"{path}/{created.json()['id']}", bot=True).json()["code"] == 10063


@pytest.mark.parametrize(
    "command",
    [
        {**COMMAND, "name": "Fight Rise"},
        {**COMMAND, "description": ""},
        {**COMMAND, "name": "x" * 33},
        {"type": 2, "name": "Profile", "description": "not allowed"},
    ],
)
def test_it_validates_commands(sim, api, command):
    response = api("PUT", f"/applications/{sample.CLIENT_ID}/commands", bot=True, json=[command])
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 50035 and "0" in body["errors"]


LOCALIZED = {
    **COMMAND,
    "name_localizations": {"de": "fightrise", "ja": "大会"},
    "description_localizations": {"fr": "Gérer les tournois", "es-419": "Dirige torneos"},
    "options": [
        {
            "type": 1,
            "name": "setup",
            "description": "Set up the bot",
            "name_localizations": {"de": "einrichten", "pt-BR": "configurar"},
            "options": [
                {"type": 7, "name": "announcements", "description": "Channel",
                 "name_localizations": {"fr": "annonces"}},
                {"type": 7, "name": "matches", "description": "Channel",
                 "name_localizations": {"fr": "matchs"}},
            ],
        }
    ],
}  # fmt: skip


def test_it_keeps_localized_names_and_descriptions(sim, api):
    path = f"/applications/{sample.CLIENT_ID}/guilds/{sample.FIGHTRISE_HQ_ID}/commands"
    (synced,) = api("PUT", path, bot=True, json=[LOCALIZED]).json()
    assert synced["name_localizations"] == {"de": "fightrise", "ja": "大会"}
    assert synced["description_localizations"]["es-419"] == "Dirige torneos"
    assert synced["options"][0]["name_localizations"]["de"] == "einrichten"
    # What the bot synced, for tests (the control API).
    (stored,) = sim.commands(sample.FIGHTRISE_HQ_ID)
    assert stored["name_localizations"] == synced["name_localizations"]
    assert sim.commands() == []


def _setup_options(**changes):
    """LOCALIZED with its subcommand's options changed."""
    setup = {**LOCALIZED["options"][0], **changes}
    return {**LOCALIZED, "options": [setup]}


def _option(name: str, **localized):
    return {"type": 7, "name": name, "description": "Channel", "name_localizations": localized}


@pytest.mark.parametrize(
    ("command", "where", "code"),
    [
        ({**LOCALIZED, "name_localizations": {"xx": "turnier"}},
         ["0", "name_localizations", "xx"], "BASE_TYPE_CHOICES"),
        ({**LOCALIZED, "name_localizations": {"de": "Turnier"}},
         ["0", "name_localizations", "de"], "APPLICATION_COMMAND_INVALID_NAME"),
        ({**LOCALIZED, "name_localizations": {"fr": "mes tournois"}},
         ["0", "name_localizations", "fr"], "APPLICATION_COMMAND_INVALID_NAME"),
        ({**LOCALIZED, "name_localizations": {"ja": "大" * 33}},
         ["0", "name_localizations", "ja"], "BASE_TYPE_BAD_LENGTH"),
        ({**LOCALIZED, "description_localizations": {"fr": "x" * 101}},
         ["0", "description_localizations", "fr"], "BASE_TYPE_BAD_LENGTH"),
        ({**LOCALIZED, "description_localizations": {"en-US": ""}},
         ["0", "description_localizations", "en-US"], "BASE_TYPE_BAD_LENGTH"),
        ({**LOCALIZED, "name_localizations": ["de", "fightrise"]},
         ["0", "name_localizations"], "DICT_TYPE_CONVERT"),
        # Localized option names are distinct from the others' names, in the locale and
        # by default (Interactions > Application Commands > Localization).
        (_setup_options(options=[_option("announcements", fr="matches"), _option("matches")]),
         ["0", "options", "0", "options", "0", "name_localizations", "fr"],
         "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS"),
        (_setup_options(options=[_option("announcements", fr="salon"), _option("x", fr="salon")]),
         ["0", "options", "0", "options", "1", "name_localizations", "fr"],
         "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS"),
        (_setup_options(options=[_option("matches"), _option("matches")]),
         ["0", "options", "0", "options", "1", "name"],
         "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS"),
    ],
)  # fmt: skip
def test_it_validates_localizations_as_discord_does(sim, api, command, where, code):
    response = api("PUT", f"/applications/{sample.CLIENT_ID}/commands", bot=True, json=[command])
    assert response.status_code == 400
    node = response.json()["errors"]
    for key in where:
        node = node[key]
    assert [error["code"] for error in node["_errors"]] == [code]


def test_it_guards_command_routes(sim, api):
    assert api("GET", "/applications/123456789012345678/commands", bot=True).status_code == 403
    path = f"/applications/{sample.CLIENT_ID}/guilds/{sample.COMBO_LAB_ID}/commands"
    assert api("GET", path, bot=True).json()["code"] == 50001
    assert api("GET", f"/applications/{sample.CLIENT_ID}/commands").status_code == 401
