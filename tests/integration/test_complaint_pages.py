"""The citizen's HTML forms work without JavaScript; the inbox pages keep each role in its scope."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from survey_api.accounts.services import AccountService
from survey_api.audit.models import AuditEvent
from survey_api.complaints.models import Complaint, Flag
from survey_api.demo import DEMO_PASSWORD
from tests.helpers import login

pytestmark = pytest.mark.anyio


async def csrf(client: AsyncTestClient[Any], path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return str(re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]


async def test_the_form_files_a_complaint_and_the_lookup_finds_it(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    page = await client.get("/phan-anh")
    assert "Phản ánh, kiến nghị" in page.text
    assert "Bộ phận Một cửa huyện Cái Nước" in page.text
    assert "Thông tin liên hệ được xóa 30 ngày sau khi phản ánh kết thúc." in page.text  # SURVEY_COMPLAINT_CONTACT_DAYS
    token = await csrf(client, "/phan-anh")
    form = {
        "_csrf_token": token,
        "id": str(uuid.uuid4()),
        "centre_code": "MC-969",
        "staff_code": "CB-001",  # works at the province centre, not in Cái Nước
        "category": "delay",
        "text": "Hồ sơ trễ hẹn 10 ngày không có lý do.",
        "name": "Lê Thị Hoa",
    }
    wrong = await client.post("/phan-anh", data=form)
    assert wrong.status_code == 422
    assert "Cán bộ này không làm việc tại trung tâm đã chọn." in wrong.text
    no_consent = await client.post("/phan-anh", data={**form, "staff_code": "CB-013"})
    assert no_consent.status_code == 422
    assert "vui lòng đánh dấu ô đồng ý" in no_consent.text
    assert await run_in_session(lambda s: s.scalar(select(func.count()).select_from(Complaint))) == 0

    filed = await client.post("/phan-anh", data={**form, "staff_code": "CB-013", "consent": "true"})
    assert filed.status_code == 201, filed.text
    code = re.search(r'data-testid="tracking-code">([^<]+)<', filed.text).group(1)  # type: ignore[union-attr]
    secret = re.search(r'data-testid="secret">([^<]+)<', filed.text).group(1)  # type: ignore[union-attr]
    stored = await run_in_session(lambda s: s.scalar(select(Complaint).where(Complaint.tracking_code == code)))
    assert (stored.channel, stored.consent, stored.contact_name) == ("web", True, "Lê Thị Hoa")

    token = await csrf(client, f"/tra-cuu?code={code}")
    missing = await client.post("/tra-cuu", data={"_csrf_token": token, "tracking_code": code, "secret": "SAI"})
    assert missing.status_code == 404
    assert "Không tìm thấy phản ánh" in missing.text
    found = await client.post("/tra-cuu", data={"_csrf_token": token, "tracking_code": code, "secret": secret})
    assert found.status_code == 200
    assert "Mới tiếp nhận" in found.text
    assert "Chậm trễ không có lý do" in found.text
    english = await client.post(
        "/tra-cuu?lang=en", data={"_csrf_token": token, "tracking_code": code, "secret": secret}
    )
    assert "Received" in english.text


async def test_inbox_pages_show_each_role_its_own_and_log_contact_views(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    body = {
        "id": str(uuid.uuid4()),
        "centre_code": "TTPVHCC-96",
        "staff_code": "CB-001",
        "category": "rude",
        "text": "Cán bộ nói trống không.",
        "phone": "0987654321",
        "consent": True,
    }
    filed = (await client.post("/api/v1/complaints", json=body)).json()
    flag_id = await run_in_session(
        lambda s: s.scalar(select(Flag.id).where(Flag.complaint_id == uuid.UUID(filed["id"])))
    )

    await login(client, "canbo")
    inbox = await client.get("/dashboard/inbox/")
    assert filed["tracking_code"] in inbox.text
    item = await client.get(f"/dashboard/inbox/{flag_id}?contact=1")
    assert item.status_code == 200
    assert "0987654321" not in item.text
    assert "Thông tin liên hệ chỉ dành cho người xử lý." in item.text
    assert "Gửi giải trình" in item.text

    await client.post("/logout", headers={"x-csrftoken": client.cookies["csrftoken"]})
    headers = await login(client, "giamsat")
    item = await client.get(f"/dashboard/inbox/{flag_id}")
    assert "0987654321" not in item.text  # not until asked for
    shown = await client.get(f"/dashboard/inbox/{flag_id}?contact=1")
    assert "0987654321" in shown.text
    views = await run_in_session(
        lambda s: s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "complaint.contact_viewed")
        )
    )
    assert views == 1
    moved = await client.post(
        f"/dashboard/inbox/{flag_id}/status",
        data={"status": "rejected", "text": ""},
        headers=headers,
        follow_redirects=False,
    )
    assert moved.status_code == 422
    moved = await client.post(
        f"/dashboard/inbox/{flag_id}/status",
        data={"status": "acknowledged", "text": ""},
        headers=headers,
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert "Đang xử lý" in (await client.get(f"/dashboard/inbox/{flag_id}")).text

    await client.post("/logout", headers=headers)
    await run_in_session(
        lambda s: AccountService(s).create_user(
            username="giamdoc964", password=DEMO_PASSWORD, role="director", scope_code="MC-964"
        )
    )
    await login(client, "giamdoc964")
    assert filed["tracking_code"] not in (await client.get("/dashboard/inbox/?show=all")).text
    assert (await client.get(f"/dashboard/inbox/{flag_id}", headers={"accept": "text/html"})).status_code == 404


async def test_the_inbox_page_keeps_internal_notes_from_the_staff_member_concerned(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    body = {"id": str(uuid.uuid4()), "centre_code": "TTPVHCC-96", "staff_code": "CB-001", "category": "rude",
            "text": "Cán bộ nói trống không."}  # fmt: skip
    filed = (await client.post("/api/v1/complaints", json=body)).json()
    flag_id = await run_in_session(
        lambda s: s.scalar(select(Flag.id).where(Flag.complaint_id == uuid.UUID(filed["id"])))
    )
    note = "Cán bộ này đã bị nhắc nhở hai lần."
    headers = await login(client, "giamsat")
    for action, data in (
        ("notes", {"text": note}),
        ("status", {"status": "acknowledged", "text": "Mời lên làm việc."}),
    ):
        done = await client.post(
            f"/dashboard/inbox/{flag_id}/{action}", data=data, headers=headers, follow_redirects=False
        )
        assert done.status_code == 303, done.text
    page = (await client.get(f"/dashboard/inbox/{flag_id}")).text
    assert note in page
    assert "<td>Ghi chú</td>" in page
    assert "Mời lên làm việc." in page

    await client.post("/logout", headers=headers)
    await login(client, "canbo")  # Nguyễn Văn Hùng, CB-001: the complaint is about him
    page = (await client.get(f"/dashboard/inbox/{flag_id}")).text
    assert "Cán bộ nói trống không." in page
    assert "Đang xử lý" in page  # the status is his to know
    assert note not in page
    assert "Mời lên làm việc." not in page
    assert "<td>Ghi chú</td>" not in page
