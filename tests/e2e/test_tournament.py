"""An organiser runs a whole tournament in chromium: from the dashboard to the champion; and
takes back a disqualification made by mistake.

Ada, owner of FightRise HQ (where the real bot is), sets the server's clock, creates a double
elimination, adds eight walk-ins, moves one up to seed 1, lowers its cap on the edit page
(which shows the start on the server's clock), starts it and enters every result on
the manage page as the matches become ready, the grand final going to a reset. The public page
and the JSON then agree on the champion and the standings. Every tournament page it visits is
checked with axe-core in both themes (test-artifacts/axe/t*.json); the bracket is saved at
desktop and phone width in both themes, and as the printer sees it (test-artifacts/t*).
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE
from tests.e2e.discordplay import start_bot_ready
from tests.e2e.test_journey import log_in_as_ada, server

ZONE = "Asia/Tokyo"
WALK_INS = ["Kage", "Nova", "Riptide", "Ember", "Vex", "Tidal", "Comet", "Halcyon"]
# Halcyon, added last, is moved up to seed 1; the others keep their order below.
SEEDS = ["Halcyon", *WALK_INS[:-1]]


def seed_of(name: str) -> int:
    return SEEDS.index(name) + 1


def next_week_at_half_past_seven() -> datetime:
    """19:30 in a week, on the server's clock, as the datetime-local input takes it."""
    local = datetime.now(zoneinfo.ZoneInfo(ZONE)) + timedelta(days=7)
    return local.replace(hour=19, minute=30, second=0, microsecond=0)


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def overflowing(page, selector: str) -> list[str]:
    """The texts of the elements that run out of their own box (into their neighbour's)."""
    return page.eval_on_selector_all(
        selector,
        "all => all.filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)",
    )


def in_both_themes(page, screenshot, name: str) -> None:
    """Screenshots `name`-light and `name`-dark; the page is left in the light theme."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        screenshot(page, f"{name}-{scheme}")
    page.emulate_media(color_scheme="light")


def enter_every_result(page, *, halfway) -> list[str]:
    """Enter the first ready match's result until none is left; the better seed wins, but for
    the first grand final, which the losers' side takes (so the reset is played). Calls
    `halfway()` once half the results are in. Returns the identifiers in the order played."""
    played = []
    ready = page.locator("li.m-row", has=page.get_by_role("button", name="Save result"))
    while ready.count():
        row = ready.first
        identifier = row.locator(".match-id").inner_text()
        one, two = row.locator(".m-name").all_inner_texts()
        better = 0 if seed_of(one) < seed_of(two) else 1
        grand_final = row.locator(".m-head").inner_text().endswith("Grand final")
        winner = 1 - better if grand_final else better
        loser_games = len(played) % 2  # 2-0 and 2-1 in turn
        scores = (2, loser_games) if winner == 0 else (loser_games, 2)
        row.get_by_label(f"Games won by {one}").fill(str(scores[0]))
        row.get_by_label(f"Games won by {two}").fill(str(scores[1]))
        row.get_by_role("button", name="Save result").click()
        expect(page.locator(".message-success")).to_contain_text(f"Match {identifier}: ")
        played.append(identifier)
        if len(played) == 7:
            halfway()
    return played


def test_an_organiser_runs_a_double_elimination_to_its_champion(
    page, sim, site, start_bot, screenshot, axe
):
    start_bot_ready(start_bot)
    log_in_as_ada(page, site, sim)

    server(page, "FightRise HQ").get_by_role("link", name="Manage").click()
    page.select_option("#id_timezone", ZONE)
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".message-success")).to_have_text("Settings for FightRise HQ saved.")
    page.get_by_role("link", name="New tournament").click()

    expect(page.locator("h1")).to_have_text("New tournament")
    expect(page.locator("#id_starts_at_helptext")).to_have_text(f"On the server's clock: {ZONE}.")
    starts = next_week_at_half_past_seven()
    page.fill("#id_name", "Winter Brawl")
    page.fill("#id_game", "Street Fighter 6")
    page.select_option("#id_format", "double_elimination")
    page.select_option("#id_best_of", "3")
    page.fill("#id_starts_at", f"{starts:%Y-%m-%dT%H:%M}")
    page.fill("#id_max_entrants", "16")
    screenshot(page, "t01-create")
    axe(page, "t01-create")
    page.get_by_role("button", name="Create tournament").click()

    page.wait_for_url(re.compile(re.escape(site) + r"/t/[a-z0-9-]+/manage/$"))
    slug = page.url.split("/t/")[1].split("/")[0]
    manage, public = page.url, f"{site}/t/{slug}/"
    expect(page.locator(".message-success")).to_have_text("Winter Brawl is open for entries.")
    for seed, name in enumerate(WALK_INS, 1):
        page.fill("#walk-in", name)
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.locator(".message-success")).to_have_text(f"{name} is in, seed {seed}.")
    page.get_by_label("Seed of Halcyon").fill("1")
    page.get_by_role("button", name="Save seeds").click()
    expect(page.locator(".message-success")).to_have_text("Seeds saved.")
    names = page.locator(".t-table tbody td:nth-child(2)")
    expect(names).to_have_text(SEEDS)
    screenshot(page, "t02-manage-registration")
    axe(page, "t02-manage-registration")

    page.get_by_role("link", name="Edit details").click()
    expect(page.locator("h1")).to_have_text("Edit Winter Brawl")
    expect(page.locator("#id_name")).to_have_value("Winter Brawl")
    expect(page.locator("#id_starts_at")).to_have_value(f"{starts:%Y-%m-%dT%H:%M}")
    expect(page.locator("#id_starts_at_helptext")).to_have_text(f"On the server's clock: {ZONE}.")
    expect(page.locator("#id_max_entrants_helptext")).to_have_text(
        "8 entrants so far; the most can't go below that."
    )
    page.fill("#id_max_entrants", "12")
    screenshot(page, "t14-edit")
    axe(page, "t14-edit")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".message-success")).to_have_text(
        "Saved the changes to Winter Brawl: most entrants."
    )
    expect(page.locator("#next-title + p")).to_contain_text("8 of 12 entrants.")

    page.goto(public)
    expect(page.locator(".t-state")).to_have_text("Registration open")
    expect(page.locator(".t-facts time").first).to_have_attribute(
        "datetime", f"{starts:%Y-%m-%dT%H:%M}:00+09:00"
    )
    expect(page.locator(".t-facts")).to_contain_text(f"JST (UTC+09:00), {ZONE}")
    expect(page.locator(".entrant-list .name")).to_have_text(SEEDS)
    axe(page, "t03-public-registration")

    page.goto(manage)
    page.get_by_role("button", name="Start with 8 entrants").click()
    expect(page.locator(".message-success")).to_have_text(
        "Winter Brawl has started with 8 entrants."
    )

    def halfway():
        screenshot(page, "t04-manage-underway")
        axe(page, "t04-manage-underway")
        page.set_viewport_size(PHONE)
        assert not scrolls_sideways(page), "the manage page scrolls sideways at 360 px"
        screenshot(page, "t04-manage-underway-phone")
        page.set_viewport_size(DESKTOP)
        page.goto(public)
        expect(page.locator(".t-state")).to_have_text("Underway")
        screenshot(page, "t05-public-underway")
        axe(page, "t05-public-underway")
        page.goto(manage)

    played = enter_every_result(page, halfway=halfway)
    assert len(played) == 15, played  # 2n - 1: the reset was played
    expect(page.locator(".message-success")).to_have_text(
        re.compile(r"The tournament is complete: Halcyon wins it!$")
    )
    expect(page.locator("#next-title + p")).to_contain_text("Complete. Halcyon won.")
    screenshot(page, "t06-manage-complete")
    axe(page, "t06-manage-complete")

    page.goto(public)
    expect(page.locator(".t-state")).to_have_text("Complete")
    expect(page.locator(".standing.champion .name")).to_have_text("Halcyon")
    standings = page.locator(".standing")
    expect(standings.locator(".place")).to_have_text(["1", "2", "3", "4", "5", "5", "7", "7"])
    expect(standings.locator(".name")).to_have_text(SEEDS)
    expect(page.locator(".bracket-grand_final .round-title")).to_have_text(["Grand final", "Reset"])
    in_both_themes(page, screenshot, "t07-bracket-desktop")
    axe(page, "t07-public-complete")

    page.set_viewport_size(PHONE)
    assert not scrolls_sideways(page), "the public page scrolls sideways at 360 px"
    bracket = page.locator(".bracket-losers .bracket-scroll")
    assert bracket.evaluate("box => box.scrollWidth > box.clientWidth"), "the bracket scrolls"
    assert not overflowing(page, ".round-title"), "a round's title runs into the next round"
    in_both_themes(page, screenshot, "t08-bracket-phone")
    axe(page, "t08-public-complete-phone")
    page.set_viewport_size(DESKTOP)

    page.emulate_media(media="print")
    assert page.locator(".topbar").evaluate("e => getComputedStyle(e).display") == "none"
    screenshot(page, "t09-bracket-print")
    page.pdf(path=str(ARTIFACTS / "t09-bracket-print.pdf"), landscape=True)
    page.emulate_media(media="screen")

    data = page.request.get(f"{site}/t/{slug}.json").json()
    assert (data["state"], data["time_zone"]) == ("complete", ZONE)
    assert data["starts_at"] == f"{starts:%Y-%m-%dT%H:%M}:00+09:00"
    placed = sorted((e["placement"], e["seed"], e["name"]) for e in data["entrants"])
    assert [placement for placement, _, _ in placed] == [1, 2, 3, 4, 5, 5, 7, 7]
    assert [name for _, _, name in placed] == SEEDS
    matches = {m["identifier"]: m for m in data["matches"]}
    assert sorted(matches) == sorted(played)
    assert all(m["state"] == "complete" for m in matches.values())
    champion = next(e["id"] for e in data["entrants"] if e["placement"] == 1)
    reset = next(m for m in data["matches"] if m["side"] == "grand_final" and m["round"] == 2)
    assert reset["winner"] == champion


def test_an_organiser_takes_back_a_mistaken_disqualification(
    page, sim, site, start_bot, screenshot, axe
):
    from guildbot.models import Guild
    from tests.e2e.discordplay import HQ
    from tournaments import operations

    start_bot_ready(start_bot)
    tournament = operations.create(
        Guild.objects.get(guild_id=HQ),
        created_by=None,
        name="Spring Brawl",
        game="Tekken 8",
        format="double_elimination",
        best_of=3,
        starts_at=next_week_at_half_past_seven().replace(tzinfo=None),
        check_in_minutes=0,
        max_entrants=8,
    )
    for name in WALK_INS[:4]:
        operations.add_walk_in(tournament, name=name)
    operations.start(tournament)
    log_in_as_ada(page, site, sim)
    page.goto(f"{site}/t/{tournament.slug}/manage/")

    first = page.locator("li.m-row", has=page.locator(".match-id", has_text="A"))
    first.get_by_role("button", name="DQ Ember").click()  # meant Kage's result, say
    expect(page.locator(".message-success")).to_have_text(
        "Ember is disqualified; their matches are forfeited."
    )
    # A Reinstate by Ember in the list and on match A, each a confirmation to open first.
    reinstates = page.locator("details.t-confirm summary", has_text="Reinstate Ember")
    expect(reinstates).to_have_count(2)
    expect(page.get_by_role("button", name="Yes, reinstate Ember")).to_have_count(0)
    screenshot(page, "t09-manage-disqualified")
    axe(page, "t09-manage-disqualified")
    entrants = page.locator(".t-table")
    entrants.locator("summary", has_text="Reinstate Ember").click()
    expect(entrants.get_by_text("the matches they forfeited are played again")).to_be_visible()
    screenshot(page, "t09-manage-reinstate-confirm")
    axe(page, "t09-manage-reinstate-confirm")
    entrants.get_by_role("button", name="Yes, reinstate Ember").click()
    expect(page.locator(".message-success")).to_have_text(
        "Ember is reinstated: their disqualification and its forfeits are taken back."
    )
    expect(reinstates).to_have_count(0)
    expect(first.get_by_role("button", name="Save result")).to_be_visible()
