"""The write path's seam (``survey_api.writes``): subscribers hear of exactly the new rows, inside the writer's
transaction, and one that raises undoes the write it heard of."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api import db
from survey_api.caches import AppCaches
from survey_api.dossiers.models import Dossier
from survey_api.dossiers.schemas import DossierPush
from survey_api.dossiers.services import DossierService
from survey_api.org.models import Centre
from survey_api.ratings.ingest import RatingWriter
from survey_api.ratings.models import Rating
from survey_api.reports.models import RollupMonth
from survey_api.settings import Settings
from survey_api.subscribers import default_subscribers
from survey_api.writes import DossierChange, RatingRow, WriteSubscribers
from tests.helpers import returned_dossier
from tests.integration.test_group_commit import _values

pytestmark = pytest.mark.anyio


async def test_a_failing_subscriber_fails_its_batch_and_only_its_own_rating_is_lost(
    demo: None, settings: Settings, run_in_session: Any
) -> None:
    centre = await run_in_session(lambda s: s.scalar(select(Centre.id).where(Centre.code == "MC-969")))
    heard: list[int] = []

    async def refuse_boom(session: AsyncSession, rows: Sequence[RatingRow]) -> None:
        heard.append(len(rows))
        if any(row["comment"] == "boom" for row in rows):
            raise RuntimeError("a subscriber failed")

    subscribers = default_subscribers(settings, AppCaches())
    subscribers.ratings_stored.append(refuse_boom)
    config = db.alchemy_config(settings)
    writer = RatingWriter(config.get_engine(), settings, subscribers, max_batch=50)
    at = datetime(2026, 7, 2, 1, 0, tzinfo=UTC)
    ratings = [_values(centre, at + timedelta(minutes=i)) for i in range(10)]
    ratings[6]["comment"] = "boom"
    await writer.start()
    futures = [asyncio.ensure_future(writer.submit(v)) for v in ratings]
    await asyncio.sleep(0)  # all ten reach the queue: one batch
    await writer.stop()
    results = await asyncio.gather(*futures, return_exceptions=True)
    await config.get_engine().dispose()

    assert [r is True for r in results] == [True] * 6 + [False] + [True] * 3
    assert isinstance(results[6], RuntimeError)
    assert heard == [10] + [1] * 10  # the batch, then each rating again on its own
    assert await run_in_session(lambda s: s.scalar(select(func.count()).select_from(Rating))) == 9
    # the rollups (an earlier subscriber of the same transaction) lost the refused rating too
    month = await run_in_session(
        lambda s: s.scalar(select(RollupMonth.n5).where(RollupMonth.dim == "centre", RollupMonth.centre_id == centre))
    )
    assert month == 9


async def test_dossier_subscribers_hear_each_change_with_its_state_before_and_after(
    demo: None, settings: Settings, run_in_session: Any
) -> None:
    changes: list[DossierChange] = []

    async def listen(session: AsyncSession, batch: Sequence[DossierChange]) -> None:
        changes.extend(batch)

    service = lambda s: DossierService(s, settings, WriteSubscribers(dossiers_changed=[listen]))  # noqa: E731
    received = returned_dossier(
        status="received", resolved_at=None, returned_at=None, event_at="2026-06-01T08:15:00+07:00"
    )
    returned = returned_dossier()
    for body in (received, returned, received):  # the last one is older than the state: it changes nothing
        push = msgspec.convert(body, DossierPush)
        await run_in_session(lambda s, p=push: service(s).push(p, "test"))

    assert [(c.before and c.before.status, c.after.status) for c in changes] == [
        (None, "received"),
        ("received", "returned"),
    ]
    assert changes[1].before is not None
    assert changes[1].before.returned_at is None
    assert changes[1].after.returned_at == datetime(2026, 6, 13, 2, 0, tzinfo=UTC)


async def test_a_failing_dossier_subscriber_leaves_nothing_behind(
    demo: None, settings: Settings, run_in_session: Any
) -> None:
    async def refuse(session: AsyncSession, batch: Sequence[DossierChange]) -> None:
        raise RuntimeError("a subscriber failed")

    push = msgspec.convert(returned_dossier(), DossierPush)
    subscribers = WriteSubscribers(dossiers_changed=[refuse])
    with pytest.raises(RuntimeError):
        await run_in_session(lambda s: DossierService(s, settings, subscribers).push(push, "test"))
    stored = await run_in_session(
        lambda s: s.scalar(select(func.count()).select_from(Dossier).where(Dossier.code == push.code))
    )
    assert stored == 0
