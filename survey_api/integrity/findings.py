"""The integrity rules that look at one record as it is written: a subscriber of the write path
(``survey_api.writes``), so a finding is stored in the same transaction as what it is about.

Dossier events: ``entered_late``, ``ticked_late``, ``due_moved``, ``resolved_moved``, ``late_to_on_time``.
Ratings: ``rated_before_return`` and ``backdated_rating``. docs/integrity.md gives each rule and its threshold.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.dossiers.models import Dossier
from survey_api.dossiers.timeliness import Timeliness, classify
from survey_api.integrity.models import Finding, FindingKind
from survey_api.reports.rollups import local_day, paused_intervals
from survey_api.settings import Settings
from survey_api.writes import DossierChange, DossierState, RatingRow

WORSE = (Timeliness.LATE, Timeliness.OVERDUE)
BETTER = (Timeliness.EARLY, Timeliness.ON_TIME)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _verdict(state: DossierState, now: datetime, tz: str) -> Timeliness | None:
    return classify(state.due_at, state.resolved_at, now, paused_intervals(state.paused), tz)


FindingRow = dict[str, Any]
"""A finding's column values (``integrity_finding``), stored by ``store``."""


async def store(session: AsyncSession, rows: Sequence[FindingRow]) -> None:
    """Insert findings with one statement (nothing when there are none)."""
    if rows:
        await session.execute(insert(cast("Table", Finding.__table__)), list(rows))


def dossier_findings(change: DossierChange, settings: Settings) -> list[FindingRow]:
    """What one applied dossier event shows: dates recorded long after the moment they state, dates moved after
    they were recorded, and a verdict the event would have improved."""
    claimed, before, after = change.claimed, change.before, change.after
    if claimed is None or change.recorded_at is None or after.centre_id is None:
        return []
    now, tz = change.recorded_at, settings.timezone
    lag = timedelta(hours=settings.integrity_record_lag_hours)
    found: list[tuple[FindingKind, datetime, dict[str, Any]]] = []
    if before is None and now - claimed.received_at > lag:
        found.append((FindingKind.ENTERED_LATE, claimed.received_at, {"field": "received_at"}))
    for field in ("resolved_at", "returned_at"):
        stated = getattr(claimed, field)
        first_time = before is None or getattr(before, field) is None
        if stated is not None and first_time and now - stated > lag:
            found.append((FindingKind.TICKED_LATE, stated, {"field": field}))
    if before is not None:
        judged_day = after.resolved_at or after.due_at or after.received_at
        extended = after.due_extended_at is not None and before.due_extended_at is None
        if before.due_at is not None and claimed.due_at != before.due_at and not extended:
            detail = {"from": _iso(before.due_at), "to": _iso(claimed.due_at), "counted": _iso(after.due_at)}
            found.append((FindingKind.DUE_MOVED, judged_day, detail))
        if before.resolved_at is not None and claimed.resolved_at not in (None, before.resolved_at):
            detail = {
                "from": _iso(before.resolved_at),
                "to": _iso(claimed.resolved_at),
                "counted": _iso(after.resolved_at),
            }
            found.append((FindingKind.RESOLVED_MOVED, judged_day, detail))
        was, would_be = _verdict(before, now, tz), _verdict(claimed, now, tz)
        if was in WORSE and would_be in BETTER:
            counted = _verdict(after, now, tz)
            detail = {"from": str(was), "to": str(would_be), "counted": None if counted is None else str(counted)}
            found.append((FindingKind.LATE_TO_ON_TIME, judged_day, detail))
    return [
        {
            "id": uuid.uuid4(),
            "kind": kind.value,
            "centre_id": after.centre_id,
            "counter_id": after.counter_id,
            "staff_id": after.staff_id,
            "kiosk_id": None,
            "dossier_id": change.dossier.id,
            "rating_id": None,
            "day": local_day(moment, tz),
            "found_at": now,
            "detail": {**detail, "stated": _iso(moment), "recorded": _iso(now)} if kind in _LAG_KINDS else detail,
            "recorded_by": change.source or None,
        }
        for kind, moment, detail in found
    ]


_LAG_KINDS = (FindingKind.ENTERED_LATE, FindingKind.TICKED_LATE)


async def rating_findings(session: AsyncSession, settings: Settings, rows: Sequence[RatingRow]) -> list[FindingRow]:
    """Ratings whose own time was not believed (``claimed_at`` kept): before their dossier's return, or outside the
    window of ``SURVEY_OFFLINE_MAX_DAYS``. Nothing is read unless a batch holds such a rating (rare)."""
    doubted = [row for row in rows if row.get("claimed_at") is not None]  # the hot path stops here
    if not doubted:
        return []
    dossier_ids = [row["dossier_id"] for row in doubted if row.get("dossier_id")]
    returned: dict[uuid.UUID, datetime | None] = {}
    if dossier_ids:
        result = await session.execute(select(Dossier.id, Dossier.returned_at).where(Dossier.id.in_(dossier_ids)))
        returned = {row.id: row.returned_at for row in result}
    found = []
    for row in doubted:
        claim: datetime = row["claimed_at"]
        return_at = returned.get(row["dossier_id"]) if row.get("dossier_id") else None
        before_return = return_at is not None and claim < return_at
        kind = FindingKind.RATED_BEFORE_RETURN if before_return else FindingKind.BACKDATED_RATING
        found.append(
            {
                "id": uuid.uuid4(),
                "kind": kind.value,
                "centre_id": row["centre_id"],
                "counter_id": row.get("counter_id"),
                "staff_id": row.get("staff_id"),
                "kiosk_id": row.get("kiosk_id"),
                "dossier_id": row.get("dossier_id"),
                "rating_id": row["id"],
                "day": local_day(row["submitted_at"], settings.timezone),
                "found_at": row["received_at"],
                "detail": {"claimed": _iso(claim), "received": _iso(row["received_at"]), "returned": _iso(return_at)},
                "recorded_by": None,
            }
        )
    return found
