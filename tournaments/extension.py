"""The tournaments' discord.py extension, which `runbot` loads by name (BOT_EXTENSIONS):
the outbox's delivery for this process's shards, the periodic opening of due check-ins,
the persistent buttons, /report, and /tournament for organisers."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord
from discord import app_commands
from discord.ext import commands
from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import pgettext_lazy

from guildbot.translator import slash
from tournaments import interactions, operations
from tournaments.delivery import Delivery, db

logger = logging.getLogger(__name__)


class Tournaments(commands.Cog):
    """Tournaments in Discord: what the bot posts, and what people press and type."""

    tournament = app_commands.Group(
        name=slash(pgettext_lazy("slash command name", "tournament")),
        description=slash(
            pgettext_lazy("slash command description", "Run this server's FightRise tournaments")
        ),
        guild_only=True,
        # Discord offers these to members with Manage Server (admins can change it), and
        # every command checks the member's server permissions itself too.
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: commands.AutoShardedBot) -> None:
        self.bot = bot
        self.delivery: Delivery | None = None
        self._tasks: list[asyncio.Task] = []

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(interactions.PressButton)
        self._tasks = [
            asyncio.create_task(self._deliver()),
            asyncio.create_task(self._open_check_ins()),
        ]

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(interactions.PressButton)
        for task in self._tasks:
            task.cancel()
        if self.delivery is not None:
            await self.delivery.stop()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def shard_ids(self) -> list[int]:
        return list(self.bot.shard_ids or range(self.bot.shard_count or 1))

    async def _deliver(self) -> None:
        # Permissions and threads need the servers in discord.py's cache.
        await self.bot.wait_until_ready()
        self.delivery = Delivery(
            self.bot,
            shard_ids=self.shard_ids(),
            shard_count=self.bot.shard_count or 1,
            poll=settings.OUTBOX_POLL_SECONDS,
            lease=settings.OUTBOX_LEASE_SECONDS,
        )
        await self.delivery.run()

    async def _open_check_ins(self) -> None:
        """Check-in opens by itself at its time; the bot records it (and so posts the
        Check in button) at most BOT_HEARTBEAT_SECONDS later."""
        await self.bot.wait_until_ready()
        while True:
            try:
                opened = await db(operations.open_due_check_ins)()
            except DatabaseError:
                logger.exception("Could not open the check-ins due")
                opened = []
            if opened:
                logger.info("Opened check-in for %d tournament(s)", len(opened))
                if self.delivery is not None:
                    self.delivery.nudge()
            await asyncio.sleep(settings.BOT_HEARTBEAT_SECONDS)

    @app_commands.command(
        name=slash(pgettext_lazy("slash command name", "report")),
        description=slash(
            pgettext_lazy("slash command description", "Report your match's score, yours first")
        ),
    )
    @app_commands.rename(score=slash(pgettext_lazy("slash option name", "score")))
    @app_commands.describe(
        score=slash(
            pgettext_lazy(
                "slash option description", "Your games, a dash, then your opponent's: 2-1"
            )
        )
    )
    @app_commands.guild_only()
    async def report(
        self, interaction: discord.Interaction, score: app_commands.Range[str, 1, 7]
    ) -> None:
        await interactions.answer(interaction, interactions.report(interaction, score))

    @tournament.command(
        name=slash(pgettext_lazy("slash command name", "list")),
        description=slash(
            pgettext_lazy("slash command description", "This server's tournaments, with links")
        ),
    )
    async def list_tournaments(self, interaction: discord.Interaction) -> None:
        await interactions.answer(
            interaction, interactions.list_tournaments(interaction), writes=False
        )

    @tournament.command(
        name=slash(pgettext_lazy("slash command name", "start")),
        description=slash(
            pgettext_lazy("slash command description", "Close entries and call the first matches")
        ),
    )
    @app_commands.rename(name=slash(pgettext_lazy("slash option name", "name")))
    @app_commands.describe(
        name=slash(
            pgettext_lazy(
                "slash option description", "The tournament's name (needed when several are open)"
            )
        )
    )
    async def start(self, interaction: discord.Interaction, name: str | None = None) -> None:
        await interactions.answer(interaction, interactions.start(interaction, name))

    @tournament.command(
        name=slash(pgettext_lazy("slash command name", "manage")),
        description=slash(
            pgettext_lazy("slash command description", "A link to a tournament's manage page")
        ),
    )
    @app_commands.rename(name=slash(pgettext_lazy("slash option name", "name")))
    @app_commands.describe(
        name=slash(
            pgettext_lazy(
                "slash option description", "The tournament's name (needed when there are several)"
            )
        )
    )
    async def manage(self, interaction: discord.Interaction, name: str | None = None) -> None:
        await interactions.answer(interaction, interactions.manage(interaction, name), writes=False)


async def setup(bot: commands.AutoShardedBot) -> None:
    await bot.add_cog(Tournaments(bot))
