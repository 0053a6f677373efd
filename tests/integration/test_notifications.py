"""Notifications leave through the outbox: a real SMTP server receives a Vietnamese email, a webhook
receiver checks the HMAC-SHA256 signature, and failures are retried with backoff."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
import msgspec
import pytest
from aiosmtpd.controller import Controller
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from bench.common import free_port
from survey_api import db
from survey_api.accounts.models import User
from survey_api.complaints.models import Notification
from survey_api.complaints.notifications import deliver_pending
from survey_api.settings import Settings
from tests.helpers import bearer_for, kiosk_headers

pytestmark = pytest.mark.anyio
WEBHOOK_SECRET = "khoa-bi-mat-webhook-0123456789"


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


class Receiver:
    """A webhook receiver on 127.0.0.1 that verifies the signature as an integrator would."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, Any], bool, str]] = []
        self.fail_next = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                header = self.headers.get("X-HaiLong-Signature", "")
                parts = dict(p.split("=", 1) for p in header.split(","))
                expected = hmac.new(
                    WEBHOOK_SECRET.encode(), parts["t"].encode() + b"." + body, hashlib.sha256
                ).hexdigest()
                valid = hmac.compare_digest(expected, parts["v1"])
                receiver.calls.append((json.loads(body), valid, self.headers.get("X-HaiLong-Event", "")))
                status = 500 if receiver.fail_next else 204
                receiver.fail_next = max(receiver.fail_next - 1, 0)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hailong"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def settings(settings: Settings, smtp_server: tuple[int, Inbox]) -> Settings:
    """The test database's settings, with email to the test's SMTP server and no background sender
    (the test sends the outbox itself, so it knows when)."""
    return msgspec.structs.replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server[0],
        smtp_tls="none",
        smtp_from="Hài Lòng <khong-tra-loi@hailong.vn>",
        notify_interval_seconds=0,
        escalation_interval_seconds=0,
    )


async def give_emails(run_in_session: Any) -> None:
    async def work(session: Any) -> None:
        for username in ("canbo", "giamsat", "giamdoc", "tinh"):
            await session.execute(
                update(User).where(User.username == username).values(email=f"{username}@camau.gov.vn")
            )

    await run_in_session(work)


def complaint(**changes: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "centre_code": "TTPVHCC-96",
        "staff_code": "CB-001",
        "category": "harassment",
        "text": "Cán bộ đòi thêm tiền ngoài lệ phí.",
        "phone": "0912345678",
        "consent": True,
    }
    body.update(changes)
    return body


async def test_a_new_flag_is_emailed_in_vietnamese_without_the_complainants_details(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, settings: Settings, smtp_server: tuple[int, Inbox]
) -> None:
    _, inbox = smtp_server
    await give_emails(run_in_session)
    created = await client.post("/api/v1/complaints", json=complaint())
    assert created.status_code == 201
    code = created.json()["tracking_code"]
    assert inbox.messages == []  # nothing is sent while the citizen waits

    alchemy = db.alchemy_config(settings)
    try:
        assert await deliver_pending(alchemy, settings) == 3
        assert await deliver_pending(alchemy, settings) == 0
    finally:
        await alchemy.get_engine().dispose()
    assert sorted(str(m["To"]) for m in inbox.messages) == [
        "canbo@camau.gov.vn",
        "giamdoc@camau.gov.vn",
        "giamsat@camau.gov.vn",
    ]
    message = inbox.messages[0]
    assert message["Subject"] == (
        f"[Hài Lòng] Phản ánh mới tại Trung tâm Giải quyết thủ tục hành chính tỉnh Cà Mau: "
        f"{code} · Nhũng nhiễu, gợi ý tiền, quà"
    )
    text = message.get_content()
    assert "Cán bộ: Nguyễn Văn Hùng" in text
    assert "Cán bộ đòi thêm tiền ngoài lệ phí." in text
    assert "0912345678" not in text
    assert "/dashboard/inbox/" in text

    # An assignment goes to the assignee.
    flag_id = (await client.get("/api/v1/flags", headers=await bearer_for(run_in_session, "giamsat"))).json()["items"][
        0
    ]["id"]
    await client.post(
        f"/api/v1/flags/{flag_id}/assign",
        json={"username": "giamdoc"},
        headers=await bearer_for(run_in_session, "giamsat"),
    )
    alchemy = db.alchemy_config(settings)
    try:
        assert await deliver_pending(alchemy, settings) == 1
    finally:
        await alchemy.get_engine().dispose()
    assert str(inbox.messages[-1]["To"]) == "giamdoc@camau.gov.vn"
    assert inbox.messages[-1]["Subject"].startswith("[Hài Lòng] Bạn được giao xử lý phản ánh")


async def test_the_centre_webhook_is_signed_and_retried_with_backoff(
    demo: None,
    client: AsyncTestClient[Any],
    run_in_session: Any,
    settings: Settings,
    receiver: Receiver,
) -> None:
    admin = await bearer_for(run_in_session, "admin")
    changed = await client.patch(
        "/api/v1/admin/centres/TTPVHCC-96",
        json={"webhook_url": receiver.url, "webhook_secret": WEBHOOK_SECRET},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["webhook_url"] == receiver.url
    assert changed.json()["webhook_signed"] is True
    assert WEBHOOK_SECRET not in changed.text

    receiver.fail_next = 1
    created = await client.post("/api/v1/complaints", json=complaint(category="extra_fees"))
    assert created.status_code == 201
    alchemy = db.alchemy_config(settings)
    try:
        assert await deliver_pending(alchemy, settings) == 0  # no emails configured here; the webhook fails once
        row = await run_in_session(lambda s: s.scalar(select(Notification).where(Notification.channel == "webhook")))
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.last_error == "RuntimeError: webhook answered 500"
        assert 25 <= (row.next_attempt_at - datetime.now(UTC)).total_seconds() <= 30
        assert await deliver_pending(alchemy, settings) == 0  # not due yet

        await run_in_session(lambda s: s.execute(update(Notification).values(next_attempt_at=datetime.now(UTC))))
        assert await deliver_pending(alchemy, settings) == 1
    finally:
        await alchemy.get_engine().dispose()

    assert len(receiver.calls) == 2
    payload, valid, event = receiver.calls[-1]
    assert valid is True
    assert event == "flag.new"
    assert payload["event"] == "flag.new"
    assert payload["flag"]["tracking_code"] == created.json()["tracking_code"]
    assert payload["flag"]["category"] == "extra_fees"
    assert payload["flag"]["centre_code"] == "TTPVHCC-96"
    assert "0912345678" not in json.dumps(payload)
    row = await run_in_session(lambda s: s.scalar(select(Notification).where(Notification.channel == "webhook")))
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


async def test_an_unreachable_smtp_server_never_fails_the_submission(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, settings: Settings
) -> None:
    await give_emails(run_in_session)
    broken = msgspec.structs.replace(settings, smtp_port=free_port())
    created = await client.post("/api/v1/complaints", json=complaint())
    assert created.status_code == 201
    alchemy = db.alchemy_config(broken)
    try:
        assert await deliver_pending(alchemy, broken) == 0
    finally:
        await alchemy.get_engine().dispose()
    rows = await run_in_session(lambda s: s.scalars(select(Notification)))
    assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}


async def test_low_kiosk_ratings_written_together_are_each_emailed_with_their_level(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, settings: Settings, smtp_server: tuple[int, Inbox]
) -> None:
    """The rating writer opens the flags of a whole batch at once; each still gets its own emails."""
    _, inbox = smtp_server
    await give_emails(run_in_session)
    kiosk = await kiosk_headers(run_in_session)
    at = [datetime(2026, 11, 20, 2, minute, tzinfo=UTC).isoformat() for minute in (0, 5, 10)]  # not repeats
    bodies = [
        {
            "id": str(uuid.uuid4()),
            "overall": 1,
            "submitted_at": at[0],
            "staff_code": "CB-001",
            "comment": "Chờ quá lâu, không ai hướng dẫn.",
        },
        {"id": str(uuid.uuid4()), "overall": 2, "submitted_at": at[1], "staff_code": "CB-002"},
        {"id": str(uuid.uuid4()), "overall": 5, "submitted_at": at[2]},
    ]
    statuses: list[int] = []

    async def send(body: dict[str, Any]) -> None:
        statuses.append((await client.post("/api/v1/ratings", json=body, headers=kiosk)).status_code)

    async with anyio.create_task_group() as tg:
        for body in bodies:
            tg.start_soon(send, body)
    assert statuses == [201, 201, 201]
    alchemy = db.alchemy_config(settings)
    try:
        sent = await deliver_pending(alchemy, settings)
    finally:
        await alchemy.get_engine().dispose()
    by_level: dict[str, list[str]] = {}
    for message in inbox.messages:
        by_level.setdefault(str(message["Subject"]).rsplit(": ", 1)[-1], []).append(str(message["To"]))
    assert {level: sorted(to) for level, to in by_level.items()} == {
        "1/5": ["canbo@camau.gov.vn", "giamdoc@camau.gov.vn", "giamsat@camau.gov.vn"],
        "2/5": ["giamdoc@camau.gov.vn", "giamsat@camau.gov.vn"],
    }
    assert sent == 5
    first = next(m for m in inbox.messages if str(m["Subject"]).endswith("1/5"))
    assert "Chờ quá lâu, không ai hướng dẫn." in first.get_content()
    assert "Cán bộ: Nguyễn Văn Hùng" in first.get_content()
