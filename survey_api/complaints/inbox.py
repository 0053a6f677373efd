"""The inbox: who sees which flags, the status workflow, assignment, explanations, notes and questions to the
citizen, each with its thread entry and audit row."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.models import User
from survey_api.accounts.scope import Scope
from survey_api.audit.services import record, user_actor
from survey_api.complaints import notifications
from survey_api.complaints.flags import step_due
from survey_api.complaints.models import (
    ENDED_STATUSES,
    FINAL_STATUSES,
    OPEN_STATUSES,
    Flag,
    FlagEvent,
    FlagStatus,
)
from survey_api.complaints.schemas import (
    ComplaintBrief,
    ContactRead,
    EntryRead,
    FlagRead,
    FlagStatusChange,
    RatingBrief,
)
from survey_api.errors import Forbidden, InvalidInput, NotFound
from survey_api.settings import Settings

HANDLER_ROLES = frozenset({"admin", "province", "director", "supervisor"})
ALLOWED_MOVES: dict[str, frozenset[str]] = {
    FlagStatus.NEW: frozenset(FINAL_STATUSES) | {FlagStatus.ACKNOWLEDGED},
    FlagStatus.ASSIGNED: frozenset(FINAL_STATUSES) | {FlagStatus.ACKNOWLEDGED},
    FlagStatus.ACKNOWLEDGED: frozenset(FINAL_STATUSES),
    FlagStatus.ANSWERED: frozenset({FlagStatus.CLOSED}),
    FlagStatus.CLOSED: frozenset(),
    FlagStatus.REJECTED: frozenset(),
}


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
