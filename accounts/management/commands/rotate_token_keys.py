"""Re-encrypt every stored Discord token with the first of TOKEN_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from accounts.models import TOKEN_FIELDS, Session


class Command(BaseCommand):
    help = (
        "After putting a new key first in TOKEN_ENCRYPTION_KEYS, re-encrypt stored tokens with "
        "it; then the old key can be removed."
    )

    def handle(self, *args, **options):
        with_tokens = Session.objects.filter(~Q(access_token="") | ~Q(refresh_token=""))
        rotated = 0
        for pk in list(with_tokens.values_list("pk", flat=True)):
            # Read and write in one short transaction, row locked, so that a refresh running
            # in a web worker is never overwritten with the tokens it just replaced.
            with transaction.atomic():
                session = (
                    Session.objects.select_for_update().only(*TOKEN_FIELDS).filter(pk=pk).first()
                )
                if session is None:
                    continue
                # Reading decrypts with any key; saving encrypts with the first.
                session.save(update_fields=list(TOKEN_FIELDS))
                rotated += 1
        self.stdout.write(f"Re-encrypted the tokens of {rotated} session(s).")
