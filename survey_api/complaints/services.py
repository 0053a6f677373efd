"""Complaints: filing exactly once (the id is the client's), following them by tracking code and secret, the
citizen's replies and feedback, the contact-details rule and the audit trail."""

from __future__ import annotations

import hmac
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api import crypto
from survey_api.audit.services import CITIZEN, Actor, record
from survey_api.complaints.codes import body_hash, complaint_secret, new_tracking_code, normalise_code, secret_digest
from survey_api.complaints.flags import NewFlag, open_flags
from survey_api.complaints.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Complaint,
    Flag,
    FlagEvent,
    FlagStatus,
)
from survey_api.complaints.schemas import (
    CitizenReply,
    ComplaintCreate,
    ComplaintCreated,
    ComplaintStatus,
    FeedbackCreate,
    PublicEntry,
)
from survey_api.dossiers import tokens
from survey_api.dossiers.models import Dossier, RatingToken
from survey_api.errors import InvalidInput, NotFound
from survey_api.kiosks.models import Kiosk
from survey_api.org.models import Centre, Staff
from survey_api.ratings.services import trusted_time
from survey_api.settings import Settings

MAX_CLOCK_SKEW = timedelta(days=1)


class ComplaintService:
    """Filing and following complaints (no login: the tracking code and secret are the credential)."""

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings

    async def create(
        self, data: ComplaintCreate, *, kiosk: Kiosk | None = None, channel: str = "api"
    ) -> tuple[Complaint, bool]:
        """File a complaint. Returns (complaint, created); the same id and body again gives created=False."""
        replay = await self._replay(data)
        if replay is not None:
            return replay, False
        where = await self._where(data, kiosk)
        text = data.text.strip()
        if not text:
            raise InvalidInput("Please say what happened", field="text")
        name, phone, email = ((v or "").strip() or None for v in (data.name, data.phone, data.email))
        if (name or phone or email) and not data.consent:
            raise InvalidInput(
                "Contact details are kept only with your consent: tick the consent box or leave them out",
                field="consent",
            )
        now = datetime.now(UTC)
        submitted = data.submitted_at or now
        if kiosk is not None:  # queued on a tablet: a clock not believed is replaced, never a reason to refuse
            submitted, _claim = trusted_time(data.submitted_at, now, self.settings.offline_max_days)
        elif submitted > now + MAX_CLOCK_SKEW:
            raise InvalidInput("submitted_at is in the future", field="submitted_at")
        channel = "kiosk" if kiosk is not None else ("qr" if data.token else channel)
        cipher = crypto.session_cipher(self.session)
        complaint = Complaint(
            id=data.id,
            tracking_code=await self._unique_code(now),
            secret_hash=secret_digest(complaint_secret(self.settings.secret_key, data.id)),
            body_hash=body_hash(data),
            channel=channel,
            category=data.category,
            text=text,
            contact_name=name,
            contact_phone=phone,
            contact_email=email,
            contact_phone_hash=crypto.phone_hash(cipher, phone),
            contact_email_hash=crypto.email_hash(cipher, email),
            consent=bool(data.consent and (name or phone or email)),
            language=data.language,
            status=FlagStatus.NEW,
            submitted_at=submitted,
            received_at=now,
            kiosk_id=kiosk.id if kiosk is not None else None,
            **where,
        )
        complaint.repeat_of_id = await self._repeat_of(complaint, cipher)
        try:
            async with self.session.begin_nested():
                self.session.add(complaint)
                await self.session.flush()
        except IntegrityError:  # a concurrent retry stored the same id first
            self.session.expunge(complaint)
            replay = await self._replay(data)
            if replay is None:
                raise
            return replay, False
        actor = Actor(type="kiosk", name=kiosk.name, id=kiosk.id) if kiosk is not None else CITIZEN
        await record(self.session, actor, "complaint.filed", "complaint", complaint.id, {"channel": channel}, at=now)
        new_flag = NewFlag("complaint", complaint.centre_id, complaint.staff_id, now, complaint_id=complaint.id)
        await open_flags(self.session, self.settings, [new_flag], actor, complaint)
        stored = await self.session.get(Complaint, complaint.id, populate_existing=True)
        assert stored is not None
        return stored, True

    async def _replay(self, data: ComplaintCreate) -> Complaint | None:
        stored = await self.session.get(Complaint, data.id, populate_existing=True)
        if stored is None:
            return None
        if stored.body_hash != body_hash(data):
            from survey_api.errors import Conflict

            raise Conflict("A different complaint was already filed with this id", field="id")
        return stored

    async def _where(self, data: ComplaintCreate, kiosk: Kiosk | None) -> dict[str, Any]:
        """Centre, counter, staff and dossier: from the kiosk, the QR token, or the codes sent."""
        dossier: Dossier | None = None
        staff: Staff | None = None
        counter_id = None
        if kiosk is not None:
            if data.token is not None:
                raise InvalidInput("A kiosk complaint carries no QR token", field="token")
            centre = kiosk.centre
            counter_id, staff = kiosk.counter_id, kiosk.staff_on_duty
        elif data.token is not None:
            row = None
            lookup = tokens.SigningKeys.from_settings(self.settings).lookup_digest(data.token)
            if lookup is not None:
                row = await self.session.scalar(select(RatingToken).where(RatingToken.token_hash == lookup))
            if row is None:
                raise NotFound("Unknown rating link", field="token")
            dossier = row.dossier
            centre, counter_id, staff = dossier.centre, dossier.counter_id, dossier.staff
        elif data.centre_code is not None:
            found = await self.session.scalar(
                select(Centre).where(Centre.code == data.centre_code, Centre.active.is_(True))
            )
            if found is None:
                raise InvalidInput(f"No centre with code {data.centre_code!r}", field="centre_code")
            centre = found
        else:
            raise InvalidInput("Say which centre the complaint is about", field="centre_code")
        if data.centre_code is not None and data.centre_code != centre.code:
            raise InvalidInput(
                f"The complaint is about centre {centre.code}, not {data.centre_code}", field="centre_code"
            )
        if data.staff_code is not None:
            staff = await self.session.scalar(
                select(Staff).where(Staff.code == data.staff_code, Staff.centre_id == centre.id)
            )
            if staff is None and kiosk is None:
                raise InvalidInput(f"No staff member {data.staff_code!r} at this centre", field="staff_code")
            # a kiosk's complaint naming someone moved away since it was queued: kept, about nobody in particular
        dossier_ref = dossier.code if dossier is not None else None
        if data.dossier_code is not None:
            if dossier is not None and data.dossier_code != dossier.code:
                raise InvalidInput("The dossier code does not match the rating link", field="dossier_code")
            dossier_ref = data.dossier_code.strip()
            if dossier is None:  # a code the platform may not know: kept as written, linked when it matches
                dossier = await self.session.scalar(
                    select(Dossier).where(Dossier.code == dossier_ref, Dossier.centre_id == centre.id)
                )
        return {
            "centre_id": centre.id,
            "counter_id": counter_id,
            "staff_id": staff.id if staff is not None else None,
            "dossier_id": dossier.id if dossier is not None else None,
            "dossier_ref": dossier_ref,
        }

    async def _unique_code(self, now: datetime) -> str:
        for _ in range(20):
            code = new_tracking_code(now.year)
            if await self.session.scalar(select(Complaint.id).where(Complaint.tracking_code == code)) is None:
                return code
        raise RuntimeError("could not draw a free tracking code")  # pragma: no cover - 31**6 codes a year

    async def _repeat_of(self, complaint: Complaint, cipher: crypto.DataCipher) -> uuid.UUID | None:
        """An earlier complaint on the same matter that was already answered: same dossier, or the same
        person (phone or email, compared by their keyed hashes, however written) about the same staff member
        and category."""
        same: list[ColumnElement[bool]] = []
        if complaint.dossier_id is not None:
            same.append(Complaint.dossier_id == complaint.dossier_id)
        person = [
            column.in_(cipher.lookup_hashes(normalised))  # under every configured key: rows not yet rotated too
            for column, normalised in (
                (
                    Complaint.contact_phone_hash,
                    complaint.contact_phone and crypto.normalise_phone(complaint.contact_phone),
                ),
                (
                    Complaint.contact_email_hash,
                    complaint.contact_email and crypto.normalise_email(complaint.contact_email),
                ),
            )
            if normalised
        ]
        if person:
            staff = Complaint.staff_id == complaint.staff_id if complaint.staff_id else Complaint.staff_id.is_(None)
            same.append(and_(or_(*person), Complaint.category == complaint.category, staff))
        if not same:
            return None
        return await self.session.scalar(  # type: ignore[no-any-return]
            select(Complaint.id)
            .where(
                Complaint.centre_id == complaint.centre_id,
                Complaint.status.in_((FlagStatus.ANSWERED, FlagStatus.CLOSED)),
                or_(*same),
            )
            .order_by(Complaint.received_at.desc())
            .limit(1)
        )

    async def flag_of(self, complaint: Complaint) -> Flag:
        flag = await self.session.scalar(select(Flag).where(Flag.complaint_id == complaint.id))
        assert flag is not None
        return flag

    def track_url(self, complaint: Complaint) -> str:
        return f"{self.settings.public_base_url.rstrip('/')}/tra-cuu?code={complaint.tracking_code}"

    async def created(self, complaint: Complaint) -> ComplaintCreated:
        flag = await self.flag_of(complaint)
        return ComplaintCreated(
            id=complaint.id,
            tracking_code=complaint.tracking_code,
            secret=complaint_secret(self.settings.secret_key, complaint.id),
            status=complaint.status,
            due_by=flag.answer_by,
            accept_by=flag.accept_by,
            centre_code=complaint.centre.code,
            staff_code=complaint.staff.code if complaint.staff is not None else None,
            dossier_code=complaint.dossier_ref,
            category=complaint.category,
            channel=complaint.channel,
            received_at=complaint.received_at,
            track_url=self.track_url(complaint),
        )

    async def find(self, tracking_code: str, secret: str) -> Complaint:
        """The complaint with this code and secret; one answer for a wrong code or a wrong secret."""
        complaint = await self.session.scalar(
            select(Complaint).where(Complaint.tracking_code == normalise_code(tracking_code))
        )
        if complaint is None or not hmac.compare_digest(complaint.secret_hash, secret_digest(secret)):
            raise NotFound("No complaint with this tracking code and secret", field="tracking_code")
        return complaint

    async def status(self, complaint: Complaint) -> ComplaintStatus:
        flag = await self.flag_of(complaint)
        entries = await self.session.scalars(
            select(FlagEvent).where(FlagEvent.flag_id == flag.id, FlagEvent.public.is_(True)).order_by(FlagEvent.at)
        )
        return ComplaintStatus(
            tracking_code=complaint.tracking_code,
            status=complaint.status,
            category=complaint.category,
            centre_name=complaint.centre.name,
            received_at=complaint.received_at,
            due_by=flag.answer_by if complaint.status in OPEN_STATUSES else None,
            answer=complaint.answer,
            answered_at=complaint.answered_at,
            reject_reason=flag.reject_reason,
            thread=[PublicEntry(e.at, e.kind, e.text, e.to_status) for e in entries],
            satisfied=complaint.citizen_satisfied,
            can_give_feedback=complaint.status in FINAL_STATUSES,
            can_reply=complaint.status in OPEN_STATUSES,
        )

    async def feedback(self, data: FeedbackCreate) -> Complaint:
        """Record whether the citizen is satisfied with the handling (may be changed; the last word counts)."""
        complaint = await self.find(data.tracking_code, data.secret)
        if complaint.status not in FINAL_STATUSES:
            raise InvalidInput("Feedback is possible once the complaint has been answered", field="satisfied")
        now = datetime.now(UTC)
        complaint.citizen_satisfied = data.satisfied
        complaint.feedback_at = now
        flag = await self.flag_of(complaint)
        verdict = "satisfied" if data.satisfied else "dislike"
        self.session.add(
            FlagEvent(
                flag_id=flag.id, at=now, actor_type="citizen", actor_name="citizen", kind="feedback", text=verdict
            )
        )
        await record(self.session, CITIZEN, "complaint.feedback", "complaint", complaint.id, {"verdict": verdict})
        await self.session.flush()
        return complaint

    async def reply(self, data: CitizenReply) -> Complaint:
        """The citizen adds information while the complaint is being handled."""
        complaint = await self.find(data.tracking_code, data.secret)
        if complaint.status not in OPEN_STATUSES:
            raise InvalidInput("This complaint is no longer being handled", field="text")
        flag = await self.flag_of(complaint)
        now = datetime.now(UTC)
        self.session.add(
            FlagEvent(
                flag_id=flag.id,
                at=now,
                actor_type="citizen",
                actor_name="citizen",
                kind="citizen_reply",
                text=data.text.strip(),
                public=True,
            )
        )
        await record(self.session, CITIZEN, "complaint.reply", "complaint", complaint.id)
        await self.session.flush()
        return complaint
