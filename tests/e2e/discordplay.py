"""Playing a tournament in discordsim, for the end-to-end tests of the bot: the sample
server's channels, the pace the bot is run at, reading its messages and threads, and pressing
its buttons or running its commands as a player would (the `hq` fixture, in conftest, loads
the server with its sixteen extra players)."""

from __future__ import annotations

from collections import Counter

from discordsim import sample
from tests.e2e.conftest import present, wait_for
from tests.tournaments.conftest import local_now
from tournaments import operations
from tournaments.models import Match, Post, Tournament

HQ = sample.FIGHTRISE_HQ_ID
ANNOUNCEMENTS = sample.channel_id(HQ, "announcements")
MATCHES = sample.channel_id(HQ, "matches")
GENERAL = sample.channel_id(HQ, "general")
# Discord's limits keep their shape (a count per window, per channel or thread); only the
# windows shrink, so a whole bracket takes seconds.
FAST_LIMITS = {
    "message_create": (5, 0.25),
    "message_edit": (5, 0.25),
    "thread_create": (10, 0.5),
    "thread_members": (10, 0.5),
}
BOT_PACE = {
    "OUTBOX_POLL_SECONDS": "0.1",
    "OUTBOX_LEASE_SECONDS": "2",
    "OUTBOX_COALESCE_SECONDS": "0.5",
    "BOT_HEARTBEAT_SECONDS": "0.5",
}


def configure(guild_id: str = HQ) -> None:
    """The sample server's #announcements and #matches for the bot's posts, as an organiser
    would set them; Paris time."""
    from guildbot.models import GuildConfig

    config = GuildConfig.objects.for_guild(_guild(guild_id))
    config.announcement_channel_id = int(sample.channel_id(guild_id, "announcements"))
    config.match_channel_id = int(sample.channel_id(guild_id, "matches"))
    config.timezone = "Europe/Paris"
    config.save()


def _guild(guild_id: str = HQ):
    from guildbot.models import Guild

    return Guild.objects.get(guild_id=int(guild_id))


def organiser(make_user):
    return make_user(discord_id=int(sample.ADA_ID), display_name="Ada Lovelace")


def new_tournament(
    creator, *, entrants: int = 16, check_in: int = 0, guild_id: str = HQ, **fields
) -> Tournament:
    return operations.create(
        _guild(guild_id),
        created_by=creator,
        name=fields.pop("name", "HQ Weekly #14"),
        game="Street Fighter 6",
        format=fields.pop("format", "double_elimination"),
        best_of=3,
        starts_at=local_now(minutes=90),
        check_in_minutes=check_in,
        max_entrants=entrants,
        **fields,
    )


def start_bot_ready(start_bot, **kwargs):
    bot = start_bot(**kwargs)
    wait_for(lambda: int(HQ) in present(), message="the bot recorded HQ")
    return bot


# Reading discordsim


def buttons(message: dict) -> dict[str, str]:
    return {
        part["label"]: part.get("custom_id") or part.get("url")
        for row in message.get("components", [])
        for part in row.get("components", [])
    }


def with_button(sim, channel_id: str, prefix: str) -> dict | None:
    """The first message in the channel with a button whose custom_id starts so."""
    for message in sim.messages(channel_id):
        if any((cid or "").startswith(prefix) for cid in buttons(message).values()):
            return message
    return None


def answered(sim, interaction: dict, timeout: float = 10) -> str:
    """The words the bot answered an interaction with (a reply, an update, or a deferred
    reply's followup), once it has."""

    def words():
        record = sim.interaction_response(interaction["id"])
        callback = record["callback"]
        if callback is None:
            return None
        if callback["type"] in (4, 7):
            return callback["data"].get("content") or "(empty)"
        if record["followups"]:
            return record["followups"][-1].get("content")
        return None

    return wait_for(words, timeout=timeout, message=f"an answer to {interaction}")


def press(sim, message: dict, label: str, user_id: str) -> str:
    return answered(sim, sim.press(message["id"], buttons(message)[label], user_id))


def run(sim, channel_id: str, user_id: str, name: str, subcommand=None, **options) -> str:
    ran = sim.interact(HQ, channel_id, user_id, name, subcommand, options)
    return answered(sim, ran)


def match_threads(sim, guild_id: str = HQ) -> dict[str, list[dict]]:
    """The server's threads in the matches channel, by the match identifier they name."""
    matches = sample.channel_id(guild_id, "matches")
    found: dict[str, list[dict]] = {}
    for thread in sim.threads(guild_id):
        if thread["parent_id"] == matches:
            found.setdefault(thread["name"].split(" · ")[0], []).append(thread)
    return found


def call_messages(sim, guild_id: str = HQ) -> Counter:
    """How many call messages each match has in the matches channel."""
    calls = Counter()
    for message in sim.messages(sample.channel_id(guild_id, "matches")):
        content = message.get("content", "")
        if " · Match **" in content:
            calls[content.split("Match **")[1].split("**")[0]] += 1
    return calls


def assert_nothing_twice(sim, tournament: Tournament) -> None:
    """One call message and one thread per called match, one first message per thread, in
    the matches channel of the tournament's server."""
    guild_id = str(tournament.guild_id)
    called = {
        m.identifier: m
        for m in Match.objects.filter(tournament=tournament, thread_id__isnull=False)
    }
    assert called
    calls = call_messages(sim, guild_id)
    assert set(calls) == set(called) and set(calls.values()) == {1}, calls
    threads = match_threads(sim, guild_id)
    assert {k: len(v) for k, v in threads.items()} == dict.fromkeys(called, 1)
    for identifier, match in called.items():
        (thread,) = threads[identifier]
        assert int(thread["id"]) == match.thread_id
        firsts = [m for m in sim.messages(thread["id"]) if "`/report score:" in m["content"]]
        assert len(firsts) == 1, (identifier, firsts)
    matches = sample.channel_id(guild_id, "matches")
    assert not [m for m in sim.messages(matches) if m["type"] == 18], (
        "no thread-created notices: threads start from their call message"
    )


def all_done(tournament: Tournament) -> bool:
    return not tournament.posts.exclude(state__in=[Post.State.DONE, Post.State.SKIPPED]).exists()


def underway(creator, players, *, entrants: int = 8, **fields) -> Tournament:
    """A tournament whose entrants joined (as their presses would) and which has started."""
    tournament = new_tournament(creator, entrants=entrants, **fields)
    for player in players[:entrants]:
        operations.join(tournament, discord_id=int(player), name=f"Player {player[-3:]}")
    operations.start(tournament)
    return tournament


def called(tournament: Tournament, count: int) -> bool:
    return Match.objects.filter(
        tournament=tournament, thread_id__isnull=False
    ).count() == count and all_done(tournament)


def statuses(sim, path: str, method: str = "POST") -> list[int]:
    return [r["status"] for r in sim.requests(path, method=method)]
