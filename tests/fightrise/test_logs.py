"""Logs go to stdout in one format, with OAuth states, codes and tokens cut to 8 characters."""

from __future__ import annotations

import io
import logging

import pytest

from fightrise.logs import RedactSecretsFilter, redact

STATE = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg"
CODE = "NhhvTDYsFcdgNLnnLijcl7Ku7bEEeee"
ACCESS = "6qrZcUqja7812RVdnEKjpzOL4CvHBFG"
REFRESH = "D43f5y0ahjqew82jZ4NViEr2YafMKhue"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            f'"GET /auth/callback/?code={CODE}&state={STATE} HTTP/1.1" 302',
            '"GET /auth/callback/?code=NhhvTDYs...&state=Zm9vYmFy... HTTP/1.1" 302',
        ),
        (
            f"{{'access_token': '{ACCESS}', 'refresh_token': '{REFRESH}'}}",
            "{'access_token': '6qrZcUqj...', 'refresh_token': 'D43f5y0a...'}",
        ),
        (f'{{"access_token": "{ACCESS}"}}', '{"access_token": "6qrZcUqj..."}'),
        (f"Authorization: Bearer {ACCESS}", "Authorization: Bearer 6qrZcUqj..."),
        (
            f"token={REFRESH}&token_type_hint=refresh_token",
            "token=D43f5y0a...&token_type_hint=refresh_token",
        ),
        (f"state %3D {STATE}", "state %3D Zm9vYmFy..."),
        (f"STATE={STATE}", "STATE=Zm9vYmFy..."),
    ],
)
def test_it_redacts_secrets_to_their_first_8_characters(message, expected):
    assert redact(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "Discord answered 429 with error code: 50035",
        "status code=500 for /users/@me",
        "error_code=invalid_grant statement=ok estate=large",
        "state=short",
        "token_type_hint=access_token",
    ],
)
def test_it_leaves_ordinary_text_alone(message):
    assert redact(message) == message


@pytest.fixture
def console():
    """What the site's configured stdout handler prints, captured while the test runs."""
    (handler,) = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactSecretsFilter) for f in handler.filters)
    ]
    assert handler.stream is not None
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_the_configured_handler_prints_redacted_lines_to_stdout(console):
    logging.getLogger("fightrise.test").warning("Callback with state=%s and code=%s", STATE, CODE)
    out = console.getvalue()
    line = next(line for line in out.splitlines() if "Callback with" in line)
    assert line.endswith(
        "[WARNING] fightrise.test: Callback with state=Zm9vYmFy... and code=NhhvTDYs..."
    )
    assert line.startswith("[20")
    assert STATE not in out and CODE not in out


def test_it_redacts_exception_text(console):
    try:
        raise RuntimeError(f"token exchange failed for code={CODE}")
    except RuntimeError:
        logging.getLogger("fightrise.test").exception("Exchange failed")
    out = console.getvalue()
    assert "code=NhhvTDYs..." in out
    assert CODE not in out
