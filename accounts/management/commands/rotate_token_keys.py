"""Re-encrypt every stored Discord token with the first of TOKEN_ENCRYPTION_KEYS."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast

from accounts import crypto
from accounts.models import TOKEN_FIELDS, Session

# The columns as stored (ciphertexts), read and written past the field's encryption.
RAW = {f"raw_{name}": Cast(name, output_field=models.TextField()) for name in TOKEN_FIELDS}


def _stored(rows: models.QuerySet[Session]) -> models.QuerySet:
    return rows.annotate(**RAW).values_list("pk", *RAW)


class Command(BaseCommand):
    help = (
        "After putting a new key first in TOKEN_ENCRYPTION_KEYS (in every worker), re-encrypt "
        "the stored tokens with it; then the old key can be removed. Stops before writing "
        "anything when a token opens with none of the keys."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--drop-unreadable",
            action="store_true",
            help="End the sessions whose tokens no key opens, instead of stopping: for a key "
            "lost for good (their Discord grants cannot be revoked from here).",
        )

    def handle(self, *args, drop_unreadable: bool = False, **options):
        with_tokens = Session.objects.filter(~Q(access_token="") | ~Q(refresh_token=""))
        # Check every value first: a rotation that stopped halfway would leave nothing
        # wrong, but an operator who must find the missing key should not have to guess
        # what was already written.
        unreadable = [
            pk
            for pk, *values in _stored(with_tokens)
            if not all(crypto.opens(value) for value in values)
        ]
        if unreadable and not drop_unreadable:
            raise CommandError(
                f"{len(unreadable)} session(s) hold tokens that no key in "
                f"TOKEN_ENCRYPTION_KEYS opens (ids {', '.join(map(str, unreadable[:20]))}"
                f"{', ...' if len(unreadable) > 20 else ''}); nothing was written. Add the key "
                "that encrypted them to TOKEN_ENCRYPTION_KEYS and run this again; if it is lost "
                "for good, --drop-unreadable ends those sessions (their Discord grants can then "
                "not be revoked from here)."
            )
        if unreadable:
            dropped = Session.objects.filter(pk__in=unreadable).delete()[0]
            self.stdout.write(f"Ended {dropped} session(s) whose tokens no key opens.")
        rotated = 0
        for pk in list(with_tokens.values_list("pk", flat=True)):
            # Read and write in one short transaction, row locked, so that a refresh running
            # in a web worker is never overwritten with the tokens it just replaced.
            with transaction.atomic():
                row = _stored(Session.objects.select_for_update().filter(pk=pk)).first()
                if row is None:
                    continue
                try:
                    values = [crypto.rotate(value) for value in row[1:]]
                except crypto.TokenUnreadable:
                    raise CommandError(
                        f"The tokens of session {pk} changed meanwhile and no key opens them; "
                        f"{rotated} session(s) were re-encrypted, that one and the rest not."
                    ) from None
                Session.objects.filter(pk=pk).update(
                    **{
                        name: models.Value(value, output_field=models.TextField())
                        for name, value in zip(TOKEN_FIELDS, values, strict=True)
                    }
                )
                rotated += 1
        self.stdout.write(
            f"Re-encrypted the tokens of {rotated} session(s) with the first key of "
            "TOKEN_ENCRYPTION_KEYS; the other keys are no longer needed for them."
        )
