"""`make run`: migrate and serve the site on http://127.0.0.1:8000 for development."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
ADDRESS = "127.0.0.1:8000"


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DEBUG", "true")
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    migrated = subprocess.run([*manage, "migrate", "--noinput"], env=env, check=False)
    if migrated.returncode:
        return migrated.returncode
    print(f"\n  FightRise web is starting: open http://{ADDRESS}/  (Ctrl-C stops it)\n", flush=True)
    try:
        return subprocess.run([*manage, "runserver", ADDRESS], env=env, check=False).returncode
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
