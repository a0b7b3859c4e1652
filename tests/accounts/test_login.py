"""/auth/login/ sends the browser to Discord with a fresh one-time state and PKCE."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.models import OAuthState
from tests.conftest import state_from
from tests.discord_payloads import CLIENT_ID

pytestmark = pytest.mark.django_db


def query(response) -> dict[str, list[str]]:
    return parse_qs(urlsplit(response["Location"]).query, keep_blank_values=True)


def test_it_redirects_to_discords_authorize_page_with_exactly_the_designs_parameters(client):
    response = client.get("/auth/login/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        "https://discord.com/oauth2/authorize"
    )
    params = query(response)
    assert set(params) == {
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    }
    assert params["client_id"] == [CLIENT_ID]
    assert params["redirect_uri"] == ["http://testserver/auth/callback/"]
    assert params["response_type"] == ["code"]
    assert params["scope"] == ["identify guilds"]
    assert "scope=identify%20guilds" in response["Location"]
    assert params["code_challenge_method"] == ["S256"]


def test_the_challenge_is_the_s256_of_the_stored_verifier(client):
    response = client.get("/auth/login/")
    state = OAuthState.objects.get(state=state_from(response))
    digest = hashlib.sha256(state.code_verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert query(response)["code_challenge"] == [expected]
    assert 43 <= len(state.code_verifier) <= 128


def test_the_state_is_random_one_per_login_and_expires_in_ten_minutes(client):
    states = {state_from(client.get("/auth/login/")) for _ in range(3)}
    assert len(states) == 3
    assert all(len(state) >= 43 for state in states)  # 32 random bytes, base64url
    row = OAuthState.objects.get(state=next(iter(states)))
    assert row.purpose == OAuthState.Purpose.LOGIN
    lifetime = (row.expires_at - row.created_at).total_seconds()
    assert lifetime == pytest.approx(600, abs=1)


def test_it_uses_the_configured_redirect_uri(client, settings):
    settings.DISCORD_REDIRECT_URI = "https://fightrise.example/auth/callback/"
    params = query(client.get("/auth/login/"))
    assert params["redirect_uri"] == ["https://fightrise.example/auth/callback/"]


def test_it_builds_an_https_redirect_uri_behind_a_proxy(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.USE_X_FORWARDED_HOST = True
    settings.ALLOWED_HOSTS = ["fightrise.example"]
    response = client.get(
        "/auth/login/", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="fightrise.example"
    )
    assert query(response)["redirect_uri"] == ["https://fightrise.example/auth/callback/"]


@pytest.mark.parametrize("prompt", ["none", "consent"])
def test_it_sends_the_configured_prompt(client, settings, prompt):
    settings.DISCORD_OAUTH_PROMPT = prompt
    assert query(client.get("/auth/login/"))["prompt"] == [prompt]


def test_it_binds_the_state_to_this_browser(client):
    state = OAuthState.objects.get(state=state_from(client.get("/auth/login/")))
    assert state.browser == client.session["_oauth_browser"]


def test_an_anonymous_session_made_for_login_is_short_lived(client):
    client.get("/auth/login/")
    assert client.session.get_expiry_age() <= 30 * 60


@pytest.mark.parametrize(
    ("next_path", "stored"),
    [
        ("/dashboard/guilds/613425648685547541/", "/dashboard/guilds/613425648685547541/"),
        ("/dashboard/?tab=servers", "/dashboard/?tab=servers"),
        ("/dashboard/caf\u00e9", "/dashboard/caf%C3%A9"),
        ("https://evil.example/", ""),
        ("//evil.example", ""),
        ("/\\evil.example", ""),
        ("\\\\evil.example", ""),
        ("javascript:alert(1)", ""),
        ("/\x00/", ""),
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
        ("https:/evil.example", ""),
        ("/auth/login/", ""),
        ("/" + "a" * 2000, ""),
        ("", ""),
    ],
)
def test_next_accepts_only_a_local_path(client, next_path, stored):
    response = client.get("/auth/login/", {"next": next_path})
    assert OAuthState.objects.get(state=state_from(response)).next_path == stored


def test_it_keeps_only_the_newest_pending_states_of_a_browser(client):
    states = [state_from(client.get("/auth/login/")) for _ in range(7)]
    kept = set(OAuthState.objects.values_list("state", flat=True))
    assert kept == set(states[-OAuthState.objects.MAX_PENDING :])


def test_another_browser_has_its_own_pending_states(client, django_user_model):
    from django.test import Client

    other = Client()
    for _ in range(5):
        client.get("/auth/login/")
    other.get("/auth/login/")
    assert OAuthState.objects.count() == 6


@pytest.fixture
def one_window(monkeypatch):
    """The limit's clock held still: every request of the test falls in one fixed window,
    however slowly a loaded machine sends them (a 1 s window would otherwise roll over)."""
    from types import SimpleNamespace

    monkeypatch.setattr("fightrise.ratelimit.time", SimpleNamespace(time=lambda: 1_800_000_000.5))


def test_it_limits_how_many_logins_one_address_starts(client, one_window):
    codes = [client.get("/auth/login/")["Location"] for _ in range(31)]
    assert codes[-1] == "/auth/error/?error=rate_limited"
    assert all("discord.com" in location for location in codes[:30])


@pytest.mark.parametrize(("limit", "allowed"), [((5, 1), 5), ((100, 3600), 100)])
def test_the_limit_is_the_login_rate_limit_setting(client, settings, one_window, limit, allowed):
    settings.LOGIN_RATE_LIMIT = limit
    codes = [client.get("/auth/login/")["Location"] for _ in range(allowed + 1)]
    assert all("discord.com" in location for location in codes[:allowed])
    assert codes[-1] == "/auth/error/?error=rate_limited"


def test_a_login_rate_limit_of_zero_turns_it_off(client, settings):
    settings.LOGIN_RATE_LIMIT = None
    codes = [client.get("/auth/login/")["Location"] for _ in range(40)]
    assert all("discord.com" in location for location in codes)


def test_it_purges_expired_states_as_it_goes(client):
    from datetime import timedelta

    from django.utils import timezone

    old = OAuthState.objects.issue(browser="x" * 32, purpose="login")
    OAuthState.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    from django.core.cache import cache

    cache.clear()  # the purge runs at most once a minute
    client.get("/auth/login/")
    assert not OAuthState.objects.filter(pk=old.pk).exists()


def test_it_explains_when_login_is_not_configured(client, settings):
    settings.DISCORD_CLIENT_ID = ""
    response = client.get("/auth/login/")
    assert response["Location"] == "/auth/error/?error=login_failed"
    assert OAuthState.objects.count() == 0


def test_it_refuses_post(client):
    assert client.post("/auth/login/").status_code == 405


def test_expired_sessions_are_purged_as_logins_go(client):
    from datetime import timedelta

    from django.core.cache import cache

    from accounts.models import Session
    from tests.factories import anonymous_session

    anonymous_session("x" * 32, expires_in=-timedelta(minutes=1))
    cache.clear()
    client.get("/auth/login/")
    assert not Session.objects.for_key("x" * 32).exists()


def test_ipv6_addresses_of_one_subscriber_share_a_limit(client):
    for host in range(31):
        last = client.get("/auth/login/", REMOTE_ADDR=f"2001:db8:1:2::{host + 1:x}")
    assert last["Location"] == "/auth/error/?error=rate_limited"
