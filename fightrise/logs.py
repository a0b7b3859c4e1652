"""Logging to stdout in one format for Django, gunicorn and the bot, with secrets redacted."""

from __future__ import annotations

import logging
import re
from typing import Any

# What a secret looks like in a message: a query or form parameter (`state=...`), a JSON or
# dict field (`"access_token": "..."`), or an Authorization header value (`Bearer ...`).
_SECRET_NAMES = (
    "state",
    "code",
    "code_verifier",
    "access_token",
    "refresh_token",
    "token",
    "client_secret",
)
_PARAMETER = re.compile(
    r"(?P<key>(?<![A-Za-z0-9_])(?:" + "|".join(_SECRET_NAMES) + r")['\"]?\s*(?:=|:|%3D)\s*['\"]?)"
    r"(?P<value>[^\s'\"&,;<>()\[\]{}]+)",
    re.IGNORECASE,
)
_AUTHORIZATION = re.compile(r"(?P<key>\b(?:Bearer|Bot|Basic)\s+)(?P<value>[A-Za-z0-9._~+/=-]+)")
KEEP = 8


def _shorten(match: re.Match[str]) -> str:
    value = match["value"]
    if len(value) <= KEEP:
        return match[0]
    return f"{match['key']}{value[:KEEP]}..."


def redact(text: str) -> str:
    """Cut OAuth states, codes and tokens in `text` down to their first 8 characters."""
    return _AUTHORIZATION.sub(_shorten, _PARAMETER.sub(_shorten, text))


class RedactSecretsFilter(logging.Filter):
    """Rewrite each record so that no handler ever prints a whole state, code or token."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed call: let the handler report it
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"


def logging_config(level: str = "INFO", *, extra_loggers: dict[str, Any] | None = None) -> dict:
    """The dictConfig for every process: one stdout handler, redacting, in gunicorn's style."""
    if not isinstance(logging.getLevelName(level), int):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_LEVEL must be a logging level name, not {level!r}")
    console = {"handlers": ["console"], "level": level, "propagate": False}
    loggers = {
        "django": console,
        "django.server": console,
        "discord": {**console, "level": "INFO" if level == "DEBUG" else level},
        **(extra_loggers or {}),
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "fightrise.logs.RedactSecretsFilter"}},
        "formatters": {"plain": {"format": FORMAT, "datefmt": DATE_FORMAT}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "plain",
                "filters": ["redact"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": loggers,
    }
