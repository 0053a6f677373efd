"""Kiosk devices."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_api.org.models import Centre, Counter, Staff


class Kiosk(UUIDAuditBase):
    """A tablet at a counter. Its token is shown once when paired; only the digest is kept."""

    __tablename__ = "kiosk"

    name: Mapped[str] = mapped_column(String(120))
    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"), index=True)
    counter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counter.id"))
    staff_on_duty_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    queued_reported: Mapped[int] = mapped_column(default=0)
    """How many ratings the device said were waiting in its queue at its last heartbeat."""
    held_reported: Mapped[int] = mapped_column(default=0, server_default="0")
    """How many items the device keeps aside at its last heartbeat: refused for good by the server, or queued under
    an earlier pairing that no longer works. Kept on the device, never deleted, for someone to look at."""

    centre: Mapped[Centre] = relationship(lazy="joined")
    counter: Mapped[Counter | None] = relationship(lazy="joined")
    staff_on_duty: Mapped[Staff | None] = relationship(lazy="joined")
