"""How long a complaint's contact details are kept (Law 91/2025): erased once the complaint has ended long enough."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.audit.services import SYSTEM, record_many
from survey_api.complaints.models import (
    ENDED_STATUSES,
    Complaint,
)
from survey_api.settings import Settings


async def erase_ended_contacts(session: AsyncSession, settings: Settings, now: datetime | None = None) -> int:
    """Erase the contact details of complaints closed or refused more than ``complaint_contact_days`` ago (last
    change: a citizen's feedback after the end counts), keeping when it was done; one audit row each. Returns how
    many complaints were erased."""
    now = now or datetime.now(UTC)
    has_contact = or_(
        Complaint.contact_name.is_not(None), Complaint.contact_phone.is_not(None), Complaint.contact_email.is_not(None)
    )
    ended = and_(
        Complaint.status.in_(ENDED_STATUSES),
        Complaint.updated_at < now - timedelta(days=settings.complaint_contact_days),
        has_contact,
    )
    erased = await session.scalars(
        update(Complaint)
        .where(ended)
        .values(
            contact_name=None,
            contact_phone=None,
            contact_email=None,
            contact_phone_hash=None,
            contact_email_hash=None,
            contact_erased_at=now,
        )
        .returning(Complaint.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(erased)
    await record_many(
        session,
        SYSTEM,
        "complaint.contact_erased",
        "complaint",
        [(complaint_id, {"after_days": settings.complaint_contact_days}, now) for complaint_id in ids],
    )
    return len(ids)
