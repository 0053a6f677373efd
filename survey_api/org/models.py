"""Catalogue tables. Rows are deactivated, never deleted: ratings and dossiers point at them."""

from __future__ import annotations

import uuid

from advanced_alchemy.base import UUIDAuditBase, orm_registry
from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship


class AdminUnit(UUIDAuditBase):
    """Province → (district, optional since 1 July 2025) → commune, by official code."""

    __tablename__ = "admin_unit"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))  # province | district | commune
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), index=True)
    """Codes from the province down, as ``/96/964/32014/``: a subtree is a prefix match."""
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[AdminUnit | None] = relationship(remote_side="AdminUnit.id", lazy="joined", join_depth=1)


class Agency(UUIDAuditBase):
    """A specialised agency (Sở, ngành, Chi nhánh Văn phòng đăng ký đất đai…) at one unit."""

    __tablename__ = "agency"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[AdminUnit] = relationship(lazy="joined")


class Centre(UUIDAuditBase):
    """A public administrative service centre or one-stop counter office."""

    __tablename__ = "centre"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    kiosk_levels: Mapped[int] = mapped_column(default=5, server_default="5")
    """How many faces the centre's kiosks show: 5 (default), 4 or 3."""
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    """Optional: flags of this centre are also POSTed here, signed with HMAC-SHA256."""
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[AdminUnit] = relationship(lazy="joined")


class Counter(UUIDAuditBase):
    """A desk in a centre, usually staffed for one agency."""

    __tablename__ = "counter"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"), index=True)
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    centre: Mapped[Centre] = relationship(lazy="joined")
    agency: Mapped[Agency | None] = relationship(lazy="joined")


class Staff(UUIDAuditBase):
    """A public servant working at a centre."""

    __tablename__ = "staff"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"), index=True)
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)

    centre: Mapped[Centre] = relationship(lazy="joined")
    agency: Mapped[Agency | None] = relationship(lazy="joined")


class Procedure(UUIDAuditBase):
    """An administrative procedure (TTHC) from the national catalogue."""

    __tablename__ = "procedure"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    field: Mapped[str] = mapped_column(String(200))
    statutory_days: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)


catalogue_version = Table(
    "catalogue_version",
    orm_registry.metadata,
    Column("id", Integer, CheckConstraint("id = 1", name="one_row"), primary_key=True),
    Column("n", BigInteger, nullable=False),
    Column("token", BigInteger, nullable=False),
    comment="One row, changed by triggers on every write to a catalogue table: caches of names and places built "
    "from the catalogue are good while (n, token) is unchanged. The random token tells copies of one database apart.",
)
