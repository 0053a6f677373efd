"""The citizen's complaint form (/phan-anh) and tracking page (/tra-cuu): plain HTML forms, no JavaScript."""

from __future__ import annotations

from itertools import groupby
from typing import Any
from urllib.parse import urlencode

import msgspec
import uuid_utils
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from kiosk.forms import FORM_FIELDS, ComplaintForm, TrackForm
from survey_api.complaints.schemas import CATEGORIES, CitizenReply, ComplaintCreate, FeedbackCreate
from survey_api.complaints.services import ComplaintService
from survey_api.dossiers import tokens
from survey_api.dossiers.models import RatingToken
from survey_api.errors import DomainError, NotFound, database_unavailable, field_from_msgspec
from survey_api.i18n import page_context
from survey_api.org.models import Centre, Staff


def provide_complaints(db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any]) -> ComplaintService:
    return ComplaintService(db_session, request.app.state.settings)


def _context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    context = page_context(request)
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    context["lang_hrefs"] = [
        (code, name, f"{request.url.path}?{urlencode({**query, 'lang': code})}")
        for code, name in context["other_languages"]
    ]
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
    async def submit(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[ComplaintForm],
        complaints: NamedDependency[ComplaintService],
    ) -> Template:
        """File the complaint (safe to resubmit: the form carries its id) and show the tracking code and secret."""
        context = _context(request)
        form: dict[str, Any] = data.values()
        form["consent"] = data.consent == "true"
        token = data.token.strip() or None
        values: dict[str, Any] = {k: v for k, v in form.items() if v not in ("", None)}
        values.update(consent=form["consent"], language=context["lang"])
        if token:
            values["token"] = token
            for key in ("centre_code", "staff_code", "dossier_code"):
                values.pop(key, None)
        try:
            complaint, _ = await complaints.create(
                msgspec.convert(values, ComplaintCreate, strict=False), channel="web"
            )
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
        form: TrackForm,
        complaints: ComplaintService,
        work: Any,
        notice_key: str | None = None,
    ) -> Template:
        context = _context(request)
        code, secret = form.tracking_code.strip(), form.secret.strip()
        try:
            complaint = await work(code, secret, form)
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
    async def lookup(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[TrackForm],
        complaints: NamedDependency[ComplaintService],
    ) -> Template:
        """Status, answer and messages of a complaint (the secret travels in the form body, not the address)."""

        async def work(code: str, secret: str, _: Any) -> Any:
            if not code or not secret:
                raise NotFound("missing")
            return await complaints.find(code, secret)

        return await self._status(request, data, complaints, work)

    @post("/tra-cuu/danh-gia", operation_id="track_page_feedback", status_code=200)
    async def feedback(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[TrackForm],
        complaints: NamedDependency[ComplaintService],
    ) -> Template:
        """The citizen says whether they are satisfied with the handling."""

        async def work(code: str, secret: str, form: TrackForm) -> Any:
            said = {"tracking_code": code, "secret": secret, "satisfied": form.satisfied or None}
            return await complaints.feedback(msgspec.convert(said, FeedbackCreate, strict=False))

        return await self._status(request, data, complaints, work, "track.feedback_thanks")

    @post("/tra-cuu/bo-sung", operation_id="track_page_reply", status_code=200)
    async def reply(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[TrackForm],
        complaints: NamedDependency[ComplaintService],
    ) -> Template:
        """The citizen adds information the centre asked for."""

        async def work(code: str, secret: str, form: TrackForm) -> Any:
            said = {"tracking_code": code, "secret": secret, "text": form.text.strip()}
            return await complaints.reply(msgspec.convert(said, CitizenReply, strict=False))

        return await self._status(request, data, complaints, work, "track.replied")
