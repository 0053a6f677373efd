"""The figures pages: overview (cards, charts, sortable tables), centre drill-down, printable report, and
plotly.js served from the installed plotly package. Thin: build a ReportQuery, ask ReportService, hand the rows
to the templates and the figure builders."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import plotly
import plotly.graph_objects as go
from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import File, Template
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard import charts, messages, views
from survey_api.accounts.auth import provide_scope
from survey_api.accounts.models import User
from survey_api.accounts.scope import Scope
from survey_api.accounts.services import user_read
from survey_api.errors import InvalidInput, NotFound
from survey_api.i18n import format_day, format_int, format_pct, page_context, translate
from survey_api.org.services import KINDS, CatalogueService, ListFilter
from survey_api.ratings.surveys import active_instrument
from survey_api.reports.controllers import REPORT_READERS, provide_reports, satisfaction_report
from survey_api.reports.figures import METHOD_LABELS
from survey_api.reports.query import CHANNEL_NAMES, ReportQuery, default_period, reasons_follow
from survey_api.reports.schemas import Report, ReportRow
from survey_api.reports.services import ReportService

del messages  # imported for its texts
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
RATING_CHANNELS = ("kiosk", "qr", "web")
DOSSIER_CHANNELS = ("counter", "online", "postal")


def provide_catalogue(
    db_session: NamedDependency[AsyncSession], user_scope: NamedDependency[Scope]
) -> CatalogueService:
    return CatalogueService(db_session, user_scope)


@dataclasses.dataclass
class Filters:
    """The GET form's values as typed (kept to refill the form), and the query they make."""

    values: dict[str, str]
    query: ReportQuery
    error: str | None = None

    @property
    def params(self) -> dict[str, str]:
        """The filters as query parameters (empty ones left out), for links that keep them."""
        return {k: v for k, v in self.values.items() if v}

    def link(self, **extra: str) -> str:
        return urlencode({**self.params, **extra})


FILTER_NAMES = ("date_from", "date_to", "unit", "agency", "procedure", "channel", "method")
"""The filter form's fields, read from the query string by every figures page."""


def read_filters(request: Request[Any, Any, Any], centre: str | None = None) -> Filters:
    """A ReportQuery from the filter form (the query string); a bad date is reported on the page and the default
    period used. On a centre's page the centre replaces the unit filter."""
    names = [n for n in FILTER_NAMES if not (centre and n == "unit")]
    values = {name: request.query_params.get(name) for name in names}
    settings = request.app.state.settings
    lang = page_context(request)["lang"]
    start, end = default_period(datetime.now(ZoneInfo(settings.timezone)).date())
    typed = {k: (v or "").strip() for k, v in values.items()}
    error = None
    days: dict[str, date] = {}
    for name, fallback in (("date_from", start), ("date_to", end)):
        try:
            days[name] = views.parse_day(typed.get(name)) or fallback
        except ValueError:
            error = translate("filter.bad_date", lang, value=typed.get(name))
            days[name] = fallback
    method = typed.get("method") or "top2"
    if method not in METHOD_LABELS:
        method = "top2"
    typed["method"] = method
    typed["date_from"], typed["date_to"] = days["date_from"].isoformat(), days["date_to"].isoformat()
    query = ReportQuery(
        date_from=days["date_from"],
        date_to=days["date_to"],
        unit=typed.get("unit") or None,
        centre=centre,
        agency=typed.get("agency") or None,
        procedure=typed.get("procedure") or None,
        channel=typed.get("channel") or None,
        method=method,  # type: ignore[arg-type]
        lang=lang,
    )
    return Filters(typed, query, error)


def figure_json(fig: go.Figure) -> str:
    """The figure as JSON safe inside a ``<script>`` element (no ``</script>`` can close it early)."""
    return fig.to_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class DashboardPages(Controller):
    path = "/dashboard"
    include_in_schema = False
    dependencies = {
        "user_scope": Provide(provide_scope, sync_to_thread=False),
        "catalogue": Provide(provide_catalogue, sync_to_thread=False),
        "reports": Provide(provide_reports, sync_to_thread=False),
    }

    # -- shared pieces ---------------------------------------------------------------------------------
    def _staff_page(self, request: Request[User, Any, Any]) -> Template:
        return Template("dashboard/staff.html", context={**page_context(request), "me": user_read(request.user)})

    async def _scope_name(self, request: Request[User, Any, Any], catalogue: CatalogueService) -> str | None:
        me = user_read(request.user)
        if not me.scope_code:
            return None
        kind = KINDS["centres" if me.scope_kind == "centre" else "units"]
        rows, _ = await catalogue.find(kind, ListFilter(q=me.scope_code), limit=20, offset=0)
        return next((row.name for row in rows if row.code == me.scope_code), None)

    async def _options(self, catalogue: CatalogueService, lang: str) -> dict[str, Any]:
        async def visible(kind: str) -> list[Any]:
            rows, _ = await catalogue.find(KINDS[kind], ListFilter(active=True), limit=2000, offset=0)
            return rows

        def channels(codes: tuple[str, ...]) -> list[tuple[str, str]]:
            return [(c, translate(CHANNEL_NAMES[c], lang)) for c in codes]

        return {
            "units": sorted(await visible("units"), key=lambda unit: unit.path),  # as a tree
            "agencies": await visible("agencies"),
            "procedures": await visible("procedures"),
            "rating_channels": channels(RATING_CHANNELS),
            "dossier_channels": channels(DOSSIER_CHANNELS),
            "methods": [(code, translate(key, lang)) for code, key in METHOD_LABELS.items()],
        }

    def _table(
        self,
        request: Request[Any, Any, Any],
        name: str,
        report: Report,
        filters: Filters,
        sort: str | None,
        export: dict[str, str],
    ) -> dict[str, Any]:
        """A sortable table: headings with sort links and ``aria-sort``, rows sorted, totals, download links."""
        lang, method = filters.query.lang, filters.query.method
        current = views.parse_sort(sort)
        param = f"{name}_sort"
        keep = {**filters.params, **{k: v for k, v in request.query_params.items() if k.endswith("_sort")}}

        def label(key: str) -> str:
            if key == "col.name":
                return translate(f"col.name.{name}", lang)
            if key == "col.satisfaction":
                return translate(views.HEADLINE_LABEL[method], lang)
            return translate(key, lang)

        rows = views.sort_rows(report.rows, *current)
        api = next(iter(satisfaction_report.paths))
        base = {**filters.params, **export}
        return {
            "name": name,
            "title": translate(f"table.{name}", lang),
            "headings": views.headings(keep, param, current, label, name),
            "rows": [{"row": row, "cells": [views.cell(row, c, method, lang) for c in views.COLUMNS]} for row in rows],
            "totals": [views.cell(report.totals, c, method, lang) for c in views.COLUMNS],
            "csv": f"{api}?{urlencode({**base, 'format': 'csv'})}",
            "xlsx": f"{api}?{urlencode({**base, 'format': 'xlsx'})}",
        }

    def _cards(self, totals: ReportRow, method: str, lang: str) -> dict[str, Any]:
        headline_key = {"top2": "card.satisfaction", "not_dissatisfied": "card.not_dissatisfied", "mean": "card.mean"}
        n = lambda v: format_int(v, lang)  # noqa: E731
        return {
            "headline_label": translate(headline_key[method], lang),
            "headline": views.format_headline(totals.satisfaction_pct, method, lang),
            "headline_sub": translate("card.score_of", lang, ratings=n(totals.ratings))
            if method == "mean"
            else translate("card.satisfied_of", lang, satisfied=n(totals.satisfied), ratings=n(totals.ratings))
            if method == "top2"
            else translate("card.ratings_sub", lang),
            "ratings": n(totals.ratings),
            "coverage": format_pct(totals.coverage_pct, lang),
            "coverage_sub": translate(
                "card.coverage_of", lang, rated=n(totals.rated_dossiers), returned=n(totals.returned)
            ),
            "early": format_pct(totals.early_pct, lang),
            "on_time": format_pct(totals.on_time_pct, lang),
            "late": format_pct(totals.late_pct, lang),
            "resolved": translate("card.resolved", lang, n=n(totals.dossiers_resolved)),
            "overdue_open": translate("card.overdue_open", lang, n=n(totals.overdue_open)),
            "complaints": n(totals.complaints),
            "complaints_sub": translate("card.complaints_sub", lang, n=n(totals.complaints_overdue)),
        }

    async def _month_figure(self, reports: ReportService, query: ReportQuery) -> dict[str, Any]:
        lang, method = query.lang, query.method
        by_month = await reports.satisfaction(dataclasses.replace(query, group_by=("month",)))
        axis = {"top2": "chart.satisfaction_axis", "not_dissatisfied": "chart.not_dissatisfied_axis"}
        fig = charts.satisfaction_by_month(
            [f"{row.key[0][5:7]}/{row.key[0][:4]}" for row in by_month.rows],  # 2026-06 → 06/2026
            [row.satisfaction_pct if row.ratings else None for row in by_month.rows],
            [row.ratings for row in by_month.rows],
            x_title=translate("chart.month", lang),
            y_title=translate(axis.get(method, "chart.mean_axis"), lang),
            ratings_label=translate("chart.ratings", lang),
            is_score=method == "mean",
            lang=lang,
        )
        title = "chart.by_month_score" if method == "mean" else "chart.by_month"
        return {"id": "fig-month", "title": translate(title, lang), "json": figure_json(fig)}

    async def _instrument_labels(self, db_session: AsyncSession, lang: str) -> tuple[dict[int, str], dict[str, Any]]:
        """Level labels and reasons (label, praise or not) from the survey definition."""
        try:
            definition = (await active_instrument(db_session)).definition
        except NotFound:
            return {level: str(level) for level in range(1, 6)}, {}
        levels = {lv["value"]: lv["label"].get(lang, lv["label"]["vi"]) for lv in definition["overall"]["levels"]}
        reasons = {
            r["code"]: (r["label"].get(lang, r["label"]["vi"]), min(r["levels"]) <= 2) for r in definition["reasons"]
        }
        return levels, reasons

    # -- pages -----------------------------------------------------------------------------------------
    @get("/", operation_id="dashboard_home", name="dashboard")
    async def home(
        self,
        request: Request[User, Any, Any],
        reports: NamedDependency[ReportService],
        catalogue: NamedDependency[CatalogueService],
        db_session: NamedDependency[AsyncSession],
        centres_sort: FromQuery[str | None] = None,
        districts_sort: FromQuery[str | None] = None,
    ) -> Template:
        """Satisfaction beside timeliness for the user's scope: cards, charts, tables per centre and district."""
        if request.user.role not in REPORT_READERS:
            return self._staff_page(request)
        filters = read_filters(request)
        context = {
            **page_context(request),
            "me": user_read(request.user),
            "scope_name": await self._scope_name(request, catalogue),
            "options": await self._options(catalogue, filters.query.lang),
            "filters": filters,
        }
        try:
            context.update(await self._overview(request, reports, db_session, filters, centres_sort, districts_sort))
        except (InvalidInput, NotFound) as exc:
            context["error"] = translate("filter.invalid", filters.query.lang, message=exc.message)
        if filters.error:
            context["error"] = filters.error
        return Template("dashboard/home.html", context=context)

    async def _overview(
        self,
        request: Request[User, Any, Any],
        reports: ReportService,
        db_session: AsyncSession,
        filters: Filters,
        centres_sort: str | None,
        districts_sort: str | None,
    ) -> dict[str, Any]:
        query = filters.query
        lang, method = query.lang, query.method
        t = lambda key, **v: translate(key, lang, **v)  # noqa: E731
        by_centre = await reports.satisfaction(dataclasses.replace(query, group_by=("centre",)))
        by_district = await reports.satisfaction(dataclasses.replace(query, group_by=("district",)))
        totals = by_centre.totals
        level_labels, reason_info = await self._instrument_labels(db_session, lang)
        reasons = await reports.top_reasons(query)
        is_score = method == "mean"
        axis = {"top2": "chart.satisfaction_axis", "not_dissatisfied": "chart.not_dissatisfied_axis"}
        y_title = t(axis.get(method, "chart.mean_axis"))
        rows = views.sort_rows(by_centre.rows, "ratings", True)
        names = [row.name[0] for row in rows]
        figures = [await self._month_figure(reports, query)]
        figures.append(
            {
                "id": "fig-bubble",
                "title": t("chart.bubble"),
                "note": t("chart.bubble_note"),
                "json": figure_json(
                    charts.satisfaction_against_late(
                        names,
                        [row.satisfaction_pct for row in rows],
                        [row.late_pct for row in rows],
                        [row.ratings for row in rows],
                        x_title=t("chart.late_axis"),
                        y_title=y_title,
                        ratings_label=t("chart.ratings"),
                        is_score=is_score,
                        lang=lang,
                    )
                ),
            }
        )
        figures.append(
            {
                "id": "fig-timeliness",
                "title": t("chart.timeliness"),
                "wide": True,
                "json": figure_json(
                    charts.timeliness_bars(
                        names,
                        [row.early for row in rows],
                        [row.on_time for row in rows],
                        [row.late for row in rows],
                        labels=(t("early"), t("on_time"), t("late")),
                        x_title=t("chart.share_axis"),
                        count_label=t("chart.dossiers"),
                        lang=lang,
                    )
                ),
            }
        )
        figures.append(
            {
                "id": "fig-levels",
                "title": t("chart.levels"),
                "json": figure_json(
                    charts.level_distribution(
                        {int(k): v for k, v in totals.levels.items()},
                        level_labels,
                        y_title=t("chart.ratings"),
                        lang=lang,
                    )
                ),
            }
        )
        figures.append(
            {
                "id": "fig-reasons",
                "title": t("chart.reasons"),
                # Reasons follow one of agency, procedure and channel at a time: say so when the page has more.
                "note": t("chart.reasons_note") if reasons_follow(query) else t("chart.reasons_unfiltered"),
                "empty": t("chart.no_reasons") if not reasons else None,
                "json": figure_json(
                    charts.top_reasons(
                        [reason_info.get(code, (code, False))[0] for code, _ in reasons],
                        [count for _, count in reasons],
                        [reason_info.get(code, (code, False))[1] for code, _ in reasons],
                        x_title=t("chart.times_chosen"),
                        legend=(t("chart.praise"), t("chart.complaint")),
                        lang=lang,
                    )
                ),
            }
        )
        tables = [self._table(request, "centres", by_centre, filters, centres_sort, {"group_by": "centre"})]
        if any(row.key[0] for row in by_district.rows):
            tables.append(
                self._table(request, "districts", by_district, filters, districts_sort, {"group_by": "district"})
            )
        return {
            "totals": totals,
            "cards": self._cards(totals, method, lang),
            "method_label": by_centre.method_label,
            "period": t("period", start=format_day(query.date_from, lang), end=format_day(query.date_to, lang)),
            "figures": figures,
            "tables": tables,
            "report_link": f"{request.app.route_reverse('dashboard_report')}?{filters.link()}",
            "plotly_version": plotly.__version__,
        }

    @get("/centres/{code:str}", operation_id="dashboard_centre", name="dashboard_centre")
    async def centre(
        self,
        request: Request[User, Any, Any],
        code: FromPath[str],
        reports: NamedDependency[ReportService],
        catalogue: NamedDependency[CatalogueService],
        counters_sort: FromQuery[str | None] = None,
        staff_sort: FromQuery[str | None] = None,
        procedures_sort: FromQuery[str | None] = None,
    ) -> Template:
        """One centre in your scope: its cards and month line, and tables per counter, staff and procedure."""
        if request.user.role not in REPORT_READERS:
            return self._staff_page(request)
        filters = read_filters(request, centre=code)
        query, lang = filters.query, filters.query.lang
        by_counter = await reports.satisfaction(dataclasses.replace(query, group_by=("counter",)))  # 404 if not yours
        rows, _ = await catalogue.find(KINDS["centres"], ListFilter(q=code), limit=20, offset=0)
        name = next((row.name for row in rows if row.code == code), code)
        by_staff = await reports.satisfaction(dataclasses.replace(query, group_by=("staff",)))
        by_procedure = await reports.satisfaction(dataclasses.replace(query, group_by=("procedure",)))
        export = {"centre": code}
        tables = [
            self._table(request, "counters", by_counter, filters, counters_sort, {**export, "group_by": "counter"}),
            self._table(request, "staff", by_staff, filters, staff_sort, {**export, "group_by": "staff"}),
            self._table(
                request, "procedures", by_procedure, filters, procedures_sort, {**export, "group_by": "procedure"}
            ),
        ]
        totals = by_counter.totals
        return Template(
            "dashboard/centre.html",
            context={
                **page_context(request),
                "me": user_read(request.user),
                "centre_code": code,
                "centre_name": name,
                "options": await self._options(catalogue, lang),
                "filters": filters,
                "error": filters.error,
                "totals": totals,
                "cards": self._cards(totals, query.method, lang),
                "method_label": by_counter.method_label,
                "min_group_size": by_counter.min_group_size,
                "period": translate(
                    "period", lang, start=format_day(query.date_from, lang), end=format_day(query.date_to, lang)
                ),
                "figures": [{**await self._month_figure(reports, query), "wide": True}],
                "tables": tables,
                "report_link": f"{request.app.route_reverse('dashboard_report')}?{filters.link()}",
                "plotly_version": plotly.__version__,
            },
        )

    @get("/report", operation_id="dashboard_report", name="dashboard_report")
    async def report(
        self,
        request: Request[User, Any, Any],
        reports: NamedDependency[ReportService],
        catalogue: NamedDependency[CatalogueService],
    ) -> Template:
        """The period's report as a province office sends it up: title, period, tables, method, summary."""
        if request.user.role not in REPORT_READERS:
            return self._staff_page(request)
        filters = read_filters(request)
        query, lang = filters.query, filters.query.lang
        by_centre = await reports.satisfaction(dataclasses.replace(query, group_by=("centre",)))
        by_district = await reports.satisfaction(dataclasses.replace(query, group_by=("district",)))
        scope_name = await self._scope_name(request, catalogue)
        if len(by_centre.rows) == 1:
            subject = by_centre.rows[0].name[0]
        else:
            subject = translate("report.subject_many", lang, n=format_int(len(by_centre.rows), lang))
        tables = [self._table(request, "centres", by_centre, filters, "-ratings", {"group_by": "centre"})]
        if any(row.key[0] for row in by_district.rows):
            tables.append(self._table(request, "districts", by_district, filters, "-ratings", {"group_by": "district"}))
        today = datetime.now(ZoneInfo(request.app.state.settings.timezone)).date()
        return Template(
            "dashboard/report.html",
            context={
                **page_context(request),
                "issuer": (scope_name or translate("report.all_scope", lang)).upper(),
                "period": translate(
                    "period", lang, start=format_day(query.date_from, lang), end=format_day(query.date_to, lang)
                ),
                "made_on": translate("report.made_on", lang, day=format_day(today, lang)),
                "method_label": by_centre.method_label,
                "sentences": views.summary(by_centre.totals, query.method, lang, subject),
                "tables": tables,
                "back_link": f"{request.app.route_reverse('dashboard')}?{filters.link()}",
                "error": filters.error,
            },
        )

    @get("/assets/plotly.min.js", operation_id="dashboard_plotly_js", name="plotly_js")
    async def plotly_js(self) -> File:
        """plotly.js from the installed plotly package (never a CDN), cached for a year."""
        return File(
            path=PLOTLY_JS,
            media_type="text/javascript",
            content_disposition_type="inline",
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )
