"""Timeliness of a dossier (DESIGN §5), as a pure function of its dates.

Compared in local calendar days (Asia/Ho_Chi_Minh by default): resolved a day or more before the due date
is *early*, on the due date *on time*, after it *late*. The due date moves later by the time the dossier
was paused awaiting supplements. An unresolved dossier past its due moment is *overdue*, else *open*.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Timeliness(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"
    OVERDUE = "overdue"
    OPEN = "open"


def paused_duration(intervals: Iterable[tuple[datetime, datetime | None]], now: datetime) -> timedelta:
    """Total paused time; an interval still open counts up to ``now``. Overlaps count once."""
    spans = sorted((start, end or now) for start, end in intervals)
    total = timedelta()
    current_start: datetime | None = None
    current_end: datetime | None = None
    for start, end in spans:
        if end <= start:
            continue
        if current_end is None or start > current_end:
            if current_start is not None and current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_start is not None and current_end is not None:
        total += current_end - current_start
    return total


def effective_due(
    due_at: datetime, paused: Iterable[tuple[datetime, datetime | None]] = (), now: datetime | None = None
) -> datetime:
    """The due moment extended by the paused time."""
    return due_at + paused_duration(paused, now or datetime.now(due_at.tzinfo))


def overdue_after(due_at: datetime | None, paused: Iterable[tuple[datetime, datetime | None]] = ()) -> datetime | None:
    """The moment after which a dossier still in hand is overdue: ``classify(due_at, None, now, paused)`` is
    OVERDUE exactly when ``now`` is later. ``None`` without a due date, or when a pause still running keeps the
    clock stopped for good.

    It depends on the dossier alone, not on the time of asking, so it can be counted ahead (the report rollups
    count dossiers in hand on the local day of this moment). How far ``now`` is past the extended due moment,
    ``now - paused_duration(paused, now) - due_at``, never decreases and grows at rate 0 or 1 between the
    pauses' starts and ends; the answer is where it first rises above zero.
    """
    if due_at is None:
        return None
    intervals = list(paused)
    points = sorted({start for start, _ in intervals} | {end for _, end in intervals if end is not None})

    def past_due(moment: datetime) -> timedelta:
        return moment - paused_duration(intervals, moment) - due_at

    if not points:
        return due_at
    zero = timedelta()
    if past_due(points[0]) > zero:  # before the first start or end nothing runs: rate 1
        return points[0] - past_due(points[0])
    for start, end in itertools.pairwise(points):
        if past_due(end) > zero:  # it rose between the two, so at rate 1
            return start - past_due(start)
    if any(end is None for _, end in intervals):
        return None  # after the last point a running pause keeps pace with the clock
    return points[-1] - past_due(points[-1])


def classify(
    due_at: datetime | None,
    resolved_at: datetime | None,
    now: datetime,
    paused: Iterable[tuple[datetime, datetime | None]] = (),
    tz: str = "Asia/Ho_Chi_Minh",
) -> Timeliness | None:
    """Early / on time / late for a resolved dossier, overdue / open for one still in hand.

    ``None`` when the dossier has no due date (nothing to be late against).
    """
    if due_at is None:
        return None
    zone = ZoneInfo(tz)
    due = effective_due(due_at, paused, resolved_at or now)
    if resolved_at is None:
        return Timeliness.OVERDUE if now > due else Timeliness.OPEN
    resolved_day = resolved_at.astimezone(zone).date()
    due_day = due.astimezone(zone).date()
    if resolved_day < due_day:
        return Timeliness.EARLY
    if resolved_day == due_day:
        return Timeliness.ON_TIME
    return Timeliness.LATE
