"""The outbox's rules: what each operation asks the bot to post, in the same transaction;
which rows a bot process may send next, and the claims that keep two from sending one."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from guildbot.models import GuildConfig
from tests.conftest import run_together
from tests.tournaments.conftest import match, win
from tournaments import operations, outbox, posts
from tournaments.models import Match, Post, Tournament

pytestmark = pytest.mark.django_db

Kind, State = Post.Kind, Post.State
ADA, BLAZE = 257069950429175809, 464162408479465473


def kinds(tournament) -> list[str]:
    return list(tournament.posts.order_by("id").values_list("kind", flat=True))


def token() -> str:
    return uuid.uuid4().hex


def shard_count_one() -> dict:
    return {"shard_ids": [0], "shard_count": 1}


def later(seconds: float = 60):
    return timezone.now() + timedelta(seconds=seconds)


# What each operation enqueues


def test_creating_a_tournament_posts_its_announcement(make_tournament):
    tournament = make_tournament()
    (post,) = tournament.posts.all()
    assert (post.kind, post.state, post.guild_id) == (
        Kind.ANNOUNCEMENT,
        State.PENDING,
        tournament.guild_id,
    )


def test_entrant_changes_make_one_delayed_edit_however_many(make_tournament, settings):
    settings.OUTBOX_COALESCE_SECONDS = 5
    tournament = make_tournament()
    before = timezone.now()
    for number in range(20):
        operations.join(tournament, discord_id=ADA + number, name=f"Player {number}")
    operations.leave(tournament, discord_id=ADA)
    operations.add_walk_in(tournament, name="Kage")
    edits = tournament.posts.filter(kind=Kind.ANNOUNCEMENT_EDIT)
    assert edits.count() == 1
    assert edits.get().due_at >= before + timedelta(seconds=5)


def test_a_change_after_the_edit_was_claimed_waits_in_a_new_row(make_tournament):
    tournament = make_tournament()
    operations.join(tournament, discord_id=ADA, name="Ada")
    tournament.posts.filter(kind=Kind.ANNOUNCEMENT_EDIT).update(state=State.SENDING)
    operations.join(tournament, discord_id=BLAZE, name="Blaze")
    states = tournament.posts.filter(kind=Kind.ANNOUNCEMENT_EDIT).values_list("state", flat=True)
    assert sorted(states) == [State.PENDING, State.SENDING]


def test_opening_check_in_posts_the_check_in_button_and_updates_the_announcement(
    make_tournament,
):
    tournament = make_tournament(check_in_minutes=30)
    operations.open_check_in(tournament)
    assert kinds(tournament) == [Kind.ANNOUNCEMENT, Kind.CHECK_IN, Kind.ANNOUNCEMENT_EDIT]
    edit = tournament.posts.get(kind=Kind.ANNOUNCEMENT_EDIT)
    assert edit.due_at <= timezone.now()  # a state change is not delayed


def test_check_in_opening_by_itself_posts_it_once(make_tournament):
    tournament = make_tournament(check_in_minutes=30)
    Tournament.objects.filter(pk=tournament.pk).update(check_in_opens_at=timezone.now())
    assert operations.open_due_check_ins() and not operations.open_due_check_ins()
    assert kinds(tournament).count(Kind.CHECK_IN) == 1


def test_starting_calls_every_ready_match_in_play_order(make_tournament):
    tournament = make_tournament(entrants=11, max_entrants=16)
    operations.start(tournament)
    calls = tournament.posts.filter(kind=Kind.MATCH_CALL).order_by("id")
    ready = Match.objects.filter(tournament=tournament, state=Match.State.READY).order_by("index")
    # 16 slots, 11 entrants: round 1 is 8v9, 7v10, 6v11, and seeds 4 and 5, both byes in
    # round 1, meet in round 2 at once.
    assert [post.match_id for post in calls] == [m.pk for m in ready]
    assert len(calls) == 4
    assert kinds(tournament)[:2] == [Kind.ANNOUNCEMENT, Kind.ANNOUNCEMENT_EDIT]


def test_a_result_edits_its_call_and_calls_what_it_made_ready(started):
    tournament = started(4)
    a, b = match(tournament, "A"), match(tournament, "B")
    win(tournament, "A")
    assert tournament.posts.filter(kind=Kind.MATCH_EDIT, match=a).count() == 1
    win(tournament, "B")
    after_b = tournament.posts.filter(match=b, kind=Kind.MATCH_EDIT).count()
    winners_final = Match.objects.get(tournament=tournament, index=a.winner_to)
    losers_first = Match.objects.get(tournament=tournament, index=a.loser_to)
    called = set(tournament.posts.filter(kind=Kind.MATCH_CALL).values_list("match_id", flat=True))
    assert {winners_final.pk, losers_first.pk} <= called
    assert after_b == 1


def test_a_fix_and_a_reset_edit_the_call_again_without_calling_twice(started):
    tournament = started(4)
    a = match(tournament, "A")
    win(tournament, "A")
    tournament.posts.filter(kind=Kind.MATCH_EDIT).update(state=State.DONE)
    operations.set_result(tournament, a.pk, score_1=2, score_2=1, fix=True)
    operations.reset(tournament, a.pk)
    edits = tournament.posts.filter(match=a, kind=Kind.MATCH_EDIT)
    assert edits.filter(state=State.PENDING).count() == 1  # coalesced while waiting
    assert tournament.posts.filter(match=a, kind=Kind.MATCH_CALL).count() == 1


def test_the_end_posts_the_standings_once(started):
    from tests.tournaments.conftest import play_out

    tournament = started(4)
    play_out(tournament)
    assert kinds(tournament).count(Kind.STANDINGS) == 1
    final = Match.objects.filter(tournament=tournament, winner__isnull=False).order_by("-index")
    operations.set_result(tournament, final[0].pk, score_1=2, score_2=1, fix=True)
    assert kinds(tournament).count(Kind.STANDINGS) == 1


def finished_by(tournament, way: str) -> Match:
    """A two-entrant tournament finished in its grand final, B (1 v 2): by a result, or by
    2's disqualification (1 wins it and the reset is not needed)."""
    win(tournament, "A")
    final = match(tournament, "B")
    if way == "reset":
        win(tournament, "B")
    else:
        operations.disqualify(tournament, final.pk, entrant_id=final.player_2_id)
    assert Tournament.objects.get(pk=tournament.pk).state == Tournament.State.COMPLETE
    return final


def reopen(tournament, way: str, final: Match) -> None:
    if way == "reset":
        operations.reset(tournament, final.pk)
    else:
        operations.reinstate(tournament, final.player_2_id)
    assert Tournament.objects.get(pk=tournament.pk).state == Tournament.State.UNDERWAY


@pytest.mark.parametrize("way", ["reset", "reinstate"])
def test_standings_not_yet_sent_are_skipped_when_the_tournament_reopens(started, way):
    tournament = started(2)
    final = finished_by(tournament, way)
    (standings,) = tournament.posts.filter(kind=Kind.STANDINGS)
    reopen(tournament, way, final)
    standings.refresh_from_db()
    assert (standings.state, standings.problem) == (State.SKIPPED, outbox.OBSOLETE)
    win(tournament, "B")  # it ends again: one standings post to send, the new one
    waiting = tournament.posts.filter(kind=Kind.STANDINGS).exclude(state=State.SKIPPED)
    assert list(waiting.values_list("state", flat=True)) == [State.PENDING]


@pytest.mark.parametrize("way", ["reset", "reinstate"])
def test_standings_planned_once_the_tournament_reopened_are_skipped(started, way):
    from tournaments import posts

    tournament = started(2)
    reopen(tournament, way, finished_by(tournament, way))
    # However a standings row is still waiting, it says nothing while the tournament is on.
    waiting = Post.objects.create(
        tournament=tournament, guild_id=tournament.guild_id, kind=Kind.STANDINGS
    )
    assert posts.plan(waiting).skip


def test_standings_posted_before_a_reopening_then_a_cancel_say_it_was_cancelled(started):
    from tournaments import posts

    tournament = started(2)
    final = finished_by(tournament, "reset")
    tournament.posts.update(state=State.DONE, channel_id=1, message_id=7)
    reopen(tournament, "reset", final)
    operations.cancel(tournament)
    edit = tournament.posts.filter(kind=Kind.ANNOUNCEMENT_EDIT, state=State.PENDING).get()
    said = [e.message.content for e in posts.plan(edit).edits]
    assert said[1:] == ["**Friday Fights** was cancelled."]


def test_standings_posted_before_a_reopening_are_redrawn_once_not_at_every_edit(started):
    from tournaments import posts

    tournament = started(2)
    final = finished_by(tournament, "reset")
    tournament.posts.update(state=State.DONE, channel_id=1, message_id=7)
    reopen(tournament, "reset", final)
    reopening = tournament.posts.get(kind=Kind.ANNOUNCEMENT_EDIT, state=State.PENDING)
    assert len(posts.plan(reopening).edits) == 2  # the announcement and the old standings
    reopening.state = State.DONE
    reopening.save()
    outbox.details_changed(tournament)  # any later edit of the announcement
    later = tournament.posts.get(kind=Kind.ANNOUNCEMENT_EDIT, state=State.PENDING)
    assert len(posts.plan(later).edits) == 1


def test_standings_being_sent_when_the_tournament_reopens_are_left_to_finish(started):
    tournament = started(2)
    final = finished_by(tournament, "reset")
    standings = tournament.posts.get(kind=Kind.STANDINGS)
    tournament.posts.exclude(pk=standings.pk).update(state=State.DONE)
    assert outbox.claim(standings.pk, token(), lease=30)
    reopen(tournament, "reset", final)
    # The bot may have posted it already; the announcement's edit redraws it (test_posts).
    assert Post.objects.get(pk=standings.pk).state == State.SENDING


def test_cancelling_posts_a_notice(make_tournament):
    tournament = make_tournament()
    operations.cancel(tournament)
    assert kinds(tournament) == [Kind.ANNOUNCEMENT, Kind.CANCELLED, Kind.ANNOUNCEMENT_EDIT]


# A moved start: a notice, since an edited announcement notifies nobody


def move(tournament, *, hours: int) -> int:
    """The organiser moves the start by `hours`; the new start as a Unix time."""
    row = Tournament.objects.get(pk=tournament.pk)
    operations.edit(
        tournament, starts_at=row.local_starts_at().replace(tzinfo=None) + timedelta(hours=hours)
    )
    return unix(tournament)


def unix(tournament) -> int:
    return int(Tournament.objects.get(pk=tournament.pk).starts_at.timestamp())


def notices(tournament):
    return tournament.posts.filter(kind=Kind.START_MOVED).order_by("id")


def posted(tournament) -> None:
    """Everything so far went out; the announcement is message 3 in channel 1."""
    tournament.posts.update(state=State.DONE, channel_id=1, message_id=3)


def test_a_moved_start_posts_a_notice_saying_the_time_it_replaces(make_tournament):
    tournament = make_tournament(entrants=1)
    posted(tournament)
    was = unix(tournament)
    now = move(tournament, hours=2)
    assert kinds(tournament)[-2:] == [Kind.ANNOUNCEMENT_EDIT, Kind.START_MOVED]
    (notice,) = notices(tournament)
    assert notice.payload == {"was": was, "now": now}
    # After the announcement's edit, which it follows in the queue.
    edit = tournament.posts.get(kind=Kind.ANNOUNCEMENT_EDIT, state=State.PENDING)
    assert notice.due_at >= edit.due_at


def test_a_moved_start_nobody_saw_posts_no_notice(make_tournament):
    # The announcement not out yet (no channel, the bot offline): when it goes out it shows
    # the new start, and a reply about the old one would tell readers of a time they never
    # saw (entrants who joined on the site saw it there, and a notice pings nobody anyway).
    tournament = make_tournament(entrants=2)
    move(tournament, hours=2)
    assert not notices(tournament).exists()
    posted(tournament)  # once the announcement is out, its readers saw the start
    move(tournament, hours=2)
    assert notices(tournament).count() == 1


def test_an_edit_that_keeps_the_start_posts_no_notice(make_tournament):
    tournament = make_tournament(entrants=2)
    operations.edit(tournament, name="Saturday Fights", max_entrants=16)
    assert not notices(tournament).exists()


def test_several_moves_before_delivery_make_one_notice_from_the_time_entrants_saw(
    make_tournament,
):
    tournament = make_tournament(entrants=1)
    posted(tournament)
    was = unix(tournament)
    move(tournament, hours=1)
    move(tournament, hours=24)
    now = move(tournament, hours=-3)
    (notice,) = notices(tournament)
    assert notice.payload == {"was": was, "now": now}
    plan = posts.plan(notice)
    assert plan.message.content == (
        f"**Friday Fights** now starts <t:{now}:F> (<t:{now}:R>), not <t:{was}:F>."
    )


def test_a_move_after_the_notice_was_claimed_waits_in_a_new_row(make_tournament):
    tournament = make_tournament(entrants=1)
    posted(tournament)
    was = unix(tournament)
    said = move(tournament, hours=1)
    first = notices(tournament).get()
    Post.objects.filter(pk=first.pk).update(state=State.SENDING)
    now = move(tournament, hours=1)
    assert [n.payload for n in notices(tournament)] == [
        {"was": was, "now": said},
        {"was": said, "now": now},
    ]
    # Each says what its change fixed, however late the first one's words are drawn.
    said_words, now_words = (posts.plan(n).message.content for n in notices(tournament))
    assert said_words.endswith(f"now starts <t:{said}:F> (<t:{said}:R>), not <t:{was}:F>.")
    assert now_words.endswith(f"now starts <t:{now}:F> (<t:{now}:R>), not <t:{said}:F>.")


@pytest.mark.parametrize("how", ["refused", "answer_lost"])
def test_a_notice_tried_before_keeps_its_words_and_a_later_move_gets_its_own(make_tournament, how):
    """Refused (then retried) or sent with its answer lost (then sent again, which finds the
    message Discord made by its words): the tried notice still says what it said; the next
    move is a notice of its own, from that start."""
    tournament = make_tournament(entrants=1)
    posted(tournament)
    was = unix(tournament)
    said = move(tournament, hours=1)
    first = notices(tournament).get()
    state = State.FAILED if how == "refused" else State.PENDING
    Post.objects.filter(pk=first.pk).update(state=state, first_claimed_at=timezone.now())
    now = move(tournament, hours=1)
    outbox.retry(tournament)
    words = [posts.plan(n).message.content for n in notices(tournament)]
    assert words == [
        f"**Friday Fights** now starts <t:{said}:F> (<t:{said}:R>), not <t:{was}:F>.",
        f"**Friday Fights** now starts <t:{now}:F> (<t:{now}:R>), not <t:{said}:F>.",
    ]


def test_a_start_moved_back_before_delivery_posts_no_notice(make_tournament):
    tournament = make_tournament(entrants=1)
    posted(tournament)
    move(tournament, hours=2)
    move(tournament, hours=-2)
    assert posts.plan(notices(tournament).get()).skip
    # Moved again from there, the one waiting notice says so, from the time entrants saw.
    was = unix(tournament)
    now = move(tournament, hours=5)
    (notice,) = notices(tournament)
    assert posts.plan(notice).message.content.endswith(f"(<t:{now}:R>), not <t:{was}:F>.")


def test_a_notice_replies_to_the_announcement_without_pinging_anyone(make_tournament):
    tournament = make_tournament(entrants=1)
    GuildConfig.objects.filter(guild=tournament.guild).update(announcement_channel_id=1)
    tournament.posts.update(state=State.SENDING)  # the announcement going out
    move(tournament, hours=1)
    plan = posts.plan(notices(tournament).get())
    assert (plan.channel_id, plan.reply_to) == (1, None)  # the announcement is not out yet
    tournament.posts.exclude(kind=Kind.START_MOVED).update(
        state=State.DONE, channel_id=1, message_id=3
    )
    plan = posts.plan(notices(tournament).get())
    assert (plan.channel_id, plan.reply_to, plan.message.mentions) == (1, 3, ())
    # The announcements channel changed since: a reply cannot cross channels.
    GuildConfig.objects.filter(guild=tournament.guild).update(announcement_channel_id=2)
    plan = posts.plan(notices(tournament).get())
    assert (plan.channel_id, plan.reply_to) == (2, None)


@pytest.mark.parametrize("then", ["start", "cancel"])
def test_a_notice_is_skipped_once_the_tournament_started_or_was_cancelled(make_tournament, then):
    tournament = make_tournament(entrants=2)
    posted(tournament)
    move(tournament, hours=1)
    getattr(operations, then)(tournament)
    assert posts.plan(notices(tournament).get()).skip


def test_rows_come_and_go_with_the_change_that_causes_them(make_tournament):
    tournament = make_tournament(entrants=4)
    with pytest.raises(RuntimeError), transaction.atomic():
        operations.start(tournament)
        raise RuntimeError("the caller's transaction fails after the operation")
    assert not tournament.posts.filter(kind=Kind.MATCH_CALL).exists()
    assert Tournament.objects.get(pk=tournament.pk).state == Tournament.State.REGISTRATION


# Which rows go next


def test_each_tournament_sends_its_rows_one_at_a_time_in_order(make_tournament):
    one, two = make_tournament(), make_tournament()
    operations.cancel(one)
    heads = outbox.heads(**shard_count_one())
    assert [(p.tournament_id, p.kind) for p in heads] == [
        (one.pk, Kind.ANNOUNCEMENT),
        (two.pk, Kind.ANNOUNCEMENT),
    ]
    outbox.claim(heads[0].pk, token(), lease=30)
    assert [p.tournament_id for p in outbox.heads(**shard_count_one())] == [two.pk]


def test_a_waiting_edit_does_not_hold_up_the_rows_behind_it(make_tournament):
    tournament = make_tournament(entrants=4)
    tournament.posts.update(state=State.DONE)
    operations.join(tournament, discord_id=ADA, name="Ada")  # an edit due in a few seconds
    operations.cancel(tournament)  # the edit moves to now; the notice goes first anyway
    tournament.posts.filter(kind=Kind.ANNOUNCEMENT_EDIT).update(due_at=later())
    (head,) = outbox.heads(**shard_count_one())
    assert head.kind == Kind.CANCELLED


def test_a_row_waiting_to_retry_keeps_its_place(make_tournament):
    tournament = make_tournament()
    operations.cancel(tournament)
    first = tournament.posts.order_by("id").first()
    first.retry_at = later()
    first.attempts = 1
    first.save()
    assert outbox.heads(**shard_count_one()) == []


def test_a_refused_post_stops_only_its_tournaments_queue_until_retry(make_tournament):
    stuck, other = make_tournament(), make_tournament()
    mine = token()
    head = outbox.claim(stuck.posts.get().pk, mine, lease=30)
    outbox.fail(head.pk, mine, problem=outbox.MISSING_PERMISSIONS, error_code=50013, detail="")
    operations.cancel(stuck)
    assert [p.tournament_id for p in outbox.heads(**shard_count_one())] == [other.pk]
    assert outbox.problem(stuck).pk == head.pk
    assert operations.retry_posts(stuck) == 1
    assert {p.tournament_id for p in outbox.heads(**shard_count_one())} == {stuck.pk, other.pk}
    assert outbox.problem(stuck) is None
    with pytest.raises(operations.Refused):
        operations.retry_posts(stuck)


def test_a_process_sends_only_its_shards_servers(make_tournament, make_guild):
    # Two servers on different shards of two: (id >> 22) % 2.
    first, second = 1085624137117863936, 545755878167416832
    assert (first >> 22) % 2 != (second >> 22) % 2
    posts = {}
    for guild_id in (first, second):
        tournament = make_tournament(guild=make_guild(guild_id))
        posts[(guild_id >> 22) % 2] = tournament.posts.get().pk
    for shard in (0, 1):
        heads = outbox.heads(shard_ids=[shard], shard_count=2)
        assert [p.pk for p in heads] == [posts[shard]]
    assert len(outbox.heads(shard_ids=[0, 1], shard_count=2)) == 2


def test_a_server_the_bot_left_keeps_its_posts_waiting(make_tournament):
    tournament = make_tournament()
    tournament.guild.present = False
    tournament.guild.save()
    assert outbox.heads(**shard_count_one()) == []


# Claims


def test_a_claim_is_one_processs_until_its_lease_runs_out(make_tournament):
    post = make_tournament().posts.get()
    first, second = token(), token()
    now = timezone.now()
    assert outbox.claim(post.pk, first, lease=30, now=now).attempts == 1
    assert outbox.claim(post.pk, second, lease=30, now=now) is None
    assert outbox.heads(**shard_count_one(), now=now) == []
    # The first process died: after its lease, another takes the row over.
    taken = outbox.claim(post.pk, second, lease=30, now=now + timedelta(seconds=31))
    assert taken.attempts == 2 and taken.first_claimed_at == now
    # The first one's late steps are refused: it lost the claim.
    assert not outbox.record(post.pk, first, message_id=1)
    assert not outbox.finish(post.pk, first)
    assert outbox.record(post.pk, second, message_id=2)
    assert outbox.finish(post.pk, second)
    post.refresh_from_db()
    assert (post.state, post.message_id) == (State.DONE, 2)


def test_no_two_rows_of_one_tournament_are_sent_at_once(make_tournament):
    tournament = make_tournament()
    operations.cancel(tournament)
    first, second = tournament.posts.order_by("id")[:2]
    assert outbox.claim(first.pk, token(), lease=30)
    assert outbox.claim(second.pk, token(), lease=30) is None


def test_a_released_claim_is_taken_at_once_and_counts_as_tried(make_tournament):
    post = make_tournament().posts.get()
    mine = token()
    outbox.claim(post.pk, mine, lease=30)
    assert outbox.release(post.pk, mine)
    taken = outbox.claim(post.pk, token(), lease=30)
    assert taken.attempts == 2


def test_a_transient_failure_waits_and_then_goes_again(make_tournament):
    post = make_tournament().posts.get()
    mine = token()
    outbox.claim(post.pk, mine, lease=30)
    assert outbox.later(post.pk, mine, delay=10, detail="503 from Discord")
    assert outbox.heads(**shard_count_one()) == []
    (head,) = outbox.heads(**shard_count_one(), now=later(11))
    assert head.pk == post.pk


def test_finishing_a_match_call_puts_its_thread_on_the_match(started):
    tournament = started(4)
    call = tournament.posts.filter(kind=Kind.MATCH_CALL).order_by("id").first()
    tournament.posts.exclude(pk=call.pk).update(state=State.DONE)
    mine = token()
    outbox.claim(call.pk, mine, lease=30)
    outbox.record(call.pk, mine, channel_id=5, message_id=1234567890123456789)
    outbox.record(call.pk, mine, thread_id=1234567890123456789, thread_message_id=7)
    version = Tournament.objects.get(pk=tournament.pk).version
    assert outbox.finish(call.pk, mine)
    called = Match.objects.get(pk=call.match_id)
    assert (called.thread_id, called.state) == (1234567890123456789, Match.State.CALLED)
    assert Tournament.objects.get(pk=tournament.pk).version == version + 1


def test_a_finished_row_is_logged_with_its_server(make_tournament, caplog):
    post = make_tournament().posts.get()
    mine = token()
    outbox.claim(post.pk, mine, lease=30)
    with caplog.at_level("INFO", logger="tournaments.outbox"):
        assert outbox.finish(post.pk, mine)
    assert f"Post {post.pk} (announcement) sent in server {post.guild_id}" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_two_claimers_at_once_never_take_the_same_row(make_tournament):
    tournaments = [make_tournament(name=f"Cup {n}") for n in range(6)]
    for tournament in tournaments:
        operations.cancel(tournament)
    taken: list[int] = []

    def claimer():
        mine = token()
        got = []
        for _ in range(40):
            for head in outbox.heads(**shard_count_one()):
                post = outbox.claim(head.pk, mine, lease=30)
                if post is not None:
                    got.append(post.pk)
                    # While this row is ours, nothing else of its tournament may be sent.
                    assert (
                        not Post.objects.filter(
                            tournament_id=post.tournament_id, state=State.SENDING
                        )
                        .exclude(pk=post.pk)
                        .exists()
                    )
                    outbox.finish(post.pk, mine)
        return got

    for got in run_together(2, claimer):
        taken += got
    assert sorted(taken) == sorted(Post.objects.values_list("pk", flat=True))
    assert len(taken) == len(set(taken))
    assert not Post.objects.exclude(state=State.DONE).exists()


@pytest.mark.django_db(transaction=True)
def test_an_edit_claimed_while_a_change_commits_shows_that_change(make_tournament):
    """The change locks the waiting edit it joins, so a bot claiming that edit meanwhile
    waits for the commit, and draws the state with the change in it."""
    import threading
    import time

    from django.db import connection

    from tournaments.models import Entrant

    tournament = make_tournament()
    operations.join(tournament, discord_id=ADA, name="Ada")
    edit = tournament.posts.get(kind=Kind.ANNOUNCEMENT_EDIT)
    Post.objects.filter(pk=edit.pk).update(due_at=timezone.now())
    inside = threading.Event()
    seen = {}

    def change():
        try:
            with transaction.atomic():
                operations.join(tournament, discord_id=BLAZE, name="Blaze")
                inside.set()
                time.sleep(0.5)
            seen["committed"] = time.monotonic()
        finally:
            connection.close()

    def claimer():
        try:
            inside.wait(10)
            seen["post"] = outbox.claim(edit.pk, token(), lease=30)
            seen["claimed"] = time.monotonic()
            seen["entrants"] = Entrant.objects.filter(tournament=tournament).count()
        finally:
            connection.close()

    threads = [threading.Thread(target=change), threading.Thread(target=claimer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert seen["post"] is not None and seen["claimed"] >= seen["committed"]
    assert seen["entrants"] == 2
    assert tournament.posts.filter(kind=Kind.ANNOUNCEMENT_EDIT).count() == 1
