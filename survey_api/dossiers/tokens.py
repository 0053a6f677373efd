"""Rating tokens: ``nonce.signature``, 128 random bits signed with the secret key.

A forged token fails the signature before any database look-up; a guessed one would need both 128 random
bits and the key. The database keeps the nonce (to print the QR again) and a digest (to find the row).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

NONCE_BYTES = 16  # 128 bits
SIGNATURE_BYTES = 12


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_nonce() -> str:
    return _b64(secrets.token_bytes(NONCE_BYTES))


def token_for(nonce: str, secret: str) -> str:
    signature = hmac.new(secret.encode(), f"rating-token:{nonce}".encode(), hashlib.sha256).digest()
    return f"{nonce}.{_b64(signature[:SIGNATURE_BYTES])}"


def is_well_signed(token: str, secret: str) -> bool:
    nonce, dot, _ = token.partition(".")
    return bool(dot) and len(token) < 100 and hmac.compare_digest(token_for(nonce, secret), token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
