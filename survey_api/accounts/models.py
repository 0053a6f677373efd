"""Account tables: users, their API tokens, and the key-value store behind sessions and throttling."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.extensions.litestar.store import StoreModelMixin
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_api.org.models import AdminUnit, Centre, Staff

USERNAME_LENGTH, FULL_NAME_LENGTH = 80, 200
"""The sizes of ``user_account.username`` and ``full_name``: longer input is refused naming the field."""


class User(UUIDAuditBase):
    """A person who logs in: role plus a scope (an admin unit or a centre; admins need none)."""

    __tablename__ = "user_account"

    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), unique=True)
    full_name: Mapped[str] = mapped_column(String(FULL_NAME_LENGTH), default="")
    email: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    scope_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    scope_centre_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("centre.id"), index=True)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))

    scope_unit: Mapped[AdminUnit | None] = relationship(lazy="joined")
    scope_centre: Mapped[Centre | None] = relationship(lazy="joined")
    staff: Mapped[Staff | None] = relationship(lazy="joined")


class ApiToken(UUIDAuditBase):
    """A personal Bearer token for scripts. Only its SHA-256 is stored; it is shown once."""

    __tablename__ = "api_token"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")


class IntegrationKey(UUIDAuditBase):
    """A key for the one-stop information system (Bearer ``hi_…``); only its SHA-256 is stored."""

    __tablename__ = "integration_key"

    name: Mapped[str] = mapped_column(String(80), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class StoreEntry(StoreModelMixin):
    """Rows of the shared key-value store: server-side sessions and login-failure counters."""

    __tablename__ = "kv_store"
