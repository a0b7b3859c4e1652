"""Factories for the tournament tests: a server with the bot, tournaments, entrants, play."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from guildbot.models import Guild, GuildConfig
from scripts.sample_tournaments import play_ready
from tests import discord_payloads as p
from tournaments import operations
from tournaments.models import Match, Tournament

# The signed-in person's servers (tests.discord_payloads.GUILDS): owner, admin, manager, member.
OWNER, ADMIN, MANAGER, MEMBER = (int(g["id"]) for g in p.GUILDS)
STRANGER = 1100000000000000099


@pytest.fixture
def make_guild():
    """A server the bot is in, with its time zone."""

    def make(guild_id: int = OWNER, *, name: str = "FightRise HQ", zone: str = "Europe/Paris"):
        guild, _ = Guild.objects.get_or_create(
            guild_id=guild_id, defaults={"name": name, "member_count": 40}
        )
        GuildConfig.objects.update_or_create(guild=guild, defaults={"timezone": zone})
        return guild

    return make


def local_now(zone: str = "Europe/Paris", *, minutes: int = 0) -> datetime:
    """The wall-clock time in `zone` `minutes` from now, naive, as the create form gives it."""
    when = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)) + timedelta(minutes=minutes)
    return when.replace(tzinfo=None, second=0, microsecond=0)


def in_a_week() -> datetime:
    """19:30 a week from now, wall-clock time (clocks change at night, never then)."""
    return local_now(minutes=7 * 24 * 60).replace(hour=19, minute=30)


@pytest.fixture
def make_tournament(make_guild):
    """A tournament in registration, made through the create operation."""

    def make(*, guild=None, entrants: int = 0, **fields) -> Tournament:
        values = {
            "created_by": None,
            "name": "Friday Fights",
            "game": "Street Fighter 6",
            "format": "double_elimination",
            "best_of": 3,
            "starts_at": in_a_week(),
            "check_in_minutes": 0,
            "max_entrants": 64,
            **fields,
        }
        tournament = operations.create(guild or make_guild(), **values)
        for number in range(1, entrants + 1):
            operations.add_walk_in(tournament, name=f"Player {number}")
        return tournament

    return make


@pytest.fixture
def started(make_tournament):
    """A tournament underway with `entrants` walk-ins, Player 1 as seed 1."""

    def make(entrants: int = 8, **fields) -> Tournament:
        fields.setdefault("max_entrants", max(entrants, 2))
        tournament = make_tournament(entrants=entrants, **fields)
        operations.start(tournament)
        tournament.refresh_from_db()
        return tournament

    return make


def match(tournament: Tournament, identifier: str) -> Match:
    return Match.objects.select_related("player_1", "player_2", "winner").get(
        tournament=tournament, identifier=identifier
    )


def win(tournament: Tournament, identifier: str, *, slot: int = 0, **options):
    """Slot `slot` wins the match 2-0 (best of 3) or 1-0 (best of 1)."""
    wins = (tournament.best_of + 1) // 2
    scores = (wins, 0) if slot == 0 else (0, wins)
    return operations.set_result(
        tournament,
        match(tournament, identifier).pk,
        score_1=scores[0],
        score_2=scores[1],
        **options,
    )


def play_out(tournament: Tournament, *, until: int | None = None) -> None:
    """The better seed wins every ready match 2-0, in play order, `until` results (or all)."""
    play_ready(tournament, results=until)
