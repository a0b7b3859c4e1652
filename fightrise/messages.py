"""The messages framework's storage with its cookie named as the session's is.

Django keeps a message in a cookie called `messages` (falling back to the session when it is
too big). Over HTTPS that cookie takes the __Host- prefix, as the session, CSRF and language
cookies do, so that a subdomain cannot plant or shadow it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.messages.storage.session import SessionStorage


class HostCookieStorage(CookieStorage):
    # CookieStorage sets it Secure (SESSION_COOKIE_SECURE), for Path=/, with no Domain
    # (SESSION_COOKIE_DOMAIN is unset): what a browser asks of a __Host- cookie.
    @property
    def cookie_name(self) -> str:
        return "__Host-messages" if settings.SESSION_COOKIE_SECURE else "messages"


class MessageStorage(FallbackStorage):
    storage_classes = (HostCookieStorage, SessionStorage)
