"""CSV and XLSX downloads of a report, with Vietnamese (or English) headers; the same numbers as the JSON."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from survey_api.i18n import N_, translate
from survey_api.reports.schemas import Report, ReportRow

DIM_LABELS = {
    "province": (N_("dim.code.province"), N_("dim.province")),
    "district": (N_("dim.code.district"), N_("dim.district")),
    "commune": (N_("dim.code.commune"), N_("dim.commune")),
    "centre": (N_("dim.code.centre"), N_("dim.centre")),
    "counter": (N_("dim.code.counter"), N_("dim.counter")),
    "staff": (N_("dim.code.staff"), N_("dim.staff")),
    "agency": (N_("dim.code.agency"), N_("dim.agency")),
    "procedure": (N_("dim.code.procedure"), N_("dim.procedure")),
    "channel": (N_("dim.code.channel"), N_("dim.channel")),
    "day": (N_("dim.code.day"), N_("dim.day")),
    "week": (N_("dim.code.week"), N_("dim.week")),
    "month": (N_("dim.code.month"), N_("dim.month")),
    "quarter": (N_("dim.code.quarter"), N_("dim.quarter")),
    "year": (N_("dim.code.year"), N_("dim.year")),
}
"""Each dimension's message keys: the header of its code column, then of its name column."""
COLUMNS: list[tuple[str, str]] = [
    ("ratings", N_("export.col.ratings")),
    ("satisfied", N_("export.col.satisfied")),
    ("satisfaction_pct", N_("export.col.satisfaction_pct")),
    ("mean_score", N_("export.col.mean_score")),
    ("level_1", N_("export.col.level_1")),
    ("level_2", N_("export.col.level_2")),
    ("level_3", N_("export.col.level_3")),
    ("level_4", N_("export.col.level_4")),
    ("level_5", N_("export.col.level_5")),
    ("dossiers_resolved", N_("export.col.dossiers_resolved")),
    ("early", N_("export.col.early")),
    ("on_time", N_("export.col.on_time")),
    ("late", N_("export.col.late")),
    ("early_pct", N_("export.col.early_pct")),
    ("on_time_pct", N_("export.col.on_time_pct")),
    ("late_pct", N_("export.col.late_pct")),
    ("overdue_open", N_("export.col.overdue_open")),
    ("returned", N_("export.col.returned")),
    ("rated_dossiers", N_("export.col.rated_dossiers")),
    ("coverage_pct", N_("export.col.coverage_pct")),
    ("complaints", N_("export.col.complaints")),
    ("complaints_overdue", N_("export.col.complaints_overdue")),
    ("note", N_("export.col.note")),
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Text starting with one of these is taken for a formula by spreadsheet programs (OWASP "CSV injection")."""


def is_formula_like(value: Any) -> bool:
    """Text a spreadsheet would run as a formula, such as a centre named ``=HYPERLINK(...)``."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """A value as written to CSV: empty for none; formula-like text behind a ``'`` so it stays text."""
    if value is None:
        return ""
    return "'" + value if is_formula_like(value) else value


def headers(report: Report, lang: str) -> list[str]:
    names: list[str] = []
    for dim in report.group_by:
        names += [translate(key, lang) for key in DIM_LABELS[dim]]
    return names + [translate(key, lang) for _, key in COLUMNS]


def _value(row: ReportRow, column: str) -> Any:
    if column.startswith("level_"):
        return row.levels[column[-1]]
    return getattr(row, column)


def table(report: Report, lang: str) -> list[list[Any]]:
    """Header, one line per row, then the totals: the numbers exactly as in the JSON."""
    lines: list[list[Any]] = [headers(report, lang)]
    for row in report.rows:
        keys: list[Any] = []
        for code, name in zip(row.key, row.name, strict=True):
            keys += [code, name]
        lines.append(keys + [_value(row, c) for c, _ in COLUMNS])
    total_keys: list[Any] = []
    for index in range(len(report.group_by)):
        total_keys += ["", translate("export.total", lang) if index == 0 else ""]
    lines.append(total_keys + [_value(report.totals, c) for c, _ in COLUMNS])
    return lines


def to_csv(report: Report, lang: str) -> bytes:
    return lines_to_csv(table(report, lang))


def to_xlsx(report: Report, lang: str, title: str) -> bytes:
    return lines_to_xlsx(table(report, lang), title, bold_last=True)


def lines_to_csv(lines: list[list[Any]]) -> bytes:
    """A table (header first) as CSV in UTF-8 with a BOM, formula-like text kept as text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in lines:
        writer.writerow([csv_cell(v) for v in line])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM lets Excel read Vietnamese correctly


def lines_to_xlsx(lines: list[list[Any]], title: str, bold_last: bool = False) -> bytes:
    """A table (header first, in bold and frozen) as one XLSX sheet named ``title``; the last line in bold too
    when it holds the totals."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for line in lines:
        sheet.append(line)
        for cell in sheet[sheet.max_row]:
            if is_formula_like(cell.value):
                cell.data_type = "s"  # openpyxl made it a formula; text it is, whatever it starts with
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    if bold_last:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
