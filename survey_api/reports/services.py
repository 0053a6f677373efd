"""Satisfaction beside timeliness, per any one or two dimensions, read from the rollups.

The database sums rollup rows per centre (and period, and one more dimension when asked); this module then
folds centres into provinces, districts or communes and days or months into weeks, quarters or years. That
keeps every query to thousands of rows whatever the volume of ratings.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from survey_api.accounts.scope import Scope
from survey_api.audit.services import Actor, record
from survey_api.complaints.models import FINAL_STATUSES, Complaint, Flag
from survey_api.dossiers.models import IN_HAND_STATUSES, Dossier
from survey_api.dossiers.timeliness import overdue_after
from survey_api.errors import InvalidInput, NotFound
from survey_api.i18n import N_, translate
from survey_api.org.models import AdminUnit, Agency, Centre, Counter, Procedure, Staff, catalogue_version
from survey_api.reports.figures import METHOD_LABELS, Method, mean_score, satisfaction, share
from survey_api.reports.models import COUNTERS, NIL, ReasonMonth, RollupDay, RollupMonth
from survey_api.reports.rollups import REASON_DIMS, local_day, paused_intervals
from survey_api.reports.schemas import Report, ReportRow
from survey_api.settings import Settings

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


def _months(first: date, last: date) -> list[date]:
    """The first days of the months from ``first`` to ``last``: month rows are keyed by them, and asking for each
    lets the database go straight to them (a range on the month would walk every dimension's rows)."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _month_end(day: date) -> date:
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


class ReportService:
    def __init__(self, session: AsyncSession, settings: Settings, scope: Scope) -> None:
        self.session = session
        self.settings = settings
        self.scope = scope

    # -- the report ------------------------------------------------------------------------------------
    async def exported(self, query: ReportQuery, format: str, actor: Actor, scope_code: str | None) -> None:
        """Record a download of the report: who (``actor``), in which scope (``scope_code``: a unit or centre code,
        none for everything), with which filters, in which format."""
        filters = {
            "date_from": query.date_from.isoformat(),
            "date_to": query.date_to.isoformat(),
            "group_by": ",".join(query.group_by) or None,
            "unit": query.unit,
            "centre": query.centre,
            "agency": query.agency,
            "procedure": query.procedure,
            "channel": query.channel,
            "method": query.method,
        }
        detail = {
            "format": format,
            "role": self.scope.role,
            "scope": scope_code,
            "filters": {name: value for name, value in filters.items() if value is not None},
        }
        await record(self.session, actor, "report.exported", "report", uuid.uuid4(), detail)

    async def satisfaction(self, query: ReportQuery) -> Report:
        """The report, named from this process's copy of the catalogue. The figures' statement also reads the
        catalogue's version: if the catalogue changed since the copy was made, the copy is read again and the report
        made once more."""
        self._check(query)
        catalogue = await _Catalogue.current(self.session, self.settings.database_url, check=False)
        try:
            return await self._satisfaction(query, catalogue)
        except _CatalogueChanged:
            catalogue = await _Catalogue.current(self.session, self.settings.database_url)
            return await self._satisfaction(query, catalogue, check=False)

    async def _satisfaction(self, query: ReportQuery, catalogue: _Catalogue, check: bool = True) -> Report:
        filters = await self._filters(query)
        places = await self._places(query, catalogue)
        use_month = self._month_source(query)
        groups: dict[tuple[tuple[str, str], ...], Tally] = defaultdict(Tally)
        names = _Names(self.session, query.lang, catalogue.names)
        now = query.as_of or datetime.now(UTC)
        today = local_day(now, self.settings.timezone)

        # With the figures come the catalogue's version and whether any complaint was sent in the period
        # (most centres' months have none, and then the complaints are not read).
        summed = await self._rollup_rows(query, filters, use_month, places, today, with_gates=True)
        if check:
            seen = summed[0]["catalogue"] if summed else await self.session.scalar(_CATALOGUE_TOKEN)
            if seen != catalogue.token:
                raise _CatalogueChanged
        await names.prefetch(query.group_by, summed)
        for row in summed:
            key = await self._group_key(query, row, places, names)
            if key is None:
                continue
            tally = groups[key]
            for name in COUNTERS:
                tally.counts[name] += int(row[name] or 0)
            tally.overdue_open += int(row["open_due"] or 0)  # in hand, falling overdue before this month/today
        await self._add_overdue(query, filters, places, names, groups, use_month, now, today)
        if not summed or summed[0]["complaints"]:
            await self._add_complaints(query, filters, places, names, groups)

        rows = [
            self._row(query, key, tally) for key, tally in sorted(groups.items(), key=lambda kv: [k[0] for k in kv[0]])
        ]
        total = Tally()
        for tally in groups.values():
            total.add(tally)
        method_label = translate(METHOD_LABELS[query.method], query.lang)
        return Report(
            group_by=list(query.group_by),
            date_from=query.date_from,
            date_to=query.date_to,
            method=query.method,
            method_label=method_label,
            min_group_size=self.settings.min_group_size,
            source="month" if use_month else "day",
            rows=rows,
            totals=self._row(query, (), total, small_rule=False),
        )

    def _check(self, query: ReportQuery) -> None:
        if len(query.group_by) > 2:
            raise InvalidInput("Group by at most two dimensions, e.g. centre,month", field="group_by")
        for dim in query.group_by:
            if dim not in ALL_DIMS:
                raise InvalidInput(f"Unknown dimension {dim!r}; use one of {', '.join(ALL_DIMS)}", field="group_by")
        if len(set(query.group_by)) != len(query.group_by):
            raise InvalidInput("A dimension is given twice", field="group_by")
        if query.date_to < query.date_from:
            raise InvalidInput("date_to is before date_from", field="date_to")
        if (query.date_to - query.date_from).days > 366 * 5:
            raise InvalidInput("Report at most five years at a time", field="date_from")

    def _month_source(self, query: ReportQuery) -> bool:
        """Months answer when no day or week is asked, the period is whole months, and at most one of
        counter/staff/agency/procedure/channel is grouped or filtered on."""
        if any(d in ("day", "week") for d in query.group_by):
            return False
        if query.date_from.day != 1 or query.date_to != _month_end(query.date_to):
            return False
        return len(self._other_dims(query)) <= 1

    def _other_dims(self, query: ReportQuery) -> set[str]:
        dims = {d for d in query.group_by if d in OTHER_DIMS}
        dims |= {name for name in ("agency", "procedure", "channel") if getattr(query, name)}
        return dims

    async def _filters(self, query: ReportQuery) -> dict[str, Any]:
        """Codes in the query resolved to ids (unknown codes are named)."""
        found: dict[str, Any] = {}
        for name, model in (("agency", Agency), ("procedure", Procedure)):
            code = getattr(query, name)
            if code:
                row_id = await self.session.scalar(select(model.id).where(model.code == code))
                if row_id is None:
                    raise InvalidInput(f"Unknown {name} code {code!r}", field=name)
                found[name] = row_id
        if query.channel:
            if query.channel not in CHANNEL_NAMES:
                raise InvalidInput(f"Unknown channel {query.channel!r}", field="channel")
            found["channel"] = query.channel
        return found

    async def _places(self, query: ReportQuery, catalogue: _Catalogue) -> dict[uuid.UUID, dict[str, tuple[str, str]]]:
        """Every centre with its province, district and commune, from the catalogue's copy;
        ``self._covered`` lists the centres the report covers (scope ∩ unit ∩ centre), None meaning every centre.
        The unit and centre asked for are found in the copy when there and visible; otherwise the database says (or
        404s) and lists the centres."""
        path: str | None = None
        centre_id: uuid.UUID | None = None
        in_copy = True
        if query.unit:
            path = catalogue.unit_paths.get(query.unit)
            if path is None or not self.scope.sees_unit(query.unit, path):
                in_copy = False
                path = await self.session.scalar(
                    select(AdminUnit.path).where(AdminUnit.code == query.unit, self.scope.units())
                )
                if path is None:
                    raise NotFound(f"No unit with code {query.unit!r}", field="unit")
        if query.centre:
            known = catalogue.centre_codes.get(query.centre)
            if known is not None and self.scope.sees_centre(known.id, known.path):
                centre_id = known.id
            else:
                in_copy = False
                centre_id = await self.session.scalar(
                    select(Centre.id).where(Centre.code == query.centre, self.scope.centres())
                )
                if centre_id is None:
                    raise NotFound(f"No centre with code {query.centre!r}", field="centre")
        if in_copy:
            self._covered = catalogue.covered(self.scope, path, centre_id)
        else:
            conditions: list[ColumnElement[bool]] = [self.scope.centres()]
            if path is not None:
                conditions.append(Centre.unit_id.in_(select(AdminUnit.id).where(AdminUnit.path.startswith(path))))
            if centre_id is not None:
                conditions.append(Centre.id == centre_id)
            self._covered = list(await self.session.scalars(select(Centre.id).where(*conditions)))
        self._provinces = catalogue.provinces
        return catalogue.places(query.lang)

    def _covering(self, centre: Any) -> list[ColumnElement[bool]]:
        """``centre`` (a centre id column) among the centres covered: no condition when that is every centre."""
        return [] if self._covered is None else [centre.in_(self._covered)]

    async def _rollup_rows(
        self,
        query: ReportQuery,
        filters: dict[str, Any],
        use_month: bool,
        places: dict[uuid.UUID, Any] | None = None,
        today: date | None = None,
        with_gates: bool = False,
    ) -> list[dict[str, Any]]:
        """Rollup sums per centre (or province), period and other dimension. ``open_due`` counts only dossiers
        in hand that fell overdue in a month before this one (month rows) or on a day before today (day rows).
        ``with_gates``: each row also says the catalogue's version and whether the period has complaints."""
        if places is None:
            await self._places(query, await _Catalogue.current(self.session, self.settings.database_url))
        today = today or local_day(query.as_of or datetime.now(UTC), self.settings.timezone)
        params: dict[str, Any] = {"before": today.replace(day=1) if use_month else today}
        if self._covered is not None:
            params["centres"] = self._covered
        source: tuple[Any, ...]
        if use_month:
            other = next(iter(self._other_dims(query)), None)
            params["months"] = _months(query.date_from, query.date_to)
            if other and other in filters:
                value = filters[other]
                params["key"] = str(value) if isinstance(value, uuid.UUID) else value
            source = ("month", other, bool(other and other in query.group_by), "key" in params)
        else:
            params["date_from"], params["date_to"] = query.date_from, query.date_to
            params.update({f"filter_{name}": value for name, value in filters.items()})
            source = ("day", tuple(d for d in query.group_by if d in OTHER_DIMS), tuple(filters))
        if with_gates:
            params["sent_from"], params["sent_to"] = _complaint_window(query)
        statement = _rollup_statement(
            source,
            period=any(d in TIME_DIMS for d in query.group_by),
            by_province="province" in query.group_by and not ({"district", "commune", "centre"} & set(query.group_by)),
            some_centres=self._covered is not None,
            with_gates=with_gates,
            dialect=self.session.get_bind().dialect.name,
        )
        # Through the session's connection: the statement reads no ORM entities, and the ORM's handling was about a
        # tenth of a one-centre report's time.
        connection = await self.session.connection()
        return _dicts(await connection.execute(statement, params))

    async def _group_key(
        self, query: ReportQuery, row: Any, places: dict[uuid.UUID, dict[str, tuple[str, str]]], names: _Names
    ) -> tuple[tuple[str, str], ...] | None:
        if "province" in row and "centre_id" not in row:
            row = _ProvinceRow(row, self._provinces)
        memo = (
            row["centre_id"],
            row.get("period"),
            row.get("other"),
            *(row.get(d) for d in query.group_by if d in OTHER_DIMS),
        )
        if memo in names.keys:
            return names.keys[memo]
        key = await self._compute_key(query, row, places, names)
        names.keys[memo] = key
        return key

    async def _compute_key(
        self, query: ReportQuery, row: Any, places: dict[uuid.UUID, dict[str, tuple[str, str]]], names: _Names
    ) -> tuple[tuple[str, str], ...] | None:
        place: dict[str, tuple[str, str]] | None = (
            {"province": row.place} if isinstance(row, _ProvinceRow) else places.get(row["centre_id"])
        )
        if place is None:
            return None  # a centre outside the unit or centre asked for
        parts: list[tuple[str, str]] = []
        for dim in query.group_by:
            if dim in PLACE_DIMS:
                parts.append(place[dim])
            elif dim in TIME_DIMS:
                parts.append(period_key(dim, _as_date(row["period"]), query.lang))
            elif dim == "channel":
                value = row.get("other") if "other" in row else row.get("channel")
                parts.append(
                    (
                        value or "",
                        translate(CHANNEL_NAMES[value], query.lang) if value in CHANNEL_NAMES else value or "",
                    )
                )
            else:
                raw = row.get("other") if "other" in row else row.get(dim)
                parts.append(await names.of(dim, raw))
        return tuple(parts)

    async def _add_overdue(
        self,
        query: ReportQuery,
        filters: dict[str, Any],
        places: dict[uuid.UUID, dict[str, tuple[str, str]]],
        names: _Names,
        groups: dict[tuple[tuple[str, str], ...], Tally],
        use_month: bool,
        now: datetime,
        today: date,
    ) -> None:
        """Dossiers in hand that are overdue now, by the day they fell overdue (the due date moved by paused
        time): the rollups hold them by that day (``open_due``). Months before this one came with the month rows
        and days before today with the day rows; this month's earlier days (when months were read) and today
        are added here."""
        month_start = today.replace(day=1)
        if use_month and query.date_from < today and query.date_to >= month_start:
            first, last = max(query.date_from, month_start), min(query.date_to, today - timedelta(days=1))
            for row in await self._open_due_rows(query, filters, first, last):
                key = await self._group_key(query, {**row, "period": first}, places, names)
                if key is not None:
                    groups[key].overdue_open += int(row["open_due"])
        if query.date_from <= today <= query.date_to:
            for fact, count in await self._overdue_today(query, filters, now, today):
                key = await self._group_key(query, fact, places, names)
                if key is not None:
                    groups[key].overdue_open += count

    async def _open_due_rows(
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
        d = _Indexed(RollupDay.__table__, "ix_rollup_day_open_due").c  # type: ignore[arg-type]
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
            *(self._covering(d.centre_id) if centres is None else [d.centre_id.in_(centres)]),
        ]
        for name, value in filters.items():
            conditions.append((d.channel if name == "channel" else getattr(d, OTHER_COLUMN[name])) == value)
        result = await self.session.execute(
            select(*columns, func.sum(d.open_due).label("open_due")).where(*conditions).group_by(*columns)
        )
        return _dicts(result)

    async def _overdue_today(
        self, query: ReportQuery, filters: dict[str, Any], now: datetime, today: date
    ) -> list[tuple[dict[str, Any], int]]:
        """Dossiers in hand that fall overdue today and already have, with how many: those never paused counted
        by their due moment in the database; the others one by one, looked for only where the day rows count
        more today than those."""
        rows = await self._open_due_rows(query, filters, today, today, "centre")
        held = {row["centre_id"]: int(row["open_due"]) for row in rows}
        if not held:
            return []
        zone = ZoneInfo(self.settings.timezone)
        day_start = datetime.combine(today, datetime.min.time(), tzinfo=zone).astimezone(UTC)
        dialect = self.session.get_bind().dialect.name
        empty: Any = literal_column("'[]'::jsonb" if dialect == "postgresql" else "'[]'")

        def dossiers(
            index: str,
            columns: Callable[[Any], list[Any]],
            where: Callable[[Any], tuple[Any, ...]],
            group: Callable[[Any], list[Any]] | None = None,
        ) -> Any:
            d = _Indexed(Dossier.__table__, index).c  # type: ignore[arg-type]
            conditions = [
                d.resolved_at.is_(None),  # both indexes hold only dossiers in hand
                d.status.in_(IN_HAND_STATUSES),
                *self._covering(d.centre_id),
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
        for fact in _dicts(plain):  # never paused: the due moment is the one
            held[fact["centre_id"]] -= int(fact.pop("due"))
            overdue = int(fact.pop("overdue") or 0)
            if overdue:
                facts.append(({**fact, "period": today}, overdue))
        more = {centre for centre, left in held.items() if left > 0}
        if not more:
            return facts
        # Ever paused, at centres whose day rows count more: which keys, then those dossiers, judged one by one.
        rows = await self._open_due_rows(query, filters, today, today, "key", more)
        left = {_day_key(row): int(row["open_due"]) for row in rows}
        plain_keys = await self.session.execute(
            dossiers(
                "ix_dossier_open_due",
                lambda d: [func.count().label("due")],
                lambda d: (*due_today(d), d.centre_id.in_(more)),
                full_key,
            )
        )
        for row in plain_keys:
            left[_day_key(row._mapping)] -= int(row.due)
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
            if _day_key(row._mapping) not in wanted:
                continue
            after = overdue_after(row.due_at, paused_intervals(row.paused))
            if after is not None and after < now and local_day(after, self.settings.timezone) == today:
                facts.append((_fact(row, today), 1))
        return facts

    async def _add_complaints(
        self,
        query: ReportQuery,
        filters: dict[str, Any],
        places: dict[uuid.UUID, dict[str, tuple[str, str]]],
        names: _Names,
        groups: dict[tuple[tuple[str, str], ...], Tally],
    ) -> None:
        """Complaints received in the period (by the day they were sent), and those past their deadline."""
        now = query.as_of or datetime.now(UTC)
        open_flag = Flag.status.not_in(FINAL_STATUSES)
        overdue = open_flag & (func.coalesce(Flag.due_by, Flag.answer_by) < now)
        rows = await self.session.execute(
            select(
                Complaint.centre_id,
                Complaint.counter_id,
                Complaint.staff_id,
                Dossier.agency_id,
                Dossier.procedure_id,
                Complaint.channel,
                Complaint.submitted_at,
                func.coalesce(overdue, False).label("overdue"),
            )
            .outerjoin(Dossier, Dossier.id == Complaint.dossier_id)
            .outerjoin(Flag, Flag.complaint_id == Complaint.id)
            .where(*self._covering(Complaint.centre_id), *_complaints_sent(*_complaint_window(query)))
        )
        for row in rows:
            day = local_day(row.submitted_at, self.settings.timezone)
            if not query.date_from <= day <= query.date_to:
                continue
            if any(
                (row.channel if name == "channel" else getattr(row, f"{name}_id")) != value
                for name, value in filters.items()
            ):
                continue
            key = await self._group_key(query, _Fact(row, day), places, names)
            if key is not None:
                groups[key].complaints += 1
                groups[key].complaints_overdue += 1 if row.overdue else 0

    def _row(
        self, query: ReportQuery, key: tuple[tuple[str, str], ...], tally: Tally, small_rule: bool = True
    ) -> ReportRow:
        c = tally.counts
        levels = {level: c[f"n{level}"] for level in range(1, 6)}
        ratings = sum(levels.values())
        resolved = c["early"] + c["on_time"] + c["late"]
        small = (
            small_rule and any(d in SMALL_GROUP_DIMS for d in query.group_by) and ratings < self.settings.min_group_size
        )
        headline = None if small else satisfaction(levels, query.method)
        note = None
        if small:
            note = translate("report.small_group", query.lang, n=self.settings.min_group_size)
        return ReportRow(
            key=[k for k, _ in key],
            name=[n for _, n in key],
            ratings=ratings,
            satisfied=levels[4] + levels[5],
            satisfaction_pct=_f(headline),
            mean_score=None if small else _f(mean_score(levels)),
            levels={str(level): count for level, count in levels.items()},
            dossiers_resolved=resolved,
            early=c["early"],
            on_time=c["on_time"],
            late=c["late"],
            early_pct=_f(share(c["early"], resolved)),
            on_time_pct=_f(share(c["on_time"], resolved)),
            late_pct=_f(share(c["late"], resolved)),
            overdue_open=tally.overdue_open,
            returned=c["returned"],
            rated_dossiers=c["rated_dossiers"],
            coverage_pct=_f(share(c["rated_dossiers"], c["returned"])),
            complaints=tally.complaints,
            complaints_overdue=tally.complaints_overdue,
            small_group=small,
            note=note,
        )

    # -- reasons -------------------------------------------------------------------------------------
    async def top_reasons(self, query: ReportQuery, limit: int = 10) -> list[tuple[str, int]]:
        """The reasons citizens chose most in the period (whole months), for the places asked, and for the agency,
        procedure or channel asked when one of them is; with several, for them all (``reasons_follow``)."""
        filters = await self._filters(query)
        await self._places(query, await _Catalogue.current(self.session, self.settings.database_url))
        dim, key = "centre", ""
        if len(filters) == 1:
            ((dim, value),) = filters.items()
            key = str(value)
        rows = await self.session.execute(
            select(ReasonMonth.reason, func.sum(ReasonMonth.count).label("n"))
            .where(
                ReasonMonth.dim == dim,
                ReasonMonth.month.in_(_months(query.date_from, query.date_to)),
                *self._covering(ReasonMonth.centre_id),
                ReasonMonth.key == key,
            )
            .group_by(ReasonMonth.reason)
            .order_by(func.sum(ReasonMonth.count).desc(), ReasonMonth.reason)
            .limit(limit)
        )
        return [(row.reason, int(row.n)) for row in rows]


def reasons_follow(query: ReportQuery) -> bool:
    """Whether top reasons follow the query's filters: reasons are counted by one of agency, procedure or channel
    at a time, so with two or more of them they are the places' reasons for every agency, procedure and channel."""
    return sum(1 for name in REASON_DIMS if getattr(query, name)) <= 1


_CATALOGUE_TOKEN = select(catalogue_version.c.token).where(catalogue_version.c.id == 1)
_CATALOGUE_COLUMN = _CATALOGUE_TOKEN.scalar_subquery().label("catalogue")


def _complaint_window(query: ReportQuery) -> tuple[datetime, datetime]:
    """The moments complaints sent in the period fall between, with a day either side (the local day they were
    sent is checked after)."""
    start = datetime.combine(query.date_from, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    end = datetime.combine(query.date_to, datetime.min.time(), tzinfo=UTC) + timedelta(days=2)
    return start, end


def _complaints_sent(start: Any, end: Any) -> list[ColumnElement[bool]]:
    """Complaints sent from ``start`` to before ``end`` (values or bound parameters)."""
    from survey_api.complaints.models import Complaint

    return [Complaint.submitted_at >= start, Complaint.submitted_at < end]


@functools.lru_cache(maxsize=512)
def _rollup_statement(
    source: tuple[Any, ...], *, period: bool, by_province: bool, some_centres: bool, with_gates: bool, dialect: str
) -> Any:
    """The figures' statement for one shape of report, built once per process: every value in it is a bound
    parameter (``centres``, ``months`` or ``date_from``/``date_to``, ``key`` or ``filter_…``, ``before``,
    ``sent_from``/``sent_to``), so building it and working out its cache key are not paid on each report.

    ``source`` is ``("month", other dimension, grouped by it, filtered on it)`` or ``("day", other dimensions
    grouped, dimensions filtered)``."""
    from survey_api.complaints.models import Complaint

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
    statement = _grouped(columns, _sums(source[0] == "month"), conditions, centre, centres, by_province, dialect)
    if with_gates:
        sent: list[ColumnElement[bool]] = [] if centres is None else [Complaint.centre_id.in_(centres)]
        sent += _complaints_sent(bindparam("sent_from"), bindparam("sent_to"))
        statement = statement.add_columns(_CATALOGUE_COLUMN, exists().where(*sent).label("complaints"))
    return statement


def _grouped(
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
def _sums(use_month: bool) -> list[Any]:
    """The counters summed, built once: ``open_due`` only from rows before the month or day bound as ``before``."""
    model: Any = RollupMonth if use_month else RollupDay
    past = (model.month if use_month else model.day) < bindparam("before", type_=Date)
    return [
        func.sum(case((past, model.open_due), else_=0) if c == "open_due" else getattr(model, c)).label(c)
        for c in COUNTERS
    ]


class _Indexed(TableClause):
    """A table read through a named index on SQLite (``INDEXED BY``); the plain table elsewhere. With only
    average counts to go on, SQLite takes a dossier in hand (no resolution yet) for a rare one and would walk the
    index of resolved dossiers by centre, or every day row of every centre, instead of the small partial
    indexes; PostgreSQL chooses well by itself."""

    _traverse_internals = [*TableClause._traverse_internals, ("index", InternalTraversal.dp_string)]
    inherit_cache = True  # the index name is part of the cache key (above)

    def __init__(self, table: Table, index: str) -> None:
        super().__init__(table.name, *(column(c.name, c.type) for c in table.c))
        self.index = index


@compiles(_Indexed)
def _plain_table(element: _Indexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.visit_table(element, **kw))


@compiles(_Indexed, "sqlite")
def _indexed_table(element: _Indexed, compiler: Any, **kw: Any) -> str:
    sql = str(compiler.visit_table(element, **kw))
    return f"{sql} INDEXED BY {element.index}" if kw.get("asfrom") else sql


def _dicts(result: Any) -> list[dict[str, Any]]:
    """Rows as plain dicts (the names read once: a row's mapping builds them anew each time)."""
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


def _day_key(row: Any) -> tuple[Any, ...]:
    """A day row's key without the day, from a rollup or dossier row (no value is the nil id)."""
    return (
        row["centre_id"],
        row["counter_id"] or NIL,
        row["staff_id"] or NIL,
        row["agency_id"] or NIL,
        row["procedure_id"] or NIL,
        row["channel"],
    )


def _fact(row: Any, day: date) -> dict[str, Any]:
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


class _ProvinceRow(dict[str, Any]):
    """A rollup row already summed per province: a stand-in 'centre' whose places all name that province."""

    def __init__(self, row: Any, provinces: dict[str, tuple[str, str]]) -> None:
        super().__init__(row)
        code = row["province"]
        self["centre_id"] = ("province", code)
        self.place = provinces.get(code, (code, code))


class _Fact(dict[str, Any]):
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


class _CatalogueChanged(Exception):
    """The catalogue changed since this process copied it: the report is made again from a fresh copy."""


class _Catalogue:
    """Centres, the units that name their places, and the names of counters, staff, agencies and procedures as
    reports ask for them: kept per process and database while the catalogue's version (``catalogue_version``,
    changed by a trigger on every write to a catalogue table) is the one they were read at."""

    _cache: dict[str, _Catalogue] = {}

    def __init__(self, token: int, centres: Sequence[Any], units: Sequence[Any]) -> None:
        self.token = token
        self.centres = centres
        self.centre_codes = {centre.code: centre for centre in centres}
        self.centre_paths = {centre.id: centre.path for centre in centres}
        self._covered: dict[tuple[Scope, str | None], list[uuid.UUID]] = {}
        self.units = {row.code: (row.code, row.name, row.level) for row in units}
        self.unit_paths = {row.code: row.path for row in units}
        self.provinces = {code: (code, name) for code, name, level in self.units.values() if level == "province"}
        self.names: dict[tuple[str, str], tuple[str, str]] = {}
        """(dimension, id) → (code, name) of counters, staff, agencies and procedures, filled as reports ask."""
        self._places: dict[str, dict[uuid.UUID, dict[str, tuple[str, str]]]] = {}

    @classmethod
    async def current(cls, session: AsyncSession, database: str, check: bool = True) -> _Catalogue:
        """This process's copy: as it is when ``check`` is false (the caller compares versions later), else
        read again if the catalogue has changed since."""
        cached = cls._cache.get(database)
        if cached is not None and not check:
            return cached
        token = await session.scalar(_CATALOGUE_TOKEN)
        if cached is not None and cached.token == token:
            return cached
        centres = (
            await session.execute(
                select(Centre.id, Centre.code, Centre.name, AdminUnit.path).join(
                    AdminUnit, AdminUnit.id == Centre.unit_id
                )
            )
        ).all()
        # Every province and district, and the communes that hold a centre: all a centre's chain can name.
        units = (
            await session.execute(
                select(AdminUnit.code, AdminUnit.name, AdminUnit.level, AdminUnit.path).where(
                    AdminUnit.level.in_(("province", "district")) | AdminUnit.id.in_(select(Centre.unit_id))
                )
            )
        ).all()
        cls._cache[database] = fresh = cls(token or 0, centres, units)
        return fresh

    def covered(self, scope: Scope, unit_path: str | None, centre_id: uuid.UUID | None) -> list[uuid.UUID] | None:
        """The centres ``scope`` sees under the unit at ``unit_path`` (anywhere when None), or only ``centre_id``
        when given: the same centres as ``scope.centres()`` and the unit's subtree select in SQL. None means every
        centre (an admin asking for the whole country)."""
        if centre_id is not None:
            path = self.centre_paths[centre_id]
            sees = scope.sees_centre(centre_id, path) and (unit_path is None or path.startswith(unit_path))
            return [centre_id] if sees else []
        if scope.everything and unit_path is None:
            return None
        found = self._covered.get((scope, unit_path))
        if found is None:
            found = self._covered[(scope, unit_path)] = [
                centre.id
                for centre in self.centres
                if scope.sees_centre(centre.id, centre.path)
                and (unit_path is None or centre.path.startswith(unit_path))
            ]
        return found

    def places(self, lang: str) -> dict[uuid.UUID, dict[str, tuple[str, str]]]:
        """Each centre's province, district, commune and itself, as (code, name)."""
        places = self._places.get(lang)
        if places is None:
            none = translate("report.none", lang)
            places = {}
            for centre in self.centres:
                chain = [self.units[c] for c in centre.path.strip("/").split("/") if c in self.units]
                by_level = {level: (code, name) for code, name, level in chain}
                places[centre.id] = {
                    "province": by_level.get("province", ("", none)),
                    "district": by_level.get("district", ("", none)),
                    "commune": by_level.get("commune", ("", none)),
                    "centre": (centre.code, centre.name),
                }
            self._places[lang] = places
        return places


class _Names:
    """Codes and names of counters, staff, agencies and procedures, looked up once each."""

    MODELS: dict[str, tuple[type[Any], str]] = {
        "counter": (Counter, "name"),
        "staff": (Staff, "full_name"),
        "agency": (Agency, "name"),
        "procedure": (Procedure, "name"),
    }

    def __init__(self, session: AsyncSession, lang: str, cache: dict[tuple[str, str], tuple[str, str]]) -> None:
        self.session = session
        self.lang = lang
        self.cache = cache
        """Shared with the catalogue's copy: good while the catalogue is unchanged."""
        self.keys: dict[tuple[Any, ...], Any] = {}
        """Group keys already computed, by (centre, period, dimension values)."""

    async def prefetch(self, group_by: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        """Look up at once the names the rows will ask for."""
        for dim in group_by:
            if dim not in self.MODELS:
                continue
            idents = {str(row.get("other", row.get(dim))) for row in rows} - {"", "None", str(NIL)}
            idents = {ident for ident in idents if (dim, ident) not in self.cache}
            if not idents:
                continue
            model, name_attr = self.MODELS[dim]
            found = await self.session.execute(
                select(model.id, model.code, getattr(model, name_attr)).where(
                    model.id.in_([uuid.UUID(i) for i in idents])
                )
            )
            for ident, code, name in found:
                self.cache[(dim, str(ident))] = (code, name)

    async def of(self, dim: str, raw: Any) -> tuple[str, str]:
        ident = str(raw) if raw is not None else ""
        if ident in ("", str(NIL)):
            return "", translate("report.none", self.lang)
        cached = self.cache.get((dim, ident))
        if cached is None:
            model, name_attr = self.MODELS[dim]
            row = (
                await self.session.execute(
                    select(model.code, getattr(model, name_attr)).where(model.id == uuid.UUID(ident))
                )
            ).first()
            cached = (row[0], row[1]) if row else (ident, ident)
            self.cache[(dim, ident)] = cached
        return cached


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def default_period(today: date) -> tuple[date, date]:
    """From the first day of this year to the end of this month."""
    return today.replace(month=1, day=1), _month_end(today)


def _day_param(day: date, dialect: str) -> Any:
    """A date to compare with a local-day expression (ISO text on SQLite, a DATE on PostgreSQL)."""
    return literal(day, Date) if dialect == "postgresql" else literal(day.isoformat())
