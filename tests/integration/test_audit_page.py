"""The audit trail page: administrators read who did what and when, filtered and paged; nobody else reads it."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from survey_api.accounts.models import User
from survey_api.audit.models import AuditEvent
from survey_api.audit.services import TRAIL_PAGE, Actor, record_many
from survey_api.complaints.models import Flag
from tests.helpers import bearer_for, login

pytestmark = pytest.mark.anyio
HTML = {"accept": "text/html"}


def rows(html: str) -> list[list[str]]:
    body = re.search(r'<table class="data" id="audit">.*?<tbody>(.*?)</tbody>', html, flags=re.S)
    if body is None:
        return []
    return [[text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in re.findall(
        r"<tr>(.*?)</tr>", body.group(1), flags=re.S)]  # fmt: skip


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


async def test_an_administrator_sees_who_viewed_a_complainants_contact_details(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    filed = await client.post(
        "/api/v1/complaints",
        json={
            "id": str(uuid.uuid4()),
            "centre_code": "TTPVHCC-96",
            "staff_code": "CB-001",
            "category": "rude",
            "text": "Cán bộ trả lời cộc lốc.",
            "phone": "0123 456 789",
            "consent": True,
        },
    )
    assert filed.status_code == 201, filed.text
    flag_id = await run_in_session(
        lambda s: s.scalar(select(Flag.id).where(Flag.complaint_id == uuid.UUID(filed.json()["id"])))
    )
    seen = await client.get(f"/api/v1/flags/{flag_id}/contact", headers=await bearer_for(run_in_session, "giamsat"))
    assert seen.status_code == 200

    await login(client, "admin")
    page = await client.get("/dashboard/audit/", params={"action": "complaint.contact_viewed"}, headers=HTML)
    assert page.status_code == 200
    assert "Nhật ký hệ thống" in page.text
    [only] = rows(page.text)
    assert only[1:4] == [
        "giamsat (Người dùng)",
        "Xem thông tin liên hệ",
        f"complaint {filed.json()['id']}",
    ]
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", only[0])
    assert "0123 456 789" not in page.text  # the trail says who looked, never what they saw
    everything = [r for r in rows((await client.get("/dashboard/audit/", headers=HTML)).text) if r[2] != "Đăng nhập"]
    # Filing and its flag are recorded at the same moment, so their order between them is not defined.
    assert everything[0][2] == "Xem thông tin liên hệ"
    assert sorted(r[2] for r in everything[1:]) == ["Gửi phản ánh", "Tạo mục phản ánh"]
    by_citizen = rows((await client.get("/dashboard/audit/", params={"actor": "citizen"}, headers=HTML)).text)
    assert sorted(r[2] for r in by_citizen) == ["Gửi phản ánh", "Tạo mục phản ánh"]
    home = await client.get("/dashboard/", headers=HTML)
    assert '<a href="/dashboard/audit">Nhật ký hệ thống</a>' in home.text


async def test_the_trail_is_paged_newest_first_and_bad_filters_are_said(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    t0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam
    events = [(uuid.uuid4(), {"n": i}, t0 + timedelta(minutes=i)) for i in range(TRAIL_PAGE + 30)]
    await run_in_session(lambda s: record_many(s, Actor("system", "nightly"), "flag.escalated", "flag", events))
    await login(client, "admin")
    first = await client.get("/dashboard/audit/", params={"actor": "nightly"}, headers=HTML)
    page_one = rows(first.text)
    assert len(page_one) == TRAIL_PAGE
    assert page_one[0][4] == '{"n": 129}'
    assert page_one[0][0] == "01/06/2026 11:09:00"
    older = re.search(r'<a href="([^"]+)" rel="next">Xem các sự kiện cũ hơn</a>', first.text)
    assert older is not None
    second = await client.get("/dashboard/audit/" + unescape(older.group(1)), headers=HTML)
    page_two = rows(second.text)
    assert [r[4] for r in page_two] == [f'{{"n": {i}}}' for i in range(29, -1, -1)]
    assert 'rel="next"' not in second.text
    assert "Về các sự kiện mới nhất" in second.text
    one_day = rows(
        (
            await client.get(
                "/dashboard/audit/", params={"actor": "nightly", "date_from": "01/06/2026", "date_to": "2026-06-01"},
                headers=HTML,
            )
        ).text
    )  # fmt: skip
    assert len(one_day) == TRAIL_PAGE
    none = await client.get("/dashboard/audit/", params={"actor": "nightly", "date_from": "2026-06-02"}, headers=HTML)
    assert "Không có sự kiện nào." in none.text
    bad = await client.get("/dashboard/audit/", params={"date_from": "31/02/2026", "action": "x.y"}, headers=HTML)
    assert bad.status_code == 200
    said = unescape(bad.text)
    assert "Ngày không hợp lệ: 31/02/2026." in said
    assert "Không có hành động x.y." in said


@pytest.mark.parametrize("username", ["tinh", "giamdoc", "giamsat", "canbo"])
async def test_only_administrators_read_the_trail(demo: None, client: AsyncTestClient[Any], username: str) -> None:
    await login(client, username)
    page = await client.get("/dashboard/audit/", headers=HTML)
    assert page.status_code == 403
    home = await client.get("/dashboard/", headers=HTML)
    assert "/dashboard/audit" not in home.text


async def test_logins_failures_logouts_and_downloads_are_in_the_trail(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    wrong = await client.post("/api/v1/auth/login", json={"username": "GiamDoc", "password": "mat-khau-sai-123"})
    assert wrong.status_code == 401
    nobody = await client.post("/api/v1/auth/login", json={"username": "khong-co-ai", "password": "mat-khau-sai-456"})
    assert nobody.status_code == 401
    csrf = await login(client, "giamdoc")
    params = {"group_by": "centre", "date_from": "2026-01-01", "date_to": "2026-06-30", "channel": "kiosk"}
    for fmt in ("csv", "xlsx"):
        download = await client.get("/api/v1/reports/satisfaction", params={**params, "format": fmt})
        assert download.status_code == 200
    assert (await client.get("/api/v1/reports/satisfaction", params=params)).status_code == 200  # JSON: not a download
    assert (await client.post("/api/v1/auth/logout", headers=csrf)).status_code == 204

    await login(client, "admin")
    page = await client.get("/dashboard/audit/", headers=HTML)
    assert "mat-khau-sai" not in page.text  # the user name tried, never the password
    trail = [r[1:5] for r in rows(page.text)]
    giamdoc_id = await run_in_session(lambda s: s.scalar(select(User.id).where(User.username == "giamdoc")))
    admin_id = await run_in_session(lambda s: s.scalar(select(User.id).where(User.username == "admin")))
    filters = '"channel": "kiosk", "date_from": "2026-01-01", "date_to": "2026-06-30", "group_by": "centre"'
    downloads = [r for r in trail if r[1] == "Tải báo cáo (CSV/XLSX)"]
    assert [(r[0], r[3]) for r in downloads] == [
        ("giamdoc (Người dùng)", f'{{"filters": {{{filters}, "method": "top2"}}, "format": "xlsx", '
         '"role": "director", "scope": "TTPVHCC-96"}'),
        ("giamdoc (Người dùng)", f'{{"filters": {{{filters}, "method": "top2"}}, "format": "csv", '
         '"role": "director", "scope": "TTPVHCC-96"}'),
    ]  # fmt: skip
    assert [r for r in trail if r[1] != "Tải báo cáo (CSV/XLSX)"] == [
        ["admin (Người dùng)", "Đăng nhập", f"user {admin_id}", '{"username": "admin"}'],
        ["giamdoc (Người dùng)", "Đăng xuất", f"user {giamdoc_id}", '{"username": "giamdoc"}'],
        ["giamdoc (Người dùng)", "Đăng nhập", f"user {giamdoc_id}", '{"username": "giamdoc"}'],
        ["khong-co-ai (Chưa đăng nhập)", "Đăng nhập không thành công", f"user {uuid.UUID(int=0)}",
         '{"reason": "wrong", "username": "khong-co-ai"}'],
        ["giamdoc (Chưa đăng nhập)", "Đăng nhập không thành công", f"user {giamdoc_id}",
         '{"reason": "wrong", "username": "giamdoc"}'],
    ]  # fmt: skip
    options = dict(re.findall(r'<option value="([a-z_.]+)"[^>]*>([^<]+)</option>', page.text))
    assert {code: options[code] for code in ("auth.login", "auth.login_failed", "auth.logout", "report.exported")} == {
        "auth.login": "Đăng nhập",
        "auth.login_failed": "Đăng nhập không thành công",
        "auth.logout": "Đăng xuất",
        "report.exported": "Tải báo cáo (CSV/XLSX)",
    }
    failed = rows((await client.get("/dashboard/audit/", params={"action": "auth.login_failed"}, headers=HTML)).text)
    assert [r[1] for r in failed] == ["khong-co-ai (Chưa đăng nhập)", "giamdoc (Chưa đăng nhập)"]


async def test_a_throttled_login_is_recorded_as_failed(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    for _ in range(5):
        await client.post("/api/v1/auth/login", json={"username": "tinh", "password": "mat-khau-sai-123"})
    refused = await client.post("/login", data={"username": "tinh", "password": "hailong-demo"}, headers={
        "x-csrftoken": await csrf_token(client)})  # fmt: skip
    assert refused.status_code == 429
    reasons = await run_in_session(
        lambda s: s.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "auth.login_failed").order_by(AuditEvent.at)
        )
    )
    assert [d["reason"] for d in reasons] == ["wrong"] * 5 + ["throttled"]


async def csrf_token(client: AsyncTestClient[Any]) -> str:
    await client.get("/login")
    return str(client.cookies["csrftoken"])
