"""The inbox: flagged feedback for staff (their own), supervisors and directors (their centre's)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard.forms import FlagActionForm
from survey_api.accounts.auth import provide_scope
from survey_api.accounts.models import User
from survey_api.accounts.scope import Scope
from survey_api.complaints.inbox import FlagService
from survey_api.complaints.models import FINAL_STATUSES, Flag, FlagStatus
from survey_api.complaints.schemas import FlagStatusChange
from survey_api.errors import DomainError, InvalidInput
from survey_api.i18n import format_moment, page_context

Filter = Literal["open", "all", "overdue"]
MOVES = (FlagStatus.ACKNOWLEDGED, *FINAL_STATUSES)


def provide_flags(
    db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any], user_scope: NamedDependency[Scope]
) -> FlagService:
    return FlagService(db_session, request.app.state.settings, request.user, user_scope)


class InboxPages(Controller):
    path = "/dashboard/inbox"
    include_in_schema = False
    dependencies = {
        "user_scope": Provide(provide_scope, sync_to_thread=False),
        "flags": Provide(provide_flags, sync_to_thread=False),
    }

    def _context(self, request: Request[User, Any, Any]) -> dict[str, Any]:
        context = page_context(request)
        tz = request.app.state.settings.timezone
        context["fmt_moment"] = lambda v: format_moment(v, context["lang"], tz) if v else "—"
        return context

    @get("/", operation_id="inbox_page", name="inbox")
    async def inbox(
        self, request: Request[User, Any, Any], flags: NamedDependency[FlagService], show: FromQuery[Filter] = "open"
    ) -> Template:
        """Items routed to you, soonest deadline first; overdue and escalated items are marked."""
        status = None if show in ("all", "overdue") else "open"
        rows, total = await flags.find(status=status, overdue=show == "overdue", limit=200)
        items = [await flags.read(f, thread=False) for f in rows]
        return Template(
            "dashboard/inbox.html",
            context={**self._context(request), "items": items, "total": total, "show": show},
        )

    async def _item(
        self,
        request: Request[User, Any, Any],
        flags: FlagService,
        flag: Flag,
        *,
        contact: bool = False,
        error: str | None = None,
        status_code: int = 200,
    ) -> Template:
        item = await flags.read(flag)
        wanted = contact and flags.is_handler(flag) and item.complaint is not None and item.complaint.has_contact
        shown = await flags.contact(flag) if wanted else None
        assignees: list[User] = []
        if flags.is_handler(flag):
            assignees = list(
                await flags.session.scalars(
                    select(User).where(
                        User.scope_centre_id == flag.centre_id,
                        User.role.in_(("supervisor", "director")),
                        User.active.is_(True),
                    )
                )
            )
        return Template(
            "dashboard/inbox_item.html",
            context={
                **self._context(request),
                "item": item,
                "contact": shown,
                "handler": flags.is_handler(flag),
                "concerned": flags.is_concerned(flag),
                "assignees": [u for u in assignees if flag.staff_id is None or u.staff_id != flag.staff_id],
                "moves": MOVES,
                "error": error,
            },
            status_code=status_code,
        )

    @get("/{flag_id:uuid}", operation_id="inbox_item_page")
    async def item(
        self,
        request: Request[User, Any, Any],
        flag_id: FromPath[uuid.UUID],
        flags: NamedDependency[FlagService],
        contact: FromQuery[bool] = False,
    ) -> Template:
        """One item: what was said, deadlines, thread, and what you may do; ``?contact=1`` shows (and logs)
        the complainant's contact details to a handler."""
        return await self._item(request, flags, await flags.get(flag_id), contact=contact)

    @post("/{flag_id:uuid}/{action:str}", operation_id="inbox_item_action", status_code=303)
    async def act(
        self,
        request: Request[User, Any, Any],
        flag_id: FromPath[uuid.UUID],
        action: FromPath[str],
        data: URLEncodedBody[FlagActionForm],
        flags: NamedDependency[FlagService],
    ) -> Redirect | Template:
        """Assign, change status, explain, ask the citizen, or note; then back to the item."""
        flag = await flags.get(flag_id)
        text = data.text.strip()
        try:
            if action == "assign":
                await flags.assign(flag, data.username.strip())
            elif action == "status":
                status = data.status.strip()
                if status not in MOVES:
                    raise InvalidInput("Choose a status", field="status")
                await flags.change_status(flag, FlagStatusChange(status=status, text=text or None))  # type: ignore[arg-type]
            elif action in ("explanation", "info-request", "notes"):
                if not text:
                    raise InvalidInput("Write something first", field="text")
                work = {"explanation": flags.explain, "info-request": flags.request_info, "notes": flags.note}[action]
                await work(flag, text[:5000])
            else:
                raise InvalidInput(f"Unknown action {action!r}", field="action")
        except DomainError as exc:
            if exc.status == 404:
                raise
            return await self._item(
                request,
                flags,
                await flags.get(flag_id),
                error=exc.message,
                status_code=exc.status if exc.status != 400 else 422,
            )
        return Redirect(f"/dashboard/inbox/{flag_id}", status_code=303)
