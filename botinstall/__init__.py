"""Add to server: the bot invite with state, its callback, and the success and error pages."""
