"""Delete expired OAuth states and sessions, revoking at Discord the grants that expired
sessions still hold (run it daily, e.g. from a scheduler)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.grants import purge_expired
from accounts.models import Session


class Command(BaseCommand):
    help = "Delete expired OAuth states and sessions; revoke the Discord grants they held."

    def handle(self, *args, **options):
        cutoff = timezone.now()  # sessions expiring while this runs wait for the next run
        states, sessions = purge_expired(now=cutoff)
        self.stdout.write(f"Deleted {states} expired OAuth state(s) and {sessions} session(s).")
        kept = Session.objects.filter(expire_date__lte=cutoff).count()
        if kept:
            self.stdout.write(
                f"{kept} expired session(s) kept: Discord could not be asked to revoke their "
                "grants now; the next run tries again."
            )
