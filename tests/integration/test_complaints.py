"""Complaints: filed exactly once, routed to the right inbox, handled through the workflow, audited, escalated."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from survey_api.accounts.services import AccountService
from survey_api.audit.models import AuditEvent
from survey_api.complaints.flags import escalate_overdue
from survey_api.complaints.models import Complaint, Flag, FlagEvent
from survey_api.complaints.retention import erase_ended_contacts
from survey_api.demo import DEMO_PASSWORD
from survey_api.settings import Settings
from tests.helpers import bearer_for, integration_headers, kiosk_headers, login, returned_dossier

pytestmark = pytest.mark.anyio


def complaint(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "centre_code": "TTPVHCC-96",
        "staff_code": "CB-001",
        "category": "harassment",
        "text": "Cán bộ gợi ý phải 'bồi dưỡng' thì hồ sơ mới được giải quyết nhanh.",
        "name": "Trần Văn Bình",
        "phone": "0912 345 678",
        "consent": True,
        "language": "vi",
    }
    body.update(changes)
    return body


async def other_director(run_in_session: Any) -> dict[str, str]:
    """A director of another centre (Bộ phận Một cửa TP Cà Mau)."""
    await run_in_session(
        lambda s: AccountService(s).create_user(
            username="giamdoc964", password=DEMO_PASSWORD, role="director", scope_code="MC-964"
        )
    )
    return await bearer_for(run_in_session, "giamdoc964")


async def count(run_in_session: Any, model: Any, *where: Any) -> int:
    return await run_in_session(lambda s: s.scalar(select(func.count()).select_from(model).where(*where)))


async def test_a_complaint_is_filed_once_and_tracked_with_code_and_secret(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    body = complaint()
    created = await client.post("/api/v1/complaints", json=body)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert re.fullmatch(r"PA-\d{4}-[2-9A-HJKMNP-Z]{6}", answer["tracking_code"])
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", answer["secret"])
    assert answer["status"] == "new"
    assert answer["centre_code"] == "TTPVHCC-96"
    assert answer["staff_code"] == "CB-001"
    assert answer["channel"] == "api"
    assert answer["due_by"] > answer["accept_by"] > answer["received_at"]

    replay = await client.post("/api/v1/complaints", json=body)
    assert replay.status_code == 200
    assert replay.json() == answer  # the same secret again: the sender may have missed the first answer
    changed = await client.post("/api/v1/complaints", json={**body, "text": "Khác"})
    assert changed.status_code == 409
    assert changed.json()["errors"][0]["field"] == "id"
    assert await count(run_in_session, Complaint) == 1
    assert await count(run_in_session, Flag, Flag.reason == "complaint") == 1

    stored = await run_in_session(lambda s: s.get(Complaint, uuid.UUID(answer["id"])))
    assert answer["secret"] not in stored.secret_hash  # only a digest is kept

    tracked = await client.post(
        "/api/v1/complaints/track",
        json={"tracking_code": answer["tracking_code"].lower().replace("-", " "), "secret": answer["secret"].lower()},
    )
    assert tracked.status_code == 200, tracked.text
    status = tracked.json()
    assert status["status"] == "new"
    assert status["centre_name"] == "Trung tâm Giải quyết thủ tục hành chính tỉnh Cà Mau"
    assert status["can_give_feedback"] is False
    wrong = await client.post(
        "/api/v1/complaints/track", json={"tracking_code": answer["tracking_code"], "secret": "AAAA-BBBB-CCCC"}
    )
    assert wrong.status_code == 404


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"consent": False}, 422, "consent"),
        ({"text": "x" * 5001}, 400, "text"),
        ({"text": "   "}, 422, "text"),
        ({"category": "bribery"}, 400, "category"),
        ({"centre_code": "KHONG-CO"}, 422, "centre_code"),
        ({"centre_code": None}, 422, "centre_code"),
        ({"staff_code": "CB-010"}, 422, "staff_code"),  # works at another centre
        ({"phone": "abc"}, 400, "phone"),
        ({"token": "not-a-real-token"}, 404, "token"),
    ],
)
async def test_bad_complaints_get_a_4xx_naming_the_field(
    demo: None, client: AsyncTestClient[Any], changes: dict[str, Any], status: int, field: str
) -> None:
    response = await client.post("/api/v1/complaints", json=complaint(**changes))
    assert response.status_code == status, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_without_contact_details_no_consent_is_needed(demo: None, client: AsyncTestClient[Any]) -> None:
    body = complaint(name=None, phone=None, consent=False, staff_code=None, category="rude")
    response = await client.post("/api/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["staff_code"] is None


async def test_the_qr_token_and_the_kiosk_say_where_the_complaint_belongs(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    pushed = await client.post(
        "/api/v1/dossiers", json=returned_dossier(), headers=await integration_headers(run_in_session)
    )
    token = pushed.json()["rating_url"].rsplit("/", 1)[1]
    body = complaint(token=token, centre_code=None, staff_code=None, name=None, phone=None, consent=False)
    by_token = await client.post("/api/v1/complaints", json=body)
    assert by_token.status_code == 201, by_token.text
    assert by_token.json()["centre_code"] == "TTPVHCC-96"
    assert by_token.json()["staff_code"] == "CB-001"
    assert by_token.json()["dossier_code"] == "000.00.16.H12-260615-0001"
    assert by_token.json()["channel"] == "qr"

    kiosk = await kiosk_headers(run_in_session, centre="MC-969", counter="MC969-Q01")
    body = complaint(centre_code=None, staff_code="CB-013", category="delay", name=None, phone=None)
    by_kiosk = await client.post("/api/v1/complaints", json=body, headers=kiosk)
    assert by_kiosk.status_code == 201, by_kiosk.text
    assert by_kiosk.json()["centre_code"] == "MC-969"
    assert by_kiosk.json()["staff_code"] == "CB-013"
    assert by_kiosk.json()["channel"] == "kiosk"
    wrong_centre = await client.post("/api/v1/complaints", json=complaint(centre_code="TTPVHCC-96"), headers=kiosk)
    assert wrong_centre.status_code == 422
    assert wrong_centre.json()["errors"][0]["field"] == "centre_code"


async def test_flags_reach_the_staff_member_concerned_and_the_centre_but_nobody_else(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    about_hung = (await client.post("/api/v1/complaints", json=complaint(staff_code="CB-001"))).json()
    about_ha = (await client.post("/api/v1/complaints", json=complaint(staff_code="CB-002", category="rude"))).json()
    flag_of = {}
    for filed in (about_hung, about_ha):
        flag_of[filed["tracking_code"]] = str(
            await run_in_session(
                lambda s, f=filed: s.scalar(select(Flag.id).where(Flag.complaint_id == uuid.UUID(f["id"])))
            )
        )

    staff = await bearer_for(run_in_session, "canbo")  # Nguyễn Văn Hùng, CB-001
    mine = (await client.get("/api/v1/flags", headers=staff)).json()
    assert mine["total"] == 1
    assert mine["items"][0]["complaint"]["tracking_code"] == about_hung["tracking_code"]
    assert mine["items"][0]["staff_code"] == "CB-001"
    not_mine = await client.get(f"/api/v1/flags/{flag_of[about_ha['tracking_code']]}", headers=staff)
    assert not_mine.status_code == 404

    supervisor = await bearer_for(run_in_session, "giamsat")
    centre = (await client.get("/api/v1/flags", headers=supervisor)).json()
    assert centre["total"] == 2
    director = await bearer_for(run_in_session, "giamdoc")
    assert (await client.get("/api/v1/flags?status=open", headers=director)).json()["total"] == 2

    elsewhere = await other_director(run_in_session)
    assert (await client.get("/api/v1/flags", headers=elsewhere)).json()["total"] == 0
    for flag_id in flag_of.values():
        assert (await client.get(f"/api/v1/flags/{flag_id}", headers=elsewhere)).status_code == 404
        assert (await client.get(f"/api/v1/flags/{flag_id}/contact", headers=elsewhere)).status_code == 404
    viewer = await bearer_for(run_in_session, "xem")  # Cái Nước district: not this centre
    assert (await client.get("/api/v1/flags", headers=viewer)).json()["total"] == 0
    province = await bearer_for(run_in_session, "tinh")
    assert (await client.get("/api/v1/flags", headers=province)).json()["total"] == 2


async def test_contact_details_are_for_handlers_only_and_every_view_is_audited(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    filed = (await client.post("/api/v1/complaints", json=complaint(email="binh@example.vn"))).json()
    flag_id = await run_in_session(
        lambda s: s.scalar(select(Flag.id).where(Flag.complaint_id == uuid.UUID(filed["id"])))
    )
    staff = await bearer_for(run_in_session, "canbo")
    seen_by_staff = await client.get(f"/api/v1/flags/{flag_id}", headers=staff)
    assert seen_by_staff.status_code == 200
    assert "0912" not in seen_by_staff.text
    assert "Trần Văn Bình" not in seen_by_staff.text
    assert seen_by_staff.json()["complaint"]["has_contact"] is True
    assert (await client.get(f"/api/v1/flags/{flag_id}/contact", headers=staff)).status_code == 403

    supervisor = await bearer_for(run_in_session, "giamsat")
    contact = await client.get(f"/api/v1/flags/{flag_id}/contact", headers=supervisor)
    assert contact.status_code == 200
    assert contact.json() == {
        "name": "Trần Văn Bình",
        "phone": "0912 345 678",
        "email": "binh@example.vn",
        "consent": True,
    }
    await client.get(f"/api/v1/flags/{flag_id}/contact", headers=supervisor)
    views = await run_in_session(
        lambda s: s.scalars(
            select(AuditEvent).where(AuditEvent.action == "complaint.contact_viewed").order_by(AuditEvent.at)
        )
    )
    views = list(views)
    assert [(v.actor_name, v.object_id) for v in views] == [("giamsat", uuid.UUID(filed["id"]))] * 2


async def test_internal_notes_are_for_handlers_not_the_staff_member_concerned(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    filed = (await client.post("/api/v1/complaints", json=complaint())).json()
    flag_id = await run_in_session(
        lambda s: s.scalar(select(Flag.id).where(Flag.complaint_id == uuid.UUID(filed["id"])))
    )
    supervisor = await bearer_for(run_in_session, "giamsat")
    staff = await bearer_for(run_in_session, "canbo")  # the staff member the complaint is about
    note = "Xem lại camera quầy 1 trước khi trả lời."
    noted = await client.post(f"/api/v1/flags/{flag_id}/notes", json={"text": note}, headers=supervisor)
    assert noted.status_code == 200, noted.text
    moved = await client.post(
        f"/api/v1/flags/{flag_id}/status",
        json={"status": "acknowledged", "text": "Chuyển thanh tra nội bộ."},
        headers=supervisor,
    )
    assert moved.status_code == 200, moved.text
    explained = await client.post(
        f"/api/v1/flags/{flag_id}/explanation", json={"text": "Tôi đã hướng dẫn đúng quy trình."}, headers=staff
    )
    assert explained.status_code == 200, explained.text
    assert note not in explained.text

    seen_by_staff = await client.get(f"/api/v1/flags/{flag_id}", headers=staff)
    assert seen_by_staff.status_code == 200
    assert note not in seen_by_staff.text
    assert [(e["kind"], e["to_status"], e["text"]) for e in seen_by_staff.json()["thread"]] == [
        ("created", "new", None),
        ("status", "acknowledged", None),
        ("explanation", None, "Tôi đã hướng dẫn đúng quy trình."),
    ]
    seen_by_handler = (await client.get(f"/api/v1/flags/{flag_id}", headers=supervisor)).json()
    assert [(e["kind"], e["to_status"], e["text"]) for e in seen_by_handler["thread"]] == [
        ("created", "new", None),
        ("note", None, note),
        ("status", "acknowledged", "Chuyển thanh tra nội bộ."),
        ("explanation", None, "Tôi đã hướng dẫn đúng quy trình."),
    ]


async def test_contact_details_are_erased_30_days_after_the_complaint_ended(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, settings: Settings
) -> None:
    """Law 91/2025: personal data are deleted once their purpose is served. A closed and a refused complaint lose
    their contact details 30 days later (SURVEY_COMPLAINT_CONTACT_DAYS), an open one keeps them; handlers then read
    when they were erased, the citizen can still follow the complaint, and each erasure is audited."""
    director = await bearer_for(run_in_session, "giamdoc")

    async def filed_and_moved(status: str | None, **changes: Any) -> tuple[dict[str, Any], uuid.UUID]:
        filed = (await client.post("/api/v1/complaints", json=complaint(**changes))).json()
        flag_id = await run_in_session(
            lambda s: s.scalar(select(Flag.id).where(Flag.complaint_id == uuid.UUID(filed["id"])))
        )
        if status is not None:
            moved = await client.post(
                f"/api/v1/flags/{flag_id}/status", json={"status": status, "text": "Đã xác minh."}, headers=director
            )
            assert moved.status_code == 200, moved.text
        return filed, flag_id

    closed, closed_flag = await filed_and_moved("closed", email="binh@example.vn")
    refused, _ = await filed_and_moved("rejected", phone="0987 654 321")
    still_open, open_flag = await filed_and_moved(None, name="Lý Thị Hoa", phone="0977 111 222")
    await filed_and_moved("closed", name=None, phone=None, consent=False)  # nothing to erase

    def erase(days: int) -> Any:
        return lambda s: erase_ended_contacts(s, settings, now=datetime.now(UTC) + timedelta(days=days))

    assert await run_in_session(erase(29)) == 0
    assert await run_in_session(erase(31)) == 2
    assert await run_in_session(erase(31)) == 0

    async def contact_of(filed: dict[str, Any]) -> tuple[Any, ...]:
        stored = await run_in_session(lambda s: s.get(Complaint, uuid.UUID(filed["id"])))
        return stored.contact_name, stored.contact_phone, stored.contact_email, stored.contact_erased_at is not None

    assert await contact_of(closed) == (None, None, None, True)
    assert await contact_of(refused) == (None, None, None, True)
    assert await contact_of(still_open) == ("Lý Thị Hoa", "0977 111 222", None, False)
    gone = await client.get(f"/api/v1/flags/{closed_flag}/contact", headers=director)
    assert (gone.status_code, gone.json()["errors"][0]["field"]) == (404, "contact")
    brief = (await client.get(f"/api/v1/flags/{closed_flag}", headers=director)).json()["complaint"]
    assert brief["has_contact"] is False
    assert brief["contact_erased_at"] is not None
    kept = await client.get(f"/api/v1/flags/{open_flag}/contact", headers=director)
    assert kept.json()["phone"] == "0977 111 222"
    tracked = await client.post(
        "/api/v1/complaints/track", json={"tracking_code": closed["tracking_code"], "secret": closed["secret"]}
    )
    assert tracked.json()["status"] == "closed"
    erasures = await count(run_in_session, AuditEvent, AuditEvent.action == "complaint.contact_erased")
    assert erasures == 2

    await login(client, "giamdoc")
    page = await client.get(f"/dashboard/inbox/{closed_flag}", params={"contact": "1"})
    assert page.status_code == 200
    assert "Thông tin liên hệ đã được xóa lúc" in page.text
    assert "binh@example.vn" not in page.text


async def test_the_erase_contacts_command(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, settings: Settings
) -> None:
    from tests.integration.test_cli import survey_api

    filed = (await client.post("/api/v1/complaints", json=complaint())).json()
    flag_id = await run_in_session(
        lambda s: s.scalar(select(Flag.id).where(Flag.complaint_id == uuid.UUID(filed["id"])))
    )
    director = await bearer_for(run_in_session, "giamdoc")
    await client.post(f"/api/v1/flags/{flag_id}/status", json={"status": "closed", "text": "Xong."}, headers=director)
    result = await survey_api(settings, "flags", "erase-contacts")
    assert result.output.strip() == "Erased the contact details of 0 complaint(s)."

    async def ended_long_ago(session: Any) -> None:
        await session.execute(
            update(Complaint)
            .where(Complaint.id == uuid.UUID(filed["id"]))
            .values(updated_at=datetime.now(UTC) - timedelta(days=31))
        )

    await run_in_session(ended_long_ago)
    result = await survey_api(settings, "flags", "erase-contacts")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Erased the contact details of 1 complaint(s)."
    stored = await run_in_session(lambda s: s.get(Complaint, uuid.UUID(filed["id"])))
    assert (stored.contact_name, stored.contact_phone) == (None, None)


async def test_the_apps_periodic_jobs_escalate_and_erase(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, settings: Settings
) -> None:
    """What the app runs every SURVEY_ESCALATION_INTERVAL_SECONDS, each in a transaction of its own."""
    from survey_api import db
    from survey_api.complaints.jobs import erase_contacts_once, escalate_once

    open_one = (await client.post("/api/v1/complaints", json=complaint())).json()
    ended = (await client.post("/api/v1/complaints", json=complaint(text="Lần khác."))).json()
    director = await bearer_for(run_in_session, "giamdoc")

    def flag_of(filed: dict[str, Any]) -> Any:
        return lambda s: s.scalar(select(Flag.id).where(Flag.complaint_id == uuid.UUID(filed["id"])))

    ended_flag = await run_in_session(flag_of(ended))
    closed = await client.post(
        f"/api/v1/flags/{ended_flag}/status", json={"status": "closed", "text": "Xong."}, headers=director
    )
    assert closed.status_code == 200, closed.text

    async def long_ago(session: Any) -> None:
        past = datetime.now(UTC) - timedelta(days=31)
        await session.execute(update(Flag).where(Flag.id == await flag_of(open_one)(session)).values(due_by=past))
        await session.execute(update(Complaint).where(Complaint.id == uuid.UUID(ended["id"])).values(updated_at=past))

    await run_in_session(long_ago)
    alchemy = db.alchemy_config(settings)
    try:
        assert (await escalate_once(alchemy, settings), await erase_contacts_once(alchemy, settings)) == (1, 1)
        assert (await escalate_once(alchemy, settings), await erase_contacts_once(alchemy, settings)) == (0, 0)
    finally:
        await alchemy.get_engine().dispose()
    stored = await run_in_session(lambda s: s.get(Complaint, uuid.UUID(ended["id"])))
    assert stored.contact_phone is None
    assert (await run_in_session(lambda s: s.get(Complaint, uuid.UUID(open_one["id"])))).contact_phone == "0912 345 678"


async def test_the_workflow_answer_feedback_and_audit(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    filed = (await client.post("/api/v1/complaints", json=complaint())).json()
    secret = {"tracking_code": filed["tracking_code"], "secret": filed["secret"]}
    flag_id = await run_in_session(
        lambda s: s.scalar(select(Flag.id).where(Flag.complaint_id == uuid.UUID(filed["id"])))
    )
    supervisor = await bearer_for(run_in_session, "giamsat")
    staff = await bearer_for(run_in_session, "canbo")

    # Staff explain; they cannot handle the complaint about themselves.
    denied = await client.post(f"/api/v1/flags/{flag_id}/status", json={"status": "acknowledged"}, headers=staff)
    assert denied.status_code == 403
    explained = await client.post(
        f"/api/v1/flags/{flag_id}/explanation",
        json={"text": "Tôi chỉ hướng dẫn nộp lệ phí theo quy định."},
        headers=staff,
    )
    assert explained.status_code == 200, explained.text
    assert explained.json()["explanation"] == "Tôi chỉ hướng dẫn nộp lệ phí theo quy định."
    assert (
        await client.post(f"/api/v1/flags/{flag_id}/explanation", json={"text": "x"}, headers=supervisor)
    ).status_code == 403

    cannot = await client.post(f"/api/v1/flags/{flag_id}/assign", json={"username": "canbo"}, headers=supervisor)
    assert cannot.status_code == 422
    assert cannot.json()["errors"][0]["field"] == "username"
    assigned = await client.post(f"/api/v1/flags/{flag_id}/assign", json={"username": "giamdoc"}, headers=supervisor)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["status"] == "assigned"
    assert assigned.json()["assigned_to"] == "giamdoc"
    assert assigned.json()["due_by"] == assigned.json()["answer_by"]

    asked = await client.post(
        f"/api/v1/flags/{flag_id}/info-request", json={"text": "Ông/Bà cho biết ngày giờ cụ thể?"}, headers=supervisor
    )
    assert asked.status_code == 200
    replied = await client.post("/api/v1/complaints/reply", json={**secret, "text": "Sáng 12/6, khoảng 9 giờ."})
    assert replied.status_code == 200
    assert [e["kind"] for e in replied.json()["thread"]] == ["created", "info_request", "citizen_reply"]

    no_text = await client.post(f"/api/v1/flags/{flag_id}/status", json={"status": "answered"}, headers=supervisor)
    assert no_text.status_code == 422
    assert no_text.json()["errors"][0]["field"] == "text"
    answer = "Trung tâm đã xác minh, nhắc nhở cán bộ và xin lỗi Ông/Bà."
    answered = await client.post(
        f"/api/v1/flags/{flag_id}/status", json={"status": "answered", "text": answer}, headers=supervisor
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["due_by"] is None
    backwards = await client.post(
        f"/api/v1/flags/{flag_id}/status", json={"status": "acknowledged"}, headers=supervisor
    )
    assert backwards.status_code == 422

    tracked = (await client.post("/api/v1/complaints/track", json=secret)).json()
    assert tracked["status"] == "answered"
    assert tracked["answer"] == answer
    assert tracked["can_give_feedback"] is True
    assert "Tôi chỉ hướng dẫn" not in str(tracked)  # the explanation is internal
    disliked = await client.post("/api/v1/complaints/feedback", json={**secret, "satisfied": False})
    assert disliked.status_code == 200
    assert disliked.json()["satisfied"] is False

    closed = await client.post(
        f"/api/v1/flags/{flag_id}/status", json={"status": "closed", "text": "Đã xử lý xong."}, headers=supervisor
    )
    assert closed.json()["status"] == "closed"
    assert closed.json()["resolution"] == "Đã xử lý xong."

    changes = await run_in_session(
        lambda s: s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "flag.status", AuditEvent.object_id == flag_id)
            .order_by(AuditEvent.at)
        )
    )
    assert [(e.actor_name, e.detail["from"], e.detail["to"]) for e in changes] == [
        ("giamsat", "new", "assigned"),
        ("giamsat", "assigned", "answered"),
        ("giamsat", "answered", "closed"),
    ]
    stored = await run_in_session(lambda s: s.get(Complaint, uuid.UUID(filed["id"])))
    assert (stored.status, stored.citizen_satisfied) == ("closed", False)

    # The same person complains again about the same matter: a repeat complaint.
    again = (await client.post("/api/v1/complaints", json=complaint(text="Vẫn bị gợi ý bồi dưỡng."))).json()
    repeat = await run_in_session(lambda s: s.get(Complaint, uuid.UUID(again["id"])))
    assert repeat.repeat_of_id == stored.id


async def test_a_refusal_needs_a_reason_the_citizen_can_read(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    filed = (await client.post("/api/v1/complaints", json=complaint(staff_code=None))).json()
    flag_id = await run_in_session(
        lambda s: s.scalar(select(Flag.id).where(Flag.complaint_id == uuid.UUID(filed["id"])))
    )
    director = await bearer_for(run_in_session, "giamdoc")
    assert (
        await client.post(f"/api/v1/flags/{flag_id}/status", json={"status": "rejected"}, headers=director)
    ).status_code == 422
    reason = "Nội dung không thuộc thẩm quyền của Trung tâm."
    refused = await client.post(
        f"/api/v1/flags/{flag_id}/status", json={"status": "rejected", "text": reason}, headers=director
    )
    assert refused.json()["status"] == "rejected"
    tracked = (
        await client.post(
            "/api/v1/complaints/track", json={"tracking_code": filed["tracking_code"], "secret": filed["secret"]}
        )
    ).json()
    assert (tracked["status"], tracked["reject_reason"]) == ("rejected", reason)


async def rate(client: AsyncTestClient[Any], run_in_session: Any, code: str, **body: Any) -> dict[str, Any]:
    pushed = await client.post(
        "/api/v1/dossiers", json=returned_dossier(code), headers=await integration_headers(run_in_session, name=code)
    )
    token = pushed.json()["rating_url"].rsplit("/", 1)[1]
    response = await client.post("/api/v1/ratings", json={"id": str(uuid.uuid4()), "token": token, **body})
    assert response.status_code == 201, response.text
    return response.json()


async def test_low_ratings_and_conduct_reasons_are_flagged_once(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    low = await rate(client, run_in_session, "HS-1", overall=2, reasons=["long_wait"])
    conduct = await rate(client, run_in_session, "HS-2", overall=3, reasons=["rude"], comment="Nói trống không")
    await rate(client, run_in_session, "HS-3", overall=3, reasons=["slow"])
    await rate(client, run_in_session, "HS-4", overall=5, reasons=["fast"])
    flags = await run_in_session(lambda s: s.execute(select(Flag.rating_id, Flag.reason, Flag.staff_id.is_not(None))))
    assert sorted((str(r), reason, has_staff) for r, reason, has_staff in flags) == sorted(
        [(low["id"], "low_rating", True), (conduct["id"], "conduct", True)]
    )
    staff = await bearer_for(run_in_session, "canbo")
    inbox = (await client.get("/api/v1/flags", headers=staff)).json()
    assert {i["rating"]["overall"] for i in inbox["items"]} == {2, 3}

    # Kiosk: a tap right after another is a suspected repeat and is not flagged; a replay is not flagged twice.
    kiosk = await kiosk_headers(run_in_session)
    first = {"id": str(uuid.uuid4()), "overall": 1, "staff_code": "CB-002", "submitted_at": "2026-06-15T09:00:00+07:00"}
    second = {**first, "id": str(uuid.uuid4()), "submitted_at": "2026-06-15T09:00:02+07:00"}
    assert (await client.post("/api/v1/ratings", json=first, headers=kiosk)).status_code == 201
    assert (await client.post("/api/v1/ratings", json=first, headers=kiosk)).status_code == 200
    repeat = await client.post("/api/v1/ratings", json=second, headers=kiosk)
    assert repeat.json()["suspected_repeat"] is True
    assert await count(run_in_session, Flag) == 3
    assert await count(run_in_session, Flag, Flag.rating_id == uuid.UUID(first["id"])) == 1


async def test_overdue_items_escalate_to_the_director_once(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, settings: Settings
) -> None:
    filed = (await client.post("/api/v1/complaints", json=complaint())).json()
    flag = await run_in_session(lambda s: s.scalar(select(Flag).where(Flag.complaint_id == uuid.UUID(filed["id"]))))
    assert await run_in_session(lambda s: escalate_overdue(s, settings, flag.accept_by - timedelta(minutes=1))) == 0
    late = flag.accept_by + timedelta(minutes=1)
    assert await run_in_session(lambda s: escalate_overdue(s, settings, late)) == 1
    assert await run_in_session(lambda s: escalate_overdue(s, settings, late + timedelta(hours=1))) == 0

    director = await bearer_for(run_in_session, "giamdoc")
    item = (await client.get(f"/api/v1/flags/{flag.id}", headers=director)).json()
    assert item["escalated_at"] is not None
    assert item["thread"][-1]["kind"] == "escalated"
    assert await count(run_in_session, AuditEvent, AuditEvent.action == "flag.escalated") == 1

    # Accepted late, then the answer deadline passes too: escalated again.
    supervisor = await bearer_for(run_in_session, "giamsat")
    await client.post(f"/api/v1/flags/{flag.id}/status", json={"status": "acknowledged"}, headers=supervisor)
    assert await run_in_session(lambda s: escalate_overdue(s, settings, flag.answer_by - timedelta(minutes=1))) == 0
    assert await run_in_session(lambda s: escalate_overdue(s, settings, flag.answer_by + timedelta(minutes=1))) == 1
    events = await count(run_in_session, FlagEvent, FlagEvent.flag_id == flag.id, FlagEvent.kind == "escalated")
    assert events == 2


async def test_the_escalate_command(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, settings: Settings
) -> None:
    from tests.integration.test_cli import survey_api

    filed = (await client.post("/api/v1/complaints", json=complaint())).json()
    flag = await run_in_session(lambda s: s.scalar(select(Flag).where(Flag.complaint_id == uuid.UUID(filed["id"]))))
    result = await survey_api(settings, "flags", "escalate")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Escalated 0 overdue item(s)."

    async def backdate(session: Any) -> None:
        row = await session.get(Flag, flag.id)
        row.due_by = datetime.now(UTC) - timedelta(days=1)

    await run_in_session(backdate)
    result = await survey_api(settings, "flags", "escalate")
    assert result.output.strip() == "Escalated 1 overdue item(s)."
