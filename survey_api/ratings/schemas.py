"""Rating bodies and answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from survey_api.i18n import Language
from survey_api.schemas import Code, Request

Level = Annotated[int, Meta(ge=1, le=5, description="5 Rất hài lòng … 1 Rất không hài lòng")]
AnswerValue = Annotated[int, Meta(ge=0, le=5, description="An option's value; 0 = không áp dụng (not applicable)")]
QuestionCode = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
ReasonCode = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
Comment = Annotated[str, Meta(max_length=2000)]
RatingToken = Annotated[str, Meta(min_length=10, max_length=100, description="From the QR rating link /r/{token}")]


class RatingCreate(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One rating. ``id`` is made by the client: sending the same rating again is always safe.

    Either ``token`` (the QR link of a returned dossier) or a kiosk's ``Authorization: Bearer`` token.
    """

    id: uuid.UUID
    token: RatingToken | None = None
    overall: Level
    answers: dict[QuestionCode, AnswerValue] = msgspec.field(default_factory=dict)
    reasons: Annotated[list[ReasonCode], Meta(max_length=20)] = msgspec.field(default_factory=list)
    comment: Comment | None = None
    language: Language = "vi"
    submitted_at: Annotated[datetime, Meta(tz=True)] | None = None
    staff_code: Code | None = None
    """Kiosk only: the staff member rated, when not the one on duty."""


class RatingRead(msgspec.Struct):
    id: uuid.UUID
    channel: str
    centre_code: str
    counter_code: str | None
    staff_code: str | None
    dossier_code: str | None
    overall: int
    answers: dict[str, int]
    reasons: list[str]
    comment: str | None
    language: str
    survey_version: int
    submitted_at: datetime
    received_at: datetime
    suspected_repeat: bool
    claimed_at: datetime | None = None
    """The device's own time when it was not believed: ``submitted_at`` is then the time of receipt."""
    unresolved: dict[str, Any] | None = None
    """What the rating named that the server no longer knew (``staff_code``, ``reasons``, ``answers``): kept, not
    counted."""


class RatingCheck(msgspec.Struct):
    valid: bool
    survey_version: int
