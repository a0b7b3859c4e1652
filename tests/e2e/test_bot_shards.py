"""Two real `manage.py runbot` processes, one per shard of two, run a tournament in each of
two servers that fall on different shards: each server's posts are sent by its own shard's
process only (each process's log names every post it sent and its server), and while one
process is down its server's posts wait, untouched by the other, until it is back; nothing
is lost or posted twice."""

from __future__ import annotations

import re
import time

from discordsim import sample
from fightrise.snowflake import shard_of
from tests.e2e.conftest import present, wait_for
from tests.e2e.discordplay import (
    BOT_PACE,
    HQ,
    all_done,
    answered,
    assert_nothing_twice,
    called,
    configure,
    organiser,
    press,
    underway,
    with_button,
)
from tests.tournaments.conftest import match
from tournaments import operations
from tournaments.models import Post

MIDNIGHT = sample.MIDNIGHT_ARENA_ID
# Midnight Arena's members: its owner and three more.
MIDNIGHT_PLAYERS = [sample.BLAZE_ID, sample.ADA_ID, sample.NEWBIE_ID, sample.COLLECTOR_ID]
SENT = re.compile(r"Post (\d+) \(\w+\) sent in server (\d+)")


def sent_by(processes) -> list[tuple[int, str]]:
    """(post, server) for each post these processes' logs say they sent."""
    return [
        (int(post), server)
        for process in processes
        for post, server in SENT.findall(process.output())
    ]


def requests_in(sim, guild_id: str) -> int:
    """How many REST calls discordsim has had for the server, its channels or its threads."""
    guild = next(g for g in sim.scenario()["guilds"] if g["id"] == guild_id)
    ids = {guild_id, *(c["id"] for c in guild["channels"])}
    ids |= {thread["id"] for thread in sim.threads(guild_id)}
    return sum(1 for r in sim.requests() if ids & set(r["path"].split("/")))


def report_and_confirm(sim, guild_id: str, tournament) -> None:
    """Player 1 of match A reports 2-1 with /report in its thread; player 2 presses Confirm."""
    first = match(tournament, "A")
    thread = str(first.thread_id)
    one, two = str(first.player_1.discord_id), str(first.player_2.discord_id)
    ran = sim.interact(guild_id, thread, one, "report", None, {"score": "2-1"})
    assert "You reported 2-1 for match A" in answered(sim, ran)
    prompt = wait_for(lambda: with_button(sim, thread, "fr:confirm:"), message="the prompt")
    assert "✅" in press(sim, prompt, "Confirm", two)


def test_each_shards_process_posts_only_its_servers_and_they_wait_for_it(
    sim, hq, start_bot, make_user
):
    started_at = time.monotonic()
    shards = {HQ: shard_of(int(HQ), 2), MIDNIGHT: shard_of(int(MIDNIGHT), 2)}
    assert sorted(shards.values()) == [0, 1], "the two servers fall on different shards"

    def start(guild_id: str):
        return start_bot("--shard-count", "2", "--shard-ids", str(shards[guild_id]))

    processes = {guild_id: [start(guild_id)] for guild_id in shards}
    wait_for(lambda: {int(HQ), int(MIDNIGHT)} <= present(), message="both servers recorded")
    live = sorted(s["shard"] for s in sim.gateway_sessions() if not s["closed"])
    assert live == [[0, 2], [1, 2]]
    for guild_id in shards:
        configure(guild_id)
    ada = organiser(make_user)
    players = {HQ: hq[:4], MIDNIGHT: MIDNIGHT_PLAYERS}
    tournaments = {
        guild_id: underway(
            ada,
            players[guild_id],
            entrants=4,
            guild_id=guild_id,
            name=f"Shard {shard} Cup",
            format="single_elimination",
        )
        for guild_id, shard in shards.items()
    }

    # Both up: the announcements, their edits, round 1's calls and threads, a report's
    # prompt and the result go out in each server at once.
    for tournament in tournaments.values():
        wait_for(lambda t=tournament: called(t, 2), timeout=30, message="round 1 called")
    for guild_id, tournament in tournaments.items():
        report_and_confirm(sim, guild_id, tournament)
    for tournament in tournaments.values():
        wait_for(lambda t=tournament: all_done(t), message="the result posted")

    # Midnight Arena's process stops: its server's posts wait, and the other process, busy
    # with its own server's, leaves them alone (they were due first).
    assert processes[MIDNIGHT][0].stop() < 5
    untouched = requests_in(sim, MIDNIGHT)
    for guild_id in (MIDNIGHT, HQ):
        tournament = tournaments[guild_id]
        operations.set_result(tournament, match(tournament, "B").pk, score_1=2, score_2=0)
    wait_for(lambda: called(tournaments[HQ], 3), timeout=30, message="HQ's final called")
    time.sleep(10 * float(BOT_PACE["OUTBOX_POLL_SECONDS"]))  # ten more looks at the outbox
    waiting = tournaments[MIDNIGHT].posts.exclude(state=Post.State.DONE)
    assert sorted(waiting.values_list("kind", "state", "attempts")) == [
        (Post.Kind.MATCH_CALL, Post.State.PENDING, 0),  # the final, its players now known
        (Post.Kind.MATCH_EDIT, Post.State.PENDING, 0),  # match B's result
    ]
    assert requests_in(sim, MIDNIGHT) == untouched

    # Back: its own process sends them, once.
    processes[MIDNIGHT].append(start(MIDNIGHT))
    wait_for(lambda: called(tournaments[MIDNIGHT], 3), timeout=30, message="Midnight's final")

    for guild_id, tournament in tournaments.items():
        assert_nothing_twice(sim, tournament)
        (announcement,) = sim.messages(sample.channel_id(guild_id, "announcements"))
        assert f"**{tournament.name}**" in announcement["content"]
        sent = sent_by(processes[guild_id])
        assert {server for _, server in sent} == {guild_id}, "only its own server's posts"
        done = tournament.posts.filter(state=Post.State.DONE).values_list("pk", flat=True)
        assert sorted(post for post, _ in sent) == sorted(done), "each of them, once"
    print(f"\ntwo shards, two processes, two tournaments: {time.monotonic() - started_at:.1f}s")
