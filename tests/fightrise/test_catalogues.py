"""A language is offered only when its catalogue is complete: every message of the code
translated, none fuzzy or empty, the same placeholders and markup as the English, the .mo
compiled from the .po as it is (scripts/catalogues.py, README "Languages")."""

from __future__ import annotations

import gettext
import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from guildbot.models import GuildConfig
from scripts import catalogues

BASE_DIR = Path(__file__).resolve().parent.parent.parent
OFFERED = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def load(language: str) -> polib.POFile:
    return polib.pofile(str(catalogues.catalogue(language)))


def keys(po: polib.POFile) -> set[tuple[str | None, str, str]]:
    """Each message as the code asks for it: context, English, English plural."""
    return {(e.msgctxt, e.msgid, e.msgid_plural) for e in po if not e.obsolete}


def po_file(tmp_path, body: str, plural_forms: str = "nplurals=2; plural=(n != 1);"):
    path = tmp_path / "django.po"
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    path.write_text(f'{header}"Plural-Forms: {plural_forms}\\n"\n\n{body}', encoding="utf-8")
    return polib.pofile(str(path))


# The rule


def test_the_rule_passes_a_complete_catalogue(tmp_path):
    po = po_file(
        tmp_path,
        'msgid "Join %(name)s"\nmsgstr "Rejoindre %(name)s"\n\n'
        'msgid "%(n)d match"\nmsgid_plural "%(n)d matches"\n'
        'msgstr[0] "%(n)d match"\nmsgstr[1] "%(n)d matchs"\n',
    )
    assert catalogues.problems(po) == []


def test_the_rule_finds_a_message_without_translation(tmp_path):
    po = po_file(tmp_path, 'msgid "Save seeds"\nmsgstr ""\n')
    assert catalogues.problems(po) == ["untranslated: 'Save seeds'"]


def test_the_rule_finds_a_fuzzy_message(tmp_path):
    po = po_file(tmp_path, '#, fuzzy\nmsgid "Save seeds"\nmsgstr "Enregistrer"\n')
    assert catalogues.problems(po) == ["fuzzy: 'Save seeds'"]


def test_the_rule_finds_an_obsolete_message(tmp_path):
    po = po_file(tmp_path, '#~ msgid "Prefix"\n#~ msgstr "Préfixe"\n')
    assert catalogues.problems(po) == ["obsolete: 'Prefix'"]


@pytest.mark.parametrize(
    ("english", "translated", "problem"),
    [
        ("Join %(name)s", "Rejoindre %(nom)s", "placeholders ['%(nom)s'] instead of ['%(name)s']"),
        ("Join %(name)s", "Rejoindre", "placeholders [] instead of ['%(name)s']"),
        ("Seed %s", "Seed", "placeholders [] instead of ['%s']"),
        ("Seed {seed}", "Seed {graine}", "placeholders ['{graine}'] instead of ['{seed}']"),
        ("Seed %(seed)d", "Seed %(seed)s", "placeholders ['%(seed)s'] instead of ['%(seed)d']"),
        ("<strong>Go</strong> now", "Allez maintenant", "markup [] instead of"),
    ],
)
def test_the_rule_finds_a_placeholder_that_differs(tmp_path, english, translated, problem):
    po = po_file(tmp_path, f'msgid "{english}"\nmsgstr "{translated}"\n')
    (found,) = catalogues.problems(po)
    assert found.startswith(problem)


@pytest.mark.parametrize(
    ("english", "translated", "problem"),
    [
        ("**%(name)s** won", "%(name)s a gagné", "markdown [] instead of ['**', '**']"),
        ("report with `%(command)s`", "signalez avec %(command)s", "markdown [] instead of"),
        ("Starts <t:1:F>", "Début <t:1:R>", "markdown ['<t:1:R>'] instead of ['<t:1:F>']"),
        ("<@1>, confirm it", "confirmez-le", "markdown [] instead of ['<@1>']"),
        ("See <#2>", "Voir #2", "markdown [] instead of ['<#2>']"),
    ],
)
def test_the_rule_keeps_discord_markdown_and_mentions(tmp_path, english, translated, problem):
    """The bot's messages are Discord markdown: bold, code, mentions and timestamps stay."""
    po = po_file(tmp_path, f'msgid "{english}"\nmsgstr "{translated}"\n')
    assert any(found.startswith(problem) for found in catalogues.problems(po))


def test_the_rule_lets_markdown_move_within_the_sentence(tmp_path):
    po = po_file(
        tmp_path,
        'msgid "**%(n)s** of %(most)s entrants"\nmsgstr "参加者%(most)s人中**%(n)s**人"\n',
    )
    assert catalogues.problems(po) == []


def test_the_rule_checks_every_plural_form(tmp_path):
    po = po_file(
        tmp_path,
        'msgid "%(n)d match"\nmsgid_plural "%(n)d matches"\nmsgstr[0] "%(n)d match"\n',
    )
    assert catalogues.problems(po) == [
        "1 plural forms, not 2: '%(n)d match'",
        "untranslated: '%(n)d match'",
    ]
    po = po_file(
        tmp_path,
        'msgid "%(n)d match"\nmsgid_plural "%(n)d matches"\n'
        'msgstr[0] "%(n)d match"\nmsgstr[1] "des matchs"\n',
    )
    assert catalogues.problems(po) == ["placeholders [] instead of ['%(n)d']: '%(n)d match'"]


def test_a_language_with_one_form_says_the_plural_with_its_count(tmp_path):
    po = po_file(
        tmp_path,
        'msgid "Start with one"\nmsgid_plural "Start with %(n)s"\nmsgstr[0] "%(n)s人で開始"\n',
        plural_forms="nplurals=1; plural=0;",
    )
    assert catalogues.problems(po) == []


# The catalogues


def test_every_offered_language_has_a_catalogue():
    assert settings.LANGUAGE_CODE == "en" and len(OFFERED) >= 5
    assert [code for code in OFFERED if not catalogues.catalogue(code).is_file()] == []


@pytest.mark.parametrize("language", OFFERED)
def test_each_catalogue_is_complete(language):
    assert catalogues.problems(load(language)) == []


@pytest.mark.parametrize("language", OFFERED)
def test_each_catalogue_says_its_language_and_plural_forms(language):
    po = load(language)
    assert po.metadata["Language"] == translation.to_locale(language)
    # Japanese has one form ("3人"); the others two (French and Brazilian Portuguese take
    # the singular for 0 and 1).
    assert catalogues.nplurals(po) == (1 if language == "ja" else 2)


def test_every_catalogue_holds_the_same_messages():
    """Without gettext installed this still catches a language that lacks a message."""
    english = keys(load(OFFERED[0]))
    assert {code: keys(load(code)) ^ english for code in OFFERED} == {
        code: set() for code in OFFERED
    }


@pytest.mark.parametrize("language", OFFERED)
def test_each_mo_file_is_its_po_compiled(language):
    """The .mo files are committed (a fresh clone and production need no gettext); each must
    be what its .po compiles to: `make messages` compiles them."""
    po = load(language)
    with open(catalogues.catalogue(language).with_suffix(".mo"), "rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)._catalog
    expected = {}
    for entry in po:
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural:
            for index, form in entry.msgstr_plural.items():
                expected[(key, int(index))] = form
        else:
            expected[key] = entry.msgstr
    compiled.pop("", None)  # the header
    assert compiled == expected, "run `make messages` to compile the catalogues"


def test_the_bot_offers_the_sites_languages():
    choices = GuildConfig._meta.get_field("locale").choices
    assert choices == settings.LANGUAGES


def xgettext_missing() -> bool:
    return shutil.which("xgettext") is None or shutil.which("msgmerge") is None


def test_the_catalogues_hold_every_message_of_the_code_and_no_other(tmp_path):
    """makemessages, run on a copy of the project, finds what the catalogues hold."""
    if xgettext_missing():
        reason = "GNU gettext is not installed (apt-get install gettext)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    copy = tmp_path / "project"
    shutil.copytree(
        BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "node_modules",
            "test-artifacts",
            "staticfiles",
            "locale",
            "__pycache__",
            "*.sqlite3*",
        ),
    )
    catalogues.makemessages(copy, [OFFERED[0]])
    found = keys(polib.pofile(str(catalogues.catalogue(OFFERED[0], root=copy))))
    held = keys(load(OFFERED[0]))
    assert {"missing": found - held, "no longer in the code": held - found} == {
        "missing": set(),
        "no longer in the code": set(),
    }, "run `make messages`, then translate what it adds"


def test_the_engine_marks_its_messages_without_django():
    """The bracket engine is plain Python: its own gettext_noop only marks a message, and
    the operations translate it at the boundary."""
    from tournaments.bracket import play

    assert play.gettext_noop("Match %(match)s already has a result.") == (
        "Match %(match)s already has a result."
    )
    error = play.AlreadyDecided(
        play.gettext_noop("Match %(match)s already has a result."), match="A"
    )
    assert str(error) == "Match A already has a result."
    with translation.override("fr"):
        assert translation.gettext(error.message) % error.params == (
            "Le match A a déjà un résultat."
        )
