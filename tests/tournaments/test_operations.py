"""The tournament rules, as tournaments.operations applies them: creating, registration,
check-in, starting, cancelling."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from tests.tournaments.conftest import local_now, match
from tournaments import operations
from tournaments.models import Entrant, Match, Tournament
from tournaments.operations import Refused

pytestmark = pytest.mark.django_db

State = Tournament.State
ADA, BLAZE, NEWBIE = 257069950429175809, 464162408479465473, 1378704647581212673


def seeds(tournament) -> list[tuple[str, int]]:
    return list(tournament.entrants.order_by("seed").values_list("name", "seed"))


def refreshed(tournament) -> Tournament:
    return Tournament.objects.get(pk=tournament.pk)


# Creating


def test_it_creates_a_tournament_in_registration_with_an_unguessable_slug(make_tournament):
    one, two = make_tournament(name="Friday Fights #12"), make_tournament(name="Friday Fights #12")
    assert re.fullmatch(r"friday-fights-12-[a-z0-9]{6}", one.slug)
    assert one.slug != two.slug
    assert (one.state, one.version, one.bracket_entrants) == (State.REGISTRATION, 1, None)


@pytest.mark.parametrize("name", ["東京 Fight Club", "!!!", "Ünïcödé Cup"])
def test_it_makes_url_safe_slugs_from_any_name(make_tournament, name):
    slug = make_tournament(name=name).slug
    assert re.fullmatch(r"[a-z0-9-]+-[a-z0-9]{6}", slug)


def test_it_stores_the_start_in_utc_from_the_servers_wall_clock(make_tournament, make_guild):
    paris = make_tournament(
        starts_at=datetime(2031, 7, 4, 19, 30),
        check_in_minutes=45,  # noqa: DTZ001
    )
    assert paris.starts_at == datetime(2031, 7, 4, 17, 30, tzinfo=UTC)
    assert paris.check_in_opens_at == datetime(2031, 7, 4, 16, 45, tzinfo=UTC)
    assert paris.local_starts_at().strftime("%H:%M %Z") == "19:30 CEST"
    tokyo = make_tournament(
        guild=make_guild(zone="Asia/Tokyo"),
        starts_at=datetime(2031, 1, 4, 9, 0),  # noqa: DTZ001
    )
    assert tokyo.starts_at == datetime(2031, 1, 4, 0, 0, tzinfo=UTC)
    assert tokyo.check_in_opens_at is None


def test_it_refuses_a_time_the_clocks_skip(make_tournament):
    with pytest.raises(Refused, match="does not exist in Europe/Paris") as refused:
        make_tournament(starts_at=datetime(2031, 3, 30, 2, 30))  # noqa: DTZ001
    assert refused.value.field == "starts_at"


def test_it_refuses_a_time_the_clocks_show_twice(make_tournament):
    with pytest.raises(Refused, match="happens twice in Europe/Paris"):
        make_tournament(starts_at=datetime(2031, 10, 26, 2, 30))  # noqa: DTZ001


def test_it_takes_only_a_wall_clock_time(make_tournament):
    with pytest.raises(ValueError, match="wall-clock"):
        make_tournament(starts_at=datetime(2031, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"best_of": 2}, "best_of", "not a valid choice"),
        ({"format": "swiss"}, "format", "not a valid choice"),
        ({"max_entrants": 1}, "max_entrants", "2 to 1024"),
        ({"max_entrants": 1025}, "max_entrants", "2 to 1024"),
        ({"check_in_minutes": 1441}, "check_in_minutes", "at most 1440"),
        ({"name": "   "}, "name", "cannot be empty"),
        ({"name": "x" * 101}, "name", "at most 100"),
        ({"game": ""}, "game", "cannot be empty"),
    ],
)
def test_it_refuses_bad_values(make_tournament, fields, field, message):
    with pytest.raises(Refused, match=message) as refused:
        make_tournament(**fields)
    assert refused.value.field == field
    assert not Tournament.objects.exists()


def test_the_database_refuses_values_the_rules_would(make_tournament):
    tournament = make_tournament()
    for field, value in [("best_of", 4), ("max_entrants", 2000), ("state", "paused")]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Tournament.objects.filter(pk=tournament.pk).update(**{field: value})


# Registration


def test_members_join_in_turn_and_get_the_next_seed(make_tournament):
    tournament = make_tournament()
    operations.join(tournament, discord_id=ADA, name="Ada Lovelace")
    operations.join(tournament, discord_id=BLAZE, name="Blaze")
    assert seeds(tournament) == [("Ada Lovelace", 1), ("Blaze", 2)]
    assert refreshed(tournament).version == 3


def test_nobody_joins_twice(make_tournament):
    tournament = make_tournament()
    operations.join(tournament, discord_id=ADA, name="Ada")
    with pytest.raises(Refused, match="already in Friday Fights"):
        operations.join(tournament, discord_id=ADA, name="Ada again")
    with pytest.raises(IntegrityError), transaction.atomic():
        Entrant.objects.create(tournament=tournament, name="Ada", discord_id=ADA, seed=9)


def test_it_refuses_to_go_past_max_entrants(make_tournament):
    tournament = make_tournament(max_entrants=2, entrants=1)
    operations.join(tournament, discord_id=ADA, name="Ada")
    with pytest.raises(Refused, match=r"is full \(2 of 2\)"):
        operations.join(tournament, discord_id=BLAZE, name="Blaze")
    with pytest.raises(Refused, match="is full"):
        operations.add_walk_in(tournament, name="Walk-in")


def test_a_display_name_is_taken_as_discord_allows_it(make_tournament):
    tournament = make_tournament()
    entrant = operations.join(tournament, discord_id=ADA, name="  Ada\u200b  Lovelace " + "x" * 80)
    assert entrant.name.startswith("Ada Lovelace x") and len(entrant.name) == 64


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (State.UNDERWAY, "has started: entries are closed"),
        (State.COMPLETE, "is over"),
        (State.CANCELLED, "was cancelled"),
    ],
)
def test_entries_close_once_it_has_started(make_tournament, state, message):
    tournament = make_tournament(entrants=2)
    Tournament.objects.filter(pk=tournament.pk).update(state=state)
    for attempt in (
        lambda: operations.join(tournament, discord_id=ADA, name="Ada"),
        lambda: operations.leave(tournament, discord_id=ADA),
        lambda: operations.add_walk_in(tournament, name="Late"),
        lambda: operations.reorder(tournament, order=[]),
    ):
        with pytest.raises(Refused, match=message):
            attempt()


def test_leaving_closes_up_the_seeds(make_tournament):
    tournament = make_tournament(entrants=2)
    operations.join(tournament, discord_id=ADA, name="Ada")
    operations.add_walk_in(tournament, name="Zed")
    operations.leave(tournament, discord_id=ADA)
    assert seeds(tournament) == [("Player 1", 1), ("Player 2", 2), ("Zed", 3)]
    with pytest.raises(Refused, match="You are not in Friday Fights"):
        operations.leave(tournament, discord_id=ADA)


def test_walk_ins_are_named_once_and_count_as_checked_in(make_tournament):
    tournament = make_tournament()
    entrant = operations.add_walk_in(tournament, name="  Mémé   Ōkami ")
    assert (entrant.name, entrant.discord_id, entrant.checked_in) == ("Mémé Ōkami", None, True)
    with pytest.raises(Refused, match="already an entrant named"):
        operations.add_walk_in(tournament, name="MÉMÉ ŌKAMI")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "cannot be empty"),
        ("   ", "cannot be empty"),
        ("x" * 65, "at most 64"),
        ("bell\x07", "control characters"),
        ("right\u202eleft", "control characters"),
    ],
)
def test_it_refuses_bad_walk_in_names(make_tournament, name, message):
    tournament = make_tournament()
    with pytest.raises(Refused, match=message) as refused:
        operations.add_walk_in(tournament, name=name)
    assert refused.value.field == "name"
    assert not tournament.entrants.exists()


def test_the_organiser_removes_an_entrant_and_the_seeds_close_up(make_tournament):
    tournament = make_tournament(entrants=4)
    second = tournament.entrants.get(seed=2)
    operations.remove_entrant(tournament, entrant_id=second.pk)
    assert seeds(tournament) == [("Player 1", 1), ("Player 3", 2), ("Player 4", 3)]
    with pytest.raises(Refused, match="not in this tournament"):
        operations.remove_entrant(tournament, entrant_id=second.pk)


def test_it_refuses_to_remove_an_entrant_once_underway(started):
    tournament = started(4)
    with pytest.raises(Refused, match="disqualify"):
        operations.remove_entrant(tournament, entrant_id=tournament.entrants.first().pk)


def test_the_organiser_reorders_the_seeds(make_tournament):
    tournament = make_tournament(entrants=4)
    one, two, three, four = (e.pk for e in tournament.entrants.order_by("seed"))
    operations.reorder(tournament, order=[three, one, four, two])
    assert seeds(tournament) == [("Player 3", 1), ("Player 1", 2), ("Player 4", 3), ("Player 2", 4)]


@pytest.mark.parametrize(
    ("order", "message"),
    [
        (lambda ids: ids[:-1], "every entrant exactly once"),
        (lambda ids: [*ids, 999999], "every entrant exactly once"),
        (lambda ids: [ids[0], *ids[:-1]], "names an entrant twice"),
        (lambda ids: [], "every entrant exactly once"),
    ],
)
def test_it_refuses_an_order_that_is_not_a_permutation(make_tournament, order, message):
    tournament = make_tournament(entrants=3)
    ids = [e.pk for e in tournament.entrants.order_by("seed")]
    with pytest.raises(Refused, match=message):
        operations.reorder(tournament, order=order(ids))
    assert seeds(tournament) == [("Player 1", 1), ("Player 2", 2), ("Player 3", 3)]


def test_a_seed_box_moves_one_entrant_and_the_others_make_room(make_tournament):
    tournament = make_tournament(entrants=4)
    entrants = list(tournament.entrants.order_by("seed"))
    fourth = entrants[3]
    order = operations.order_from_boxes(entrants, {e.pk: e.seed for e in entrants} | {fourth.pk: 1})
    assert order == [fourth.pk, *(e.pk for e in entrants[:3])]


# Check-in


def test_check_in_opens_by_itself_on_reading_and_is_recorded_on_the_next_write(make_tournament):
    tournament = make_tournament(starts_at=local_now(minutes=20), check_in_minutes=30)
    assert tournament.current_state() == State.CHECK_IN
    assert refreshed(tournament).state == State.REGISTRATION  # reading wrote nothing
    operations.join(tournament, discord_id=ADA, name="Ada")
    assert refreshed(tournament).state == State.CHECK_IN
    assert tournament.entrants.get(discord_id=ADA).checked_in  # joining in check-in checks in


def test_a_periodic_caller_opens_every_check_in_that_is_due(make_tournament):
    due = make_tournament(starts_at=local_now(minutes=20), check_in_minutes=30)
    later = make_tournament(starts_at=local_now(minutes=60), check_in_minutes=30)
    without = make_tournament(starts_at=local_now(minutes=5))
    assert [t.pk for t in operations.open_due_check_ins()] == [due.pk]
    assert [refreshed(t).state for t in (due, later, without)] == [
        State.CHECK_IN,
        State.REGISTRATION,
        State.REGISTRATION,
    ]
    assert operations.open_due_check_ins() == []
    soon = datetime.now(tz=UTC) + timedelta(minutes=31)
    assert [t.pk for t in operations.open_due_check_ins(soon)] == [later.pk]


def test_the_organiser_opens_check_in_early_and_entrants_check_in(make_tournament):
    tournament = make_tournament(check_in_minutes=15)
    operations.join(tournament, discord_id=ADA, name="Ada")
    with pytest.raises(Refused, match="not open yet. It opens on .* 19:15"):
        operations.check_in(tournament, discord_id=ADA)
    operations.open_check_in(tournament)
    with pytest.raises(Refused, match="already open"):
        operations.open_check_in(tournament)
    assert not tournament.entrants.get(discord_id=ADA).checked_in
    operations.check_in(tournament, discord_id=ADA)
    assert tournament.entrants.get(discord_id=ADA).checked_in
    with pytest.raises(Refused, match="already checked in"):
        operations.check_in(tournament, discord_id=ADA)
    with pytest.raises(Refused, match="join it first"):
        operations.check_in(tournament, discord_id=BLAZE)


# Starting and cancelling


@pytest.mark.parametrize(
    ("format", "count", "matches"),
    [
        ("single_elimination", 2, 1),
        ("single_elimination", 5, 4),
        ("double_elimination", 2, 3),
        ("double_elimination", 11, 21),
        ("double_elimination", 64, 127),
    ],
)
def test_it_starts_with_a_row_per_real_match(make_tournament, format, count, matches):
    tournament = make_tournament(format=format, entrants=count)
    operations.start(tournament)
    tournament.refresh_from_db()
    assert (tournament.state, tournament.bracket_entrants) == (State.UNDERWAY, count)
    assert tournament.matches.count() == matches
    first = match(tournament, "A")
    assert first.state == Match.State.READY and first.player_1 and first.player_2
    # Byes are not matches: every row-1 match has two seeds, a seed with a bye waits in round 2.
    assert not tournament.matches.filter(round=1, side="winners", player_2=None).exists()


def test_it_places_the_seeds_as_the_standard_order_says(make_tournament):
    tournament = make_tournament(entrants=11, format="single_elimination")
    operations.start(tournament)
    firsts = [
        (m.player_1.seed, m.player_2.seed)
        for m in tournament.matches.filter(round=1).select_related("player_1", "player_2")
    ]
    assert sorted(firsts) == [(6, 11), (7, 10), (8, 9)]


def test_it_needs_two_entrants_to_start(make_tournament):
    tournament = make_tournament(entrants=1)
    with pytest.raises(Refused, match="at least 2 entrants to start; Friday Fights has 1"):
        operations.start(tournament)
    assert refreshed(tournament).state == State.REGISTRATION


def test_starting_in_check_in_drops_who_has_not_checked_in_and_closes_up_seeds(make_tournament):
    tournament = make_tournament(check_in_minutes=30)
    for discord_id, name in [(ADA, "Ada"), (BLAZE, "Blaze"), (NEWBIE, "Newbie")]:
        operations.join(tournament, discord_id=discord_id, name=name)
    operations.add_walk_in(tournament, name="Walk-in")
    operations.open_check_in(tournament)
    operations.check_in(tournament, discord_id=BLAZE)
    started = operations.start(tournament)
    assert [e.name for e in started.dropped] == ["Ada", "Newbie"]
    assert seeds(tournament) == [("Blaze", 1), ("Walk-in", 2)]


def test_starting_before_check_in_drops_nobody(make_tournament):
    tournament = make_tournament(check_in_minutes=30)
    operations.join(tournament, discord_id=ADA, name="Ada")
    operations.join(tournament, discord_id=BLAZE, name="Blaze")
    assert operations.start(tournament).dropped == []


def test_with_too_few_checked_in_it_does_not_start(make_tournament):
    tournament = make_tournament(check_in_minutes=30)
    operations.join(tournament, discord_id=ADA, name="Ada")
    operations.join(tournament, discord_id=BLAZE, name="Blaze")
    operations.open_check_in(tournament)
    operations.check_in(tournament, discord_id=ADA)
    with pytest.raises(Refused, match="at least 2 checked-in entrants"):
        operations.start(tournament)
    assert tournament.entrants.count() == 2


def test_it_cannot_start_twice(started):
    tournament = started(4)
    with pytest.raises(Refused, match="has started"):
        operations.start(tournament)


@pytest.mark.parametrize("state", [State.REGISTRATION, State.CHECK_IN, State.UNDERWAY])
def test_it_cancels_any_time_before_the_end(make_tournament, state):
    tournament = make_tournament(entrants=4)
    Tournament.objects.filter(pk=tournament.pk).update(state=state)
    operations.cancel(tournament)
    assert refreshed(tournament).state == State.CANCELLED
    with pytest.raises(Refused, match="already cancelled"):
        operations.cancel(tournament)


def test_it_does_not_cancel_a_finished_tournament(make_tournament):
    tournament = make_tournament()
    Tournament.objects.filter(pk=tournament.pk).update(state=State.COMPLETE)
    with pytest.raises(Refused, match="cannot be cancelled"):
        operations.cancel(tournament)


def test_every_change_bumps_the_version(make_tournament):
    tournament = make_tournament(check_in_minutes=10)
    versions = [refreshed(tournament).version]
    steps = [
        lambda: operations.join(tournament, discord_id=ADA, name="Ada"),
        lambda: operations.add_walk_in(tournament, name="Bo"),
        lambda: operations.reorder(tournament, order=[e.pk for e in tournament.entrants.reverse()]),
        lambda: operations.open_check_in(tournament),
        lambda: operations.check_in(tournament, discord_id=ADA),
        lambda: operations.start(tournament),
        lambda: operations.cancel(tournament),
    ]
    for step in steps:
        step()
        versions.append(refreshed(tournament).version)
    assert versions == sorted(set(versions)) and len(versions) == len(steps) + 1
