"""Kiosk rules: pairing tokens, who is on duty, heartbeats."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts import security
from survey_api.accounts.models import User
from survey_api.accounts.scope import Scope
from survey_api.caches import Memo
from survey_api.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from survey_api.kiosks.models import Kiosk
from survey_api.kiosks.schemas import KIOSK_NAME_LENGTH, KioskRead
from survey_api.org.models import Centre, Counter, Staff

SILENT_AFTER = timedelta(minutes=10)
"""How long a process trusts what it read about a kiosk token (duty and deactivation made in the same
process apply at once; in another process within this many seconds)."""


@dataclass(frozen=True, slots=True)
class KioskSnapshot:
    """What rating needs to know about a kiosk, read once and kept briefly (no database on the hot path)."""

    id: uuid.UUID
    centre_id: uuid.UUID
    centre_code: str
    counter_id: uuid.UUID | None
    counter_code: str | None
    counter_agency_id: uuid.UUID | None
    staff_id: uuid.UUID | None
    staff_code: str | None
    staff_agency_id: uuid.UUID | None

    @classmethod
    def of(cls, kiosk: Kiosk) -> KioskSnapshot:
        counter, staff = kiosk.counter, kiosk.staff_on_duty
        return cls(
            id=kiosk.id,
            centre_id=kiosk.centre_id,
            centre_code=kiosk.centre.code,
            counter_id=kiosk.counter_id,
            counter_code=counter.code if counter else None,
            counter_agency_id=counter.agency_id if counter else None,
            staff_id=staff.id if staff else None,
            staff_code=staff.code if staff else None,
            staff_agency_id=staff.agency_id if staff else None,
        )


async def kiosk_for_token(
    token: str, session: Callable[[], AsyncSession], remembered: Memo[str, KioskSnapshot | None]
) -> KioskSnapshot | None:
    """The kiosk a device token belongs to; the database is asked (through ``session()``) only when the app does
    not remember the token (``remembered``: the app's ``caches.kiosks``)."""
    digest = security.token_digest(token)
    found, snapshot = remembered.get(digest)
    if found:
        return snapshot
    return await KioskService(session(), remembered).snapshot_for_token(token)


KIOSK_MANAGERS = frozenset({"admin", "province", "director", "supervisor"})


def kiosk_read(kiosk: Kiosk, now: datetime) -> KioskRead:
    return KioskRead(
        id=kiosk.id,
        name=kiosk.name,
        centre_code=kiosk.centre.code,
        counter_code=kiosk.counter.code if kiosk.counter else None,
        staff_on_duty_code=kiosk.staff_on_duty.code if kiosk.staff_on_duty else None,
        active=kiosk.active,
        last_seen_at=kiosk.last_seen_at,
        queued_reported=kiosk.queued_reported,
        held_reported=kiosk.held_reported,
        silent=kiosk.last_seen_at is None or now - kiosk.last_seen_at > SILENT_AFTER,
    )


class KioskService:
    def __init__(self, session: AsyncSession, remembered: Memo[str, KioskSnapshot | None] | None = None) -> None:
        """``remembered`` is the app's memory of kiosk tokens (``caches.kiosks``), forgotten for a kiosk when its
        duty or state changes; a command outside the app has none."""
        self.session = session
        self.remembered = remembered

    def forget(self, kiosk_id: uuid.UUID) -> None:
        """Drop what the app remembers about a kiosk (after a duty change or deactivation)."""
        if self.remembered is not None:
            self.remembered.drop(lambda snapshot: snapshot is not None and snapshot.id == kiosk_id)

    async def create(
        self, centre_code: str, counter_code: str | None, name: str | None, scope: Scope
    ) -> tuple[Kiosk, str]:
        """Pair a new device to a centre (and counter). Returns the kiosk and its token, shown once."""
        if scope.role not in KIOSK_MANAGERS:
            raise Forbidden("Your role may not add kiosks")
        centre = await self.session.scalar(select(Centre).where(Centre.code == centre_code, scope.centres()))
        if centre is None:
            raise InvalidInput(f"Unknown centre code {centre_code!r}", field="centre_code")
        counter = None
        if counter_code:
            counter = await self.session.scalar(select(Counter).where(Counter.code == counter_code))
            if counter is None or counter.centre_id != centre.id:
                raise InvalidInput(f"No counter {counter_code!r} at {centre_code}", field="counter_code")
        if name and len(name) > KIOSK_NAME_LENGTH:
            raise InvalidInput(f"A kiosk's name has at most {KIOSK_NAME_LENGTH} characters", field="name")
        token, digest = security.new_token("hk")
        kiosk = Kiosk(
            name=name or (counter.name if counter else centre.name)[:KIOSK_NAME_LENGTH],
            centre=centre,
            counter=counter,
            token_hash=digest,
        )
        self.session.add(kiosk)
        await self.session.flush()
        return kiosk, token

    async def authenticate(self, token: str) -> Kiosk | None:
        kiosk = await self.session.scalar(select(Kiosk).where(Kiosk.token_hash == security.token_digest(token)))
        return kiosk if kiosk is not None and kiosk.active else None

    async def device(self, snapshot: KioskSnapshot) -> Kiosk:
        """The kiosk a request authenticated as, read afresh (it may have been deactivated since the snapshot)."""
        kiosk = await self.session.get(Kiosk, snapshot.id)
        if kiosk is None or not kiosk.active:
            self.forget(snapshot.id)
            raise Unauthorized("Invalid or revoked API token")
        return kiosk

    async def snapshot_for_token(self, token: str) -> KioskSnapshot | None:
        """The kiosk a token belongs to, remembered for a few seconds when the app's memory was given."""

        async def look_up() -> KioskSnapshot | None:
            kiosk = await self.authenticate(token)
            return KioskSnapshot.of(kiosk) if kiosk is not None else None

        if self.remembered is None:
            return await look_up()
        return await self.remembered.fill(security.token_digest(token), look_up)

    async def list(self, scope: Scope) -> list[Kiosk]:
        query = select(Kiosk).order_by(Kiosk.name)
        if not scope.everything:
            query = query.where(Kiosk.centre_id.in_(scope.centre_ids()))
        return list(await self.session.scalars(query))

    async def get(self, kiosk_id: object, scope: Scope) -> Kiosk:
        query = select(Kiosk).where(Kiosk.id == kiosk_id)
        if not scope.everything:
            query = query.where(Kiosk.centre_id.in_(scope.centre_ids()))
        kiosk = await self.session.scalar(query)
        if kiosk is None:
            raise NotFound("No such kiosk", field="kiosk_id")
        return kiosk

    async def set_duty(self, kiosk: Kiosk, staff_code: str | None, user: User, scope: Scope) -> Kiosk:
        """Managers name anyone of the centre; a staff member may put only themself on duty (or off)."""
        staff = None
        if staff_code is not None:
            staff = await self.session.scalar(select(Staff).where(Staff.code == staff_code))
            if staff is None or staff.centre_id != kiosk.centre_id or not staff.active:
                raise InvalidInput(f"No active staff member {staff_code!r} at this centre", field="staff_code")
        if scope.role not in KIOSK_MANAGERS:
            own = user.staff_id
            if scope.role != "staff" or own is None or (staff is not None and staff.id != own):
                raise Forbidden("You may only put yourself on duty")
            if staff is None and kiosk.staff_on_duty_id not in (None, own):
                raise Forbidden("You may only take yourself off duty")
        kiosk.staff_on_duty = staff
        await self.session.flush()
        self.forget(kiosk.id)
        return kiosk

    async def deactivate(self, kiosk: Kiosk, scope: Scope) -> Kiosk:
        if scope.role not in KIOSK_MANAGERS:
            raise Forbidden("Your role may not change kiosks")
        kiosk.active = False
        await self.session.flush()
        self.forget(kiosk.id)
        return kiosk

    async def heartbeat(self, kiosk: Kiosk, queued: int, held: int = 0) -> None:
        kiosk.last_seen_at = datetime.now(UTC)
        kiosk.queued_reported = queued
        kiosk.held_reported = held
        await self.session.flush()
