"""Group commit: concurrent kiosk ratings share transactions, are answered only once committed, and one
bad row cannot sink the others."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from survey_api import db
from survey_api.audit.models import AuditEvent
from survey_api.caches import AppCaches
from survey_api.complaints.models import Flag, FlagEvent
from survey_api.errors import Conflict
from survey_api.ratings.ingest import RatingWriter
from survey_api.ratings.models import Rating
from survey_api.reports.models import RollupMonth
from survey_api.settings import Settings
from survey_api.subscribers import default_subscribers
from tests.helpers import kiosk_headers

pytestmark = pytest.mark.anyio
SURVEY_V1 = uuid.UUID("00000000-0000-4000-8000-000000000001")


async def test_concurrent_kiosk_ratings_and_retries_are_stored_exactly_once(
    client: AsyncTestClient[Any], demo: None, run_in_session: Any
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    t0 = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)
    bodies = [
        {"id": str(uuid.uuid4()), "overall": 1 + i % 5, "submitted_at": (t0 + timedelta(minutes=i)).isoformat()}
        for i in range(120)
    ]
    statuses: list[int] = []

    async def send(body: dict[str, Any]) -> None:
        statuses.append((await client.post("/api/v1/ratings", json=body, headers=kiosk)).status_code)

    async with anyio.create_task_group() as tg:
        for body in bodies + bodies[:30]:  # the first 30 are also retried at the same time
            tg.start_soon(send, body)
    assert sorted(statuses).count(201) == 120
    assert sorted(statuses).count(200) == 30
    assert await run_in_session(lambda s: s.scalar(select(func.count()).select_from(Rating))) == 120
    month = await run_in_session(
        lambda s: s.execute(select(RollupMonth.n1, RollupMonth.n5).where(RollupMonth.dim == "centre"))
    )
    assert [tuple(r) for r in month] == [(24, 24)]
    assert client.app.state.rating_writer.written == 120
    # Each rating at the two lowest levels opened one flag, with its first thread entry and audit record;
    # the retries opened none.
    for model, where in (
        (Flag, Flag.reason == "low_rating"),
        (FlagEvent, FlagEvent.kind == "created"),
        (AuditEvent, AuditEvent.action == "flag.created"),
    ):
        count = await run_in_session(lambda s, m=model, w=where: s.scalar(select(func.count()).select_from(m).where(w)))
        assert count == 48, model.__name__


def _values(centre: uuid.UUID, at: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "survey_id": SURVEY_V1,
        "channel": "kiosk",
        "centre_id": centre,
        "counter_id": None,
        "staff_id": None,
        "agency_id": None,
        "procedure_id": None,
        "dossier_id": None,
        "kiosk_id": None,
        "overall": 5,
        "answers": {},
        "reasons": [],
        "comment": None,
        "language": "vi",
        "submitted_at": at,
        "received_at": at,
        "suspected_repeat": False,
        "body_hash": "h",
    }


async def test_a_bad_row_is_refused_alone_and_shutdown_drains_the_queue(
    demo: None, settings: Settings, run_in_session: Any
) -> None:
    from survey_api.org.models import Centre

    centre = await run_in_session(lambda s: s.scalar(select(Centre.id).where(Centre.code == "MC-969")))
    config = db.alchemy_config(settings)
    writer = RatingWriter(config.get_engine(), settings, default_subscribers(settings, AppCaches()), max_batch=50)
    at = datetime(2026, 7, 2, 1, 0, tzinfo=UTC)
    good = [_values(centre, at + timedelta(minutes=i)) for i in range(9)]
    bad = _values(uuid.uuid4(), at)  # a centre that does not exist: the foreign key refuses it
    await writer.start()
    futures = [asyncio.ensure_future(writer.submit(v)) for v in [*good[:4], bad, *good[4:]]]
    await asyncio.sleep(0)  # let the ten requests reach the queue
    await writer.stop()  # drains: every rating queued before the stop is written or refused
    results = await asyncio.gather(*futures, return_exceptions=True)
    assert [r is True for r in results] == [True] * 4 + [False] + [True] * 5, results
    assert isinstance(results[4], Exception)
    stored = await run_in_session(lambda s: s.scalar(select(func.count()).select_from(Rating)))
    assert stored == 9
    assert writer.batches == 1  # all ten were queued together: one batch, retried row by row when it failed
    await config.get_engine().dispose()


async def test_a_batch_mixing_retries_and_new_ratings_tells_each_apart(
    demo: None, settings: Settings, run_in_session: Any
) -> None:
    """Ratings already stored (a kiosk retrying after a lost answer) queued with new ones: each retry is answered
    as a replay (or refused if its body differs), each new one stored, and the rollups count the new ones only."""
    from survey_api.org.models import Centre

    centre = await run_in_session(lambda s: s.scalar(select(Centre.id).where(Centre.code == "MC-969")))
    config = db.alchemy_config(settings)
    writer = RatingWriter(config.get_engine(), settings, default_subscribers(settings, AppCaches()), max_batch=50)
    at = datetime(2026, 7, 3, 1, 0, tzinfo=UTC)
    first = [_values(centre, at + timedelta(minutes=i)) for i in range(5)]
    await writer.start()
    assert await asyncio.gather(*(writer.submit(v) for v in first)) == [True] * 5
    changed = {**first[3], "body_hash": "another body"}
    new = [_values(centre, at + timedelta(hours=1, minutes=i)) for i in range(4)]
    futures = [asyncio.ensure_future(writer.submit(v)) for v in [*first[:3], changed, *new]]
    await asyncio.sleep(0)  # all eight reach the queue before the writer takes them
    batches = writer.batches
    results = await asyncio.gather(*futures, return_exceptions=True)
    await writer.stop()
    assert results[:3] == [False, False, False]
    assert isinstance(results[3], Conflict)
    assert results[4:] == [True] * 4
    assert writer.batches == batches + 1  # one batch, told apart rating by rating
    assert await run_in_session(lambda s: s.scalar(select(func.count()).select_from(Rating))) == 9
    month = await run_in_session(
        lambda s: s.scalar(select(RollupMonth.n5).where(RollupMonth.dim == "centre", RollupMonth.centre_id == centre))
    )
    assert month == 9
    await config.get_engine().dispose()
