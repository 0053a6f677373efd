"""The statements reports run: the figures' statement from the rollups (built once per shape), complaints in a
period, and the SQL helpers they need (a table read through a named index, local-day parameters)."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Table,
    TableClause,
    bindparam,
    case,
    column,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from survey_api.complaints.models import Complaint
from survey_api.org.models import AdminUnit, Centre
from survey_api.reports.catalogue import CATALOGUE_COLUMN
from survey_api.reports.models import COUNTERS, NIL, RollupDay, RollupMonth
from survey_api.reports.query import OTHER_COLUMN, ReportQuery


def complaint_window(query: ReportQuery) -> tuple[datetime, datetime]:
    """The moments complaints sent in the period fall between, with a day either side (the local day they were
    sent is checked after)."""
    start = datetime.combine(query.date_from, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    end = datetime.combine(query.date_to, datetime.min.time(), tzinfo=UTC) + timedelta(days=2)
    return start, end


def complaints_sent(start: Any, end: Any) -> list[ColumnElement[bool]]:
    """Complaints sent from ``start`` to before ``end`` (values or bound parameters)."""

    return [Complaint.submitted_at >= start, Complaint.submitted_at < end]


@functools.lru_cache(maxsize=512)
def rollup_statement(
    source: tuple[Any, ...], *, period: bool, by_province: bool, some_centres: bool, with_gates: bool, dialect: str
) -> Any:
    """The figures' statement for one shape of report, built once per process: every value in it is a bound
    parameter (``centres``, ``months`` or ``date_from``/``date_to``, ``key`` or ``filter_…``, ``before``,
    ``sent_from``/``sent_to``), so building it and working out its cache key are not paid on each report.

    ``source`` is ``("month", other dimension, grouped by it, filtered on it)`` or ``("day", other dimensions
    grouped, dimensions filtered)``."""

    centres: Any = bindparam("centres", expanding=True) if some_centres else None
    conditions: list[Any]
    if source[0] == "month":
        _, other, grouped, keyed = source
        m = RollupMonth
        centre: Any = m.centre_id
        columns: list[Any] = [m.centre_id]
        if period:
            columns.append(m.month.label("period"))
        if grouped:
            columns.append(m.key.label("other"))
        conditions = [m.dim == (other or "centre"), m.month.in_(bindparam("months", expanding=True))]
        if keyed:
            conditions.append(m.key == bindparam("key"))
    else:
        _, grouped_dims, filtered = source
        d = RollupDay
        centre = d.centre_id
        columns = [d.centre_id]
        if period:
            columns.append(d.day.label("period"))
        for dim in grouped_dims:
            columns.append((d.channel if dim == "channel" else getattr(d, OTHER_COLUMN[dim])).label(dim))
        conditions = [d.day >= bindparam("date_from"), d.day <= bindparam("date_to")]
        for name in filtered:
            value = d.channel if name == "channel" else getattr(d, OTHER_COLUMN[name])
            conditions.append(value == bindparam(f"filter_{name}"))
    statement = grouped_statement(
        columns, summed_counts(source[0] == "month"), conditions, centre, centres, by_province, dialect
    )
    if with_gates:
        sent: list[ColumnElement[bool]] = [] if centres is None else [Complaint.centre_id.in_(centres)]
        sent += complaints_sent(bindparam("sent_from"), bindparam("sent_to"))
        statement = statement.add_columns(CATALOGUE_COLUMN, exists().where(*sent).label("complaints"))
    return statement


def grouped_statement(
    columns: list[Any],
    sums: list[Any],
    conditions: list[Any],
    centre: Any,
    centres: Any,
    by_province: bool,
    dialect: str,
) -> Any:
    """GROUP BY the columns for the centres covered (all when ``centres`` is None); by province, centres are
    folded in the database: each centre's province (the first code of its unit path) is worked out once, then its
    rows summed under it, so a country-wide view reads one row per province and period."""
    covering = [] if centres is None else [centre.in_(centres)]
    if not by_province:
        return select(*columns, *sums).where(*covering, *conditions).group_by(*columns)
    path = AdminUnit.path
    if dialect == "postgresql":
        province = func.split_part(path, "/", 2)
    else:
        province = func.substr(path, 2, func.instr(func.substr(path, 2), "/") - 1)
    provinces = (
        select(Centre.id.label("centre_id"), province.label("province"))
        .join(AdminUnit, AdminUnit.id == Centre.unit_id)
        .where(*([] if centres is None else [Centre.id.in_(centres)]))
        .cte("centre_province")
        .prefix_with("MATERIALIZED")
    )
    keys = [provinces.c.province, *columns[1:]]
    return (
        select(*keys, *sums)
        .select_from(provinces.join(centre.table, centre == provinces.c.centre_id))
        .where(*conditions)
        .group_by(*keys)
    )


@functools.cache
def summed_counts(use_month: bool) -> list[Any]:
    """The counters summed, built once: ``open_due`` only from rows before the month or day bound as ``before``."""
    model: Any = RollupMonth if use_month else RollupDay
    past = (model.month if use_month else model.day) < bindparam("before", type_=Date)
    return [
        func.sum(case((past, model.open_due), else_=0) if c == "open_due" else getattr(model, c)).label(c)
        for c in COUNTERS
    ]


class Indexed(TableClause):
    """A table read through a named index on SQLite (``INDEXED BY``); the plain table elsewhere. With only
    average counts to go on, SQLite takes a dossier in hand (no resolution yet) for a rare one and would walk the
    index of resolved dossiers by centre, or every day row of every centre, instead of the small partial
    indexes; PostgreSQL chooses well by itself."""

    _traverse_internals = [*TableClause._traverse_internals, ("index", InternalTraversal.dp_string)]
    inherit_cache = True  # the index name is part of the cache key (above)

    def __init__(self, table: Table, index: str) -> None:
        super().__init__(table.name, *(column(c.name, c.type) for c in table.c))
        self.index = index


@compiles(Indexed)
def _plain_table(element: Indexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.visit_table(element, **kw))


@compiles(Indexed, "sqlite")
def _indexed_table(element: Indexed, compiler: Any, **kw: Any) -> str:
    sql = str(compiler.visit_table(element, **kw))
    return f"{sql} INDEXED BY {element.index}" if kw.get("asfrom") else sql


def dicts(result: Any) -> list[dict[str, Any]]:
    """Rows as plain dicts (the names read once: a row's mapping builds them anew each time)."""
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


def day_key(row: Any) -> tuple[Any, ...]:
    """A day row's key without the day, from a rollup or dossier row (no value is the nil id)."""
    return (
        row["centre_id"],
        row["counter_id"] or NIL,
        row["staff_id"] or NIL,
        row["agency_id"] or NIL,
        row["procedure_id"] or NIL,
        row["channel"],
    )


def day_fact(row: Any, day: date) -> dict[str, Any]:
    """A dossier row seen through the same keys as a rollup row."""
    return {
        "centre_id": row.centre_id,
        "period": day,
        "counter": row.counter_id,
        "staff": row.staff_id,
        "agency": row.agency_id,
        "procedure": row.procedure_id,
        "channel": row.channel,
    }


class ProvinceRow(dict[str, Any]):
    """A rollup row already summed per province: a stand-in 'centre' whose places all name that province."""

    def __init__(self, row: Any, provinces: dict[str, tuple[str, str]]) -> None:
        super().__init__(row)
        code = row["province"]
        self["centre_id"] = ("province", code)
        self.place = provinces.get(code, (code, code))


class Fact(dict[str, Any]):
    """A raw dossier or complaint row seen through the same keys as a rollup row."""

    def __init__(self, row: Any, day: date) -> None:
        super().__init__(
            centre_id=row.centre_id,
            period=day,
            counter=row.counter_id,
            staff=row.staff_id,
            agency=row.agency_id,
            procedure=row.procedure_id,
            channel=row.channel,
        )


def day_param(day: date, dialect: str) -> Any:
    """A date to compare with a local-day expression (ISO text on SQLite, a DATE on PostgreSQL)."""
    return literal(day, Date) if dialect == "postgresql" else literal(day.isoformat())
