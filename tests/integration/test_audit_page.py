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
    everything = rows((await client.get("/dashboard/audit/", headers=HTML)).text)
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
