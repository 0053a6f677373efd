"""What a report asks (``ReportQuery``), the dimensions it may be grouped by, and the period arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from survey_api.i18n import N_, translate
from survey_api.reports.figures import Method
from survey_api.reports.models import COUNTERS
from survey_api.reports.rollups import REASON_DIMS

PLACE_DIMS = ("province", "district", "commune", "centre")
TIME_DIMS = ("day", "week", "month", "quarter", "year")
OTHER_DIMS = ("counter", "staff", "agency", "procedure", "channel")
ALL_DIMS = PLACE_DIMS + TIME_DIMS + OTHER_DIMS
SMALL_GROUP_DIMS = frozenset({"staff", "counter"})
OTHER_COLUMN = {"counter": "counter_id", "staff": "staff_id", "agency": "agency_id", "procedure": "procedure_id"}
CHANNEL_NAMES = {
    "kiosk": N_("channel.kiosk"),
    "qr": N_("channel.qr"),
    "web": N_("channel.web"),
    "api": N_("channel.api"),
    "counter": N_("channel.counter"),
    "online": N_("channel.online"),
    "postal": N_("channel.postal"),
}
"""Each channel's message key."""
QUARTERS = {
    1: N_("report.period.quarter.1"),
    2: N_("report.period.quarter.2"),
    3: N_("report.period.quarter.3"),
    4: N_("report.period.quarter.4"),
}


@dataclass(frozen=True, slots=True)
class ReportQuery:
    date_from: date
    date_to: date
    group_by: tuple[str, ...] = ()
    unit: str | None = None
    centre: str | None = None
    agency: str | None = None
    procedure: str | None = None
    channel: str | None = None
    method: Method = "top2"
    lang: str = "vi"
    as_of: datetime | None = None
    """The moment open dossiers and complaints are judged overdue at (now when not given)."""


@dataclass(slots=True)
class Tally:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    overdue_open: int = 0
    complaints: int = 0
    complaints_overdue: int = 0

    def add(self, other: Tally) -> None:
        for name, value in other.counts.items():
            self.counts[name] += value
        self.overdue_open += other.overdue_open
        self.complaints += other.complaints
        self.complaints_overdue += other.complaints_overdue


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from ``first`` to ``last``: month rows are keyed by them, and asking for each
    lets the database go straight to them (a range on the month would walk every dimension's rows)."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def period_key(dim: str, day: date, lang: str) -> tuple[str, str]:
    """(code, name) of the period of ``dim`` containing ``day``."""
    if dim == "day":
        return day.isoformat(), day.strftime("%d/%m/%Y")
    if dim == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}", translate("report.period.week", lang, week=week, year=year)
    if dim == "month":
        return f"{day.year}-{day.month:02d}", translate(
            "report.period.month", lang, month=f"{day.month:02d}", year=day.year
        )
    if dim == "quarter":
        q = (day.month - 1) // 3 + 1
        return f"{day.year}-Q{q}", translate(QUARTERS[q], lang, year=day.year)
    return str(day.year), translate("report.period.year", lang, year=day.year)


def reasons_follow(query: ReportQuery) -> bool:
    """Whether top reasons follow the query's filters: reasons are counted by one of agency, procedure or channel
    at a time, so with two or more of them they are the places' reasons for every agency, procedure and channel."""
    return sum(1 for name in REASON_DIMS if getattr(query, name)) <= 1


def as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_float(value: Any) -> float | None:
    return None if value is None else float(value)


def default_period(today: date) -> tuple[date, date]:
    """From the first day of this year to the end of this month."""
    return today.replace(month=1, day=1), month_end(today)
