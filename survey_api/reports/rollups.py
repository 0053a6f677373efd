"""Keeping rollups current (in the writer's own transaction) and rebuilding them from raw rows.

Incremental updates and ``rebuild`` must agree exactly; a test checks it. Local days use the configured time
zone's offset: Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is exact.
"""

from __future__ import annotations

import uuid
from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, case, delete, func, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.dossiers.models import Dossier
from survey_api.dossiers.timeliness import Timeliness, classify
from survey_api.ratings.models import Rating
from survey_api.reports.models import COUNTERS, NIL, ReasonMonth, RollupDay, RollupMonth

DAY_KEY = ("centre_id", "day", "counter_id", "staff_id", "agency_id", "procedure_id", "channel")
MONTH_DIMS = {
    "counter": "counter_id",
    "staff": "staff_id",
    "agency": "agency_id",
    "procedure": "procedure_id",
    "channel": "channel",
}
RESOLVED_STATUSES = ("resolved", "returned")


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

    async def add_ratings(self, ratings: list[dict[str, Any]]) -> None:
        """Count stored ratings; each rollup row is written once however many ratings it gains."""
        days: Tally[tuple[DayKey, str]] = Tally()
        reasons: Tally[tuple[uuid.UUID, date, str]] = Tally()
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
            for reason in values.get("reasons") or ():
                reasons[(key.centre_id, month_of(key.day), reason)] += 1
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
            [{"centre_id": c, "month": m, "reason": r, "count": n} for (c, m, r), n in reasons.items()],
        )

    async def _add_many(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Add counts to many rows in one executemany (one compiled statement for every call)."""
        if not rows:
            return
        counters = _counter_columns(table)
        keys = [c.name for c in table.primary_key.columns]
        params = [{**dict.fromkeys(counters, 0), **row} for row in rows]
        params.sort(key=lambda row: tuple(str(row[k]) for k in keys))  # the same lock order in concurrent batches
        await self.session.execute(_add_statement(table, self.session.get_bind().dialect.name), params)

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
        for month, dim, dim_key in sorted(key.month_rows()):  # key order, as the rating writer's batches
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


_ADD_STATEMENTS: dict[tuple[str, str], Any] = {}


def _counter_columns(table: Table) -> list[str]:
    keys = {c.name for c in table.primary_key.columns}
    return [c.name for c in table.c if c.name not in keys]


def _add_statement(table: Table, dialect: str) -> Any:
    """INSERT … ON CONFLICT (key) DO UPDATE SET counter = counter + excluded.counter, for every counter; built once
    per table so SQLAlchemy compiles it once."""
    cached = _ADD_STATEMENTS.get((table.name, dialect))
    if cached is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(table)
        cached = statement.on_conflict_do_update(
            index_elements=[c.name for c in table.primary_key.columns],
            set_={c: table.c[c] + statement.excluded[c] for c in _counter_columns(table)},
        )
        _ADD_STATEMENTS[(table.name, dialect)] = cached
    return cached


def dossier_counts(dossier: Dossier, tz: str) -> list[tuple[DayKey, str]]:
    """What a dossier adds to the rollups: its resolution (early/on time/late) and its return."""
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
        paused = [
            (datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"]) if p.get("end") else None)
            for p in dossier.paused or []
        ]
        judged = classify(dossier.due_at, dossier.resolved_at, datetime.now(UTC), paused, tz)
        if judged in (Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE):
            counts.append((key(dossier.resolved_at), judged.value))
    if dossier.returned_at is not None:
        counts.append((key(dossier.returned_at), "returned"))
    return counts


# -- rebuild -------------------------------------------------------------------------------------------
def _local_day_sql(column: Any, dialect: str, tz: str) -> Any:
    if dialect == "postgresql":
        return func.date(func.timezone(tz, column))
    hours = int(datetime.now(ZoneInfo(tz)).utcoffset().total_seconds() // 3600)  # type: ignore[union-attr]
    return func.date(column, f"{hours:+d} hours")


async def rebuild(session: AsyncSession, tz: str, date_from: date | None = None, date_to: date | None = None) -> int:
    """Recompute every rollup for whole months from ``date_from`` to ``date_to`` (all time if not given)
    from raw ratings and dossiers. Returns the number of day rows written."""
    dialect = session.get_bind().dialect.name
    start = month_of(date_from) if date_from else None
    end = (month_of(date_to) + timedelta(days=32)).replace(day=1) if date_to else None  # exclusive

    def in_range(column: Any) -> Any:
        conditions = []
        if start is not None:
            conditions.append(column >= start)
        if end is not None:
            conditions.append(column < end)
        return and_(*conditions) if conditions else literal(True)

    for table, column in (
        (RollupDay.__table__, RollupDay.__table__.c.day),
        (RollupMonth.__table__, RollupMonth.__table__.c.month),
        (ReasonMonth.__table__, ReasonMonth.__table__.c.month),
    ):
        await session.execute(delete(table).where(in_range(column)))

    # Ratings, grouped in the database.
    r = Rating.__table__.c
    day = _local_day_sql(r.submitted_at, dialect, tz).label("day")
    nil = literal(NIL, RollupDay.__table__.c.counter_id.type)
    rating_rows = (
        select(
            r.centre_id,
            day,
            func.coalesce(r.counter_id, nil).label("counter_id"),
            func.coalesce(r.staff_id, nil).label("staff_id"),
            func.coalesce(r.agency_id, nil).label("agency_id"),
            func.coalesce(r.procedure_id, nil).label("procedure_id"),
            r.channel,
            *(
                func.sum(func.cast(r.overall == level, RollupDay.__table__.c.n1.type)).label(f"n{level}")
                for level in range(1, 6)
            ),
            func.count(r.dossier_id).label("rated_dossiers"),
        )
        .where(r.suspected_repeat.is_(False))
        .group_by(r.centre_id, day, r.counter_id, r.staff_id, r.agency_id, r.procedure_id, r.channel)
        .subquery()
    )
    in_period = in_range(rating_rows.c.day)
    counters = ["n1", "n2", "n3", "n4", "n5", "rated_dossiers"]
    await session.execute(
        RollupDay.__table__.insert().from_select(
            [*DAY_KEY, *counters, "early", "on_time", "late", "returned"],
            select(
                *(rating_rows.c[k] for k in DAY_KEY),
                *(rating_rows.c[c] for c in counters),
                literal(0),
                literal(0),
                literal(0),
                literal(0),
            ).where(in_period),
        )
    )

    # Dossiers: returns, and the timeliness of those never paused, are counted in the database (local
    # dates compared); the few with paused intervals are judged here, streamed.
    await _dossiers_in_sql(session, dialect, tz, in_range)
    d = Dossier.__table__.c
    paused = await session.stream(
        select(
            d.centre_id, d.counter_id, d.staff_id, d.agency_id, d.procedure_id, d.channel,
            d.status, d.due_at, d.resolved_at, d.paused, literal(None).label("returned_at"),
        )
        .where(d.resolved_at.is_not(None), _has_pauses(d.paused, dialect))
        .execution_options(yield_per=5000)
    )  # fmt: skip
    tally: Tally[tuple[DayKey, str]] = Tally()
    async for row in paused:
        for key, counter in dossier_counts(row, tz):  # type: ignore[arg-type]
            if (start is None or key.day >= start) and (end is None or key.day < end):
                tally[(key, counter)] += 1
    await _merge_day_counts(session, tally)

    # Months from days; reasons from ratings.
    await _months_from_days(session, dialect, in_range)
    await _reasons(session, dialect, tz, start, end)
    return int(
        await session.scalar(
            select(func.count()).select_from(RollupDay.__table__).where(in_range(RollupDay.__table__.c.day))
        )
        or 0
    )


def _has_pauses(column: Any, dialect: str) -> Any:
    length = func.jsonb_array_length(column) if dialect == "postgresql" else func.json_array_length(column)
    return length > 0


async def _dossiers_in_sql(session: AsyncSession, dialect: str, tz: str, in_range: Any) -> None:
    """Returned dossiers by return day, and never-paused resolved dossiers by resolution day (early when
    resolved on an earlier local day than due, on time on the same day, late after)."""
    d = Dossier.__table__.c
    table = RollupDay.__table__
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    nil = literal(NIL, table.c.counter_id.type)
    keys = [
        d.centre_id,
        func.coalesce(d.counter_id, nil),
        func.coalesce(d.staff_id, nil),
        func.coalesce(d.agency_id, nil),
        func.coalesce(d.procedure_id, nil),
        d.channel,
    ]
    resolved_day = _local_day_sql(d.resolved_at, dialect, tz)
    due_day = _local_day_sql(d.due_at, dialect, tz)
    returned_day = _local_day_sql(d.returned_at, dialect, tz)
    one = literal(1)
    zero = literal(0)

    def count_if(condition: Any) -> Any:
        return func.sum(case((condition, one), else_=zero))

    judged = [count_if(resolved_day < due_day), count_if(resolved_day == due_day), count_if(resolved_day > due_day)]
    never_paused = [
        d.resolved_at.is_not(None),
        d.due_at.is_not(None),
        d.status.in_(RESOLVED_STATUSES),
        ~_has_pauses(d.paused, dialect),
    ]
    parts = [
        (resolved_day, [*judged, zero], never_paused),
        (returned_day, [zero, zero, zero, func.count()], [d.returned_at.is_not(None)]),
    ]
    names = ["centre_id", "counter_id", "staff_id", "agency_id", "procedure_id", "channel", "day"]
    counters = ["early", "on_time", "late", "returned"]
    for day, sums, conditions in parts:
        grouped = (
            select(*keys, day.label("day"), *(value.label(name) for value, name in zip(sums, counters, strict=True)))
            .where(*conditions, in_range(day))
            .group_by(*keys, day)
        )
        statement = insert(table).from_select([*names, *counters], grouped)
        statement = statement.on_conflict_do_update(
            index_elements=list(DAY_KEY), set_={c: table.c[c] + statement.excluded[c] for c in counters}
        )
        await session.execute(statement)


async def _merge_day_counts(session: AsyncSession, tally: Tally[tuple[DayKey, str]]) -> None:
    """Add dossier counts to the day rows (rows may already hold rating counts)."""
    rows: dict[DayKey, dict[str, int]] = {}
    for (key, counter), count in tally.items():
        rows.setdefault(key, {})[counter] = count
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = RollupDay.__table__
    batch: list[dict[str, Any]] = []
    for key, counts in rows.items():
        batch.append({**{k: getattr(key, k) for k in DAY_KEY}, **{c: counts.get(c, 0) for c in COUNTERS}})
        if len(batch) >= 1000:  # 17 parameters a row: stay under PostgreSQL's 32,767
            await _flush_day(session, insert, table, batch)
            batch = []
    if batch:
        await _flush_day(session, insert, table, batch)


async def _flush_day(session: AsyncSession, insert: Any, table: Table, batch: list[dict[str, Any]]) -> None:
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(DAY_KEY),
        set_={c: table.c[c] + statement.excluded[c] for c in ("early", "on_time", "late", "returned")},
    )
    await session.execute(statement, batch)  # executemany: one statement compiled, many parameter rows


async def _months_from_days(session: AsyncSession, dialect: str, in_range: Any) -> None:
    d = RollupDay.__table__.c
    month = (
        func.date_trunc("month", d.day).cast(d.day.type)
        if dialect == "postgresql"
        else func.date(d.day, "start of month")
    ).label("month")
    sums = [func.sum(d[c]).label(c) for c in COUNTERS]
    dims: list[tuple[str, Any]] = [("centre", literal(""))]
    for dim, column in MONTH_DIMS.items():
        value = d[column] if column == "channel" else _uuid_text(d[column], dialect)
        dims.append((dim, value))
    for dim, value in dims:
        grouped = (
            select(d.centre_id, month, literal(dim).label("dim"), value.label("key"), *sums)
            .where(in_range(d.day))
            .group_by(d.centre_id, month, value)
        )
        await session.execute(
            RollupMonth.__table__.insert().from_select(["centre_id", "month", "dim", "key", *COUNTERS], grouped)
        )


def _uuid_text(column: Any, dialect: str) -> Any:
    """The id as the same text ``str(uuid)`` gives (SQLite stores these UUIDs as 32 hex digits)."""
    if dialect == "postgresql":
        return func.cast(column, postgresql.TEXT)
    h = func.lower(func.hex(column))
    return (
        func.substr(h, 1, 8)
        + "-"
        + func.substr(h, 9, 4)
        + "-"
        + func.substr(h, 13, 4)
        + "-"
        + func.substr(h, 17, 4)
        + "-"
        + func.substr(h, 21, 12)
    )


async def _reasons(session: AsyncSession, dialect: str, tz: str, start: date | None, end: date | None) -> None:
    """Reason counts per centre and month, unnesting the JSON list of each rating."""
    hours = int(datetime.now(ZoneInfo(tz)).utcoffset().total_seconds() // 3600)  # type: ignore[union-attr]
    if dialect == "postgresql":
        inner = """
            SELECT r.centre_id, date_trunc('month', timezone(:tz, r.submitted_at))::date AS month,
                   reason.value AS reason
            FROM rating r CROSS JOIN LATERAL jsonb_array_elements_text(r.reasons) AS reason(value)
            WHERE NOT r.suspected_repeat"""
    else:
        inner = f"""
            SELECT r.centre_id, date(r.submitted_at, '{hours:+d} hours', 'start of month') AS month,
                   reason.value AS reason
            FROM rating r, json_each(r.reasons) AS reason
            WHERE NOT r.suspected_repeat"""  # noqa: S608 - the offset is an integer computed here
    # PostgreSQL needs the parameters' type; SQLite keeps dates as ISO text (a CAST would make them numbers).
    start_sql, end_sql = (
        ("CAST(:start AS DATE)", "CAST(:end AS DATE)") if dialect == "postgresql" else (":start", ":end")
    )
    sql = text(
        "INSERT INTO rollup_reason_month (centre_id, month, reason, count) "  # noqa: S608 - no input in the text
        f"SELECT centre_id, month, reason, count(*) FROM ({inner}) AS chosen "
        f"WHERE ({start_sql} IS NULL OR month >= {start_sql}) AND ({end_sql} IS NULL OR month < {end_sql}) "
        "GROUP BY centre_id, month, reason"
    )
    params: dict[str, Any] = {"start": start, "end": end}
    if dialect != "postgresql":
        params = {k: v.isoformat() if v else None for k, v in params.items()}
    if dialect == "postgresql":
        params["tz"] = tz
    await session.execute(sql, params)
