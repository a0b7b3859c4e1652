"""A person's servers as the dashboard shows them: who may manage, and where the bot is."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from django.urls import reverse

from fightrise import discord_api
from fightrise.permissions import may_manage
from fightrise.snowflake import parse_discord_id
from guildbot.models import Guild


@dataclass(frozen=True)
class ServerRow:
    """One server as the page shows it; everything the template needs, computed once."""

    guild: dict[str, Any]
    id: int
    name: str
    manageable: bool
    bot_present: bool = False
    # Where the row's button goes: the settings page, or the bot invite for this server.
    action_url: str = ""

    @classmethod
    def from_json(cls, guild: dict[str, Any]) -> ServerRow | None:
        guild_id = parse_discord_id(str(guild.get("id", "")))
        if guild_id is None:
            return None
        name = str(guild.get("name", ""))
        manageable = may_manage(guild.get("permissions"), owner=bool(guild.get("owner")))
        return cls(guild=guild, id=guild_id, name=name, manageable=manageable)

    @cached_property
    def search_name(self) -> str:
        return self.name.casefold()

    @cached_property
    def icon_url(self) -> str | None:
        return discord_api.guild_icon_url(self.id, self.guild.get("icon"))

    @cached_property
    def initials(self) -> str:
        """What Discord shows for a server without an icon: the first letters of its words."""
        return "".join(word[0] for word in self.name.split())[:3] or "?"


@dataclass(frozen=True)
class ServerRows:
    """A person's servers with the bot's presence. The rows are finished (presence, links)
    only when the page's cached fragment for this exact list and presence is missing."""

    rows: tuple[ServerRow, ...]
    present_ids: frozenset[int]

    @classmethod
    def load(cls, guilds: list[dict[str, Any]]) -> ServerRows:
        """Parse the stored list once; where the bot is among the manageable ones (one query)."""
        rows = tuple(entry for entry in map(ServerRow.from_json, guilds) if entry is not None)
        manageable = [entry.id for entry in rows if entry.manageable]
        return cls(rows, frozenset(Guild.objects.present_ids(manageable)))

    @cached_property
    def manageable_count(self) -> int:
        return sum(entry.manageable for entry in self.rows)

    @property
    def presence_version(self) -> str:
        """Changes whenever the bot joins or leaves one of these servers."""
        joined = ",".join(map(str, sorted(self.present_ids)))
        return hashlib.sha256(joined.encode()).hexdigest()[:16]

    def entries(self) -> list[ServerRow]:
        """Servers the person can manage first, then by name."""
        install_prefix = f"{reverse('botinstall:install')}?guild_id="
        rows = []
        for entry in self.rows:
            present = entry.id in self.present_ids
            url = (
                reverse("dashboard:guild", args=[entry.id])
                if present
                else f"{install_prefix}{entry.id}"
            )
            rows.append(replace(entry, bot_present=present, action_url=url))
        rows.sort(key=lambda entry: (not entry.manageable, entry.search_name))
        return rows


def find(guilds: list[dict[str, Any]], guild_id: int) -> ServerRow | None:
    for guild in guilds:
        entry = ServerRow.from_json(guild)
        if entry is not None and entry.id == guild_id:
            return entry
    return None
