"""The environment of the test run, set before Django reads its settings (a pytest plugin).

Tests run with DEBUG off, as production does, over plain HTTP on loopback. A developer's
.env is ignored. DATABASE_URL and CACHE_URL pass through, so that CI runs the same suite
on SQLite and on PostgreSQL with Redis.
"""

import os

TEST_ENVIRONMENT = {
    "ENV_FILE": "",
    "DEBUG": "false",
    "SECRET_KEY": "test-only-secret-key-6c1f0e6b2b7d4a1f9e8d3c2b1a0f9e8d7c6b5a49",
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "LOG_LEVEL": "DEBUG",
    # Unit tests fake Discord at its real URLs with `responses`.
    "DISCORD_BASE_URL": "https://discord.com",
    "DISCORD_CDN_URL": "https://cdn.discordapp.com",
    "DISCORD_CLIENT_ID": "1300000000000000001",
    "DISCORD_CLIENT_SECRET": "test-client-secret-not-real-0123456789",
    "DISCORD_BOT_TOKEN": "MTMwMDAwMDAwMDAwMDAwMDAwMQ.GtEsTt.not-a-real-bot-token-0123456789abcdef",
    "DISCORD_REDIRECT_URI": "",
    "DISCORD_BOT_REDIRECT_URI": "",
    "DISCORD_BOT_PERMISSIONS": "",
    # As docs/DISCORD_SETUP.md asks; said here, so no test asks Discord unless it means to.
    "DISCORD_BOT_REQUIRE_CODE_GRANT": "true",
    "DISCORD_OAUTH_PROMPT": "",
    "DISCORD_TIMEOUT": "",
    "DISCORD_CONNECT_TIMEOUT": "",
    "DISCORD_MAX_WAITING": "",
    "TOKEN_ENCRYPTION_KEYS": "",
    "TOKEN_DERIVED_KEY_DECRYPTS": "",
    "LOGIN_RATE_LIMIT": "",
}

os.environ.update(TEST_ENVIRONMENT)
