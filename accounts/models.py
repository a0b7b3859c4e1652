"""People who sign in with Discord (and staff accounts that never do)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person. Discord users are keyed by `discord_id`; staff may have none and a password."""

    discord_id = models.PositiveBigIntegerField("Discord id", unique=True, null=True, blank=True)
    discord_username = models.CharField(max_length=32, blank=True, db_index=True)
    display_name = models.CharField(max_length=100, blank=True)
    avatar_hash = models.CharField(max_length=64, blank=True)
    # As of 2023-05, migrated users have discriminator "0"; legacy users keep four digits.
    discriminator = models.CharField(max_length=4, default="0")

    class Meta:
        db_table = "accounts_user"

    def __str__(self) -> str:
        return self.display_name or self.discord_username or self.username
