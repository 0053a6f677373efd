"""Kiosk device endpoints (config, heartbeat) and kiosk administration."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.auth import provide_scope, requires_kiosk
from survey_api.accounts.models import User
from survey_api.accounts.scope import Scope
from survey_api.kiosks.models import Kiosk
from survey_api.kiosks.schemas import DutyChange, Heartbeat, KioskConfig, KioskCreate, KioskCreated, KioskRead, Place
from survey_api.kiosks.services import KioskService, KioskSnapshot, kiosk_read
from survey_api.ratings.surveys import active_instrument

# Values stored for each scale: the 3-level kiosk (Rất hài lòng / Hài lòng / Không hài lòng) keeps the
# 5-level meaning of each word, so satisfaction (top two levels) is computed the same way for every kiosk.
LEVELS = {5: [5, 4, 3, 2, 1], 4: [5, 4, 2, 1], 3: [5, 4, 2]}


def provide_kiosks(db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any]) -> KioskService:
    return KioskService(db_session, request.app.state.caches.kiosks)


async def provide_device(request: Request[KioskSnapshot, Any, Any], kiosks: NamedDependency[KioskService]) -> Kiosk:
    """Dependency: the calling kiosk (the guard has checked the principal is one), read from the database."""
    return await kiosks.device(request.user)


class KioskDeviceController(Controller):
    """Called by the tablet with its device token (``Authorization: Bearer hk_…``)."""

    path = "/api/v1/kiosk"
    tags = ["kiosk device"]
    guards = [requires_kiosk]
    dependencies = {"kiosks": Provide(provide_kiosks, sync_to_thread=False), "kiosk": Provide(provide_device)}

    @get("/config", operation_id="kiosk_config", cache=False)
    async def config(
        self,
        request: Request[KioskSnapshot, Any, Any],
        kiosk: NamedDependency[Kiosk],
        kiosks: NamedDependency[KioskService],
    ) -> KioskConfig:
        """Where the kiosk is, who is on duty, and the survey to show."""
        instrument = await active_instrument(kiosks.session)
        duty = kiosk.staff_on_duty
        return KioskConfig(
            kiosk_id=kiosk.id,
            name=kiosk.name,
            centre=Place(kiosk.centre.code, kiosk.centre.name),
            counter=Place(kiosk.counter.code, kiosk.counter.name) if kiosk.counter else None,
            staff_on_duty=Place(duty.code, duty.full_name) if duty else None,
            levels=LEVELS[kiosk.centre.kiosk_levels],
            survey_version=instrument.version,
            survey=instrument.definition,
            min_interval_seconds=request.app.state.settings.kiosk_min_interval_seconds,
        )

    @post("/heartbeat", operation_id="kiosk_heartbeat", status_code=204)
    async def heartbeat(
        self, data: JSONBody[Heartbeat], kiosk: NamedDependency[Kiosk], kiosks: NamedDependency[KioskService]
    ) -> None:
        """The kiosk says it is alive, how many ratings wait in its queue and how many it keeps aside."""
        await kiosks.heartbeat(kiosk, data.queued, data.held)


class KioskAdminController(Controller):
    """Pair kiosks, see which are silent, and set the staff member on duty."""

    path = "/api/v1/admin/kiosks"
    tags = ["kiosks"]
    dependencies = {
        "kiosks": Provide(provide_kiosks, sync_to_thread=False),
        "user_scope": Provide(provide_scope, sync_to_thread=False),
    }

    @get("/", operation_id="list_kiosks")
    async def list_kiosks(
        self, kiosks: NamedDependency[KioskService], user_scope: NamedDependency[Scope]
    ) -> list[KioskRead]:
        """Kiosks in your scope with last heartbeat, queued count, and whether they are silent (> 10 min)."""
        now = datetime.now(UTC)
        return [kiosk_read(k, now) for k in await kiosks.list(user_scope)]

    @post("/", operation_id="create_kiosk", status_code=201)
    async def create(
        self,
        request: Request[User, Any, Any],
        data: JSONBody[KioskCreate],
        kiosks: NamedDependency[KioskService],
        user_scope: NamedDependency[Scope],
    ) -> KioskCreated:
        """Pair a new kiosk; its device token is shown only in this answer."""
        kiosk, token = await kiosks.create(data.centre_code, data.counter_code, data.name, user_scope)
        base = request.app.state.settings.public_base_url.rstrip("/")
        return KioskCreated(id=kiosk.id, name=kiosk.name, token=token, pair_url=f"{base}/kiosk/?pair={token}")

    @post("/{kiosk_id:uuid}/duty", operation_id="set_kiosk_duty", status_code=200)
    async def set_duty(
        self,
        request: Request[User, Any, Any],
        kiosk_id: FromPath[uuid.UUID],
        data: JSONBody[DutyChange],
        kiosks: NamedDependency[KioskService],
        user_scope: NamedDependency[Scope],
    ) -> KioskRead:
        """Name the staff member now at the kiosk's counter (staff may only name themselves)."""
        kiosk = await kiosks.get(kiosk_id, user_scope)
        await kiosks.set_duty(kiosk, data.staff_code, request.user, user_scope)
        return kiosk_read(kiosk, datetime.now(UTC))

    @post("/{kiosk_id:uuid}/deactivate", operation_id="deactivate_kiosk", status_code=200)
    async def deactivate(
        self, kiosk_id: FromPath[uuid.UUID], kiosks: NamedDependency[KioskService], user_scope: NamedDependency[Scope]
    ) -> KioskRead:
        """Unpair a kiosk: its token stops working at once."""
        kiosk = await kiosks.deactivate(await kiosks.get(kiosk_id, user_scope), user_scope)
        return kiosk_read(kiosk, datetime.now(UTC))
