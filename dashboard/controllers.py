"""The figures pages: overview (cards, charts, sortable tables), centre drill-down, printable report, and
plotly.js served from the installed plotly package. Thin: read the filters, ask ReportService, hand the rows to the
page builders (``dashboard/pages.py``) and the templates. Staff, who read no reports, get their own page instead."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import plotly
from litestar import Controller, Request, get
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.response import File, Template
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard import pages, views
from dashboard.filters import read_filters
from survey_api.accounts.auth import provide_scope
from survey_api.accounts.models import User
from survey_api.accounts.scope import Scope
from survey_api.accounts.services import user_read
from survey_api.errors import InvalidInput, NotFound
from survey_api.i18n import format_day, format_int, page_context, translate
from survey_api.integrity.controllers import provide_integrity
from survey_api.integrity.services import IntegrityService
from survey_api.org.services import KINDS, CatalogueService, ListFilter
from survey_api.reports.controllers import REPORT_READERS, provide_reports
from survey_api.reports.services import ReportService

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def provide_catalogue(
    db_session: NamedDependency[AsyncSession], user_scope: NamedDependency[Scope]
) -> CatalogueService:
    return CatalogueService(db_session, user_scope)


class NotAReportReader(Exception):
    """A staff member opened a figures page; they are shown their own page instead."""


def report_readers(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """The guard of the figures pages: those who read reports pass; a staff member gets the staff page."""
    user = connection.scope.get("user")
    if user is None:
        raise NotAuthorizedException("Login required")
    if not isinstance(user, User):
        raise PermissionDeniedException("A person's login is needed")
    if user.role not in REPORT_READERS:
        raise NotAReportReader


def staff_page(request: Request[User, Any, Any], _: NotAReportReader) -> Template:
    return Template("dashboard/staff.html", context=pages.staff_context(request))


class DashboardPages(Controller):
    path = "/dashboard"
    include_in_schema = False
    dependencies = {
        "user_scope": Provide(provide_scope, sync_to_thread=False),
        "catalogue": Provide(provide_catalogue, sync_to_thread=False),
        "reports": Provide(provide_reports, sync_to_thread=False),
        "integrity": Provide(provide_integrity, sync_to_thread=False),
    }
    exception_handlers = {NotAReportReader: staff_page}  # type: ignore[dict-item]

    @get("/", operation_id="dashboard_home", name="dashboard", guards=[report_readers])
    async def home(
        self,
        request: Request[User, Any, Any],
        reports: NamedDependency[ReportService],
        catalogue: NamedDependency[CatalogueService],
        db_session: NamedDependency[AsyncSession],
        integrity: NamedDependency[IntegrityService],
        centres_sort: FromQuery[str | None] = None,
        districts_sort: FromQuery[str | None] = None,
    ) -> Template:
        """Satisfaction beside timeliness for the user's scope: cards, charts, tables per centre and district."""
        filters = read_filters(request)
        context = {
            **page_context(request),
            "me": user_read(request.user),
            "scope_name": await pages.scope_name(request, catalogue),
            "options": await pages.filter_options(catalogue, filters.query.lang),
            "filters": filters,
        }
        sorts = {"centres": centres_sort, "districts": districts_sort}
        try:
            context.update(await pages.overview(request, reports, db_session, filters, sorts))
            context["integrity"] = await pages.integrity_line(integrity, filters)
        except (InvalidInput, NotFound) as exc:
            context["error"] = translate("filter.invalid", filters.query.lang, message=exc.message)
        if filters.error:
            context["error"] = filters.error
        return Template("dashboard/home.html", context=context)

    @get("/centres/{code:str}", operation_id="dashboard_centre", name="dashboard_centre", guards=[report_readers])
    async def centre(
        self,
        request: Request[User, Any, Any],
        code: FromPath[str],
        reports: NamedDependency[ReportService],
        catalogue: NamedDependency[CatalogueService],
        integrity: NamedDependency[IntegrityService],
        counters_sort: FromQuery[str | None] = None,
        staff_sort: FromQuery[str | None] = None,
        procedures_sort: FromQuery[str | None] = None,
    ) -> Template:
        """One centre in your scope: its cards and month line, and tables per counter, staff and procedure."""
        filters = read_filters(request, centre=code)
        query, lang = filters.query, filters.query.lang
        by_counter = await reports.satisfaction(dataclasses.replace(query, group_by=("counter",)))  # 404 if not yours
        rows, _ = await catalogue.find(KINDS["centres"], ListFilter(q=code), limit=20, offset=0)
        name = next((row.name for row in rows if row.code == code), code)
        by_staff = await reports.satisfaction(dataclasses.replace(query, group_by=("staff",)))
        by_procedure = await reports.satisfaction(dataclasses.replace(query, group_by=("procedure",)))
        export = {"centre": code}
        tables = [
            pages.sortable_table(
                request, "counters", by_counter, filters, counters_sort, {**export, "group_by": "counter"}
            ),
            pages.sortable_table(request, "staff", by_staff, filters, staff_sort, {**export, "group_by": "staff"}),
            pages.sortable_table(
                request, "procedures", by_procedure, filters, procedures_sort, {**export, "group_by": "procedure"}
            ),
        ]
        totals = by_counter.totals
        integrity_figures = await pages.integrity_line(integrity, filters)
        return Template(
            "dashboard/centre.html",
            context={
                **page_context(request),
                "me": user_read(request.user),
                "centre_code": code,
                "centre_name": name,
                "options": await pages.filter_options(catalogue, lang),
                "filters": filters,
                "error": filters.error,
                "totals": totals,
                "cards": pages.headline_cards(totals, query.method, lang),
                "method_label": by_counter.method_label,
                "min_group_size": by_counter.min_group_size,
                "period": pages.period_text(query),
                "figures": [{**await pages.month_figure(reports, query), "wide": True}],
                "tables": tables,
                "report_link": f"{request.app.route_reverse('dashboard_report')}?{filters.link()}",
                "plotly_version": plotly.__version__,
                "integrity": integrity_figures,
            },
        )

    @get("/report", operation_id="dashboard_report", name="dashboard_report", guards=[report_readers])
    async def report(
        self,
        request: Request[User, Any, Any],
        reports: NamedDependency[ReportService],
        catalogue: NamedDependency[CatalogueService],
        integrity: NamedDependency[IntegrityService],
    ) -> Template:
        """The period's report as a province office sends it up: title, period, tables, method, summary."""
        filters = read_filters(request)
        query, lang = filters.query, filters.query.lang
        by_centre = await reports.satisfaction(dataclasses.replace(query, group_by=("centre",)))
        by_district = await reports.satisfaction(dataclasses.replace(query, group_by=("district",)))
        scope_name = await pages.scope_name(request, catalogue)
        if len(by_centre.rows) == 1:
            subject = by_centre.rows[0].name[0]
        else:
            subject = translate("report.subject_many", lang, n=format_int(len(by_centre.rows), lang))
        tables = [pages.sortable_table(request, "centres", by_centre, filters, "-ratings", {"group_by": "centre"})]
        if any(row.key[0] for row in by_district.rows):
            tables.append(
                pages.sortable_table(request, "districts", by_district, filters, "-ratings", {"group_by": "district"})
            )
        today = datetime.now(ZoneInfo(request.app.state.settings.timezone)).date()
        return Template(
            "dashboard/report.html",
            context={
                **page_context(request),
                "issuer": (scope_name or translate("report.all_scope", lang)).upper(),
                "period": pages.period_text(query),
                "made_on": translate("report.made_on", lang, day=format_day(today, lang)),
                "method_label": by_centre.method_label,
                "sentences": views.summary(by_centre.totals, query.method, lang, subject),
                "tables": tables,
                "back_link": f"{request.app.route_reverse('dashboard')}?{filters.link()}",
                "integrity": await pages.integrity_line(integrity, filters),
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
