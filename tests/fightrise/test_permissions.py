"""Permission flags: the docs' full table, 64-bit exact, safe with junk."""

from __future__ import annotations

import re

import discord
import pytest

from discordsim import permissions as sim_permissions
from fightrise import permissions
from tests.conftest import BASE_DIR

# discord.py names three flags its own way (as of 2.7.1); every other flag it names as the
# docs do, in lower case (and it adds aliases, such as read_messages for VIEW_CHANNEL).
DISCORD_PY_NAMES = {
    "USE_VAD": "use_voice_activation",
    "MANAGE_GUILD_EXPRESSIONS": "manage_expressions",
    "CREATE_GUILD_EXPRESSIONS": "create_expressions",
}


def test_the_table_is_discordsims_bit_for_bit_and_label_for_label():
    """The product may not import discordsim, nor discordsim the product: two tables, one
    truth, checked here."""
    ours = {bit: (name, permissions.LABELS[name]) for name, bit in permissions.FLAGS.items()}
    theirs = {flag.value: (flag.name, flag.label) for flag in sim_permissions.FLAGS}
    assert ours == theirs


def test_the_table_is_discord_pys_bit_for_bit_and_name_for_name():
    theirs = discord.Permissions.VALID_FLAGS
    assert set(theirs.values()) == set(permissions.FLAGS.values())
    for name, bit in permissions.FLAGS.items():
        assert theirs.get(DISCORD_PY_NAMES.get(name, name.lower())) == bit, name
    assert discord.Permissions.all().value == permissions.ALL


DEFAULT_BOT_PERMISSIONS = 328_565_083_136


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("README.md", "328565083136"),
        (".env.example", "328565083136"),
        ("fightrise/settings.py", "328_565_083_136"),
    ],
)
def test_the_documented_default_permissions_carry_discords_names(path, value):
    """Where a document lists what the invite asks for, it names each as Discord's client
    does, and names them all."""
    text = (BASE_DIR / path).read_text()
    assert value in text
    flowing = re.sub(r"\s*\n#?\s*", " ", text)  # comment lines joined into sentences
    listed = ", ".join(
        permissions.LABELS[name] for name in permissions.names(DEFAULT_BOT_PERMISSIONS)
    )
    # The whole list: no other name before it or after it.
    assert re.search(rf"(?<!,) {re.escape(listed)}(\.| \|)", flowing), listed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0),
        ("8", 8),
        (str(2**64 - 1), 2**64 - 1),
        ("", None),
        ("-1", None),
        ("abc", None),
        (str(2**64), None),
        ("1e3", None),
        ("8.0", None),
        ("٣", None),
        (None, None),
        (True, None),
        (32, 32),
    ],
)
def test_it_parses_permission_strings_exactly(value, expected):
    assert permissions.parse_permissions(value) == expected


@pytest.mark.parametrize(
    ("value", "flag", "expected"),
    [
        ("32", "MANAGE_GUILD", True),
        ("32", "manage_guild", True),
        ("8", "MANAGE_GUILD", False),
        (str(1 << 52 | 32), "BYPASS_SLOWMODE", True),
        (str(2**64 - 1), "PIN_MESSAGES", True),
        ("48", "32", True),
        ("48", 16, True),
        ("junk", "MANAGE_GUILD", False),
        ("32", "NOT_A_FLAG", False),
        ("32", "0", False),
        (None, "MANAGE_GUILD", False),
    ],
)
def test_has_permission(value, flag, expected):
    assert permissions.has_permission(value, flag) is expected


def test_labels_read_like_discords():
    assert permissions.LABELS["MANAGE_GUILD"] == "Manage Server"
    assert permissions.LABELS["VIEW_CHANNEL"] == "View Channels"
    assert permissions.LABELS["SEND_MESSAGES_IN_THREADS"] == "Send Messages in Threads"


@pytest.mark.parametrize(
    ("value", "owner", "expected"),
    [
        ("0", True, True),
        ("8", False, True),
        ("32", False, True),
        (str(1 << 10), False, False),
        ("junk", False, False),
        (None, True, True),
        (str(2**64 - 1), False, True),
    ],
)
def test_may_manage_is_owner_administrator_or_manage_server(value, owner, expected):
    assert permissions.may_manage(value, owner=owner) is expected
