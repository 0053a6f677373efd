"""Tracking codes and secrets of complaints: short, read aloud without confusion, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

import msgspec

from survey_api.complaints.schemas import (
    ComplaintCreate,
)

# Letters and digits nobody confuses when reading them aloud or typing them: no 0/O, 1/I/L.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
SECRET_LENGTH = 12


def new_tracking_code(year: int) -> str:
    return f"PA-{year}-" + "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """``pa 2026 7kq4mx`` and ``PA-2026-7KQ4MX`` are the same code."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(raw) == 2 + 4 + CODE_LENGTH and raw.startswith("PA"):
        return f"PA-{raw[2:6]}-{raw[6:]}"
    return code.strip().upper()


def complaint_secret(key: str, complaint_id: uuid.UUID) -> str:
    """The tracking secret: derived from the server's key and the complaint id, so a retry of the same
    submission (which only its sender can make: it needs the id and the same body) gets the same secret
    back while the database keeps only a digest."""
    digest = hmac.new(key.encode(), b"complaint-secret:" + complaint_id.bytes, hashlib.sha256).digest()
    number = int.from_bytes(digest[:12], "big")
    chars = []
    for _ in range(SECRET_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    text = "".join(chars)
    return f"{text[:4]}-{text[4:8]}-{text[8:]}"


def secret_digest(secret: str) -> str:
    raw = "".join(ch for ch in secret.upper() if ch.isalnum())
    return hashlib.sha256(raw.encode()).hexdigest()


def body_hash(data: ComplaintCreate) -> str:
    return hashlib.sha256(msgspec.json.encode(msgspec.to_builtins(data), order="sorted")).hexdigest()
