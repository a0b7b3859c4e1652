"""The discord.py bot: servers it is in, their settings, gateway events, slash commands."""
