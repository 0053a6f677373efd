"""Dossier tables: the current state, every change with its recorded time, and one rating token each."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_api.org.models import Agency, Centre, Counter, Procedure, Staff
from survey_api.types import JsonDoc


class DossierStatus(StrEnum):
    """Where a dossier stands, as the one-stop information system says."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    """Waiting for the citizen's supplements: the clock stops."""
    RESOLVED = "resolved"
    RETURNED = "returned"
    """Resolved and handed back to the citizen."""
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


IN_HAND_STATUSES = (DossierStatus.RECEIVED, DossierStatus.IN_PROGRESS, DossierStatus.PAUSED)
"""Still being handled: it counts as in hand, and overdue once past due."""
RESOLVED_STATUSES = (DossierStatus.RESOLVED, DossierStatus.RETURNED)
"""Handled: judged early, on time or late by its resolution time."""


class DossierChannel(StrEnum):
    """How the dossier was filed."""

    COUNTER = "counter"
    ONLINE = "online"
    POSTAL = "postal"


class Dossier(UUIDAuditBase):
    """A dossier (hồ sơ) as the latest event says it is."""

    __tablename__ = "dossier"
    __table_args__ = (
        Index("ix_dossier_centre_resolved", "centre_id", "resolved_at"),
        Index("ix_dossier_centre_returned", "centre_id", "returned_at"),
        Index(  # dossiers in hand by due moment: those falling overdue today
            "ix_dossier_open_due",
            "due_at",
            "centre_id",
            postgresql_where=text("resolved_at IS NULL"),
            sqlite_where=text("resolved_at IS NULL"),
        ),
        Index(  # dossiers in hand that were ever paused (few): their deadline moved
            "ix_dossier_open_paused",
            "centre_id",
            postgresql_where=text("resolved_at IS NULL AND paused <> '[]'::jsonb"),
            sqlite_where=text("resolved_at IS NULL AND paused <> '[]'"),
        ),
    )

    code: Mapped[str] = mapped_column(String(60), unique=True)
    procedure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procedure.id"), index=True)
    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"))
    counter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counter.id"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"), index=True)
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    """A ``DossierChannel``."""
    status: Mapped[str] = mapped_column(String(12))
    """A ``DossierStatus``."""
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    """The due date timeliness is judged by: the first recorded, or its one lawful extension
    (``survey_api.dossiers.dates``); what later events claimed is in the history."""
    resolved_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    """The resolution time judged by: never earlier than the latest one recorded (``survey_api.dossiers.dates``)."""
    due_extended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    """When the one extension of the due date was recorded (None while unused)."""
    resolved_floor_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    """The latest resolution time ever recorded: an earlier one sent later is not believed."""
    returned_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    paused: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc, default=list)
    """Paused intervals (awaiting supplements): ``[{"start": iso, "end": iso | null}]``."""
    event_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    """Time of the event whose state this is; an older event never overwrites a newer one."""

    procedure: Mapped[Procedure] = relationship(lazy="joined")
    centre: Mapped[Centre] = relationship(lazy="joined")
    counter: Mapped[Counter | None] = relationship(lazy="joined")
    staff: Mapped[Staff | None] = relationship(lazy="joined")
    agency: Mapped[Agency | None] = relationship(lazy="joined")


class DossierEvent(UUIDAuditBase):
    """Every distinct event received for a dossier, applied or not (an older event is kept, not applied)."""

    __tablename__ = "dossier_event"

    dossier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dossier.id"), index=True)
    event_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    status: Mapped[str] = mapped_column(String(12))
    applied: Mapped[bool]
    source: Mapped[str] = mapped_column(String(80))
    """The integration key's name, or ``import`` for CSV back-filling."""
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    payload_hash: Mapped[str] = mapped_column(String(64))


class RatingToken(UUIDAuditBase):
    """The one rating token of a returned dossier. The token is ``nonce.key-id.signature`` (``nonce.signature``
    if printed before signing keys had ids): only the nonce and a digest (of the nonce; of the whole token for the
    older ones) are stored, so neither a database copy nor a guess yields a valid token."""

    __tablename__ = "rating_token"

    dossier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dossier.id"), unique=True)
    nonce: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    rating_id: Mapped[uuid.UUID | None]

    dossier: Mapped[Dossier] = relationship(lazy="joined")
