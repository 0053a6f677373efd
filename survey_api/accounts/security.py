"""Password hashing (Argon2) and random tokens stored as SHA-256 digests."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 8
MIN_PRIVILEGED_PASSWORD_LENGTH = 10
PRIVILEGED_ROLES = frozenset({"admin", "province"})
"""Roles that reach more than one centre: their passwords need ``MIN_PRIVILEGED_PASSWORD_LENGTH`` characters."""
COMMON_PASSWORDS_FILE = "common-passwords.txt"
"""The 10,000 most common passwords, one a line, most common first (the first half of the list of 20,000 that
Django ships, compiled by Royce Williams from public breaches); read from the package, never from the network."""
# Verified against when the user name is unknown, so a wrong name costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class PasswordRefused(ValueError):
    """Why a new password cannot be used: ``reason`` is ``short`` (under ``min_length``), ``common`` or
    ``username``."""

    def __init__(self, reason: str, message: str, min_length: int) -> None:
        super().__init__(message)
        self.reason = reason
        self.min_length = min_length


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath(COMMON_PASSWORDS_FILE).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def min_password_length(role: str) -> int:
    return MIN_PRIVILEGED_PASSWORD_LENGTH if role in PRIVILEGED_ROLES else MIN_PASSWORD_LENGTH


def check_new_password(password: str, *, username: str, role: str) -> None:
    """Refuse a password that is too short for the role, among the most common ones, or the user name itself
    (letter case aside); raises PasswordRefused saying why."""
    minimum = min_password_length(role)
    if len(password) < minimum:
        raise PasswordRefused("short", f"Password must have at least {minimum} characters", minimum)
    if password.strip().lower() == username.strip().lower():
        raise PasswordRefused("username", "Password must not be the user name", minimum)
    if password.strip().lower() in common_passwords():
        raise PasswordRefused("common", "Password is one of the most common passwords; choose another", minimum)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token(prefix: str) -> tuple[str, str]:
    """A fresh token with 256 random bits, and the digest to store. The token itself is shown once."""
    token = f"{prefix}_{secrets.token_urlsafe(32)}"
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_digest(secret: str, value: str) -> str:
    """An HMAC of ``value`` (e.g. a client address) so that the raw value is never stored."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]
