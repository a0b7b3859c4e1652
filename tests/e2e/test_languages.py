"""The site in another language, in chromium: the footer's switcher turns it German, the
dashboard and a tournament's public page follow (its start written as German writes a date,
in the server's zone), and the choice follows Ada to another device at her next login.
Each page is checked with axe-core (light and dark) and saved under test-artifacts/."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import expect

from accounts.models import User
from discordsim import sample
from guildbot.models import Guild, GuildConfig
from tests.e2e.conftest import DESKTOP
from tournaments import operations

WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli"]


def hq_tournament():
    """A started double elimination in FightRise HQ, on Berlin's clock, 4 July next year."""
    guild, _ = Guild.objects.get_or_create(
        guild_id=int(sample.FIGHTRISE_HQ_ID), defaults={"name": "FightRise HQ"}
    )
    GuildConfig.objects.update_or_create(guild=guild, defaults={"timezone": "Europe/Berlin"})
    starts = datetime(datetime.now().year + 1, 7, 4, 19, 30)  # noqa: DTZ001 - a wall clock
    tournament = operations.create(
        guild,
        created_by=None,
        name="Freitagsturnier",
        game="Tekken 8",
        format="double_elimination",
        best_of=3,
        starts_at=starts,
        check_in_minutes=0,
        max_entrants=16,
    )
    for name in ("Kage", "Nova", "Riptide", "Ember"):
        operations.add_walk_in(tournament, name=name)
    operations.start(tournament)
    return tournament, starts


def log_in_as_ada(page, site, sim, button: str):
    page.locator("main").get_by_role("link", name=button).click()
    page.wait_for_url(re.compile(re.escape(sim.url) + "/oauth2/authorize"))
    page.locator("summary", has_text="Switch account").click()
    page.locator("button.person", has_text="Ada").click()
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{site}/dashboard/")


def test_the_site_speaks_german_once_chosen(page, chromium, sim, site, screenshot, axe):
    page.context.set_extra_http_headers({"Accept-Language": "en-US,en;q=0.9"})
    tournament, starts = hq_tournament()

    page.goto(f"{site}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switcher = page.locator("form.language-switcher")
    expect(switcher.locator("option", has_text="Deutsch")).to_have_attribute("lang", "de")
    switcher.get_by_label("Language").select_option("de")
    switcher.get_by_role("button", name="Change").click()
    page.wait_for_url(f"{site}/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("h1")).to_have_text(
        "Veranstalte deine Fighting-Game-Turniere dort, wo deine Community schon ist."
    )
    expect(switcher.get_by_label("Sprache")).to_have_value("de")
    screenshot(page, "lang-01-landing-de")
    axe(page, "lang-01-landing-de")

    log_in_as_ada(page, site, sim, "Mit Discord anmelden")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#servers-title")).to_contain_text("Deine Server")
    hq = page.locator("li.server", has=page.locator(".server-name", has_text="FightRise HQ"))
    expect(hq.locator(".badge")).to_have_text("Eigentümer")
    expect(hq.get_by_role("link", name="Verwalten")).to_be_visible()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    screenshot(page, "lang-02-dashboard-de")
    axe(page, "lang-02-dashboard-de")
    # Chosen before she signed in: hers from now on.
    assert User.objects.get(discord_id=int(sample.ADA_ID)).language == ""
    page.locator("form.language-switcher").get_by_label("Sprache").select_option("de")
    page.locator("form.language-switcher").get_by_role("button", name="Ändern").click()
    page.wait_for_url(f"{site}/dashboard/")
    assert User.objects.get(discord_id=int(sample.ADA_ID)).language == "de"

    page.goto(f"{site}/t/{tournament.slug}/")
    head = page.locator(".t-head")
    weekday, month = WEEKDAYS[starts.weekday()], MONTHS[starts.month - 1]
    expect(head.locator("time")).to_have_text(f"{weekday}, 4. {month} {starts.year}, 19:30 Uhr")
    expect(head).to_contain_text("Europe/Berlin")
    expect(head).to_contain_text("(UTC+02:00)")
    expect(head).to_contain_text("Double Elimination · Best of 3")
    expect(head.locator(".t-state")).to_have_text("Läuft")
    expect(page.locator("#bracket-title")).to_have_text("Bracket")
    expect(page.locator("#side-winners")).to_have_text("Winners-Bracket")
    expect(page.locator("#side-losers")).to_have_text("Losers-Bracket")
    expect(page.locator(".round-title").first).to_have_text("Winners-Halbfinale")
    expect(page.locator("#entrants-title")).to_contain_text("Teilnehmer")
    expect(page.get_by_role("link", name="Dieses Turnier verwalten")).to_be_visible()
    screenshot(page, "lang-03-tournament-de")
    axe(page, "lang-03-tournament-de")

    # Another device, English by its browser, until Ada signs in there.
    laptop = chromium.new_context(viewport=DESKTOP, locale="en-US")
    try:
        other = laptop.new_page()
        other.goto(f"{site}/")
        expect(other.locator("html")).to_have_attribute("lang", "en")
        log_in_as_ada(other, site, sim, "Login with Discord")
        expect(other.locator("html")).to_have_attribute("lang", "de")
        expect(other.locator("#servers-title")).to_contain_text("Deine Server")
    finally:
        laptop.close()


def test_a_browser_in_japanese_gets_the_site_in_japanese(chromium, sim, site, screenshot, axe):
    tournament, starts = hq_tournament()
    context = chromium.new_context(viewport=DESKTOP, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(f"{site}/t/{tournament.slug}/")
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        expect(page.locator(".t-head time")).to_contain_text(f"{starts.year}年7月4日")
        expect(page.locator("#side-losers")).to_have_text("ルーザーズ")
        expect(page.get_by_role("link", name="Discordでログイン")).to_be_visible()
        screenshot(page, "lang-04-tournament-ja")
        axe(page, "lang-04-tournament-ja")
    finally:
        context.close()
