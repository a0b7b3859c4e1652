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
}

os.environ.update(TEST_ENVIRONMENT)
