"""Permission flags: the docs' full table, 64-bit exact, safe with junk."""

from __future__ import annotations

import discord
import pytest

from fightrise import permissions


def test_the_table_matches_discord_py_for_every_flag_it_knows():
    ours = set(permissions.FLAGS.values())
    theirs = set(discord.Permissions.VALID_FLAGS.values())
    assert theirs <= ours
    assert discord.Permissions.all().value == permissions.ALL


def test_every_flag_is_one_distinct_bit():
    values = list(permissions.FLAGS.values())
    assert len(set(values)) == len(values)
    assert all(value & (value - 1) == 0 for value in values)
    assert 1 << 47 not in values


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
    assert permissions.LABELS["SEND_MESSAGES_IN_THREADS"] == "Send Messages In Threads"


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
