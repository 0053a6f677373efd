"""Dashboard pages (Vietnamese first). The figures pages grow here; the start page shows who you are."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.auth import provide_scope
from survey_api.accounts.models import User
from survey_api.accounts.scope import Scope
from survey_api.accounts.services import user_read
from survey_api.i18n import page_context
from survey_api.org.services import KINDS, CatalogueService, ListFilter


def provide_catalogue(
    db_session: NamedDependency[AsyncSession], user_scope: NamedDependency[Scope]
) -> CatalogueService:
    return CatalogueService(db_session, user_scope)


class DashboardPages(Controller):
    path = "/dashboard"
    include_in_schema = False
    dependencies = {
        "user_scope": Provide(provide_scope, sync_to_thread=False),
        "catalogue": Provide(provide_catalogue, sync_to_thread=False),
    }

    @get("/", operation_id="dashboard_home", name="dashboard")
    async def home(self, request: Request[User, Any, Any], catalogue: NamedDependency[CatalogueService]) -> Template:
        """The start page after login: the user's role and scope, and what the catalogue holds for them."""
        counts = {}
        for name, kind in KINDS.items():
            _, counts[name] = await catalogue.find(kind, ListFilter(active=True), limit=1, offset=0)
        return Template(
            "dashboard/home.html",
            context={**page_context(request), "me": user_read(request.user), "counts": counts},
        )
