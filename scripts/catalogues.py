"""The translation catalogues (locale/<lang>/LC_MESSAGES/django.po and .mo): `make messages`
brings every offered language's .po up to date with the code (Django's makemessages), and
compiles them all (compilemessages). Both need GNU gettext (xgettext, msgmerge, msgfmt).
Then it lists what each catalogue still lacks (`problems`).

    python -m scripts.catalogues          # every language of settings.LANGUAGES but English
    python -m scripts.catalogues fr ja    # some of them

A language is offered only with a complete catalogue: tests/fightrise/test_catalogues.py
fails on any problem, on a .mo that is not its .po compiled, and, running the same
makemessages on a copy of the project, on a catalogue without every message of the code.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import polib
from django.utils.translation import to_locale

BASE_DIR = Path(__file__).resolve().parent.parent
# Folders without words for the site or the bot: discordsim stands in for Discord, whose
# consent screen is Discord's own, not ours.
IGNORE = [
    ".venv",
    ".git",
    "bench",
    "discordsim",
    "docs",
    "locale",
    "node_modules",
    "scripts",
    "staticfiles",
    "test-artifacts",
    "tests",
]
# File names only in the comments: line numbers would change the catalogues at every edit.
MAKEMESSAGES = ["makemessages", "--no-obsolete", "--add-location=file"]


def environment() -> dict[str, str]:
    """manage.py as a developer runs it, whatever .env says (no SECRET_KEY is needed)."""
    return {**os.environ, "DEBUG": "true", "ENV_FILE": ""}


def makemessages(root: Path, languages: list[str]) -> None:
    """Bring locale/<lang>/LC_MESSAGES/django.po under `root` up to date with the code."""
    locales = [arg for language in languages for arg in ("-l", to_locale(language))]
    ignores = [arg for folder in IGNORE for arg in ("--ignore", folder)]
    (root / "locale").mkdir(exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES, *locales, *ignores],
        cwd=root,
        env=environment(),
        check=True,
    )


def compilemessages(root: Path) -> None:
    """Compile the project's .po files into their .mo (msgfmt --check-format)."""
    ignores = [arg for folder in IGNORE if folder != "locale" for arg in ("--ignore", folder)]
    subprocess.run(
        [sys.executable, "manage.py", "compilemessages", *ignores],
        cwd=root,
        env=environment(),
        check=True,
    )


# %(name)s and %s (with flags, width, precision), and str.format's {name}.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|\{\w*\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# The bot's messages are Discord markdown: bold, underline, strikethrough, spoilers, code,
# and the mentions and timestamps Discord renders (users, roles, channels, <t:...>).
MARKDOWN = re.compile(r"\*\*|__|~~|\|\||`+|<(?:@[!&]?|#)\d+>|<t:-?\d+(?::[tTdDfFR])?>")


def nplurals(po: polib.POFile) -> int:
    found = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(found.group(1)) if found else 2


def problems(po: polib.POFile) -> list[str]:
    """What keeps a catalogue from being complete: a message untranslated, empty or fuzzy,
    plural forms missing, or a translation whose placeholders, markup or Discord markdown
    differ from the English (the plural forms after the first against the English plural)."""
    found = []
    forms_wanted = nplurals(po)
    for entry in po:
        name = repr(entry.msgid if len(entry.msgid) < 60 else entry.msgid[:57] + "...")
        if entry.obsolete:
            found.append(f"obsolete: {name}")
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {name}")
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(i, "") for i in range(forms_wanted)]
            if len(entry.msgstr_plural) != forms_wanted:
                found.append(f"{len(entry.msgstr_plural)} plural forms, not {forms_wanted}: {name}")
        else:
            forms = [entry.msgstr]
        for index, form in enumerate(forms):
            if not form.strip():
                found.append(f"untranslated: {name}")
                continue
            singular = not entry.msgid_plural or (index == 0 and forms_wanted > 1)
            english = entry.msgid if singular else entry.msgid_plural
            for what, pattern in (
                ("placeholders", PLACEHOLDER),
                ("markup", TAG),
                ("markdown", MARKDOWN),
            ):
                want, got = sorted(pattern.findall(english)), sorted(pattern.findall(form))
                if want != got:
                    found.append(f"{what} {got} instead of {want}: {name}")
    return found


def catalogue(language: str, root: Path = BASE_DIR) -> Path:
    return root / "locale" / to_locale(language) / "LC_MESSAGES" / "django.po"


def offered() -> list[str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fightrise.settings")
    os.environ.update({"DEBUG": "true", "ENV_FILE": ""})
    from django.conf import settings

    return [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def main(argv: list[str]) -> int:
    languages = argv or offered()
    makemessages(BASE_DIR, languages)
    compilemessages(BASE_DIR)
    incomplete = 0
    for language in languages:
        found = problems(polib.pofile(str(catalogue(language))))
        incomplete += bool(found)
        print(f"{language}: {len(found) or 'complete, no'} problems")
        for problem in found:
            print(f"  {problem}")
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
