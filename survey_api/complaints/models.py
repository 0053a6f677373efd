"""Complaints, the flags that route them (and low or conduct ratings) to an inbox, their threads, and the
notification outbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_api.accounts.models import User
from survey_api.crypto import Encrypted
from survey_api.dossiers.models import Dossier
from survey_api.org.models import Centre, Staff
from survey_api.ratings.models import Rating
from survey_api.types import JsonDoc

CONTACT_NAME_CHARS, CONTACT_PHONE_CHARS, CONTACT_EMAIL_CHARS = 200, 20, 255
"""The longest contact details a complaint takes (``schemas.PersonName``, ``Phone``, ``Email``)."""


class FlagStatus(StrEnum):
    """Where a flag stands in its workflow; a complaint carries the status of its flag."""

    NEW = "new"
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    """Accepted for handling: the answer deadline runs."""
    ANSWERED = "answered"
    CLOSED = "closed"
    REJECTED = "rejected"


OPEN_STATUSES = (FlagStatus.NEW, FlagStatus.ASSIGNED, FlagStatus.ACKNOWLEDGED)
"""Still being handled: the flag has a deadline, and it escalates once past it."""
FINAL_STATUSES = (FlagStatus.ANSWERED, FlagStatus.CLOSED, FlagStatus.REJECTED)
"""Handled: the citizen may say whether they are satisfied."""
ENDED_STATUSES = (FlagStatus.CLOSED, FlagStatus.REJECTED)
"""Over: the contact details are erased once kept long enough."""


class Complaint(UUIDAuditBase):
    """What a citizen reported. The id is made by the client, so a retry never files it twice.

    Contact details are personal data (Law 91/2025): kept only with explicit consent, shown only to
    handlers, and every view is audited. They are stored encrypted (``survey_api.crypto``); the keyed hashes of
    the normalised phone and email find a repeat without decrypting anything.
    """

    __tablename__ = "complaint"
    __table_args__ = (
        Index("ix_complaint_centre_received", "centre_id", "received_at"),
        Index("ix_complaint_contact_phone_hash", "contact_phone_hash"),
        Index("ix_complaint_contact_email_hash", "contact_email_hash"),
    )

    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    body_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))  # web | qr | kiosk | api
    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"))
    counter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counter.id"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"), index=True)
    dossier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dossier.id"), index=True)
    dossier_ref: Mapped[str | None] = mapped_column(String(60))
    """The dossier code as the citizen gave it (it may not be known to the platform)."""
    kiosk_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("kiosk.id"))
    category: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(Encrypted(CONTACT_NAME_CHARS, "complaint.contact_name"))
    contact_phone: Mapped[str | None] = mapped_column(Encrypted(CONTACT_PHONE_CHARS, "complaint.contact_phone"))
    contact_email: Mapped[str | None] = mapped_column(Encrypted(CONTACT_EMAIL_CHARS, "complaint.contact_email"))
    contact_phone_hash: Mapped[str | None] = mapped_column(String(64))
    """HMAC-SHA256 of the phone written as digits, +84 as 0 (``crypto.phone_hash``): how repeats are found."""
    contact_email_hash: Mapped[str | None] = mapped_column(String(64))
    """HMAC-SHA256 of the email in lower case (``crypto.email_hash``)."""
    consent: Mapped[bool] = mapped_column(default=False)
    contact_erased_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    """When the contact details were erased, ``complaint_contact_days`` after the complaint ended."""
    language: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(12), default=FlagStatus.NEW)
    submitted_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    citizen_satisfied: Mapped[bool | None]
    """The citizen's verdict on the handling: False is a "dislike" (Decision 766)."""
    feedback_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    repeat_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("complaint.id"))
    """An earlier, already answered complaint on the same matter (Decision 766 counts repeats against)."""

    centre: Mapped[Centre] = relationship(lazy="joined")
    staff: Mapped[Staff | None] = relationship(lazy="joined")
    dossier: Mapped[Dossier | None] = relationship(lazy="joined")

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_phone or self.contact_email)


class Flag(UUIDAuditBase):
    """An inbox item: every complaint, every rating at the two lowest levels, every rating naming conduct.

    It reaches the staff member concerned (who may explain) and the centre's supervisors and director
    (who assign, answer and close). ``due_by`` is the deadline for the current step.
    """

    __tablename__ = "flag"
    __table_args__ = (
        Index("ix_flag_centre_status", "centre_id", "status"),
        Index("ix_flag_status_due", "status", "due_by"),
    )

    reason: Mapped[str] = mapped_column(String(12))  # complaint | low_rating | conduct
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("complaint.id"), unique=True)
    rating_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rating.id"), unique=True)
    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=FlagStatus.NEW)
    assigned_to_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    accept_by: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    info_by: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    answer_by: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    due_by: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    """The deadline of the current step: accept_by while new, answer_by while handled, none when done."""
    accepted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    """When it was first accepted or refused."""
    info_requested_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    explanation: Mapped[str | None] = mapped_column(Text)
    explained_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(Text)

    complaint: Mapped[Complaint | None] = relationship(lazy="joined")
    rating: Mapped[Rating | None] = relationship(lazy="joined")
    centre: Mapped[Centre] = relationship(lazy="joined")
    staff: Mapped[Staff | None] = relationship(lazy="joined")
    assigned_to: Mapped[User | None] = relationship(lazy="joined")


class FlagEvent(UUIDAuditBase):
    """One entry of a flag's thread: a status change, an explanation, a note, a question to the citizen
    or the citizen's reply. ``public`` entries are what the citizen reads on the tracking page."""

    __tablename__ = "flag_event"

    flag_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("flag.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    actor_type: Mapped[str] = mapped_column(String(12))  # user | citizen | kiosk | system
    actor_id: Mapped[uuid.UUID | None]
    actor_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    """created | status | assigned | explanation | note | info_request | citizen_reply | escalated | feedback"""
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    text: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(default=False)


class Notification(UUIDAuditBase):
    """The outbox: an email or webhook call to make. Written in the same transaction as its cause and sent
    later by a background task, with retries and exponential backoff."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_status_next", "status", "next_attempt_at"),)

    event: Mapped[str] = mapped_column(String(20))  # flag.new | flag.assigned | flag.overdue
    channel: Mapped[str] = mapped_column(String(8))  # email | webhook
    flag_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("flag.id"), index=True)
    centre_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("centre.id"))
    recipient: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
