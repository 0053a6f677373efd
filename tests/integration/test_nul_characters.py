"""A NUL character anywhere in the input is refused with 422 naming the field, on SQLite and on PostgreSQL alike
(PostgreSQL cannot store one in text, so it used to fail there as a 500), and nothing is stored."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from survey_api.complaints.models import Complaint
from tests.helpers import bearer_for

pytestmark = pytest.mark.anyio


async def test_json_fields_query_parameters_and_addresses_are_named(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    complaint = {"id": str(uuid.uuid4()), "centre_code": "TTPVHCC-96", "category": "rude", "text": "Cán bộ\u0000 cộc"}
    filed = await client.post("/api/v1/complaints", json=complaint)
    assert filed.status_code == 422
    assert filed.json()["errors"] == [{"field": "text", "message": "Text must not hold a NUL character"}]
    assert await run_in_session(lambda s: s.scalar(select(func.count()).select_from(Complaint))) == 0

    admin = await bearer_for(run_in_session, "admin")
    document = {"centres": [{"code": "MC-999", "name": "Bộ phận\u0000", "unit_code": "969"}]}
    imported = await client.post("/api/v1/admin/catalogue", json=document, headers=admin)
    assert (imported.status_code, imported.json()["errors"][0]["field"]) == (422, "centres.0.name")

    searched = await client.get("/api/v1/admin/centres", params={"q": "Cà\u0000Mau"}, headers=admin)
    assert (searched.status_code, searched.json()["errors"][0]["field"]) == (422, "q")
    addressed = await client.get("/api/v1/dossiers/H12%00X", headers=admin)
    assert (addressed.status_code, addressed.json()["errors"][0]["field"]) == (422, "path")

    # A literal backslash followed by "u0000" is text like any other.
    complaint["text"] = "Đường dẫn C:\\u0000 trên phiếu"
    assert (await client.post("/api/v1/complaints", json=complaint)).status_code == 201


async def test_the_complaint_form_says_which_field(demo: None, client: AsyncTestClient[Any]) -> None:
    page = await client.get("/phan-anh")
    token = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
    answer = await client.post(
        "/phan-anh",
        data={"_csrf_token": token, "centre_code": "TTPVHCC-96", "category": "rude", "text": "a\u0000b"},
        headers={"accept": "text/html"},
    )
    assert answer.status_code == 422
    assert "Thông tin gửi lên chưa hợp lệ ở: text." in answer.text
    assert "Text must not hold a NUL character" in answer.text
