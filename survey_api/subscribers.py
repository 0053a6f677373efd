"""The write path's listeners as the product ships them (see ``survey_api.writes`` for their contract): the rollups
kept current with every stored rating and changed dossier, a flag opened for each low or conduct rating, and the
integrity findings of every rating and dossier event (``survey_api.integrity.findings``).

``create_app``, the CLI and the demo loader each build theirs with ``default_subscribers(settings)``; a new listener
(integrity counters, threshold alerts) is added here."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.caches import AppCaches
from survey_api.complaints.flags import flag_ratings
from survey_api.integrity.findings import dossier_findings, rating_findings, store
from survey_api.ratings.surveys import cached_instrument
from survey_api.reports.rollups import Rollups, dossier_counts
from survey_api.settings import Settings
from survey_api.writes import DossierChange, RatingRow, WriteSubscribers


def default_subscribers(settings: Settings, caches: AppCaches) -> WriteSubscribers:
    """The product's listeners for an app with these settings and caches (``survey_api.caches``)."""
    tz = settings.timezone

    async def count_ratings(session: AsyncSession, rows: Sequence[RatingRow]) -> None:
        await Rollups(session, tz).add_ratings(rows)

    async def flag_low_ratings(session: AsyncSession, rows: Sequence[RatingRow]) -> None:
        await flag_ratings(session, settings, rows, await cached_instrument(session, caches.instruments))

    async def count_dossiers(session: AsyncSession, changes: Sequence[DossierChange]) -> None:
        rollups = Rollups(session, tz)
        for change in changes:
            before = [] if change.before is None else dossier_counts(change.before, tz)
            await rollups.replace_dossier(before, dossier_counts(change.after, tz))

    async def find_in_ratings(session: AsyncSession, rows: Sequence[RatingRow]) -> None:
        await store(session, await rating_findings(session, settings, rows))

    async def find_in_dossiers(session: AsyncSession, changes: Sequence[DossierChange]) -> None:
        await store(session, [finding for change in changes for finding in dossier_findings(change, settings)])

    return WriteSubscribers(
        ratings_stored=[count_ratings, flag_low_ratings, find_in_ratings],
        dossiers_changed=[count_dossiers, find_in_dossiers],
    )
