"""Kiosk bodies and answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from survey_api.schemas import Code, Request

KIOSK_NAME_LENGTH = 120
KioskName = Annotated[str, Meta(min_length=1, max_length=KIOSK_NAME_LENGTH)]


class KioskCreate(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    centre_code: Code
    counter_code: Code | None = None
    name: KioskName | None = None


class KioskCreated(msgspec.Struct):
    """The device token is shown here once: type it on the tablet or open ``pair_url`` there."""

    id: uuid.UUID
    name: str
    token: str
    pair_url: str


class KioskRead(msgspec.Struct):
    id: uuid.UUID
    name: str
    centre_code: str
    counter_code: str | None
    staff_on_duty_code: str | None
    active: bool
    last_seen_at: datetime | None
    queued_reported: int
    held_reported: int
    """Items the device keeps aside (refused for good, or from an earlier pairing)."""
    silent: bool
    """No heartbeat for more than 10 minutes (or never)."""


class DutyChange(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    staff_code: Code | None
    """The staff member now at the counter, or null when nobody is."""


class Heartbeat(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    queued: Annotated[int, Meta(ge=0, le=1_000_000)] = 0
    """Ratings waiting in the device's queue."""
    held: Annotated[int, Meta(ge=0, le=1_000_000)] = 0
    """Items the device keeps aside: refused for good by the server, or queued under an earlier pairing."""


class Place(msgspec.Struct):
    code: str
    name: str


class KioskConfig(msgspec.Struct):
    """What the tablet needs to show: where it is, who is on duty, and the survey with its texts."""

    kiosk_id: uuid.UUID
    name: str
    centre: Place
    counter: Place | None
    staff_on_duty: Place | None
    levels: list[int]
    """The overall values the kiosk offers, best first: 5 levels, or the centre's 4 or 3."""
    survey_version: int
    survey: dict[str, Any]
    min_interval_seconds: int
