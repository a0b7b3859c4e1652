"""The landing page renders offline, in the site's look, with the way in."""

from __future__ import annotations

import re

import pytest


@pytest.mark.django_db
def test_it_offers_login_with_discord(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Login with Discord" in body
    assert 'href="/auth/login/"' in body
    assert 'name="viewport"' in body


@pytest.mark.django_db
def test_it_loads_nothing_from_another_host(client):
    body = client.get("/").content.decode()
    external = re.findall(r'(?:src|href)="(https?:)?//[^"]+"', body)
    assert external == []


@pytest.mark.django_db
def test_it_sends_the_security_headers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_it_serves_the_stylesheet(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert b"prefers-color-scheme: dark" in b"".join(response.streaming_content)
