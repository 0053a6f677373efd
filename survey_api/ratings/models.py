"""Survey instruments (versioned data) and ratings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.base import UUIDAuditBase, UUIDBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.types import JsonDoc


class Survey(UUIDAuditBase):
    """One version of an instrument: questions, scales, reasons, texts in Vietnamese and English."""

    __tablename__ = "survey"
    __table_args__ = (UniqueConstraint("code", "version"),)

    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonDoc)


class Rating(UUIDBase):
    """One citizen's rating. The id is made by the client, so a retry can never count twice."""

    __tablename__ = "rating"
    __table_args__ = (
        Index("ix_rating_centre_submitted", "centre_id", "submitted_at"),
        Index("ix_rating_kiosk_submitted", "kiosk_id", "submitted_at"),
    )

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey.id"))
    channel: Mapped[str] = mapped_column(String(8))  # kiosk | qr | web
    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"))
    counter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counter.id"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"), index=True)
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    procedure_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("procedure.id"))
    dossier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dossier.id"), unique=True)
    kiosk_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("kiosk.id"))
    overall: Mapped[int] = mapped_column(SmallInteger)
    answers: Mapped[dict[str, int]] = mapped_column(JsonDoc, default=dict)
    reasons: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    comment: Mapped[str | None] = mapped_column(String(2000))
    language: Mapped[str] = mapped_column(String(5))
    submitted_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    """The device's own time when it was not believed (too old or in the future): ``submitted_at`` is then the
    time of receipt."""
    unresolved: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    """What the rating named that the server no longer knew when it came (a staff code, reasons, answers): kept,
    not counted."""
    suspected_repeat: Mapped[bool] = mapped_column(default=False)
    """A kiosk tap too soon after the previous one: stored, but left out of figures."""
    body_hash: Mapped[str] = mapped_column(String(64))
    """Digest of what the client sent: the same id with another body is a conflict, not a replay."""
