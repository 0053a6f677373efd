"""Complaint and inbox bodies. Citizens file and follow complaints; handlers work on flags."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, get_args

import msgspec
from msgspec import Meta

from survey_api.i18n import Language
from survey_api.schemas import SPACE, Code, Request

Category = Literal["harassment", "rude", "wrong_guidance", "delay", "extra_fees", "other"]
CATEGORIES: tuple[str, ...] = get_args(Category)
ComplaintText = Annotated[
    str, Meta(min_length=1, max_length=5000, description="What happened (up to 5,000 characters)")
]
ThreadText = Annotated[str, Meta(min_length=1, max_length=5000)]
PersonName = Annotated[str, Meta(max_length=200)]
Phone = Annotated[
    str, Meta(max_length=20, pattern=r"^\+?[0-9][0-9 .()\-]{6,18}[0-9]$", description="Digits, spaces, + . ( ) -")
]
Email = Annotated[str, Meta(max_length=255, pattern=rf"^[^@{SPACE}]+@[^@{SPACE}]+\.[^@{SPACE}]+$")]
DossierCode = Annotated[str, Meta(min_length=1, max_length=60)]
RatingTokenText = Annotated[str, Meta(min_length=10, max_length=100, description="From the QR rating link /r/{token}")]
TrackingCode = Annotated[str, Meta(min_length=6, max_length=30, examples=["PA-2026-7KQ4MX"])]
Secret = Annotated[str, Meta(min_length=6, max_length=40, description="Given with the tracking code")]
Username = Annotated[str, Meta(min_length=1, max_length=80)]


class ComplaintCreate(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A complaint about staff conduct. ``id`` is made by the client: sending it again is always safe.

    The centre comes from ``token`` (a QR rating link), from a kiosk's ``Authorization: Bearer`` token, or
    from ``centre_code``. Contact details need ``consent: true`` (Law 91/2025: silence is not consent).
    """

    id: uuid.UUID
    token: RatingTokenText | None = None
    centre_code: Code | None = None
    staff_code: Code | None = None
    dossier_code: DossierCode | None = None
    category: Category
    text: ComplaintText
    name: PersonName | None = None
    phone: Phone | None = None
    email: Email | None = None
    consent: bool = False
    language: Language = "vi"
    submitted_at: Annotated[datetime, Meta(tz=True)] | None = None


class ComplaintCreated(msgspec.Struct):
    """The answer to a new complaint: keep ``tracking_code`` and ``secret`` to follow it on /tra-cuu."""

    id: uuid.UUID
    tracking_code: str
    secret: str
    status: str
    due_by: datetime
    """The date by which the complaint must be answered."""
    accept_by: datetime
    """The date by which it must be accepted or refused (with a reason)."""
    centre_code: str
    staff_code: str | None
    dossier_code: str | None
    category: str
    channel: str
    received_at: datetime
    track_url: str


class TrackRequest(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    tracking_code: TrackingCode
    secret: Secret


class FeedbackCreate(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The citizen's verdict on how the complaint was handled (false is a "dislike")."""

    tracking_code: TrackingCode
    secret: Secret
    satisfied: bool


class CitizenReply(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """More information from the citizen, when the handler asked for it."""

    tracking_code: TrackingCode
    secret: Secret
    text: ThreadText


class PublicEntry(msgspec.Struct):
    at: datetime
    kind: str
    text: str | None
    status: str | None


class ComplaintStatus(msgspec.Struct):
    """What the citizen sees with the tracking code and secret (never a handler's name or internal note)."""

    tracking_code: str
    status: str
    category: str
    centre_name: str
    received_at: datetime
    due_by: datetime | None
    answer: str | None
    answered_at: datetime | None
    reject_reason: str | None
    thread: list[PublicEntry]
    satisfied: bool | None
    can_give_feedback: bool
    can_reply: bool


# -- the inbox ------------------------------------------------------------------------------------------
class ComplaintBrief(msgspec.Struct):
    tracking_code: str
    category: str
    text: str
    channel: str
    dossier_code: str | None
    has_contact: bool
    contact_erased_at: datetime | None
    """When the contact details were erased (``SURVEY_COMPLAINT_CONTACT_DAYS`` after the complaint ended)."""
    answer: str | None
    citizen_satisfied: bool | None
    repeat: bool


class RatingBrief(msgspec.Struct):
    id: uuid.UUID
    channel: str
    overall: int
    reasons: list[str]
    comment: str | None
    submitted_at: datetime


class EntryRead(msgspec.Struct):
    at: datetime
    kind: str
    actor: str
    from_status: str | None
    to_status: str | None
    text: str | None
    public: bool


class FlagRead(msgspec.Struct):
    id: uuid.UUID
    reason: str
    status: str
    centre_code: str
    staff_code: str | None
    staff_name: str | None
    assigned_to: str | None
    received_at: datetime
    accept_by: datetime
    info_by: datetime
    answer_by: datetime
    due_by: datetime | None
    overdue: bool
    escalated_at: datetime | None
    explanation: str | None
    resolution: str | None
    reject_reason: str | None
    complaint: ComplaintBrief | None
    rating: RatingBrief | None
    thread: list[EntryRead] = msgspec.field(default_factory=list)


class ContactRead(msgspec.Struct):
    """A complainant's contact details: handlers only, every view audited."""

    name: str | None
    phone: str | None
    email: str | None
    consent: bool


class FlagAssign(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    username: Username
    """A supervisor or the director of the flag's centre."""


class FlagStatusChange(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Move a flag on. ``text`` is the answer (answered), the resolution (closed) or the reason (rejected)."""

    status: Literal["acknowledged", "answered", "closed", "rejected"]
    text: ThreadText | None = None


class FlagText(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    text: ThreadText


class EscalationResult(msgspec.Struct):
    escalated: int
