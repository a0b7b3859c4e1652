"""Delete expired OAuth states and expired sessions (run it daily, e.g. from a scheduler)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import OAuthState, Session


class Command(BaseCommand):
    help = "Delete expired OAuth states and sessions."

    def handle(self, *args, **options):
        states = OAuthState.objects.purge_expired()
        sessions, _ = Session.objects.filter(expire_date__lte=timezone.now()).delete()
        self.stdout.write(f"Deleted {states} expired OAuth state(s) and {sessions} session(s).")
