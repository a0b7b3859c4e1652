"""`make run`: migrate, then serve the site on http://127.0.0.1:8000 (PORT) with DEBUG on.

Without DISCORD_CLIENT_ID (in the environment or .env) it also starts discordsim, the local
Discord stand-in, on 127.0.0.1:8001 (DISCORDSIM_PORT), and the bot against it: a working
site with sample people, servers and tournaments (scripts/sample_tournaments.py), no network
needed. With credentials it talks to the
real Discord, and runs the bot too when DISCORD_BOT_TOKEN is set. Ctrl-C stops every process.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import environ
from honcho.manager import Manager

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def load_dotenv() -> None:
    """Read .env as the settings do: it fills in what the environment leaves unset."""
    path = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
    if path and Path(path).is_file():
        environ.Env.read_env(path)


def wait_for_port(host: str, port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"Nothing answered on {host}:{port} within {timeout:.0f}s")


def port_from(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"{name} must be a TCP port number, not {raw!r}")
    return int(raw)


def main() -> int:
    python = shlex.quote(sys.executable)
    manage = f"{python} {shlex.quote(str(BASE_DIR / 'manage.py'))}"
    load_dotenv()
    env = dict(os.environ)
    # A development server on loopback: debug pages, plain HTTP, no SECRET_KEY needed.
    env["DEBUG"] = "true"
    site = f"{HOST}:{port_from(env, 'PORT', 8000)}"
    # The links the bot posts in Discord lead to this development site.
    env.setdefault("SITE_URL", f"http://{site}")
    sim_port = port_from(env, "DISCORDSIM_PORT", 8001)
    use_sim = not env.get("DISCORD_CLIENT_ID")
    processes: dict[str, str] = {}
    if use_sim:
        from discordsim import sample

        sim = f"http://{HOST}:{sim_port}"
        env |= {
            "DISCORD_BASE_URL": sim,
            "DISCORD_CDN_URL": sim,
            "DISCORD_CLIENT_ID": sample.CLIENT_ID,
            "DISCORD_CLIENT_SECRET": sample.CLIENT_SECRET,
            "DISCORD_BOT_TOKEN": sample.BOT_TOKEN,
        }
        wait = f"{python} -m scripts.devserver wait {HOST} {sim_port} &&"
        processes["discord"] = (
            f"{python} -m discordsim --host {HOST} --port {sim_port} --site http://{site}"
        )
        processes["web"] = f"{wait} {manage} runserver {site}"
        processes["bot"] = f"{wait} {manage} runbot"
    else:
        processes["web"] = f"{manage} runserver {site}"
        if env.get("DISCORD_BOT_TOKEN"):
            processes["bot"] = f"{manage} runbot"

    migrate = [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--noinput"]
    if subprocess.run(migrate, env=env, check=False).returncode:
        return 1
    if use_sim:
        samples = [sys.executable, "-m", "scripts.sample_tournaments"]
        if subprocess.run(samples, env=env, cwd=BASE_DIR, check=False).returncode:
            print("  The sample tournaments could not be made; the site runs without them.")
    where = "discordsim, the local Discord (sample accounts)" if use_sim else "Discord"
    print(f"\n  FightRise web: open http://{site}/ and sign in with {where}. Ctrl-C stops.")
    if use_sim:
        print(f"  Discord, as any sample person: http://{HOST}:{sim_port}/channels")
    print()
    manager = Manager()
    for name, command in processes.items():
        manager.add_process(name, command, env=env, cwd=str(BASE_DIR))
    manager.loop()
    return manager.returncode or 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["wait"]:
        wait_for_port(sys.argv[2], int(sys.argv[3]))
        sys.exit(0)
    sys.exit(main())
