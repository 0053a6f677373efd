"""The complaint workflow's background jobs, run by the app's lifespan (and once each by the CLI): sending the
notification outbox, escalating overdue flags to the director, erasing the contact details of ended complaints.
Each job runs in a transaction of its own; one that fails is logged and runs again at its next interval."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any

from survey_api.complaints.flags import escalate_overdue
from survey_api.complaints.notifications import deliver_pending
from survey_api.complaints.retention import erase_ended_contacts
from survey_api.settings import Settings

if TYPE_CHECKING:
    from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
    from litestar import Litestar

logger = logging.getLogger("survey_api.complaints.jobs")


async def _every(seconds: int, name: str, job: Any) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except Exception:
            logger.exception("background job %s failed; it runs again in %d s", name, seconds)


async def _committed(alchemy: SQLAlchemyAsyncConfig, work: Any, done: str) -> int:
    """Run ``work(session)`` in a transaction of its own; log ``done`` with the count it returns, if any."""
    async with alchemy.get_session() as session:
        count = int(await work(session))
        await session.commit()
    if count:
        logger.info(done, count)
    return count


async def escalate_once(alchemy: SQLAlchemyAsyncConfig, settings: Settings) -> int:
    return await _committed(
        alchemy, lambda s: escalate_overdue(s, settings), "escalated %d overdue item(s) to the director"
    )


async def erase_contacts_once(alchemy: SQLAlchemyAsyncConfig, settings: Settings) -> int:
    return await _committed(
        alchemy, lambda s: erase_ended_contacts(s, settings), "erased the contact details of %d ended complaint(s)"
    )


@asynccontextmanager
async def background_jobs(app: Litestar) -> AsyncIterator[None]:
    """App lifespan: send the outbox periodically; escalate overdue flags and erase the contact details of
    complaints ended long enough ago on the escalation interval (intervals from settings)."""
    settings: Settings = app.state.settings
    alchemy: SQLAlchemyAsyncConfig = app.state.alchemy
    tasks = []
    if settings.notify_interval_seconds:
        tasks.append(
            asyncio.create_task(
                _every(settings.notify_interval_seconds, "notifications", lambda: deliver_pending(alchemy, settings))
            )
        )
    if settings.escalation_interval_seconds:
        for name, job in (("escalation", escalate_once), ("contact erasure", erase_contacts_once)):
            run = functools.partial(job, alchemy, settings)
            tasks.append(asyncio.create_task(_every(settings.escalation_interval_seconds, name, run)))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
