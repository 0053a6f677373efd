"""The integrity report's answer."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import msgspec


class KindCount(msgspec.Struct, kw_only=True):
    kind: str
    name: str
    count: int


class MonthCount(msgspec.Struct, kw_only=True):
    month: str
    """``2026-06``."""
    kind: str
    count: int


class StatisticalFinding(msgspec.Struct, kw_only=True):
    """A test on the period's figures (docs/integrity.md): the centre's share against its peers'."""

    kind: str
    name: str
    ratings: int
    share_pct: float
    """The centre's share of top ratings (improbable_top_share) or of low ones (no_low_ratings: 0)."""
    peers_pct: float
    """The same share among the other centres of its province in the report."""
    p_value: float
    """The chance of a result at least this extreme if the centre were like its peers."""


class CentreIntegrity(msgspec.Struct, kw_only=True):
    centre_code: str
    centre_name: str
    score: float | None
    """0–100: the share of the centre's records of the period with no finding (null with no record at all)."""
    records: int
    """Ratings counted plus dossiers resolved or overdue in the period (the satisfaction report's figures)."""
    flagged: int
    """Distinct dossiers and ratings with at least one finding."""
    dossiers_with_dates_changed: int
    changed_by: dict[str, int]
    """Dossiers whose dates were moved, per integration key (or ``import``) that moved them."""
    reasons: list[KindCount]
    statistics: list[StatisticalFinding]
    """The period's statistical findings for the centre (not counted in the score)."""


class FindingRead(msgspec.Struct, kw_only=True):
    kind: str
    name: str
    centre_code: str
    counter_code: str | None
    staff_code: str | None
    kiosk_id: uuid.UUID | None
    dossier_code: str | None
    rating_id: uuid.UUID | None
    day: date
    detail: dict[str, Any]
    recorded_by: str | None


class IntegrityReport(msgspec.Struct, kw_only=True):
    date_from: date
    date_to: date
    method: str
    centres: list[CentreIntegrity]
    """Lowest score first."""
    months: list[MonthCount]
    """Findings of every kind per month of the period (all centres of the report)."""
    findings: list[FindingRead]
    """Newest day first, ``limit`` from ``offset``."""
    total: int
    limit: int
    offset: int
