"""``POST /api/v1/ratings``: the one door every rating comes through (phone QR or kiosk)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.auth import authenticate_bearer
from survey_api.errors import InvalidInput
from survey_api.kiosks.models import Kiosk
from survey_api.ratings.schemas import RatingCreate, RatingRead
from survey_api.ratings.services import RatingService


def provide_ratings(db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any]) -> RatingService:
    return RatingService(db_session, request.app.state.settings)


@post(
    "/api/v1/ratings",
    operation_id="submit_rating",
    tags=["ratings"],
    dependencies={"ratings": Provide(provide_ratings, sync_to_thread=False)},
    responses={},
)
async def submit_rating(
    request: Request[Any, Any, Any], data: JSONBody[RatingCreate], ratings: NamedDependency[RatingService]
) -> Response[RatingRead]:
    """Store a rating once: 201 when new, 200 with the stored rating when the same id and body come again."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        principal = (await authenticate_bearer(request, token.strip())).user
        if not isinstance(principal, Kiosk):
            raise NotAuthorizedException("Only kiosks rate with a Bearer token; citizens use the QR link's token")
        rating, created = await ratings.submit_from_kiosk(principal, data)
    elif data.token is not None:
        rating, created = await ratings.submit_with_token(data)
    else:
        raise InvalidInput("Send the QR link's token, or authenticate as a kiosk", field="token")
    return Response(await ratings.read(rating), status_code=201 if created else 200)
