"""Every place FightRise reaches into discord.py beyond its public API, and why.

Each patch was written against discord.py 2.7 (WRITTEN_FOR). Importing this module checks
the installed version and the attributes the patches touch, so that an upgrade fails here,
loudly and in one file, rather than quietly somewhere in the bot: read each patch against
the new version's source, then move WRITTEN_FOR on.
"""

from __future__ import annotations

from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord.state import AutoShardedConnectionState

WRITTEN_FOR = (2, 7)
TOUCHED = {
    Route: ("BASE",),
    DiscordWebSocket: ("DEFAULT_GATEWAY",),
    discord.VoiceClient: ("warn_nacl", "warn_dave"),
    # Also its per-instance dict _guilds, which tests/guildbot/test_events.py exercises.
    AutoShardedConnectionState: ("_remove_guild", "parse_ready"),
    discord.AutoShardedClient: ("_get_state",),
}


def check_version() -> None:
    """Refuse a discord.py these patches were not written for (ImportError, with what to do)."""
    installed = tuple(discord.version_info[:2])
    missing = [
        f"{owner.__name__}.{name}"
        for owner, names in TOUCHED.items()
        for name in names
        if not hasattr(owner, name)
    ]
    if installed != WRITTEN_FOR or missing:
        raise ImportError(
            f"guildbot/discordpy.py patches discord.py {WRITTEN_FOR[0]}.{WRITTEN_FOR[1]}, "
            f"but {discord.__version__} is installed"
            + (f" and lacks {', '.join(missing)}" if missing else "")
            + ": check each patch against its source, then update WRITTEN_FOR."
        )


check_version()


def use_discord_at(base_url: str) -> None:
    """Point discord.py's REST client at DISCORD_BASE_URL (Discord, or discordsim).

    discord.py builds every REST URL from the class attribute Route.BASE and offers no
    setting for it.
    """
    Route.BASE = f"{base_url}/api/v10"


def use_gateway(url: str) -> None:
    """Connect to the gateway that GET /gateway/bot named.

    AutoShardedClient asks /gateway/bot only when it picks the shard count itself; with a
    fixed count (--shard-count) it connects to DiscordWebSocket.DEFAULT_GATEWAY, which is
    Discord's, so without this a bot pointed at discordsim would reach the real Discord.
    """
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)


def quiet_voice_warnings() -> None:
    """The bot never joins voice: no warning at start-up about voice libraries (PyNaCl,
    davey) it does not need. discord.py reads these class flags when a client starts."""
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


class ShardConnectionState(AutoShardedConnectionState):
    """discord.py's connection state, except that a READY replaces the shard's servers.

    discord.py keeps its server cache when a shard that could not resume identifies again,
    and the new READY lists only the servers the bot is in now: a server the bot was removed
    from while away would stay cached and look present. Here the shard's servers that READY
    does not list are dropped from the cache (discord.py's private _guilds and
    _remove_guild) before discord.py reads the READY as usual.
    """

    def parse_ready(self, data: Any) -> None:
        shard_id = data["shard"][0]
        listed = {int(guild["id"]) for guild in data["guilds"]}
        for guild in list(self._guilds.values()):
            if guild.shard_id == shard_id and guild.id not in listed:
                self._remove_guild(guild)
        super().parse_ready(data)


def connection_state(client: discord.AutoShardedClient, **options: Any) -> ShardConnectionState:
    """What the bot's _get_state returns: AutoShardedClient._get_state with our state class
    (discord.py has no hook to choose the class)."""
    return ShardConnectionState(
        dispatch=client.dispatch,
        handlers=client._handlers,
        hooks=client._hooks,
        http=client.http,
        **options,
    )
