"""The audit trail page: who did what, when (administrators only), newest first, filtered and paged."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard import views
from survey_api.accounts.auth import requires_role
from survey_api.accounts.models import User
from survey_api.audit.services import TRAIL_PAGE, trail
from survey_api.i18n import LOCALES, page_context, translate

ACTIONS: dict[str, dict[str, str]] = {
    "complaint.filed": {"vi": "Gửi phản ánh", "en": "Complaint filed"},
    "complaint.contact_viewed": {"vi": "Xem thông tin liên hệ", "en": "Contact details viewed"},
    "complaint.contact_erased": {"vi": "Xóa thông tin liên hệ (hết hạn lưu giữ)", "en": "Contact details erased"},
    "complaint.reply": {"vi": "Người dân bổ sung thông tin", "en": "Citizen replied"},
    "complaint.feedback": {"vi": "Người dân cho ý kiến về kết quả", "en": "Citizen's verdict"},
    "flag.created": {"vi": "Tạo mục phản ánh", "en": "Flag opened"},
    "flag.assigned": {"vi": "Phân công xử lý", "en": "Flag assigned"},
    "flag.status": {"vi": "Đổi trạng thái", "en": "Status changed"},
    "flag.explained": {"vi": "Cán bộ giải trình", "en": "Staff explanation"},
    "flag.info_requested": {"vi": "Đề nghị người dân bổ sung", "en": "Citizen asked for more"},
    "flag.escalated": {"vi": "Quá hạn, chuyển Giám đốc", "en": "Escalated"},
    "token.revoked": {"vi": "Thu hồi mã truy cập cá nhân", "en": "Personal token revoked"},
    "user.created": {"vi": "Tạo tài khoản", "en": "Login created"},
    "user.deactivated": {"vi": "Khóa tài khoản", "en": "Login deactivated"},
    "user.activated": {"vi": "Mở lại tài khoản", "en": "Login activated"},
    "user.password_set": {"vi": "Đặt lại mật khẩu", "en": "Password set"},
    "integration_key.revoked": {"vi": "Thu hồi khóa tích hợp", "en": "Integration key revoked"},
    "auth.login": {"vi": "Đăng nhập", "en": "Login"},
    "auth.login_failed": {"vi": "Đăng nhập không thành công", "en": "Failed login"},
    "auth.logout": {"vi": "Đăng xuất", "en": "Logout"},
    "report.exported": {"vi": "Tải báo cáo (CSV/XLSX)", "en": "Report downloaded (CSV/XLSX)"},
}
"""Every action the product records, with its label: the filter's choices."""


class AuditPages(Controller):
    path = "/dashboard/audit"
    include_in_schema = False
    guards = [requires_role("admin")]

    @get("/", operation_id="audit_page", name="audit")
    async def trail_page(
        self,
        request: Request[User, Any, Any],
        db_session: NamedDependency[AsyncSession],
        action: FromQuery[str | None] = None,
        actor: FromQuery[str | None] = None,
        date_from: FromQuery[str | None] = None,
        date_to: FromQuery[str | None] = None,
        before: FromQuery[str | None] = None,
    ) -> Template:
        """The newest events first, TRAIL_PAGE at a time; a bad date or action is said on the page."""
        context = page_context(request)
        lang = context["lang"]
        tz = ZoneInfo(request.app.state.settings.timezone)
        values = {
            "action": (action or "").strip(),
            "actor": (actor or "").strip(),
            "date_from": (date_from or "").strip(),
            "date_to": (date_to or "").strip(),
        }
        errors = []
        days = {}
        for name in ("date_from", "date_to"):
            try:
                days[name] = views.parse_day(values[name])
            except ValueError:
                errors.append(translate("filter.bad_date", lang, value=values[name]))
                values[name], days[name] = "", None
        if values["action"] and values["action"] not in ACTIONS:
            errors.append(translate("filter.bad_action", lang, value=values["action"]))
            values["action"] = ""
        try:
            after = uuid.UUID(before) if before else None
        except ValueError:
            after = None
        start = datetime.combine(days["date_from"], time.min, tz).astimezone(UTC) if days["date_from"] else None
        end = (
            datetime.combine(days["date_to"] + timedelta(days=1), time.min, tz).astimezone(UTC)
            if days["date_to"]
            else None
        )
        events = await trail(
            db_session,
            action=values["action"] or None,
            actor=values["actor"] or None,
            start=start,
            end=end,
            before=after,
        )
        kept = {k: v for k, v in values.items() if v}
        return Template(
            "dashboard/audit.html",
            context={
                **context,
                "events": events,
                "values": values,
                "actions": [(code, translate(f"audit.action.{code}", lang)) for code in ACTIONS],
                "error": " ".join(errors),
                "paged": after is not None,
                "newest_link": "?" + urlencode(kept),
                "older_link": "?" + urlencode({**kept, "before": str(events[-1].id)})
                if len(events) == TRAIL_PAGE
                else None,
                "fmt_moment": lambda v: format_datetime(
                    v, format="dd/MM/yyyy HH:mm:ss", tzinfo=tz, locale=LOCALES[lang]
                ),
                "fmt_detail": lambda d: json.dumps(d, ensure_ascii=False, sort_keys=True) if d else "",
            },
        )
