"""The language switcher (POST /auth/language/) and how a language is chosen: the person's
choice (this browser's cookie, their User at each login), else Accept-Language, else English."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from tests import discord_payloads as p

pytestmark = pytest.mark.django_db

URL = "/auth/language/"


def switch(client, language: str, next_path: str = "/", **headers):
    return client.post(URL, {"language": language, "next": next_path}, headers=headers)


def html_lang(response) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]*)" dir="([^"]*)">', response.content.decode())
    assert found, "no <html lang dir>"
    return found.group(1), found.group(2)


def test_it_switches_this_browser_and_goes_back_to_the_page(client):
    response = switch(client, "fr", "/")
    assert response.status_code == 302 and response["Location"] == "/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "fr" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE
    page = client.get("/")
    assert html_lang(page) == ("fr", "ltr")
    assert "Connexion avec Discord" in page.content.decode()


def test_it_remembers_the_choice_on_the_signed_in_person(client, sign_in, make_user):
    user = make_user()
    sign_in(client, user=user)
    assert switch(client, "de", "/dashboard/")["Location"] == "/dashboard/"
    user.refresh_from_db()
    assert user.language == "de"


def test_an_anonymous_choice_touches_no_one(client, make_user):
    user = make_user()
    switch(client, "ja")
    user.refresh_from_db()
    assert user.language == ""


def test_the_choice_comes_back_at_the_next_login_on_another_device(log_in, make_user):
    make_user(discord_id=int(p.USER_ID), language="pt-br")
    laptop = Client()
    response = log_in(client=laptop)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt-br"
    assert html_lang(laptop.get("/dashboard/")) == ("pt-br", "ltr")


def test_a_login_without_a_choice_leaves_the_browser_as_it_is(client, log_in):
    response = log_in()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert User.objects.get(discord_id=p.USER_ID).language == ""


@pytest.mark.parametrize("language", ["it", "xx", "", "en-us", "pt", "de;DROP"])
def test_it_refuses_a_language_the_site_does_not_speak(client, make_user, sign_in, language):
    user = make_user()
    sign_in(client, user=user)
    response = switch(client, language)
    assert response.status_code == 400
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    user.refresh_from_db()
    assert user.language == ""


def test_it_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = switch(client, "de")
    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_form_on_every_page_carries_the_csrf_token_and_the_path(client):
    page = client.get("/t/no-such-tournament/").content.decode()
    form = re.search(r'<form method="post" action="/auth/language/".*?</form>', page, re.S)
    assert form, "no language switcher"
    assert 'name="csrfmiddlewaretoken"' in form.group(0)
    assert '<input type="hidden" name="next" value="/t/no-such-tournament/">' in form.group(0)
    # Each language by its own name, in its own language.
    assert '<option value="ja" lang="ja">日本語</option>' in form.group(0)
    assert '<option value="en" lang="en" selected>English</option>' in form.group(0)


def test_it_only_takes_a_get_for_nothing(client):
    assert client.get(URL, {"language": "de"}).status_code == 405


@pytest.mark.parametrize(
    "next_path",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_it_never_goes_to_another_site(client, next_path):
    response = switch(client, "es", next_path)
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_query_comes_back_from_the_referer_of_the_same_page(client):
    """The form holds the path only (a page never echoes its query string); the error page's
    code comes back from the Referer, of this site and this page only."""
    here = "http://testserver/auth/error/?error=access_denied"
    response = switch(client, "de", "/auth/error/", referer=here)
    assert response["Location"] == "/auth/error/?error=access_denied"
    assert "Du hast auf Discord abgebrochen" in client.get(response["Location"]).content.decode()
    elsewhere = "https://evil.example/auth/error/?error=access_denied"
    assert switch(client, "de", "/auth/error/", referer=elsewhere)["Location"] == "/auth/error/"
    other_page = "http://testserver/dashboard/?x=1"
    assert switch(client, "de", "/auth/error/", referer=other_page)["Location"] == "/auth/error/"


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("fr-CA", "fr"),
        ("es-419,es;q=0.9", "es"),
        ("pt-PT,pt;q=0.9", "pt-br"),
        ("pt-BR", "pt-br"),
        ("ja-JP", "ja"),
        ("it-IT,ko;q=0.5", "en"),
        ("en-GB", "en"),
        ("", "en"),
        ("ko;q=0.9, ja;q=0.3, fr;q=0.5", "fr"),
    ],
)
def test_without_a_choice_the_browser_language_is_taken(client, accept, language):
    response = client.get("/", headers={"accept-language": accept})
    assert html_lang(response)[0] == language
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]


def test_the_choice_beats_the_browser_language(client):
    switch(client, "ja")
    response = client.get("/", headers={"accept-language": "de-DE"})
    assert html_lang(response)[0] == "ja"


def test_english_is_the_default(client):
    assert html_lang(client.get("/")) == ("en", "ltr")


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_every_page_kind_says_its_language(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for path in ("/", "/auth/error/?error=invalid_state", "/no-such-page/"):
        assert html_lang(client.get(path))[0] == language
