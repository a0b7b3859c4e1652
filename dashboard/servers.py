"""A person's servers as the dashboard shows them: who may manage, and where the bot is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fightrise import discord_api
from fightrise.permissions import has_permission
from fightrise.snowflake import parse_snowflake
from guildbot.models import Guild


def may_manage(guild: dict[str, Any]) -> bool:
    """Owner, Administrator or Manage Server: who may add the bot and change its settings."""
    permissions = guild.get("permissions")
    return bool(
        guild.get("owner")
        or has_permission(permissions, "ADMINISTRATOR")
        or has_permission(permissions, "MANAGE_GUILD")
    )


@dataclass(frozen=True)
class Entry:
    guild: dict[str, Any]
    id: int
    manageable: bool
    bot_present: bool = False

    @property
    def icon_url(self) -> str | None:
        icon = self.guild.get("icon")
        if not icon:
            return None
        extension = "gif" if icon.startswith("a_") else "png"
        return discord_api.cdn_url(f"/icons/{self.id}/{icon}.{extension}?size=128")

    @property
    def initials(self) -> str:
        """What Discord shows for a server without an icon: the first letters of its words."""
        words = str(self.guild.get("name", "")).split()
        return "".join(word[0] for word in words)[:3] or "?"


def _entry(guild: dict[str, Any]) -> Entry | None:
    guild_id = parse_snowflake(str(guild.get("id", "")))
    if guild_id is None:
        return None
    return Entry(guild=guild, id=guild_id, manageable=may_manage(guild))


def entries(guilds: list[dict[str, Any]]) -> list[Entry]:
    """Servers the person can manage first, then by name; bot presence in one query."""
    listed = [entry for entry in map(_entry, guilds) if entry is not None]
    present = Guild.objects.present_ids([entry.id for entry in listed if entry.manageable])
    result = [
        Entry(entry.guild, entry.id, entry.manageable, entry.id in present) for entry in listed
    ]
    result.sort(
        key=lambda entry: (not entry.manageable, str(entry.guild.get("name", "")).casefold())
    )
    return result


def find(guilds: list[dict[str, Any]], guild_id: int) -> Entry | None:
    for guild in guilds:
        entry = _entry(guild)
        if entry is not None and entry.id == guild_id:
            return entry
    return None
