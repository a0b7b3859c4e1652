"""The language a person reads the site in: their choice on the switcher, kept for this
browser in the language cookie (as long as a session lasts) and, when they are signed in, on
their User, which each login puts back in the browser; else their browser's Accept-Language;
else English. Django's LocaleMiddleware reads the cookie and the header on every request."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import User
from accounts.oauth import local_path


def offered(code: str) -> bool:
    """Whether `code` is one of the languages the site speaks (settings.LANGUAGES)."""
    return code in dict(settings.LANGUAGES)


def remember(response: HttpResponse, code: str) -> None:
    """Keep `code` as this browser's language (the cookie LocaleMiddleware reads)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def back_to(request: HttpRequest) -> str:
    """The page the switcher was on: `next`, a path on this site (the form holds the path
    only, so that a page never echoes its query string), with the query string of the
    browser's Referer when that is the same page of this site (an error page's code)."""
    path = local_path(request.POST.get("next"))
    referer = request.META.get("HTTP_REFERER", "")
    if path and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        if parts.path == path and parts.query:
            return local_path(f"{path}?{parts.query}")
    return path


def choose(response: HttpResponse, user: User | None, code: str) -> None:
    """The person chose `code` (offered): for this browser, and for their User when signed in."""
    remember(response, code)
    if user is not None and user.is_authenticated and user.language != code:
        user.language = code
        user.save(update_fields=["language"])


def restore(response: HttpResponse, user: User) -> None:
    """At login: the language this person chose before, on any device, for this browser too."""
    if user.language and offered(user.language):
        remember(response, user.language)
