"""`python manage.py runbot`: run the FightRise bot until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio

import discord
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from guildbot import bot


def shard_list(value: str) -> list[int]:
    try:
        ids = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise CommandError(f"--shard-ids takes comma-separated numbers, not {value!r}") from None
    if not ids or any(shard < 0 for shard in ids):
        raise CommandError(f"--shard-ids takes comma-separated numbers, not {value!r}")
    return ids


class Command(BaseCommand):
    help = "Run the FightRise Discord bot (GUILDS intent), keeping the servers table true."

    def add_arguments(self, parser):
        parser.add_argument(
            "--shard-count",
            type=int,
            help="total shards across all processes (default: ask Discord)",
        )
        parser.add_argument(
            "--shard-ids",
            help="comma-separated shards this process runs, e.g. 0,1 (needs --shard-count)",
        )

    def handle(self, *args, shard_count=None, shard_ids=None, **options):
        if not settings.DISCORD_BOT_TOKEN:
            raise CommandError(
                "DISCORD_BOT_TOKEN is not set: put the bot token in the environment or .env"
            )
        ids = shard_list(shard_ids) if shard_ids is not None else None
        if ids is not None and shard_count is None:
            raise CommandError("--shard-ids needs --shard-count")
        if shard_count is not None and shard_count < 1:
            raise CommandError("--shard-count must be at least 1")
        if ids is not None and max(ids) >= shard_count:
            raise CommandError(f"--shard-ids must be below --shard-count ({shard_count})")
        try:
            asyncio.run(bot.run(settings.DISCORD_BOT_TOKEN, shard_count=shard_count, shard_ids=ids))
        except discord.LoginFailure:
            raise CommandError(
                "Discord refused DISCORD_BOT_TOKEN: check the token in the Developer Portal"
            ) from None
        except discord.PrivilegedIntentsRequired:
            raise CommandError(
                "Discord refused the bot's intents: the bot needs only GUILDS"
            ) from None
