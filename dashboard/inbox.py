"""The inbox: flagged feedback for staff (their own), supervisors and directors (their centre's)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.auth import provide_scope
from survey_api.accounts.models import User
from survey_api.accounts.scope import Scope
from survey_api.complaints.models import Flag
from survey_api.complaints.schemas import FlagStatusChange
from survey_api.complaints.services import FlagService
from survey_api.errors import DomainError, InvalidInput
from survey_api.i18n import format_moment, page_context, register

register(
    {
        "inbox.title": {"vi": "Hộp thư phản ánh", "en": "Feedback inbox"},
        "inbox.link": {"vi": "Hộp thư phản ánh, đánh giá cần xử lý", "en": "Feedback inbox"},
        "inbox.empty": {"vi": "Không có mục nào.", "en": "Nothing here."},
        "inbox.filter.open": {"vi": "Đang xử lý", "en": "Open"},
        "inbox.filter.all": {"vi": "Tất cả", "en": "All"},
        "inbox.filter.overdue": {"vi": "Quá hạn", "en": "Overdue"},
        "inbox.kind": {"vi": "Loại", "en": "Kind"},
        "inbox.staff": {"vi": "Cán bộ", "en": "Staff"},
        "inbox.status": {"vi": "Trạng thái", "en": "Status"},
        "inbox.due": {"vi": "Hạn", "en": "Due"},
        "inbox.received": {"vi": "Tiếp nhận", "en": "Received"},
        "inbox.overdue": {"vi": "Quá hạn", "en": "Overdue"},
        "inbox.escalated": {"vi": "Đã chuyển Giám đốc", "en": "Escalated to the director"},
        "inbox.accept_by": {"vi": "Hạn tiếp nhận / từ chối", "en": "Accept or refuse by"},
        "inbox.info_by": {"vi": "Hạn đề nghị bổ sung", "en": "Ask for more by"},
        "inbox.answer_by": {"vi": "Hạn trả lời", "en": "Answer by"},
        "inbox.assigned_to": {"vi": "Người xử lý", "en": "Handled by"},
        "inbox.what": {"vi": "Nội dung", "en": "What was said"},
        "inbox.rating": {"vi": "Mức đánh giá", "en": "Rating"},
        "inbox.reasons": {"vi": "Lý do", "en": "Reasons"},
        "inbox.repeat": {"vi": "Phản ánh lặp lại", "en": "Repeat complaint"},
        "inbox.citizen_verdict": {"vi": "Ý kiến người dân về kết quả xử lý", "en": "The citizen's verdict"},
        "inbox.contact": {"vi": "Thông tin liên hệ của người phản ánh", "en": "The complainant's contact details"},
        "inbox.contact_show": {"vi": "Xem thông tin liên hệ (được ghi nhật ký)", "en": "Show contact details (logged)"},
        "inbox.contact_none": {
            "vi": "Người phản ánh không để lại thông tin liên hệ.",
            "en": "No contact details were left.",
        },
        "inbox.contact_erased": {
            "vi": "Thông tin liên hệ đã được xóa lúc {moment}, khi hết thời hạn lưu giữ sau khi phản ánh kết thúc "
            "(Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15: xóa dữ liệu khi đã dùng xong).",
            "en": "The contact details were erased at {moment}, when their keeping time after the complaint ended ran "
            "out (Law 91/2025 on personal data protection: data are deleted once their purpose is served).",
        },
        "inbox.contact_hidden": {
            "vi": "Thông tin liên hệ chỉ dành cho người xử lý.",
            "en": "Contact details are for the handlers only.",
        },
        "inbox.explanation": {"vi": "Giải trình của cán bộ", "en": "The staff member's explanation"},
        "inbox.explain": {"vi": "Gửi giải trình", "en": "Send explanation"},
        "inbox.assign": {"vi": "Phân công", "en": "Assign"},
        "inbox.assign_to": {"vi": "Giao cho (tên đăng nhập)", "en": "Assign to (user name)"},
        "inbox.move": {"vi": "Cập nhật trạng thái", "en": "Change status"},
        "inbox.move_text": {
            "vi": "Nội dung (trả lời / kết quả / lý do từ chối)",
            "en": "Text (answer / resolution / reason for refusing)",
        },
        "inbox.save": {"vi": "Lưu", "en": "Save"},
        "inbox.ask": {"vi": "Đề nghị người dân bổ sung thông tin", "en": "Ask the citizen for more information"},
        "inbox.note": {"vi": "Ghi chú nội bộ", "en": "Internal note"},
        "inbox.thread": {"vi": "Diễn biến", "en": "History"},
        "inbox.resolution": {"vi": "Kết quả xử lý", "en": "Resolution"},
        "inbox.reject_reason": {"vi": "Lý do từ chối", "en": "Reason for refusing"},
        "inbox.back": {"vi": "← Hộp thư", "en": "← Inbox"},
        "inbox.event.created": {"vi": "Tiếp nhận", "en": "Received"},
        "inbox.event.status": {"vi": "Đổi trạng thái", "en": "Status"},
        "inbox.event.assigned": {"vi": "Phân công", "en": "Assigned"},
        "inbox.event.explanation": {"vi": "Giải trình", "en": "Explanation"},
        "inbox.event.note": {"vi": "Ghi chú", "en": "Note"},
        "inbox.event.info_request": {"vi": "Đề nghị bổ sung", "en": "Asked for more"},
        "inbox.event.citizen_reply": {"vi": "Người dân bổ sung", "en": "Citizen replied"},
        "inbox.event.escalated": {"vi": "Quá hạn, chuyển Giám đốc", "en": "Overdue, escalated"},
        "inbox.event.feedback": {"vi": "Ý kiến về kết quả", "en": "Verdict"},
        "inbox.yes": {"vi": "Hài lòng", "en": "Satisfied"},
        "inbox.no": {"vi": "Không hài lòng", "en": "Not satisfied"},
    }
)

Filter = Literal["open", "all", "overdue"]
MOVES = ("acknowledged", "answered", "closed", "rejected")


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
        flags: NamedDependency[FlagService],
    ) -> Redirect | Template:
        """Assign, change status, explain, ask the citizen, or note; then back to the item."""
        flag = await flags.get(flag_id)
        form = await request.form()
        text = (form.get("text") or "").strip()
        try:
            if action == "assign":
                await flags.assign(flag, form.get("username") or "")
            elif action == "status":
                status = form.get("status") or ""
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
