"""Complainants' contact details under a new data key: ``survey-api keys rotate-data``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import String, func, or_, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api import crypto
from survey_api.complaints.models import Complaint

CONTACT_COLUMNS = (Complaint.contact_name, Complaint.contact_phone, Complaint.contact_email)
HAS_CONTACT = or_(*(column.is_not(None) for column in CONTACT_COLUMNS))


@dataclass(frozen=True)
class Rotation:
    checked: int
    changed: int
    key_id: str


async def rotate_contacts(
    session: AsyncSession, batch_size: int = 500, progress: Callable[[int, int], None] | None = None
) -> Rotation:
    """Re-encrypt every complaint's contact details under the current data key, and compute their keyed hashes
    with it, ``batch_size`` complaints per committed transaction. Rows already current are left alone, so a second
    run changes nothing; a row changed meanwhile (erased, say) is skipped, never written back. ``progress`` is told
    (checked so far, total) after each batch."""
    cipher = crypto.session_cipher(session)
    raw = [type_coerce(column, String) for column in CONTACT_COLUMNS]  # as stored, not decrypted
    total = await session.scalar(select(func.count()).select_from(Complaint).where(HAS_CONTACT)) or 0
    checked = changed = 0
    last: uuid.UUID | None = None
    while True:
        query = select(Complaint.id, *raw, Complaint.contact_phone_hash, Complaint.contact_email_hash).where(
            HAS_CONTACT
        )
        if last is not None:
            query = query.where(Complaint.id > last)
        rows = (await session.execute(query.order_by(Complaint.id).limit(batch_size))).all()
        if not rows:
            break
        for complaint_id, *stored, phone_hash, email_hash in rows:
            plain = [
                None if value is None else cipher.decrypt(value, column.type.context)  # type: ignore[attr-defined]
                for column, value in zip(CONTACT_COLUMNS, stored, strict=True)
            ]
            hashes = (crypto.phone_hash(cipher, plain[1]), crypto.email_hash(cipher, plain[2]))
            if all(cipher.is_current(value) for value in stored) and hashes == (phone_hash, email_hash):
                continue
            done = await session.execute(
                update(Complaint)
                .where(
                    Complaint.id == complaint_id,
                    *(column.is_not_distinct_from(value) for column, value in zip(raw, stored, strict=True)),
                )
                .values(
                    contact_name=plain[0],
                    contact_phone=plain[1],
                    contact_email=plain[2],
                    contact_phone_hash=hashes[0],
                    contact_email_hash=hashes[1],
                    updated_at=Complaint.updated_at,  # not a change of the complaint: erasure keeps its clock
                )
                .execution_options(synchronize_session=False)
            )
            changed += done.rowcount  # type: ignore[attr-defined]
        await session.commit()
        checked += len(rows)
        last = rows[-1][0]
        if progress is not None:
            progress(checked, total)
    return Rotation(checked=checked, changed=changed, key_id=cipher.current_id)
