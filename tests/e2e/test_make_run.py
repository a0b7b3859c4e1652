"""`make run` on a fresh machine with the example configuration copied to `.env`: one command
brings up discordsim, the site and the bot; a sample person logs in and sees the dashboard
with the bot's servers and the sample tournaments; Ctrl-C stops every process."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from discordsim import sample
from discordsim.testing import SimClient
from tests.e2e.conftest import wait_for
from tests.servers import BASE_DIR, free_port, wait_until_up


@pytest.fixture
def make_run(tmp_path):
    """`python -m scripts.devserver` (what `make run` starts) in a clean environment."""
    env_file = tmp_path / ".env"
    shutil.copy(BASE_DIR / ".env.example", env_file)
    port, sim_port = free_port(), free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "ENV_FILE": str(env_file),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PORT": str(port),
        "DISCORDSIM_PORT": str(sim_port),
    }
    log = tmp_path / "make-run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.devserver"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    run = {
        "site": f"http://127.0.0.1:{port}",
        "sim": f"http://127.0.0.1:{sim_port}",
        "log": log,
        "process": process,
    }

    def stop() -> int:
        """Ctrl-C, as in the terminal: every process of the group ends, the command exits."""
        os.killpg(process.pid, signal.SIGINT)
        returncode = process.wait(20)
        wait_for(lambda: not group_alive(process.pid), timeout=10, message="children ended")
        return returncode

    run["stop"] = stop
    try:
        yield run
    finally:
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_serves_a_site_a_sample_person_can_use(make_run):
    site = make_run["site"]
    wait_until_up(f"{site}/healthz", process=make_run["process"], timeout=60)
    landing = requests.get(f"{site}/", timeout=5)
    assert landing.status_code == 200 and "Login with Discord" in landing.text

    browser = requests.Session()
    start = browser.get(f"{site}/auth/login/", allow_redirects=False, timeout=5)
    authorize = urlsplit(start.headers["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}" == make_run["sim"]
    query = {key: values[0] for key, values in parse_qs(authorize.query).items()}
    back = SimClient(make_run["sim"]).authorize(
        query["client_id"],
        query["redirect_uri"],
        query["scope"],
        query["state"],
        sample.ADA_ID,
        code_challenge=query["code_challenge"],
    )
    code = parse_qs(urlsplit(back).query)["code"][0]
    dashboard = browser.get(back, timeout=10)
    assert dashboard.url == f"{site}/dashboard/"
    assert "Ada Lovelace" in dashboard.text

    # The bot, started by the same command, records its servers: "Manage" appears.
    manage = f'href="/dashboard/guilds/{sample.FIGHTRISE_HQ_ID}/"'
    wait_for(
        lambda: manage in browser.get(f"{site}/dashboard/", timeout=5).text,
        timeout=60,
        message="the bot's servers on the dashboard",
    )
    # The sample tournaments, one in each state, are listed on the server's page and served.
    settings = browser.get(f"{site}/dashboard/guilds/{sample.FIGHTRISE_HQ_ID}/", timeout=10)
    slugs = re.findall(r'href="/t/([a-z0-9-]+)/manage/"', settings.text)
    states = {
        slug: requests.get(f"{site}/t/{slug}.json", timeout=5).json()["state"] for slug in slugs
    }
    assert set(states.values()) == {"registration", "check_in", "underway", "complete", "cancelled"}
    underway = next(slug for slug, state in states.items() if state == "underway")
    public = requests.get(f"{site}/t/{underway}/", timeout=5)
    assert public.status_code == 200 and "Losers&#x27; bracket" in public.text
    assert browser.get(f"{site}/t/{underway}/manage/", timeout=5).status_code == 200

    log = make_run["log"].read_text()
    assert "FightRise web: open" in log
    assert f"Discord, as any sample person: {make_run['sim']}/channels" in log
    for secret in (query["state"], code):
        assert secret not in log, "the log shows a whole state or code"
    assert f"state={query['state'][:8]}" in log  # redacted, yet traceable

    assert make_run["stop"]() in (0, -signal.SIGINT, 130)
