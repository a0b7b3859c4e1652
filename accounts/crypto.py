"""Encryption of Discord tokens at rest with MultiFernet over TOKEN_ENCRYPTION_KEYS."""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class TokenUnreadable(Exception):
    """A token is stored, but no key in TOKEN_ENCRYPTION_KEYS opens it. Not the same as no
    token: another worker may hold the key, or it may be lost; either way the grant is
    not known to be gone."""


class UnreadableToken:
    """What a token column reads as when no configured key opens it: the ciphertext, kept.

    It is truthy (a token is stored), saving it writes the ciphertext back unchanged, and
    using it as a token (str(), an f-string) raises TokenUnreadable rather than sending
    Discord something that would look like a refused grant.
    """

    __slots__ = ("ciphertext",)

    def __init__(self, ciphertext: str):
        self.ciphertext = ciphertext

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnreadableToken) and other.ciphertext == self.ciphertext

    def __hash__(self) -> int:
        return hash(self.ciphertext)

    def __str__(self) -> str:
        raise TokenUnreadable("no key in TOKEN_ENCRYPTION_KEYS opens this token")

    def __repr__(self) -> str:
        return "<token no key opens>"


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    """The first key encrypts; every key decrypts, so keys can be rotated in."""
    return _fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode() if plaintext else ""


def decrypt(ciphertext: str) -> str:
    """The plaintext ("" for ""); raises TokenUnreadable when no configured key opens it."""
    if not ciphertext:
        return ""
    try:
        return fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise TokenUnreadable("no key in TOKEN_ENCRYPTION_KEYS opens this token") from None


def opens(ciphertext: str) -> bool:
    """Whether a configured key opens this stored value ("" is no token: nothing to open)."""
    try:
        decrypt(ciphertext)
    except TokenUnreadable:
        return False
    return True


def rotate(ciphertext: str) -> str:
    """The same token under the first key, with its timestamp (MultiFernet.rotate): nothing
    is decrypted and saved. "" stays "". Raises TokenUnreadable when no key opens it."""
    if not ciphertext:
        return ""
    try:
        return fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise TokenUnreadable("no key in TOKEN_ENCRYPTION_KEYS opens this token") from None


class EncryptedTextField(models.TextField):
    """A text column stored Fernet-encrypted; Python code sees the plaintext, or an
    UnreadableToken when no configured key opens the stored value."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        try:
            return decrypt(value)
        except TokenUnreadable:
            return UnreadableToken(value)

    def get_prep_value(self, value):
        if isinstance(value, UnreadableToken):
            return value.ciphertext  # never "" over a token this process cannot read
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""
