"""Keeping rollups current, in the writer's own transaction (a subscriber of the write path), and the keys and counts
both this and ``reports.rebuild`` use.

Incremental updates and ``rebuild`` must agree exactly; a test checks it. Local days use the configured time
zone's offset: Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is exact.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Table,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.dossiers.models import IN_HAND_STATUSES, RESOLVED_STATUSES, Dossier
from survey_api.dossiers.timeliness import Timeliness, classify, overdue_after
from survey_api.reports.models import NIL, ReasonMonth, RollupDay, RollupMonth
from survey_api.writes import DossierState

DAY_KEY = ("centre_id", "day", "counter_id", "staff_id", "agency_id", "procedure_id", "channel")
MONTH_DIMS = {
    "counter": "counter_id",
    "staff": "staff_id",
    "agency": "agency_id",
    "procedure": "procedure_id",
    "channel": "channel",
}
REASON_DIMS = ("agency", "procedure", "channel")
"""The breakdowns reasons are also counted by: the dashboard's filters."""


def local_day(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def month_of(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True, slots=True)
class DayKey:
    day: date
    centre_id: uuid.UUID
    counter_id: uuid.UUID
    staff_id: uuid.UUID
    agency_id: uuid.UUID
    procedure_id: uuid.UUID
    channel: str

    def month_rows(self) -> list[tuple[date, str, str]]:
        """The (month, dim, key) rows a count on this day also goes to."""
        month = month_of(self.day)
        rows = [(month, "centre", "")]
        for dim, attr in MONTH_DIMS.items():
            value = getattr(self, attr)
            rows.append((month, dim, str(value) if isinstance(value, uuid.UUID) else value))
        return rows

    def reason_rows(self) -> list[tuple[str, date, str]]:
        """The (dim, month, key) rows a reason chosen on this day goes to: the centre's, and those of the rating's
        agency, procedure and channel where it has one."""
        month = month_of(self.day)
        rows = [("centre", month, "")]
        for dim in REASON_DIMS:
            value = getattr(self, MONTH_DIMS[dim])
            if value not in (NIL, ""):
                rows.append((dim, month, str(value) if isinstance(value, uuid.UUID) else value))
        return rows


def _key(day: date, centre: Any, counter: Any, staff: Any, agency: Any, procedure: Any, channel: str) -> DayKey:
    return DayKey(day, centre, counter or NIL, staff or NIL, agency or NIL, procedure or NIL, channel)


# -- incremental ---------------------------------------------------------------------------------------
class Rollups:
    """Adds counts to the day, month and reason rollups inside the caller's transaction."""

    def __init__(self, session: AsyncSession, tz: str) -> None:
        self.session = session
        self.tz = tz

    async def add_rating(self, values: dict[str, Any]) -> None:
        """Count one stored rating (not a suspected repeat) on its local day."""
        await self.add_ratings([values])

    async def add_ratings(self, ratings: Sequence[dict[str, Any]]) -> None:
        """Count stored ratings; each rollup row is written once however many ratings it gains."""
        days: Tally[tuple[DayKey, str]] = Tally()
        reasons: Tally[tuple[str, date, uuid.UUID, str, str]] = Tally()
        for values in ratings:
            if values.get("suspected_repeat"):
                continue
            key = _key(
                local_day(values["submitted_at"], self.tz),
                values["centre_id"],
                values.get("counter_id"),
                values.get("staff_id"),
                values.get("agency_id"),
                values.get("procedure_id"),
                values["channel"],
            )
            days[(key, f"n{values['overall']}")] += 1
            if values.get("dossier_id"):
                days[(key, "rated_dossiers")] += 1
            if values.get("reasons"):
                for dim, month, dim_key in key.reason_rows():
                    for reason in values["reasons"]:
                        reasons[(dim, month, key.centre_id, dim_key, reason)] += 1
        by_key: dict[DayKey, dict[str, int]] = {}
        for (key, counter), count in days.items():
            by_key.setdefault(key, {})[counter] = count
        months: dict[tuple[uuid.UUID, date, str, str], Tally[str]] = {}
        for key, deltas in by_key.items():
            for month, dim, dim_key in key.month_rows():
                months.setdefault((key.centre_id, month, dim, dim_key), Tally()).update(deltas)
        await self._add_many(
            RollupDay.__table__,
            [{**{name: getattr(key, name) for name in DAY_KEY}, **deltas} for key, deltas in by_key.items()],
        )
        await self._add_many(
            RollupMonth.__table__,
            [{"centre_id": c, "month": m, "dim": dim, "key": k, **deltas} for (c, m, dim, k), deltas in months.items()],
        )
        await self._add_many(
            ReasonMonth.__table__,
            [
                {"dim": dim, "month": m, "centre_id": c, "key": k, "reason": r, "count": n}
                for (dim, m, c, k, r), n in reasons.items()
            ],
        )

    async def _add_many(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Add counts to many rows in one executemany (one compiled statement for every call)."""
        if not rows:
            return
        counters = _counter_columns(table)
        keys = [c.name for c in table.primary_key.columns]
        params = [{**dict.fromkeys(counters, 0), **row} for row in rows]
        params.sort(key=lambda row: tuple(str(row[k]) for k in keys))  # the same lock order in concurrent batches
        await self.session.execute(add_statement(table, self.session.get_bind().dialect.name), params)

    async def replace_dossier(self, before: Sequence[tuple[DayKey, str]], after: Sequence[tuple[DayKey, str]]) -> None:
        """Move a dossier's counts from its old state to its new one (nothing happens if they are equal)."""
        change: Tally[tuple[DayKey, str]] = Tally(after)
        change.subtract(Tally(before))
        for (key, counter), delta in change.items():
            if delta:
                await self._bump(key, {counter: delta})

    async def _bump(self, key: DayKey, deltas: dict[str, int]) -> None:
        deltas = {k: v for k, v in deltas.items() if v}
        if not deltas:
            return
        await self._upsert(
            RollupDay.__table__,
            {name: getattr(key, name) for name in DAY_KEY},
            deltas,
        )
        # In the month table's key order (dim, month, centre, key), as the rating writer's batches lock them.
        for month, dim, dim_key in sorted(key.month_rows(), key=lambda r: (r[1], r[0], r[2])):
            await self._upsert(
                RollupMonth.__table__,
                {"centre_id": key.centre_id, "month": month, "dim": dim, "key": dim_key},
                deltas,
            )

    async def _upsert(self, table: Table, key: dict[str, Any], deltas: dict[str, int]) -> None:
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        counters = [c.name for c in table.c if c.name not in key]
        statement = insert(table).values(**key, **{c: deltas.get(c, 0) for c in counters})
        statement = statement.on_conflict_do_update(
            index_elements=list(key), set_={c: table.c[c] + statement.excluded[c] for c in deltas}
        )
        await self.session.execute(statement)


def _counter_columns(table: Table) -> list[str]:
    keys = {c.name for c in table.primary_key.columns}
    return [c.name for c in table.c if c.name not in keys]


@functools.cache
def add_statement(table: Table, dialect: str) -> Any:
    """INSERT … ON CONFLICT (key) DO UPDATE SET counter = counter + excluded.counter, for every counter; built once
    per table and dialect so SQLAlchemy compiles it once."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={c: table.c[c] + statement.excluded[c] for c in _counter_columns(table)},
    )


def paused_intervals(paused: Sequence[dict[str, Any]] | None) -> list[tuple[datetime, datetime | None]]:
    """A dossier's paused intervals as stored (``[{"start": iso, "end": iso | null}]``) as moments."""
    return [
        (datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"]) if p.get("end") else None)
        for p in paused or []
    ]


def dossier_counts(dossier: DossierState | Dossier, tz: str) -> list[tuple[DayKey, str]]:
    """What a dossier adds to the rollups: its resolution (early/on time/late) and its return; or, while it is
    still in hand, itself on the day it falls overdue (``open_due``)."""
    counts: list[tuple[DayKey, str]] = []
    if dossier.centre_id is None or dossier.procedure_id is None:
        return counts

    def key(moment: datetime) -> DayKey:
        return _key(
            local_day(moment, tz),
            dossier.centre_id,
            dossier.counter_id,
            dossier.staff_id,
            dossier.agency_id,
            dossier.procedure_id,
            dossier.channel,
        )

    if dossier.resolved_at is not None and dossier.status in RESOLVED_STATUSES and dossier.due_at is not None:
        paused = paused_intervals(dossier.paused)
        judged = classify(dossier.due_at, dossier.resolved_at, datetime.now(UTC), paused, tz)
        if judged in (Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE):
            counts.append((key(dossier.resolved_at), judged.value))
    elif dossier.resolved_at is None and dossier.status in IN_HAND_STATUSES:
        after = overdue_after(dossier.due_at, paused_intervals(dossier.paused))
        if after is not None:
            counts.append((key(after), "open_due"))
    if dossier.returned_at is not None:
        counts.append((key(dossier.returned_at), "returned"))
    return counts
