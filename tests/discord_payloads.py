"""Sample Discord payloads and credentials for the unit tests, shaped as the v10 docs show."""

from __future__ import annotations

import copy

API = "https://discord.com/api/v10"
TOKEN_URL = f"{API}/oauth2/token"
REVOKE_URL = f"{API}/oauth2/token/revoke"
ME_URL = f"{API}/users/@me"
GUILDS_URL = f"{API}/users/@me/guilds"
AUTHORIZE_URL = "https://discord.com/oauth2/authorize"

CLIENT_ID = "1300000000000000001"
CLIENT_SECRET = "test-client-secret-not-real-0123456789"

CODE = "NhhvTDYsFcdgNLnnLijcl7Ku7bEEeee"
ACCESS_TOKEN = "6qrZcUqja7812RVdnEKjpzOL4CvHBFG"
REFRESH_TOKEN = "D43f5y0ahjqew82jZ4NViEr2YafMKhue"
NEW_ACCESS_TOKEN = "Wq8sKXbVLd0Rm2NvTsY1pFhUe7AjCi3G"
NEW_REFRESH_TOKEN = "pL9mNb2VcX7zQ4wE1rT6yU3iO8aS5dFg"

# Strings that no log line and no database column may ever hold in full.
SECRETS = (CODE, ACCESS_TOKEN, REFRESH_TOKEN, NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN, CLIENT_SECRET)

USER_ID = 80351110224678912
USER = {
    "id": str(USER_ID),
    "username": "nelly",
    "discriminator": "0",
    "global_name": "Nelly",
    "avatar": "8342729096ea3675442027381ff50dfe",
    "verified": True,
    "flags": 64,
    "banner": None,
    "accent_color": 16711680,
    "premium_type": 1,
    "public_flags": 64,
    "mfa_enabled": True,
    "locale": "en-US",
}

ALL_PERMISSIONS = str((1 << 53) - 1 - (1 << 47))
GUILDS = [
    {
        "id": "613425648685547541",
        "name": "FightRise HQ",
        "icon": "8342729096ea3675442027381ff50dfe",
        "banner": None,
        "owner": True,
        "permissions": ALL_PERMISSIONS,
        "features": ["COMMUNITY"],
    },
    {
        "id": "709158235487862816",
        "name": "Pixel Arena",
        "icon": None,
        "banner": None,
        "owner": False,
        "permissions": str(0x8 | 0x400),
        "features": [],
    },
    {
        "id": "813261574138665011",
        "name": "Tekken Tuesdays",
        "icon": "a_1269e74af4df7417b13759eae50c83dc",
        "banner": None,
        "owner": False,
        "permissions": str(0x20 | 0x400 | 0x800),
        "features": [],
    },
    {
        "id": "937024186427924520",
        "name": "Casual Corner",
        "icon": None,
        "banner": None,
        "owner": False,
        "permissions": "104324673",
        "features": [],
    },
]

TOKEN_RESPONSE = {
    "access_token": ACCESS_TOKEN,
    "token_type": "Bearer",
    "expires_in": 604800,
    "refresh_token": REFRESH_TOKEN,
    "scope": "identify guilds",
}
REFRESH_RESPONSE = {
    "access_token": NEW_ACCESS_TOKEN,
    "token_type": "Bearer",
    "expires_in": 604800,
    "refresh_token": NEW_REFRESH_TOKEN,
    "scope": "identify guilds",
}


def payload(value):
    """A fresh copy, so that a test may change it freely."""
    return copy.deepcopy(value)
