"""The figures pages' filter form: read from the query string into a ReportQuery, kept as typed to refill the form.
A bad date is reported on the page, never a 500."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Request

from dashboard import views
from survey_api.i18n import page_context, translate
from survey_api.reports.figures import METHOD_LABELS
from survey_api.reports.query import ReportQuery, default_period


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
