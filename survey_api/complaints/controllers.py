"""Complaints JSON API: citizens and kiosks file and follow complaints; handlers work on flags."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.auth import provide_scope
from survey_api.accounts.scope import Scope
from survey_api.complaints.inbox import FlagService
from survey_api.complaints.schemas import (
    CitizenReply,
    ComplaintCreate,
    ComplaintCreated,
    ComplaintStatus,
    ContactRead,
    FeedbackCreate,
    FlagAssign,
    FlagRead,
    FlagStatusChange,
    FlagText,
    TrackRequest,
)
from survey_api.complaints.services import ComplaintService
from survey_api.kiosks.services import KioskService, KioskSnapshot
from survey_api.schemas import LimitQuery, OffsetQuery, Page

StatusFilter = Literal["open", "new", "assigned", "acknowledged", "answered", "closed", "rejected"]


def provide_complaints(db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any]) -> ComplaintService:
    return ComplaintService(db_session, request.app.state.settings)


def provide_flags(
    db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any], user_scope: NamedDependency[Scope]
) -> FlagService:
    return FlagService(db_session, request.app.state.settings, request.user, user_scope)


class ComplaintController(Controller):
    """Public: no login. The tracking code and secret are the citizen's credential."""

    path = "/api/v1/complaints"
    tags = ["complaints"]
    dependencies = {"complaints": Provide(provide_complaints, sync_to_thread=False)}

    @post("/", operation_id="file_complaint")
    async def file(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ComplaintCreate],
        complaints: NamedDependency[ComplaintService],
    ) -> Response[ComplaintCreated]:
        """File a complaint once: 201 when new, 200 with the same answer when the same id and body come again."""
        kiosk = None
        if request.auth is not None:  # a Bearer credential (this path asks for no session)
            if not isinstance(request.user, KioskSnapshot):
                raise NotAuthorizedException("Only kiosks file complaints with a Bearer token")
            kiosk = await KioskService(complaints.session, request.app.state.caches.kiosks).device(request.user)
        complaint, created = await complaints.create(data, kiosk=kiosk)
        return Response(await complaints.created(complaint), status_code=201 if created else 200)

    @post("/track", operation_id="track_complaint", status_code=200)
    async def track(
        self, data: JSONBody[TrackRequest], complaints: NamedDependency[ComplaintService]
    ) -> ComplaintStatus:
        """Status, answer and public thread of a complaint, for its tracking code and secret."""
        return await complaints.status(await complaints.find(data.tracking_code, data.secret))

    @post("/feedback", operation_id="complaint_feedback", status_code=200)
    async def feedback(
        self, data: JSONBody[FeedbackCreate], complaints: NamedDependency[ComplaintService]
    ) -> ComplaintStatus:
        """Say whether the handling of the complaint was satisfactory (false counts as a dislike)."""
        return await complaints.status(await complaints.feedback(data))

    @post("/reply", operation_id="complaint_reply", status_code=200)
    async def reply(
        self, data: JSONBody[CitizenReply], complaints: NamedDependency[ComplaintService]
    ) -> ComplaintStatus:
        """Add information to a complaint that is being handled."""
        return await complaints.status(await complaints.reply(data))


class FlagController(Controller):
    """The inbox as JSON: each user sees only what is routed to them; anything else is 404."""

    path = "/api/v1/flags"
    tags = ["flags"]
    dependencies = {
        "user_scope": Provide(provide_scope, sync_to_thread=False),
        "flags": Provide(provide_flags, sync_to_thread=False),
    }

    @get("/", operation_id="list_flags")
    async def list_flags(
        self,
        flags: NamedDependency[FlagService],
        status: FromQuery[StatusFilter | None] = None,
        overdue: FromQuery[bool] = False,
        limit: LimitQuery = 50,
        offset: OffsetQuery = 0,
    ) -> Page[FlagRead]:
        """Your inbox, soonest deadline first; ``status=open`` for everything still being handled."""
        rows, total = await flags.find(status=status, overdue=overdue, limit=limit, offset=offset)
        return Page([await flags.read(f, thread=False) for f in rows], total, limit, offset)

    @get("/{flag_id:uuid}", operation_id="get_flag")
    async def get_flag(self, flag_id: FromPath[uuid.UUID], flags: NamedDependency[FlagService]) -> FlagRead:
        """One item with its thread."""
        return await flags.read(await flags.get(flag_id))

    @get("/{flag_id:uuid}/contact", operation_id="get_flag_contact", cache=False)
    async def contact(self, flag_id: FromPath[uuid.UUID], flags: NamedDependency[FlagService]) -> ContactRead:
        """The complainant's contact details: handlers only (never the staff member concerned); audited."""
        return await flags.contact(await flags.get(flag_id))

    @post("/{flag_id:uuid}/assign", operation_id="assign_flag", status_code=200)
    async def assign(
        self, flag_id: FromPath[uuid.UUID], data: JSONBody[FlagAssign], flags: NamedDependency[FlagService]
    ) -> FlagRead:
        """Give the item to a supervisor or the director of its centre."""
        return await flags.read(await flags.assign(await flags.get(flag_id), data.username))

    @post("/{flag_id:uuid}/status", operation_id="change_flag_status", status_code=200)
    async def change_status(
        self, flag_id: FromPath[uuid.UUID], data: JSONBody[FlagStatusChange], flags: NamedDependency[FlagService]
    ) -> FlagRead:
        """Acknowledge, answer, close (with a resolution) or reject (with a reason)."""
        return await flags.read(await flags.change_status(await flags.get(flag_id), data))

    @post("/{flag_id:uuid}/explanation", operation_id="explain_flag", status_code=200)
    async def explain(
        self, flag_id: FromPath[uuid.UUID], data: JSONBody[FlagText], flags: NamedDependency[FlagService]
    ) -> FlagRead:
        """The staff member concerned explains."""
        return await flags.read(await flags.explain(await flags.get(flag_id), data.text))

    @post("/{flag_id:uuid}/info-request", operation_id="request_flag_info", status_code=200)
    async def request_info(
        self, flag_id: FromPath[uuid.UUID], data: JSONBody[FlagText], flags: NamedDependency[FlagService]
    ) -> FlagRead:
        """Ask the complainant for more information (shown on their tracking page)."""
        return await flags.read(await flags.request_info(await flags.get(flag_id), data.text))

    @post("/{flag_id:uuid}/notes", operation_id="note_flag", status_code=200)
    async def note(
        self, flag_id: FromPath[uuid.UUID], data: JSONBody[FlagText], flags: NamedDependency[FlagService]
    ) -> FlagRead:
        """An internal note for the other handlers."""
        return await flags.read(await flags.note(await flags.get(flag_id), data.text))
