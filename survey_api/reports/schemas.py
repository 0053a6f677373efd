"""Report answers."""

from __future__ import annotations

from datetime import date

import msgspec


class ReportRow(msgspec.Struct, kw_only=True):
    """One group (or the totals). Shares are percentages with 2 decimals, rounded half up from integer counts."""

    key: list[str]
    """The group's codes, one per ``group_by`` dimension (periods as 2026-06, 2026-Q2, 2026-W24…)."""
    name: list[str]
    ratings: int
    satisfied: int
    satisfaction_pct: float | None
    """By the report's ``method``; null below the minimum group size for staff and counters."""
    mean_score: float | None
    levels: dict[str, int]
    """Ratings per overall level, "1" (rất không hài lòng) … "5" (rất hài lòng)."""
    dossiers_resolved: int
    early: int
    on_time: int
    late: int
    early_pct: float | None
    on_time_pct: float | None
    late_pct: float | None
    overdue_open: int
    """Dossiers still in hand past their due date, now (counted by their due date's period)."""
    returned: int
    rated_dossiers: int
    coverage_pct: float | None
    """Ratings tied to dossiers ÷ returned dossiers."""
    complaints: int
    complaints_overdue: int
    small_group: bool = False
    note: str | None = None


class Report(msgspec.Struct, kw_only=True):
    group_by: list[str]
    date_from: date
    date_to: date
    method: str
    method_label: str
    min_group_size: int
    source: str
    """Which rollup answered: ``month`` or ``day``."""
    rows: list[ReportRow]
    totals: ReportRow
