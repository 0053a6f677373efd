"""``GET /api/v1/reports/integrity``: each centre's integrity score and the findings behind it, as JSON, CSV or XLSX,
within the caller's scope."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from litestar import Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.auth import provide_scope, requires_role
from survey_api.accounts.scope import Scope
from survey_api.accounts.services import user_read
from survey_api.audit.services import user_actor
from survey_api.i18n import N_, translate
from survey_api.integrity.schemas import IntegrityReport
from survey_api.integrity.services import IntegrityService
from survey_api.reports import exports
from survey_api.reports.controllers import REPORT_READERS, build_query

FINDING_COLUMNS = (
    N_("integrity.col.day"),
    N_("integrity.col.kind"),
    N_("integrity.col.centre"),
    N_("integrity.col.counter"),
    N_("integrity.col.staff"),
    N_("integrity.col.dossier"),
    N_("integrity.col.rating"),
    N_("integrity.col.recorded_by"),
    N_("integrity.col.detail"),
)


def provide_integrity(
    db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any], user_scope: NamedDependency[Scope]
) -> IntegrityService:
    state = request.app.state
    return IntegrityService(db_session, state.settings, user_scope, state.caches)


def finding_lines(report: IntegrityReport, lang: str) -> list[list[Any]]:
    """The findings of the page as a table: a header, then one line each (dates as dd/mm/yyyy)."""
    lines: list[list[Any]] = [[translate(key, lang) for key in FINDING_COLUMNS]]
    for f in report.findings:
        detail = "; ".join(f"{k}={v}" for k, v in sorted(f.detail.items()) if v is not None)
        rating = str(f.rating_id) if f.rating_id else None
        lines.append(
            [f"{f.day:%d/%m/%Y}", f.name, f.centre_code, f.counter_code, f.staff_code, f.dossier_code, rating,
             f.recorded_by, detail]
        )  # fmt: skip
    return lines


@get(
    "/api/v1/reports/integrity",
    operation_id="integrity_report",
    tags=["reports"],
    guards=[requires_role(*REPORT_READERS)],
    dependencies={
        "user_scope": Provide(provide_scope, sync_to_thread=False),
        "integrity": Provide(provide_integrity, sync_to_thread=False),
    },
)
async def integrity_report(
    request: Request[Any, Any, Any],
    integrity: NamedDependency[IntegrityService],
    date_from: FromQuery[date | None] = None,
    date_to: FromQuery[date | None] = None,
    unit: FromQuery[str | None] = None,
    centre: FromQuery[str | None] = None,
    kind: FromQuery[str | None] = None,
    limit: FromQuery[int] = 100,
    offset: FromQuery[int] = 0,
    format: FromQuery[Literal["json", "csv", "xlsx"]] = "json",
) -> Response[Any]:
    """Each centre's integrity score (the share of its records with no finding, lowest first) with the kinds found,
    and the findings themselves, newest first, ``limit`` (at most 500) from ``offset``; ``kind`` narrows the list.
    docs/integrity.md gives every rule."""
    query = build_query(
        request, group_by=None, date_from=date_from, date_to=date_to, unit=unit, centre=centre, agency=None,
        procedure=None, channel=None,
    )  # fmt: skip
    report = await integrity.report(query, kind=kind, limit=limit, offset=offset)
    if format == "json":
        return Response(report)
    await integrity.reports.exported(query, format, user_actor(request.user), user_read(request.user).scope_code)
    name = f"liem-chinh-hai-long-{query.date_from:%Y%m%d}-{query.date_to:%Y%m%d}"
    lines = finding_lines(report, query.lang)
    if format == "csv":
        return Response(
            exports.lines_to_csv(lines),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        exports.lines_to_xlsx(lines, translate("integrity.sheet", query.lang)),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )
