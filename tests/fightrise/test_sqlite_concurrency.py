"""SQLite holds the Procfile's concurrency: processes and threads writing at once never lock."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

from tests.conftest import BASE_DIR

PROCESSES = 4
THREADS = 8
WRITES = 25


def test_it_never_fails_with_database_is_locked(tmp_path, run_manage):
    database = tmp_path / "fightrise.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    migrated = run_manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr

    writers = [
        subprocess.Popen(
            [
                sys.executable,
                str(BASE_DIR / "tests" / "fightrise" / "sqlite_writers.py"),
                f"--tag=p{n}",
                f"--threads={THREADS}",
                f"--writes={WRITES}",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    results = [writer.communicate(timeout=120) for writer in writers]

    for writer, (out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0, out + err
        summary = json.loads(out.strip().splitlines()[-1])
        assert summary["errors"] == []
        assert summary["journal_mode"] == "wal"

    with sqlite3.connect(database) as db:
        (users,) = db.execute("SELECT count(*) FROM accounts_user").fetchone()
        (sessions,) = db.execute("SELECT count(*) FROM accounts_session").fetchone()
        (states,) = db.execute("SELECT count(*) FROM accounts_oauthstate").fetchone()
    assert users == PROCESSES * THREADS * WRITES
    assert sessions == PROCESSES * THREADS * WRITES
    assert states == 0
