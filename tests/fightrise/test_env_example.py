""".env.example and the README list every variable the settings, gunicorn and `make run` read."""

from __future__ import annotations

import re

from tests.conftest import BASE_DIR


def variables_read() -> set[str]:
    """Every variable the settings, gunicorn.conf.py and `make run` read."""
    settings = (BASE_DIR / "fightrise" / "settings.py").read_text()
    gunicorn = (BASE_DIR / "gunicorn.conf.py").read_text()
    dev = (BASE_DIR / "scripts" / "devserver.py").read_text()
    read = set(re.findall(r'env(?:_[a-z]+|\.[a-z]+)\(\s*"([A-Z_]+)"', settings))
    read |= set(re.findall(r"os\.environ\.get\([\"']([A-Z_]+)[\"']", gunicorn))
    read |= set(re.findall(r"port_from\(env, \"([A-Z_]+)\"", dev))
    return read


def test_every_variable_read_is_listed_with_a_comment():
    read = variables_read()
    example = (BASE_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", example, re.MULTILINE))
    assert {"HOST", "PORT", "WEB_CONCURRENCY"} <= read
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"
    lines = example.splitlines()
    for index, line in enumerate(lines):
        if re.match(r"#? ?[A-Z_]+=", line) and not line.startswith("# "):
            above = lines[index - 1]
            assert above.startswith("#") or re.match(r"[A-Z_]+=", above), f"{line} has no comment"


def test_every_variable_read_is_in_the_readme_configuration_table():
    readme = (BASE_DIR / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    documented = {name for row in rows for name in re.findall(r"`([A-Z_]+)`", row.split("|")[1])}
    assert variables_read() <= documented, sorted(variables_read() - documented)
