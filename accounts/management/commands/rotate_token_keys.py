"""Re-encrypt every stored Discord token with the first of TOKEN_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand

from accounts.models import TOKEN_FIELDS, Session


class Command(BaseCommand):
    help = (
        "After putting a new key first in TOKEN_ENCRYPTION_KEYS, re-encrypt stored tokens with "
        "it; then the old key can be removed."
    )

    def handle(self, *args, **options):
        rotated = 0
        for session in (
            Session.objects.exclude(refresh_token="").only("pk", *TOKEN_FIELDS).iterator()
        ):
            # Reading decrypts with any key; saving encrypts with the first.
            session.save(update_fields=list(TOKEN_FIELDS))
            rotated += 1
        self.stdout.write(f"Re-encrypted the tokens of {rotated} session(s).")
