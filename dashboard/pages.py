"""Page builders for the figures pages: the pieces a handler puts in a template's context (cards, sortable tables,
charts as plotly JSON, filter options, the scope's name). Each takes the report rows it shows; none reads the request
beyond its query string and the user."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

import plotly
import plotly.graph_objects as go
from babel.numbers import format_decimal
from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard import charts, messages, views
from dashboard.filters import Filters
from survey_api.accounts.models import User
from survey_api.accounts.services import user_read
from survey_api.errors import NotFound
from survey_api.i18n import LOCALES, format_day, format_int, format_pct, page_context, translate
from survey_api.integrity.services import IntegrityService
from survey_api.org.services import KINDS, CatalogueService, ListFilter
from survey_api.ratings.surveys import active_instrument
from survey_api.reports.controllers import satisfaction_report
from survey_api.reports.figures import METHOD_LABELS
from survey_api.reports.query import CHANNEL_NAMES, ReportQuery, reasons_follow
from survey_api.reports.schemas import Report, ReportRow
from survey_api.reports.services import ReportService

del messages  # imported for its texts
RATING_CHANNELS = ("kiosk", "qr", "web")
DOSSIER_CHANNELS = ("counter", "online", "postal")
AXIS_TITLE = {"top2": "chart.satisfaction_axis", "not_dissatisfied": "chart.not_dissatisfied_axis"}


def figure_json(fig: go.Figure) -> str:
    """The figure as JSON safe inside a ``<script>`` element (no ``</script>`` can close it early)."""
    return fig.to_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def period_text(query: ReportQuery) -> str:
    """The period as the pages head it: "Kỳ báo cáo: từ ngày 01/06/2026 đến ngày 30/06/2026"."""
    lang = query.lang
    return translate("period", lang, start=format_day(query.date_from, lang), end=format_day(query.date_to, lang))


def staff_context(request: Request[User, Any, Any]) -> dict[str, Any]:
    """A staff member's own page (figures are for those who read reports): who they are, the way to their inbox."""
    return {**page_context(request), "me": user_read(request.user)}


async def scope_name(request: Request[User, Any, Any], catalogue: CatalogueService) -> str | None:
    """The name of the centre or unit the user's login is limited to (None for the whole province)."""
    me = user_read(request.user)
    if not me.scope_code:
        return None
    kind = KINDS["centres" if me.scope_kind == "centre" else "units"]
    rows, _ = await catalogue.find(kind, ListFilter(q=me.scope_code), limit=20, offset=0)
    return next((row.name for row in rows if row.code == me.scope_code), None)


async def filter_options(catalogue: CatalogueService, lang: str) -> dict[str, Any]:
    """The filter form's choices: the places, agencies and procedures the user may see, channels and methods."""

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


def sortable_table(
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


def headline_cards(totals: ReportRow, method: str, lang: str) -> dict[str, Any]:
    """The cards over the charts: satisfaction by the chosen method, coverage, timeliness, complaints."""
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


async def month_figure(reports: ReportService, query: ReportQuery) -> dict[str, Any]:
    """Satisfaction month by month (the number of ratings in the hover)."""
    lang, method = query.lang, query.method
    by_month = await reports.satisfaction(dataclasses.replace(query, group_by=("month",)))
    fig = charts.satisfaction_by_month(
        [f"{row.key[0][5:7]}/{row.key[0][:4]}" for row in by_month.rows],  # 2026-06 → 06/2026
        [row.satisfaction_pct if row.ratings else None for row in by_month.rows],
        [row.ratings for row in by_month.rows],
        x_title=translate("chart.month", lang),
        y_title=translate(AXIS_TITLE.get(method, "chart.mean_axis"), lang),
        ratings_label=translate("chart.ratings", lang),
        is_score=method == "mean",
        lang=lang,
    )
    title = "chart.by_month_score" if method == "mean" else "chart.by_month"
    return {"id": "fig-month", "title": translate(title, lang), "json": figure_json(fig)}


async def instrument_labels(db_session: AsyncSession, lang: str) -> tuple[dict[int, str], dict[str, Any]]:
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


async def overview(
    request: Request[User, Any, Any],
    reports: ReportService,
    db_session: AsyncSession,
    filters: Filters,
    sorts: dict[str, str | None],
) -> dict[str, Any]:
    """The home page's figures for the filters: cards, the five charts, the tables per centre and district."""
    query = filters.query
    lang, method = query.lang, query.method
    t = lambda key, **v: translate(key, lang, **v)  # noqa: E731
    by_centre = await reports.satisfaction(dataclasses.replace(query, group_by=("centre",)))
    by_district = await reports.satisfaction(dataclasses.replace(query, group_by=("district",)))
    totals = by_centre.totals
    level_labels, reason_info = await instrument_labels(db_session, lang)
    reasons = await reports.top_reasons(query)
    rows = views.sort_rows(by_centre.rows, "ratings", True)
    names = [row.name[0] for row in rows]
    figures = [
        await month_figure(reports, query),
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
                    y_title=t(AXIS_TITLE.get(method, "chart.mean_axis")),
                    ratings_label=t("chart.ratings"),
                    is_score=method == "mean",
                    lang=lang,
                )
            ),
        },
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
        },
        {
            "id": "fig-levels",
            "title": t("chart.levels"),
            "json": figure_json(
                charts.level_distribution(
                    {int(k): v for k, v in totals.levels.items()}, level_labels, y_title=t("chart.ratings"), lang=lang
                )
            ),
        },
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
        },
    ]
    tables = [sortable_table(request, "centres", by_centre, filters, sorts.get("centres"), {"group_by": "centre"})]
    if any(row.key[0] for row in by_district.rows):
        tables.append(
            sortable_table(request, "districts", by_district, filters, sorts.get("districts"), {"group_by": "district"})
        )
    return {
        "totals": totals,
        "cards": headline_cards(totals, method, lang),
        "method_label": by_centre.method_label,
        "period": period_text(query),
        "figures": figures,
        "tables": tables,
        "report_link": f"{request.app.route_reverse('dashboard_report')}?{filters.link()}",
        "plotly_version": plotly.__version__,
    }


def format_score(score: float | None, lang: str) -> str:
    """An integrity score (0–100) with one decimal in ``lang`` (``98,7`` in Vietnamese); an em dash for none."""
    return "—" if score is None else format_decimal(score, format="#,##0.0", locale=LOCALES[lang])


async def integrity_line(integrity: IntegrityService, filters: Filters) -> dict[str, Any]:
    """The scope's integrity beside its figures (docs/integrity.md): the share of its records with no finding, the
    centres with findings or an improbable figure, and a link to the integrity page for the same period and area."""
    query = dataclasses.replace(filters.query, agency=None, procedure=None, channel=None)
    report = await integrity.report(query, limit=1)
    records = sum(c.records for c in report.centres)
    flagged = sum(c.flagged for c in report.centres)
    score = None if records == 0 and flagged == 0 else round(100 * max(0.0, 1 - flagged / max(records, flagged)), 1)
    link = {k: v for k, v in filters.params.items() if k in ("date_from", "date_to", "unit")}
    lang = query.lang
    return {
        "score": format_score(score, lang),
        "findings": format_int(report.total, lang),
        "centres": format_int(sum(1 for c in report.centres if c.flagged or c.statistics), lang),
        "statistics": sum(len(c.statistics) for c in report.centres),
        "link": "/dashboard/integrity?" + urlencode(link),
        "method": report.method,
    }
