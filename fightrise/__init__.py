"""FightRise web: the project package (settings, URLs, the Discord client, logging)."""
