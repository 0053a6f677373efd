"""Personal data at rest: AES-GCM under keys that carry an id, and keyed hashes to find equal values.

A stored value reads ``v1:<key id>:<base64url(nonce + ciphertext)>``. The current key encrypts; older keys,
named by their id, still decrypt, so a key can be replaced and the stored values re-encrypted at leisure
(``survey-api keys rotate-data``). Each key is derived with HKDF-SHA256 from the configured secret, once for
encryption and once for the keyed hashes (HMAC-SHA256) that let equal phones or emails be found without
decrypting anything.

The engine made by ``survey_api.db.create_engine`` carries its ``DataCipher`` (``attach``); the ``Encrypted``
column type finds it there, so services and pages read and write plain text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.types import TypeDecorator

FORMAT = "v1"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID_MAX = 16
KEY_ID = re.compile(rf"^[A-Za-z0-9_-]{{1,{KEY_ID_MAX}}}$")
_ENGINE_ATTRIBUTE = "hailong_data_cipher"


class KeySettingError(ValueError):
    """A key setting cannot be used; the message says why."""


class UndecryptableValue(ValueError):
    """A stored value whose key is not configured, or that was altered."""


def parse_keys(text: str, setting: str) -> dict[str, str]:
    """``id=key,id=key`` (as in ``SURVEY_DATA_KEYS_OLD``) into {id: key}; ``KeySettingError`` names the setting."""
    keys: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        key_id, equals, key = item.partition("=")
        key_id, key = key_id.strip(), key.strip()
        if not equals or not key:
            raise KeySettingError(f"{setting}: write each old key as id=key, comma-separated")
        if not KEY_ID.match(key_id):
            raise KeySettingError(f"{setting}: the key id {key_id!r} must be 1 to {KEY_ID_MAX} letters, digits, - or _")
        if key_id in keys:
            raise KeySettingError(f"{setting}: the key id {key_id!r} is given twice")
        keys[key_id] = key
    return keys


def check_key_id(key_id: str, setting: str) -> None:
    if not KEY_ID.match(key_id):
        raise KeySettingError(f"{setting}: a key id is 1 to {KEY_ID_MAX} letters, digits, - or _ (not {key_id!r})")


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret.encode())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def ciphertext_length(max_chars: int) -> int:
    """The longest stored form of a value of up to ``max_chars`` characters (4 UTF-8 bytes each at worst)."""
    raw = NONCE_BYTES + 4 * max_chars + TAG_BYTES
    return len(FORMAT) + 1 + KEY_ID_MAX + 1 + (raw * 4 + 2) // 3


def normalise_phone(phone: str) -> str:
    """Digits only, with the country code +84 (or 0084) written as the leading 0: ``+84 912-345-678`` is
    ``0912345678``."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+84"):
        return "0" + digits[2:]
    if digits.startswith("0084"):
        return "0" + digits[4:]
    return digits


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class DataCipher:
    """The current data key (which encrypts) and the older ones (which still decrypt), by id."""

    current_id: str
    keys: Mapping[str, str]
    _aead: dict[str, AESGCM] = field(default_factory=dict, repr=False, compare=False)
    _mac: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for key_id, secret in self.keys.items():
            self._aead[key_id] = AESGCM(_derive(secret, b"hailong personal data v1"))
            self._mac[key_id] = _derive(secret, b"hailong personal data lookup v1")

    @classmethod
    def from_settings(cls, settings: Any) -> DataCipher:
        """From ``data_key``, ``data_key_id`` and ``data_keys_old`` (checked when the settings were read)."""
        old = parse_keys(settings.data_keys_old, "SURVEY_DATA_KEYS_OLD")
        return cls(settings.data_key_id, {**old, settings.data_key_id: settings.data_key})

    def encrypt(self, plain: str, context: str) -> str:
        """``v1:<current id>:<nonce+ciphertext>``; ``context`` (the column) is authenticated with it, so a value
        moved to another column does not decrypt."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead[self.current_id].encrypt(nonce, plain.encode(), context.encode())
        return f"{FORMAT}:{self.current_id}:{_b64(nonce + sealed)}"

    def decrypt(self, stored: str, context: str) -> str:
        key_id = key_id_of(stored)
        if key_id is None:
            return stored  # never encrypted (written before encryption): rotate-data encrypts it
        aead = self._aead.get(key_id)
        if aead is None:
            raise UndecryptableValue(
                f"A stored value is under data key {key_id!r}, which is not configured: "
                "give it in SURVEY_DATA_KEYS_OLD (id=key) until 'survey-api keys rotate-data' has run"
            )
        raw = _unb64(stored.split(":", 2)[2])
        try:
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
        except InvalidTag as exc:
            raise UndecryptableValue(
                f"A stored value under data key {key_id!r} does not decrypt: was SURVEY_DATA_KEY changed "
                "without a new SURVEY_DATA_KEY_ID?"
            ) from exc

    def lookup_hash(self, normalised: str, key_id: str | None = None) -> str:
        """The keyed hash (HMAC-SHA256, hex) of a normalised value under the current key (or ``key_id``)."""
        return hmac.new(self._mac[key_id or self.current_id], normalised.encode(), hashlib.sha256).hexdigest()

    def lookup_hashes(self, normalised: str) -> list[str]:
        """The value's hash under every configured key: rows not yet rotated are still found."""
        return [self.lookup_hash(normalised, key_id) for key_id in self.keys]

    def is_current(self, stored: str | None) -> bool:
        return stored is None or key_id_of(stored) == self.current_id


def key_id_of(stored: str) -> str | None:
    """The key id of a stored value, or None for a value that was never encrypted."""
    prefix, _, rest = stored.partition(":")
    key_id, colon, _ = rest.partition(":")
    return key_id if prefix == FORMAT and colon and KEY_ID.match(key_id) else None


def phone_hash(cipher: DataCipher, phone: str | None) -> str | None:
    return cipher.lookup_hash(normalise_phone(phone)) if phone else None


def email_hash(cipher: DataCipher, email: str | None) -> str | None:
    return cipher.lookup_hash(normalise_email(email)) if email else None


def attach(engine: AsyncEngine, cipher: DataCipher) -> None:
    """Give ``engine`` the cipher its ``Encrypted`` columns use (each app and command has its own engine)."""
    setattr(engine.sync_engine.dialect, _ENGINE_ATTRIBUTE, cipher)


def cipher_of(dialect: Dialect) -> DataCipher:
    cipher: DataCipher | None = getattr(dialect, _ENGINE_ATTRIBUTE, None)
    if cipher is None:
        raise RuntimeError("This engine has no data key: build it with survey_api.db.create_engine(settings)")
    return cipher


def session_cipher(session: AsyncSession) -> DataCipher:
    """The cipher of the engine ``session`` runs on."""
    return cipher_of(session.get_bind().dialect)


class Encrypted(TypeDecorator[str]):
    """A text column stored encrypted: plain text in Python, ``v1:<key id>:…`` in the database.

    ``max_chars`` is the longest plain value (the column is made wide enough for its ciphertext); ``context``
    names the column and is authenticated with every value.
    """

    impl = String
    cache_ok = True

    def __init__(self, max_chars: int, context: str) -> None:
        super().__init__(ciphertext_length(max_chars))
        self.max_chars = max_chars
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else cipher_of(dialect).encrypt(value, self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else cipher_of(dialect).decrypt(value, self.context)
