"""Rating rules: exactly once per client id, one rating per dossier token, kiosk repeats marked."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.caches import AppCaches
from survey_api.dossiers import tokens
from survey_api.dossiers.models import Dossier, RatingToken
from survey_api.errors import Conflict, Gone, InvalidInput, NotFound
from survey_api.kiosks.services import KioskSnapshot
from survey_api.org.models import Centre, Counter, Staff
from survey_api.ratings.ingest import Pending, RatingWriter, write_batch
from survey_api.ratings.models import Rating, Survey
from survey_api.ratings.schemas import RatingCreate, RatingRead
from survey_api.ratings.surveys import active_instrument, cached_instrument
from survey_api.settings import Settings
from survey_api.writes import WriteSubscribers

MAX_CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of the server's clock a rating's own time is still believed (clocks drift)."""


def trusted_time(claimed: datetime | None, now: datetime, offline_max_days: int) -> tuple[datetime, datetime | None]:
    """(the time a rating is counted at, the device's claim when it was not believed). A claim is believed from
    ``offline_max_days`` before its receipt (a kiosk offline that long) up to ``MAX_CLOCK_SKEW`` after it; any other
    (a clock set wrong, a back-dated body) is counted at its receipt and kept as the claim. Nothing is refused for a
    clock: the citizen's level is never lost."""
    if claimed is None:
        return now, None
    if now - timedelta(days=offline_max_days) <= claimed <= now + MAX_CLOCK_SKEW:
        return claimed, None
    return now, claimed


def body_hash(data: RatingCreate) -> str:
    return hashlib.sha256(msgspec.json.encode(msgspec.to_builtins(data), order="sorted")).hexdigest()


class RatingService:
    def __init__(
        self,
        session: AsyncSession | Callable[[], AsyncSession],
        settings: Settings,
        subscribers: WriteSubscribers,
        caches: AppCaches,
    ) -> None:
        """``session`` may be a factory: the request's session is then opened only if something needs it
        (a kiosk rating whose kiosk and survey are remembered never does). ``subscribers`` hear of every rating
        stored (``survey_api.writes``); ``caches`` is what the app remembers (``survey_api.caches``)."""
        self._session = session if isinstance(session, AsyncSession) else None
        self._session_factory = None if isinstance(session, AsyncSession) else session
        self.settings = settings
        self.subscribers = subscribers
        self.caches = caches

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            assert self._session_factory is not None
            self._session = self._session_factory()
        return self._session

    # -- QR: one rating per returned dossier --------------------------------------------------------
    async def token_status(self, token: str) -> tuple[str, RatingToken | None]:
        """``valid``, ``used``, ``expired`` or ``unknown`` — what the phone page shows."""
        row = await self._find_token(token)
        if row is None:
            return "unknown", None
        if row.used_at is not None:
            return "used", row
        if row.expires_at <= datetime.now(UTC):
            return "expired", row
        return "valid", row

    async def _find_token(self, token: str) -> RatingToken | None:
        lookup = tokens.SigningKeys.from_settings(self.settings).lookup_digest(token)
        if lookup is None:
            return None
        return await self.session.scalar(select(RatingToken).where(RatingToken.token_hash == lookup))

    async def submit_with_token(self, data: RatingCreate, channel: str = "qr") -> tuple[Rating, bool]:
        """Store the dossier's rating. Returns (rating, created); a replay of the same id gives created=False."""
        assert data.token is not None
        token = await self._find_token(data.token)
        if token is None:
            raise NotFound("Unknown rating link", field="token")
        replay = await self._replay(data)
        if replay is not None:
            return replay, False
        if token.used_at is not None:
            raise Conflict("This dossier has already been rated", field="token")
        if token.expires_at <= datetime.now(UTC):
            raise Gone("This rating link has expired", field="token")
        instrument = await active_instrument(self.session)
        instrument.check(data.answers, data.reasons)
        now = datetime.now(UTC)
        claimed = await self.session.execute(
            update(RatingToken)
            .where(RatingToken.id == token.id, RatingToken.used_at.is_(None))
            .values(used_at=now, rating_id=data.id)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            replay = await self._replay(data)
            if replay is not None:
                return replay, False
            raise Conflict("This dossier has already been rated", field="token")
        dossier: Dossier = token.dossier
        values = self._values(data, instrument.id, channel, now)
        returned = dossier.returned_at
        if data.submitted_at is not None and values["claimed_at"] is None and returned and data.submitted_at < returned:
            # rated before the result was handed back: not believed either (an integrity finding)
            values["submitted_at"], values["claimed_at"] = now, data.submitted_at
        values.update(
            centre_id=dossier.centre_id,
            counter_id=dossier.counter_id,
            staff_id=dossier.staff_id,
            agency_id=dossier.agency_id,
            procedure_id=dossier.procedure_id,
            dossier_id=dossier.id,
        )
        return await self._insert(values, data)

    # -- kiosk ---------------------------------------------------------------------------------------
    async def submit_from_kiosk(
        self, kiosk: KioskSnapshot, data: RatingCreate, writer: RatingWriter | None = None
    ) -> tuple[RatingRead, bool]:
        """A kiosk rating, attributed to the kiosk's centre and counter and the staff member on duty.

        With a ``writer`` the rating joins the next group commit; the answer waits until it is committed.
        Nothing here touches the database unless ``staff_code`` names someone not seen for a while.
        """
        if data.token is not None:
            raise InvalidInput("A kiosk rating carries no QR token", field="token")
        instrument = await cached_instrument(lambda: self.session, self.caches.instruments)
        # A tap queued while offline may name what is gone since (a staff member moved or deactivated, a reason or
        # question removed by a survey revision): the level is stored all the same, the rest kept as unresolved.
        answers, reasons, unresolved = instrument.sift(data.answers, data.reasons)
        staff_id, staff_code, agency_id = kiosk.staff_id, kiosk.staff_code, kiosk.staff_agency_id
        if data.staff_code is not None:
            staff = await self._staff(data.staff_code)
            if staff is None or staff[1] != kiosk.centre_id:
                unresolved["staff_code"] = data.staff_code
                staff_id, staff_code, agency_id = None, None, None
            else:
                staff_id, staff_code, agency_id = staff[0], data.staff_code, staff[2]
        if agency_id is None:
            agency_id = kiosk.counter_agency_id
        values = self._values(data, instrument.id, "kiosk", datetime.now(UTC))
        values.update(
            answers=answers,
            reasons=reasons,
            unresolved=unresolved or None,
            centre_id=kiosk.centre_id,
            counter_id=kiosk.counter_id,
            staff_id=staff_id,
            agency_id=agency_id,
            kiosk_id=kiosk.id,
        )
        if writer is not None:
            created = await writer.submit(values)
        else:
            (result,) = await write_batch(self.session, self.settings, self.subscribers, [Pending(values)])
            if isinstance(result, Exception):
                raise result
            created = result
        if not created:
            stored = await self.session.get(Rating, data.id, populate_existing=True)
            assert stored is not None
            return await self.read(stored), False
        read = RatingRead(
            id=data.id,
            channel="kiosk",
            centre_code=kiosk.centre_code,
            counter_code=kiosk.counter_code,
            staff_code=staff_code,
            dossier_code=None,
            overall=data.overall,
            answers=values["answers"],
            reasons=values["reasons"],
            comment=values["comment"],
            language=data.language,
            survey_version=instrument.version,
            submitted_at=values["submitted_at"],
            received_at=values["received_at"],
            suspected_repeat=values["suspected_repeat"],
            claimed_at=values["claimed_at"],
            unresolved=values["unresolved"],
        )
        return read, True

    async def _staff(self, code: str) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID | None] | None:
        """(id, centre, agency) of an active staff member, remembered by the app for a minute."""

        async def look_up() -> tuple[uuid.UUID, uuid.UUID, uuid.UUID | None] | None:
            statement = select(Staff.id, Staff.centre_id, Staff.agency_id).where(
                Staff.code == code, Staff.active.is_(True)
            )
            row = (await self.session.execute(statement)).first()
            return (row.id, row.centre_id, row.agency_id) if row else None

        return await self.caches.staff.fill(code, look_up)

    # -- shared --------------------------------------------------------------------------------------
    def _values(self, data: RatingCreate, survey_id: Any, channel: str, now: datetime) -> dict[str, Any]:
        submitted, claimed = trusted_time(data.submitted_at, now, self.settings.offline_max_days)
        return {
            "id": data.id,
            "survey_id": survey_id,
            "channel": channel,
            "overall": data.overall,
            "answers": data.answers,
            "reasons": data.reasons,
            "comment": (data.comment or "").strip() or None,
            "language": data.language,
            "submitted_at": submitted,
            "claimed_at": claimed,
            "unresolved": None,
            "received_at": now,
            "suspected_repeat": False,
            "body_hash": body_hash(data),
            "counter_id": None,
            "staff_id": None,
            "agency_id": None,
            "procedure_id": None,
            "dossier_id": None,
            "kiosk_id": None,
        }

    async def _replay(self, data: RatingCreate) -> Rating | None:
        """The stored rating if this id was already received; 409 if the body differs."""
        stored = await self.session.get(Rating, data.id, populate_existing=True)
        if stored is None:
            return None
        if stored.body_hash != body_hash(data):
            raise Conflict("A different rating was already stored with this id", field="id")
        return stored

    async def _insert(self, values: dict[str, Any], data: RatingCreate) -> tuple[Rating, bool]:
        """Store one rating through the same code as the group commit (rollups and flags included)."""
        (result,) = await write_batch(self.session, self.settings, self.subscribers, [Pending(values)])
        if isinstance(result, Exception):
            raise result
        rating = await self.session.get(Rating, data.id, populate_existing=True)
        assert rating is not None
        return rating, result

    async def read(self, rating: Rating) -> RatingRead:
        async def code(model: type[Any], key: Any) -> str | None:
            if key is None:
                return None
            return await self.session.scalar(select(model.code).where(model.id == key))  # type: ignore[no-any-return]

        version = await self.session.scalar(select(Survey.version).where(Survey.id == rating.survey_id))
        return RatingRead(
            id=rating.id,
            channel=rating.channel,
            centre_code=await code(Centre, rating.centre_id) or "",
            counter_code=await code(Counter, rating.counter_id),
            staff_code=await code(Staff, rating.staff_id),
            dossier_code=await code(Dossier, rating.dossier_id),
            overall=rating.overall,
            answers=rating.answers,
            reasons=rating.reasons,
            comment=rating.comment,
            language=rating.language,
            survey_version=version or 0,
            submitted_at=rating.submitted_at,
            received_at=rating.received_at,
            suspected_repeat=rating.suspected_repeat,
            claimed_at=rating.claimed_at,
            unresolved=rating.unresolved,
        )
