"""axe-core in the browser tests: a page checked against WCAG 2.1 AA in the light and dark theme.

axe-core comes from the npm registry, pinned in tests/e2e/npm/package-lock.json and installed
by `make test` (`make npm`); nothing is fetched while the tests run.

The source goes in through `page.evaluate`, which Playwright sends over the DevTools protocol:
the browser runs it as the debugger's code, not as a script of the page, so the page's
Content-Security-Policy (`script-src 'self'`, no inline script) does not apply to it, and the
page is checked with its own policy in force. (`bypass_csp` on the context would also let an
injected `<script>` run, but it switches the policy off for everything on the page.)
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from tests.servers import BASE_DIR

AXE_JS = BASE_DIR / "tests/e2e/npm/node_modules/axe-core/axe.min.js"
RESULTS = BASE_DIR / "test-artifacts" / "axe"
# WCAG 2.0 and 2.1, levels A and AA: what the site promises, no best-practice rules.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCHEMES = ("light", "dark")


@functools.cache
def axe_source() -> str:
    """axe.min.js as `make npm` installed it."""
    return AXE_JS.read_text()


def run_axe(page) -> dict[str, Any]:
    """axe-core's full result for the page as it is now (injected once per document)."""
    if not page.evaluate("typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        # A trailing expression, so that Playwright does not take the source for a function.
        page.evaluate(axe_source() + "\n;undefined")
    options = {"runOnly": {"type": "tag", "values": TAGS}}
    return page.evaluate("options => window.axe.run(document, options)", options)


def check(page, name: str, *, schemes: tuple[str, ...] = SCHEMES) -> None:
    """Run axe-core on the page in each colour scheme; fail with every violation found.

    Each scheme's full result is saved as test-artifacts/axe/<name>-<scheme>.json. The page is
    left in the colour scheme it had.
    """
    dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    reports = []
    try:
        for scheme in schemes:
            page.emulate_media(color_scheme=scheme)
            results = run_axe(page)
            save(results, f"{name}-{scheme}")
            if results["violations"]:
                reports.append(describe(f"{name} ({scheme})", results))
    finally:
        page.emulate_media(color_scheme="dark" if dark else "light")
    if reports:
        raise AssertionError("axe-core found WCAG 2.1 AA violations\n" + "\n".join(reports))


def save(results: dict[str, Any], stem: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{stem}.json"
    path.write_text(json.dumps(results, indent=1))
    return path


def describe(where: str, results: dict[str, Any]) -> str:
    """The violations as a person reads them: rule, impact, then each node's selector and HTML."""
    violations = results["violations"]
    nodes = sum(len(violation["nodes"]) for violation in violations)
    lines = [f"{where}: {len(violations)} rule(s) failed on {nodes} element(s), {results['url']}"]
    for violation in violations:
        lines.append(
            f"  {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    {selector(node['target'])}")
            lines.append(f"      {node['html']}")
            for summary in node.get("failureSummary", "").splitlines():
                lines.append(f"      {summary.strip()}")
    return "\n".join(lines)


def selector(target: list) -> str:
    """axe's target: a selector per frame, each a list of selectors through shadow roots."""
    return " >> ".join(part if isinstance(part, str) else " ".join(part) for part in target)
