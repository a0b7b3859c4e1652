"""A tournament run in Discord by the real `manage.py runbot` against discordsim's gateway:
the announcement, Join and Check in pressed by sixteen sample people, /tournament start,
every match reported with /report and confirmed (one disputed and settled), the standings,
the public JSON; then the faults, each with nothing lost and nothing posted twice."""

from __future__ import annotations

import json
import os
import signal
import time
from urllib.request import urlopen

import pytest
from django.utils import timezone

from discordsim import sample
from tests.e2e.conftest import wait_for
from tests.e2e.discordplay import (
    ANNOUNCEMENTS,
    GENERAL,
    HQ,
    MATCHES,
    all_done,
    assert_nothing_twice,
    buttons,
    called,
    configure,
    new_tournament,
    organiser,
    press,
    run,
    start_bot_ready,
    statuses,
    underway,
    with_button,
)
from tests.tournaments.conftest import match
from tests.tournaments.standard import standard_placements
from tournaments import bracket, operations
from tournaments.models import Match, Post, Tournament

# The whole tournament


def test_a_sixteen_player_double_elimination_runs_in_discord(
    sim, hq, site, start_bot, make_user, monkeypatch
):
    players = hq
    started_at = time.monotonic()
    monkeypatch.setenv("SITE_URL", site)
    start_bot_ready(start_bot)
    configure()
    from guildbot.models import ShardHeartbeat

    wait_for(lambda: ShardHeartbeat.objects.online(int(HQ)), message="a heartbeat")
    ada = organiser(make_user)
    tournament = new_tournament(ada, check_in=30)

    # The announcement, and sixteen people pressing Join.
    announcement = wait_for(lambda: with_button(sim, ANNOUNCEMENTS, "fr:join:"))
    assert "**HQ Weekly #14** · Street Fighter 6" in announcement["content"]
    assert f"<t:{int(tournament.starts_at.timestamp())}:F>" in announcement["content"]
    assert buttons(announcement)["Bracket"] == f"{site}/t/{tournament.slug}/"
    for number, player in enumerate(players, 1):
        assert press(sim, announcement, "Join", player).startswith(
            f"You are in **HQ Weekly #14**, seed {number}."
        )
    assert "is full (16 of 16)" in press(sim, announcement, "Join", sample.ADA_ID)
    assert "already in" in press(sim, announcement, "Join", players[0])
    wait_for(
        lambda: "**16** of 16 entrants" in sim.messages(ANNOUNCEMENTS)[0]["content"],
        message="the entrant count edited in",
    )
    edits = sim.requests(f"/api/v10/channels/{ANNOUNCEMENTS}/messages/*", method="PATCH")
    assert len(edits) < 8, "joins in a burst make a few edits, not one each"

    # Check-in opens by itself when its time comes; everyone checks in.
    Tournament.objects.filter(pk=tournament.pk).update(check_in_opens_at=timezone.now())
    check_in = wait_for(lambda: with_button(sim, ANNOUNCEMENTS, "fr:check-in:"), message="check-in")
    assert "join it first" in press(sim, check_in, "Check in", sample.ADA_ID)
    for player in players:
        assert "You are checked in" in press(sim, check_in, "Check in", player)
    assert "already checked in" in press(sim, check_in, "Check in", players[0])

    # Only the organiser may start it; Discord does not even offer a plain member the command.
    from discordsim.testing import SimError

    with pytest.raises(SimError) as hidden:
        sim.interact(HQ, GENERAL, players[0], "tournament", "start")
    assert hidden.value.status == 403
    assert "has started with 16 entrants" in run(sim, GENERAL, sample.ADA_ID, "tournament", "start")
    assert "Check-in for **HQ Weekly #14** is closed." in wait_for(
        lambda: (
            "closed" in sim.messages(ANNOUNCEMENTS)[1]["content"]
            and sim.messages(ANNOUNCEMENTS)[1]["content"]
        )
    )

    # Every match: the winner reports from its thread, the loser confirms; one dispute.
    played: set[str] = set()
    total = Match.objects.filter(tournament=tournament).count()

    def play_called():
        ready = list(
            Match.objects.filter(tournament=tournament, state=Match.State.CALLED)
            .exclude(identifier__in=played)
            .select_related("player_1", "player_2")
        )
        for current in ready:
            one, two = current.player_1, current.player_2
            winner, loser = (one, two) if one.seed < two.seed else (two, one)
            if current.side == bracket.Side.GRAND_FINAL and not current.is_reset:
                winner, loser = loser, winner  # the losers' side takes game one: a reset
            thread = str(current.thread_id)
            said = run(sim, thread, str(winner.discord_id), "report", score="2-1")
            assert f"You reported 2-1 for match {current.identifier}" in said
            prompt = wait_for(lambda thread=thread: with_button(sim, thread, "fr:confirm:"))
            assert f"<@{loser.discord_id}>" in prompt["content"]
            assert "✅" in press(sim, prompt, "Confirm", str(loser.discord_id))
            played.add(current.identifier)
        return ready

    # Round one, and a dispute in it: the organiser settles it as the operation would.
    wait_for(
        lambda: Match.objects.filter(tournament=tournament, state=Match.State.CALLED).count() == 8,
        message="round 1 called",
    )
    first = match(tournament, "A")
    thread = str(first.thread_id)
    assert "not your match" in run(sim, thread, players[5], "report", score="2-0")
    assert "cannot end a best of 3" in run(
        sim, thread, str(first.player_1.discord_id), "report", score="3-1"
    )
    run(sim, thread, str(first.player_2.discord_id), "report", score="2-1")  # the worse seed lies
    prompt = wait_for(lambda: with_button(sim, thread, "fr:dispute:"))
    assert "yourself" in press(sim, prompt, "Confirm", str(first.player_2.discord_id))
    assert "disputes this report" in press(sim, prompt, "Dispute", str(first.player_1.discord_id))
    notice = wait_for(
        lambda: next((m for m in sim.messages(thread) if "report of match" in m["content"]), None),
        message="the dispute notice",
    )
    assert f"<@{sample.ADA_ID}>" in notice["content"] and "/manage/" in notice["content"]
    assert Match.objects.get(pk=first.pk).state == Match.State.DISPUTED
    operations.set_result(tournament, first.pk, score_1=2, score_2=0)  # seed 1 won, in fact
    played.add("A")

    def finished() -> bool:
        if Tournament.objects.get(pk=tournament.pk).state == Tournament.State.COMPLETE:
            return True
        play_called()
        return False

    wait_for(finished, timeout=120, interval=0.05, message="the bracket did not finish")
    assert len(played) == total

    # The standings, and the public JSON with the usual placements by seed.
    standings = wait_for(
        lambda: next(
            (m for m in sim.messages(ANNOUNCEMENTS) if "Final standings" in m["content"]), None
        ),
        message="the standings",
    )
    assert "1. **Player 1**" in standings["content"] and "2. **Player 2**" in standings["content"]
    with urlopen(f"{site}/t/{tournament.slug}.json", timeout=10) as response:  # noqa: S310
        data = json.load(response)
    assert data["state"] == "complete"
    by_seed = {e["seed"]: e["placement"] for e in data["entrants"]}
    expected = standard_placements(bracket.BracketFormat.DOUBLE_ELIMINATION, 16)
    assert [by_seed[seed] for seed in range(1, 17)] == expected
    assert all(m["thread_id"] for m in data["matches"] if m["winner"])

    wait_for(lambda: all_done(tournament), message="every post sent")
    assert_nothing_twice(sim, tournament)
    assert sim.rate_limits()["limited"] == 0, "the bot kept to Discord's rate-limit headers"
    print(f"\n16-entrant double elimination in Discord: {time.monotonic() - started_at:.1f}s")


# The faults: each with nothing lost and nothing posted twice


def test_thread_creation_answering_500_twice_loses_and_repeats_nothing(
    sim, hq, start_bot, make_user
):
    start_bot_ready(start_bot)
    configure()
    threads = f"/api/v10/channels/{MATCHES}/messages/*/threads"
    sim.add_fault(threads, status=500, count=2, method="POST")
    tournament = underway(organiser(make_user), hq)
    wait_for(lambda: called(tournament, 4), timeout=30, message="round 1 called")
    assert statuses(sim, threads)[:3] == [500, 500, 201]
    assert len(statuses(sim, threads)) == 6  # two failures, then each of the four once
    assert_nothing_twice(sim, tournament)


def test_a_429_with_retry_after_is_waited_out(sim, hq, start_bot, make_user):
    start_bot_ready(start_bot)
    configure()
    created = f"/api/v10/channels/{MATCHES}/messages"
    sim.add_fault(created, status=429, retry_after=0.5, count=1, method="POST")
    sim.add_fault(
        f"/api/v10/channels/{MATCHES}/messages/*/threads",
        status=429,
        retry_after=0.5,
        count=1,
        method="POST",
        scope="shared",
    )
    started = time.monotonic()
    tournament = underway(organiser(make_user), hq)
    wait_for(lambda: called(tournament, 4), timeout=30, message="round 1 called")
    assert time.monotonic() - started >= 1.0  # both waits were honoured
    assert statuses(sim, created)[:2] == [429, 200]
    assert_nothing_twice(sim, tournament)


HELD = {
    # The request the kill lands in, and how the restarted bot must carry on.
    "the call message": (f"/api/v10/channels/{MATCHES}/messages", "found the message made before"),
    "its thread": (f"/api/v10/channels/{MATCHES}/messages/*/threads", "the thread exists already"),
}


@pytest.mark.parametrize("held", sorted(HELD))
def test_the_bot_killed_mid_round_picks_up_where_it_stopped(sim, hq, start_bot, make_user, held):
    bot = start_bot_ready(start_bot)
    configure()
    ada = organiser(make_user)
    path, carried_on = HELD[held]
    # Discord takes a while with this request: the kill lands while one is on its way, and
    # Discord goes on to make what was asked (aiohttp finishes a request whose client left).
    sim.set_latency(path, 800, method="POST")
    tournament = underway(ada, hq)
    wait_for(
        lambda: any(r["status"] is None for r in sim.requests(path, method="POST")),
        timeout=30,
        message=f"{held} on its way",
    )
    bot.popen.send_signal(signal.SIGKILL)
    bot.popen.wait(timeout=10)
    assert tournament.posts.filter(state=Post.State.SENDING).count() == 1
    sim.set_latency(path, 0, method="POST")
    # Made while the bot is down: it goes out when the bot is back.
    meanwhile = new_tournament(ada, name="HQ Weekly #15")
    again = start_bot_ready(start_bot)
    wait_for(lambda: called(tournament, 4), timeout=30, message="round 1 called after restart")
    wait_for(lambda: all_done(meanwhile), timeout=30, message="the post made while down")
    assert tournament.posts.filter(attempts=2).count() == 1, "the claimed row was taken over"
    assert carried_on in again.output()
    assert_nothing_twice(sim, tournament)
    announced = [m for m in sim.messages(ANNOUNCEMENTS) if "HQ Weekly #15" in m["content"]]
    assert len(announced) == 1


def test_sigterm_gives_back_the_post_being_sent_and_stops_within_seconds(
    sim, hq, start_bot, make_user
):
    bot = start_bot_ready(start_bot)
    configure()
    path = f"/api/v10/channels/{MATCHES}/messages/*/threads"
    sim.set_latency(path, 1500, method="POST")
    tournament = underway(organiser(make_user), hq)
    wait_for(
        lambda: any(r["status"] is None for r in sim.requests(path, method="POST")),
        timeout=30,
        message="a thread on its way",
    )
    assert bot.stop() < 5
    assert bot.popen.returncode == 0, bot.output()
    # Given back, not left claimed: the next process takes it at once, with no lease to wait.
    assert not tournament.posts.filter(state=Post.State.SENDING).exists()
    sim.set_latency(path, 0, method="POST")
    start_bot_ready(start_bot)
    wait_for(lambda: called(tournament, 4), timeout=30, message="round 1 called after restart")
    assert_nothing_twice(sim, tournament)


def test_a_channel_without_permission_stops_the_queue_until_retry(
    sim, hq, start_bot, make_user, client, sign_in
):
    sim.deny_bot(MATCHES, "SEND_MESSAGES")
    start_bot_ready(start_bot)
    configure()
    ada = organiser(make_user)
    tournament = underway(ada, hq)
    wait_for(
        lambda: tournament.posts.filter(state=Post.State.FAILED).exists(),
        timeout=30,
        message="the refusal recorded",
    )
    (refused,) = tournament.posts.filter(state=Post.State.FAILED)
    assert (refused.kind, refused.error_code) == (Post.Kind.MATCH_CALL, 50013)
    waiting = tournament.posts.filter(state=Post.State.PENDING).count()
    assert waiting == 3  # the other calls wait behind it, in order

    guilds = [
        {"id": HQ, "name": "FightRise HQ", "icon": None, "owner": True,
         "permissions": "2251799813685247", "features": []}
    ]  # fmt: skip
    sign_in(client, user=ada, guilds=guilds)
    manage = f"/t/{tournament.slug}/manage/"
    page = client.get(manage).content.decode()
    assert "FightRise may not post in #matches" in page
    assert "Send Messages" in page and "Retry" in page

    sim.deny_bot(MATCHES)  # the organiser gives the permission back
    response = client.post(manage, {"action": "retry_posts"})
    assert response.status_code == 302
    wait_for(lambda: called(tournament, 4), timeout=30, message="round 1 called after Retry")
    assert_nothing_twice(sim, tournament)
    assert "FightRise may not post" not in client.get(manage).content.decode()
    assert os.environ["OUTBOX_LEASE_SECONDS"] == "2"
