"""CSV and XLSX downloads of a report, with Vietnamese (or English) headers; the same numbers as the JSON."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from survey_api.reports.schemas import Report, ReportRow

DIM_LABELS = {
    "province": {"vi": "Tỉnh", "en": "Province"},
    "district": {"vi": "Huyện", "en": "District"},
    "commune": {"vi": "Xã", "en": "Commune"},
    "centre": {"vi": "Trung tâm/Bộ phận Một cửa", "en": "Centre"},
    "counter": {"vi": "Quầy", "en": "Counter"},
    "staff": {"vi": "Cán bộ", "en": "Staff"},
    "agency": {"vi": "Cơ quan", "en": "Agency"},
    "procedure": {"vi": "Thủ tục", "en": "Procedure"},
    "channel": {"vi": "Kênh", "en": "Channel"},
    "day": {"vi": "Ngày", "en": "Day"},
    "week": {"vi": "Tuần", "en": "Week"},
    "month": {"vi": "Tháng", "en": "Month"},
    "quarter": {"vi": "Quý", "en": "Quarter"},
    "year": {"vi": "Năm", "en": "Year"},
}
COLUMNS: list[tuple[str, dict[str, str]]] = [
    ("ratings", {"vi": "Số lượt đánh giá", "en": "Ratings"}),
    ("satisfied", {"vi": "Số lượt hài lòng", "en": "Satisfied"}),
    ("satisfaction_pct", {"vi": "Tỷ lệ hài lòng (%)", "en": "Satisfaction (%)"}),
    ("mean_score", {"vi": "Điểm trung bình", "en": "Mean score"}),
    ("level_1", {"vi": "Rất không hài lòng", "en": "Very dissatisfied"}),
    ("level_2", {"vi": "Không hài lòng", "en": "Dissatisfied"}),
    ("level_3", {"vi": "Bình thường", "en": "Neutral"}),
    ("level_4", {"vi": "Hài lòng", "en": "Satisfied (level)"}),
    ("level_5", {"vi": "Rất hài lòng", "en": "Very satisfied"}),
    ("dossiers_resolved", {"vi": "Hồ sơ đã giải quyết", "en": "Dossiers resolved"}),
    ("early", {"vi": "Trước hạn", "en": "Early"}),
    ("on_time", {"vi": "Đúng hạn", "en": "On time"}),
    ("late", {"vi": "Trễ hạn", "en": "Late"}),
    ("early_pct", {"vi": "Tỷ lệ trước hạn (%)", "en": "Early (%)"}),
    ("on_time_pct", {"vi": "Tỷ lệ đúng hạn (%)", "en": "On time (%)"}),
    ("late_pct", {"vi": "Tỷ lệ trễ hạn (%)", "en": "Late (%)"}),
    ("overdue_open", {"vi": "Hồ sơ quá hạn chưa giải quyết", "en": "Open past due"}),
    ("returned", {"vi": "Hồ sơ đã trả kết quả", "en": "Dossiers returned"}),
    ("rated_dossiers", {"vi": "Hồ sơ được đánh giá", "en": "Dossiers rated"}),
    ("coverage_pct", {"vi": "Tỷ lệ hồ sơ được đánh giá (%)", "en": "Coverage (%)"}),
    ("complaints", {"vi": "Phản ánh", "en": "Complaints"}),
    ("complaints_overdue", {"vi": "Phản ánh quá hạn", "en": "Complaints overdue"}),
    ("note", {"vi": "Ghi chú", "en": "Note"}),
]
TOTAL = {"vi": "Tổng cộng", "en": "Total"}
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
        label = DIM_LABELS[dim][lang]
        names += [f"Mã {label.lower()}" if lang == "vi" else f"{label} code", label]
    return names + [label[lang] for _, label in COLUMNS]


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
        total_keys += ["", TOTAL[lang] if index == 0 else ""]
    lines.append(total_keys + [_value(report.totals, c) for c, _ in COLUMNS])
    return lines


def to_csv(report: Report, lang: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in table(report, lang):
        writer.writerow([csv_cell(v) for v in line])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM lets Excel read Vietnamese correctly


def to_xlsx(report: Report, lang: str, title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for line in table(report, lang):
        sheet.append(line)
        for cell in sheet[sheet.max_row]:
            if is_formula_like(cell.value):
                cell.data_type = "s"  # openpyxl made it a formula; text it is, whatever it starts with
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
