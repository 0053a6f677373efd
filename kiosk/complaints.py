"""The citizen's complaint form (/phan-anh) and tracking page (/tra-cuu): plain HTML forms, no JavaScript."""

from __future__ import annotations

from itertools import groupby
from typing import Any
from urllib.parse import urlencode

import msgspec
import uuid_utils
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.complaints.schemas import CATEGORIES, CitizenReply, ComplaintCreate, FeedbackCreate
from survey_api.complaints.services import ComplaintService
from survey_api.dossiers import tokens
from survey_api.dossiers.models import RatingToken
from survey_api.errors import DomainError, NotFound, database_unavailable, field_from_msgspec
from survey_api.i18n import page_context, register
from survey_api.org.models import Centre, Staff

register(
    {
        "complaints.title": {"vi": "Phản ánh, kiến nghị", "en": "Report a problem"},
        "complaints.intro": {
            "vi": "Phản ánh về thái độ, hành vi của cán bộ: nhũng nhiễu, gây phiền hà, hướng dẫn sai, chậm trễ, "
            "thu phí ngoài quy định. Trung tâm phải trả lời trong thời hạn quy định.",
            "en": "Report staff conduct: harassment, causing trouble, wrong guidance, delay, fees outside the rules. "
            "The centre must answer within the legal time limit.",
        },
        "complaints.fix": {
            "vi": "Vui lòng kiểm tra lại các mục được đánh dấu.",
            "en": "Please check the marked fields.",
        },
        "complaints.centre": {"vi": "Trung tâm, Bộ phận Một cửa", "en": "Centre"},
        "complaints.choose_centre": {"vi": "— Chọn nơi Ông/Bà làm thủ tục —", "en": "— Choose where you were served —"},
        "complaints.staff": {"vi": "Cán bộ", "en": "Staff member"},
        "complaints.staff_optional": {"vi": "Cán bộ bị phản ánh (nếu biết)", "en": "Staff member (if known)"},
        "complaints.no_staff": {"vi": "— Không nêu tên —", "en": "— Not named —"},
        "complaints.dossier_optional": {"vi": "Mã hồ sơ (nếu có)", "en": "Dossier code (if any)"},
        "complaints.category": {"vi": "Nội dung phản ánh", "en": "What is it about?"},
        "complaints.text": {"vi": "Mô tả sự việc", "en": "What happened"},
        "complaints.text_hint": {"vi": "Tối đa 5.000 ký tự", "en": "Up to 5,000 characters"},
        "complaints.contact": {"vi": "Thông tin liên hệ (không bắt buộc)", "en": "Contact details (optional)"},
        "complaints.contact_hint": {
            "vi": "Chỉ người xử lý phản ánh được xem; cán bộ bị phản ánh không được xem. Thông tin liên hệ được xóa "
            "{days} ngày sau khi phản ánh kết thúc.",
            "en": "Only the people handling the complaint see them, never the staff member concerned. They are erased "
            "{days} days after the complaint ends.",
        },
        "complaints.name": {"vi": "Họ và tên", "en": "Name"},
        "complaints.phone": {"vi": "Số điện thoại", "en": "Phone"},
        "complaints.email": {"vi": "Thư điện tử", "en": "Email"},
        "complaints.consent": {
            "vi": "Tôi đồng ý để Trung tâm lưu và sử dụng thông tin liên hệ trên chỉ để xử lý và trả lời phản ánh này.",
            "en": "I agree that the centre keeps and uses these contact details only to handle and answer this report.",
        },
        "complaints.submit": {"vi": "Gửi phản ánh", "en": "Send"},
        "complaints.received": {"vi": "Đã tiếp nhận phản ánh", "en": "Your report was received"},
        "complaints.received_more": {
            "vi": "Trung tâm sẽ trả lời chậm nhất ngày {date}.",
            "en": "The centre will answer by {date} at the latest.",
        },
        "complaints.keep": {
            "vi": "Vui lòng ghi lại hoặc chụp màn hình mã tra cứu và mã bí mật để theo dõi kết quả xử lý.",
            "en": "Write down or take a screenshot of both codes to follow your report.",
        },
        "complaints.err.text": {
            "vi": "Vui lòng mô tả sự việc (tối đa 5.000 ký tự).",
            "en": "Please say what happened (up to 5,000 characters).",
        },
        "complaints.err.consent": {
            "vi": "Để lưu thông tin liên hệ, vui lòng đánh dấu ô đồng ý, hoặc bỏ trống thông tin liên hệ.",
            "en": "To keep contact details, tick the consent box, or leave them out.",
        },
        "complaints.err.centre_code": {"vi": "Vui lòng chọn trung tâm.", "en": "Please choose the centre."},
        "complaints.err.staff_code": {
            "vi": "Cán bộ này không làm việc tại trung tâm đã chọn.",
            "en": "This staff member does not work at the chosen centre.",
        },
        "complaints.err.category": {"vi": "Vui lòng chọn nội dung phản ánh.", "en": "Please choose what it is about."},
        "complaints.err.phone": {"vi": "Số điện thoại chưa đúng.", "en": "The phone number is not valid."},
        "complaints.err.email": {"vi": "Địa chỉ thư điện tử chưa đúng.", "en": "The email address is not valid."},
        "complaints.err.name": {"vi": "Họ tên quá dài.", "en": "The name is too long."},
        "complaints.unsaved": {
            "vi": "Chưa gửi được phản ánh do hệ thống tạm thời gián đoạn; chưa có gì được lưu. Nội dung Ông/Bà đã "
            "nhập vẫn còn dưới đây, vui lòng bấm Gửi phản ánh lại sau ít phút.",
            "en": "Your report could not be sent: the system is briefly unavailable and nothing was saved. What you "
            "wrote is still below; please press Send again in a few minutes.",
        },
        "complaints.err.other": {"vi": "Thông tin chưa hợp lệ.", "en": "Something is not valid."},
        "track.title": {"vi": "Tra cứu phản ánh", "en": "Follow a report"},
        "track.link": {"vi": "Tra cứu kết quả xử lý phản ánh", "en": "Follow a report"},
        "track.intro": {
            "vi": "Nhập mã tra cứu và mã bí mật được cấp khi gửi phản ánh.",
            "en": "Enter the tracking code and the secret you were given.",
        },
        "track.code": {"vi": "Mã tra cứu", "en": "Tracking code"},
        "track.secret": {"vi": "Mã bí mật", "en": "Secret"},
        "track.submit": {"vi": "Tra cứu", "en": "Look up"},
        "track.not_found": {
            "vi": "Không tìm thấy phản ánh với mã tra cứu và mã bí mật này.",
            "en": "No report with this tracking code and secret.",
        },
        "track.status": {"vi": "Trạng thái", "en": "Status"},
        "track.received": {"vi": "Ngày tiếp nhận", "en": "Received"},
        "track.due": {"vi": "Hạn trả lời", "en": "Answer due by"},
        "track.answer": {"vi": "Trả lời của Trung tâm", "en": "The centre's answer"},
        "track.rejected": {"vi": "Lý do không thụ lý", "en": "Why it was refused"},
        "track.messages": {"vi": "Trao đổi", "en": "Messages"},
        "track.kind.info_request": {
            "vi": "Trung tâm đề nghị bổ sung thông tin",
            "en": "The centre asks for more information",
        },
        "track.kind.citizen_reply": {"vi": "Ông/Bà đã bổ sung", "en": "You added"},
        "track.reply": {"vi": "Bổ sung thông tin", "en": "Add information"},
        "track.reply_send": {"vi": "Gửi bổ sung", "en": "Send"},
        "track.replied": {"vi": "Đã gửi thông tin bổ sung.", "en": "Your information was sent."},
        "track.feedback": {
            "vi": "Ông/Bà có hài lòng với kết quả xử lý phản ánh không?",
            "en": "Are you satisfied with how your report was handled?",
        },
        "track.feedback_given": {"vi": "Ông/Bà đã chọn: {verdict}", "en": "Your answer: {verdict}"},
        "track.feedback_thanks": {"vi": "Cảm ơn Ông/Bà đã cho ý kiến.", "en": "Thank you for your opinion."},
        "track.yes": {"vi": "Hài lòng", "en": "Satisfied"},
        "track.no": {"vi": "Không hài lòng", "en": "Not satisfied"},
    }
)

FORM_FIELDS = ("centre_code", "staff_code", "dossier_code", "category", "text", "name", "phone", "email")


def provide_complaints(db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any]) -> ComplaintService:
    return ComplaintService(db_session, request.app.state.settings)


def _context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    context = page_context(request)
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    query["lang"] = context["other_lang"]
    context["lang_href"] = f"{request.url.path}?{urlencode(query)}"
    return context


def _errors(exc: Exception, t: Any) -> dict[str, str]:
    """Field → Vietnamese (or English) message, from a domain error or a msgspec validation error."""
    if isinstance(exc, msgspec.ValidationError):
        fields = [field_from_msgspec(str(exc))[0]]
    else:
        assert isinstance(exc, DomainError)
        fields = [item.field for item in exc.errors] or [None]
    out = {}
    for field in fields:
        key = field if field in FORM_FIELDS or field == "consent" else "other"
        out[field or "other"] = t(f"complaints.err.{key}")
    return out


class ComplaintPages(Controller):
    include_in_schema = False
    dependencies = {"complaints": Provide(provide_complaints, sync_to_thread=False)}

    async def _form(
        self,
        request: Request[Any, Any, Any],
        complaints: ComplaintService,
        token: str | None,
        form: dict[str, Any],
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        session = complaints.session
        dossier = None
        lookup = tokens.SigningKeys.from_settings(complaints.settings).lookup_digest(token) if token else None
        if lookup is not None:
            row = await session.scalar(select(RatingToken).where(RatingToken.token_hash == lookup))
            dossier = row.dossier if row is not None else None
        context: dict[str, Any] = {
            **_context(request),
            "token": token if dossier is not None else None,
            "dossier": dossier,
            "categories": CATEGORIES,
            "form": form,
            "errors": errors or {},
            "contact_days": complaints.settings.complaint_contact_days,
        }
        if dossier is None:
            centres = list(await session.scalars(select(Centre).where(Centre.active.is_(True)).order_by(Centre.name)))
            staff = list(
                await session.scalars(
                    select(Staff)
                    .join(Centre, Staff.centre_id == Centre.id)
                    .where(Staff.active.is_(True))
                    .order_by(Centre.name, Staff.full_name)
                )
            )
            context["centres"] = centres
            context["staff_by_centre"] = [
                (name, list(group)) for name, group in groupby(staff, key=lambda s: s.centre.name)
            ]
        return Template("complaints/form.html", context=context, status_code=status_code)

    @get("/phan-anh", operation_id="complaint_form")
    async def form(
        self,
        request: Request[Any, Any, Any],
        complaints: NamedDependency[ComplaintService],
        token: FromQuery[str | None] = None,
        centre: FromQuery[str | None] = None,
    ) -> Template:
        """The complaint form; a QR token fills in the centre, staff member and dossier."""
        return await self._form(request, complaints, token, {"id": str(uuid_utils.uuid7()), "centre_code": centre})

    @post("/phan-anh", operation_id="complaint_form_submit", status_code=200)
    async def submit(self, request: Request[Any, Any, Any], complaints: NamedDependency[ComplaintService]) -> Template:
        """File the complaint (safe to resubmit: the form carries its id) and show the tracking code and secret."""
        raw = await request.form()
        context = _context(request)
        form = {k: (raw.get(k) or "").strip() for k in (*FORM_FIELDS, "id", "token")}
        form["consent"] = raw.get("consent") == "true"
        token = form.pop("token") or None
        values: dict[str, Any] = {k: v for k, v in form.items() if v not in ("", None)}
        values.update(consent=form["consent"], language=context["lang"])
        if token:
            values["token"] = token
            for key in ("centre_code", "staff_code", "dossier_code"):
                values.pop(key, None)
        try:
            data = msgspec.convert(values, ComplaintCreate, strict=False)
            complaint, _ = await complaints.create(data, channel="web")
            await complaints.session.commit()  # here: a failure shows the form again with what was written
        except (msgspec.ValidationError, DomainError) as exc:
            if isinstance(exc, DomainError) and exc.status >= 500:  # pragma: no cover - domain errors are 4xx
                raise
            return await self._form(request, complaints, token, form, _errors(exc, context["t"]), status_code=422)
        except DBAPIError as exc:
            if not database_unavailable(exc):
                raise
            await complaints.session.rollback()
            unsaved = {"unsaved": context["t"]("complaints.unsaved")}
            return await self._form(request, complaints, token, form, unsaved, status_code=503)
        created = await complaints.created(complaint)
        return Template("complaints/receipt.html", context={**context, "created": created}, status_code=201)

    @get("/tra-cuu", operation_id="track_page")
    async def track(self, request: Request[Any, Any, Any], code: FromQuery[str | None] = None) -> Template:
        """Ask for the tracking code and the secret."""
        return Template("complaints/track.html", context={**_context(request), "code": code})

    async def _status(
        self,
        request: Request[Any, Any, Any],
        complaints: ComplaintService,
        work: Any,
        notice_key: str | None = None,
    ) -> Template:
        raw = await request.form()
        context = _context(request)
        code, secret = (raw.get("tracking_code") or "").strip(), (raw.get("secret") or "").strip()
        try:
            complaint = await work(code, secret, raw)
        except NotFound:
            return Template(
                "complaints/track.html",
                context={**context, "code": code, "error": context["t"]("track.not_found")},
                status_code=404,
            )
        except (msgspec.ValidationError, DomainError) as exc:
            complaint = await complaints.find(code, secret)
            status = await complaints.status(complaint)
            message = context["t"]("complaints.err.other") if isinstance(exc, msgspec.ValidationError) else exc.message
            return Template(
                "complaints/status.html",
                context={**context, "status": status, "secret": secret, "error": message},
                status_code=422,
            )
        status = await complaints.status(complaint)
        notice = context["t"](notice_key) if notice_key else None
        return Template(
            "complaints/status.html", context={**context, "status": status, "secret": secret, "notice": notice}
        )

    @post("/tra-cuu", operation_id="track_page_submit", status_code=200)
    async def lookup(self, request: Request[Any, Any, Any], complaints: NamedDependency[ComplaintService]) -> Template:
        """Status, answer and messages of a complaint (the secret travels in the form body, not the address)."""

        async def work(code: str, secret: str, _: Any) -> Any:
            if not code or not secret:
                raise NotFound("missing")
            return await complaints.find(code, secret)

        return await self._status(request, complaints, work)

    @post("/tra-cuu/danh-gia", operation_id="track_page_feedback", status_code=200)
    async def feedback(
        self, request: Request[Any, Any, Any], complaints: NamedDependency[ComplaintService]
    ) -> Template:
        """The citizen says whether they are satisfied with the handling."""

        async def work(code: str, secret: str, raw: Any) -> Any:
            data = msgspec.convert(
                {"tracking_code": code, "secret": secret, "satisfied": raw.get("satisfied")},
                FeedbackCreate,
                strict=False,
            )
            return await complaints.feedback(data)

        return await self._status(request, complaints, work, "track.feedback_thanks")

    @post("/tra-cuu/bo-sung", operation_id="track_page_reply", status_code=200)
    async def reply(self, request: Request[Any, Any, Any], complaints: NamedDependency[ComplaintService]) -> Template:
        """The citizen adds information the centre asked for."""

        async def work(code: str, secret: str, raw: Any) -> Any:
            data = msgspec.convert(
                {"tracking_code": code, "secret": secret, "text": (raw.get("text") or "").strip()},
                CitizenReply,
                strict=False,
            )
            return await complaints.reply(data)

        return await self._status(request, complaints, work, "track.replied")
