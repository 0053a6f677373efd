"""Writers that meet: a transaction that read before it writes waits for another writer instead of failing, and
many clients writing at once are all stored, none answered 503 (on SQLite the writers of a process take turns in
the order they came: survey_api.db.SQLiteWriteTurns)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api import db
from survey_api.audit.models import AuditEvent
from survey_api.dossiers.models import Dossier
from survey_api.ratings.models import Rating
from survey_api.settings import Settings
from tests.helpers import integration_headers, returned_dossier

pytestmark = pytest.mark.anyio


def audit_row(action: str) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "at": datetime.now(UTC),
        "actor_type": "system",
        "actor_name": "test",
        "action": action,
        "object_type": "test",
        "object_id": uuid.uuid4(),
        "detail": {},
    }


async def test_a_transaction_that_reads_before_it_writes_waits_for_the_writer_ahead(settings: Settings) -> None:
    engine = db.create_engine(settings)
    table = cast("Table", AuditEvent.__table__)
    try:
        async with AsyncSession(engine) as first, AsyncSession(engine) as second:
            await first.execute(insert(table).values(audit_row("first")))  # first holds the write lock

            async def read_then_write() -> int:
                async with second.begin_nested():  # as a complaint is filed: a savepoint, reads, then writes
                    seen = int(await second.scalar(select(func.count()).select_from(table)) or 0)
                    await second.execute(insert(table).values(audit_row("second")))
                await second.commit()
                return seen

            waiting = asyncio.create_task(read_then_write())
            await asyncio.sleep(0.3)  # on SQLite it waits for the first writer (PostgreSQL lets both write)
            await first.commit()
            await asyncio.wait_for(waiting, 10)  # stored, not refused as "database is locked"
        async with AsyncSession(engine) as check:
            actions = (await check.scalars(select(AuditEvent.action))).all()
        assert sorted(actions) == ["first", "second"]
    finally:
        await engine.dispose()


async def test_32_clients_writing_at_once_are_all_stored_and_none_is_refused(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    """Dossier events from the one-stop system and phone ratings through their links, 32 at a time."""
    onestop = await integration_headers(run_in_session)
    links: list[str] = []
    for n in range(32):
        answer = await client.post("/api/v1/dossiers", json=returned_dossier(f"W-{n:03d}"), headers=onestop)
        assert answer.status_code == 201
        links.append(answer.json()["rating_url"].rsplit("/r/", 1)[1])

    async def one_client(n: int) -> list[int]:
        statuses = []
        for k in range(4):
            event = await client.post("/api/v1/dossiers", json=returned_dossier(f"W-{n:03d}-{k}"), headers=onestop)
            statuses.append(event.status_code)
        rating = {"id": str(uuid.uuid4()), "token": links[n], "overall": 4 + n % 2}
        statuses.append((await client.post("/api/v1/ratings", json=rating)).status_code)
        return statuses

    answers = [status for statuses in await asyncio.gather(*(one_client(n) for n in range(32))) for status in statuses]
    assert sorted(set(answers)) == [201]
    count = await run_in_session(
        lambda s: s.scalar(select(func.count()).select_from(Dossier).where(Dossier.code.like("W-%")))
    )
    assert count == 32 * 5
    assert await run_in_session(lambda s: s.scalar(select(func.count()).select_from(Rating))) == 32


async def test_a_writer_cancelled_while_waiting_for_its_turn_stops_and_leaves_the_turn_free(tmp_path: Any) -> None:
    """On SQLite (a file of its own, whatever database the suite runs on): a job stopped at shutdown while it waits
    to write must stop, not swallow the cancellation, and the next writer must get its turn."""
    import anyio

    from tests.conftest import TEST_SECRET

    url = f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}"
    await anyio.to_thread.run_sync(db.upgrade, url)
    engine = db.create_engine(Settings.from_env({}, database_url=url, secret_key=TEST_SECRET))
    table = cast("Table", AuditEvent.__table__)
    try:
        async with AsyncSession(engine) as first:
            await first.execute(insert(table).values(audit_row("first")))

            async def waiting_writer() -> None:
                async with AsyncSession(engine) as second:
                    await second.execute(insert(table).values(audit_row("cancelled")))
                    await second.commit()

            task = asyncio.create_task(waiting_writer())
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(task, 5)
            await first.commit()
        async with AsyncSession(engine) as third:
            await asyncio.wait_for(third.execute(insert(table).values(audit_row("third"))), 5)
            await third.commit()
            actions = (await third.scalars(select(AuditEvent.action))).all()
        assert sorted(actions) == ["first", "third"]
    finally:
        await engine.dispose()
