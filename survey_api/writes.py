"""The write path's seam: what the rating writer and the dossier intake publish, and who listens.

``ratings/`` and ``dossiers/`` store their rows and then tell the ``WriteSubscribers`` they were given; they know
nothing of who listens. The rollups and the flags are subscribers today (``survey_api.subscribers`` registers them
in ``create_app``, the CLI and the demo loader); integrity counters and threshold alerts are meant to be more.

The contract a subscriber relies on, and must keep:

- It is awaited **inside the writer's transaction, after the rows are flushed and before the commit**, with the
  writer's session. What it writes commits with the rows, or not at all: a figure can never count a rating that
  was rolled back, nor miss one that was kept.
- **A subscriber that raises fails the write.** For kiosk ratings that means the whole batch is rolled back and its
  ratings are written again one by one (``ratings.ingest.RatingWriter``), so one bad rating costs only itself; a
  dossier event answers with the error and leaves nothing behind. Subscribers must therefore be deterministic on the
  rows they get (a retry gives them the same rows) and never swallow an error that should undo the write.
- It gets **only what is new**: ``ratings_stored`` the column values of the ratings this batch inserted (replays and
  conflicting ids are left out; an empty batch is not published); ``dossiers_changed`` one ``DossierChange`` per
  dossier whose state an event changed (an event older than the one applied, or a repeat, changes nothing).
- It runs on every database: it writes through the session it is given and commits nothing itself.
- Subscribers run in the order registered; each is cheap enough for the hot path (it runs once per batch, not per
  rating: the ingest benchmark in ``bench/`` measures the whole of it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.dossiers.models import Dossier

RatingRow = dict[str, Any]
"""A stored rating's column values, as inserted (``survey_api.ratings.models.Rating``'s columns)."""


@dataclass(frozen=True, slots=True)
class DossierState:
    """The facts of a dossier the figures read, frozen at one moment (the ORM object changes under it)."""

    centre_id: Any
    counter_id: Any
    staff_id: Any
    agency_id: Any
    procedure_id: Any
    channel: str
    status: str
    received_at: datetime
    due_at: datetime | None
    resolved_at: datetime | None
    returned_at: datetime | None
    paused: list[dict[str, Any]]
    due_extended_at: datetime | None = None

    @classmethod
    def of(cls, dossier: Dossier) -> DossierState:
        return cls(
            centre_id=dossier.centre_id,
            counter_id=dossier.counter_id,
            staff_id=dossier.staff_id,
            agency_id=dossier.agency_id,
            procedure_id=dossier.procedure_id,
            channel=dossier.channel,
            status=dossier.status,
            received_at=dossier.received_at,
            due_at=dossier.due_at,
            resolved_at=dossier.resolved_at,
            returned_at=dossier.returned_at,
            paused=list(dossier.paused or []),
            due_extended_at=dossier.due_extended_at,
        )


@dataclass(frozen=True, slots=True)
class DossierChange:
    """One dossier an event changed: its state before (``None`` for a new dossier) and after, and the row itself;
    ``claimed`` is the state as the event had it (its due and resolution dates believed or not:
    ``survey_api.dossiers.dates``), recorded at ``recorded_at`` from ``source`` (the integration key's name, or
    ``import``)."""

    dossier: Dossier
    before: DossierState | None
    after: DossierState
    claimed: DossierState | None = None
    source: str = ""
    recorded_at: datetime | None = None


RatingsStored = Callable[[AsyncSession, Sequence[RatingRow]], Awaitable[object]]
DossiersChanged = Callable[[AsyncSession, Sequence[DossierChange]], Awaitable[object]]


@dataclass(slots=True)
class WriteSubscribers:
    """Who hears of stored ratings and changed dossiers. Built once per app (``create_app``) or command."""

    ratings_stored: list[RatingsStored] = field(default_factory=list)
    dossiers_changed: list[DossiersChanged] = field(default_factory=list)

    async def publish_ratings(self, session: AsyncSession, rows: Sequence[RatingRow]) -> None:
        if rows:
            for subscriber in self.ratings_stored:
                await subscriber(session, rows)

    async def publish_dossiers(self, session: AsyncSession, changes: Sequence[DossierChange]) -> None:
        if changes:
            for subscriber in self.dossiers_changed:
                await subscriber(session, changes)
