"""Which of a dossier's recorded dates its timeliness is judged by (DESIGN §5, "the first due date rules").

A later event may say anything; the verdict only ever gets stricter:

- The **due date** is the first one recorded. It may be moved later **once**, by an event recorded before that date
  passed (the law allows the return date to be reset once, with an apology). Any other later due date (moved after
  it passed, a second extension) is kept in the history and not believed; an earlier one is believed (it can only
  make the verdict stricter); removing it is not.
- The **resolution time** is never earlier than the latest one ever recorded: a ``resolved_at`` moved back after it
  was recorded is not believed; moved later, it is.

What the event claimed stays in ``dossier_event`` with when it was recorded and by which key or user, and the
integrity findings (``survey_api.integrity``) name every date that was moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class JudgedDates:
    due_at: datetime | None
    resolved_at: datetime | None
    due_extended_at: datetime | None
    """When the one extension allowed was recorded (None while it is unused)."""
    resolved_floor_at: datetime | None
    """The latest resolution time ever recorded: no earlier one is believed."""


def judge_dates(
    *,
    due_at: datetime | None,
    due_extended_at: datetime | None,
    resolved_floor_at: datetime | None,
    claimed_due: datetime | None,
    claimed_resolved: datetime | None,
    recorded_at: datetime,
) -> JudgedDates:
    """The dates to judge by after an event claiming ``claimed_due`` and ``claimed_resolved`` is recorded at
    ``recorded_at``, given what was believed before (``due_at``; all None for a new dossier)."""
    due, extended = due_at, due_extended_at
    if due_at is None:
        due = claimed_due  # the first due date recorded
    elif claimed_due is not None and claimed_due != due_at:
        if claimed_due < due_at:
            due = claimed_due
        elif due_extended_at is None and recorded_at <= due_at:
            due, extended = claimed_due, recorded_at
    resolved, floor = claimed_resolved, resolved_floor_at
    if claimed_resolved is not None:
        if floor is not None and claimed_resolved < floor:
            resolved = floor
        floor = resolved
    return JudgedDates(due_at=due, resolved_at=resolved, due_extended_at=extended, resolved_floor_at=floor)
