"""Security headers and cookies on real responses: a strict Content-Security-Policy, and the
__Host- prefix on the session, CSRF, language and messages cookies when they are Secure."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import Client
from django.urls import path

from tests.conftest import BASE_DIR
from tests.servers import gunicorn

POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' https://cdn.discordapp.com; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def csp(response) -> str:
    return response.headers["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/auth/error/?error=invalid_state", "/no-such-page/", "/admin/login/", "/healthz"]
)
def test_every_page_has_the_strict_policy(client, path):
    assert csp(client.get(path)) == POLICY


@pytest.mark.django_db
def test_signed_in_pages_and_static_files_have_it_too(client, sign_in):
    sign_in(client)
    assert csp(client.get("/dashboard/")) == POLICY
    assert csp(client.get("/static/css/site.css")) == POLICY


def broken(request):
    raise RuntimeError("a bug")


# For the test below: this module is also a URLconf with one broken page.
urlpatterns = [path("broken/", broken)]


@pytest.mark.urls(__name__)
def test_the_page_for_a_500_has_it_and_needs_no_inline_style():
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    assert csp(response) == POLICY
    assert "<style" not in response.content.decode()


@pytest.mark.django_db
def test_images_may_come_from_the_configured_cdn(settings):
    settings.DISCORD_CDN_URL = "http://127.0.0.1:8001"
    policy = csp(Client().get("/"))
    assert "img-src 'self' http://127.0.0.1:8001;" in policy


def template_files() -> list[Path]:
    folders = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]
    return [
        file
        for folder in folders
        if "discordsim" not in str(folder)
        for file in folder.rglob("*")
        if file.is_file()
    ]


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    re.compile(r"<style\b", re.IGNORECASE),
    re.compile(r"\sstyle\s*=", re.IGNORECASE),
    re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    re.compile(r"javascript:", re.IGNORECASE),
]


def test_no_template_needs_inline_script_or_style():
    """The policy allows no inline script or style: keep every template free of them."""
    assert template_files()
    for template in template_files():
        text = template.read_text()
        for pattern in INLINE:
            assert not pattern.search(text), f"{template.relative_to(BASE_DIR)}: {pattern}"


@pytest.mark.django_db(transaction=True)
def test_over_https_the_cookies_take_the_host_prefix_on_real_responses():
    """Served as in production (Secure cookies), each cookie is __Host-: Secure, Path=/,
    no Domain, so that no subdomain and no plain-HTTP page can plant or shadow it."""
    production = {"SESSION_COOKIE_SECURE": "true", "CSRF_COOKIE_SECURE": "true"}
    with gunicorn(env=production) as server:
        admin = headers_of(f"{server.url}/admin/login/")
        login = headers_of(f"{server.url}/auth/login/")
    assert admin["Content-Security-Policy"] == login["Content-Security-Policy"] == POLICY
    cookies = admin.get_all("Set-Cookie") + login.get_all("Set-Cookie")
    assert sorted(cookie.split("=")[0] for cookie in cookies) == [
        "__Host-csrftoken",
        "__Host-sessionid",
    ]
    for cookie in cookies:
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert "secure" in attributes and "path=/" in attributes
        assert not [part for part in attributes if part.startswith("domain=")]


def headers_of(url: str):
    """The headers of a GET, without following a redirect."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:  # loopback
            return response.headers
    except urllib.error.HTTPError as answer:  # the redirect to Discord's consent page
        return answer.headers


@pytest.mark.django_db
def test_a_login_works_with_host_prefixed_cookies(settings, fake_discord):
    from accounts.models import OAuthState
    from tests import discord_payloads as p
    from tests.conftest import state_from
    from tests.fake_discord import LOGIN_REDIRECT_URI

    settings.DISCORD_REDIRECT_URI = LOGIN_REDIRECT_URI  # as configured in production
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    browser = Client()
    start = browser.get("/auth/login/", secure=True)
    session = start.cookies["__Host-sessionid"]
    assert session["secure"] and session["path"] == "/" and not session["domain"]
    state = state_from(start)
    fake_discord.login(verifier=OAuthState.objects.get(state=state).code_verifier)
    callback = browser.get("/auth/callback/", {"code": p.CODE, "state": state}, secure=True)
    assert callback["Location"] == "/dashboard/"
    assert browser.get("/dashboard/", secure=True).status_code == 200


@pytest.mark.parametrize(("secure", "name"), [(True, "__Host-messages"), (False, "messages")])
def test_a_message_travels_in_a_cookie_named_as_the_session_is(settings, rf, secure, name):
    """A "Saved." and its kin ride in a cookie until the next page shows them: __Host- over
    HTTPS (Secure, Path=/, no Domain), read back on the next request, and gone once shown."""
    from django.contrib import messages
    from django.contrib.messages.storage import default_storage
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.http import HttpResponse

    settings.SESSION_COOKIE_SECURE = secure

    def request(cookies=None):
        made = rf.get("/", secure=secure)
        made.session = SessionStore()
        made.COOKIES.update(cookies or {})
        made._messages = default_storage(made)
        return made

    first = request()
    messages.success(first, "Your server list is up to date.")
    response = HttpResponse()
    first._messages.update(response)
    assert list(response.cookies) == [name]
    cookie = response.cookies[name]
    assert bool(cookie["secure"]) is secure and cookie["path"] == "/" and not cookie["domain"]

    second = request({name: cookie.value})
    assert [str(m) for m in messages.get_messages(second)] == ["Your server list is up to date."]
    shown = HttpResponse()
    second._messages.update(shown)
    assert shown.cookies[name].value == "" and shown.cookies[name]["max-age"] == 0
