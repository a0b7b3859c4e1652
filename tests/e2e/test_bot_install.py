"""Adding the bot against discordsim with "Requires OAuth2 Code Grant" on and off: the site
says the bot is in only once it is, and a refused exchange is a failed install."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from discordsim import sample
from tests.e2e.conftest import present
from tests.e2e.test_journey import log_in_as_ada, server


def _to_consent(page, sim, name: str) -> dict[str, str]:
    server(page, name).get_by_role("link", name="Add to server").click()
    page.wait_for_url(re.compile(re.escape(sim.url) + "/oauth2/authorize"))
    return {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}


def test_a_forged_code_with_a_real_state_is_a_failed_install(page, sim, site, start_bot):
    """The review's reproduction: ?code=bogus with a valid state once said "added"."""
    start_bot()
    log_in_as_ada(page, site, sim)
    query = _to_consent(page, sim, "Combo Lab")
    page.goto(
        f"{site}/auth/callback/bot/?code=bogus&state={query['state']}"
        f"&guild_id={sample.COMBO_LAB_ID}&permissions={query['permissions']}"
    )
    page.wait_for_url(f"{site}/auth/error/?error=login_failed")
    expect(page.locator("h1")).to_have_text("Discord did not let us finish")
    assert not sim.bot_membership(sample.COMBO_LAB_ID)["present"]
    assert int(sample.COMBO_LAB_ID) not in present()


def test_with_the_code_grant_off_the_page_still_waits_for_the_bot(page, sim, site, start_bot):
    sim.update_application(bot_require_code_grant=False)
    start_bot()
    log_in_as_ada(page, site, sim)
    _to_consent(page, sim, "Combo Lab")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(re.escape(site) + r"/auth/success/\?message=bot_installed"))
    expect(page.locator(".install-joined h1")).to_have_text("FightRise is in Combo Lab")
    joins = sim.bot_membership(sample.COMBO_LAB_ID)["joins"]
    assert [join["via"] for join in joins] == ["authorize"]
    # The site read the switch from Discord, with the bot token.
    (asked,) = sim.requests("/api/v10/applications/@me")
    assert asked["headers"]["Authorization"].startswith("Bot ")
