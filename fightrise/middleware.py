"""The Content-Security-Policy header on every response (Django 5.2 has none built in)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def content_security_policy() -> str:
    """Nothing but what the pages use: the site's own scripts, styles, images and fetches,
    and Discord's CDN for avatars and server icons; no inline script or style, no plugins,
    no <base>, no framing. Forms post only to the site: logging in and adding the bot are
    links to pages that redirect to Discord, never form submissions."""
    cdn = urlsplit(settings.DISCORD_CDN_URL)
    directives = {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"'self' {cdn.scheme}://{cdn.netloc}",
        "connect-src": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        # With DEBUG on, Django's own 404 and 500 pages are styled and scripted inline.
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
