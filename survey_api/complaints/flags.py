"""Flags: opening them for complaints and for low or conduct ratings, in bulk, with their thread entry, audit row
and notifications; the deadline of each step; escalation of the overdue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.audit.services import SYSTEM, Actor, record, record_many
from survey_api.complaints import notifications
from survey_api.complaints.deadlines import deadline
from survey_api.complaints.models import (
    OPEN_STATUSES,
    Complaint,
    Flag,
    FlagEvent,
    FlagStatus,
)
from survey_api.org.models import Centre, Staff
from survey_api.ratings.surveys import Instrument, active_instrument
from survey_api.settings import Settings


def step_due(flag: Flag) -> datetime | None:
    """The deadline of the step the flag is at."""
    if flag.status == FlagStatus.NEW:
        return flag.accept_by
    if flag.status in OPEN_STATUSES:
        return flag.answer_by
    return None


@dataclass(frozen=True, slots=True)
class NewFlag:
    """A flag to open: its cause, where, who, and (for the notification texts) the rating's level and comment."""

    reason: str
    centre_id: uuid.UUID
    staff_id: uuid.UUID | None
    received_at: datetime
    complaint_id: uuid.UUID | None = None
    rating_id: uuid.UUID | None = None
    overall: int | None = None
    comment: str | None = None


# Built once (SQLAlchemy then finds their compiled form by a remembered cache key): the rating writer runs them for
# every batch with a low rating, where working the key out again cost about a third of the flags' time.
_INSERT_FLAGS = insert(cast("Table", Flag.__table__))
_INSERT_FLAG_EVENTS = insert(cast("Table", FlagEvent.__table__))
_CENTRE_FACTS = select(Centre.id, Centre.name, Centre.code, Centre.webhook_url).where(
    Centre.id.in_(bindparam("ids", expanding=True))
)
_STAFF_FACTS = select(Staff.id, Staff.full_name, Staff.code).where(Staff.id.in_(bindparam("ids", expanding=True)))


async def open_flags(
    session: AsyncSession,
    settings: Settings,
    items: Sequence[NewFlag],
    actor: Actor,
    complaint: Complaint | None = None,
) -> list[uuid.UUID]:
    """Put items in the inboxes of the staff members concerned and of their centres' supervisors and
    directors, with their deadlines, and queue the notifications (sent later, never in this request).

    One statement per table whatever the number of flags: the rating writer opens the flags of a whole
    batch at once, so this is written with Core statements and plain snapshots, no ORM objects.
    """
    if not items:
        return []
    holidays, tz = settings.holiday_dates, settings.timezone
    now = datetime.now(UTC)
    flags: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for item in items:
        flag_id = uuid.uuid4()
        accept_by = deadline(item.received_at, settings.complaint_accept_days, tz, holidays)
        flags.append(
            {
                "id": flag_id,
                "reason": item.reason,
                "complaint_id": item.complaint_id,
                "rating_id": item.rating_id,
                "centre_id": item.centre_id,
                "staff_id": item.staff_id,
                "status": FlagStatus.NEW,
                "received_at": item.received_at,
                "accept_by": accept_by,
                "info_by": deadline(item.received_at, settings.complaint_info_days, tz, holidays),
                "answer_by": deadline(item.received_at, settings.complaint_answer_days, tz, holidays),
                "due_by": accept_by,
                "created_at": now,
                "updated_at": now,
            }
        )
        events.append(
            {
                "id": uuid.uuid4(),
                "flag_id": flag_id,
                "at": item.received_at,
                "actor_type": actor.type,
                "actor_id": actor.id,
                "actor_name": actor.name,
                "kind": "created",
                "from_status": None,
                "to_status": FlagStatus.NEW,
                "text": None,
                "public": item.complaint_id is not None,
                "created_at": now,
                "updated_at": now,
            }
        )
    # Core inserts of the tables: the ORM's bulk insert costs a fifth of a flagged batch's time in the rating writer
    await session.execute(_INSERT_FLAGS, flags)
    await session.execute(_INSERT_FLAG_EVENTS, events)
    await record_many(
        session, actor, "flag.created", "flag", [(f["id"], {"reason": f["reason"]}, f["received_at"]) for f in flags]
    )
    facts = await _facts(session, settings, items, flags, complaint)
    if facts:
        await notifications.queue_many(session, settings, facts, "flag.new")
    return [f["id"] for f in flags]


async def _facts(
    session: AsyncSession,
    settings: Settings,
    items: Sequence[NewFlag],
    flags: list[dict[str, Any]],
    complaint: Complaint | None,
) -> list[notifications.FlagFacts]:
    """Snapshots of new flags for their notifications: centre and staff names in two small queries. None when
    there is nobody to tell (no SMTP server and no webhook for these centres)."""
    centres = {row.id: row for row in await session.execute(_CENTRE_FACTS, {"ids": list({i.centre_id for i in items})})}
    if not settings.smtp_host and not any(c.webhook_url for c in centres.values()):
        return []
    staff_ids = {i.staff_id for i in items if i.staff_id is not None}
    staff = {row.id: row for row in await session.execute(_STAFF_FACTS, {"ids": list(staff_ids)})} if staff_ids else {}
    out = []
    for item, flag in zip(items, flags, strict=True):
        centre, member = centres[item.centre_id], staff.get(item.staff_id) if item.staff_id else None
        about = complaint if complaint is not None and complaint.id == item.complaint_id else None
        out.append(
            notifications.FlagFacts(
                id=flag["id"],
                reason=item.reason,
                status=FlagStatus.NEW,
                centre_id=item.centre_id,
                centre_name=centre.name,
                centre_code=centre.code,
                webhook_url=centre.webhook_url,
                staff_id=item.staff_id,
                staff_name=member.full_name if member is not None else None,
                staff_code=member.code if member is not None else None,
                received_at=item.received_at,
                due_by=flag["due_by"],
                tracking_code=about.tracking_code if about is not None else None,
                category=about.category if about is not None else None,
                complaint_text=about.text if about is not None else None,
                overall=item.overall,
                comment=item.comment,
            )
        )
    return out


def rating_flag(values: dict[str, Any], conduct_reasons: frozenset[str]) -> NewFlag | None:
    """The flag a newly stored rating opens: at the two lowest levels or naming staff conduct (suspected
    repeats never). ``values`` are the stored rating's columns."""
    if values["suspected_repeat"]:
        return None
    if not conduct_reasons.isdisjoint(values["reasons"]):
        reason = "conduct"
    elif values["overall"] <= 2:
        reason = "low_rating"
    else:
        return None
    return NewFlag(
        reason=reason,
        centre_id=values["centre_id"],
        staff_id=values["staff_id"],
        received_at=values["received_at"],
        rating_id=values["id"],
        overall=values["overall"],
        comment=values["comment"],
    )


async def flag_ratings(
    session: AsyncSession, settings: Settings, ratings: Sequence[dict[str, Any]], instrument: Instrument | None = None
) -> int:
    """Open the flags that newly stored ratings call for (all in one go); returns how many."""
    candidates = [v for v in ratings if not v["suspected_repeat"] and (v["overall"] <= 2 or v["reasons"])]
    if not candidates:
        return 0
    instrument = instrument or await active_instrument(session)
    items = [f for v in candidates if (f := rating_flag(v, instrument.conduct_reasons)) is not None]
    await open_flags(session, settings, items, SYSTEM)
    return len(items)


async def escalate_overdue(session: AsyncSession, settings: Settings, now: datetime | None = None) -> int:
    """Mark open flags past their current deadline as escalated and tell the centre's director.

    A flag escalates once per missed deadline: again only if a later deadline is missed too.
    """
    now = now or datetime.now(UTC)
    pending = or_(Flag.escalated_at.is_(None), Flag.escalated_at < Flag.due_by)
    overdue = and_(Flag.status.in_(OPEN_STATUSES), Flag.due_by.is_not(None), Flag.due_by < now, pending)
    ids = list(await session.scalars(select(Flag.id).where(overdue)))
    escalated = 0
    for flag_id in ids:
        claimed = await session.execute(
            update(Flag)
            .where(Flag.id == flag_id, overdue)
            .values(escalated_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another process escalated it first
        flag = await session.get(Flag, flag_id, populate_existing=True)
        assert flag is not None
        session.add(
            FlagEvent(
                flag_id=flag.id,
                at=now,
                actor_type="system",
                actor_name="system",
                kind="escalated",
                text=f"due_by={flag.due_by.isoformat() if flag.due_by else ''}",
            )
        )
        await record(session, SYSTEM, "flag.escalated", "flag", flag.id, {"status": flag.status}, at=now)
        await notifications.queue(session, settings, flag, "flag.overdue")
        escalated += 1
    await session.flush()
    return escalated
