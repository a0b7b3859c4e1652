"""The `axe` fixture itself: it finds what it should, in each theme, under a strict CSP.

The pages are served by Playwright's router with the Content-Security-Policy the site is to
have, so a helper that needed an inline script, or checked nothing, would fail here.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e import a11y

ORIGIN = "http://a11y.test"
CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'"
# Would retitle the page if inline scripts ran: they must not, under this policy.
INLINE_SCRIPT = "<script>document.title = 'inline script ran'</script>"
CLEAN = "body { background: #fff; color: #1f2330; } a { color: #3c45a5; }"
LOW_CONTRAST = "body { background: #fff; color: #1f2330; } .faint { color: #a0a0a0; }"
LOW_CONTRAST_IN_DARK = (
    "body { background: #fff; color: #1f2330; }"
    "@media (prefers-color-scheme: dark) { body { background: #111318; color: #3a3f4d; } }"
)


def html(style: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>axe fixture</title>'
        f"<style>{style}</style>{INLINE_SCRIPT}</head><body><main><h1>Tournaments</h1>"
        '<p class="faint">Check-in closes at 18:00.</p><p><a href="/t/">Brackets</a></p>'
        "</main></body></html>"
    )


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 800, "height": 600})
    page = context.new_page()
    pages: dict[str, str] = {}

    def serve(route):
        route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": CSP},
            body=pages[route.request.url.removeprefix(ORIGIN)],
        )

    page.route(f"{ORIGIN}/**", serve)

    def open_page(path: str, style: str):
        pages[path] = html(style)
        page.goto(ORIGIN + path)
        return page

    yield open_page
    context.close()


def results(name: str, scheme: str) -> dict:
    return json.loads((a11y.RESULTS / f"{name}-{scheme}.json").read_text())


def test_it_passes_a_clean_page_and_saves_what_it_checked(page, axe):
    clean = page("/clean", CLEAN)
    axe(clean, "test-axe-clean")

    for scheme in a11y.SCHEMES:
        saved = results("test-axe-clean", scheme)
        assert saved["violations"] == []
        passed = {rule["id"] for rule in saved["passes"]}
        assert {"color-contrast", "html-has-lang", "document-title"} <= passed
        assert saved["toolOptions"]["runOnly"]["values"] == a11y.TAGS


def test_it_runs_under_the_sites_strict_content_security_policy(page, axe):
    clean = page("/clean", CLEAN)
    assert clean.title() == "axe fixture", "the policy was not in force"

    axe(clean, "test-axe-csp")

    assert clean.evaluate("typeof window.axe.run") == "function"


def test_it_fails_a_low_contrast_page_with_a_readable_list(page, axe):
    faint = page("/faint", LOW_CONTRAST)

    with pytest.raises(AssertionError) as failure:
        axe(faint, "test-axe-faint")

    message = str(failure.value)
    assert "test-axe-faint (light): 1 rule(s) failed on 1 element(s)" in message
    assert "test-axe-faint (dark): 1 rule(s) failed on 1 element(s)" in message
    assert "color-contrast (serious)" in message
    assert "    .faint\n" in message
    assert '<p class="faint">Check-in closes at 18:00.</p>' in message
    assert "insufficient color contrast of 2.6" in message
    assert results("test-axe-faint", "light")["violations"][0]["id"] == "color-contrast"


def test_it_checks_the_dark_theme_too(page, axe):
    dark_only = page("/dark-only", LOW_CONTRAST_IN_DARK)

    with pytest.raises(AssertionError) as failure:
        axe(dark_only, "test-axe-dark-only")

    assert "test-axe-dark-only (dark)" in str(failure.value)
    assert "test-axe-dark-only (light)" not in str(failure.value)


def test_it_leaves_the_page_in_its_colour_scheme(chromium, axe):
    context = chromium.new_context(color_scheme="dark")
    page = context.new_page()
    page.set_content(html(CLEAN))

    axe(page, "test-axe-scheme")

    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    context.close()
