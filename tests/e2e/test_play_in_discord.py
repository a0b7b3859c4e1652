"""A tournament played in Discord, in chromium: the organiser on the site, the players in
discordsim's client page (/channels), with the real `runbot` between them.

Ada, owner of FightRise HQ, signs in, sets the server's announcements and matches channels,
creates a four-entrant double elimination and starts it from its manage page. In the client
page, Ada, Blaze, newbie and The Collector each press Join on the bot's announcement; then,
match by match, the winner runs /report in the match's thread and the opponent presses
Confirm, until the standings are posted. The site's public page and JSON agree with them.
The organiser follows a match's "Thread in Discord" link from the manage page. The match
thread is saved at desktop and phone width (test-artifacts/t10-*), the site pages
this is the first test to show are checked with axe-core (test-artifacts/axe/t1*.json).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from discordsim import sample
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.discordplay import ANNOUNCEMENTS, HQ, MATCHES, start_bot_ready
from tests.e2e.test_journey import log_in_as_ada, server

# Seed order: the order they join in.
PLAYERS = [
    (sample.ADA_ID, "Ada Lovelace"),
    (sample.BLAZE_ID, "Blaze"),
    (sample.NEWBIE_ID, "newbie"),
    (sample.COLLECTOR_ID, "The Collector"),
]
NAMES = [name for _, name in PLAYERS]
SEED = {name: seed for seed, name in enumerate(NAMES, 1)}
TITLE = "Friday Night Fights"
# A four-entrant double elimination where the better seed wins every match, as its threads
# are named: the winners' round one and final, the losers' two rounds, and the grand final,
# which the winners' side takes, so no reset is played.
SCHEDULE = [
    "A · Ada Lovelace vs The Collector",
    "B · Blaze vs newbie",
    "C · Ada Lovelace vs Blaze",
    "D · The Collector vs newbie",
    "E · Blaze vs newbie",
    "F · Ada Lovelace vs Blaze",
]


class Client:
    """discordsim's client page, used as a person would: pick who you are, open a channel or
    a thread, press a message's button, run a slash command, read the replies only you see."""

    def __init__(self, page, sim_url: str):
        self.page, self.url = page, sim_url

    def open(self, channel_id: str) -> None:
        self.page.goto(f"{self.url}/channels/{HQ}/{channel_id}")

    def act_as(self, name: str) -> None:
        # The page reloads itself when the bot posts; one that began just before the pick
        # shows the page afresh, with the pick undone, as a person would see it: pick again.
        for _ in range(3):
            self.page.wait_for_load_state()
            self.page.get_by_label("Acting as").select_option(label=name)
            self.page.get_by_role("button", name="Switch").click()
            try:
                expect(self.page.locator(".me .name")).to_have_text(name, timeout=3000)
                return
            except AssertionError:
                continue
        expect(self.page.locator(".me .name")).to_have_text(name)

    def message(self, text: str):
        return self.page.locator(".log article.msg", has_text=text)

    def replies(self):
        return self.page.locator(".ephemeral")

    def threads(self):
        return self.page.locator("aside.channels li.thread a")

    def thread(self, identifier: str):
        return self.threads().filter(has_text=re.compile(f"^{identifier} · "))

    def run(self, command: str, **options: str) -> None:
        summary = self.page.locator(".compose summary", has_text=re.compile(f"^{command} "))
        summary.click()
        form = self.page.locator(".compose details[open] form")
        for name, value in options.items():
            form.get_by_label(name).fill(value)
        form.get_by_role("button", name="Send").click()


@pytest.fixture
def discord(chromium, sim):
    """The players' browser: a context of its own, so the site's session stays Ada's."""
    context = chromium.new_context(viewport=DESKTOP)
    yield Client(context.new_page(), sim.url)
    context.close()


def result(pairing: str) -> tuple[str, str, str]:
    """The better seed wins 2-1: the winner, the loser, and the result as Discord words it
    (the match's first player first)."""
    one, two = pairing.split(" vs ")
    winner, loser = sorted((one, two), key=SEED.__getitem__)
    return winner, loser, f"{one} {'2-1' if winner == one else '1-2'} {two}"


def test_players_play_a_double_elimination_in_discord(
    page, discord, sim, hq, site, start_bot, screenshot, axe
):
    start_bot_ready(start_bot)
    log_in_as_ada(page, site, sim)
    server(page, "FightRise HQ").get_by_role("link", name="Manage").click()
    page.select_option("#id_announcement_channel_id", ANNOUNCEMENTS)
    page.select_option("#id_match_channel_id", MATCHES)
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".message-success")).to_have_text("Settings for FightRise HQ saved.")
    settings = page.url

    page.get_by_role("link", name="New tournament").click()
    starts = datetime.now(UTC) + timedelta(days=1)  # the server's clock is UTC
    page.fill("#id_name", TITLE)
    page.fill("#id_game", "Tekken 8")
    page.select_option("#id_format", "double_elimination")
    page.select_option("#id_best_of", "3")
    page.fill("#id_starts_at", f"{starts:%Y-%m-%dT%H:%M}")
    page.fill("#id_max_entrants", "4")
    page.get_by_role("button", name="Create tournament").click()
    page.wait_for_url(re.compile(re.escape(site) + r"/t/[a-z0-9-]+/manage/$"))
    manage = page.url
    slug = manage.split("/t/")[1].split("/")[0]
    expect(page.locator(".message-success")).to_have_text(f"{TITLE} is open for entries.")
    page.goto(settings)
    listed = page.locator(".tournaments li.server")
    expect(listed.locator(".server-name")).to_have_text([TITLE])
    expect(listed).to_contain_text("Registration open")
    expect(listed).to_contain_text("0 of 4 entrants")
    screenshot(page, "t11-settings-with-tournament")
    axe(page, "t11-settings-with-tournament")

    # The players press Join on the bot's announcement, each as themselves.
    discord.open(ANNOUNCEMENTS)
    announcement = discord.message(f"{TITLE} · Tekken 8")
    expect(announcement).to_contain_text("0 of 4 entrants", timeout=15000)
    for seed, name in enumerate(NAMES, 1):
        discord.act_as(name)
        announcement.get_by_role("button", name="Join").click()
        expect(discord.replies()).to_contain_text(f"You are in {TITLE}, seed {seed}.")
    expect(announcement).to_contain_text("4 of 4 entrants. Press Join to enter.")
    screenshot(discord.page, "t10-discord-announcement")

    # The organiser starts it on the site; round one is called in #matches, a thread each.
    page.goto(manage)
    expect(page.locator(".t-table tbody td:nth-child(2)")).to_have_text(NAMES)
    page.get_by_role("button", name="Start with 4 entrants").click()
    expect(page.locator(".message-success")).to_have_text(f"{TITLE} has started with 4 entrants.")
    discord.open(MATCHES)
    expect(discord.message("Match A (Winners' round 1)")).to_contain_text(
        "Playing now", timeout=15000
    )

    # Match by match, as each is called: the better seed reports, the other confirms.
    for number, name in enumerate(SCHEDULE):
        identifier, pairing = name.split(" · ")
        winner, loser, scoreline = result(pairing)
        expect(discord.thread(identifier)).to_have_text(name, timeout=15000)
        discord.thread(identifier).click()
        discord.act_as(winner)
        discord.run("/report", score="2-1")
        expect(discord.replies()).to_contain_text(
            f"You reported 2-1 for match {identifier}. {loser} is asked to confirm"
        )
        prompt = discord.message("Is that right?")
        expect(prompt).to_contain_text(
            f"@{loser}: {winner} reports 2-1 for match {identifier}, their games first."
        )
        if number == 0:
            expect(discord.replies()).to_contain_text(f"{winner} used /report")
            screenshot(discord.page, "t10-discord-reported")
            page.goto(manage)
            expect(page.locator(".m-row:has(.match-id:text-is('A')) .m-report")).to_have_text(
                f"{winner} reported 2-1 (their games first); waiting for the opponent to "
                "confirm in Discord."
            )
            screenshot(page, "t12-manage-reported")
            axe(page, "t12-manage-reported")
            # The organiser reads the match's thread from its row, in Discord's client.
            page.locator(".m-row:has(.match-id:text-is('A'))").get_by_role(
                "link", name="Thread in Discord"
            ).click()
            page.wait_for_url(re.compile(re.escape(f"{sim.url}/channels/{HQ}/") + r"\d+$"))
            expect(page.get_by_text("Is that right?")).to_be_visible()
        discord.act_as(loser)
        if number == 0:
            screenshot(discord.page, "t10-discord-match-thread")
            discord.page.set_viewport_size(PHONE)
            screenshot(discord.page, "t10-discord-match-thread-phone")
            discord.page.set_viewport_size(DESKTOP)
        prompt.get_by_role("button", name="Confirm").click()
        expect(discord.message(f"{loser} confirmed: {scoreline}.")).to_be_visible()
        discord.open(MATCHES)
        expect(discord.message(f"Match {identifier} (")).to_contain_text(f"Result: {scoreline}.")

    # The standings, in Discord and on the site.
    discord.open(ANNOUNCEMENTS)
    standings = discord.message("Final standings").locator(".content")
    expect(standings).to_have_text(
        f"🏆 {TITLE} is over. Final standings:\n"
        + "\n".join(f"{seed}. {name}" for seed, name in enumerate(NAMES, 1)),
        use_inner_text=True,
    )
    expect(announcement).to_contain_text("Complete: Ada Lovelace won, out of 4 entrants.")
    screenshot(discord.page, "t10-discord-standings")

    page.goto(f"{site}/t/{slug}/")
    expect(page.locator(".t-state")).to_have_text("Complete")
    expect(page.locator(".standing .place")).to_have_text(["1", "2", "3", "4"])
    expect(page.locator(".standing .name")).to_have_text(NAMES)
    screenshot(page, "t13-public-complete-discord")
    axe(page, "t13-public-complete-discord")

    data = page.request.get(f"{site}/t/{slug}.json").json()
    assert data["state"] == "complete"
    placed = {e["discord_id"]: (e["seed"], e["placement"]) for e in data["entrants"]}
    assert placed == {user_id: (seed, seed) for seed, (user_id, _) in enumerate(PLAYERS, 1)}
    matches = {m["identifier"]: m for m in data["matches"]}
    assert all(m["state"] == "complete" for m in matches.values())
    played = [name.split(" · ")[0] for name in SCHEDULE]
    assert [i for i, m in sorted(matches.items()) if m["winner"]] == played  # no reset
    assert all(matches[i]["thread_id"] for i in played)


def bot_posts(sim, channel_id: str, content: str) -> None:
    status, _ = sim.as_bot("POST", f"/channels/{channel_id}/messages", {"content": content})
    assert status == 200


def test_a_pick_not_yet_sent_survives_the_bots_next_post(discord, sim):
    """The client page reloads itself when something new is posted, but never over a choice
    the person has made and not yet sent: Discord's client does not throw it away either."""
    discord.open(MATCHES)
    bot_posts(sim, MATCHES, "Before the pick")
    expect(discord.message("Before the pick")).to_be_visible(timeout=5000)  # by reloading
    discord.page.get_by_label("Acting as").select_option(label="Blaze")
    discord.page.locator("body").click(position={"x": 5, "y": 5})  # the select loses focus
    bot_posts(sim, MATCHES, "After the pick")
    discord.page.wait_for_timeout(3000)  # more than two of the page's looks
    expect(discord.message("After the pick")).to_have_count(0)
    expect(discord.page.get_by_label("Acting as")).to_have_value(sample.BLAZE_ID)
    discord.page.get_by_role("button", name="Switch").click()
    expect(discord.page.locator(".me .name")).to_have_text("Blaze")
    expect(discord.message("After the pick")).to_be_visible()
