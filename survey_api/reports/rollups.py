"""Keeping rollups current (in the writer's own transaction) and rebuilding them from raw rows.

Incremental updates and ``rebuild`` must agree exactly; a test checks it. Local days use the configured time
zone's offset: Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is exact.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from advanced_alchemy.types import GUID
from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.dossiers.models import IN_HAND_STATUSES, RESOLVED_STATUSES, Dossier
from survey_api.dossiers.timeliness import Timeliness, classify, overdue_after
from survey_api.ratings.models import Rating
from survey_api.reports.models import COUNTERS, NIL, ReasonMonth, RollupDay, RollupMonth
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
def _add_statement(table: Table, dialect: str) -> Any:
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


# -- rebuild -------------------------------------------------------------------------------------------
def _local_day_sql(column: Any, dialect: str, tz: str) -> Any:
    if dialect == "postgresql":
        return func.date(func.timezone(tz, column))
    hours = int(datetime.now(ZoneInfo(tz)).utcoffset().total_seconds() // 3600)  # type: ignore[union-attr]
    return func.date(column, f"{hours:+d} hours")


def _month_sql(day: Any, dialect: str) -> Any:
    """The first day of the month of a date column."""
    if dialect == "postgresql":
        return func.date_trunc("month", day).cast(day.type)
    return func.date(day, "start of month")


_EXTRA_TEMP = Table(
    "rollup_rebuild_month",
    MetaData(),
    Column("centre_id", GUID(length=16)),
    Column("month", Date),
    Column("counter_id", GUID(length=16)),
    Column("staff_id", GUID(length=16)),
    Column("agency_id", GUID(length=16)),
    Column("channel", String(8)),
    *(Column(name, Integer) for name in COUNTERS),
    prefixes=["TEMPORARY"],
)
"""Month totals per counter × staff × agency × channel while rebuilding: a few rows per centre and month, from
which five of the six month breakdowns are summed (rather than each from every day row)."""


async def rebuild(session: AsyncSession, tz: str, date_from: date | None = None, date_to: date | None = None) -> int:
    """Recompute every rollup for whole months from ``date_from`` to ``date_to`` (all time if not given)
    from raw ratings and dossiers. Returns the number of day rows written.

    Everything is summed in the database, in four passes: the day rows from ratings and dossiers at once (one
    GROUP BY, written in key order); the few paused dossiers, judged here; one pass over the day rows for the
    month rows by procedure and one for a small per-month table that gives the other five breakdowns; and the
    reasons. Rebuilding all time empties the tables first (TRUNCATE on PostgreSQL, which holds readers of the
    rollups until the rebuild commits).
    """
    dialect = session.get_bind().dialect.name
    start = month_of(date_from) if date_from else None
    end = (month_of(date_to) + timedelta(days=32)).replace(day=1) if date_to else None  # exclusive

    def in_range(column: Any) -> list[Any]:
        conditions = []
        if start is not None:
            conditions.append(column >= start)
        if end is not None:
            conditions.append(column < end)
        return conditions

    def near_range(column: Any) -> list[Any]:
        """A moment within a day of the local range (the local day is then checked exactly)."""
        conditions = []
        if start is not None:
            conditions.append(column >= datetime.combine(start, datetime.min.time(), tzinfo=UTC) - timedelta(days=1))
        if end is not None:
            conditions.append(column < datetime.combine(end, datetime.min.time(), tzinfo=UTC) + timedelta(days=1))
        return conditions

    tables = (RollupDay.__table__, RollupMonth.__table__, ReasonMonth.__table__)
    if start is None and end is None and dialect == "postgresql":
        await session.execute(text("TRUNCATE " + ", ".join(t.name for t in tables)))
    else:
        for table, column in zip(tables, ("day", "month", "month"), strict=True):
            await session.execute(delete(table).where(*in_range(table.c[column])))
    if dialect == "postgresql":
        # Day rows are nearly as many as the facts: one sort (in memory where it fits) beats hashing, spilling
        # and sorting again for the insert in key order.
        await session.execute(text("SET LOCAL work_mem = '256MB'"))
        await session.execute(text("SET LOCAL enable_hashagg = off"))
    else:
        await session.execute(text(f"PRAGMA threads = {min(4, os.cpu_count() or 1)}"))  # sort on every core
    try:
        await _days_from_facts(session, dialect, tz, in_range, near_range)
        await _paused_dossiers(session, dialect, tz, start, end, near_range)
        await _months_from_days(session, dialect, in_range)
        await _reasons(session, dialect, tz, start, end)
    finally:
        if dialect == "sqlite":
            await session.execute(text("PRAGMA threads = 0"))
    day = RollupDay.__table__.c.day
    return int(await session.scalar(select(func.count()).select_from(RollupDay.__table__).where(*in_range(day))) or 0)


def _has_pauses(column: Any, dialect: str) -> Any:
    length = func.jsonb_array_length(column) if dialect == "postgresql" else func.json_array_length(column)
    return length > 0


async def _days_from_facts(session: AsyncSession, dialect: str, tz: str, in_range: Any, near_range: Any) -> None:
    """Day rows from ratings (by the local day rated) and dossiers in one GROUP BY. A dossier counts its
    resolution (early when resolved on an earlier local day than due, on time on the same day, late after) on
    the day it was resolved and its return on the day it was returned, as one row when that is the same day;
    one still in hand counts on its due day. Dossiers ever paused are left to ``_paused_dossiers`` for their
    resolution or due day (the pause moves the deadline)."""
    table = RollupDay.__table__
    nil = literal(NIL, table.c.counter_id.type)
    one, zero = literal(1), literal(0)

    def keys(c: Any, day: Any) -> list[Any]:
        return [
            c.centre_id.label("centre_id"),
            day.label("day"),
            func.coalesce(c.counter_id, nil).label("counter_id"),
            func.coalesce(c.staff_id, nil).label("staff_id"),
            func.coalesce(c.agency_id, nil).label("agency_id"),
            func.coalesce(c.procedure_id, nil).label("procedure_id"),
            c.channel.label("channel"),
        ]

    def counts(**values: Any) -> list[Any]:
        return [values.get(name, zero).label(name) for name in COUNTERS]

    def flag(condition: Any) -> Any:
        return case((condition, one), else_=zero)

    r = Rating.__table__.c
    rated = _local_day_sql(r.submitted_at, dialect, tz)
    ratings = select(
        *keys(r, rated),
        *counts(
            **{f"n{level}": flag(r.overall == level) for level in range(1, 6)},
            rated_dossiers=flag(r.dossier_id.is_not(None)),
        ),
    ).where(r.suspected_repeat.is_(False), *near_range(r.submitted_at), *in_range(rated))

    d = Dossier.__table__.c
    resolved, due, returned = (_local_day_sql(c, dialect, tz) for c in (d.resolved_at, d.due_at, d.returned_at))
    judged = and_(
        d.resolved_at.is_not(None),
        d.due_at.is_not(None),
        d.status.in_(RESOLVED_STATUSES),
        ~_has_pauses(d.paused, dialect),
    )
    returned_same_day = and_(d.returned_at.is_not(None), returned == resolved)
    resolutions = select(
        *keys(d, resolved),
        *counts(
            early=flag(resolved < due),
            on_time=flag(resolved == due),
            late=flag(resolved > due),
            returned=flag(returned_same_day),
        ),
    ).where(judged, *near_range(d.resolved_at), *in_range(resolved))
    returns = select(*keys(d, returned), *counts(returned=one)).where(
        d.returned_at.is_not(None),
        ~and_(judged, returned_same_day),
        *near_range(d.returned_at),
        *in_range(returned),
    )
    in_hand = select(*keys(d, due), *counts(open_due=one)).where(
        d.resolved_at.is_(None),
        d.status.in_(IN_HAND_STATUSES),
        d.due_at.is_not(None),
        ~_has_pauses(d.paused, dialect),
        *near_range(d.due_at),
        *in_range(due),
    )
    facts = union_all(ratings, resolutions, returns, in_hand).subquery("facts")
    key = [facts.c[name] for name in DAY_KEY]
    grouped = select(*key, *(func.sum(facts.c[name]) for name in COUNTERS)).group_by(*key).order_by(*key)
    await session.execute(table.insert().from_select([*DAY_KEY, *COUNTERS], grouped))


async def _paused_dossiers(
    session: AsyncSession, dialect: str, tz: str, start: date | None, end: date | None, near_range: Any
) -> None:
    """The resolution, or the day they fall overdue, of dossiers that were ever paused, judged here (few:
    streamed, counted, then merged into the day rows in batches, in key order)."""
    d = Dossier.__table__.c
    resolved = and_(d.resolved_at.is_not(None), *near_range(d.resolved_at))
    in_hand = and_(d.resolved_at.is_(None), d.status.in_(IN_HAND_STATUSES), d.due_at.is_not(None))
    if end is not None:  # a pause only moves the deadline later
        in_hand = and_(in_hand, d.due_at < datetime.combine(end, datetime.min.time(), tzinfo=UTC) + timedelta(days=1))
    paused = await session.stream(
        select(
            d.centre_id, d.counter_id, d.staff_id, d.agency_id, d.procedure_id, d.channel,
            d.status, d.due_at, d.resolved_at, d.paused, literal(None).label("returned_at"),
        )
        .where(_has_pauses(d.paused, dialect), or_(resolved, in_hand))
        .execution_options(yield_per=5000)
    )  # fmt: skip
    tally: Tally[tuple[DayKey, str]] = Tally()
    async for row in paused:
        for key, counter in dossier_counts(row, tz):  # type: ignore[arg-type]
            if (start is None or key.day >= start) and (end is None or key.day < end):
                tally[(key, counter)] += 1
    await _merge_day_counts(session, tally)


async def _merge_day_counts(session: AsyncSession, tally: Tally[tuple[DayKey, str]]) -> None:
    """Add dossier counts to the day rows (rows may already hold rating counts)."""
    rows: dict[DayKey, dict[str, int]] = {}
    for (key, counter), count in tally.items():
        rows.setdefault(key, {})[counter] = count
    table = RollupDay.__table__
    dialect = session.get_bind().dialect.name
    statement = _add_statement(table, dialect)
    batch: list[dict[str, Any]] = []
    for key in sorted(rows, key=lambda k: (k.centre_id.bytes, k.day)):  # in key order, as the rows lie
        batch.append({**{k: getattr(key, k) for k in DAY_KEY}, **{c: rows[key].get(c, 0) for c in COUNTERS}})
        if len(batch) >= 1000:
            await session.execute(statement, batch)  # executemany: one statement compiled, many parameter rows
            batch = []
    if batch:
        await session.execute(statement, batch)


async def _months_from_days(session: AsyncSession, dialect: str, in_range: Any) -> None:
    """Month rows from the day rows: by procedure straight from them; the centre as a whole and by counter,
    staff, agency and channel from a small temporary table of month totals per counter × staff × agency ×
    channel."""
    day = RollupDay.__table__.c
    month_table = RollupMonth.__table__
    month = _month_sql(day.day, dialect).label("month")
    sums = [func.sum(day[c]).label(c) for c in COUNTERS]
    by_procedure = (
        select(day.centre_id, month, literal("procedure"), _uuid_text(day.procedure_id, dialect), *sums)
        .where(*in_range(day.day))
        .group_by(day.centre_id, month, day.procedure_id)
        .order_by(month, day.centre_id, day.procedure_id)  # the month table's key order
    )
    columns = ["centre_id", "month", "dim", "key", *COUNTERS]
    await session.execute(month_table.insert().from_select(columns, by_procedure))

    extra = _EXTRA_TEMP
    await session.run_sync(lambda s: extra.drop(s.connection(), checkfirst=True))
    await session.run_sync(lambda s: extra.create(s.connection()))
    detail = [day.centre_id, month, day.counter_id, day.staff_id, day.agency_id, day.channel]
    await session.execute(
        extra.insert().from_select(
            [c.name for c in extra.c], select(*detail, *sums).where(*in_range(day.day)).group_by(*detail)
        )
    )
    x = extra.c
    x_sums = [func.sum(x[c]) for c in COUNTERS]
    for dim, column in (("centre", None), *MONTH_DIMS.items()):
        value: Any
        if dim == "procedure":
            continue  # done above
        if column is None:
            value, group = literal(""), []
        else:
            value = x[column] if column == "channel" else _uuid_text(x[column], dialect)
            group = [x[column]]
        grouped = (
            select(x.centre_id, x.month, literal(dim), value, *x_sums)
            .group_by(x.month, x.centre_id, *group)
            .order_by(x.month, x.centre_id, *group)
        )
        await session.execute(month_table.insert().from_select(columns, grouped))
    await session.run_sync(lambda s: extra.drop(s.connection()))


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
    """Reason counts per centre and month, for the centre and by agency, procedure and channel: the JSON list of
    each rating that has reasons is unnested once into a materialised table, and each breakdown is summed from it.
    """
    hours = int(datetime.now(ZoneInfo(tz)).utcoffset().total_seconds() // 3600)  # type: ignore[union-attr]
    # PostgreSQL needs the parameters' type; SQLite keeps dates as ISO text (a CAST would make them numbers).
    start_sql, end_sql = (
        ("CAST(:start AS DATE)", "CAST(:end AS DATE)") if dialect == "postgresql" else (":start", ":end")
    )
    in_months = f"({start_sql} IS NULL OR month >= {start_sql}) AND ({end_sql} IS NULL OR month < {end_sql})"
    if dialect == "postgresql":
        chosen = f"""
            WITH chosen AS MATERIALIZED (SELECT * FROM (
                SELECT r.centre_id, date_trunc('month', timezone(:tz, r.submitted_at))::date AS month,
                       coalesce(r.agency_id::text, '') AS agency_key,
                       coalesce(r.procedure_id::text, '') AS procedure_key,
                       r.channel, reason.value AS reason
                FROM rating r CROSS JOIN LATERAL jsonb_array_elements_text(r.reasons) AS reason(value)
                WHERE NOT r.suspected_repeat AND r.reasons <> '[]'::jsonb
                  AND (CAST(:lo AS timestamptz) IS NULL OR r.submitted_at >= :lo)
                  AND (CAST(:hi AS timestamptz) IS NULL OR r.submitted_at < :hi)) AS unnested
                WHERE {in_months}) """  # noqa: S608 - no input in the text
    else:
        # Ratings with reasons first (an empty list is stored as '[]'), so that only those are parsed; left to
        # itself SQLite would walk every rating through an index to save the sort. Ids are 16 bytes: spelt as
        # ``str(uuid)`` spells them, as the rollups' keys are.
        def spelt(column: str) -> str:
            h = f"lower(hex({column}))"
            parts = " || '-' || ".join(
                f"substr({h}, {a}, {n})" for a, n in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
            )
            return f"CASE WHEN {column} IS NULL THEN '' ELSE {parts} END"

        chosen = f"""
            WITH rated AS MATERIALIZED (
                SELECT centre_id, submitted_at, agency_id, procedure_id, channel, reasons FROM rating
                WHERE NOT suspected_repeat AND reasons <> '[]'
                  AND (:lo IS NULL OR submitted_at >= :lo) AND (:hi IS NULL OR submitted_at < :hi)),
            chosen AS MATERIALIZED (SELECT * FROM (
                SELECT r.centre_id, date(r.submitted_at, '{hours:+d} hours', 'start of month') AS month,
                       {spelt("r.agency_id")} AS agency_key, {spelt("r.procedure_id")} AS procedure_key, r.channel,
                       reason.value AS reason
                FROM rated r, json_each(r.reasons) AS reason) AS unnested
                WHERE {in_months}) """  # noqa: S608 - the offset is an integer computed here
    breakdowns = [
        "SELECT 'centre', month, centre_id, '', reason, count(*) FROM chosen GROUP BY month, centre_id, reason",
        *(
            f"SELECT '{dim}', month, centre_id, {key}, reason, count(*) FROM chosen "  # noqa: S608 - names from here
            f"WHERE {key} <> '' GROUP BY month, centre_id, {key}, reason"
            for dim in REASON_DIMS
            for key in ["channel" if dim == "channel" else f"{dim}_key"]
        ),
    ]
    sql = text(
        f'{chosen}INSERT INTO rollup_reason_month (dim, month, centre_id, "key", reason, count) '
        + " UNION ALL ".join(breakdowns)
    )
    margin = timedelta(days=1)
    lo = datetime.combine(start, datetime.min.time(), tzinfo=UTC) - margin if start else None
    hi = datetime.combine(end, datetime.min.time(), tzinfo=UTC) + margin if end else None
    params: dict[str, Any] = {"start": start, "end": end, "lo": lo, "hi": hi}
    if dialect == "postgresql":
        params["tz"] = tz
    else:  # as the columns store them: ISO dates, and UTC moments as 'YYYY-MM-DD HH:MM:SS.ffffff'
        params = {
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
            "lo": lo.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") if lo else None,
            "hi": hi.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") if hi else None,
        }
    await session.execute(sql, params)
