"""Working-day deadlines for feedback handling: weekends and listed public holidays do not count.

The day something is received does not count; the limit falls at the end (23:59:59 local time) of the
Nth working day after it. Pure functions, unit-tested with exact dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

END_OF_DAY = time(23, 59, 59)


def parse_holidays(text: str) -> frozenset[date]:
    """``"2026-04-30, 2026-05-01"`` → the two dates. Raises ValueError naming the first bad entry."""
    days: set[date] = set()
    for raw in text.replace(";", ",").split(","):
        item = raw.strip()
        if not item:
            continue
        try:
            days.add(date.fromisoformat(item))
        except ValueError as exc:
            raise ValueError(f"holidays: {item!r} is not an ISO date (YYYY-MM-DD)") from exc
    return frozenset(days)


def is_working_day(day: date, holidays: Iterable[date] = ()) -> bool:
    """Monday to Friday, and not a listed holiday."""
    return day.weekday() < 5 and day not in set(holidays)


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts)."""
    if days < 0:
        raise ValueError("days must not be negative")
    off = frozenset(holidays)
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current, off):
            counted += 1
    return current


def deadline(received_at: datetime, days: int, tz: str, holidays: Iterable[date] = ()) -> datetime:
    """End of the ``days``-th working day after ``received_at``'s local date, in UTC."""
    zone = ZoneInfo(tz)
    local_day = received_at.astimezone(zone).date()
    last = add_working_days(local_day, days, holidays)
    return datetime.combine(last, END_OF_DAY, tzinfo=zone).astimezone(UTC)


def working_days_late(due_by: datetime, at: datetime, tz: str, holidays: Iterable[date] = ()) -> int:
    """How many working days ``at`` falls after ``due_by`` (0 when on time)."""
    if at <= due_by:
        return 0
    zone = ZoneInfo(tz)
    day, end = due_by.astimezone(zone).date(), at.astimezone(zone).date()
    off = frozenset(holidays)
    late = 0
    while day < end:
        day += timedelta(days=1)
        late += is_working_day(day, off)
    return late
