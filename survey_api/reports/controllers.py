"""``GET /api/v1/reports/satisfaction``: the figures as JSON, CSV or XLSX, within the caller's scope."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from litestar import Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.auth import provide_scope, requires_role
from survey_api.accounts.scope import Scope
from survey_api.accounts.services import user_read
from survey_api.audit.services import user_actor
from survey_api.errors import InvalidInput
from survey_api.i18n import request_language, translate
from survey_api.reports import exports
from survey_api.reports.query import ALL_DIMS, ReportQuery, default_period
from survey_api.reports.schemas import Report
from survey_api.reports.services import ReportService

REPORT_READERS = ("admin", "province", "director", "supervisor", "viewer")
GroupBy = Annotated[
    str | None,
    QueryParameter(description=f"One or two of {', '.join(ALL_DIMS)}, comma-separated, e.g. centre,month"),
]


def provide_reports(
    db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any], user_scope: NamedDependency[Scope]
) -> ReportService:
    state = request.app.state
    return ReportService(db_session, state.settings, user_scope, state.caches)


def build_query(request: Request[Any, Any, Any], **params: Any) -> ReportQuery:
    """A ReportQuery from query parameters; the period defaults to this year up to the end of this month."""
    settings = request.app.state.settings
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    start, end = default_period(today)
    group_by = tuple(d.strip() for d in (params.pop("group_by") or "").split(",") if d.strip())
    return ReportQuery(
        date_from=params.pop("date_from") or start,
        date_to=params.pop("date_to") or end,
        group_by=group_by,
        lang=request_language(request),
        **params,
    )


@get(
    "/api/v1/reports/satisfaction",
    operation_id="satisfaction_report",
    tags=["reports"],
    guards=[requires_role(*REPORT_READERS)],
    dependencies={
        "user_scope": Provide(provide_scope, sync_to_thread=False),
        "reports": Provide(provide_reports, sync_to_thread=False),
    },
)
async def satisfaction_report(
    request: Request[Any, Any, Any],
    reports: NamedDependency[ReportService],
    group_by: GroupBy = None,
    date_from: FromQuery[date | None] = None,
    date_to: FromQuery[date | None] = None,
    unit: FromQuery[str | None] = None,
    centre: FromQuery[str | None] = None,
    agency: FromQuery[str | None] = None,
    procedure: FromQuery[str | None] = None,
    channel: FromQuery[str | None] = None,
    method: FromQuery[Literal["top2", "not_dissatisfied", "mean"]] = "top2",
    format: FromQuery[Literal["json", "csv", "xlsx"]] = "json",
) -> Response[Any]:
    """Satisfaction beside timeliness, coverage and complaints, grouped by up to two dimensions (local dates)."""
    query = build_query(
        request,
        group_by=group_by,
        date_from=date_from,
        date_to=date_to,
        unit=unit,
        centre=centre,
        agency=agency,
        procedure=procedure,
        channel=channel,
        method=method,
    )
    report: Report = await reports.satisfaction(query)
    if format == "json":
        return Response(report)
    name = f"bao-cao-hai-long-{query.date_from:%Y%m%d}-{query.date_to:%Y%m%d}"
    user = request.user
    await reports.exported(query, format, user_actor(user), user_read(user).scope_code)
    if format == "csv":
        return Response(
            exports.to_csv(report, query.lang),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "xlsx":
        return Response(
            exports.to_xlsx(report, query.lang, translate("export.sheet", query.lang)),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    raise InvalidInput("format must be json, csv or xlsx", field="format")  # pragma: no cover - Literal checks it
