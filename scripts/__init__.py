"""Development tools: never imported by the site or the bot in production."""
