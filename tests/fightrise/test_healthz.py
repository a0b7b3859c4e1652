"""/healthz answers 200 while the database answers and 503 when it does not."""

from __future__ import annotations

import json

import pytest

HEALTH_REQUEST = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fightrise.settings")
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(response.status_code, response.content.decode())
"""


@pytest.mark.django_db
def test_it_reports_ok_with_the_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    "database_url",
    [
        "postgres://postgres@127.0.0.1:1/nothing",
        "sqlite:////nonexistent-folder/fightrise.sqlite3",
    ],
)
def test_it_reports_503_when_the_database_is_down(run_python, database_url):
    result = run_python(HEALTH_REQUEST, env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"status": "unavailable", "database": "down"}
    assert "Health check failed: database unavailable" in result.stdout


@pytest.mark.django_db
def test_it_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301


def test_it_refuses_post(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_it_answers_head_for_load_balancers(client):
    response = client.head("/healthz")
    assert response.status_code == 200
