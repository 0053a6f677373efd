"""The audit trail: one row per recorded action, never updated or deleted by the application."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.base import UUIDBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.types import JsonDoc


class AuditEvent(UUIDBase):
    """``actor`` did ``action`` to the object ``object_type``/``object_id`` at ``at``."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    actor_type: Mapped[str] = mapped_column(String(12))
    """user | citizen | kiosk | system | anonymous (a failed login: the name tried)"""
    actor_id: Mapped[uuid.UUID | None]
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[uuid.UUID]
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
