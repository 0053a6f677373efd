"""Satisfaction beside timeliness, per any one or two dimensions, read from the rollups.

The database sums rollup rows per centre (and period, and one more dimension when asked); this module then
folds centres into provinces, districts or communes and days or months into weeks, quarters or years. That
keeps every query to thousands of rows whatever the volume of ratings.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.scope import Scope
from survey_api.audit.services import Actor, record
from survey_api.caches import AppCaches
from survey_api.complaints.models import FINAL_STATUSES, Complaint, Flag
from survey_api.dossiers.models import Dossier
from survey_api.errors import InvalidInput, NotFound
from survey_api.i18n import translate
from survey_api.org.models import AdminUnit, Agency, Centre, Procedure
from survey_api.reports.catalogue import CATALOGUE_TOKEN, Catalogue, CatalogueChanged, Names
from survey_api.reports.figures import METHOD_LABELS, mean_score, satisfaction, share
from survey_api.reports.models import COUNTERS, ReasonMonth
from survey_api.reports.overdue import OverdueCount
from survey_api.reports.query import (
    ALL_DIMS,
    CHANNEL_NAMES,
    OTHER_DIMS,
    PLACE_DIMS,
    SMALL_GROUP_DIMS,
    TIME_DIMS,
    ReportQuery,
    Tally,
    as_date,
    as_float,
    month_end,
    months_between,
    period_key,
)
from survey_api.reports.rollups import local_day
from survey_api.reports.schemas import Report, ReportRow
from survey_api.reports.statements import Fact, ProvinceRow, complaint_window, complaints_sent, dicts, rollup_statement
from survey_api.settings import Settings


class ReportService:
    def __init__(self, session: AsyncSession, settings: Settings, scope: Scope, caches: AppCaches) -> None:
        """``caches`` is what the app remembers: the reports' copy of the catalogue (``survey_api.caches``)."""
        self.session = session
        self.settings = settings
        self.scope = scope
        self.caches = caches

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
        catalogue = await Catalogue.current(self.session, self.caches, check=False)
        try:
            return await self._satisfaction(query, catalogue)
        except CatalogueChanged:
            catalogue = await Catalogue.current(self.session, self.caches)
            return await self._satisfaction(query, catalogue, check=False)

    async def _satisfaction(self, query: ReportQuery, catalogue: Catalogue, check: bool = True) -> Report:
        filters = await self._filters(query)
        places = await self._places(query, catalogue)
        use_month = self._month_source(query)
        groups: dict[tuple[tuple[str, str], ...], Tally] = defaultdict(Tally)
        names = Names(self.session, query.lang, catalogue.names)
        now = query.as_of or datetime.now(UTC)
        today = local_day(now, self.settings.timezone)

        # With the figures come the catalogue's version and whether any complaint was sent in the period
        # (most centres' months have none, and then the complaints are not read).
        summed = await self._rollup_rows(query, filters, use_month, places, today, with_gates=True)
        if check:
            seen = summed[0]["catalogue"] if summed else await self.session.scalar(CATALOGUE_TOKEN)
            if seen != catalogue.token:
                raise CatalogueChanged
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
        if query.date_from.day != 1 or query.date_to != month_end(query.date_to):
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

    async def _places(self, query: ReportQuery, catalogue: Catalogue) -> dict[uuid.UUID, dict[str, tuple[str, str]]]:
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

    def _overdue(self) -> OverdueCount:
        return OverdueCount(self.session, self.settings.timezone, self.covering)

    def covering(self, centre: Any) -> list[ColumnElement[bool]]:
        """``centre`` (a centre id column) among the centres the last report covered (scope ∩ unit ∩ centre): no
        condition when that is every centre. Other reports of the same scope (integrity) filter their rows by it."""
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
            await self._places(query, await Catalogue.current(self.session, self.caches))
        today = today or local_day(query.as_of or datetime.now(UTC), self.settings.timezone)
        params: dict[str, Any] = {"before": today.replace(day=1) if use_month else today}
        if self._covered is not None:
            params["centres"] = self._covered
        source: tuple[Any, ...]
        if use_month:
            other = next(iter(self._other_dims(query)), None)
            params["months"] = months_between(query.date_from, query.date_to)
            if other and other in filters:
                value = filters[other]
                params["key"] = str(value) if isinstance(value, uuid.UUID) else value
            source = ("month", other, bool(other and other in query.group_by), "key" in params)
        else:
            params["date_from"], params["date_to"] = query.date_from, query.date_to
            params.update({f"filter_{name}": value for name, value in filters.items()})
            source = ("day", tuple(d for d in query.group_by if d in OTHER_DIMS), tuple(filters))
        if with_gates:
            params["sent_from"], params["sent_to"] = complaint_window(query)
        statement = rollup_statement(
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
        return dicts(await connection.execute(statement, params))

    async def _group_key(
        self, query: ReportQuery, row: Any, places: dict[uuid.UUID, dict[str, tuple[str, str]]], names: Names
    ) -> tuple[tuple[str, str], ...] | None:
        if "province" in row and "centre_id" not in row:
            row = ProvinceRow(row, self._provinces)
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
        self, query: ReportQuery, row: Any, places: dict[uuid.UUID, dict[str, tuple[str, str]]], names: Names
    ) -> tuple[tuple[str, str], ...] | None:
        place: dict[str, tuple[str, str]] | None = (
            {"province": row.place} if isinstance(row, ProvinceRow) else places.get(row["centre_id"])
        )
        if place is None:
            return None  # a centre outside the unit or centre asked for
        parts: list[tuple[str, str]] = []
        for dim in query.group_by:
            if dim in PLACE_DIMS:
                parts.append(place[dim])
            elif dim in TIME_DIMS:
                parts.append(period_key(dim, as_date(row["period"]), query.lang))
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
        names: Names,
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
            for row in await self._overdue().open_due_rows(query, filters, first, last):
                key = await self._group_key(query, {**row, "period": first}, places, names)
                if key is not None:
                    groups[key].overdue_open += int(row["open_due"])
        if query.date_from <= today <= query.date_to:
            for fact, count in await self._overdue().overdue_today(query, filters, now, today):
                key = await self._group_key(query, fact, places, names)
                if key is not None:
                    groups[key].overdue_open += count

    async def _add_complaints(
        self,
        query: ReportQuery,
        filters: dict[str, Any],
        places: dict[uuid.UUID, dict[str, tuple[str, str]]],
        names: Names,
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
            .where(*self.covering(Complaint.centre_id), *complaints_sent(*complaint_window(query)))
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
            key = await self._group_key(query, Fact(row, day), places, names)
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
            satisfaction_pct=as_float(headline),
            mean_score=None if small else as_float(mean_score(levels)),
            levels={str(level): count for level, count in levels.items()},
            dossiers_resolved=resolved,
            early=c["early"],
            on_time=c["on_time"],
            late=c["late"],
            early_pct=as_float(share(c["early"], resolved)),
            on_time_pct=as_float(share(c["on_time"], resolved)),
            late_pct=as_float(share(c["late"], resolved)),
            overdue_open=tally.overdue_open,
            returned=c["returned"],
            rated_dossiers=c["rated_dossiers"],
            coverage_pct=as_float(share(c["rated_dossiers"], c["returned"])),
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
        await self._places(query, await Catalogue.current(self.session, self.caches))
        dim, key = "centre", ""
        if len(filters) == 1:
            ((dim, value),) = filters.items()
            key = str(value)
        rows = await self.session.execute(
            select(ReasonMonth.reason, func.sum(ReasonMonth.count).label("n"))
            .where(
                ReasonMonth.dim == dim,
                ReasonMonth.month.in_(months_between(query.date_from, query.date_to)),
                *self.covering(ReasonMonth.centre_id),
                ReasonMonth.key == key,
            )
            .group_by(ReasonMonth.reason)
            .order_by(func.sum(ReasonMonth.count).desc(), ReasonMonth.reason)
            .limit(limit)
        )
        return [(row.reason, int(row.n)) for row in rows]
