"""Rating rules: exactly once per client id, one rating per dossier token, kiosk repeats marked."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.complaints.services import flag_rating
from survey_api.dossiers import tokens
from survey_api.dossiers.models import Dossier, RatingToken
from survey_api.errors import Conflict, Gone, InvalidInput, NotFound
from survey_api.kiosks.models import Kiosk
from survey_api.org.models import Centre, Counter, Staff
from survey_api.ratings.models import Rating, Survey
from survey_api.ratings.schemas import RatingCreate, RatingRead
from survey_api.ratings.surveys import active_instrument
from survey_api.reports.rollups import Rollups
from survey_api.settings import Settings

MAX_CLOCK_SKEW = timedelta(days=1)


def body_hash(data: RatingCreate) -> str:
    return hashlib.sha256(msgspec.json.encode(msgspec.to_builtins(data), order="sorted")).hexdigest()


class RatingService:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings

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
        if not tokens.is_well_signed(token, self.settings.secret_key):
            return None
        return await self.session.scalar(select(RatingToken).where(RatingToken.token_hash == tokens.digest(token)))

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
    async def submit_from_kiosk(self, kiosk: Kiosk, data: RatingCreate) -> tuple[Rating, bool]:
        """A kiosk rating, attributed to the kiosk's centre and counter and the staff member on duty."""
        if data.token is not None:
            raise InvalidInput("A kiosk rating carries no QR token", field="token")
        replay = await self._replay(data)
        if replay is not None:
            return replay, False
        instrument = await active_instrument(self.session)
        instrument.check(data.answers, data.reasons)
        staff_id = kiosk.staff_on_duty_id
        agency_id = None
        if data.staff_code is not None:
            staff = await self.session.scalar(select(Staff).where(Staff.code == data.staff_code))
            if staff is None or staff.centre_id != kiosk.centre_id:
                raise InvalidInput(f"No staff member {data.staff_code!r} at this centre", field="staff_code")
            staff_id, agency_id = staff.id, staff.agency_id
        elif kiosk.staff_on_duty is not None:
            agency_id = kiosk.staff_on_duty.agency_id
        if agency_id is None and kiosk.counter is not None:
            agency_id = kiosk.counter.agency_id
        now = datetime.now(UTC)
        values = self._values(data, instrument.id, "kiosk", now)
        values.update(
            centre_id=kiosk.centre_id,
            counter_id=kiosk.counter_id,
            staff_id=staff_id,
            agency_id=agency_id,
            kiosk_id=kiosk.id,
        )
        values["suspected_repeat"] = await self._too_soon(kiosk, data.id, values["submitted_at"])
        return await self._insert(values, data)

    async def _too_soon(self, kiosk: Kiosk, rating_id: uuid.UUID, at: datetime) -> bool:
        """Another tap from the same device within the minimum interval (by the device's clock)."""
        gap = timedelta(seconds=self.settings.kiosk_min_interval_seconds)
        if not gap:
            return False
        neighbour = await self.session.scalar(
            select(Rating.id)
            .where(
                Rating.kiosk_id == kiosk.id,
                Rating.id != rating_id,
                and_(Rating.submitted_at > at - gap, Rating.submitted_at < at + gap),
            )
            .limit(1)
        )
        return neighbour is not None

    # -- shared --------------------------------------------------------------------------------------
    def _values(self, data: RatingCreate, survey_id: Any, channel: str, now: datetime) -> dict[str, Any]:
        submitted = data.submitted_at or now
        if submitted > now + MAX_CLOCK_SKEW:
            raise InvalidInput("submitted_at is in the future", field="submitted_at")
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
        """Insert unless the id exists (a concurrent retry): then it is a replay or a conflict.

        A new rating is added to the rollups in the same transaction, so figures never miss or double it.
        """
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        result = await self.session.execute(
            insert(Rating).values(**values).on_conflict_do_nothing(index_elements=["id"])
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            replay = await self._replay(data)
            if replay is None:  # pragma: no cover - the conflicting row vanished: cannot happen without deletes
                raise Conflict("The rating could not be stored; try again", field="id")
            return replay, False
        await Rollups(self.session, self.settings.timezone).add_rating(values)
        rating = await self.session.get(Rating, data.id)
        assert rating is not None
        await flag_rating(self.session, rating, self.settings)
        return rating, True

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
        )
