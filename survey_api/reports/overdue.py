"""Overdue counting: dossiers in hand that fell overdue, by the day they did."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    case,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.dossiers.models import IN_HAND_STATUSES, Dossier
from survey_api.dossiers.timeliness import overdue_after
from survey_api.reports.models import NIL, RollupDay
from survey_api.reports.query import OTHER_COLUMN, OTHER_DIMS, ReportQuery
from survey_api.reports.rollups import local_day, paused_intervals
from survey_api.reports.statements import Indexed, day_fact, day_key, dicts


class OverdueCount:
    """Dossiers in hand falling overdue, counted for a report: from the day rollups (``open_due``) for days past,
    and for today from the dossiers themselves (a dossier falls overdue at its due moment, moved by paused time)."""

    def __init__(self, session: AsyncSession, tz: str, covering: Callable[[Any], list[ColumnElement[bool]]]) -> None:
        self.session = session
        self.tz = tz
        self.covering = covering
        """The report's condition on a centre id column: the centres it covers."""

    async def open_due_rows(
        self,
        query: ReportQuery,
        filters: dict[str, Any],
        first: date,
        last: date,
        grain: str = "report",
        centres: set[uuid.UUID] | None = None,
    ) -> list[dict[str, Any]]:
        """Day rows of dossiers in hand falling overdue from ``first`` to ``last``, summed per centre and the
        other dimensions asked (``grain="report"``), per centre alone, or per full day key."""
        d = Indexed(RollupDay.__table__, "ix_rollup_day_open_due").c  # type: ignore[arg-type]
        columns: list[Any] = [d.centre_id.label("centre_id")]
        if grain == "key":
            columns += [d.counter_id, d.staff_id, d.agency_id, d.procedure_id, d.channel]
        elif grain == "report":
            for dim in query.group_by:
                if dim in OTHER_DIMS:
                    columns.append((d.channel if dim == "channel" else getattr(d, OTHER_COLUMN[dim])).label(dim))
        conditions = [
            d.open_due > literal_column("0"),  # spelt as the partial index says it: no parameter
            d.day >= first,
            d.day <= last,
            *(self.covering(d.centre_id) if centres is None else [d.centre_id.in_(centres)]),
        ]
        for name, value in filters.items():
            conditions.append((d.channel if name == "channel" else getattr(d, OTHER_COLUMN[name])) == value)
        result = await self.session.execute(
            select(*columns, func.sum(d.open_due).label("open_due")).where(*conditions).group_by(*columns)
        )
        return dicts(result)

    async def overdue_today(
        self, query: ReportQuery, filters: dict[str, Any], now: datetime, today: date
    ) -> list[tuple[dict[str, Any], int]]:
        """Dossiers in hand that fall overdue today and already have, with how many: those never paused counted
        by their due moment in the database; the others one by one, looked for only where the day rows count
        more today than those."""
        rows = await self.open_due_rows(query, filters, today, today, "centre")
        held = {row["centre_id"]: int(row["open_due"]) for row in rows}
        if not held:
            return []
        zone = ZoneInfo(self.tz)
        day_start = datetime.combine(today, datetime.min.time(), tzinfo=zone).astimezone(UTC)
        dialect = self.session.get_bind().dialect.name
        empty: Any = literal_column("'[]'::jsonb" if dialect == "postgresql" else "'[]'")

        def dossiers(
            index: str,
            columns: Callable[[Any], list[Any]],
            where: Callable[[Any], tuple[Any, ...]],
            group: Callable[[Any], list[Any]] | None = None,
        ) -> Any:
            d = Indexed(Dossier.__table__, index).c  # type: ignore[arg-type]
            conditions = [
                d.resolved_at.is_(None),  # both indexes hold only dossiers in hand
                d.status.in_(IN_HAND_STATUSES),
                *self.covering(d.centre_id),
            ]
            for name, value in filters.items():
                conditions.append((d.channel if name == "channel" else getattr(d, f"{name}_id")) == value)
            statement = select(*group(d), *columns(d)) if group else select(*columns(d))
            statement = statement.where(*conditions, *where(d))
            return statement.group_by(*group(d)) if group else statement

        def due_today(d: Any) -> tuple[Any, ...]:
            return (d.paused == empty, d.due_at >= day_start, d.due_at < day_start + timedelta(days=1))

        def full_key(d: Any) -> list[Any]:
            return [d.centre_id, d.counter_id, d.staff_id, d.agency_id, d.procedure_id, d.channel]

        def report_group(d: Any) -> list[Any]:  # the centre and the report's other dimensions
            group = [d.centre_id.label("centre_id")]
            for dim in query.group_by:
                if dim in OTHER_DIMS:
                    group.append((d.channel if dim == "channel" else getattr(d, f"{dim}_id")).label(dim))
            return group

        def counts(d: Any) -> list[Any]:
            return [func.count().label("due"), func.sum(case((d.due_at < now, 1), else_=0)).label("overdue")]

        plain = await self.session.execute(dossiers("ix_dossier_open_due", counts, due_today, report_group))
        facts: list[tuple[dict[str, Any], int]] = []
        for fact in dicts(plain):  # never paused: the due moment is the one
            held[fact["centre_id"]] -= int(fact.pop("due"))
            overdue = int(fact.pop("overdue") or 0)
            if overdue:
                facts.append(({**fact, "period": today}, overdue))
        more = {centre for centre, left in held.items() if left > 0}
        if not more:
            return facts
        # Ever paused, at centres whose day rows count more: which keys, then those dossiers, judged one by one.
        rows = await self.open_due_rows(query, filters, today, today, "key", more)
        left = {day_key(row): int(row["open_due"]) for row in rows}
        plain_keys = await self.session.execute(
            dossiers(
                "ix_dossier_open_due",
                lambda d: [func.count().label("due")],
                lambda d: (*due_today(d), d.centre_id.in_(more)),
                full_key,
            )
        )
        for row in plain_keys:
            left[day_key(row._mapping)] -= int(row.due)
        keys = [key for key, n in left.items() if n > 0]

        def matching(d: Any) -> tuple[Any, ...]:
            """By centre through the index, narrowed by staff and procedure (the exact keys are checked here)."""
            conditions = [d.paused != empty, d.centre_id.in_({key[0] for key in keys})]
            for narrowing, i in ((d.staff_id, 2), (d.procedure_id, 4)):
                values = {key[i] for key in keys}
                if NIL not in values:
                    conditions.append(narrowing.in_(values))
            return tuple(conditions)

        wanted = set(keys)
        candidates = dossiers("ix_dossier_open_paused", lambda d: [*full_key(d), d.due_at, d.paused], matching)
        for row in await self.session.execute(candidates):
            if day_key(row._mapping) not in wanted:
                continue
            after = overdue_after(row.due_at, paused_intervals(row.paused))
            if after is not None and after < now and local_day(after, self.tz) == today:
                facts.append((day_fact(row, today), 1))
        return facts
