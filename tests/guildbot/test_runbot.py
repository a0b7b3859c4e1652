"""`manage.py runbot` refuses bad options and a missing token in one line."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {"DISCORD_BOT_TOKEN": ""}, "DISCORD_BOT_TOKEN is not set"),
        (["--shard-ids", "0"], {}, "--shard-ids needs --shard-count"),
        (
            ["--shard-count", "2", "--shard-ids", "2"],
            {},
            "--shard-ids must be below --shard-count (2)",
        ),
        (
            ["--shard-count", "2", "--shard-ids", "a,b"],
            {},
            "--shard-ids takes comma-separated numbers",
        ),
        (["--shard-count", "0"], {}, "--shard-count must be at least 1"),
    ],
)
def test_it_refuses_in_one_line(run_manage, args, env, message):
    result = run_manage("runbot", *args, env=env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_the_discordpy_patches_refuse_a_version_they_were_not_written_for(monkeypatch):
    import discord

    from guildbot import discordpy

    discordpy.check_version()  # the installed one
    monkeypatch.setattr(discord, "version_info", discord.version_info._replace(minor=99))
    with pytest.raises(ImportError, match="guildbot/discordpy.py patches discord.py 2.7"):
        discordpy.check_version()
