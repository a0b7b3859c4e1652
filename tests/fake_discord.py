"""Discord's HTTP API faked with `responses` at its exact v10 URLs, for unit tests."""

from __future__ import annotations

import base64
import json

import responses
from responses import matchers

from tests import discord_payloads as p

BASIC_AUTH = "Basic " + base64.b64encode(f"{p.CLIENT_ID}:{p.CLIENT_SECRET}".encode()).decode()
LOGIN_REDIRECT_URI = "http://testserver/auth/callback/"
BOT_REDIRECT_URI = "http://testserver/auth/callback/bot/"


def json_answer(status: int, body) -> tuple[int, dict[str, str], str]:
    """What a `responses` callback returns for a JSON answer."""
    return (status, {"Content-Type": "application/json"}, json.dumps(body))


class FakeDiscord:
    """Register what Discord will answer; every registered call must happen, nothing else may."""

    def __init__(self, mock: responses.RequestsMock):
        self.mock = mock

    @property
    def calls(self):
        return self.mock.calls

    def token_exchange(
        self,
        *,
        verifier: str | None,
        code: str = p.CODE,
        redirect_uri: str = LOGIN_REDIRECT_URI,
        status: int = 200,
        json=None,
        body: str | None = None,
        headers: dict | None = None,
    ):
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if verifier is not None:
            form["code_verifier"] = verifier
        if json is None and body is None:
            json = p.payload(p.TOKEN_RESPONSE)
        return self._form_call(
            p.TOKEN_URL, form, status=status, json=json, body=body, headers=headers
        )

    def refresh(self, *, refresh_token: str = p.REFRESH_TOKEN, status: int = 200, json=None):
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        json = p.payload(p.REFRESH_RESPONSE) if json is None else json
        return self._form_call(p.TOKEN_URL, form, status=status, json=json)

    def revoke(self, *, token: str = p.REFRESH_TOKEN, hint: str = "refresh_token", status=200):
        form = {"token": token, "token_type_hint": hint}
        return self._form_call(p.REVOKE_URL, form, status=status, json={})

    def _form_call(self, url, form, *, status, json=None, body=None, headers=None):
        """A POST to an OAuth endpoint: exactly this form, client auth by HTTP Basic."""
        match = [
            matchers.urlencoded_params_matcher(form),
            matchers.header_matcher({"Authorization": BASIC_AUTH}),
        ]
        return self._add("POST", url, match, status=status, json=json, body=body, headers=headers)

    def me(
        self, *, token: str = p.ACCESS_TOKEN, status: int = 200, json=None, body=None, headers=None
    ):
        return self._add(
            "GET",
            p.ME_URL,
            [matchers.header_matcher({"Authorization": f"Bearer {token}"})],
            status=status,
            json=p.payload(p.USER) if json is None and body is None else json,
            body=body,
            headers=headers,
        )

    def guilds(
        self,
        *,
        token: str = p.ACCESS_TOKEN,
        status: int = 200,
        json=None,
        body=None,
        headers=None,
        params: dict | None = None,
    ):
        return self._add(
            "GET",
            p.GUILDS_URL,
            [
                matchers.header_matcher({"Authorization": f"Bearer {token}"}),
                matchers.query_param_matcher(params or {"limit": "200"}),
            ],
            status=status,
            json=p.payload(p.GUILDS) if json is None and body is None else json,
            body=body,
            headers=headers,
        )

    def application(self, *, bot_require_code_grant: bool = True, status: int = 200):
        """GET /applications/@me with the bot token: the portal's switches."""
        body = {
            "id": "1300000000000000001",
            "name": "FightRise",
            "bot_public": True,
            "bot_require_code_grant": bot_require_code_grant,
        }
        self._add(
            "GET",
            f"{p.API}/applications/@me",
            [],
            status=status,
            json=body if status == 200 else {"message": "down", "code": 0},
        )

    def login(self, *, verifier: str, guilds=None):
        """What a successful login costs: the code exchange, then @me and @me/guilds."""
        self.token_exchange(verifier=verifier)
        self.me()
        self.guilds(json=guilds)

    def _add(self, method, url, match, *, status, json=None, body=None, headers=None):
        kwargs = {"status": status, "match": match, "headers": headers}
        if body is not None:
            kwargs["body"] = body
        else:
            kwargs["json"] = json
        return self.mock.add(method, url, **kwargs)
