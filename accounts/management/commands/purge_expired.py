"""Delete expired OAuth states and expired sessions (run it daily, e.g. from a scheduler)."""

from django.core.management.base import BaseCommand

from accounts.models import purge_expired


class Command(BaseCommand):
    help = "Delete expired OAuth states and sessions."

    def handle(self, *args, **options):
        states, sessions = purge_expired()
        self.stdout.write(f"Deleted {states} expired OAuth state(s) and {sessions} session(s).")
