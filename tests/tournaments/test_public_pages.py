"""The public page and the JSON, and joining, leaving and checking in from the page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Session
from tests import discord_payloads as p
from tests.tournaments.conftest import MEMBER, STRANGER, local_now, match, play_out, win
from tournaments import operations
from tournaments.models import Match, Tournament

pytestmark = pytest.mark.django_db


def page_of(client, tournament) -> str:
    response = client.get(f"/t/{tournament.slug}/")
    assert response.status_code == 200
    return response.content.decode()


# The page


def test_anyone_sees_a_registration_with_its_start_in_the_servers_zone(client, make_tournament):
    tournament = make_tournament(entrants=2, check_in_minutes=30)
    page = page_of(client, tournament)
    local = tournament.local_starts_at()
    assert f"{local:%H:%M}" in page and "Europe/Paris" in page and "(UTC+0" in page
    assert f'datetime="{local.isoformat()}"' in page
    assert "Registration open" in page and "2 of 64" in page and "Opens" in page
    assert "Log in with Discord to join" in page


def test_the_bracket_shows_both_sides_the_grand_final_and_no_bye(client, started):
    tournament = started(6)
    win(tournament, "A")
    page = page_of(client, tournament)
    for title in ("Winners&#x27; bracket", "Losers&#x27; bracket", "Grand final", "If needed"):
        assert title in page
    ids = re.findall(r'id="match-([A-Z]+)"', page)
    assert ids and sorted(ids) == sorted(
        Match.objects.filter(tournament=tournament).values_list("identifier", flat=True)
    )
    assert page.count('class="player won"') == 1
    assert "Winner of B" in page and "Winner of A" not in page  # A is played: its players known
    assert "in-both" in page and "out" in page  # connectors


def test_a_finished_tournament_shows_its_standings(client, started):
    tournament = started(4, format="single_elimination")
    play_out(tournament)
    page = page_of(client, tournament)
    assert "Standings" in page and 'class="standing champion"' in page
    assert "Complete" in page


@pytest.mark.parametrize("state", ["check_in", "cancelled"])
def test_every_state_has_a_page(client, make_tournament, state):
    tournament = make_tournament(entrants=2)
    getattr(operations, {"check_in": "open_check_in", "cancelled": "cancel"}[state])(tournament)
    assert {"check_in": "Check-in open", "cancelled": "Cancelled"}[state] in page_of(
        client, tournament
    )


def test_a_member_sees_join_and_an_entrant_sees_leave_and_check_in(
    client, sign_in, make_tournament
):
    tournament = make_tournament(check_in_minutes=15)
    sign_in(client)
    assert f'action="/t/{tournament.slug}/join/"' in page_of(client, tournament)
    client.post(f"/t/{tournament.slug}/join/")
    page = page_of(client, tournament)
    assert "You are in, seed 1." in page and f'action="/t/{tournament.slug}/leave/"' in page
    operations.open_check_in(tournament)
    page = page_of(client, tournament)
    assert (
        f'action="/t/{tournament.slug}/check-in/"' in page and "Check in before the start" in page
    )
    assert "Manage this tournament" in page


def test_a_non_member_sees_why_there_is_no_button(client, sign_in, make_tournament, make_guild):
    tournament = make_tournament(guild=make_guild(STRANGER, name="Elsewhere"))
    sign_in(client)
    page = page_of(client, tournament)
    assert "Only members of Elsewhere can join" in page and "/join/" not in page
    assert "Manage this tournament" not in page


def test_a_full_tournament_says_so(client, sign_in, make_tournament, make_guild):
    tournament = make_tournament(guild=make_guild(MEMBER), max_entrants=2, entrants=2)
    sign_in(client)
    page = page_of(client, tournament)
    assert "is full (2 of 2)" in page and "/join/" not in page


def test_check_in_opening_by_the_clock_shows_without_a_write(client, make_tournament):
    tournament = make_tournament(starts_at=local_now(minutes=10), check_in_minutes=30, entrants=2)
    version = Tournament.objects.get(pk=tournament.pk).version
    with CaptureQueriesContext(connection) as queries:
        page = page_of(client, tournament)
    assert "Check-in open" in page
    assert not [q for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    assert Tournament.objects.get(pk=tournament.pk).version == version


# Joining, leaving, checking in


def act(client, tournament, what: str) -> list[str]:
    response = client.post(f"/t/{tournament.slug}/{what}/")
    assert response["Location"] == f"/t/{tournament.slug}/"
    return [str(m) for m in client.get(response["Location"]).context["messages"]]


def test_a_member_joins_checks_in_and_leaves(client, sign_in, make_tournament, make_guild):
    tournament = make_tournament(guild=make_guild(MEMBER), check_in_minutes=15)
    sign_in(client)
    assert act(client, tournament, "join") == ["You are in Friday Fights. See you there!"]
    entrant = tournament.entrants.get()
    assert (entrant.discord_id, entrant.name, entrant.user.discord_id) == (
        p.USER_ID,
        "Nelly",
        p.USER_ID,
    )
    assert act(client, tournament, "join") == ["You are already in Friday Fights."]
    assert act(client, tournament, "check-in")[0].startswith(
        "Check-in for Friday Fights is not open"
    )
    operations.open_check_in(tournament)
    assert act(client, tournament, "check-in") == ["You are checked in for Friday Fights."]
    assert act(client, tournament, "leave") == ["You have left Friday Fights."]
    assert act(client, tournament, "leave") == ["You are not in Friday Fights."]


def test_only_members_of_the_server_join(client, sign_in, make_tournament, make_guild):
    tournament = make_tournament(guild=make_guild(STRANGER, name="Elsewhere"))
    sign_in(client)
    assert act(client, tournament, "join") == ["Only members of Elsewhere can enter Friday Fights."]
    assert not tournament.entrants.exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda t: [operations.add_walk_in(t, name=f"W{i}") for i in range(2)], "is full (2 of 2)"),
        (
            lambda t: (
                operations.add_walk_in(t, name="A"),
                operations.add_walk_in(t, name="B"),
                operations.start(t),
            ),
            "has started: entries are closed",
        ),  # fmt: skip
        (operations.cancel, "was cancelled"),
    ],
)
def test_a_refused_join_is_explained(client, sign_in, make_tournament, setup, message):
    tournament = make_tournament(max_entrants=2)
    setup(tournament)
    sign_in(client)
    [said] = act(client, tournament, "join")
    assert message in said


def test_joining_needs_a_signed_in_person(client, make_tournament):
    tournament = make_tournament()
    response = client.post(f"/t/{tournament.slug}/join/")
    assert response["Location"] == f"/auth/login/?next=/t/{tournament.slug}/join/"
    # After the login, the GET that comes back changes nothing and lands on the page.
    assert not tournament.entrants.exists()


def test_a_get_on_a_button_route_changes_nothing(client, sign_in, make_tournament):
    tournament = make_tournament()
    sign_in(client)
    assert client.get(f"/t/{tournament.slug}/join/")["Location"] == f"/t/{tournament.slug}/"
    assert not tournament.entrants.exists()


def test_joining_waits_when_discord_cannot_confirm(client, sign_in, make_tournament, fake_discord):
    tournament = make_tournament()
    key = sign_in(client)
    Session.objects.for_key(key).update(guilds_fetched_at=timezone.now() - timedelta(days=10))
    fake_discord.guilds(status=500, json={})
    [said] = act(client, tournament, "join")
    assert "could not confirm with Discord" in said
    assert not tournament.entrants.exists()


def test_the_buttons_need_the_csrf_token(sign_in, make_tournament):
    tournament = make_tournament()
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser)
    assert browser.post(f"/t/{tournament.slug}/join/").status_code == 403
    assert not tournament.entrants.exists()


def test_an_unknown_tournament_has_no_buttons(client, sign_in):
    sign_in(client)
    assert client.post("/t/nothing-here/join/").status_code == 404


# The JSON


def test_the_json_has_exactly_the_designs_shape(client, started):
    tournament = started(6)
    entrant = tournament.entrants.get(seed=1)
    entrant.discord_id = 257069950429175809
    entrant.save()
    win(tournament, "A")
    response = client.get(f"/t/{tournament.slug}.json")
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) == {
        "slug",
        "name",
        "game",
        "format",
        "state",
        "best_of",
        "starts_at",
        "time_zone",
        "guild_id",
        "entrants",
        "matches",
    }
    assert (data["slug"], data["state"], data["format"], data["best_of"]) == (
        tournament.slug,
        "underway",
        "double_elimination",
        3,
    )
    assert data["guild_id"] == str(tournament.guild_id) and data["time_zone"] == "Europe/Paris"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT19:30:00\+0[12]:00", data["starts_at"])
    first = data["entrants"][0]
    assert first == {
        "id": str(entrant.pk),
        "name": "Player 1",
        "discord_id": "257069950429175809",
        "seed": 1,
        "checked_in": True,
        "placement": None,
    }
    assert [e["seed"] for e in data["entrants"]] == [1, 2, 3, 4, 5, 6]
    assert all(e["discord_id"] is None for e in data["entrants"][1:])
    # 6 entrants: 2n-1 = 11 matches; the byes of the 8-slot bracket are not listed.
    assert len(data["matches"]) == 11
    a = data["matches"][0]
    played = match(tournament, "A")
    assert a == {
        "id": str(played.pk),
        "identifier": "A",
        "side": "winners",
        "round": 1,
        "players": [str(played.player_1_id), str(played.player_2_id)],
        "scores": [2, 0],
        "winner": str(played.player_1_id),
        "state": "complete",
        "thread_id": None,
    }
    assert {m["side"] for m in data["matches"]} == {"winners", "losers", "grand_final"}
    assert {m["state"] for m in data["matches"]} <= {"pending", "ready", "complete"}
    for m in data["matches"]:
        assert all(player is None or isinstance(player, str) for player in m["players"])


def test_the_json_before_the_start_lists_no_matches(client, make_tournament):
    tournament = make_tournament(entrants=2)
    data = client.get(f"/t/{tournament.slug}.json").json()
    assert data["matches"] == [] and data["state"] == "registration"


def test_the_json_drops_the_reset_once_it_is_not_needed(client, started):
    # Like a bye, a reset nobody will play is not a match: listed while it may be played,
    # gone once the winners' side takes the grand final (2n-2 matches, not one "complete"
    # with no winner for an overlay to trip on).
    tournament = started(4)
    play_out(tournament)  # every match won by slot 0: the winners' side takes the final
    data = client.get(f"/t/{tournament.slug}.json").json()
    assert data["state"] == "complete" and len(data["matches"]) == 2 * 4 - 2
    assert all(m["winner"] is not None for m in data["matches"])
    assert [m["round"] for m in data["matches"] if m["side"] == "grand_final"] == [1]
    champion = next(e["id"] for e in data["entrants"] if e["placement"] == 1)
    assert data["matches"][-1]["winner"] == champion


def test_the_json_is_for_overlays_anywhere(client, started):
    tournament = started(4)
    response = client.get(f"/t/{tournament.slug}.json", HTTP_ORIGIN="https://overlay.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"] and "max-age=5" in response["Cache-Control"]
    assert "Cookie" not in response.get("Vary", "")
    again = client.get(f"/t/{tournament.slug}.json", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    win(tournament, "A")
    changed = client.get(f"/t/{tournament.slug}.json", HTTP_IF_NONE_MATCH=response["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != response["ETag"]
    assert client.post(f"/t/{tournament.slug}.json").status_code == 405


def test_a_change_shows_at_once_though_the_page_is_cached(client, started):
    tournament = started(4)
    client.get(f"/t/{tournament.slug}/")
    client.get(f"/t/{tournament.slug}.json")
    win(tournament, "A")
    assert client.get(f"/t/{tournament.slug}.json").json()["matches"][0]["scores"] == [2, 0]
    assert 'class="player won"' in page_of(client, tournament)


def test_a_new_time_zone_shows_at_once(client, make_tournament):
    tournament = make_tournament()
    client.get(f"/t/{tournament.slug}.json")
    tournament.guild.config.timezone = "Asia/Tokyo"
    tournament.guild.config.save()
    data = client.get(f"/t/{tournament.slug}.json").json()
    assert data["time_zone"] == "Asia/Tokyo" and data["starts_at"].endswith("+09:00")


@pytest.mark.parametrize(
    ("zone", "when", "where"),
    [
        ("Europe/Paris", "2031-07-04T19:30", "CEST (UTC+02:00), Europe/Paris"),
        ("Europe/Paris", "2031-12-05T19:30", "CET (UTC+01:00), Europe/Paris"),
        ("Asia/Kolkata", "2031-07-04T19:30", "IST (UTC+05:30), Asia/Kolkata"),
        # A zone without a common abbreviation has its offset for one ("-03"): said once.
        ("America/Sao_Paulo", "2031-07-04T19:30", "UTC-03:00, America/Sao_Paulo"),
        ("UTC", "2031-07-04T19:30", "UTC"),
        ("Etc/UTC", "2031-07-04T19:30", "UTC"),
    ],
)
def test_the_start_names_its_zone_once(zone, when, where):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tournaments.pages import StartTime

    local = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo(zone))
    assert StartTime(local, zone).where == where


@pytest.mark.parametrize(
    ("language", "zone", "where"),
    [
        ("ja", "Asia/Tokyo", "JST（UTC+09:00）、Asia/Tokyo"),
        ("ja", "America/Sao_Paulo", "UTC-03:00、America/Sao_Paulo"),
        ("de", "Asia/Tokyo", "JST (UTC+09:00), Asia/Tokyo"),
    ],
)
def test_the_zone_is_punctuated_as_the_language_writes(language, zone, where):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import translation

    from tournaments.pages import StartTime

    local = datetime.fromisoformat("2031-07-04T19:30").replace(tzinfo=ZoneInfo(zone))
    with translation.override(language):
        assert StartTime(local, zone).where == where


def test_a_server_on_utc_reads_utc_once(client, make_tournament):
    tournament = make_tournament()
    tournament.guild.config.timezone = "UTC"
    tournament.guild.config.save()
    page = page_of(client, tournament)
    assert "UTC (" not in page and ", UTC<" not in page
    assert re.search(r'</time> <span class="muted">UTC</span>', page)


# What a view costs


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_page_and_the_json_cost_the_same_queries_at_8_and_256(
    client, sign_in, started, signed_in
):
    if signed_in:
        sign_in(client)
    counts = {}
    for size in (8, 256):
        tournament = started(size)
        play_out(tournament, until=size - 1)
        for kind, url in (
            ("page", f"/t/{tournament.slug}/"),
            ("json", f"/t/{tournament.slug}.json"),
        ):
            counts[size, kind, "first"] = queries(client, url)
            counts[size, kind, "cached"] = queries(client, url)
    for kind in ("page", "json"):
        for when in ("first", "cached"):
            assert counts[8, kind, when] == counts[256, kind, when], (kind, when)
    assert counts[256, "json", "cached"] == 1
    assert counts[256, "page", "cached"] == (1 if not signed_in else counts[8, "page", "cached"])


def test_the_manage_page_costs_the_same_queries_at_8_and_256(client, sign_in, started):
    sign_in(client)
    counts = []
    for size in (8, 256):
        tournament = started(size)
        play_out(tournament, until=3)
        counts.append(queries(client, f"/t/{tournament.slug}/manage/"))
    assert counts[0] == counts[1]
