""".env.example lists every variable the settings and gunicorn.conf.py read."""

from __future__ import annotations

import re

from tests.conftest import BASE_DIR


def test_every_variable_read_is_listed_with_a_comment():
    settings = (BASE_DIR / "fightrise" / "settings.py").read_text()
    gunicorn = (BASE_DIR / "gunicorn.conf.py").read_text()
    read = set(re.findall(r'env(?:_[a-z]+|\.[a-z]+)\(\s*"([A-Z_]+)"', settings))
    read |= set(re.findall(r"os\.environ\.get\([\"']([A-Z_]+)[\"']", gunicorn))
    example = (BASE_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", example, re.MULTILINE))
    assert {"HOST", "PORT", "WEB_CONCURRENCY"} <= read
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"
    lines = example.splitlines()
    for index, line in enumerate(lines):
        if re.match(r"#? ?[A-Z_]+=", line) and not line.startswith("# "):
            above = lines[index - 1]
            assert above.startswith("#") or re.match(r"[A-Z_]+=", above), f"{line} has no comment"
