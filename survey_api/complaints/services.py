"""Complaint and flag rules: filing exactly once, routing to the right inbox, the status workflow,
working-day deadlines, escalation, the contact-details rule and the audit trail."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import msgspec
from sqlalchemy import ColumnElement, Table, and_, bindparam, false, func, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api import crypto
from survey_api.accounts.models import User
from survey_api.accounts.scope import Scope
from survey_api.audit.services import CITIZEN, SYSTEM, Actor, record, record_many, user_actor
from survey_api.complaints import messages as _messages  # noqa: F401  (registers the texts)
from survey_api.complaints import notifications
from survey_api.complaints.deadlines import deadline
from survey_api.complaints.models import (
    ENDED_STATUSES,
    FINAL_STATUSES,
    OPEN_STATUSES,
    Complaint,
    Flag,
    FlagEvent,
    FlagStatus,
)
from survey_api.complaints.schemas import (
    CitizenReply,
    ComplaintBrief,
    ComplaintCreate,
    ComplaintCreated,
    ComplaintStatus,
    ContactRead,
    EntryRead,
    FeedbackCreate,
    FlagRead,
    FlagStatusChange,
    PublicEntry,
    RatingBrief,
)
from survey_api.dossiers import tokens
from survey_api.dossiers.models import Dossier, RatingToken
from survey_api.errors import Forbidden, InvalidInput, NotFound
from survey_api.kiosks.models import Kiosk
from survey_api.org.models import Centre, Staff
from survey_api.ratings.services import trusted_time
from survey_api.ratings.surveys import Instrument, active_instrument
from survey_api.settings import Settings

logger = logging.getLogger("survey_api.complaints")

# Letters and digits nobody confuses when reading them aloud or typing them: no 0/O, 1/I/L.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
SECRET_LENGTH = 12
MAX_CLOCK_SKEW = timedelta(days=1)
HANDLER_ROLES = frozenset({"admin", "province", "director", "supervisor"})
ALLOWED_MOVES: dict[str, frozenset[str]] = {
    FlagStatus.NEW: frozenset(FINAL_STATUSES) | {FlagStatus.ACKNOWLEDGED},
    FlagStatus.ASSIGNED: frozenset(FINAL_STATUSES) | {FlagStatus.ACKNOWLEDGED},
    FlagStatus.ACKNOWLEDGED: frozenset(FINAL_STATUSES),
    FlagStatus.ANSWERED: frozenset({FlagStatus.CLOSED}),
    FlagStatus.CLOSED: frozenset(),
    FlagStatus.REJECTED: frozenset(),
}


# -- codes and secrets --------------------------------------------------------------------------------
def new_tracking_code(year: int) -> str:
    return f"PA-{year}-" + "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """``pa 2026 7kq4mx`` and ``PA-2026-7KQ4MX`` are the same code."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(raw) == 2 + 4 + CODE_LENGTH and raw.startswith("PA"):
        return f"PA-{raw[2:6]}-{raw[6:]}"
    return code.strip().upper()


def complaint_secret(key: str, complaint_id: uuid.UUID) -> str:
    """The tracking secret: derived from the server's key and the complaint id, so a retry of the same
    submission (which only its sender can make: it needs the id and the same body) gets the same secret
    back while the database keeps only a digest."""
    digest = hmac.new(key.encode(), b"complaint-secret:" + complaint_id.bytes, hashlib.sha256).digest()
    number = int.from_bytes(digest[:12], "big")
    chars = []
    for _ in range(SECRET_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    text = "".join(chars)
    return f"{text[:4]}-{text[4:8]}-{text[8:]}"


def secret_digest(secret: str) -> str:
    raw = "".join(ch for ch in secret.upper() if ch.isalnum())
    return hashlib.sha256(raw.encode()).hexdigest()


def body_hash(data: ComplaintCreate) -> str:
    return hashlib.sha256(msgspec.json.encode(msgspec.to_builtins(data), order="sorted")).hexdigest()


# -- flags --------------------------------------------------------------------------------------------
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


# -- complaints ---------------------------------------------------------------------------------------
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


# -- the inbox ----------------------------------------------------------------------------------------
class FlagService:
    """The inbox of one user: staff see the flags about themselves; supervisors and directors their
    centre's; province and admin their scope. Anything else is 404, as if it did not exist."""

    def __init__(self, session: AsyncSession, settings: Settings, user: User, scope: Scope) -> None:
        self.session = session
        self.settings = settings
        self.user = user
        self.scope = scope

    def visible(self) -> ColumnElement[bool]:
        in_scope = true() if self.scope.everything else Flag.centre_id.in_(self.scope.centre_ids())
        if self.user.role == "staff":
            if self.user.staff_id is None:
                return false()
            return and_(in_scope, Flag.staff_id == self.user.staff_id)
        return in_scope

    def is_handler(self, flag: Flag) -> bool:
        """Handlers assign, answer and close, and may see contact details; never the staff member concerned."""
        concerned = flag.staff_id is not None and self.user.staff_id == flag.staff_id
        return self.user.role in HANDLER_ROLES and not concerned

    def is_concerned(self, flag: Flag) -> bool:
        return flag.staff_id is not None and self.user.staff_id == flag.staff_id

    def _require_handler(self, flag: Flag) -> None:
        if not self.is_handler(flag):
            raise Forbidden("Only the centre's supervisors and director handle this item")

    async def find(
        self, *, status: str | None = None, overdue: bool = False, limit: int = 50, offset: int = 0
    ) -> tuple[list[Flag], int]:
        conditions = [self.visible()]
        if status == "open":
            conditions.append(Flag.status.in_(OPEN_STATUSES))
        elif status:
            conditions.append(Flag.status == status)
        if overdue:
            conditions.append(and_(Flag.status.in_(OPEN_STATUSES), Flag.due_by < datetime.now(UTC)))
        total = await self.session.scalar(select(func.count()).select_from(Flag).where(*conditions)) or 0
        rows = await self.session.scalars(
            select(Flag)
            .where(*conditions)
            .order_by(Flag.due_by.is_(None), Flag.due_by, Flag.received_at.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows.unique()), total

    async def get(self, flag_id: uuid.UUID) -> Flag:
        flag = await self.session.scalar(select(Flag).where(Flag.id == flag_id, self.visible()))
        if flag is None:
            raise NotFound("No such item in your inbox", field="id")
        return flag

    async def read(self, flag: Flag, *, thread: bool = True) -> FlagRead:
        """The item and its thread. Internal entries are for handlers: anyone else (the staff member concerned) sees
        no internal note, and of another internal step (an assignment, a status change) only that it happened, not
        its text."""
        complaint = flag.complaint
        rating = flag.rating
        entries: list[EntryRead] = []
        if thread:
            rows = await self.session.scalars(
                select(FlagEvent).where(FlagEvent.flag_id == flag.id).order_by(FlagEvent.at, FlagEvent.created_at)
            )
            handler = self.is_handler(flag)
            entries = [
                EntryRead(
                    e.at,
                    e.kind,
                    e.actor_name,
                    e.from_status,
                    e.to_status,
                    e.text if handler or e.public or e.actor_id == self.user.id else None,
                    e.public,
                )
                for e in rows
                if handler or e.kind != "note"
            ]
        now = datetime.now(UTC)
        return FlagRead(
            id=flag.id,
            reason=flag.reason,
            status=flag.status,
            centre_code=flag.centre.code,
            staff_code=flag.staff.code if flag.staff is not None else None,
            staff_name=flag.staff.full_name if flag.staff is not None else None,
            assigned_to=flag.assigned_to.username if flag.assigned_to is not None else None,
            received_at=flag.received_at,
            accept_by=flag.accept_by,
            info_by=flag.info_by,
            answer_by=flag.answer_by,
            due_by=flag.due_by,
            overdue=flag.due_by is not None and flag.due_by < now,
            escalated_at=flag.escalated_at,
            explanation=flag.explanation,
            resolution=flag.resolution,
            reject_reason=flag.reject_reason,
            complaint=ComplaintBrief(
                tracking_code=complaint.tracking_code,
                category=complaint.category,
                text=complaint.text,
                channel=complaint.channel,
                dossier_code=complaint.dossier_ref,
                has_contact=complaint.has_contact,
                contact_erased_at=complaint.contact_erased_at,
                answer=complaint.answer,
                citizen_satisfied=complaint.citizen_satisfied,
                repeat=complaint.repeat_of_id is not None,
            )
            if complaint is not None
            else None,
            rating=RatingBrief(
                rating.id, rating.channel, rating.overall, rating.reasons, rating.comment, rating.submitted_at
            )
            if rating is not None
            else None,
            thread=entries,
        )

    async def contact(self, flag: Flag) -> ContactRead:
        """The complainant's contact details, for handlers only; every view is recorded."""
        self._require_handler(flag)
        complaint = flag.complaint
        if complaint is None or not complaint.has_contact:
            raise NotFound("The complainant left no contact details", field="contact")
        await record(
            self.session,
            user_actor(self.user),
            "complaint.contact_viewed",
            "complaint",
            complaint.id,
            {"flag_id": str(flag.id)},
        )
        return ContactRead(complaint.contact_name, complaint.contact_phone, complaint.contact_email, complaint.consent)

    async def _event(
        self,
        flag: Flag,
        kind: str,
        *,
        text: str | None = None,
        public: bool = False,
        to: str | None = None,
        at: datetime,
    ) -> None:
        self.session.add(
            FlagEvent(
                flag_id=flag.id,
                at=at,
                actor_type="user",
                actor_id=self.user.id,
                actor_name=self.user.full_name or self.user.username,
                kind=kind,
                from_status=flag.status if to else None,
                to_status=to,
                text=text,
                public=public,
            )
        )

    async def _move(self, flag: Flag, to: str, now: datetime, text: str | None = None, public: bool = False) -> None:
        """Change the status, keep the complaint in step, write the thread entry and the audit row."""
        before = flag.status
        await self._event(
            flag, "status" if to != FlagStatus.ASSIGNED else "assigned", text=text, public=public, to=to, at=now
        )
        flag.status = to
        if before == FlagStatus.NEW and flag.accepted_at is None:
            flag.accepted_at = now
        flag.due_by = step_due(flag)
        if flag.complaint is not None:
            flag.complaint.status = to
        await record(
            self.session, user_actor(self.user), "flag.status", "flag", flag.id, {"from": before, "to": to}, at=now
        )

    async def assign(self, flag: Flag, username: str) -> Flag:
        """Give the item to a supervisor or the director of its centre (not the staff member concerned)."""
        self._require_handler(flag)
        if flag.status not in OPEN_STATUSES:
            raise InvalidInput(f"A {flag.status} item cannot be assigned", field="status")
        target = await self.session.scalar(select(User).where(User.username == username.strip().lower()))
        if (
            target is None
            or not target.active
            or target.role not in ("supervisor", "director")
            or target.scope_centre_id != flag.centre_id
            or (flag.staff_id is not None and target.staff_id == flag.staff_id)
        ):
            raise InvalidInput(f"{username!r} is not a supervisor or director of this centre", field="username")
        now = datetime.now(UTC)
        flag.assigned_to_id = target.id
        if flag.status == FlagStatus.NEW:
            await self._move(flag, FlagStatus.ASSIGNED, now, text=target.username)
        else:
            await self._event(flag, "assigned", text=target.username, at=now)
            await record(
                self.session, user_actor(self.user), "flag.assigned", "flag", flag.id, {"to": target.username}, at=now
            )
        await self.session.flush()
        flag = await self.session.get(Flag, flag.id, populate_existing=True) or flag
        await notifications.queue(self.session, self.settings, flag, "flag.assigned", assignee=target)
        return flag

    async def change_status(self, flag: Flag, data: FlagStatusChange) -> Flag:
        self._require_handler(flag)
        if data.status not in ALLOWED_MOVES[flag.status]:
            raise InvalidInput(f"A {flag.status} item cannot become {data.status}", field="status")
        text = (data.text or "").strip() or None
        needs: dict[str, str] = {
            FlagStatus.ANSWERED: "the answer",
            FlagStatus.CLOSED: "the resolution",
            FlagStatus.REJECTED: "the reason",
        }
        if data.status in needs and not text:
            raise InvalidInput(f"Write {needs[data.status]}", field="text")
        now = datetime.now(UTC)
        complaint = flag.complaint
        if data.status == FlagStatus.ANSWERED:
            flag.answered_at = now
            if complaint is not None:
                complaint.answer, complaint.answered_at = text, now
            await self._move(flag, FlagStatus.ANSWERED, now, text=text, public=True)
        elif data.status == FlagStatus.CLOSED:
            flag.closed_at, flag.resolution = now, text
            public = False
            if complaint is not None and complaint.answer is None:  # closed without a separate answer
                complaint.answer, complaint.answered_at, flag.answered_at = text, now, now
                public = True
            await self._move(flag, FlagStatus.CLOSED, now, text=text, public=public)
        elif data.status == FlagStatus.REJECTED:
            flag.closed_at, flag.reject_reason = now, text
            await self._move(flag, FlagStatus.REJECTED, now, text=text, public=True)
        else:
            await self._move(flag, data.status, now, text=text)
        await self.session.flush()
        return flag

    async def explain(self, flag: Flag, text: str) -> Flag:
        """The staff member concerned gives their side (handlers read it; the citizen does not)."""
        if not self.is_concerned(flag):
            raise Forbidden("Only the staff member concerned writes the explanation")
        if flag.status in ENDED_STATUSES:
            raise InvalidInput("This item is closed", field="text")
        now = datetime.now(UTC)
        flag.explanation, flag.explained_at = text.strip(), now
        await self._event(flag, "explanation", text=text.strip(), at=now)
        await record(self.session, user_actor(self.user), "flag.explained", "flag", flag.id, at=now)
        await self.session.flush()
        return flag

    async def request_info(self, flag: Flag, text: str) -> Flag:
        """Ask the complainant for more information (they read it and reply on the tracking page)."""
        self._require_handler(flag)
        if flag.complaint is None:
            raise InvalidInput("Only a complaint has someone to ask", field="text")
        if flag.status not in OPEN_STATUSES:
            raise InvalidInput(f"A {flag.status} complaint is no longer being handled", field="text")
        now = datetime.now(UTC)
        if flag.info_requested_at is None:
            flag.info_requested_at = now
        await self._event(flag, "info_request", text=text.strip(), public=True, at=now)
        await record(self.session, user_actor(self.user), "flag.info_requested", "flag", flag.id, at=now)
        if flag.status == FlagStatus.NEW:
            await self._move(flag, FlagStatus.ACKNOWLEDGED, now)
        await self.session.flush()
        return flag

    async def note(self, flag: Flag, text: str) -> Flag:
        """An internal note for the other handlers."""
        self._require_handler(flag)
        now = datetime.now(UTC)
        await self._event(flag, "note", text=text.strip(), at=now)
        await self.session.flush()
        return flag
