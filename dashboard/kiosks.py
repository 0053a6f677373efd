"""The kiosk page of the dashboard: kiosks in the user's scope, silent ones marked, pairing and staff on duty."""

from __future__ import annotations

import base64
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard.forms import DutyForm, PairKioskForm
from survey_api.accounts.auth import provide_scope
from survey_api.accounts.models import User
from survey_api.accounts.scope import Scope
from survey_api.dossiers.qr import qr_svg
from survey_api.errors import InvalidInput
from survey_api.i18n import format_moment, page_context, translate
from survey_api.kiosks.services import KIOSK_MANAGERS, KioskService, kiosk_read
from survey_api.org.services import KINDS, CatalogueService, ListFilter


def provide_kiosks(db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any]) -> KioskService:
    return KioskService(db_session, request.app.state.caches.kiosks)


class KioskPages(Controller):
    path = "/dashboard/kiosks"
    include_in_schema = False
    dependencies = {
        "kiosks": Provide(provide_kiosks, sync_to_thread=False),
        "user_scope": Provide(provide_scope, sync_to_thread=False),
    }

    async def _page(
        self,
        request: Request[User, Any, Any],
        kiosks: KioskService,
        scope: Scope,
        *,
        created: dict[str, str] | None = None,
        error: str | None = None,
        status_code: int = 200,
    ) -> Template:
        context = page_context(request)
        lang, tz = context["lang"], request.app.state.settings.timezone
        now = datetime.now(UTC)
        catalogue = CatalogueService(kiosks.session, scope)

        async def visible(kind: str) -> list[Any]:
            rows, _ = await catalogue.find(KINDS[kind], ListFilter(active=True), limit=10_000, offset=0)
            return rows

        staff_by_centre: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for member in await visible("staff"):
            if scope.role in KIOSK_MANAGERS or member.id == request.user.staff_id:
                staff_by_centre[member.centre_id].append(member)
        rows = [
            {
                "kiosk": kiosk,
                "read": kiosk_read(kiosk, now),
                "last_seen": format_moment(kiosk.last_seen_at, lang, tz) if kiosk.last_seen_at else None,
                "staff": staff_by_centre.get(kiosk.centre_id, []),
            }
            for kiosk in await kiosks.list(scope)
        ]
        manager = scope.role in KIOSK_MANAGERS
        return Template(
            "dashboard/kiosks.html",
            context={
                **context,
                "rows": rows,
                "may_pair": manager,
                "may_set_duty": manager or (scope.role == "staff" and request.user.staff_id is not None),
                "centres": await visible("centres") if manager else [],
                "counters": await visible("counters") if manager else [],
                "created": created,
                "error": error,
            },
            status_code=status_code,
        )

    @get("/", operation_id="dashboard_kiosks", name="dashboard_kiosks")
    async def list_page(
        self,
        request: Request[User, Any, Any],
        kiosks: NamedDependency[KioskService],
        user_scope: NamedDependency[Scope],
    ) -> Template:
        """Kiosks in your scope: last heartbeat, queued ratings, silent ones marked; pair form for managers."""
        return await self._page(request, kiosks, user_scope)

    @post("/", operation_id="dashboard_pair_kiosk", status_code=200)
    async def pair(
        self,
        request: Request[User, Any, Any],
        data: URLEncodedBody[PairKioskForm],
        kiosks: NamedDependency[KioskService],
        user_scope: NamedDependency[Scope],
    ) -> Template:
        """Pair a new kiosk, then show its token, pairing link and QR code (only this once)."""
        try:
            kiosk, token = await kiosks.create(
                data.centre_code, data.counter_code or None, data.name.strip() or None, user_scope
            )
        except InvalidInput as exc:
            field = exc.errors[0].field if exc.errors else None
            error = exc.message
            if field in ("centre_code", "counter_code", "name"):
                lang = page_context(request)["lang"]
                values = {"centre": data.centre_code, "counter": data.counter_code}
                error = translate(f"kiosks.error.{field}", lang, **values)
            return await self._page(request, kiosks, user_scope, error=error, status_code=422)
        base = request.app.state.settings.public_base_url.rstrip("/")
        pair_url = f"{base}/kiosk/?pair={token}"
        created = {
            "name": kiosk.name,
            "token": token,
            "pair_url": pair_url,
            "qr": base64.b64encode(qr_svg(pair_url)).decode(),
        }
        return await self._page(request, kiosks, user_scope, created=created)

    @post("/{kiosk_id:uuid}/duty", operation_id="dashboard_kiosk_duty", name="dashboard_kiosk_duty")
    async def duty(
        self,
        request: Request[User, Any, Any],
        kiosk_id: FromPath[uuid.UUID],
        data: URLEncodedBody[DutyForm],
        kiosks: NamedDependency[KioskService],
        user_scope: NamedDependency[Scope],
    ) -> Redirect:
        """Name the staff member now at the kiosk's counter (or nobody), then back to the list."""
        kiosk = await kiosks.get(kiosk_id, user_scope)
        await kiosks.set_duty(kiosk, data.staff_code or None, request.user, user_scope)
        return Redirect(request.app.route_reverse("dashboard_kiosks"), status_code=303)
