"""Settings come from the environment exactly as the README's configuration table says."""

from __future__ import annotations

import runpy
import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.conftest import BASE_DIR

SETTINGS_FILE = str(BASE_DIR / "fightrise" / "settings.py")
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "fightrise.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://fightrise.example.com",
    # Unset the test run's plain-HTTP switches: production takes the secure defaults.
    "SECURE_SSL_REDIRECT": "",
    "SESSION_COOKIE_SECURE": "",
    "CSRF_COOKIE_SECURE": "",
}
RESET = [
    "DATABASE_URL",
    "CACHE_URL",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "BEHIND_PROXY",
]


@pytest.fixture
def load_settings(monkeypatch):
    """Evaluate fightrise/settings.py afresh under the given environment."""

    def load(**environment: str) -> dict:
        for name in RESET:
            monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(SETTINGS_FILE)

    return load


def test_it_requires_secret_key_without_debug(load_settings, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is required when DEBUG is false"):
        load_settings(DEBUG="false")


def test_it_allows_no_secret_key_with_debug(load_settings, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    settings = load_settings(DEBUG="true")
    assert settings["SECRET_KEY"]
    assert settings["DEBUG"] is True


def test_manage_check_fails_in_one_line_without_secret_key(run_manage):
    result = run_manage("check", env={"SECRET_KEY": "", "DEBUG": "false"})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Configuration error: SECRET_KEY is required when DEBUG is false: "
        "set it in the environment or in .env"
    ]


def test_check_deploy_prints_no_warnings_with_production_settings(run_manage):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


def test_check_deploy_warns_when_plain_http_is_switched_on(run_manage):
    env = {**PRODUCTION, "SECURE_SSL_REDIRECT": "false"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_it_defaults_to_sqlite_in_the_project_folder_with_wal(load_settings):
    db = load_settings()["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(BASE_DIR / "db.sqlite3")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["OPTIONS"]["timeout"] >= 5
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_it_resolves_a_relative_sqlite_path_in_the_project_folder(load_settings):
    db = load_settings(DATABASE_URL="sqlite:///data/site.sqlite3")["DATABASES"]["default"]
    assert db["NAME"] == str(BASE_DIR / "data" / "site.sqlite3")


def test_it_reads_a_postgres_url(load_settings):
    url = "postgres://fight:s3cret@db.internal:6543/fightrise"
    db = load_settings(DATABASE_URL=url)["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == (
        "db.internal",
        6543,
        "fightrise",
        "fight",
    )
    assert db["PASSWORD"] == "s3cret"
    assert "OPTIONS" not in db or "transaction_mode" not in db["OPTIONS"]
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["CONN_MAX_AGE"] == 60


def test_it_defaults_to_a_local_memory_cache(load_settings):
    cache = load_settings()["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_it_reads_a_redis_cache_url_with_djangos_own_backend(load_settings):
    cache = load_settings(CACHE_URL="redis://127.0.0.1:6379/2")["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/2"


def test_it_is_secure_by_default_without_debug(load_settings):
    settings = load_settings(**PRODUCTION)
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert settings["X_FRAME_OPTIONS"] == "DENY"
    assert settings["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert settings["SECURE_REFERRER_POLICY"] == "same-origin"
    assert settings["ALLOWED_HOSTS"] == ["fightrise.example.com"]
    assert settings["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert settings["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert "fightrise.middleware.ContentSecurityPolicyMiddleware" in settings["MIDDLEWARE"]


def test_it_switches_to_plain_http_for_loopback(load_settings):
    switches = {
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "no",
    }
    settings = load_settings(**{**PRODUCTION, **switches})
    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["CSRF_COOKIE_SECURE"] is False
    # A __Host- cookie must be Secure, which plain HTTP never sends back.
    assert (settings["SESSION_COOKIE_NAME"], settings["CSRF_COOKIE_NAME"]) == (
        "sessionid",
        "csrftoken",
    )


def test_it_trusts_proxy_headers_only_when_asked(load_settings):
    assert "SECURE_PROXY_SSL_HEADER" not in load_settings()
    settings = load_settings(BEHIND_PROXY="true")
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings["USE_X_FORWARDED_HOST"] is True


def test_it_reads_comma_separated_hosts(load_settings):
    settings = load_settings(ALLOWED_HOSTS=" a.example , b.example,,")
    assert settings["ALLOWED_HOSTS"] == ["a.example", "b.example"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("SECURE_SSL_REDIRECT", "2"),
        ("CONN_MAX_AGE", "soon"),
        ("CONN_MAX_AGE", "-1"),
        ("LOG_LEVEL", "LOUD"),
        ("TOKEN_ENCRYPTION_KEYS", "not-a-fernet-key"),
        ("TOKEN_DERIVED_KEY_DECRYPTS", "maybe"),
        ("DISCORD_OAUTH_PROMPT", "always"),
        ("DISCORD_BASE_URL", "discord.com"),
        ("DISCORD_CDN_URL", "ftp://cdn.example"),
        ("DISCORD_BOT_PERMISSIONS", str(2**64)),
        ("DISCORD_TIMEOUT", "0"),
        ("GUILDS_MAX_AGE", "3601"),
        ("LOGIN_RATE_LIMIT", "30"),
        ("LOGIN_RATE_LIMIT", "30/d"),
        ("LOGIN_RATE_LIMIT", "-1/m"),
        ("LOGIN_RATE_LIMIT", "lots"),
    ],
)
def test_it_names_the_variable_of_a_bad_value(load_settings, name, value):
    with pytest.raises(ImproperlyConfigured, match=name):
        load_settings(**{name: value})


def test_it_reads_a_dotenv_file_without_overriding_the_environment(
    load_settings, tmp_path, monkeypatch
):
    dotenv = tmp_path / ".env"
    dotenv.write_text("ALLOWED_HOSTS=from-file.example\nLOG_LEVEL=WARNING\n")
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    monkeypatch.delenv("ALLOWED_HOSTS")
    settings = load_settings(ENV_FILE=str(dotenv))
    assert settings["ALLOWED_HOSTS"] == ["from-file.example"]
    assert settings["LOG_LEVEL"] == "ERROR"


def test_token_keys_default_to_one_derived_from_the_secret_key(load_settings):
    first = load_settings(SECRET_KEY="a" * 50)["TOKEN_ENCRYPTION_KEYS"]
    again = load_settings(SECRET_KEY="a" * 50)["TOKEN_ENCRYPTION_KEYS"]
    other = load_settings(SECRET_KEY="b" * 50)["TOKEN_ENCRYPTION_KEYS"]
    assert len(first) == 1 and first == again and first != other


def test_token_keys_can_be_listed_for_rotation_and_the_derived_key_decrypts_last(load_settings):
    from cryptography.fernet import Fernet

    derived = load_settings()["TOKEN_ENCRYPTION_KEYS"]
    keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    listed = load_settings(TOKEN_ENCRYPTION_KEYS=",".join(keys))["TOKEN_ENCRYPTION_KEYS"]
    assert listed == keys + derived
    assert load_settings(TOKEN_ENCRYPTION_KEYS=",".join([*keys, *derived]))[
        "TOKEN_ENCRYPTION_KEYS"
    ] == [*keys, *derived]


def test_the_derived_key_can_be_retired(load_settings):
    from cryptography.fernet import Fernet

    keys = [Fernet.generate_key().decode()]
    settings = load_settings(TOKEN_ENCRYPTION_KEYS=keys[0], TOKEN_DERIVED_KEY_DECRYPTS="false")
    assert settings["TOKEN_ENCRYPTION_KEYS"] == keys
    with pytest.raises(ImproperlyConfigured, match="TOKEN_DERIVED_KEY_DECRYPTS"):
        load_settings(TOKEN_ENCRYPTION_KEYS="", TOKEN_DERIVED_KEY_DECRYPTS="false")


def test_the_default_bot_permissions_suit_a_tournament_bot(load_settings):
    value = load_settings()["DISCORD_BOT_PERMISSIONS"]
    names = {10, 11, 14, 16, 31, 34, 35, 38}  # bits per Discord's permissions table
    assert value == sum(1 << bit for bit in names)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DISCORD_CONNECT_TIMEOUT", "0"),
        ("DISCORD_CONNECT_TIMEOUT", "soon"),
        ("DISCORD_MAX_WAITING", "0"),
        ("DISCORD_MAX_WAITING", "many"),
    ],
)
def test_it_names_the_variable_of_a_bad_guard_in_front_of_discord(load_settings, name, value):
    with pytest.raises(ImproperlyConfigured, match=name):
        load_settings(**{name: value})


def test_discord_gets_a_short_connect_timeout_and_half_the_threads_of_a_worker(
    load_settings, monkeypatch
):
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    settings = load_settings()
    assert settings["DISCORD_CONNECT_TIMEOUT"] < settings["DISCORD_TIMEOUT"]
    assert settings["DISCORD_MAX_WAITING"] == 4  # of gunicorn.conf.py's 8 threads
    assert load_settings(GUNICORN_THREADS="16")["DISCORD_MAX_WAITING"] == 8
    assert load_settings(GUNICORN_THREADS="1")["DISCORD_MAX_WAITING"] == 1
    assert load_settings(DISCORD_MAX_WAITING="6")["DISCORD_MAX_WAITING"] == 6


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", (30, 60)),
        ("30/m", (30, 60)),
        ("5/s", (5, 1)),
        (" 1000/H ", (1000, 3600)),
        ("0", None),
    ],
)
def test_it_reads_the_login_rate_limit(load_settings, value, expected):
    assert load_settings(LOGIN_RATE_LIMIT=value)["LOGIN_RATE_LIMIT"] == expected
