"""Record where each session is used from, and when it was last seen."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import Session
from fightrise.net import client_ip

# Write last_seen at most this often for a session that is otherwise only read.
LAST_SEEN_EVERY = timedelta(minutes=5)


class SessionActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        session.client_ip = client_ip(request)
        session.user_agent = request.META.get("HTTP_USER_AGENT", "")[:512]
        response = self.get_response(request)
        row = getattr(session, "row", None)
        now = timezone.now()
        if (
            row is not None
            and not session.modified
            and row.session_key == session.session_key
            and row.last_seen < now - LAST_SEEN_EVERY
        ):
            Session.objects.filter(pk=row.pk).update(
                last_seen=now, ip_address=session.client_ip, user_agent=session.user_agent
            )
        return response
