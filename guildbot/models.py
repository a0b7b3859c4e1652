"""The servers the bot is in (kept true from the gateway) and the bot's settings for each."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from fightrise.snowflake import parse_discord_id, shard_of

# The bot speaks the site's languages: those whose catalogues are complete (settings.LANGUAGES).
LOCALES = list(settings.LANGUAGES)
# Languages the settings offered before FightRise spoke any but English, and offer no longer
# (migration 0004 moved their servers to English, remembering the choice in dropped_locale).
DROPPED_LOCALES = {
    "it": "Italiano",
    "ko": "한국어",
    "nl": "Nederlands",
    "pl": "Polski",
    "ru": "Русский",
    "tr": "Türkçe",
    "zh": "中文",
}


@functools.cache
def timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    """An IANA time zone name, such as Europe/Paris or UTC."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(f"{value!r} is not a time zone name, such as Europe/Paris.") from None
    if timezone_names() and value not in timezone_names():
        raise ValidationError(f"{value!r} is not a time zone name, such as Europe/Paris.")


def validate_snowflake(value: int) -> None:
    if parse_discord_id(str(value)) is None:
        raise ValidationError("This is not a Discord id (17 to 20 digits).")


class GuildQuerySet(models.QuerySet):
    def present(self) -> GuildQuerySet:
        return self.filter(present=True)

    def present_ids(self, guild_ids) -> set[int]:
        """Which of these servers the bot is in now, in one query."""
        return set(self.present().filter(guild_id__in=guild_ids).values_list("guild_id", flat=True))


class Guild(models.Model):
    """A server the bot is in or was in. Written only by the bot, from gateway events."""

    guild_id = models.PositiveBigIntegerField("server id", unique=True)
    name = models.CharField(max_length=100)
    icon = models.CharField(max_length=64, blank=True)
    owner_id = models.PositiveBigIntegerField(null=True, blank=True)
    member_count = models.PositiveIntegerField(null=True, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    # The text and announcement channels, in Discord's order: [{"id": "...", "name": "..."}].
    channels = models.JSONField(default=list, blank=True)
    present = models.BooleanField(default=True, db_index=True)
    left_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GuildQuerySet.as_manager()

    class Meta:
        verbose_name = "server"
        ordering = ("name",)

    def __str__(self) -> str:
        return f"{self.name} ({self.guild_id})"


class GuildConfigManager(models.Manager["GuildConfig"]):
    def for_guild(self, guild: Guild) -> GuildConfig:
        """This server's settings, created with the defaults the first time they are needed."""
        config, _ = self.get_or_create(guild=guild)
        return config

    def language(self, guild_id: int | None) -> str:
        """The language the bot speaks in this server (its settings' locale), English for a
        server without settings."""
        found = self.filter(guild_id=guild_id).values_list("locale", flat=True).first()
        return found or settings.LANGUAGE_CODE


class GuildConfig(models.Model):
    """The bot's settings for one server, created the first time they are needed."""

    guild = models.OneToOneField(
        Guild,
        on_delete=models.CASCADE,
        primary_key=True,
        to_field="guild_id",
        db_column="guild_id",
        related_name="config",
    )
    announcement_channel_id = models.PositiveBigIntegerField(
        null=True, blank=True, validators=[validate_snowflake]
    )
    match_channel_id = models.PositiveBigIntegerField(
        null=True, blank=True, validators=[validate_snowflake]
    )
    locale = models.CharField(max_length=8, choices=LOCALES, default="en")
    # A language this server chose that FightRise no longer offers (a DROPPED_LOCALES code):
    # it speaks English there meanwhile, and the settings page says so until they are saved.
    dropped_locale = models.CharField(max_length=8, blank=True, editable=False)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    updated_at = models.DateTimeField(auto_now=True)

    objects = GuildConfigManager()

    class Meta:
        verbose_name = "server settings"
        verbose_name_plural = "server settings"

    def __str__(self) -> str:
        return f"Settings of {self.guild_id}"


# How long the bot may be silent before the site says it is offline.
SILENT_AFTER = timedelta(minutes=1)


class HeartbeatQuerySet(models.QuerySet):
    def online(self, guild_id: int, *, now: datetime | None = None) -> bool:
        """Whether the bot process holding this server's shard was heard from within the
        last minute. Shards are counted as each process was started (its shard count)."""
        since = (now or timezone.now()) - SILENT_AFTER
        return any(
            beat.shard_id == shard_of(guild_id, beat.shard_count)
            for beat in self.filter(seen_at__gte=since)
        )


class ShardHeartbeat(models.Model):
    """When `runbot` last said a shard of it is connected (every BOT_HEARTBEAT_SECONDS)."""

    shard_id = models.PositiveSmallIntegerField()
    shard_count = models.PositiveSmallIntegerField()
    seen_at = models.DateTimeField()

    objects = HeartbeatQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shard_count", "shard_id"], name="heartbeat_per_shard")
        ]

    def __str__(self) -> str:
        return f"Shard {self.shard_id} of {self.shard_count}, seen {self.seen_at:%Y-%m-%d %H:%M:%S}"
