"""Settings for FightRise web: every value comes from the environment (README, Configuration)."""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import environ
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured

from fightrise.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# A .env file fills in what the real environment leaves unset. ENV_FILE names another
# file, or none at all when empty (the test run uses that to ignore a developer's .env).
ENV_FILE = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    environ.Env.read_env(ENV_FILE)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, *, default: bool) -> bool:
    """Read a boolean; anything but true/false/1/0/yes/no/on/off is a configuration error."""
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, *, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    """Read an integer within [minimum, maximum]; anything else is a configuration error."""
    raw = env.str(name, default="").strip()
    if not raw:
        return default
    try:
        value = int(raw, 10)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise ImproperlyConfigured(f"{name} must be {bound}, not {value}")
    return value


def env_float(name: str, *, default: float, minimum: float) -> float:
    raw = env.str(name, default="").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from None
    if not value >= minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {raw}")
    return value


def env_url(name: str, *, default: str) -> str:
    """Read an absolute http(s) URL, without a trailing slash."""
    value = env.str(name, default="").strip() or default
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(f"{name} must be an absolute http(s) URL, not {value!r}")
    return value.rstrip("/")


RATE_UNITS = {"s": 1, "m": 60, "h": 3600}


def env_rate(name: str, *, default: str) -> tuple[int, int] | None:
    """Read a rate such as 30/m (also /s, /h) as (count, window in seconds); 0 is no limit."""
    raw = env.str(name, default="").strip().lower() or default
    if raw == "0":
        return None
    count, _, unit = raw.partition("/")
    if not count.isdigit() or unit not in RATE_UNITS:
        raise ImproperlyConfigured(
            f"{name} must be a count per second, minute or hour such as 30/m, or 0 for no "
            f"limit, not {raw!r}"
        )
    return (int(count), RATE_UNITS[unit]) if int(count) else None


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = env.str(name, default="")
    if not raw.strip():
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is false: set it in the environment or in .env"
        )
    SECRET_KEY = "django-insecure-fightrise-development-key-only-for-debug"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", default=["http://localhost:8000", "http://127.0.0.1:8000"]
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    # Our session model replaces Django's, but the app keeps `clearsessions` available.
    "django.contrib.sessions",
    "django.contrib.messages",
    # intcomma: counts grouped as the person's language groups them (1,024; 1.024; 1 024).
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "accounts",
    "botinstall",
    "dashboard",
    "guildbot",
    "tournaments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fightrise.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.SessionActivityMiddleware",
    # The person's choice (the language cookie), else the browser's Accept-Language, else English.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "fightrise.urls"
WSGI_APPLICATION = "fightrise.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite in the project folder unless DATABASE_URL says otherwise.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] != ":memory:":
        _db["NAME"] = str(BASE_DIR / _db["NAME"])  # a relative path means the project folder
        # The test database is a file too, so that threads and processes share it as in
        # production; one per test run, so that two runs never share it.
        _db["TEST"] = {
            "NAME": str(Path(tempfile.gettempdir()) / f"fightrise-test-{os.getpid()}.sqlite3")
        }
    # Several gunicorn workers and threads write at once (sessions, OAuth states). WAL lets
    # readers run beside the writer; IMMEDIATE takes the write lock at BEGIN, so a transaction
    # never fails to upgrade a read lock ("database is locked"); the timeout makes writers queue.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", default=20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
_db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", default=60)
_db["CONN_HEALTH_CHECKS"] = True

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "accounts:login"
# Where a login ends without a ?next=, and what success pages link to.
LOGIN_REDIRECT_URL = "dashboard:index"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The languages the site and the bot speak: English and each language whose catalogue
# (locale/<lang>/LC_MESSAGES/django.po) is complete, which tests/fightrise/test_catalogues.py
# holds it to. Each is named as its speakers name it, for the language switcher; the bot's
# settings offer the same list (guildbot.models.LOCALES). README, "Languages".
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("ja", "日本語"),
    ("pt-br", "Português (Brasil)"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own date formats per language first (fightrise/formats/), then Django's.
FORMAT_MODULE_PATH = ["fightrise.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "fightrise.storage.StaticFilesStorage"
        )
    },
}
# Production builds run `collectstatic`; should one forget, pages still render with their
# styles (served unhashed from the static folders) rather than failing on a missing manifest.
WHITENOISE_USE_FINDERS = True

# Security. Production posture unless DEBUG; the three switches below allow plain HTTP on
# loopback with DEBUG off (tests, benchmarks).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"  # the OAuth callbacks are top-level GETs from Discord
CSRF_COOKIE_HTTPONLY = True
# A browser keeps a __Host- cookie only when it is Secure, for Path=/ and without Domain, so
# that neither a subdomain nor a plain-HTTP response can plant or shadow it. Plain names
# over plain HTTP (make run, tests), where a Secure cookie would never come back.
SESSION_COOKIE_NAME = "__Host-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if CSRF_COOKIE_SECURE else "csrftoken"
# The language a person chose on the switcher, for this browser (accounts.languages); it
# lasts as long as a session does, and a login sets it again from the person's User.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_NAME = "__Host-language" if LANGUAGE_COOKIE_SECURE else "language"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Messages ("Saved.") in a cookie, __Host-messages when Secure (fightrise.messages).
MESSAGE_STORAGE = "fightrise.messages.MessageStorage"

# Behind a TLS-terminating proxy: trust
# X-Forwarded-Proto, -Host and -For, so that redirect URIs come out as https:// with the
# public host. Only enable when the proxy overwrites these headers.
BEHIND_PROXY = env_bool("BEHIND_PROXY", default=False)
# Authorizations (logins, bot installs) one address may start: (count, seconds) or None.
# Each one writes a state row. Behind a proxy without BEHIND_PROXY every person shares the
# proxy's address, and so this limit.
LOGIN_RATE_LIMIT = env_rate("LOGIN_RATE_LIMIT", default="30/m")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# Sessions live in the database (accounts.Session): who, since when, from where, and the
# Discord tokens, encrypted.
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", default=14 * 24 * 3600, minimum=600)
LANGUAGE_COOKIE_AGE = SESSION_COOKIE_AGE

# Discord
DISCORD_CLIENT_ID = env.str("DISCORD_CLIENT_ID", default="").strip()
DISCORD_CLIENT_SECRET = env.str("DISCORD_CLIENT_SECRET", default="").strip()
DISCORD_BOT_TOKEN = env.str("DISCORD_BOT_TOKEN", default="").strip()
# Empty means the absolute URL of the callback as this request reached the site.
DISCORD_REDIRECT_URI = env.str("DISCORD_REDIRECT_URI", default="").strip()
DISCORD_BOT_REDIRECT_URI = env.str("DISCORD_BOT_REDIRECT_URI", default="").strip()
# View Channels, Send Messages, Embed Links, Read Message History, Use Application Commands,
# Manage Threads, Create Public Threads, Send Messages in Threads.
DISCORD_BOT_PERMISSIONS = env_int(
    "DISCORD_BOT_PERMISSIONS", default=328_565_083_136, maximum=2**64 - 1
)
# "Requires OAuth2 Code Grant" in the portal: empty asks Discord (GET /applications/@me with
# the bot token, cached); true or false says it where the web process has no bot token.
DISCORD_BOT_REQUIRE_CODE_GRANT = (
    env_bool("DISCORD_BOT_REQUIRE_CODE_GRANT", default=False)
    if env.str("DISCORD_BOT_REQUIRE_CODE_GRANT", default="").strip()
    else None
)
DISCORD_BASE_URL = env_url("DISCORD_BASE_URL", default="https://discord.com")
DISCORD_CDN_URL = env_url("DISCORD_CDN_URL", default="https://cdn.discordapp.com")
# `none` lets people who already authorized skip Discord's consent screen; empty sends no prompt.
DISCORD_OAUTH_PROMPT = env.str("DISCORD_OAUTH_PROMPT", default="").strip().lower()
if DISCORD_OAUTH_PROMPT not in ("", "consent", "none"):
    raise ImproperlyConfigured(
        f"DISCORD_OAUTH_PROMPT must be consent or none, not {DISCORD_OAUTH_PROMPT!r}"
    )
# Seconds to wait for Discord's answer once connected (requests' read timeout).
DISCORD_TIMEOUT = env_float("DISCORD_TIMEOUT", default=10.0, minimum=0.1)
# Seconds to connect to Discord (TCP and TLS): short, so that a Discord that does not accept
# connections frees the thread soon. Linux resends a lost SYN after 1 s and again after 3 s.
DISCORD_CONNECT_TIMEOUT = env_float("DISCORD_CONNECT_TIMEOUT", default=3.5, minimum=0.1)
# How many requests of one process may wait on Discord at once; one more gets
# discord_unavailable at once. Half the worker's threads by default, so that pages that do
# not need Discord always find a thread, even while Discord hangs.
DISCORD_MAX_WAITING = env_int(
    "DISCORD_MAX_WAITING",
    default=max(1, env_int("GUNICORN_THREADS", default=8, minimum=1) // 2),
    minimum=1,
)

# Seconds before a person's server list is refreshed from Discord (in the background), and
# the oldest list a settings page is shown on; at most an hour. A change always needs a list
# at most a minute old (accounts.server_list.CONFIRM_MAX_AGE).
GUILDS_MAX_AGE = env_int("GUILDS_MAX_AGE", default=300, minimum=10, maximum=3600)

# The site's public address (https://fightrise.example), for the links the bot posts in
# Discord (a tournament's page, its manage page); empty: the bot posts no links.
SITE_URL = env.str("SITE_URL", default="").strip()
if SITE_URL:
    SITE_URL = env_url("SITE_URL", default=SITE_URL)

# The bot (runbot): the discord.py extensions it loads by name, so that guildbot never
# imports the features it runs; how often it polls the outbox for posts the website wrote
# (its own are sent at once), how long a claimed post stays its own without renewal (a
# crashed process's posts are taken over after that), how long an entrant-count edit waits
# to gather more changes, and how often it records a heartbeat per shard and opens due
# check-ins.
BOT_EXTENSIONS = env_list("BOT_EXTENSIONS", default=["tournaments.extension"])
OUTBOX_POLL_SECONDS = env_float("OUTBOX_POLL_SECONDS", default=1.0, minimum=0.01)
OUTBOX_LEASE_SECONDS = env_float("OUTBOX_LEASE_SECONDS", default=30.0, minimum=0.5)
OUTBOX_COALESCE_SECONDS = env_float("OUTBOX_COALESCE_SECONDS", default=5.0, minimum=0.0)
BOT_HEARTBEAT_SECONDS = env_float("BOT_HEARTBEAT_SECONDS", default=15.0, minimum=0.1)

# Tokens at rest: the first key encrypts, every key decrypts (rotation). By default one key
# derived from SECRET_KEY, so that rotating SECRET_KEY also needs TOKEN_ENCRYPTION_KEYS set.
# With keys set, the derived key still decrypts, last, so that moving a default install to
# its own keys loses no token; TOKEN_DERIVED_KEY_DECRYPTS=false retires it once
# rotate_token_keys has run (say SECRET_KEY leaked).
_derived_key = base64.urlsafe_b64encode(
    HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"fightrise token encryption"
    ).derive(SECRET_KEY.encode())
).decode()
TOKEN_ENCRYPTION_KEYS = env_list("TOKEN_ENCRYPTION_KEYS", default=[])
for _key in TOKEN_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS must be comma-separated Fernet keys, made with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from None
TOKEN_DERIVED_KEY_DECRYPTS = env_bool("TOKEN_DERIVED_KEY_DECRYPTS", default=True)
if not TOKEN_ENCRYPTION_KEYS:
    if not TOKEN_DERIVED_KEY_DECRYPTS:
        raise ImproperlyConfigured(
            "TOKEN_DERIVED_KEY_DECRYPTS=false needs TOKEN_ENCRYPTION_KEYS: without keys of "
            "its own the site encrypts with the key derived from SECRET_KEY"
        )
    TOKEN_ENCRYPTION_KEYS = [_derived_key]
elif TOKEN_DERIVED_KEY_DECRYPTS and _derived_key not in TOKEN_ENCRYPTION_KEYS:
    TOKEN_ENCRYPTION_KEYS.append(_derived_key)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING = logging_config(LOG_LEVEL)
