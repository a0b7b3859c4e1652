"""A person's whole journey in chromium: landing, login, dashboard, add the bot, settings, logout.

Against discordsim on real ports, with the site under gunicorn and the real bot recording
servers from the gateway. Each page is saved under test-artifacts/ to be looked at, and checked
with axe-core in the light and the dark theme (test-artifacts/axe/): WCAG 2.1 AA, no violation.
discordsim's consent page, not the product's but what a person sees in `make run`, is checked too.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from discordsim import sample
from guildbot.models import GuildConfig
from tests.e2e.conftest import DESKTOP, PHONE, bot_servers, present, wait_for


def first_channel_id(sim, guild_id: str) -> str:
    guild = next(guild for guild in sim.scenario()["guilds"] if guild["id"] == guild_id)
    return guild["channels"][0]["id"]


def log_in_as_ada(page, site, sim, screenshot=None, axe=None):
    page.goto(f"{site}/")
    page.locator("main").get_by_role("link", name="Login with Discord").click()
    page.wait_for_url(re.compile(re.escape(sim.url) + "/oauth2/authorize"))
    page.locator("summary", has_text="Switch account").click()
    page.locator("button.person", has_text="Ada").click()
    expect(page.locator(".account")).to_contain_text("Ada")
    if screenshot:
        screenshot(page, "02-consent-login")
    if axe:
        axe(page, "02-consent-login")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{site}/dashboard/")


def server(page, name):
    return page.locator(
        "li.server", has=page.locator(".server-name", has_text=re.compile(f"^{re.escape(name)}$"))
    )


def test_the_whole_journey(page, sim, site, start_bot, screenshot, axe):
    start_bot()
    wait_for(lambda: present() == bot_servers(sim), message="the bot records its servers")

    page.goto(f"{site}/")
    expect(page.locator("h1")).to_contain_text("fighting-game tournaments")
    screenshot(page, "01-landing")
    axe(page, "01-landing")

    log_in_as_ada(page, site, sim, screenshot, axe)
    expect(page.locator(".profile h1")).to_have_text("Ada Lovelace")
    screenshot(page, "03-dashboard")
    axe(page, "03-dashboard")

    hq, brawlers = server(page, "FightRise HQ"), server(page, "Pixel Brawlers")
    arena, lab = server(page, "Midnight Arena"), server(page, "Combo Lab")
    casual = server(page, "Casual Fridays")
    expect(hq.locator(".badge")).to_have_text("Owner")
    expect(hq.get_by_role("link", name="Manage")).to_be_visible()
    expect(brawlers.locator(".badge")).to_have_text("Administrator")
    expect(brawlers.get_by_role("link", name="Add to server")).to_be_visible()
    expect(arena.locator(".badge")).to_have_text("Manage Server")
    expect(arena.get_by_role("link", name="Manage")).to_be_visible()
    expect(lab.get_by_role("link", name="Add to server")).to_be_visible()
    expect(casual.locator(".badge")).to_have_count(0)
    expect(casual.get_by_role("link")).to_have_count(0)

    page.fill("#server-filter", "midnight")
    expect(page.locator("li.server:visible")).to_have_count(1)
    page.fill("#server-filter", "")

    brawlers.get_by_role("link", name="Add to server").click()
    page.wait_for_url(re.compile(re.escape(sim.url) + "/oauth2/authorize"))
    expect(page.locator("select#guild")).to_be_disabled()
    expect(page.locator("select#guild option:checked")).to_have_text("Pixel Brawlers")
    screenshot(page, "04-consent-bot")
    axe(page, "04-consent-bot")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(re.escape(site) + r"/auth/success/\?message=bot_installed"))
    # The page says the bot is in only once the gateway's GUILD_CREATE reached the table.
    expect(page.locator(".install-joined h1")).to_have_text("FightRise is in Pixel Brawlers")
    expect(page.get_by_role("link", name="Open its settings")).to_have_attribute(
        "href", f"/dashboard/guilds/{sample.PIXEL_BRAWLERS_ID}/"
    )
    assert int(sample.PIXEL_BRAWLERS_ID) in present()
    screenshot(page, "05-success")
    axe(page, "05-success")

    wait_for(
        lambda: int(sample.PIXEL_BRAWLERS_ID) in present(),
        message="the bot hears of its new server",
    )
    # The app requires the code grant: the bot joined when the site exchanged the code.
    joins = sim.bot_membership(sample.PIXEL_BRAWLERS_ID)["joins"]
    assert [join["via"] for join in joins] == ["code_exchange"]
    page.get_by_role("link", name="Go to your dashboard").click()
    brawlers = server(page, "Pixel Brawlers")
    expect(brawlers.get_by_role("link", name="Manage")).to_be_visible()

    brawlers.get_by_role("link", name="Manage").click()
    expect(page.locator("h1")).to_have_text("Pixel Brawlers")
    page.select_option(
        "#id_announcement_channel_id", first_channel_id(sim, sample.PIXEL_BRAWLERS_ID)
    )
    page.select_option("#id_timezone", "Europe/Berlin")
    page.select_option("#id_locale", "fr")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".message-success")).to_have_text("Settings for Pixel Brawlers saved.")
    config = GuildConfig.objects.get(guild_id=int(sample.PIXEL_BRAWLERS_ID))
    assert (config.timezone, config.locale) == ("Europe/Berlin", "fr")
    screenshot(page, "06-settings")
    axe(page, "06-settings")

    page.set_viewport_size(PHONE)
    screenshot(page, "07-settings-phone")
    axe(page, "07-settings-phone")
    page.goto(f"{site}/dashboard/")
    screenshot(page, "08-dashboard-phone")
    axe(page, "08-dashboard-phone")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the dashboard scrolls sideways at 360 px"
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{site}/")
    expect(page.locator("main").get_by_role("link", name="Login with Discord")).to_be_visible()
    screenshot(page, "09-logged-out")
    axe(page, "09-logged-out")
    assert len(sim.requests("/api/v10/oauth2/token/revoke")) == 1
    page.goto(f"{site}/dashboard/")
    page.wait_for_url(re.compile(re.escape(sim.url) + "/oauth2/authorize"))


def test_cancel_on_discord_ends_on_a_clear_page(page, sim, site, screenshot, axe):
    page.goto(f"{site}/auth/login/")
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(f"{site}/auth/error/?error=access_denied")
    expect(page.locator("h1")).to_have_text("You cancelled on Discord")
    screenshot(page, "10-error-cancelled")
    axe(page, "10-error-cancelled")


def test_fewer_permissions_are_explained_on_the_success_page(page, sim, site, screenshot, axe):
    log_in_as_ada(page, site, sim)
    server(page, "Combo Lab").get_by_role("link", name="Add to server").click()
    page.wait_for_url(re.compile(re.escape(sim.url) + "/oauth2/authorize"))
    page.get_by_label("Embed Links").uncheck()
    page.get_by_label("Send Messages", exact=True).uncheck()
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(re.escape(site) + "/auth/success/"))
    warning = page.locator(".warning")
    expect(warning).to_contain_text("Embed Links")
    expect(warning).to_contain_text("Send Messages")
    screenshot(page, "11-success-missing-permissions")
    axe(page, "11-success-missing-permissions")


def test_the_dashboard_follows_a_dark_system_theme(chromium, sim, site, screenshot):
    context = chromium.new_context(viewport=DESKTOP, color_scheme="dark")
    page = context.new_page()
    log_in_as_ada(page, site, sim)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(17, 19, 24)"
    screenshot(page, "12-dashboard-dark")
    context.close()
