"""Dossier rules: upsert by code where the latest event wins, history of every change, rating tokens."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.scope import Scope
from survey_api.dossiers import tokens
from survey_api.dossiers.dates import judge_dates
from survey_api.dossiers.models import Dossier, DossierEvent, DossierStatus, RatingToken
from survey_api.dossiers.schemas import DossierImportResult, DossierPush, DossierRead
from survey_api.dossiers.timeliness import classify
from survey_api.errors import ErrorItem, InvalidInput, NotFound
from survey_api.org.models import Agency, Centre, Counter, Procedure, Staff
from survey_api.settings import Settings
from survey_api.writes import DossierChange, DossierState, WriteSubscribers

_REFS: tuple[tuple[str, type[Any], str], ...] = (
    ("procedure_code", Procedure, "procedure"),
    ("centre_code", Centre, "centre"),
    ("counter_code", Counter, "counter"),
    ("staff_code", Staff, "staff"),
    ("agency_code", Agency, "agency"),
)
_STATE_FIELDS = ("channel", "status", "received_at", "due_at", "resolved_at", "returned_at")


def _paused_pairs(dossier: Dossier) -> list[tuple[datetime, datetime | None]]:
    return [
        (datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"]) if p.get("end") else None)
        for p in dossier.paused or []
    ]


@dataclass(slots=True)
class PushOutcome:
    dossier: Dossier
    applied: bool
    created: bool


class DossierService:
    def __init__(self, session: AsyncSession, settings: Settings, subscribers: WriteSubscribers) -> None:
        """``subscribers`` hear of every dossier an event changes (``survey_api.writes``)."""
        self.session = session
        self.settings = settings
        self.subscribers = subscribers

    # -- intake ---------------------------------------------------------------------------------------
    async def push(self, data: DossierPush, source: str) -> PushOutcome:
        """Apply one event. Late, repeated and out-of-order events are safe: the latest ``event_at`` wins."""
        now = datetime.now(UTC)
        event_at = data.event_at or data.latest_moment()
        payload = msgspec.to_builtins(data)
        payload_hash = hashlib.sha256(msgspec.json.encode(payload, order="sorted")).hexdigest()
        refs = await self._resolve(data)
        dossier = await self.session.scalar(select(Dossier).where(Dossier.code == data.code))
        created = dossier is None
        if dossier is None:
            dossier = Dossier(code=data.code, event_at=event_at)
            self.session.add(dossier)
            applied = True
        else:
            repeated = await self.session.scalar(
                select(DossierEvent.id).where(
                    DossierEvent.dossier_id == dossier.id, DossierEvent.payload_hash == payload_hash
                )
            )
            if repeated is not None:
                return PushOutcome(dossier, applied=False, created=False)
            applied = event_at >= dossier.event_at
        before = None if created else DossierState.of(dossier)
        if applied:
            judged = judge_dates(
                due_at=None if before is None else before.due_at,
                due_extended_at=dossier.due_extended_at,
                resolved_floor_at=dossier.resolved_floor_at,
                claimed_due=data.due_at,
                claimed_resolved=data.resolved_at,
                recorded_at=now,
            )
            for name, obj in refs.items():
                setattr(dossier, name, obj)
            for name in _STATE_FIELDS:
                setattr(dossier, name, getattr(data, name))
            if data.status == DossierStatus.RETURNED and data.returned_at is None:
                dossier.returned_at = dossier.returned_at or event_at
            dossier.paused = [msgspec.to_builtins(p) for p in data.paused]
            dossier.event_at = event_at
            claimed = DossierState.of(dossier)
            for name in ("due_at", "resolved_at", "due_extended_at", "resolved_floor_at"):
                setattr(dossier, name, getattr(judged, name))
        await self.session.flush()
        if applied:
            change = DossierChange(dossier, before, DossierState.of(dossier), claimed, source, now)
            await self.subscribers.publish_dossiers(self.session, [change])
        self.session.add(
            DossierEvent(
                dossier_id=dossier.id,
                event_at=event_at,
                recorded_at=now,
                status=data.status,
                applied=applied,
                source=source,
                payload=payload,
                payload_hash=payload_hash,
            )
        )
        if dossier.returned_at is not None:
            await self.ensure_token(dossier)
        await self.session.flush()
        return PushOutcome(dossier, applied=applied, created=created)

    async def _resolve(self, data: DossierPush) -> dict[str, Any]:
        found: dict[str, Any] = {}
        errors: list[ErrorItem] = []
        for field, model, attr in _REFS:
            code = getattr(data, field)
            if code is None:
                found[attr] = None
                continue
            obj = await self.session.scalar(select(model).where(model.code == code))
            if obj is None:
                errors.append(ErrorItem(field=field, message=f"Unknown code {code!r}"))
            found[attr] = obj
        centre = found.get("centre")
        for attr, field in (("counter", "counter_code"), ("staff", "staff_code")):
            obj = found.get(attr)
            if obj is not None and centre is not None and obj.centre_id != centre.id:
                errors.append(ErrorItem(field=field, message=f"{getattr(data, field)!r} is not at {centre.code}"))
        if errors:
            raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
        return found

    async def import_rows(self, rows: list[tuple[int, Any]], source: str) -> DossierImportResult:
        """Back-fill from CSV rows (already parsed): every bad row is reported; then nothing is written."""
        errors: list[ErrorItem] = []
        created = updated = unchanged = 0
        for row_no, item in rows:
            if isinstance(item, ErrorItem):
                errors.append(item)
                continue
            try:
                outcome = await self.push(item, source)
            except InvalidInput as exc:
                errors += [ErrorItem(field=e.field, message=e.message, row=row_no) for e in exc.errors]
                continue
            if outcome.created:
                created += 1
            elif outcome.applied:
                updated += 1
            else:
                unchanged += 1
        if errors:
            await self.session.rollback()
            raise InvalidInput(f"{len(errors)} problem(s) in the file; nothing was imported", errors=errors)
        return DossierImportResult(rows=len(rows), created=created, updated=updated, unchanged=unchanged)

    # -- rating tokens ---------------------------------------------------------------------------------
    async def ensure_token(self, dossier: Dossier) -> RatingToken:
        """The dossier's one rating token, made the first time it is returned."""
        token = await self.session.scalar(select(RatingToken).where(RatingToken.dossier_id == dossier.id))
        if token is None:
            nonce = tokens.new_nonce()
            token = RatingToken(
                dossier_id=dossier.id,
                nonce=nonce,
                token_hash=tokens.SigningKeys.from_settings(self.settings).new_token_hash(nonce),
                expires_at=datetime.now(UTC) + timedelta(days=self.settings.rating_token_days),
            )
            self.session.add(token)
            await self.session.flush()
        return token

    def rating_url(self, token: RatingToken) -> str:
        printed = tokens.SigningKeys.from_settings(self.settings).printed(token.nonce, token.token_hash)
        return f"{self.settings.public_base_url.rstrip('/')}/r/{printed}"

    # -- reads ----------------------------------------------------------------------------------------
    async def get(self, code: str, scope: Scope | None) -> Dossier:
        """The dossier with ``code``; ``scope`` None is an integration key (all centres)."""
        query = select(Dossier).where(Dossier.code == code)
        if scope is not None and not scope.everything:
            query = query.where(Dossier.centre_id.in_(scope.centre_ids()))
        dossier = await self.session.scalar(query)
        if dossier is None:
            raise NotFound(f"No dossier with code {code!r}", field="code")
        return dossier

    async def token_of(self, dossier: Dossier) -> RatingToken:
        token = await self.session.scalar(select(RatingToken).where(RatingToken.dossier_id == dossier.id))
        if token is None:
            raise NotFound("The dossier has not been returned yet: it has no rating link", field="code")
        return token

    async def history(self, dossier: Dossier) -> list[DossierEvent]:
        """Every event received for the dossier, applied or not, in the order it was recorded."""
        events = await self.session.scalars(
            select(DossierEvent)
            .where(DossierEvent.dossier_id == dossier.id)
            .order_by(DossierEvent.recorded_at, DossierEvent.event_at)
        )
        return list(events)

    async def read(self, dossier: Dossier, applied: bool = True) -> DossierRead:
        now = datetime.now(UTC)
        timeliness = classify(dossier.due_at, dossier.resolved_at, now, _paused_pairs(dossier), self.settings.timezone)
        read = DossierRead(
            code=dossier.code,
            status=dossier.status,
            procedure_code=dossier.procedure.code,
            centre_code=dossier.centre.code,
            counter_code=dossier.counter.code if dossier.counter else None,
            staff_code=dossier.staff.code if dossier.staff else None,
            agency_code=dossier.agency.code if dossier.agency else None,
            channel=dossier.channel,
            received_at=dossier.received_at,
            due_at=dossier.due_at,
            resolved_at=dossier.resolved_at,
            returned_at=dossier.returned_at,
            event_at=dossier.event_at,
            timeliness=timeliness.value if timeliness else None,
            applied=applied,
        )
        token = await self.session.scalar(select(RatingToken).where(RatingToken.dossier_id == dossier.id))
        if token is not None:
            base = f"/api/v1/dossiers/{dossier.code}"
            public = self.settings.public_base_url.rstrip("/")
            read.rating_url = self.rating_url(token)
            read.qr_svg_url = f"{public}{base}/qr?format=svg"
            read.qr_png_url = f"{public}{base}/qr?format=png"
            read.slip_url = f"{public}{base}/slip"
            read.rated = token.used_at is not None
        return read
