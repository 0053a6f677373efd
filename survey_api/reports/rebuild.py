"""Rebuilding the rollups from raw rows (``survey-api rollups rebuild``, the demo, the report benchmark): one
``GROUP BY`` over ratings and dossiers written in key order, the dossiers ever paused judged in Python, the month rows
from the day rows. It must agree exactly with the incremental updates of ``reports.rollups``; a test checks it."""

from __future__ import annotations

import os
from collections import Counter as Tally
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
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.dossiers.models import IN_HAND_STATUSES, RESOLVED_STATUSES, Dossier
from survey_api.ratings.models import Rating
from survey_api.reports.models import COUNTERS, NIL, ReasonMonth, RollupDay, RollupMonth
from survey_api.reports.rollups import DAY_KEY, MONTH_DIMS, REASON_DIMS, DayKey, add_statement, dossier_counts, month_of


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
    statement = add_statement(table, dialect)
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
