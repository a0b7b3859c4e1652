"""/auth/callback/ signs in only the browser that started the login, exactly once."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import OAuthState, Session, User
from tests import discord_payloads as p
from tests.conftest import state_from
from tests.fake_discord import json_answer

pytestmark = pytest.mark.django_db


def start_login(client: Client, next_path: str | None = None) -> OAuthState:
    response = client.get("/auth/login/", {"next": next_path} if next_path else {})
    return OAuthState.objects.get(state=state_from(response))


def callback(client: Client, **params):
    return client.get("/auth/callback/", params)


def error_of(response) -> str:
    assert response.status_code == 302
    prefix = "/auth/error/?error="
    assert response["Location"].startswith(prefix), response["Location"]
    return response["Location"][len(prefix) :]


def assert_not_signed_in(client: Client) -> None:
    assert "_auth_user_id" not in client.session
    assert not Session.objects.filter(user__isnull=False).exists()
    assert client.get("/dashboard/").status_code == 302


def test_a_full_login_lands_on_the_dashboard_signed_in(client, log_in):
    response = log_in()
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    user = User.objects.get(discord_id=p.USER_ID)
    assert (user.display_name, user.discord_username) == ("Nelly", "nelly")
    assert user.avatar_hash == p.USER["avatar"]
    assert not user.has_usable_password()
    assert client.session["_auth_user_id"] == str(user.pk)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert "Nelly" in page.content.decode()


def test_the_token_exchange_is_form_encoded_with_redirect_uri_and_verifier(log_in, fake_discord):
    log_in()
    exchange = fake_discord.calls[0].request
    assert exchange.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "code_verifier=" in exchange.body
    assert "redirect_uri=http%3A%2F%2Ftestserver%2Fauth%2Fcallback%2F" in exchange.body
    assert exchange.headers["Authorization"].startswith("Basic ")
    assert p.CLIENT_SECRET not in exchange.body


def test_it_fetches_the_user_and_the_servers_with_the_new_token(log_in, fake_discord):
    log_in()
    urls = sorted(call.request.url.split("?")[0] for call in fake_discord.calls[1:])
    assert urls == [p.ME_URL, p.GUILDS_URL]


def test_it_stores_the_grant_and_servers_with_the_session(client, log_in):
    log_in()
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.user.discord_id == p.USER_ID
    assert session.access_token == p.ACCESS_TOKEN
    assert session.refresh_token == p.REFRESH_TOKEN
    expected_expiry = timezone.now() + timedelta(seconds=604800)
    assert abs((session.token_expires_at - expected_expiry).total_seconds()) < 5
    assert [guild["id"] for guild in session.guilds] == [g["id"] for g in p.GUILDS]
    assert session.guilds[0]["permissions"] == p.ALL_PERMISSIONS
    assert session.guilds_fetched_at is not None
    assert session.ip_address == "127.0.0.1"
    assert client.session.get_expiry_age() > 24 * 3600  # no longer the pending-login age


def test_it_rotates_the_session_key(client, fake_discord):
    state = start_login(client)
    anonymous_key = client.session.session_key
    fake_discord.login(verifier=state.code_verifier)
    response = callback(client, code=p.CODE, state=state.state)
    assert response["Location"] == "/dashboard/"
    assert client.session.session_key != anonymous_key
    assert not Session.objects.for_key(anonymous_key).exists()


def test_it_updates_a_returning_person(client, log_in, fake_discord):
    User.objects.create(username=f"discord-{p.USER_ID}", discord_id=p.USER_ID, display_name="Old")
    log_in()
    assert User.objects.get(discord_id=p.USER_ID).display_name == "Nelly"
    assert User.objects.count() == 1


def test_it_uses_the_username_when_there_is_no_global_name(client, log_in, fake_discord):
    state = start_login(client)
    fake_discord.token_exchange(verifier=state.code_verifier)
    fake_discord.me(json={**p.USER, "global_name": None})
    fake_discord.guilds()
    callback(client, code=p.CODE, state=state.state)
    assert User.objects.get(discord_id=p.USER_ID).display_name == "nelly"


def test_it_goes_to_the_next_path(log_in):
    response = log_in(next_path="/dashboard/guilds/613425648685547541/")
    assert response["Location"] == "/dashboard/guilds/613425648685547541/"


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_next_never_leaves_the_site(log_in, evil):
    assert log_in(next_path=evil)["Location"] == "/dashboard/"


def test_a_replayed_state_is_refused(client, fake_discord):
    start = client.get("/auth/login/")
    state = OAuthState.objects.get(state=state_from(start))
    fake_discord.login(verifier=state.code_verifier)
    assert callback(client, code=p.CODE, state=state.state)["Location"] == "/dashboard/"
    other = Client()
    assert error_of(callback(other, code=p.CODE, state=state.state)) == "invalid_state"
    assert error_of(callback(client, code=p.CODE, state=state.state)) == "invalid_state"


def test_a_forged_state_is_refused(client):
    start_login(client)
    response = callback(client, code=p.CODE, state="A" * 43)
    assert error_of(response) == "invalid_state"
    assert_not_signed_in(client)


def test_a_missing_state_is_refused(client):
    start_login(client)
    assert error_of(callback(client, code=p.CODE)) == "invalid_state"
    assert_not_signed_in(client)


def test_a_state_from_another_browser_is_refused_and_burnt(client):
    state = start_login(client)
    attacker = Client()
    attacker.get("/auth/login/")
    assert error_of(callback(attacker, code=p.CODE, state=state.state)) == "invalid_state"
    assert_not_signed_in(attacker)
    assert not OAuthState.objects.filter(pk=state.pk).exists()


def test_a_state_without_any_session_is_refused(client):
    state = start_login(client)
    assert error_of(callback(Client(), code=p.CODE, state=state.state)) == "invalid_state"


def test_an_expired_state_is_refused(client):
    state = start_login(client)
    OAuthState.objects.filter(pk=state.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert error_of(callback(client, code=p.CODE, state=state.state)) == "invalid_state"
    assert_not_signed_in(client)


def test_a_bot_install_state_is_refused(client):
    client.get("/auth/login/")
    bot_state = OAuthState.objects.issue(
        browser=client.session["_oauth_browser"], purpose=OAuthState.Purpose.BOT_INSTALL
    )
    assert error_of(callback(client, code=p.CODE, state=bot_state.state)) == "invalid_state"
    assert_not_signed_in(client)


def test_a_missing_code_is_refused(client):
    state = start_login(client)
    assert error_of(callback(client, state=state.state)) == "missing_code"
    assert_not_signed_in(client)
    assert not OAuthState.objects.filter(pk=state.pk).exists()


def test_it_handles_access_denied(client):
    state = start_login(client)
    response = callback(
        client,
        error="access_denied",
        error_description="The resource owner or authorization server denied the request",
        state=state.state,
    )
    assert error_of(response) == "access_denied"
    assert_not_signed_in(client)
    assert not OAuthState.objects.filter(pk=state.pk).exists()


def test_access_denied_with_a_bad_state_is_an_invalid_state(client):
    start_login(client)
    assert error_of(callback(client, error="access_denied", state="B" * 43)) == "invalid_state"


def test_another_oauth_error_is_a_failed_login(client):
    state = start_login(client)
    assert error_of(callback(client, error="invalid_scope", state=state.state)) == "login_failed"


def test_two_tabs_both_complete_in_either_order(client, fake_discord):
    first = start_login(client, next_path="/dashboard/?tab=1")
    second = start_login(client, next_path="/dashboard/?tab=2")
    fake_discord.login(verifier=second.code_verifier)
    assert callback(client, code=p.CODE, state=second.state)["Location"] == "/dashboard/?tab=2"
    fake_discord.login(verifier=first.code_verifier)
    assert callback(client, code=p.CODE, state=first.state)["Location"] == "/dashboard/?tab=1"
    assert client.get("/dashboard/").status_code == 200
    assert Session.objects.filter(user__isnull=False).count() == 1


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (500, {"message": "500: Internal Server Error", "code": 0}, "discord_unavailable"),
        (502, None, "discord_unavailable"),
        (503, None, "discord_unavailable"),
        (400, {"error": "invalid_grant", "error_description": "Invalid code"}, "login_failed"),
        (401, {"error": "invalid_client"}, "login_failed"),
        (
            429,
            {"message": "You are being rate limited.", "retry_after": 64.5, "global": False},
            "rate_limited",
        ),
    ],
)
def test_a_failed_token_exchange_ends_on_an_error_page(
    client, fake_discord, status, body, expected
):
    state = start_login(client)
    fake_discord.token_exchange(verifier=state.code_verifier, status=status, json=body or {})
    assert error_of(callback(client, code=p.CODE, state=state.state)) == expected
    assert_not_signed_in(client)


def test_a_short_429_is_waited_out_once(client, fake_discord, monkeypatch):
    waits = []
    monkeypatch.setattr("fightrise.discord_api._sleep", waits.append)
    state = start_login(client)
    fake_discord.token_exchange(
        verifier=state.code_verifier,
        status=429,
        json={"message": "You are being rate limited.", "retry_after": 0.25, "global": False},
    )
    fake_discord.login(verifier=state.code_verifier)
    assert callback(client, code=p.CODE, state=state.state)["Location"] == "/dashboard/"
    assert waits == [0.25]


def test_a_timeout_ends_on_discord_unavailable(client, fake_discord):
    state = start_login(client)
    fake_discord.token_exchange(verifier=state.code_verifier, body=requests.Timeout("slow"))
    assert error_of(callback(client, code=p.CODE, state=state.state)) == "discord_unavailable"
    assert_not_signed_in(client)


def test_a_connection_error_ends_on_discord_unavailable(client, fake_discord):
    state = start_login(client)
    fake_discord.token_exchange(
        verifier=state.code_verifier, body=requests.ConnectionError("refused")
    )
    assert error_of(callback(client, code=p.CODE, state=state.state)) == "discord_unavailable"


@pytest.mark.parametrize("failing", ["me", "guilds"])
@pytest.mark.parametrize(
    ("status", "expected"),
    [(500, "discord_unavailable"), (401, "login_failed"), (429, "rate_limited")],
)
def test_a_failed_profile_fetch_ends_on_an_error_page(
    client, fake_discord, failing, status, expected
):
    state = start_login(client)
    fake_discord.token_exchange(verifier=state.code_verifier)
    body = {"message": "nope", "code": 0, "retry_after": 30.0, "global": False}
    ok_me = failing != "me"
    fake_discord.me(status=200 if ok_me else status, json=None if ok_me else body)
    fake_discord.guilds(status=status if ok_me else 200, json=body if ok_me else None)
    assert error_of(callback(client, code=p.CODE, state=state.state)) == expected
    assert_not_signed_in(client)


@pytest.mark.parametrize(
    "mangle",
    [
        {"body": "<html>not json</html>"},
        {"json": {"unexpected": True}},
        {"json": [1, 2, 3]},
        {"json": {"access_token": p.ACCESS_TOKEN}},
    ],
)
def test_a_malformed_token_response_is_a_failed_login(client, fake_discord, mangle):
    state = start_login(client)
    fake_discord.token_exchange(verifier=state.code_verifier, **mangle)
    assert error_of(callback(client, code=p.CODE, state=state.state)) == "login_failed"
    assert_not_signed_in(client)


@pytest.mark.parametrize(
    "bad_user", [{"id": "not-a-number", "username": "x"}, {"username": "x"}, "text"]
)
def test_a_malformed_user_is_a_failed_login(client, fake_discord, bad_user):
    state = start_login(client)
    fake_discord.token_exchange(verifier=state.code_verifier)
    fake_discord.me(json=bad_user)
    fake_discord.guilds()
    assert error_of(callback(client, code=p.CODE, state=state.state)) == "login_failed"


def test_a_deactivated_person_is_not_signed_in(client, log_in):
    User.objects.create(username=f"discord-{p.USER_ID}", discord_id=p.USER_ID, is_active=False)
    assert error_of(log_in()) == "login_failed"
    assert_not_signed_in(client)


def test_it_refuses_when_discord_is_not_configured(client, settings):
    state = start_login(client)
    settings.DISCORD_CLIENT_ID = ""
    settings.DISCORD_CLIENT_SECRET = ""
    # With the exchange unregistered, any call to Discord would fail the test.
    assert error_of(callback(client, code=p.CODE, state=state.state)) == "login_failed"
    assert_not_signed_in(client)


text = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=5000),
    st.just("\x00"),
    st.just("A" * 43),
    st.from_regex(r"[A-Za-z0-9_-]{43}", fullmatch=True),
)


@hypothesis_settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(state=st.none() | text, code=st.none() | text, error=st.none() | text)
def test_fuzzed_callback_parameters_never_cause_a_500(client, state, code, error):
    """Without a state of this browser's: every example ends at the state check."""
    params = {
        name: value
        for name, value in (("state", state), ("code", code), ("error", error))
        if value is not None
    }
    response = client.get("/auth/callback/", params)
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/error/?error=")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)


class NotJson(str):
    """A body Discord sent that is not JSON at all (an HTML error page, say)."""


@st.composite
def discord_answer(draw, valid):
    """What Discord answers to one call: mostly `valid`, else with one field changed, or
    any JSON, or none; mostly 200, else an error status. Weighted so that about a third of
    the examples get through all three calls."""
    status = draw(st.sampled_from([200] * 17 + [400, 401, 429, 500]))
    kind = draw(st.sampled_from(["valid"] * 14 + ["mutated", "mutated", "any", "not json"]))
    body = p.payload(valid)
    if kind == "mutated" and isinstance(body, list):  # fewer entries (maybe none), one changed
        body = body[: draw(st.integers(min_value=0, max_value=len(body)))]
    if kind == "mutated" and body:
        target = body[0] if isinstance(body, list) else body
        key = draw(st.sampled_from(sorted(target)) | st.text(max_size=10))
        if draw(st.booleans()):
            target[key] = draw(json_values)
        else:
            target.pop(key, None)
    elif kind == "any":
        body = draw(json_values)
    elif kind == "not json":
        body = NotJson(draw(st.text(max_size=50)))
    return status, body


OK_EXCHANGE, OK_ME = (200, p.TOKEN_RESPONSE), (200, p.USER)


def answer(status, body):
    def callback(request):
        if isinstance(body, NotJson):
            return (status, {"Content-Type": "text/html"}, str(body))
        return json_answer(status, body)

    return callback


@hypothesis_settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    code=text,
    error=st.sampled_from(["none"] * 6 + ["access_denied", "text"]).flatmap(
        lambda kind: {"none": st.none(), "access_denied": st.just(kind), "text": text}[kind]
    ),
    exchange=discord_answer(p.TOKEN_RESPONSE),
    me=discord_answer(p.USER),
    guilds=discord_answer(p.GUILDS),
)
# Always tried as well: the whole way through, and a person in no server at all.
@example(code=p.CODE, error=None, exchange=OK_EXCHANGE, me=OK_ME, guilds=(200, p.GUILDS))
@example(code=p.CODE, error=None, exchange=OK_EXCHANGE, me=OK_ME, guilds=(200, []))
def test_fuzzed_values_after_a_real_state_never_cause_a_500(
    monkeypatch, code, error, exchange, me, guilds
):
    """From a state this browser really started, with Discord's answers fuzzed too, so
    that examples reach the exchange, the profile and the server list."""
    monkeypatch.setattr("fightrise.discord_api._sleep", lambda seconds: None)  # short 429s
    cache.clear()  # the per-address limit, Discord's pauses
    browser = Client()
    state = start_login(browser)
    params = {"state": state.state, "code": code}
    if error is not None:
        params["error"] = error
    with responses.RequestsMock(assert_all_requests_are_fired=False) as discord:
        discord.add_callback("POST", p.TOKEN_URL, callback=answer(*exchange))
        discord.add_callback("GET", p.ME_URL, callback=answer(*me))
        discord.add_callback("GET", p.GUILDS_URL, callback=answer(*guilds))
        response = callback(browser, **params)
        calls = [call.request.url.split("?")[0] for call in discord.calls]
        bodies = [call.request.body for call in discord.calls]
    assert response.status_code == 302
    location = response["Location"]
    assert location == "/dashboard/" or location.startswith("/auth/error/?error=")
    if (code, error, exchange, me) == (p.CODE, None, OK_EXCHANGE, OK_ME) and guilds in (
        (200, p.GUILDS),
        (200, []),
    ):
        assert location == "/dashboard/"  # Discord answering as it should signs the person in
    assert set(calls) <= {p.TOKEN_URL, p.ME_URL, p.GUILDS_URL}
    if error is None and code:
        assert calls and calls[0] == p.TOKEN_URL  # past the state check, to the exchange
        exchanged = parse_qs(bodies[0])
        assert exchanged["code_verifier"] == [state.code_verifier]
    else:
        assert calls == []
    event(location)
    page = browser.get(location)
    assert page.status_code == 200
    if location == "/dashboard/":
        assert Session.objects.get(session_key=browser.session.session_key).access_token


def test_signing_in_as_someone_else_ends_the_first_session_as_logout_does(
    client, sign_in, make_user, log_in, fake_discord
):
    """The first person's session goes, and with it their grant at Discord: once the row
    is gone nothing could revoke it any more."""
    first = make_user(discord_id=90000000000000001)
    first_key = sign_in(client, user=first, refresh_token="first-persons-refresh-token")
    fake_discord.revoke(token="first-persons-refresh-token")
    assert log_in()["Location"] == "/dashboard/"
    assert not Session.objects.for_key(first_key).exists()
    assert not Session.objects.filter(user=first).exists()
    assert client.session["_auth_user_id"] == str(User.objects.get(discord_id=p.USER_ID).pk)
    revoked = [call for call in fake_discord.calls if call.request.url == p.REVOKE_URL]
    assert len(revoked) == 1


def test_signing_in_as_someone_else_keeps_the_grant_the_first_person_uses_elsewhere(
    client, sign_in, make_user, log_in, fake_discord
):
    first = make_user(discord_id=90000000000000001)
    sign_in(client, user=first)
    phone = sign_in(Client(), user=first)
    assert log_in()["Location"] == "/dashboard/"
    assert [call.request.url for call in fake_discord.calls if "revoke" in call.request.url] == []
    assert Session.objects.for_key(phone).exists()


def test_signing_in_again_as_the_same_person_keeps_the_grant(
    client, sign_in, make_user, log_in, fake_discord
):
    """Discord keeps one authorization per person and application: revoking the old
    session's tokens would revoke the ones the login just received."""
    person = make_user()
    old_key = sign_in(client, user=person, refresh_token="the-same-grants-old-token")
    assert log_in()["Location"] == "/dashboard/"
    assert [call.request.url for call in fake_discord.calls if "revoke" in call.request.url] == []
    assert not Session.objects.for_key(old_key).exists()
    session = Session.objects.get(user=person)
    assert session.refresh_token == p.REFRESH_TOKEN
