"""`make run`'s sample tournaments, one in each state, on discordsim's sample servers where
the bot is, with its sample people and walk-ins as entrants.

Run after `migrate` (scripts/devserver.py does, when it starts discordsim). Idempotent: a
tournament already there (same server, same name) is left as it is. Everything goes through
tournaments.operations, as an organiser's clicks would.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

WALK_INS = [
    "Kage",
    "Nova",
    "Riptide",
    "Ember",
    "Vex",
    "Tidal",
    "Comet",
    "Rook",
    "Jinx",
    "Halcyon",
    "Moss",
    "Quill",
    "Sable",
    "Juniper",
    "Orbit",
]


def _wall_clock(zone: str, *, days: float = 0, minutes: float = 0, at: str | None = None):
    """A naive time on `zone`'s clock, `days` and `minutes` from now, at "HH:MM" if given."""
    import zoneinfo

    from django.utils import timezone

    local = timezone.now().astimezone(zoneinfo.ZoneInfo(zone))
    local += timedelta(days=days, minutes=minutes)
    if at:
        hour, minute = map(int, at.split(":"))
        local = local.replace(hour=hour, minute=minute)
    return datetime(local.year, local.month, local.day, local.hour, local.minute)  # noqa: DTZ001


def play_ready(tournament, *, results: int | None = None, rng: random.Random | None = None):
    """Play `results` ready matches in play order (or all of them): the better seed wins,
    and with `rng` not always (a quarter of upsets), with scores that vary."""
    from tournaments import operations
    from tournaments.models import Match

    wins = (tournament.best_of + 1) // 2
    played = 0
    while results is None or played < results:
        match = (
            Match.objects.filter(tournament=tournament, state=Match.State.READY)
            .select_related("player_1", "player_2")
            .order_by("index")
            .first()
        )
        if match is None:
            return
        slot = 0 if match.player_1.seed < match.player_2.seed else 1
        loser_games = 0
        if rng is not None:
            slot = slot if rng.random() < 0.75 else 1 - slot
            loser_games = rng.randrange(wins)
        scores = (wins, loser_games) if slot == 0 else (loser_games, wins)
        operations.set_result(tournament, match.pk, score_1=scores[0], score_2=scores[1])
        played += 1


@dataclass(frozen=True)
class Plan:
    guild_id: str
    name: str
    game: str
    format: str
    best_of: int
    start: dict  # _wall_clock's days / minutes / at
    check_in_minutes: int
    max_entrants: int
    members: tuple[str, ...]
    walk_ins: int
    then: str  # the state to leave it in


def _plans() -> list[Plan]:
    from discordsim import sample

    hq, midnight, casual = (
        sample.FIGHTRISE_HQ_ID,
        sample.MIDNIGHT_ARENA_ID,
        sample.CASUAL_FRIDAYS_ID,
    )
    everyone = (sample.BLAZE_ID, sample.NEWBIE_ID, sample.COLLECTOR_ID)
    double, single = "double_elimination", "single_elimination"
    return [
        Plan(hq, "HQ Weekly #13", "Street Fighter 6", double, 3, {"days": 3, "at": "19:30"},
             30, 32, everyone, 3, "registration"),
        Plan(hq, "Friday Night Fights", "Tekken 8", double, 3, {"minutes": 180},
             60, 16, everyone, 4, "check_in"),
        Plan(hq, "HQ Major 2026", "Street Fighter 6", double, 3, {"days": -0.1},
             0, 64, everyone, 13, "underway"),
        Plan(hq, "HQ Weekly #12", "Street Fighter 6", single, 3, {"days": -7, "at": "19:30"},
             0, 32, everyone[:2], 6, "complete"),
        Plan(hq, "HQ Winter Open", "Guilty Gear Strive", double, 5, {"days": 20, "at": "14:00"},
             0, 128, everyone[1:], 2, "cancelled"),
        Plan(midnight, "Midnight Madness", "Granblue Fantasy Versus", single, 1,
             {"days": 1, "at": "23:00"}, 15, 16, (sample.NEWBIE_ID,), 5, "registration"),
        Plan(casual, "Casual Friday Bracket", "Street Fighter 6", single, 3,
             {"days": 4, "at": "20:00"}, 0, 8, everyone[:2], 1, "registration"),
    ]  # fmt: skip


ZONES = {
    "1085624137117863936": "Europe/Paris",  # FightRise HQ
    "545755878167416832": "America/New_York",  # Midnight Arena
    "893550330904580096": "Europe/London",  # Casual Fridays
}


def _guild(guild_id: str):
    """The server's row and settings. The bot records the row from the gateway as it
    connects; making it now lets the tournaments exist from the first page view."""
    from discordsim import sample
    from guildbot.models import Guild, GuildConfig

    server = next(s for s in sample.sample_scenario()["guilds"] if s["id"] == guild_id)
    guild, _ = Guild.objects.get_or_create(
        guild_id=int(guild_id),
        defaults={
            "name": server["name"],
            "icon": server["icon"] or "",
            "owner_id": int(server["owner_id"]),
            "member_count": server["member_count"],
        },
    )
    config, created = GuildConfig.objects.get_or_create(guild=guild)
    if created:
        config.timezone = ZONES[guild_id]
        # Where the bot posts: the announcements channel (general where there is none) and
        # the matches channel, as /fightrise setup would set them.
        names = {channel["name"] for channel in server["channels"]}
        announcements = "announcements" if "announcements" in names else "general"
        config.announcement_channel_id = int(sample.channel_id(guild_id, announcements))
        config.match_channel_id = int(sample.channel_id(guild_id, "matches"))
        config.save()
    return guild


def _make(plan: Plan, guild, names: dict[str, str], rng: random.Random) -> None:
    from discordsim import sample
    from tournaments import operations

    tournament = operations.create(
        guild,
        created_by=None,
        name=plan.name,
        game=plan.game,
        format=plan.format,
        best_of=plan.best_of,
        starts_at=_wall_clock(guild.config.timezone, **plan.start),
        check_in_minutes=plan.check_in_minutes,
        max_entrants=plan.max_entrants,
    )
    for discord_id in plan.members:
        operations.join(tournament, discord_id=int(discord_id), name=names[discord_id])
    for walk_in in WALK_INS[: plan.walk_ins]:
        operations.add_walk_in(tournament, name=walk_in)
    if plan.then == "check_in":
        operations.open_check_in(tournament)  # early: it would open by itself an hour before
        operations.check_in(tournament, discord_id=int(sample.BLAZE_ID))
    elif plan.then in ("underway", "complete"):
        started = operations.start(tournament)
        matches = len(started.entrants) * 2 - 1
        play_ready(tournament, results=None if plan.then == "complete" else matches // 2, rng=rng)
    elif plan.then == "cancelled":
        operations.cancel(tournament)


def seed_sample_tournaments() -> list[str]:
    """Create what is missing; returns the names of the tournaments created."""
    from django.db import transaction

    from discordsim import sample
    from tournaments.models import Tournament

    names = {
        person["id"]: person.get("global_name") or person["username"]
        for person in sample.sample_scenario()["users"]
    }
    rng = random.Random(1085624137117863936)  # noqa: S311 - sample results, not security
    created = []
    for plan in _plans():
        guild = _guild(plan.guild_id)
        if Tournament.objects.filter(guild=guild, name=plan.name).exists():
            continue
        with transaction.atomic():
            _make(plan, guild, names, rng)
        created.append(plan.name)
    return created


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fightrise.settings")
    import django

    django.setup()
    created = seed_sample_tournaments()
    if created:
        print(f"Sample tournaments created: {', '.join(created)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
