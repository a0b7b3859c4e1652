"""The signed-in pages: profile, server list with badges, and the bot's settings per server."""
