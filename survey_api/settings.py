"""Application settings: one frozen struct, read from ``SURVEY_*`` environment variables."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from survey_api.complaints.deadlines import parse_holidays
from survey_api.crypto import KeySettingError, check_key_id, parse_keys
from survey_api.i18n import Language

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIN_SECRET_LENGTH = 32
WEAK_SECRETS = frozenset({"secret", "changeme", "change-me", "password", "development", "dev", "test"})

PositiveInt = Annotated[int, msgspec.Meta(ge=1)]


class SettingsError(Exception):
    """The configuration cannot be used; the message says what to change."""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything the application reads from its environment."""

    database_url: str = ""
    """SQLAlchemy async URL. Empty means the SQLite file ``var/hailong.db``."""
    secret_key: str = ""
    """Signs sessions and CSRF cookies. Required in production; generated once under ``var/`` otherwise."""
    data_key: str = ""
    """Encrypts citizens' contact details at rest (AES-GCM, key derived with HKDF); kept apart from the secret
    key. Required in production; generated once under ``var/`` otherwise."""
    data_key_id: str = "1"
    """The id stored with every value encrypted under ``data_key``: give a new key a new id."""
    data_keys_old: str = ""
    """Earlier data keys that still decrypt, as ``id=key`` comma-separated, until ``survey-api keys rotate-data``
    has re-encrypted everything under the current key."""
    signing_key: str = ""
    """Signs the QR rating links; empty means the secret key."""
    signing_key_id: str = "1"
    """The id a rating link carries of the key that signed it: give a new signing key a new id."""
    signing_keys_old: str = ""
    """Earlier signing keys, ``id=key`` comma-separated: links they signed keep working while they are listed."""
    timezone: str = "Asia/Ho_Chi_Minh"
    default_language: Language = "vi"
    public_base_url: str = "http://127.0.0.1:8000"
    production: bool = False
    var_dir: str = str(PROJECT_ROOT / "var")
    debug: bool = False
    login_max_failures: PositiveInt = 5
    """Failed logins for one user name before it must wait ``login_lockout_seconds``."""
    login_max_failures_per_address: PositiveInt = 50
    """Failed logins from one client address, for any user names, before it must wait ``login_lockout_seconds``:
    much higher than per user name, since a whole office may share one address behind NAT."""
    login_lockout_seconds: PositiveInt = 900
    session_max_age_seconds: PositiveInt = 8 * 3600
    """A login session ends this long after the login, however busy."""
    session_idle_seconds: PositiveInt = 1800
    """A login session unused this long ends (it is deleted; pages go to the login form, the API answers 401)."""
    public_rate_limit_per_minute: PositiveInt = 120
    """Requests per minute and client on public endpoints (login, rating pages)."""
    min_group_size: PositiveInt = 10
    """Staff and counters with fewer ratings show counts, not percentages."""
    rating_token_days: PositiveInt = 30
    """How long the QR rating link on a result slip stays valid."""
    kiosk_min_interval_seconds: Annotated[int, msgspec.Meta(ge=0)] = 5
    """Kiosk taps closer together than this are stored as suspected repeats and left out of figures."""
    kiosk_reset_seconds: Annotated[float, msgspec.Meta(gt=0, le=600)] = 5
    """How long the kiosk's thank-you screen stays before it returns to the start."""
    kiosk_idle_seconds: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 30
    """Untouched this long, the kiosk sends what was tapped and returns to the start."""
    offline_max_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 7
    """How far back a rating's own time (``submitted_at``) is believed: a kiosk offline this long still counts its
    taps when they happened. A time older than that, or in the future, is replaced by the time of receipt (the
    claim is kept beside it)."""
    integrity_record_lag_hours: Annotated[int, msgspec.Meta(ge=1, le=8760)] = 24
    """A dossier's reception, resolution or return first recorded longer than this after the moment it states is an
    integrity finding (``entered_late``, ``ticked_late``: docs/integrity.md)."""
    integrity_min_ratings: PositiveInt = 30
    """Centres with fewer ratings in a period are not tested for an improbable top share or for no low rating."""
    integrity_false_alarm_rate: Annotated[float, msgspec.Meta(gt=0, lt=1)] = 0.01
    """The chance that an integrity report flags any centre by chance when nothing is wrong (docs/integrity.md)."""
    trusted_proxies: str = ""
    """Addresses (or networks) of the reverse proxies whose ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are
    believed, comma-separated (``127.0.0.1`` for nginx on the same machine). Empty: no proxy header is believed."""
    db_pool_size: PositiveInt = 10
    db_echo: bool = False
    # -- complaints, flags and their notifications ---------------------------------------------------
    smtp_host: str = ""
    """SMTP server for notification emails; empty turns email off (webhooks still work)."""
    smtp_port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 587
    smtp_tls: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "Hài Lòng <hailong@localhost>"
    holidays: str = ""
    """Public holidays left out of feedback deadlines: comma-separated ISO dates (2026-04-30,2026-05-01)."""
    complaint_accept_days: PositiveInt = 2
    """Working days to accept or refuse (with a reason) a complaint or flag."""
    complaint_info_days: PositiveInt = 5
    """Working days within which the citizen may be asked for more information."""
    complaint_answer_days: PositiveInt = 15
    """Working days to answer."""
    complaint_contact_days: PositiveInt = 30
    """Days after a complaint is closed or refused before the complainant's contact details are erased (Law
    91/2025: personal data are deleted once their purpose is served)."""
    escalation_interval_seconds: Annotated[int, msgspec.Meta(ge=0)] = 900
    """How often the app escalates overdue flags to the director; 0 turns the periodic run off."""
    notify_interval_seconds: Annotated[int, msgspec.Meta(ge=0)] = 30
    """How often the app sends pending emails and webhooks; 0 turns the background sender off."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read ``SURVEY_<FIELD>`` variables; ``overrides`` win over the environment."""
        env = os.environ if environ is None else environ
        raw: dict[str, object] = {}
        for name in cls.__struct_fields__:
            value = env.get(f"SURVEY_{name.upper()}")
            if value is not None:
                raw[name] = value
        raw.update(overrides)
        try:
            settings = msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise SettingsError(f"Invalid setting: {exc}") from exc
        return settings.resolved()

    def resolved(self) -> Settings:
        """Fill in the database URL and key defaults, refusing unsafe production settings."""
        database_url = self.database_url or f"sqlite+aiosqlite:///{Path(self.var_dir) / 'hailong.db'}"
        secret_key, data_key = self.secret_key, self.data_key
        if self.production:
            _require_strong("SURVEY_SECRET_KEY", secret_key)
            _require_strong("SURVEY_DATA_KEY", data_key)
            if self.signing_key:
                _require_strong("SURVEY_SIGNING_KEY", self.signing_key)
            if not self.database_url:
                raise SettingsError("SURVEY_DATABASE_URL must be set in production.")
        else:
            secret_key = secret_key or _development_secret(Path(self.var_dir), "secret_key")
            data_key = data_key or _development_secret(Path(self.var_dir), "data_key")
        if data_key == secret_key:
            raise SettingsError("SURVEY_DATA_KEY must differ from SURVEY_SECRET_KEY.")
        try:
            for name, current_id, old in (
                ("DATA", self.data_key_id, self.data_keys_old),
                ("SIGNING", self.signing_key_id, self.signing_keys_old),
            ):
                check_key_id(current_id, f"SURVEY_{name}_KEY_ID")
                if current_id in parse_keys(old, f"SURVEY_{name}_KEYS_OLD"):
                    raise KeySettingError(
                        f"SURVEY_{name}_KEYS_OLD: the id {current_id!r} is the current key's "
                        f"(SURVEY_{name}_KEY_ID); give the new key a new id"
                    )
        except KeySettingError as exc:
            raise SettingsError(str(exc)) from exc
        try:
            parse_holidays(self.holidays)
        except ValueError as exc:
            raise SettingsError(f"SURVEY_HOLIDAYS: {exc}") from exc
        for proxy in _split(self.trusted_proxies):
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise SettingsError(
                    f"SURVEY_TRUSTED_PROXIES: {proxy!r} is not an IP address or network "
                    "(for example 127.0.0.1 or 10.0.0.0/24, comma-separated)"
                ) from None
        return msgspec.structs.replace(
            self,
            database_url=database_url,
            secret_key=secret_key,
            data_key=data_key,
            signing_key=self.signing_key or secret_key,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def trusted_proxy_list(self) -> list[str]:
        """The addresses and networks in ``trusted_proxies`` (checked when the settings are read)."""
        return _split(self.trusted_proxies)

    @property
    def holiday_dates(self) -> frozenset[date]:
        """The listed public holidays (checked when the settings are read)."""
        return parse_holidays(self.holidays)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _require_strong(setting: str, value: str) -> None:
    if len(value) < MIN_SECRET_LENGTH or value.lower() in WEAK_SECRETS:
        raise SettingsError(
            f"{setting} must be set to a random value of at least {MIN_SECRET_LENGTH} characters in production "
            '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))").'
        )


def _development_secret(var_dir: Path, name: str) -> str:
    """Generate a secret once and keep it in ``var/<name>`` (mode 0600) so sessions and stored data survive
    restarts."""
    path = var_dir / name
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:  # never readable by others
        file.write(secret + "\n")
    return secret
