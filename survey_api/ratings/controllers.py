"""``POST /api/v1/ratings``: the one door every rating comes through (phone QR or kiosk)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.params import JSONBody

from survey_api.errors import InvalidInput
from survey_api.kiosks.services import KioskSnapshot
from survey_api.ratings.schemas import RatingCheck, RatingCreate, RatingRead
from survey_api.ratings.services import RatingService
from survey_api.ratings.surveys import cached_instrument


def provide_ratings(request: Request[Any, Any, Any]) -> RatingService:
    """The rating service with the request's database session opened only when needed."""
    state = request.app.state
    return RatingService(
        lambda: state.alchemy.provide_session(state, request.scope), state.settings, state.writes, state.caches
    )


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
    if request.auth is not None:  # a Bearer credential (this path asks for no session)
        if not isinstance(request.user, KioskSnapshot):
            raise NotAuthorizedException(
                "Only paired kiosks rate with a Bearer token; citizens use the QR link's token"
            )
        writer = getattr(request.app.state, "rating_writer", None)
        read, created = await ratings.submit_from_kiosk(request.user, data, writer)
        return Response(read, status_code=201 if created else 200)
    if data.token is None:
        raise InvalidInput("Send the QR link's token, or authenticate as a kiosk", field="token")
    rating, created = await ratings.submit_with_token(data)
    return Response(await ratings.read(rating), status_code=201 if created else 200)


@post(
    "/api/v1/ratings/validate",
    operation_id="validate_rating",
    tags=["ratings"],
    dependencies={"ratings": Provide(provide_ratings, sync_to_thread=False)},
    status_code=200,
)
async def validate_rating(
    request: Request[Any, Any, Any], data: JSONBody[RatingCreate], ratings: NamedDependency[RatingService]
) -> RatingCheck:
    """Check a kiosk rating against the survey without storing it (same checks as POST /api/v1/ratings)."""
    if not isinstance(request.user, KioskSnapshot):
        raise NotAuthorizedException("Only paired kiosks validate ratings")
    instrument = await cached_instrument(lambda: ratings.session, ratings.caches.instruments)
    instrument.check(data.answers, data.reasons)
    return RatingCheck(valid=True, survey_version=instrument.version)
