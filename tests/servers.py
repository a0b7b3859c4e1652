"""Real servers for end-to-end tests: gunicorn as the Procfile runs it, on loopback."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from discordsim.testing import USER_AGENT

BASE_DIR = Path(__file__).resolve().parent.parent


class Process:
    """A child process whose output goes to a file we can read while it runs: `log`, or a
    temporary file that close() removes."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path | None = None):
        self._temporary = log is None
        self.log = Path(tempfile.mkstemp(prefix="e2e-", suffix=".log")[1]) if log is None else log
        self._file = self.log.open("wb")
        self.popen = subprocess.Popen(
            args, cwd=BASE_DIR, env=env, stdout=self._file, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        self._file.flush()
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float = 10) -> float:
        """SIGTERM, then wait; returns the seconds it took to exit. Killed if it has not
        exited in `timeout` (and TimeoutExpired raised)."""
        started = time.monotonic()
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
                raise
        return time.monotonic() - started

    def close(self, timeout: float = 10) -> None:
        """Stopped (killed if need be), its log file closed; a temporary log is removed."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.stop(timeout)
        self._file.close()
        if self._temporary:
            self.log.unlink(missing_ok=True)


@dataclass(frozen=True)
class Server:
    """A running gunicorn: its URL (also what str() gives), its master process, its log."""

    url: str
    process: subprocess.Popen
    log: Path

    def __str__(self) -> str:
        return self.url


def subprocess_environ() -> dict[str, str]:
    """The test run's environment for a server process, without what only the tests need."""
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """DATABASE_URL of the database the tests use, for a server in another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until_up(url: str, *, process: subprocess.Popen, timeout: float = 30) -> None:
    """Poll url until it answers 200; it may be discordsim's API, so name a Discord client."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout}s")


@contextlib.contextmanager
def gunicorn(
    *,
    port: int | None = None,
    env: dict[str, str] | None = None,
    workers: int = 1,
    threads: int = 4,
) -> Iterator[str]:
    """Serve the site under gunicorn with the project's gunicorn.conf.py; yields its URL."""
    port = port or free_port()
    log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    environment = {
        **subprocess_environ(),
        "DATABASE_URL": database_url(),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
        **(env or {}),
    }
    if workers is not None:
        environment["WEB_CONCURRENCY"] = str(workers)
    if threads is not None:
        environment["GUNICORN_THREADS"] = str(threads)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "fightrise.wsgi", "--config", "gunicorn.conf.py"],
        cwd=BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/healthz", process=process)
        yield Server(url=url, process=process, log=Path(log.name))
    except Exception:
        log.flush()
        sys.stderr.write(Path(log.name).read_text())
        raise
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        os.unlink(log.name)


def get(url: str, *, cookies: dict[str, str] | None = None) -> tuple[int, str]:
    """GET without following redirects; returns the status and the body (or Location)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url)  # noqa: S310 - loopback
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")
