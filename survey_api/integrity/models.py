"""One row per thing found odd in the data, with the records behind it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from advanced_alchemy.base import UUIDBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.types import JsonDoc


class FindingKind(StrEnum):
    """What was found (docs/integrity.md says each rule, its threshold and what a director should do)."""

    ENTERED_LATE = "entered_late"
    """A dossier's reception recorded long after the moment it states: handled off the system."""
    TICKED_LATE = "ticked_late"
    """A resolution or return recorded long after the moment it states."""
    DUE_MOVED = "due_moved"
    """A due date changed other than by the one extension allowed before it passed (not believed)."""
    RESOLVED_MOVED = "resolved_moved"
    """A resolution time changed after it was recorded (an earlier one is not believed)."""
    LATE_TO_ON_TIME = "late_to_on_time"
    """An event that would have turned a late (or overdue) dossier into one on time or early."""
    RATED_BEFORE_RETURN = "rated_before_return"
    """A phone rating claiming a time before its dossier was returned (counted at its receipt)."""
    BACKDATED_RATING = "backdated_rating"
    """A rating claiming a time outside the window believed (counted at its receipt)."""
    IMPROBABLE_TOP_SHARE = "improbable_top_share"
    """A centre's share of top ratings in the period improbably far above its province's other centres' (a test on the
    period's figures, not stored: ``survey_api.integrity.statistics``)."""
    NO_LOW_RATINGS = "no_low_ratings"
    """Many ratings and not one at the lowest two levels, when the province's other centres make that improbable."""


class Finding(UUIDBase):
    """One finding: its kind, where (centre, counter, staff member, kiosk), the record behind it (a dossier or a
    rating), the local day whose figures it concerns, what was seen (``detail``) and who recorded it."""

    __tablename__ = "integrity_finding"
    __table_args__ = (Index("ix_integrity_finding_centre_day", "centre_id", "day"),)

    kind: Mapped[str] = mapped_column(String(32))
    """A ``FindingKind``."""
    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"))
    counter_id: Mapped[uuid.UUID | None]
    staff_id: Mapped[uuid.UUID | None]
    kiosk_id: Mapped[uuid.UUID | None]
    dossier_id: Mapped[uuid.UUID | None]
    rating_id: Mapped[uuid.UUID | None]
    day: Mapped[date] = mapped_column(Date)
    found_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    recorded_by: Mapped[str | None] = mapped_column(String(80))
    """The integration key's name (or ``import``) that recorded the dossier's dates; a kiosk's or phone's rating
    has none."""
