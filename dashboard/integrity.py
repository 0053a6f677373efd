"""The integrity page: centres ranked by integrity score, findings by kind and month, the findings themselves, and a
dossier's history as a timeline (each value, when it was recorded, by whom). Readers of reports, within their scope;
staff are shown their own page."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import plotly
from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard import charts, pages
from dashboard.controllers import NotAReportReader, provide_catalogue, report_readers, staff_page
from dashboard.filters import read_filters
from survey_api.accounts.auth import provide_scope
from survey_api.accounts.models import User
from survey_api.accounts.scope import Scope
from survey_api.accounts.services import user_read
from survey_api.dossiers.models import DossierStatus
from survey_api.dossiers.services import DossierService
from survey_api.errors import InvalidInput, NotFound
from survey_api.i18n import N_, format_day, format_int, format_moment, format_pct, page_context, translate
from survey_api.integrity.controllers import provide_integrity
from survey_api.integrity.models import FindingKind
from survey_api.integrity.services import STORED_KINDS, IntegrityService, kind_name
from survey_api.org.services import CatalogueService

PAGE = 50
STATUS_NAMES: dict[str, str] = {
    DossierStatus.RECEIVED: N_("integrity.dossier_status.received"),
    DossierStatus.IN_PROGRESS: N_("integrity.dossier_status.in_progress"),
    DossierStatus.PAUSED: N_("integrity.dossier_status.paused"),
    DossierStatus.RESOLVED: N_("integrity.dossier_status.resolved"),
    DossierStatus.RETURNED: N_("integrity.dossier_status.returned"),
    DossierStatus.REJECTED: N_("integrity.dossier_status.rejected"),
    DossierStatus.WITHDRAWN: N_("integrity.dossier_status.withdrawn"),
}
"""Each dossier status's message key, for the history's status column."""
DATE_FIELDS = ("received_at", "due_at", "resolved_at", "returned_at")


def provide_dossiers(db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any]) -> DossierService:
    state = request.app.state
    return DossierService(db_session, state.settings, state.writes)


class IntegrityPages(Controller):
    path = "/dashboard/integrity"
    include_in_schema = False
    guards = [report_readers]
    dependencies = {
        "user_scope": Provide(provide_scope, sync_to_thread=False),
        "catalogue": Provide(provide_catalogue, sync_to_thread=False),
        "integrity": Provide(provide_integrity, sync_to_thread=False),
        "dossiers": Provide(provide_dossiers, sync_to_thread=False),
    }
    exception_handlers = {NotAReportReader: staff_page}  # type: ignore[dict-item]

    @get("/", operation_id="integrity_page", name="integrity")
    async def overview(
        self,
        request: Request[User, Any, Any],
        integrity: NamedDependency[IntegrityService],
        catalogue: NamedDependency[CatalogueService],
        kind: FromQuery[str | None] = None,
        offset: FromQuery[int] = 0,
    ) -> Template:
        """Centres by integrity score (lowest first), findings by kind and month, and the findings, 50 a page."""
        filters = read_filters(request)
        query, lang = filters.query, filters.query.lang
        kind = kind if kind in STORED_KINDS else None
        context: dict[str, Any] = {
            **page_context(request),
            "me": user_read(request.user),
            "options": await pages.filter_options(catalogue, lang),
            "filters": filters,
            "kinds": [(k.value, kind_name(k, lang)) for k in FindingKind if k in STORED_KINDS],
            "kind": kind or "",
            "period": pages.period_text(query),
            "plotly_version": plotly.__version__,
            "fmt_int": lambda n: format_int(n, lang),
            "fmt_day": lambda d: format_day(d, lang),
            "fmt_pct": lambda v: format_pct(v, lang),
            "error": filters.error,
        }
        try:
            report = await integrity.report(query, kind=kind, limit=PAGE, offset=max(0, offset))
        except (InvalidInput, NotFound) as exc:
            context["error"] = translate("filter.invalid", lang, message=exc.message)
            return Template("dashboard/integrity.html", context=context)
        months = sorted({m.month for m in report.months})
        series: dict[str, list[int]] = defaultdict(lambda: [0] * len(months))
        for m in report.months:
            series[kind_name(m.kind, lang)][months.index(m.month)] += m.count
        figures = []
        if months:
            fig = charts.findings_by_month(
                [f"{m[5:7]}/{m[:4]}" for m in months],
                dict(series),
                x_title=translate("chart.month", lang),
                y_title=translate("integrity.chart_axis", lang),
                lang=lang,
            )
            figures.append({"id": "fig-findings", "title": translate("integrity.chart", lang),
                            "json": pages.figure_json(fig), "wide": True})  # fmt: skip
        link = {**filters.params, **({"kind": kind} if kind else {})}
        next_offset = report.offset + PAGE
        context.update(
            report=report,
            figures=figures,
            newer_link="?" + urlencode({**link, "offset": max(0, report.offset - PAGE)}) if report.offset else None,
            older_link="?" + urlencode({**link, "offset": next_offset}) if next_offset < report.total else None,
            export_links={
                fmt: "/api/v1/reports/integrity?" + urlencode({**link, "format": fmt}) for fmt in ("csv", "xlsx")
            },
            fmt_score=lambda s: pages.format_score(s, lang),
        )
        return Template("dashboard/integrity.html", context=context)

    @get("/dossiers/{code:str}", operation_id="integrity_dossier_page", name="integrity_dossier")
    async def dossier(
        self,
        request: Request[User, Any, Any],
        code: FromPath[str],
        dossiers: NamedDependency[DossierService],
        user_scope: NamedDependency[Scope],
    ) -> Template:
        """A dossier's history: every event as recorded, when, by which key, and whether it was applied, with the
        dates it claimed beside the dates judged by now. A dossier outside your scope is a 404."""
        lang = page_context(request)["lang"]
        dossier = await dossiers.get(code, user_scope)
        events = await dossiers.history(dossier)
        tz = request.app.state.settings.timezone

        def moment(value: Any) -> str:
            if not value:
                return "—"
            parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            return format_moment(parsed, lang, tz)

        timeline = [
            {
                "recorded": moment(e.recorded_at),
                "event": moment(e.event_at),
                "source": e.source,
                "status": translate(STATUS_NAMES[e.status], lang) if e.status in STATUS_NAMES else e.status,
                "applied": e.applied,
                "dates": [moment(e.payload.get(name)) for name in DATE_FIELDS],
            }
            for e in events
        ]
        read = await dossiers.read(dossier)
        return Template(
            "dashboard/integrity_dossier.html",
            context={
                **page_context(request),
                "code": code,
                "centre": dossier.centre.name,
                "timeline": timeline,
                "judged": [moment(getattr(dossier, name)) for name in DATE_FIELDS],
                "timeliness": read.timeliness,
                "back_link": request.app.route_reverse("integrity"),
            },
        )
