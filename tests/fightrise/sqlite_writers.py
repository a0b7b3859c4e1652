"""Load for the SQLite concurrency test: many threads of one process write at once.

Run as a script by tests/fightrise/test_sqlite_concurrency.py, several processes together,
against the database in DATABASE_URL. Prints a JSON summary; exits 1 on any database error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fightrise.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from accounts.models import OAuthState, User  # noqa: E402

SessionStore = import_string(f"{settings.SESSION_ENGINE}.SessionStore")


def write(
    tag: str, thread: int, writes: int, barrier: threading.Barrier, errors: list[str]
) -> None:
    barrier.wait()
    try:
        for i in range(writes):
            # Read, then write in one transaction: the pattern that fails with "database is
            # locked" when a deferred transaction has to upgrade its read lock.
            with transaction.atomic():
                User.objects.filter(username__startswith=f"{tag}-{thread}-").count()
                User.objects.create(username=f"{tag}-{thread}-{i}")
            # What a login writes: a state issued, then consumed, and a session created.
            browser = f"{tag}-{thread}"
            state = OAuthState.objects.issue(browser=browser, purpose="login")
            OAuthState.objects.consume(state.state, purpose="login", browser=browser)
            session = SessionStore()
            session["writer"] = f"{tag}-{thread}-{i}"
            session.create()
    except DatabaseError as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tag", required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--writes", type=int, default=25)
    args = parser.parse_args()
    barrier = threading.Barrier(args.threads)
    errors: list[str] = []
    threads = [
        threading.Thread(target=write, args=(args.tag, n, args.writes, barrier, errors))
        for n in range(args.threads)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal_mode = cursor.fetchone()[0]
    print(json.dumps({"tag": args.tag, "errors": errors, "journal_mode": journal_mode}))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
