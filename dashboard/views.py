"""What the figures pages show, as pure functions of report rows: table columns and sorting, sort links,
headline formatting and the report's summary sentences. No database, no request: unit-tested directly."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal

from dashboard import messages
from survey_api.i18n import LOCALES, format_int, format_pct, translate
from survey_api.reports.schemas import ReportRow

del messages  # imported for its texts


def parse_day(value: str | None) -> date | None:
    """``2026-06-30`` (what date inputs send) or ``30/06/2026``; empty is None; anything else raises."""
    text = (value or "").strip()
    if not text:
        return None
    if "/" in text:
        return datetime.strptime(text, "%d/%m/%Y").date()
    return date.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    """Message key of the heading."""
    value: Callable[[ReportRow], Any]
    kind: str = "int"
    """``text``, ``int``, ``pct`` or ``headline`` (a percentage or, for the mean method, a score)."""


def _name(row: ReportRow) -> str:
    return " · ".join(row.name)


COLUMNS: tuple[Column, ...] = (
    Column("name", "col.name", _name, "text"),
    Column("ratings", "col.ratings", lambda r: r.ratings),
    Column("satisfaction", "col.satisfaction", lambda r: r.satisfaction_pct, "headline"),
    Column("coverage", "col.coverage", lambda r: r.coverage_pct, "pct"),
    Column("resolved", "col.resolved", lambda r: r.dossiers_resolved),
    Column("early", "col.early", lambda r: r.early_pct, "pct"),
    Column("on_time", "col.on_time", lambda r: r.on_time_pct, "pct"),
    Column("late", "col.late", lambda r: r.late_pct, "pct"),
    Column("overdue", "col.overdue", lambda r: r.overdue_open),
    Column("complaints", "col.complaints", lambda r: r.complaints),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
HEADLINE_LABEL = {"top2": "col.satisfaction", "not_dissatisfied": "col.not_dissatisfied", "mean": "col.mean"}
DEFAULT_SORT = "-ratings"


def parse_sort(value: str | None, default: str = DEFAULT_SORT) -> tuple[str, bool]:
    """``-ratings`` → (``ratings``, descending). Unknown columns fall back to ``default``."""
    raw = (value or "").strip() or default
    descending = raw.startswith("-")
    key = raw.lstrip("-+")
    if key not in COLUMN_BY_KEY:
        return parse_sort(default, default) if raw != default else ("ratings", True)
    return key, descending


_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_TONES = {"\u0300": 1, "\u0301": 2, "\u0303": 3, "\u0309": 4, "\u0323": 5}  # huyền, sắc, ngã, hỏi, nặng


def _text_key(text: str) -> tuple[list[tuple[int, str]], list[int]]:
    """Vietnamese alphabetical order: letters first (a ă â b … d đ …), tone marks only to break ties."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    letters = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    tones = [_TONES[ch] for ch in decomposed if ch in _TONES]
    return [
        (_ALPHABET.find(ch) if ch in _ALPHABET else -1 if ch.isspace() else 100 + ord(ch), ch) for ch in letters
    ], tones


def sort_rows(rows: Sequence[ReportRow], key: str, descending: bool) -> list[ReportRow]:
    """Rows ordered by one column; rows without a value (no base, too few ratings) always go last."""
    column = COLUMN_BY_KEY[key]
    present = [r for r in rows if column.value(r) is not None]
    missing = [r for r in rows if column.value(r) is None]

    def order(row: ReportRow) -> Any:
        value = column.value(row)
        return _text_key(value) if column.kind == "text" else value

    return sorted(present, key=order, reverse=descending) + missing


@dataclass(frozen=True, slots=True)
class Heading:
    key: str
    label: str
    href: str
    aria_sort: str | None
    """``ascending`` / ``descending`` on the sorted column, else None (no attribute)."""
    numeric: bool


def headings(
    params: Mapping[str, str], param: str, current: tuple[str, bool], label: Callable[[str], str], anchor: str
) -> list[Heading]:
    """Column headings whose links sort by that column (again: the other direction), keeping the filters."""
    key, descending = current
    result = []
    for column in COLUMNS:
        if column.key == key:
            target = column.key if descending else f"-{column.key}"
            aria = "descending" if descending else "ascending"
        else:
            target = column.key if column.kind == "text" else f"-{column.key}"
            aria = None
        query = urlencode({**{k: v for k, v in params.items() if v and k != param}, param: target})
        result.append(Heading(column.key, label(column.label), f"?{query}#{anchor}", aria, column.kind != "text"))
    return result


def format_score(value: float | None, lang: str = "vi") -> str:
    """4.62 → ``4,62`` (Vietnamese) or ``4.62``; None → an em dash."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.00", locale=LOCALES[lang])


def format_headline(value: float | None, method: str, lang: str = "vi") -> str:
    """The headline figure as the method gives it: a percentage, or a score for ``mean``."""
    return format_score(value, lang) if method == "mean" else format_pct(value, lang)


def cell(row: ReportRow, column: Column, method: str, lang: str) -> str:
    value = column.value(row)
    if column.kind == "text":
        return str(value)
    if column.kind == "headline":
        return format_headline(value, method, lang)
    if column.kind == "pct":
        return format_pct(value, lang)
    return format_int(int(value or 0), lang)


def summary(totals: ReportRow, method: str, lang: str, subject: str) -> list[str]:
    """The report's sentences: ratings and the headline, timeliness, overdue, coverage, complaints."""

    def t(key: str, **values: Any) -> str:
        return translate(key, lang, **values)

    def n(value: int) -> str:
        return format_int(value, lang)

    sentences = []
    if totals.ratings:
        sentences.append(
            t(
                "report.sentence_pct",
                subject=subject,
                ratings=n(totals.ratings),
                measure=t(f"report.measure.{method}"),
                value=format_headline(totals.satisfaction_pct, method, lang),
            )
        )
    else:
        sentences.append(t("report.sentence_none", subject=subject))
    if totals.dossiers_resolved:
        sentences.append(
            t(
                "report.sentence_timeliness",
                resolved=n(totals.dossiers_resolved),
                early=n(totals.early),
                on_time=n(totals.on_time),
                late=n(totals.late),
                early_pct=format_pct(totals.early_pct, lang),
                on_time_pct=format_pct(totals.on_time_pct, lang),
                late_pct=format_pct(totals.late_pct, lang),
            )
        )
    else:
        sentences.append(t("report.sentence_no_dossier"))
    if totals.overdue_open:
        sentences.append(t("report.sentence_overdue", n=n(totals.overdue_open)))
    if totals.returned:
        sentences.append(
            t(
                "report.sentence_coverage",
                pct=format_pct(totals.coverage_pct, lang),
                rated=n(totals.rated_dossiers),
                returned=n(totals.returned),
            )
        )
    if totals.complaints:
        sentences.append(t("report.sentence_complaints", n=n(totals.complaints), overdue=n(totals.complaints_overdue)))
    return sentences
