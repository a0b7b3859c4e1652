"""The apps import one way, as docs/architecture.md ("What may import what") draws it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
OURS = {
    "fightrise",
    "accounts",
    "botinstall",
    "dashboard",
    "guildbot",
    "tournaments",
    "discordsim",
    "scripts",
}
ALLOWED = {
    "fightrise": set(),
    "accounts": {"fightrise"},
    "guildbot": {"fightrise"},
    "botinstall": {"accounts", "guildbot", "fightrise"},
    "dashboard": {"accounts", "guildbot", "tournaments", "fightrise"},
    "tournaments": {"accounts", "guildbot", "fightrise"},
    "discordsim": set(),
}


def module_names(path: Path) -> set[str]:
    """Every absolute module name a file imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def imported_apps(path: Path) -> set[str]:
    return {name.split(".")[0] for name in module_names(path)} & OURS


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_it_imports_only_the_apps_below_it(app):
    wrong = {}
    for path in sorted((BASE_DIR / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        if bad := imported_apps(path) - ALLOWED[app] - {app}:
            wrong[str(path.relative_to(BASE_DIR))] = sorted(bad)
    assert wrong == {}


def test_only_the_discord_client_imports_requests():
    users = [
        str(path.relative_to(BASE_DIR))
        for app in ALLOWED
        if app != "discordsim"
        for path in (BASE_DIR / app).rglob("*.py")
        if "requests" in {name.split(".")[0] for name in module_names(path)}
    ]
    assert users == ["fightrise/discord_api.py"]


def test_the_bracket_engine_is_plain_python():
    """No Django, no Discord, nothing of the project's but itself."""
    engine = BASE_DIR / "tournaments" / "bracket"
    wrong = {
        str(path.relative_to(BASE_DIR)): sorted(names)
        for path in sorted(engine.rglob("*.py"))
        if (
            names := {
                name
                for name in module_names(path)
                if name.split(".")[0] in {"django", "discord", "requests", *OURS}
                and not name.startswith("tournaments.bracket")
            }
        )
    }
    assert wrong == {}


# The tournaments' modules the website imports, and the bot's: a web worker never imports
# discord.py (the bot alone posts in Discord), and guildbot reaches the bot's modules only
# through the BOT_EXTENSIONS setting.
TOURNAMENTS_BOT = {"posts.py", "delivery.py", "interactions.py", "extension.py"}


def test_the_websites_tournament_modules_do_not_import_discord():
    folder = BASE_DIR / "tournaments"
    wrong = {
        path.name: sorted(names)
        for path in sorted(folder.glob("*.py"))
        if path.name not in TOURNAMENTS_BOT
        and (names := {n for n in module_names(path) if n.split(".")[0] == "discord"})
    }
    assert wrong == {}
    imported = {
        name
        for path in folder.glob("*.py")
        if path.name not in TOURNAMENTS_BOT
        for name in module_names(path)
    }
    assert not {f"tournaments.{name[:-3]}" for name in TOURNAMENTS_BOT} & imported


def test_guildbot_names_its_extensions_only_in_the_settings():
    from django.conf import settings

    assert settings.BOT_EXTENSIONS == ["tournaments.extension"]
    # No module of tournaments named in guildbot's code, not even as a string to load.
    mentions = [
        str(path.relative_to(BASE_DIR))
        for path in (BASE_DIR / "guildbot").rglob("*.py")
        if re.search(r"\btournaments\.[a-z]", path.read_text())
    ]
    assert mentions == []
