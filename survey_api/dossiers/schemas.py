"""Dossier event bodies (from the one-stop information system) and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from survey_api.dossiers.models import DossierChannel, DossierStatus
from survey_api.schemas import Code, Request

Moment = Annotated[datetime, Meta(tz=True, description="ISO 8601 with a time zone, e.g. 2026-06-15T09:30:00+07:00")]
DossierCode = Annotated[
    str,
    Meta(
        min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/\-]*$", examples=["000.00.16.H12-260615-0001"]
    ),
]


class PausedInterval(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A time the dossier waited for the citizen's supplements; ``end`` is empty while still waiting."""

    start: Moment
    end: Moment | None = None


class DossierPush(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The dossier's state at ``event_at``. An event older than the one already applied is kept in the
    history but does not change the state. ``event_at`` defaults to the latest time in the body."""

    code: DossierCode
    procedure_code: Code
    centre_code: Code
    counter_code: Code | None = None
    staff_code: Code | None = None
    agency_code: Code | None = None
    channel: DossierChannel = DossierChannel.COUNTER
    status: DossierStatus
    received_at: Moment
    due_at: Moment | None = None
    resolved_at: Moment | None = None
    returned_at: Moment | None = None
    paused: list[PausedInterval] = msgspec.field(default_factory=list)
    event_at: Moment | None = None

    def latest_moment(self) -> datetime:
        moments = [self.received_at, self.resolved_at, self.returned_at]
        moments += [m for p in self.paused for m in (p.start, p.end)]
        return max(m for m in moments if m is not None)


class DossierRead(msgspec.Struct):
    code: str
    status: str
    procedure_code: str
    centre_code: str
    counter_code: str | None
    staff_code: str | None
    agency_code: str | None
    channel: str
    received_at: datetime
    due_at: datetime | None
    resolved_at: datetime | None
    returned_at: datetime | None
    event_at: datetime
    timeliness: str | None
    """early, on_time, late (resolved) or overdue, open (in hand); null without a due date."""
    applied: bool
    """Whether this request changed the dossier (false for an older or repeated event)."""
    rating_url: str | None = None
    """For returned dossiers: the link the QR on the result slip opens (one rating per dossier)."""
    qr_svg_url: str | None = None
    qr_png_url: str | None = None
    slip_url: str | None = None
    rated: bool = False


class DossierImportResult(msgspec.Struct):
    rows: int
    created: int
    updated: int
    unchanged: int
