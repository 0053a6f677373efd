"""Notifications about flags: emails over SMTP and a signed webhook per centre.

They are written to an outbox table in the same transaction as their cause, and sent later by
``deliver_pending`` (a background task of the app, and ``survey-api notifications send``). A failure is
logged and retried with exponential backoff; it never slows or fails the citizen's submission.

Webhook signature: ``X-HaiLong-Signature: t=<unix seconds>,v1=<hex>`` where ``hex`` is
HMAC-SHA256(centre's webhook secret, ``"<t>." + raw body``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid, parseaddr
from typing import TYPE_CHECKING, Any

import anyio
import httpx
from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.models import User
from survey_api.complaints.models import Flag, Notification
from survey_api.i18n import format_moment, translate
from survey_api.org.models import Centre
from survey_api.settings import Settings

if TYPE_CHECKING:
    from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

logger = logging.getLogger("survey_api.notifications")

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 10
LEASE = timedelta(minutes=5)
TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-HaiLong-Signature"
EVENT_HEADER = "X-HaiLong-Event"


@dataclass(frozen=True, slots=True)
class Claimed:
    """An outbox row taken for sending (copied out, so sending happens outside any transaction)."""

    id: uuid.UUID
    event: str
    channel: str
    recipient: str
    subject: str
    body: str
    payload: dict[str, Any]
    attempts: int
    secret: str | None


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … at most 6 hours, after the ``attempts``-th failure."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, tolerance_seconds: int = 300, now: float | None = None) -> bool:
    """Check a signature header as a receiver would (exposed for receivers written in Python)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), f"t={timestamp},v1={parts.get('v1', '')}")


# -- queueing -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FlagFacts:
    """What a notification says about a flag: a plain snapshot, so that flags written in bulk (the rating
    writer's) need no ORM objects."""

    id: uuid.UUID
    reason: str
    status: str
    centre_id: uuid.UUID
    centre_name: str
    centre_code: str
    webhook_url: str | None
    staff_id: uuid.UUID | None
    staff_name: str | None
    staff_code: str | None
    received_at: datetime
    due_by: datetime | None
    escalated: bool = False
    tracking_code: str | None = None
    category: str | None = None
    complaint_text: str | None = None
    overall: int | None = None
    comment: str | None = None

    @classmethod
    def of(cls, flag: Flag) -> FlagFacts:
        complaint, rating, staff = flag.complaint, flag.rating, flag.staff
        return cls(
            id=flag.id,
            reason=flag.reason,
            status=flag.status,
            centre_id=flag.centre_id,
            centre_name=flag.centre.name,
            centre_code=flag.centre.code,
            webhook_url=flag.centre.webhook_url,
            staff_id=flag.staff_id,
            staff_name=staff.full_name if staff is not None else None,
            staff_code=staff.code if staff is not None else None,
            received_at=flag.received_at,
            due_by=flag.due_by,
            escalated=flag.escalated_at is not None,
            tracking_code=complaint.tracking_code if complaint is not None else None,
            category=complaint.category if complaint is not None else None,
            complaint_text=complaint.text if complaint is not None else None,
            overall=rating.overall if rating is not None else None,
            comment=rating.comment if rating is not None else None,
        )


async def _emails(
    session: AsyncSession, flags: list[FlagFacts], event: str, assignee: User | None
) -> dict[uuid.UUID, list[str]]:
    """Recipients per flag. New: the staff member concerned, the centre's supervisors and director.
    Assigned: the assignee. Overdue: the centre's director. One query for all the flags."""
    if event == "flag.assigned":
        users = [assignee] if assignee is not None else []
    else:
        roles = ("director",) if event == "flag.overdue" else ("supervisor", "director")
        who = and_(User.scope_centre_id.in_({f.centre_id for f in flags}), User.role.in_(roles))
        staff_ids = {f.staff_id for f in flags if f.staff_id is not None}
        if event == "flag.new" and staff_ids:
            who = or_(who, User.staff_id.in_(staff_ids))
        users = list(await session.scalars(select(User).where(who, User.active.is_(True))))
    out: dict[uuid.UUID, list[str]] = {}
    for flag in flags:
        chosen = (
            users
            if event == "flag.assigned"
            else [
                u
                for u in users
                if (u.scope_centre_id == flag.centre_id and u.role in roles)
                or (event == "flag.new" and flag.staff_id is not None and u.staff_id == flag.staff_id)
            ]
        )
        out[flag.id] = sorted({u.email.strip() for u in chosen if u and u.active and u.email and u.email.strip()})
    return out


def _texts(settings: Settings, flag: FlagFacts, event: str) -> tuple[str, str, dict[str, Any]]:
    lang = settings.default_language
    what = translate(f"flag.reason.{flag.reason}", lang)
    if flag.tracking_code is not None:
        detail = f"{flag.tracking_code} · {translate(f'complaint.category.{flag.category}', lang)}"
        text = (flag.complaint_text or "")[:1000]
    elif flag.overall is not None:
        detail = f"{flag.overall}/5"
        text = flag.comment or ""
    else:  # pragma: no cover - a flag always has a complaint or a rating
        detail, text = "", ""
    staff = flag.staff_name if flag.staff_name is not None else translate("mail.nobody", lang)
    due = format_moment(flag.due_by, lang, settings.timezone) if flag.due_by else "—"
    url = f"{settings.public_base_url.rstrip('/')}/dashboard/inbox/{flag.id}"
    key = {"flag.new": "mail.new.subject", "flag.assigned": "mail.assigned.subject"}.get(event, "mail.overdue.subject")
    subject = translate(
        key, lang, what=what.lower() if event == "flag.assigned" else what, centre=flag.centre_name, detail=detail
    )
    body = translate(
        "mail.body", lang, what=what, detail=detail, centre=flag.centre_name, staff=staff, due=due, text=text, url=url
    )
    payload = {
        "event": event,
        "flag": {
            "id": str(flag.id),
            "reason": flag.reason,
            "status": flag.status,
            "centre_code": flag.centre_code,
            "staff_code": flag.staff_code,
            "category": flag.category,
            "tracking_code": flag.tracking_code,
            "overall": flag.overall,
            "received_at": flag.received_at.isoformat(),
            "due_by": flag.due_by.isoformat() if flag.due_by else None,
            "escalated": flag.escalated,
            "url": url,
        },
    }
    return subject, body, payload


async def queue(
    session: AsyncSession, settings: Settings, flag: Flag, event: str, *, assignee: User | None = None
) -> int:
    """Write the emails and the webhook call for ``event`` about one flag to the outbox."""
    return await queue_many(session, settings, [FlagFacts.of(flag)], event, assignee=assignee)


async def queue_many(
    session: AsyncSession, settings: Settings, flags: list[FlagFacts], event: str, *, assignee: User | None = None
) -> int:
    """Write the emails and webhook calls for ``event`` about ``flags`` to the outbox, in one statement.
    Never raises: a problem here is logged and must not cost the citizen their submission."""
    if not flags:
        return 0
    try:
        async with session.begin_nested():
            now = datetime.now(UTC)
            emails = await _emails(session, flags, event, assignee) if settings.smtp_host else {}
            rows: list[dict[str, Any]] = []
            for flag in flags:
                subject, body, payload = _texts(settings, flag, event)
                common = {
                    "event": event,
                    "flag_id": flag.id,
                    "subject": subject,
                    "body": body,
                    "payload": payload,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for address in emails.get(flag.id, ()):
                    email = {"channel": "email", "recipient": address, "centre_id": None}
                    rows.append({**common, "id": uuid.uuid4(), **email})
                if flag.webhook_url:
                    rows.append(
                        {
                            **common,
                            "id": uuid.uuid4(),
                            "channel": "webhook",
                            "recipient": flag.webhook_url,
                            "centre_id": flag.centre_id,
                        }
                    )
            if rows:
                await session.execute(insert(Notification), rows)
            return len(rows)
    except Exception:
        logger.exception("could not queue notifications for %d flag(s) (%s)", len(flags), event)
        return 0


# -- sending ------------------------------------------------------------------------------------------
def send_email(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send one plain-text UTF-8 email (blocking; run in a worker thread).

    The subject is encoded with ``email.header.Header``: the newer header folding drops the spaces
    between encoded words of long Vietnamese subjects.
    """
    message = MIMEText(body, "plain", "utf-8")
    name, address = parseaddr(settings.smtp_from)
    message["From"] = formataddr((name, address), charset="utf-8")
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]
    message["Message-ID"] = make_msgid(domain="hailong")
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_tls == "ssl":
        smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS, context=context)
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS)
    with smtp:
        if settings.smtp_tls == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.sendmail(address, [to], message.as_bytes())


async def send_webhook(url: str, secret: str | None, event: str, payload: dict[str, Any]) -> None:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", EVENT_HEADER: event}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, int(time.time()), body)
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
        response = await client.post(url, content=body, headers=headers)
    if response.status_code >= 300:
        raise RuntimeError(f"webhook answered {response.status_code}")


async def deliver_pending(alchemy: SQLAlchemyAsyncConfig, settings: Settings, limit: int = 50) -> int:
    """Send what is due in the outbox; returns how many were sent. Safe to run in several processes:
    each row is claimed (leased) before it is sent."""
    now = datetime.now(UTC)
    async with alchemy.get_session() as session:
        due = list(
            await session.scalars(
                select(Notification)
                .where(Notification.status == "pending", Notification.next_attempt_at <= now)
                .order_by(Notification.next_attempt_at)
                .limit(limit)
            )
        )
        claimed: list[Claimed] = []
        for row in due:
            result = await session.execute(
                update(Notification)
                .where(
                    Notification.id == row.id,
                    Notification.status == "pending",
                    Notification.attempts == row.attempts,
                    Notification.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + LEASE)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                continue  # another process took it
            secret = None
            if row.channel == "webhook" and row.centre_id is not None:
                secret = await session.scalar(select(Centre.webhook_secret).where(Centre.id == row.centre_id))
            claimed.append(
                Claimed(
                    row.id,
                    row.event,
                    row.channel,
                    row.recipient,
                    row.subject,
                    row.body,
                    row.payload,
                    row.attempts,
                    secret,
                )
            )
        await session.commit()
    outcomes: list[tuple[Claimed, str | None]] = []
    for item in claimed:
        try:
            if item.channel == "email":
                await anyio.to_thread.run_sync(send_email, settings, item.recipient, item.subject, item.body)
            else:
                await send_webhook(item.recipient, item.secret, item.event, item.payload)
            outcomes.append((item, None))
        except Exception as exc:
            logger.warning(
                "notification %s to %s failed (attempt %d): %s", item.id, item.recipient, item.attempts + 1, exc
            )
            outcomes.append((item, f"{type(exc).__name__}: {exc}"[:500]))
    sent = 0
    async with alchemy.get_session() as session:
        done = datetime.now(UTC)
        for item, error in outcomes:
            row_id, attempts = item.id, item.attempts
            if error is None:
                values: dict[str, Any] = {
                    "status": "sent",
                    "sent_at": done,
                    "attempts": attempts + 1,
                    "last_error": None,
                }
                sent += 1
            else:
                failed = attempts + 1 >= MAX_ATTEMPTS
                values = {
                    "status": "failed" if failed else "pending",
                    "attempts": attempts + 1,
                    "last_error": error,
                    "next_attempt_at": done + backoff(attempts + 1),
                }
                if failed:
                    logger.error("notification %s gave up after %d attempts: %s", row_id, attempts + 1, error)
            await session.execute(
                update(Notification)
                .where(Notification.id == row_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        await session.commit()
    return sent
