"""``GET /health``: answers ok only after a database round trip."""

from __future__ import annotations

import logging

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

logger = logging.getLogger("survey_api")


class Health(msgspec.Struct):
    status: str


@get(
    "/health",
    operation_id="health",
    tags=["system"],
    cache=False,
    responses={503: ResponseSpec(Health, description="The database could not be reached", generate_examples=False)},
)
async def health(db_session: NamedDependency[AsyncSession]) -> Response[Health]:
    """Liveness and database reachability: 200 ``ok`` or 503 ``unavailable``."""
    try:
        await db_session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy"
        logger.warning("health check: database unreachable", exc_info=True)
        return Response(Health("unavailable"), status_code=503)
    return Response(Health("ok"))
