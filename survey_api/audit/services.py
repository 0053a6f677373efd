"""Recording audit events (in the caller's transaction, so an action and its record commit together)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, and_, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.audit.models import AuditEvent

if TYPE_CHECKING:
    from survey_api.accounts.models import User


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a logged-in user, a citizen (with the tracking secret), a kiosk, or the system."""

    type: str
    name: str
    id: uuid.UUID | None = None


SYSTEM = Actor(type="system", name="system")
CITIZEN = Actor(type="citizen", name="citizen")


def user_actor(user: User) -> Actor:
    return Actor(type="user", name=user.username, id=user.id)


# Built once: SQLAlchemy then finds its compiled form by the statement's remembered cache key, instead of working the
# key out again on every call (about a quarter of a small statement's time in the rating writer).
_INSERT_MANY = insert(cast("Table", AuditEvent.__table__))


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: uuid.UUID,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=at or datetime.now(UTC),
        actor_type=actor.type,
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail or {},
    )
    session.add(event)
    await session.flush()
    return event


async def record_many(
    session: AsyncSession,
    actor: Actor,
    action: str,
    object_type: str,
    items: list[tuple[uuid.UUID, dict[str, Any], datetime]],
) -> None:
    """Record the same action on many objects (``(object_id, detail, at)`` each) in one statement."""
    if items:
        rows = [
            {
                "id": uuid.uuid4(),
                "at": at,
                "actor_type": actor.type,
                "actor_id": actor.id,
                "actor_name": actor.name,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "detail": detail,
            }
            for object_id, detail, at in items
        ]
        await session.execute(_INSERT_MANY, rows)  # Core: no ORM bulk work


async def events_for(session: AsyncSession, object_type: str, object_id: uuid.UUID) -> list[AuditEvent]:
    rows = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return list(rows)


TRAIL_PAGE = 100
"""Events per page of the audit trail."""


async def trail(
    session: AsyncSession,
    *,
    action: str | None = None,
    actor: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    before: uuid.UUID | None = None,
    limit: int = TRAIL_PAGE,
) -> list[AuditEvent]:
    """Audit events newest first, filtered by action, actor name and moments (``start`` included, ``end`` not);
    ``before``: continue after that event (the last one of the previous page)."""
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor_name == actor)
    if start is not None:
        query = query.where(AuditEvent.at >= start)
    if end is not None:
        query = query.where(AuditEvent.at < end)
    if before is not None:
        last = await session.get(AuditEvent, before)
        if last is not None:
            query = query.where(or_(AuditEvent.at < last.at, and_(AuditEvent.at == last.at, AuditEvent.id < last.id)))
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    return list(await session.scalars(query))
