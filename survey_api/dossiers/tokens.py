"""Rating tokens: ``nonce.key-id.signature``, 128 random bits signed with the signing key of that id.

A forged token fails the signature before any database look-up; a guessed one would need both 128 random
bits and the key. The database keeps the nonce (to print the QR again) and a digest (to find the row).

The current signing key (``SURVEY_SIGNING_KEY``, by default the secret key) signs; older ones named in
``SURVEY_SIGNING_KEYS_OLD`` still verify the links they signed, so the key can change without reprinting slips.
Links printed before keys had ids (``nonce.signature``) verify under the secret key (and any old signing key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from survey_api.crypto import KEY_ID, parse_keys

if TYPE_CHECKING:
    from survey_api.settings import Settings

NONCE_BYTES = 16  # 128 bits
SIGNATURE_BYTES = 12
MAX_TOKEN_LENGTH = 100


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_nonce() -> str:
    return _b64(secrets.token_bytes(NONCE_BYTES))


def legacy_token_for(nonce: str, secret: str) -> str:
    """The format printed before signing keys had ids: ``nonce.signature`` under the secret key."""
    signature = hmac.new(secret.encode(), f"rating-token:{nonce}".encode(), hashlib.sha256).digest()
    return f"{nonce}.{_b64(signature[:SIGNATURE_BYTES])}"


def token_for(nonce: str, key_id: str, key: str) -> str:
    signature = hmac.new(key.encode(), f"rating-token:{key_id}:{nonce}".encode(), hashlib.sha256).digest()
    return f"{nonce}.{key_id}.{_b64(signature[:SIGNATURE_BYTES])}"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class SigningKeys:
    """The key that signs new rating links, and every key that still verifies one."""

    current_id: str
    keys: Mapping[str, str]
    secret_key: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SigningKeys:
        old = parse_keys(settings.signing_keys_old, "SURVEY_SIGNING_KEYS_OLD")  # checked when settings were read
        return cls(settings.signing_key_id, {**old, settings.signing_key_id: settings.signing_key}, settings.secret_key)

    def sign(self, nonce: str) -> str:
        return token_for(nonce, self.current_id, self.keys[self.current_id])

    def lookup_digest(self, token: str) -> str | None:
        """The ``RatingToken.token_hash`` to look the token up by, or None when it is not well signed by a key
        configured now (a forged link, or one under a key since removed)."""
        if len(token) >= MAX_TOKEN_LENGTH:
            return None
        parts = token.split(".")
        if len(parts) == 3:
            nonce, key_id, _ = parts
            key = self.keys.get(key_id) if KEY_ID.match(key_id) else None
            if key is not None and hmac.compare_digest(token_for(nonce, key_id, key), token):
                return digest(nonce)
            return None
        if len(parts) == 2:
            for secret in (self.secret_key, *self.keys.values()):
                if hmac.compare_digest(legacy_token_for(parts[0], secret), token):
                    return digest(token)
        return None

    def new_token_hash(self, nonce: str) -> str:
        """What a new token's row stores: the digest of its nonce, which re-signing under another key keeps."""
        return digest(nonce)

    def printed(self, nonce: str, token_hash: str) -> str:
        """The token to print for a stored row: a row made before keys had ids keeps its legacy token (the
        printed slips carry it); any other is signed with the current key."""
        if token_hash == digest(nonce):
            return self.sign(nonce)
        for secret in (self.secret_key, *self.keys.values()):
            legacy = legacy_token_for(nonce, secret)
            if digest(legacy) == token_hash:
                return legacy
        return self.sign(nonce)  # its key is gone: what was printed no longer works either
