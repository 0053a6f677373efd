"""The citizen's phone rating page, opened from the QR on the result slip. Works as a plain HTML form."""

from __future__ import annotations

from typing import Any

import msgspec
import uuid_utils
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.errors import Conflict, DomainError, Gone, InvalidInput, NotFound, database_unavailable
from survey_api.i18n import page_context
from survey_api.ratings.schemas import RatingCreate
from survey_api.ratings.services import RatingService
from survey_api.ratings.surveys import active_instrument

STATUS_CODES = {"used": 409, "expired": 410, "unknown": 404}


def provide_ratings(db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any]) -> RatingService:
    state = request.app.state
    return RatingService(db_session, state.settings, state.writes, state.caches)


class PhoneRatingPage(Controller):
    path = "/r"
    include_in_schema = False
    dependencies = {"ratings": Provide(provide_ratings, sync_to_thread=False)}

    async def _page(
        self,
        request: Request[Any, Any, Any],
        ratings: RatingService,
        token: str,
        *,
        error: str | None = None,
        form: dict[str, Any] | None = None,
        status_code: int = 200,
    ) -> Template:
        state, row = await ratings.token_status(token)
        context = page_context(request)
        if state != "valid" or row is None:
            return Template(
                "phone/state.html", context={**context, "state": state}, status_code=STATUS_CODES.get(state, 404)
            )
        instrument = await active_instrument(ratings.session)
        return Template(
            "phone/rate.html",
            context={
                **context,
                "token": token,
                "dossier": row.dossier,
                "survey": instrument.definition,
                "form": form or {"id": str(uuid_utils.uuid7())},
                "error": error,
            },
            status_code=status_code,
        )

    @get("/{token:str}", operation_id="phone_rating_page")
    async def show(
        self, request: Request[Any, Any, Any], token: FromPath[str], ratings: NamedDependency[RatingService]
    ) -> Template:
        """The rating form for one returned dossier (or a clear page if the link is used, expired or wrong)."""
        return await self._page(request, ratings, token)

    @post("/{token:str}", operation_id="phone_rating_submit", status_code=200)
    async def submit(
        self, request: Request[Any, Any, Any], token: FromPath[str], ratings: NamedDependency[RatingService]
    ) -> Template:
        """Store the rating (safe to resubmit: the form carries its own id) and thank the citizen."""
        form = await request.form()
        context = page_context(request)
        values: dict[str, Any] = {
            "id": form.get("id"),
            "overall": form.get("overall"),
            "token": token,
            "language": context["lang"],
            "comment": (form.get("comment") or "").strip() or None,
            "reasons": form.getall("reasons", []),
            "answers": {
                key.removeprefix("answer_"): value
                for key, value in form.items()
                if key.startswith("answer_") and value != ""
            },
        }
        kept = {"id": values["id"], "overall": values["overall"], "answers": values["answers"], **values}
        if not values["overall"]:
            return await self._page(
                request, ratings, token, error=context["t"]("phone.choose_overall"), form=kept, status_code=422
            )
        try:
            data = msgspec.convert(values, RatingCreate, strict=False)
            await ratings.submit_with_token(data, channel="qr")
            await ratings.session.commit()  # here: a failure shows the form again with what was chosen
        except (msgspec.ValidationError, InvalidInput):
            return await self._page(
                request, ratings, token, error=context["t"]("phone.invalid"), form=kept, status_code=422
            )
        except (Conflict, Gone, NotFound) as exc:
            state = {Conflict: "used", Gone: "expired"}.get(type(exc), "unknown")
            return Template("phone/state.html", context={**context, "state": state}, status_code=STATUS_CODES[state])
        except DomainError:
            raise
        except DBAPIError as exc:  # the form again, with what was chosen and written, to send once more
            if not database_unavailable(exc):
                raise
            await ratings.session.rollback()
            error = context["t"]("phone.unsaved")
            return await self._page(request, ratings, token, error=error, form=kept, status_code=503)
        return Template("phone/thanks.html", context=context)
