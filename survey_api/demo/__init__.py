"""A realistic demo province, Cà Mau, drawn from the seed articles: units, agencies, centres, counters,
staff, ~30 procedures and one login per role, plus (optionally) six months of dossiers and ratings.
Loading is idempotent (upsert by code; the activity is added once).

The catalogue is data (``catalogue.json``, read by ``catalogue.py``); ``activity.py`` makes the dossiers and ratings,
``feedback.py`` the flags, complaints and rating links."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.scope import Scope
from survey_api.demo.activity import load_demo_activity
from survey_api.demo.catalogue import DEMO_PASSWORD, catalogue_document, create_logins
from survey_api.demo.feedback import demo_link, load_demo_feedback, load_demo_links
from survey_api.org.schemas import CatalogueImportResult
from survey_api.org.services import CatalogueService
from survey_api.settings import Settings

__all__ = ["DEMO_PASSWORD", "demo_link", "load_demo", "load_demo_activity", "load_demo_feedback", "load_demo_links"]


async def load_demo(
    session: AsyncSession, settings: Settings | None = None, *, with_activity: bool = True, tz: str = "Asia/Ho_Chi_Minh"
) -> CatalogueImportResult:
    """Upsert the demo catalogue and create the demo logins that do not exist yet; with ``with_activity``
    also six months of dossiers and ratings (once), so the dashboard has figures to show, and, given the
    ``settings`` (deadlines, the complaints' secret), the feedback they call for: flags and complaints."""
    result = await CatalogueService(session, Scope(role="admin")).bulk_upsert(catalogue_document())
    await create_logins(session)
    if with_activity:
        await load_demo_activity(session, tz)
        if settings is not None:
            await load_demo_feedback(session, settings)
            await load_demo_links(session, settings)
    return result
