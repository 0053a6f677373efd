"""Catalogue CRUD, filters, validation errors and the all-or-nothing bulk upsert."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.helpers import bearer_for

pytestmark = pytest.mark.anyio


@pytest.fixture
async def admin(demo: None, run_in_session: Any) -> dict[str, str]:
    return await bearer_for(run_in_session, "admin")


async def _counts(client: AsyncTestClient[Any], headers: dict[str, str]) -> dict[str, int]:
    kinds = ("units", "agencies", "centres", "counters", "staff", "procedures")
    return {k: (await client.get(f"/api/v1/admin/{k}", headers=headers)).json()["total"] for k in kinds}


async def test_demo_catalogue_is_served_to_an_admin(client: AsyncTestClient[Any], admin: dict[str, str]) -> None:
    assert await _counts(client, admin) == {
        "units": 10,
        "agencies": 18,
        "centres": 7,
        "counters": 18,
        "staff": 19,
        "procedures": 30,
    }
    land = (await client.get("/api/v1/admin/procedures/1.004227", headers=admin)).json()
    assert land["name"] == "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu"
    assert land["statutory_days"] == 30


async def test_list_paginates_and_filters(client: AsyncTestClient[Any], admin: dict[str, str]) -> None:
    page = (await client.get("/api/v1/admin/counters", params={"limit": 5, "offset": 5}, headers=admin)).json()
    assert page["total"] == 18
    assert page["limit"] == 5
    assert page["offset"] == 5
    assert [c["code"] for c in page["items"]] == ["MC964-Q03", "MC969-Q01", "MC969-Q02", "MC971-Q01", "MC971-Q02"]
    by_centre = (await client.get("/api/v1/admin/staff", params={"centre": "MC-969"}, headers=admin)).json()
    assert [s["full_name"] for s in by_centre["items"]] == ["Nguyễn Thị Bích Tuyền", "Trương Văn Lực"]
    under = (await client.get("/api/v1/admin/centres", params={"under": "971"}, headers=admin)).json()
    assert [c["code"] for c in under["items"]] == ["MC-32251", "MC-971"]
    search = (await client.get("/api/v1/admin/procedures", params={"q": "hộ tịch"}, headers=admin)).json()
    assert search["total"] == 4  # the four civil-status procedures (field "Hộ tịch")


async def test_create_update_deactivate_keeps_the_row(client: AsyncTestClient[Any], admin: dict[str, str]) -> None:
    created = await client.post(
        "/api/v1/admin/counters",
        json={"code": "TT96-Q09", "name": "Quầy 9 - Công an", "centre_code": "TTPVHCC-96", "agency_code": "CA"},
        headers=admin,
    )
    assert created.status_code == 201
    assert created.json() | {"id": None} == {
        "id": None,
        "code": "TT96-Q09",
        "name": "Quầy 9 - Công an",
        "centre_code": "TTPVHCC-96",
        "agency_code": "CA",
        "active": True,
    }
    changed = await client.patch("/api/v1/admin/counters/TT96-Q09", json={"agency_code": None}, headers=admin)
    assert changed.json()["agency_code"] is None
    assert changed.json()["name"] == "Quầy 9 - Công an"
    gone = await client.post("/api/v1/admin/counters/TT96-Q09/deactivate", headers=admin)
    assert gone.json()["active"] is False
    still = await client.get("/api/v1/admin/counters/TT96-Q09", headers=admin)
    assert still.status_code == 200
    active_only = (await client.get("/api/v1/admin/counters", params={"active": True}, headers=admin)).json()
    assert "TT96-Q09" not in [c["code"] for c in active_only["items"]]


async def test_moving_a_unit_moves_its_subtree(client: AsyncTestClient[Any], admin: dict[str, str]) -> None:
    await client.post(
        "/api/v1/admin/units", json={"code": "80", "name": "Tỉnh mới", "level": "province"}, headers=admin
    )
    moved = await client.patch("/api/v1/admin/units/969", json={"parent_code": "80"}, headers=admin)
    assert moved.json()["path"] == "/80/969/"
    commune = (await client.get("/api/v1/admin/units/32212", headers=admin)).json()
    assert commune["path"] == "/80/969/32212/"
    loop = await client.patch("/api/v1/admin/units/80", json={"parent_code": "32212"}, headers=admin)
    assert loop.status_code == 422
    assert loop.json()["errors"][0]["field"] == "parent_code"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "X1", "name": "Quầy", "centre_code": "TTPVHCC-96", "colour": "red"}, "colour"),
        ({"code": "X 1", "name": "Quầy", "centre_code": "TTPVHCC-96"}, "code"),
        ({"code": "X1", "name": "", "centre_code": "TTPVHCC-96"}, "name"),
        ({"code": "X1", "name": "Quầy"}, "centre_code"),
        ({"code": "X1", "name": "Quầy", "centre_code": "KHONG-CO"}, "centre_code"),
        ({"code": "TT96-Q01", "name": "Quầy", "centre_code": "TTPVHCC-96"}, "code"),
    ],
)
async def test_bad_input_is_a_4xx_naming_the_field(
    client: AsyncTestClient[Any], admin: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/admin/counters", json=body, headers=admin)
    assert 400 <= response.status_code < 500
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("path", ["/api/v1/admin/units", "/api/v1/admin/counters", "/api/v1/flags"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": 10**20}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 2**31}, "offset"),  # past any list, and past what databases take (10**20 was a 500)
    ],
)
async def test_bad_paging_is_named(
    client: AsyncTestClient[Any], admin: dict[str, str], path: str, params: dict[str, int], field: str
) -> None:
    response = await client.get(path, params=params, headers=admin)
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_malformed_import_reports_every_row_and_changes_nothing(
    client: AsyncTestClient[Any], admin: dict[str, str]
) -> None:
    before = await _counts(client, admin)
    document = {
        "units": [
            {"code": "97", "name": "Tỉnh Bạc Liêu", "level": "province"},
            {"code": "954", "name": "TP Bạc Liêu", "level": "district", "parent_code": "99"},
        ],
        "centres": [
            {"code": "TT-97", "name": "Trung tâm Bạc Liêu", "unit_code": "97"},
            {"code": "TT-97", "name": "Trùng mã", "unit_code": "97"},
        ],
        "procedures": [
            {"code": "1.111111", "name": "Thủ tục A", "field": "Khác", "statutory_days": "năm"},
            {"code": "1.222222", "name": "Thủ tục B", "field": "Khác", "statutory_days": 5},
        ],
    }
    response = await client.post("/api/v1/admin/catalogue", json=document, headers=admin)
    assert response.status_code == 422
    errors = [(e["kind"], e["row"], e["field"]) for e in response.json()["errors"]]
    assert errors == [
        ("units", 2, "parent_code"),
        ("centres", 2, "code"),
        ("procedures", 1, "statutory_days"),
    ]
    assert response.json()["message"] == "3 problem(s) in the catalogue; nothing was changed"
    assert await _counts(client, admin) == before
    assert (await client.get("/api/v1/admin/units/97", headers=admin)).status_code == 404


async def test_import_upserts_by_code_in_dependency_order(client: AsyncTestClient[Any], admin: dict[str, str]) -> None:
    document = {
        "units": [
            {"code": "32999", "name": "Xã Mới", "level": "commune", "parent_code": "970"},
            {"code": "970", "name": "Huyện Đầm Dơi", "level": "district", "parent_code": "96"},
        ],
        "centres": [{"code": "MC-970", "name": "Bộ phận Một cửa huyện Đầm Dơi", "unit_code": "970"}],
        "procedures": [
            {"code": "1.004227", "name": "Cấp GCN lần đầu (tên mới)", "field": "Đất đai", "statutory_days": 25}
        ],
    }
    response = await client.post("/api/v1/admin/catalogue", json=document, headers=admin)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["units"] == {"created": 2, "updated": 0}
    assert result["centres"] == {"created": 1, "updated": 0}
    assert result["procedures"] == {"created": 0, "updated": 1}
    commune = (await client.get("/api/v1/admin/units/32999", headers=admin)).json()
    assert commune["path"] == "/96/970/32999/"
    again = (await client.post("/api/v1/admin/catalogue", json=document, headers=admin)).json()
    assert again["units"] == {"created": 0, "updated": 2}


async def test_import_refuses_unknown_document_keys(client: AsyncTestClient[Any], admin: dict[str, str]) -> None:
    response = await client.post("/api/v1/admin/catalogue", json={"kiosks": []}, headers=admin)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "kiosks"


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("units", {"code": "9" * 21, "name": "Xã mới", "level": "commune", "parent_code": "969"}, "code"),
        ("units", {"code": "32999", "name": "X" * 201, "level": "commune", "parent_code": "969"}, "name"),
        ("procedures", {"code": "1.999", "name": "Thủ tục", "field": "Đ" * 201, "statutory_days": 5}, "field"),
        ("staff", {"code": "CB-999", "full_name": "N" * 201, "centre_code": "MC-969"}, "full_name"),
    ],
)
async def test_text_longer_than_its_column_is_named_not_a_500(
    client: AsyncTestClient[Any], admin: dict[str, str], kind: str, body: dict[str, Any], field: str
) -> None:
    response = await client.post(f"/api/v1/admin/{kind}", json=body, headers=admin)
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
