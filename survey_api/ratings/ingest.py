"""Group commit for kiosk ratings: the ratings waiting at any moment are written in one transaction.

Each request puts its rating on a queue and waits; one writer task takes everything queued (up to
``max_batch``), inserts it with one statement, tells the write path's subscribers (``survey_api.writes``: the
rollups, the flags) in the same transaction, commits, and only then answers every request of the batch. Under
load batches grow by themselves; when idle a rating is written at once (no timer to wait for). If a batch fails
(a bad row, or a subscriber that raised), its ratings are retried one by one, so a bad row cannot sink the others.
On shutdown the queue is drained before the database is closed.
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from survey_api.errors import Conflict
from survey_api.ratings.models import Rating
from survey_api.settings import Settings
from survey_api.writes import WriteSubscribers

logger = logging.getLogger("survey_api.ingest")


class MixedBatch(Exception):
    """Some ratings of a batch were stored already: the batch is written again one rating at a time."""


@dataclass(slots=True)
class Pending:
    values: dict[str, Any]
    future: asyncio.Future[bool] | None = field(default=None)


async def write_batch(
    session: AsyncSession, settings: Settings, subscribers: WriteSubscribers, batch: list[Pending]
) -> list[bool | Exception]:
    """Store a batch in the caller's transaction and publish the new ratings to ``subscribers`` in it. For each
    rating: True (new), False (a replay of the same body) or the error to answer (a different body under an existing
    id). The caller commits; a subscriber's error propagates, so the caller rolls the batch back. On SQLite a batch of
    several ratings, some of them stored already, raises ``MixedBatch``: the caller writes them one at a time."""
    results: list[bool | Exception] = [False] * len(batch)
    first_by_id: dict[uuid.UUID, int] = {}
    for index, pending in enumerate(batch):
        first = first_by_id.setdefault(pending.values["id"], index)
        if first != index:  # the same id twice in one batch: a retry that overtook its own answer
            same = batch[first].values["body_hash"] == pending.values["body_hash"]
            results[index] = (
                False if same else Conflict("A different rating was already stored with this id", field="id")
            )
    unique = [batch[i] for i in sorted(first_by_id.values())]
    await _mark_repeats(session, settings, unique)

    dialect = session.get_bind().dialect.name
    statement = _insert_statement(dialect)
    # in id order: writers in other processes take their row locks in the same order
    ordered = sorted((p.values for p in unique), key=lambda values: values["id"])
    if dialect == "sqlite":
        # A plain executemany is a fifth cheaper than RETURNING here, and its row count says whether every rating
        # was new, as nearly always. If some were stored already (retries), the batch goes again one by one.
        count = (await session.execute(statement, ordered)).rowcount  # type: ignore[attr-defined]
        if count == len(ordered):
            inserted = {values["id"] for values in ordered}
        elif len(ordered) == 1:
            inserted = set()
        else:
            raise MixedBatch(f"{len(ordered) - count} of {len(ordered)} ratings were stored already")
    else:
        # one compiled statement sent as multi-row batches ("insertmanyvalues"), returning the new ids
        inserted = set((await session.execute(statement, ordered)).scalars())
    missing = [p.values["id"] for p in unique if p.values["id"] not in inserted]
    stored_hash: dict[uuid.UUID, str] = {}
    if missing:
        rows = await session.execute(select(Rating.id, Rating.body_hash).where(Rating.id.in_(missing)))
        stored_hash = {row.id: row.body_hash for row in rows}
    for pending in unique:
        index = first_by_id[pending.values["id"]]
        rating_id = pending.values["id"]
        if rating_id in inserted:
            results[index] = True
        elif stored_hash.get(rating_id) == pending.values["body_hash"]:
            results[index] = False
        else:
            results[index] = Conflict("A different rating was already stored with this id", field="id")

    await subscribers.publish_ratings(session, [p.values for p in unique if p.values["id"] in inserted])
    return results


@functools.cache
def _insert_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT (id) DO NOTHING as Core (no ORM work), returning the new ids on PostgreSQL; built once per
    dialect, so SQLAlchemy finds its compiled form by a remembered cache key instead of working the key out again."""
    table = cast("Table", Rating.__table__)
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=["id"])


_NEARBY_TAPS = select(Rating.kiosk_id, Rating.submitted_at).where(
    Rating.kiosk_id.in_(bindparam("kiosks", expanding=True)),
    Rating.submitted_at > bindparam("after"),
    Rating.submitted_at < bindparam("before"),
)


async def _mark_repeats(session: AsyncSession, settings: Settings, batch: list[Pending]) -> None:
    """A kiosk tap closer than the minimum interval to another of the same device (by the device's clock)."""
    gap = timedelta(seconds=settings.kiosk_min_interval_seconds)
    kiosks = {p.values["kiosk_id"] for p in batch if p.values.get("kiosk_id")}
    if not gap or not kiosks:
        return
    times = [p.values["submitted_at"] for p in batch if p.values.get("claimed_at") is None]
    if not times:
        return
    rows = await session.execute(
        _NEARBY_TAPS, {"kiosks": list(kiosks), "after": min(times) - gap, "before": max(times) + gap}
    )
    seen: dict[uuid.UUID, list[datetime]] = {k: [] for k in kiosks}
    for row in rows:
        bisect.insort(seen[row.kiosk_id], row.submitted_at)
    for pending in batch:
        kiosk = pending.values.get("kiosk_id")
        if kiosk is None or pending.values.get("claimed_at") is not None:
            continue  # a device time not believed says nothing of how close two taps were
        at = pending.values["submitted_at"]
        near = seen[kiosk]
        i = bisect.bisect_left(near, at)
        close = (i < len(near) and near[i] - at < gap) or (i > 0 and at - near[i - 1] < gap)
        pending.values["suspected_repeat"] = bool(close)
        bisect.insort(near, at)


class RatingWriter:
    """The queue and the writer task (one per process). The writer keeps one connection of its own between
    batches, so a batch costs no pool check-out, liveness ping or reset; after a failure it reconnects.

    One writer, not several: on PostgreSQL a second connection writing the next batch while the previous one
    waits for the server made batches smaller and cost more CPU than it saved (2,238 → 1,973 ratings/s in the
    ingest benchmark); SQLite takes one writer at a time anyway."""

    def __init__(
        self, engine: AsyncEngine, settings: Settings, subscribers: WriteSubscribers, max_batch: int = 400
    ) -> None:
        self.engine = engine
        self.connection: AsyncConnection | None = None
        self.settings = settings
        self.subscribers = subscribers
        self.max_batch = max_batch
        self.queue: asyncio.Queue[Pending | None] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.batches = 0
        self.written = 0

    async def submit(self, values: dict[str, Any]) -> bool:
        """Queue a rating and wait until its batch is committed. True if new, False for a replay."""
        if self.task is None or self.task.done():
            raise RuntimeError("the rating writer is not running")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait(Pending(values, future))
        return await future

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="rating-writer")

    async def stop(self) -> None:
        """Write everything queued, then stop."""
        if self.task is None:
            return
        self.queue.put_nowait(None)
        await self.task
        await self._disconnect()
        if self.batches:
            logger.warning(
                "rating writer stopped: %d ratings in %d batches (%.1f a batch)",
                self.written, self.batches, self.written / self.batches,
            )  # fmt: skip

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            item = await self.queue.get()
            if item is None:
                break
            batch = [item]
            while len(batch) < self.max_batch and not self.queue.empty():
                more = self.queue.get_nowait()
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            await self._write(batch)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        """A session on the writer's own connection (opened on first use and after a failure)."""
        if self.connection is None:
            self.connection = await self.engine.connect()
        async with AsyncSession(bind=self.connection, expire_on_commit=False) as session:
            try:
                yield session
            except MixedBatch:
                raise  # nothing wrong with the connection: the session rolls the batch back
            except BaseException:
                await self._disconnect()
                raise

    async def _disconnect(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            with suppress(Exception):  # already broken: nothing to close cleanly
                await connection.close()

    async def _write(self, batch: list[Pending]) -> None:
        try:
            async with self._session() as session:
                results = await write_batch(session, self.settings, self.subscribers, batch)
                await session.commit()
        except MixedBatch:  # retries among new ratings: each is told apart on its own
            results = [await self._write_one(p) for p in batch]
        except Exception:  # a bad row or a lost connection: try each rating on its own
            logger.warning("a batch of %d ratings failed; writing them one by one", len(batch), exc_info=True)
            results = [await self._write_one(p) for p in batch]
        self.batches += 1
        for pending, result in zip(batch, results, strict=True):
            if pending.future is None or pending.future.done():
                continue
            if isinstance(result, Exception):
                pending.future.set_exception(result)
            else:
                self.written += int(result)
                pending.future.set_result(result)

    async def _write_one(self, pending: Pending) -> bool | Exception:
        try:
            async with self._session() as session:
                (result,) = await write_batch(session, self.settings, self.subscribers, [pending])
                await session.commit()
                return result
        except Exception as exc:
            logger.exception("could not store rating %s", pending.values.get("id"))
            return exc


@asynccontextmanager
async def rating_writer(app: Any) -> AsyncIterator[None]:
    """Lifespan: start the writer with the app, drain it on shutdown."""
    writer = RatingWriter(app.state.alchemy.get_engine(), app.state.settings, app.state.writes)
    await writer.start()
    app.state.rating_writer = writer
    try:
        yield
    finally:
        await writer.stop()
