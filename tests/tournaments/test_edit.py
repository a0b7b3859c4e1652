"""Editing a tournament's details after creating it: `operations.edit` and /t/<slug>/edit/.
Only the server's organisers, only before the start; the announcement follows the change."""

from __future__ import annotations

import html
import re
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from guildbot.models import GuildConfig
from tests import discord_payloads as p
from tests.tournaments.conftest import (
    MEMBER,
    OWNER,
    STRANGER,
    in_a_week,
    local_now,
    play_out,
)
from tests.tournaments.test_organiser_pages import after, discord_cannot_confirm, manage_url
from tournaments import operations, posts
from tournaments.models import Post, Tournament
from tournaments.operations import Refused

pytestmark = pytest.mark.django_db

State = Tournament.State
Kind = Post.Kind
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
DETAILS = {
    "name": "Friday Fights",
    "game": "Street Fighter 6",
    "format": "double_elimination",
    "best_of": 3,
    "check_in_minutes": 0,
    "max_entrants": 64,
}


@pytest.fixture
def organiser(client, sign_in, make_guild):
    """Signed in as the owner of OWNER, a member of MEMBER; the bot in those and STRANGER."""
    for guild_id in (OWNER, MEMBER, STRANGER):
        make_guild(guild_id, name=f"Server {guild_id}")
    sign_in(client)
    return client


def fresh(tournament) -> Tournament:
    return Tournament.objects.public().get(pk=tournament.pk)


def edits(tournament):
    return tournament.posts.filter(kind=Kind.ANNOUNCEMENT_EDIT)


def everything(tournament, **changes) -> dict:
    """Every field of the form, as it is now but for `changes` (the start on the server's
    clock)."""
    row = fresh(tournament)
    values = {name: getattr(row, name) for name in DETAILS}
    return {"starts_at": row.local_starts_at().replace(tzinfo=None), **values, **changes}


# The operation


def test_it_changes_the_details_bumps_the_version_and_edits_the_announcement(make_tournament):
    tournament = make_tournament(entrants=2)
    version = fresh(tournament).version
    new_start = in_a_week() + timedelta(days=1, hours=1)
    edited = operations.edit(
        tournament,
        **everything(
            tournament,
            name="Friday Fights 2",
            game="Tekken 8",
            format="single_elimination",
            best_of=5,
            starts_at=new_start,
            max_entrants=16,
        ),
    )
    row = fresh(tournament)
    assert set(edited.changed) == {"name", "game", "format", "best_of", "starts_at", "max_entrants"}
    assert (row.name, row.game, row.format, row.best_of, row.max_entrants) == (
        "Friday Fights 2",
        "Tekken 8",
        "single_elimination",
        5,
        16,
    )
    assert row.starts_at == new_start.replace(tzinfo=PARIS)
    assert row.version == version + 1
    (edit,) = edits(tournament)
    assert edit.state == Post.State.PENDING and edit.payload == {"details": True}
    assert row.slug == tournament.slug  # bookmarks and the bot's buttons keep working


def test_a_new_start_moves_the_check_in_time_with_it(make_tournament):
    tournament = make_tournament(check_in_minutes=30)
    new_start = in_a_week() + timedelta(days=2)
    operations.edit(tournament, **everything(tournament, starts_at=new_start, check_in_minutes=45))
    row = fresh(tournament)
    assert row.check_in_opens_at == new_start.replace(tzinfo=PARIS) - timedelta(minutes=45)
    operations.edit(tournament, **everything(tournament, check_in_minutes=0))
    assert fresh(tournament).check_in_opens_at is None
    assert fresh(tournament).state == State.REGISTRATION


def test_an_edit_that_brings_check_in_time_opens_it(make_tournament):
    tournament = make_tournament(starts_at=local_now(minutes=120))
    edited = operations.edit(tournament, **everything(tournament, check_in_minutes=180))
    row = fresh(tournament)
    assert row.state == State.CHECK_IN and edited.opened_check_in
    assert list(tournament.posts.filter(kind=Kind.CHECK_IN)) != []
    assert edits(tournament).count() == 1


def test_check_in_once_open_stays_open_after_a_later_start(make_tournament):
    tournament = make_tournament(entrants=2, check_in_minutes=30)
    operations.open_check_in(tournament)
    later = in_a_week() + timedelta(days=7)
    operations.edit(tournament, **everything(tournament, starts_at=later))
    row = fresh(tournament)
    assert row.state == State.CHECK_IN and row.starts_at == later.replace(tzinfo=PARIS)
    assert tournament.posts.filter(kind=Kind.CHECK_IN).count() == 1


def test_it_refuses_to_change_the_check_in_minutes_once_check_in_is_open(make_tournament):
    """0 minutes would read as no check-in, yet whoever has not checked in is dropped."""
    tournament = make_tournament(entrants=2, check_in_minutes=30)
    operations.open_check_in(tournament)
    version = fresh(tournament).version
    with pytest.raises(Refused) as refused:
        operations.edit(tournament, name="Renamed", check_in_minutes=0)
    assert refused.value.field == "check_in_minutes"
    assert str(refused.value) == (
        "Check-in for Friday Fights is open: it stays open until the start, and its minutes "
        "can no longer change."
    )
    row = fresh(tournament)
    assert (row.name, row.check_in_minutes, row.version) == ("Friday Fights", 30, version)
    assert operations.edit(tournament, check_in_minutes=30).changed == ()  # as it is: fine


def test_only_the_fields_given_change(make_tournament):
    tournament = make_tournament(entrants=2, check_in_minutes=30)
    before = fresh(tournament)
    edited = operations.edit(tournament, max_entrants=16)
    row = fresh(tournament)
    assert edited.changed == ("max_entrants",) and row.max_entrants == 16
    assert (row.name, row.starts_at, row.check_in_minutes) == (
        before.name,
        before.starts_at,
        30,
    )


def test_nothing_changed_writes_nothing(make_tournament):
    tournament = make_tournament(entrants=2)
    before = fresh(tournament)
    posts_before = tournament.posts.count()
    edited = operations.edit(tournament, **everything(tournament, name="  Friday   Fights "))
    after_ = fresh(tournament)
    assert edited.changed == ()
    assert (after_.version, after_.updated_at) == (before.version, before.updated_at)
    assert tournament.posts.count() == posts_before


def test_a_start_left_as_it_was_is_kept_once_passed(make_tournament):
    tournament = make_tournament(entrants=2)
    two_hours_ago = timezone.now() - timedelta(hours=2)
    Tournament.objects.filter(pk=tournament.pk).update(starts_at=two_hours_ago)
    operations.edit(tournament, **everything(tournament, name="Late Fights"))
    row = fresh(tournament)
    assert (row.name, row.starts_at) == ("Late Fights", two_hours_ago)


def test_several_edits_and_joins_before_delivery_make_one_announcement_edit(
    make_tournament, settings
):
    settings.OUTBOX_COALESCE_SECONDS = 5
    tournament = make_tournament()
    operations.join(tournament, discord_id=257069950429175809, name="Ada")
    for number in range(3):
        operations.edit(tournament, **everything(tournament, name=f"Friday Fights {number}"))
    (edit,) = edits(tournament)
    assert edit.payload == {"details": True}
    assert edit.due_at <= timezone.now() + timedelta(seconds=5)


def test_an_edit_after_the_announcement_edit_went_out_waits_in_a_new_row(make_tournament):
    tournament = make_tournament()
    operations.edit(tournament, **everything(tournament, name="One"))
    edits(tournament).update(state=Post.State.DONE)
    operations.edit(tournament, **everything(tournament, name="Two"))
    assert sorted(edits(tournament).values_list("state", flat=True)) == ["done", "pending"]


def test_the_format_and_best_of_chosen_last_are_the_brackets(make_tournament):
    tournament = make_tournament(entrants=4)
    operations.edit(tournament, **everything(tournament, format="single_elimination", best_of=1))
    operations.start(tournament)
    row = fresh(tournament)
    assert row.matches.count() == 3  # single elimination of four: no losers' side
    play_out(row)
    assert fresh(tournament).state == State.COMPLETE


def test_it_refuses_a_cap_below_the_entrant_count(make_tournament):
    tournament = make_tournament(entrants=5)
    with pytest.raises(Refused) as refused:
        operations.edit(tournament, **everything(tournament, name="Smaller", max_entrants=4))
    assert refused.value.field == "max_entrants"
    assert str(refused.value) == (
        "Friday Fights already has 5 entrants: remove some before setting the most below that."
    )
    assert (fresh(tournament).name, fresh(tournament).max_entrants) == ("Friday Fights", 64)
    operations.edit(tournament, **everything(tournament, max_entrants=5))
    assert fresh(tournament).max_entrants == 5


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"best_of": 4}, "best_of"),
        ({"format": "swiss"}, "format"),
        ({"max_entrants": 1025}, "max_entrants"),
        ({"check_in_minutes": 1441}, "check_in_minutes"),
        ({"name": "x" * 101}, "name"),
        ({"game": ""}, "game"),
    ],
)
def test_it_refuses_bad_values(make_tournament, changes, field):
    tournament = make_tournament()
    with pytest.raises(Refused) as refused:
        operations.edit(tournament, **everything(tournament, **changes))
    assert refused.value.field == field
    assert fresh(tournament).version == tournament.version


def underway(make_tournament):
    tournament = make_tournament(entrants=4)
    operations.start(tournament)
    return tournament


def complete(make_tournament):
    tournament = underway(make_tournament)
    play_out(fresh(tournament))
    return tournament


def cancelled(make_tournament):
    tournament = make_tournament(entrants=4)
    operations.cancel(tournament)
    return tournament


CLOSED = [
    (underway, "Friday Fights has started: its details can no longer be changed."),
    (complete, "Friday Fights is over: its details can no longer be changed."),
    (cancelled, "Friday Fights was cancelled: its details can no longer be changed."),
]


@pytest.mark.parametrize(("make", "message"), CLOSED)
def test_it_refuses_once_the_tournament_has_started_or_ended(make_tournament, make, message):
    tournament = make(make_tournament)
    version = fresh(tournament).version
    with pytest.raises(Refused) as refused:
        operations.edit(tournament, **everything(tournament, name="Renamed"))
    assert str(refused.value) == message and refused.value.field is None
    assert (fresh(tournament).name, fresh(tournament).version) == ("Friday Fights", version)


# What the bot posts: the announcement, and the check-in message whose words hold the start


def posted(tournament, kind, message_id: int) -> None:
    tournament.posts.filter(kind=kind).update(
        state=Post.State.DONE, channel_id=1, message_id=message_id
    )


def test_an_edit_during_check_in_edits_the_check_in_message_too(make_tournament):
    tournament = make_tournament(entrants=2, check_in_minutes=30)
    operations.open_check_in(tournament)
    posted(tournament, Kind.ANNOUNCEMENT, 11)
    posted(tournament, Kind.CHECK_IN, 12)
    edits(tournament).update(state=Post.State.DONE)
    operations.join(tournament, discord_id=257069950429175809, name="Ada")
    assert [e.message_id for e in posts.plan(edits(tournament).get(state="pending")).edits] == [11]
    new_start = in_a_week() + timedelta(days=1)
    operations.edit(tournament, **everything(tournament, name="Renamed", starts_at=new_start))
    plan = posts.plan(edits(tournament).get(state="pending"))
    assert [e.message_id for e in plan.edits] == [11, 12]
    stamp = f"<t:{int(new_start.replace(tzinfo=PARIS).timestamp())}:F>"
    assert "**Renamed**" in plan.edits[0].message.content
    assert stamp in plan.edits[0].message.content and stamp in plan.edits[1].message.content


# The page


def edit_url(tournament) -> str:
    return f"/t/{tournament.slug}/edit/"


def as_posted(values: dict) -> dict:
    if isinstance(values.get("starts_at"), datetime):
        values = {**values, "starts_at": values["starts_at"].strftime("%Y-%m-%dT%H:%M")}
    return {name: str(value) for name, value in values.items()}


def form(tournament, **changes) -> dict:
    """What the edit page posts when shown now and `changes` are typed in: every field, the
    values shown carried along (initial-*) and the zone shown."""
    shown = as_posted(everything(tournament))
    return {
        **shown,
        **{f"initial-{name}": value for name, value in shown.items()},
        "zone_shown": fresh(tournament).time_zone,
        **as_posted(changes),
    }


def inputs(page) -> dict[str, str]:
    """What a browser would post from the edit form as the page shows it (no disabled
    inputs)."""
    body = page.content.decode()
    body = body[body.index('<form method="post" class="card settings"') :]
    body = body[: body.index("</form>")]
    found = {}
    for tag in re.findall(r"<(?:input|select)\b[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        if name == "csrfmiddlewaretoken" or " disabled" in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        found[name] = html.unescape(value.group(1)) if value else ""
    for name, chosen in re.findall(
        r'<select name="([^"]+)"[^>]*>.*?<option value="([^"]*)"[^>]*selected', body, re.S
    ):
        found[name] = chosen
    return found


def test_the_page_shows_the_create_form_filled_in_on_the_servers_clock(
    organiser, make_tournament, make_guild
):
    guild = make_guild(OWNER, zone="Asia/Tokyo")
    tournament = make_tournament(guild=guild, check_in_minutes=30, max_entrants=24)
    page = organiser.get(edit_url(tournament))
    assert page.status_code == 200
    body = page.content.decode()
    local = fresh(tournament).starts_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert f'value="{local:%Y-%m-%dT%H:%M}"' in body
    assert "On the server&#x27;s clock: Asia/Tokyo." in body
    initial = {name: page.context["form"][name].value() for name in DETAILS}
    assert initial == {
        **DETAILS,
        "check_in_minutes": 30,
        "max_entrants": 24,
    }
    assert 'value="Friday Fights"' in body and "Save changes" in body


def test_the_organiser_saves_changes(organiser, make_tournament):
    tournament = make_tournament(entrants=2)
    version = fresh(tournament).version
    new_start = in_a_week() + timedelta(days=1)
    response = organiser.post(
        edit_url(tournament),
        form(tournament, name="東京 Fight Night ⚡", game="鉄拳8", starts_at=new_start, best_of=5),
    )
    assert response["Location"] == manage_url(tournament)
    assert after(organiser, response) == [
        "Saved the changes to 東京 Fight Night ⚡: name, game, sets, start."
    ]
    row = fresh(tournament)
    assert (row.name, row.game, row.best_of) == ("東京 Fight Night ⚡", "鉄拳8", 5)
    assert row.starts_at == new_start.replace(tzinfo=PARIS)
    assert row.version == version + 1
    assert edits(tournament).count() == 1


def test_the_public_page_shows_the_new_name_at_once(organiser, make_tournament):
    tournament = make_tournament()
    assert "Friday Fights" in organiser.get(f"/t/{tournament.slug}/").content.decode()
    organiser.post(edit_url(tournament), form(tournament, name="Saturday Smash"))
    assert "Saturday Smash" in organiser.get(f"/t/{tournament.slug}/").content.decode()
    assert organiser.get(f"/t/{tournament.slug}.json").json()["name"] == "Saturday Smash"


def test_saving_without_a_change_says_so_and_writes_nothing(organiser, make_tournament):
    tournament = make_tournament(entrants=2)
    version = fresh(tournament).version
    count = tournament.posts.count()
    response = organiser.post(edit_url(tournament), form(tournament))
    assert after(organiser, response) == ["Nothing to save: Friday Fights is as it was."]
    assert fresh(tournament).version == version and tournament.posts.count() == count


def test_the_manage_page_links_to_the_edit_page_while_entries_are_open(organiser, make_tournament):
    tournament = make_tournament(entrants=2, check_in_minutes=30)
    link = f'href="{edit_url(tournament)}"'
    assert link in organiser.get(manage_url(tournament)).content.decode()
    operations.open_check_in(tournament)
    assert link in organiser.get(manage_url(tournament)).content.decode()
    operations.start(tournament)
    assert link not in organiser.get(manage_url(tournament)).content.decode()


def test_a_cap_below_the_entrant_count_gives_the_form_back_with_nothing_lost(
    organiser, make_tournament
):
    tournament = make_tournament(entrants=5)
    response = organiser.post(
        edit_url(tournament), form(tournament, name="Tiny Fights", max_entrants=3)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["max_entrants"] == [
        "Friday Fights already has 5 entrants: remove some before setting the most below that."
    ]
    assert 'value="Tiny Fights"' in response.content.decode()
    row = fresh(tournament)
    assert (row.name, row.max_entrants, row.entrants.count()) == ("Friday Fights", 64, 5)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"starts_at": "next friday"}, "starts_at", "valid date/time"),
        ({"starts_at": "2020-01-01T19:30"}, "starts_at", "has passed"),
        ({"starts_at": "99999-01-01T19:30"}, "starts_at", "valid date/time"),
        ({"best_of": "4"}, "best_of", "valid choice"),
        ({"format": "swiss"}, "format", "valid choice"),
        ({"name": "x" * 10_000}, "name", "at most 100"),
        ({"name": "  "}, "name", "required"),
        ({"name": "bell\x07"}, "name", "control characters"),
        ({"game": "nul\x00"}, "game", "Null characters"),
        ({"max_entrants": "16.5"}, "max_entrants", "whole number"),
        ({"max_entrants": "9" * 40}, "max_entrants", "less than or equal to 1024"),
        ({"check_in_minutes": "-1"}, "check_in_minutes", "greater than or equal to 0"),
    ],
)
def test_bad_values_come_back_explained(organiser, make_tournament, changes, field, message):
    tournament = make_tournament(entrants=2)
    version = fresh(tournament).version
    response = organiser.post(edit_url(tournament), {**form(tournament), **changes})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert fresh(tournament).version == version


def test_an_untouched_start_that_has_passed_still_saves(organiser, make_tournament):
    tournament = make_tournament()
    Tournament.objects.filter(pk=tournament.pk).update(
        starts_at=timezone.now() - timedelta(hours=3)
    )
    response = organiser.post(edit_url(tournament), form(tournament, name="Running Late"))
    assert response.status_code == 302
    assert fresh(tournament).name == "Running Late"


@pytest.mark.parametrize(("make", "message"), CLOSED)
def test_the_page_refuses_once_started_or_over(organiser, make_tournament, make, message):
    tournament = make(make_tournament)
    response = organiser.get(edit_url(tournament))
    assert response["Location"] == manage_url(tournament)
    assert after(organiser, response) == [message]
    response = organiser.post(edit_url(tournament), form(tournament, name="Renamed"))
    assert after(organiser, response) == [message]
    assert fresh(tournament).name == "Friday Fights"


def test_everyone_else_gets_a_404(organiser, make_tournament, make_guild):
    for guild_id in (MEMBER, STRANGER):  # a member there; not in it at all
        tournament = make_tournament(guild=make_guild(guild_id))
        assert organiser.get(edit_url(tournament)).status_code == 404
        assert organiser.post(edit_url(tournament), form(tournament, name="X")).status_code == 404
        assert fresh(tournament).name == "Friday Fights"
    assert organiser.get("/t/no-such-thing-abc123/edit/").status_code == 404


def test_the_page_needs_a_signed_in_person(client, make_tournament):
    tournament = make_tournament()
    response = client.get(edit_url(tournament))
    assert response["Location"] == f"/auth/login/?next=/t/{tournament.slug}/edit/"
    client.post(edit_url(tournament), form(tournament, name="X"))
    assert fresh(tournament).name == "Friday Fights"


def test_the_page_waits_when_discord_cannot_confirm(client, sign_in, make_tournament, fake_discord):
    tournament = make_tournament()
    discord_cannot_confirm(sign_in(client), fake_discord)
    response = client.post(edit_url(tournament), form(tournament, name="X"))
    assert response["Location"] == f"/t/{tournament.slug}/"
    assert fresh(tournament).name == "Friday Fights"


def test_the_page_needs_the_csrf_token(sign_in, make_tournament):
    tournament = make_tournament()
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser)
    assert browser.post(edit_url(tournament), form(tournament, name="X")).status_code == 403


def test_the_page_says_check_in_stays_open(organiser, make_tournament):
    tournament = make_tournament(entrants=2, check_in_minutes=30)
    assert "stays open" not in organiser.get(edit_url(tournament)).content.decode()
    operations.open_check_in(tournament)
    page = organiser.get(edit_url(tournament)).content.decode()
    assert "Check-in is open and stays open until the start" in page


def test_the_page_carries_the_values_shown_and_the_zone(organiser, make_tournament):
    tournament = make_tournament(check_in_minutes=30)
    shown = inputs(organiser.get(edit_url(tournament)))
    assert shown == form(tournament)
    assert shown["zone_shown"] == "Europe/Paris"


def test_a_stale_page_saves_only_what_was_changed_on_it(organiser, make_tournament):
    """A opens the page; B saves a new cap and start; A saves a rename: B's changes stand."""
    tournament = make_tournament()
    shown_to_a = inputs(organiser.get(edit_url(tournament)))
    later = in_a_week() + timedelta(days=1)
    operations.edit(tournament, starts_at=later, max_entrants=16)  # B
    response = organiser.post(edit_url(tournament), {**shown_to_a, "name": "A's rename"})
    assert after(organiser, response) == ["Saved the changes to A's rename: name."]
    row = fresh(tournament)
    assert (row.name, row.max_entrants) == ("A's rename", 16)
    assert row.starts_at == later.replace(tzinfo=PARIS)


def test_a_start_left_as_shown_is_kept_after_the_zone_changed(organiser, make_tournament):
    tournament = make_tournament()
    before = fresh(tournament).starts_at
    shown = inputs(organiser.get(edit_url(tournament)))  # on the Paris clock
    GuildConfig.objects.filter(guild_id=tournament.guild_id).update(timezone="Asia/Tokyo")
    response = organiser.post(edit_url(tournament), {**shown, "name": "Renamed only"})
    assert after(organiser, response) == ["Saved the changes to Renamed only: name."]
    assert (fresh(tournament).name, fresh(tournament).starts_at) == ("Renamed only", before)


def test_a_start_changed_after_the_zone_changed_comes_back_to_be_checked(
    organiser, make_tournament
):
    tournament = make_tournament()
    before = fresh(tournament).starts_at
    shown = inputs(organiser.get(edit_url(tournament)))
    GuildConfig.objects.filter(guild_id=tournament.guild_id).update(timezone="Asia/Tokyo")
    new_start = (in_a_week() + timedelta(days=2)).replace(tzinfo=None)
    typed = {**shown, "name": "Renamed", "starts_at": f"{new_start:%Y-%m-%dT%H:%M}"}
    response = organiser.post(edit_url(tournament), typed)
    assert response.status_code == 200
    assert response.context["form"].errors["starts_at"] == [
        "The server's time zone changed to Asia/Tokyo since this page was shown: check the "
        "start, now on that clock."
    ]
    assert (fresh(tournament).name, fresh(tournament).starts_at) == ("Friday Fights", before)
    again = inputs(response)  # the page given back shows, and carries, the zone now
    assert again["zone_shown"] == "Asia/Tokyo" and again["starts_at"] == typed["starts_at"]
    assert "On the server&#x27;s clock: Asia/Tokyo." in response.content.decode()
    response = organiser.post(edit_url(tournament), again)
    assert after(organiser, response) == ["Saved the changes to Renamed: name, start."]
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    assert fresh(tournament).starts_at == new_start.replace(second=0, microsecond=0, tzinfo=tokyo)


def test_the_check_in_minutes_cannot_change_on_the_page_once_check_in_is_open(
    organiser, make_tournament
):
    tournament = make_tournament(entrants=2, check_in_minutes=30)
    assert "disabled" not in organiser.get(edit_url(tournament)).content.decode()
    operations.open_check_in(tournament)
    page = organiser.get(edit_url(tournament))
    field = page.context["form"]["check_in_minutes"]
    assert field.field.disabled and 'name="check_in_minutes"' in str(field)
    assert field.help_text == (
        "Check-in is open and stays open until the start: whoever has not checked in by then "
        "is dropped."
    )
    shown = inputs(page)
    assert "check_in_minutes" not in shown  # a disabled input is not posted
    forged = {**shown, "check_in_minutes": "0", "initial-check_in_minutes": "0"}
    response = organiser.post(edit_url(tournament), {**forged, "name": "Renamed"})
    assert after(organiser, response) == ["Saved the changes to Renamed: name."]
    row = fresh(tournament)
    assert (row.state, row.check_in_minutes) == (State.CHECK_IN, 30)


def test_minutes_typed_before_check_in_opened_come_back_explained(organiser, make_tournament):
    tournament = make_tournament(entrants=2, check_in_minutes=30)
    shown = inputs(organiser.get(edit_url(tournament)))
    operations.open_check_in(tournament)
    response = organiser.post(edit_url(tournament), {**shown, "check_in_minutes": "0"})
    assert response.status_code == 200
    assert response.context["form"].errors["check_in_minutes"] == [
        "Check-in for Friday Fights is open: it stays open until the start, and its minutes "
        "can no longer change."
    ]
    assert fresh(tournament).check_in_minutes == 30


def test_an_edit_that_opens_check_in_says_so(organiser, make_tournament):
    tournament = make_tournament(starts_at=local_now(minutes=120))
    response = organiser.post(edit_url(tournament), form(tournament, check_in_minutes=180))
    assert after(organiser, response) == [
        "Saved the changes to Friday Fights: check-in.",
        "Check-in is now open.",
    ]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "fr",
            "Les modifications de Vendredi sont enregistrées\u00a0: nom, jeu, nombre maximal "
            "de participants.",
        ),
        ("ja", "Vendrediの変更を保存しました：名前、ゲーム、最大参加者数。"),
    ],
)
def test_the_saved_message_lists_the_changes_in_the_persons_language(
    organiser, make_tournament, settings, language, message
):
    tournament = make_tournament()
    organiser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = organiser.post(
        edit_url(tournament), form(tournament, name="Vendredi", game="Tekken 8", max_entrants=16)
    )
    assert after(organiser, response) == [message]


def test_an_empty_post_gives_the_form_back_explained(organiser, make_tournament):
    tournament = make_tournament(entrants=2)
    version = fresh(tournament).version
    response = organiser.post(edit_url(tournament), {})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["This field is required."] and "starts_at" in errors
    assert fresh(tournament).version == version


@pytest.mark.parametrize(
    ("entrants", "words"),
    [
        (0, "0 entrants so far; the most can&#x27;t go below that."),
        (1, "1 entrant so far; the most can&#x27;t go below that."),
        (5, "5 entrants so far; the most can&#x27;t go below that."),
    ],
)
def test_the_cap_shows_the_entrants_so_far(organiser, make_tournament, entrants, words):
    tournament = make_tournament(entrants=entrants)
    assert words in organiser.get(edit_url(tournament)).content.decode()


def test_the_page_authorizes_on_a_list_at_most_a_minute_old(
    client, sign_in, make_tournament, fake_discord
):
    """61 seconds after the list came, the owner handed the server over: a save sees that."""
    tournament = make_tournament()
    sign_in(client, list_age=61)
    demoted = p.payload(p.GUILDS)
    demoted[0].update(owner=False, permissions="1024")
    fake_discord.guilds(json=demoted)
    assert client.post(edit_url(tournament), form(tournament, name="X")).status_code == 404
    assert fresh(tournament).name == "Friday Fights"
    assert len(fake_discord.calls) == 1


def test_the_page_on_a_list_under_a_minute_old_costs_no_discord_call(
    client, sign_in, make_tournament, fake_discord
):
    tournament = make_tournament()
    sign_in(client, list_age=50)
    response = client.post(edit_url(tournament), form(tournament, name="X"))
    assert response.status_code == 302 and fresh(tournament).name == "X"
    assert len(fake_discord.calls) == 0
