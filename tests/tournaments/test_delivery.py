"""Delivering the outbox with the real discord.py client against discordsim: each post's
requests, what is recorded, and never twice: a message made before a crash is found, a
thread that exists is taken as made, a nonce makes a repeat return the first message;
refusals for good stop the queue, a 503 waits, a deleted message is not edited."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import discord
import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.utils import timezone

from discordsim import sample
from discordsim.testing import running_sim
from fightrise.snowflake import shard_of
from guildbot.models import GuildConfig
from tests.discordsim.helpers import point_discordpy_at, running
from tests.tournaments.conftest import match, win
from tournaments import operations, outbox, posts
from tournaments.delivery import Delivery, view_of
from tournaments.models import Match, Post, Tournament

pytestmark = pytest.mark.django_db(transaction=True)

HQ = sample.FIGHTRISE_HQ_ID
ANNOUNCEMENTS = sample.channel_id(HQ, "announcements")
MATCHES = sample.channel_id(HQ, "matches")
ANNOUNCEMENTS_PATH = f"/api/v10/channels/{ANNOUNCEMENTS}/messages"
Kind, State = Post.Kind, Post.State


@pytest.fixture(scope="module")
def sim_server():
    with running_sim() as client:
        yield client


@pytest.fixture
def sim(sim_server, monkeypatch):
    sim_server.reset()
    point_discordpy_at(monkeypatch, sim_server)
    return sim_server


@pytest.fixture(autouse=True)
def _close_the_delivery_threads_connections():
    """The delivery's database calls run in asgiref's one thread for sync code; its
    connection must close with the test, or the test database cannot be dropped."""
    yield
    asyncio.run(sync_to_async(connections.close_all)())


@pytest.fixture
def hq(make_guild):
    guild = make_guild(int(HQ))
    GuildConfig.objects.filter(guild=guild).update(
        announcement_channel_id=int(ANNOUNCEMENTS), match_channel_id=int(MATCHES)
    )
    return guild


def connected():
    """A discord.py client with the GUILDS intent, connected and ready (servers cached)."""
    return running(discord.Client(intents=discord.Intents(guilds=True), guild_ready_timeout=0.05))


def deliver(*, shard_ids=(0,), shard_count=1, before=None, lease=30.0) -> int:
    """One delivery pass (and each tournament's rows after it), as the bot makes it."""

    async def run():
        async with connected() as client:
            if before is not None:
                await before(client)
            delivery = Delivery(
                client, shard_ids=shard_ids, shard_count=shard_count, poll=0.05, lease=lease
            )
            return await delivery.run_once()

    return asyncio.run(run())


def members(tournament, count: int = 4) -> None:
    scenario = sample.sample_scenario()
    people = [sample.ADA_ID, sample.BLAZE_ID, sample.NEWBIE_ID, sample.COLLECTOR_ID][:count]
    for person in people:
        user = next(u for u in scenario["users"] if u["id"] == person)
        operations.join(tournament, discord_id=int(person), name=user["global_name"] or "x")


def calls(sim) -> list[dict]:
    return [m for m in sim.messages(MATCHES) if "· Match **" in m["content"]]


def done_before(tournament) -> None:
    """Everything but the match calls already went out."""
    tournament.posts.exclude(kind=Kind.MATCH_CALL).update(state=State.DONE)


def crashed(post: Post, **recorded) -> None:
    """As a process that died while sending it would leave the row: claimed, its lease run
    out, with what it had recorded."""
    Post.objects.filter(pk=post.pk).update(
        state=State.SENDING,
        claim="dead",
        claimed_until=timezone.now() - timedelta(seconds=1),
        attempts=1,
        first_claimed_at=timezone.now() - timedelta(seconds=2),
        **recorded,
    )


def test_a_match_call_is_a_message_a_thread_from_it_and_a_first_message(sim, hq, make_tournament):
    tournament = make_tournament(guild=hq, format="single_elimination", max_entrants=4)
    members(tournament)
    operations.start(tournament)
    done_before(tournament)
    deliver()
    for post in tournament.posts.filter(kind=Kind.MATCH_CALL):
        assert post.state == State.DONE
        assert post.thread_id == post.message_id  # a thread from a message takes its id
        match = Match.objects.select_related("player_1", "player_2").get(pk=post.match_id)
        assert (match.thread_id, match.state) == (post.thread_id, Match.State.CALLED)
        (first,) = sim.messages(str(post.thread_id))
        assert str(first["id"]) == str(post.thread_message_id)
        mentioned = {match.player_1.discord_id, match.player_2.discord_id}
        assert {int(u["id"]) for u in first["mentions"]} == mentioned
        # Mentioning the players in the thread's first message adds them to it.
        assert mentioned <= {int(i) for i in sim.thread_members(str(post.thread_id))}
    assert len(calls(sim)) == 2
    assert all(t["name"].split(" · ")[0] in "AB" for t in sim.threads(HQ))


def test_a_message_made_before_a_crash_is_found_not_sent_again(sim, hq, make_tournament):
    tournament = make_tournament(guild=hq)
    (post,) = tournament.posts.all()
    said = posts.plan(post).message

    async def made_before(client):
        channel = client.get_partial_messageable(int(ANNOUNCEMENTS))
        await channel.send(said.content, view=view_of(said))

    crashed(post)
    deliver(before=made_before)
    post.refresh_from_db()
    (announcement,) = sim.messages(ANNOUNCEMENTS)
    assert (post.state, post.message_id, post.attempts) == (
        State.DONE,
        int(announcement["id"]),
        2,
    )


def test_a_call_made_before_a_crash_is_found_in_the_language_it_was_sent_in(
    sim, hq, make_tournament
):
    """A call message has no buttons: a retry finds it by its exact words, so it writes
    them in the language of the first attempt, even if the server chose another since."""
    GuildConfig.objects.filter(guild=hq).update(locale="de")
    tournament = make_tournament(guild=hq, format="single_elimination", max_entrants=2)
    members(tournament, 2)
    operations.start(tournament)
    done_before(tournament)
    (post,) = tournament.posts.filter(kind=Kind.MATCH_CALL)
    claimed = outbox.claim(post.pk, "dead", lease=30)  # the first attempt, in German
    said = posts.plan(claimed).message
    assert "Wird jetzt gespielt" in said.content

    async def made_before(client):
        channel = client.get_partial_messageable(int(MATCHES), guild_id=int(HQ))
        await channel.send(said.content)

    crashed(post, payload=claimed.payload)
    GuildConfig.objects.filter(guild=hq).update(locale="fr")  # changed meanwhile
    deliver(before=made_before)
    post.refresh_from_db()
    (call,) = sim.messages(MATCHES)
    assert (post.state, post.message_id) == (State.DONE, int(call["id"]))
    (first,) = sim.messages(str(post.thread_id))
    assert "/melden ergebnis:2-1" in first["content"]  # the thread's first message, German too


def test_a_thread_that_exists_is_taken_as_made(sim, hq, make_tournament):
    tournament = make_tournament(guild=hq, format="single_elimination", max_entrants=2)
    members(tournament, 2)
    operations.start(tournament)
    done_before(tournament)
    (post,) = tournament.posts.filter(kind=Kind.MATCH_CALL)

    async def made_before(client):
        channel = client.get_partial_messageable(int(MATCHES), guild_id=int(HQ))
        message = await channel.send("the call, sent before the crash")
        await channel.get_partial_message(message.id).create_thread(name="A · Ada vs Blaze")
        await sync_to_async(crashed)(post, channel_id=int(MATCHES), message_id=message.id)

    deliver(before=made_before)
    post.refresh_from_db()
    assert post.state == State.DONE and post.thread_id == post.message_id
    assert len(sim.threads(HQ)) == 1
    thread_creates = sim.requests(f"/api/v10/channels/{MATCHES}/messages/*/threads")
    assert [r["status"] for r in thread_creates] == [201, 400]  # the second one: 160004


def test_a_repeat_with_the_nonce_returns_the_first_message(sim, hq, make_tournament):
    """Without Read Message History the bot cannot look for its message; the nonce still
    makes Discord answer the repeat with the message it made the first time."""
    tournament = make_tournament(guild=hq)
    (post,) = tournament.posts.all()
    said = posts.plan(post).message
    sim.deny_bot(ANNOUNCEMENTS, "READ_MESSAGE_HISTORY")

    async def made_before(client):
        channel = client.get_partial_messageable(int(ANNOUNCEMENTS))
        await channel.send(said.content, nonce=f"fr{post.pk}m")

    crashed(post)
    deliver(before=made_before)
    post.refresh_from_db()
    assert post.state == State.DONE
    assert len(sim.messages(ANNOUNCEMENTS)) == 1


@pytest.mark.parametrize(
    ("deny", "problem", "code", "detail"),
    [
        (["SEND_MESSAGES"], outbox.MISSING_PERMISSIONS, 50013, f"{ANNOUNCEMENTS}:send_messages"),
        (["VIEW_CHANNEL"], outbox.MISSING_ACCESS, 50001, f"{ANNOUNCEMENTS}:"),
        (None, outbox.UNKNOWN_CHANNEL, 10003, f"{ANNOUNCEMENTS}:"),
    ],
)
def test_a_refusal_for_good_stops_the_queue_and_says_where(
    sim, hq, make_tournament, deny, problem, code, detail
):
    if deny is None:
        sim.delete_channel(ANNOUNCEMENTS)
    else:
        sim.deny_bot(ANNOUNCEMENTS, *deny)
    tournament = make_tournament(guild=hq, check_in_minutes=30)
    operations.open_check_in(tournament)
    deliver()
    first, *rest = tournament.posts.order_by("id")
    assert (first.state, first.problem, first.error_code) == (State.FAILED, problem, code)
    assert first.detail.startswith(detail)
    assert {p.state for p in rest} == {State.PENDING}  # they wait behind it, in order


def test_no_channel_set_waits_for_the_organiser(sim, hq, make_tournament):
    GuildConfig.objects.filter(guild=hq).update(announcement_channel_id=None)
    tournament = make_tournament(guild=hq)
    deliver()
    post = tournament.posts.get()
    assert (post.state, post.problem, post.detail) == (
        State.FAILED,
        outbox.NO_CHANNEL,
        "announcements",
    )
    assert sim.requests("/api/v10/channels/*") == []


def test_a_server_error_waits_with_backoff_then_goes(sim, hq, make_tournament):
    tournament = make_tournament(guild=hq)
    path = ANNOUNCEMENTS_PATH
    sim.add_fault(path, status=503, count=1, method="POST")  # discord.py retries 500s itself
    deliver()
    post = tournament.posts.get()
    assert post.state == State.PENDING and post.attempts == 1 and "503" in post.detail
    assert post.retry_at > timezone.now() + timedelta(seconds=3)
    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
    deliver()
    post.refresh_from_db()
    assert post.state == State.DONE and len(sim.messages(ANNOUNCEMENTS)) == 1


def test_an_edit_is_drawn_from_now_and_a_deleted_message_is_left_alone(
    sim, hq, make_tournament, settings
):
    settings.OUTBOX_COALESCE_SECONDS = 0
    tournament = make_tournament(guild=hq)
    deliver()
    members(tournament, 3)
    deliver()
    (announcement,) = sim.messages(ANNOUNCEMENTS)
    assert "**3** of 64 entrants" in announcement["content"]
    edits = sim.requests(f"{ANNOUNCEMENTS_PATH}/*", method="PATCH")
    assert len(edits) == 1  # three joins, one edit

    async def delete(client):
        channel = client.get_partial_messageable(int(ANNOUNCEMENTS))
        await channel.get_partial_message(int(announcement["id"])).delete()

    operations.start(tournament)  # entries close: the announcement would be edited
    deliver(before=delete)
    edit = tournament.posts.filter(kind=Kind.ANNOUNCEMENT_EDIT).order_by("-id").first()
    assert edit.state == State.DONE  # nothing to edit, and nothing else held up
    assert sim.messages(ANNOUNCEMENTS) == []


def test_an_edit_of_the_details_redraws_the_announcement_and_the_open_check_in(
    sim, hq, make_tournament, settings
):
    settings.OUTBOX_COALESCE_SECONDS = 0
    tournament = make_tournament(guild=hq, check_in_minutes=30)
    members(tournament, 2)
    operations.open_check_in(tournament)
    deliver()
    patches = len(sim.requests(f"{ANNOUNCEMENTS_PATH}/*", method="PATCH"))
    row = Tournament.objects.public().get(pk=tournament.pk)
    later = row.local_starts_at().replace(tzinfo=None) + timedelta(days=1)
    operations.edit(tournament, name="Saturday Smash", game="Tekken 8", starts_at=later)
    deliver()
    stamp = f"<t:{int(Tournament.objects.get(pk=tournament.pk).starts_at.timestamp())}:F>"
    announcement, check_in, notice = sim.messages(ANNOUNCEMENTS)
    assert "**Saturday Smash** · Tekken 8" in announcement["content"]
    assert "**Saturday Smash** now starts" in notice["content"]  # entrants saw the old start
    assert stamp in announcement["content"] and stamp in check_in["content"]
    assert "Check-in for **Saturday Smash** is open" in check_in["content"]
    # One edit row: the announcement, then the check-in message.
    assert len(sim.requests(f"{ANNOUNCEMENTS_PATH}/*", method="PATCH")) == patches + 2


def test_a_moved_start_is_a_reply_to_the_announcement_that_pings_nobody(
    sim, hq, make_tournament, settings
):
    settings.OUTBOX_COALESCE_SECONDS = 0
    tournament = make_tournament(guild=hq)
    members(tournament, 2)
    deliver()
    was = int(tournament.starts_at.timestamp())
    row = Tournament.objects.public().get(pk=tournament.pk)
    start = row.local_starts_at().replace(tzinfo=None)
    operations.edit(tournament, name="@everyone Fights", starts_at=start + timedelta(hours=1))
    operations.edit(tournament, starts_at=start + timedelta(hours=3))
    deliver()
    now = int(Tournament.objects.get(pk=tournament.pk).starts_at.timestamp())
    announcement, notice = sim.messages(ANNOUNCEMENTS)
    assert f"<t:{now}:F>" in announcement["content"]
    assert notice["content"] == (
        f"**@everyone Fights** now starts <t:{now}:F> (<t:{now}:R>), not <t:{was}:F>."
    )
    assert notice["type"] == 19  # a reply (Message Types: REPLY), linked to the announcement
    assert notice["message_reference"]["message_id"] == announcement["id"]
    assert (notice["mentions"], notice["mention_everyone"]) == ([], False)
    (create,) = [
        r for r in sim.requests(ANNOUNCEMENTS_PATH, method="POST") if "now starts" in str(r["body"])
    ]
    assert create["body"]["allowed_mentions"] == {"parse": [], "users": []}
    assert create["body"]["message_reference"]["fail_if_not_exists"] is False
    # Moved back to what entrants saw before the next delivery: no notice.
    operations.edit(tournament, starts_at=start + timedelta(hours=5))
    operations.edit(tournament, starts_at=start + timedelta(hours=3))
    deliver()
    assert len(sim.messages(ANNOUNCEMENTS)) == 2
    assert tournament.posts.filter(kind=Kind.START_MOVED).last().state == State.SKIPPED


@pytest.mark.parametrize("way", ["reset", "reinstate"])
def test_standings_sent_before_a_reopening_say_so_until_the_new_ones(sim, hq, make_tournament, way):
    tournament = make_tournament(guild=hq, entrants=2)
    operations.start(tournament)
    win(tournament, "A")  # the grand final, B: 1 v 2
    final = match(tournament, "B")
    if way == "reset":
        win(tournament, "B")
    else:
        operations.disqualify(tournament, final.pk, entrant_id=final.player_2_id)
    deliver()
    standings = tournament.posts.get(kind=Kind.STANDINGS)
    said = {m["id"]: m["content"] for m in sim.messages(ANNOUNCEMENTS)}
    assert "is over. Final standings:\n1. **Player 1**" in said[str(standings.message_id)]
    if way == "reset":
        operations.reset(tournament, final.pk)
    else:
        operations.reinstate(tournament, final.player_2_id)
    deliver()
    said = {m["id"]: m["content"] for m in sim.messages(ANNOUNCEMENTS)}
    reopened = said[str(standings.message_id)]
    assert "results were reopened" in reopened and "Final standings" not in reopened
    win(tournament, "B")
    deliver()
    # The new standings follow in a message of their own; the old one says they would.
    again = tournament.posts.filter(kind=Kind.STANDINGS).exclude(pk=standings.pk).get()
    said = {m["id"]: m["content"] for m in sim.messages(ANNOUNCEMENTS)}
    assert "Final standings:\n1. **Player 1**" in said[str(again.message_id)]
    assert said[str(standings.message_id)] == reopened


def test_each_tournament_posts_in_order_and_only_on_its_shard(sim, hq, make_tournament):
    one = make_tournament(guild=hq, name="One", check_in_minutes=30)
    two = make_tournament(guild=hq, name="Two", check_in_minutes=30)
    for tournament in (one, two):
        operations.open_check_in(tournament)
    other = 1 - shard_of(int(HQ), 2)
    assert deliver(shard_ids=[other], shard_count=2) == 0
    deliver(shard_ids=[shard_of(int(HQ), 2)], shard_count=2)
    said = [m["content"] for m in sim.messages(ANNOUNCEMENTS)]
    for name in ("One", "Two"):
        mine = [text for text in said if f"**{name}**" in text]
        assert mine[0].startswith(f"**{name}** ·") and mine[1].startswith("Check-in for")
    assert not Post.objects.exclude(state=State.DONE).exists()


def test_two_processes_never_send_one_post_twice(sim, hq, make_tournament):
    """A slow Discord keeps a post in flight longer than its lease: the sender renews it,
    so the second process never takes it over."""
    tournaments = [make_tournament(guild=hq, name=f"Cup {n}") for n in range(3)]
    sim.set_latency(ANNOUNCEMENTS_PATH, 700, method="POST")

    async def run():
        async with connected() as first, connected() as second:
            senders = [
                Delivery(c, shard_ids=[0], shard_count=1, poll=0.05, lease=0.6)
                for c in (first, second)
            ]
            await asyncio.gather(*(sender.run_once() for sender in senders))
            await asyncio.gather(*(sender.run_once() for sender in senders))

    asyncio.run(run())
    assert len(sim.messages(ANNOUNCEMENTS)) == 3
    assert {p.attempts for t in tournaments for p in t.posts.all()} == {1}
    assert Tournament.objects.count() == 3
