"""Every role against every catalogue kind: what it may see (200), what is hidden (404), who may write."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from survey_api.accounts.scope import Scope
from survey_api.org.models import AdminUnit, Centre
from tests.helpers import bearer_for

pytestmark = pytest.mark.anyio

OTHER_PROVINCE = {
    "units": [
        {"code": "87", "name": "Tỉnh Đồng Tháp", "level": "province"},
        {"code": "866", "name": "Thành phố Cao Lãnh", "level": "district", "parent_code": "87"},
    ],
    "agencies": [{"code": "STNMT-87", "name": "Sở Tài nguyên và Môi trường Đồng Tháp", "unit_code": "87"}],
    "centres": [{"code": "TTPVHCC-87", "name": "Trung tâm Phục vụ hành chính công Đồng Tháp", "unit_code": "87"}],
    "counters": [{"code": "TT87-Q01", "name": "Quầy 1", "centre_code": "TTPVHCC-87", "agency_code": "STNMT-87"}],
    "staff": [{"code": "DT-001", "full_name": "Nguyễn Văn An", "centre_code": "TTPVHCC-87"}],
}

CENTRE_VIEW = {
    "units": ("96", "964"),
    "agencies": ("VPDKDD", "CNVPDK-964"),
    "centres": ("TTPVHCC-96", "MC-964"),
    "counters": ("TT96-Q01", "MC964-Q01"),
    "staff": ("CB-001", "CB-010"),
    "procedures": ("1.004227", None),
}
# role's demo login → kind → (a code it must see, a code it must not see)
VISIBILITY: dict[str, dict[str, tuple[str, str | None]]] = {
    "admin": {
        "units": ("87", None),
        "agencies": ("STNMT-87", None),
        "centres": ("TTPVHCC-87", None),
        "counters": ("TT87-Q01", None),
        "staff": ("DT-001", None),
        "procedures": ("1.004227", None),
    },
    "tinh": {
        "units": ("964", "87"),
        "agencies": ("CNVPDK-969", "STNMT-87"),
        "centres": ("MC-971", "TTPVHCC-87"),
        "counters": ("MC971-Q01", "TT87-Q01"),
        "staff": ("CB-015", "DT-001"),
        "procedures": ("1.004227", None),
    },
    "giamdoc": CENTRE_VIEW,
    "giamsat": CENTRE_VIEW,
    "canbo": CENTRE_VIEW,
    "xem": {
        "units": ("32212", "964"),
        "agencies": ("PTP-969", "PTP-964"),
        "centres": ("MC-32212", "MC-964"),
        "counters": ("MC969-Q01", "MC964-Q01"),
        "staff": ("CB-013", "CB-010"),
        "procedures": ("1.004227", None),
    },
}
CENTRE_TOTALS = {"admin": 8, "tinh": 7, "giamdoc": 1, "giamsat": 1, "canbo": 1, "xem": 2}


@pytest.fixture
async def two_provinces(demo: None, client: AsyncTestClient[Any], run_in_session: Any) -> None:
    headers = await bearer_for(run_in_session, "admin")
    response = await client.post("/api/v1/admin/catalogue", json=OTHER_PROVINCE, headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("username", list(VISIBILITY))
@pytest.mark.parametrize("kind", ["units", "agencies", "centres", "counters", "staff", "procedures"])
async def test_each_role_sees_its_scope_and_gets_404_outside_it(
    two_provinces: None, client: AsyncTestClient[Any], run_in_session: Any, username: str, kind: str
) -> None:
    headers = await bearer_for(run_in_session, username)
    visible, hidden = VISIBILITY[username][kind]
    seen = await client.get(f"/api/v1/admin/{kind}/{visible}", headers=headers)
    assert seen.status_code == 200, seen.text
    assert seen.json()["code"] == visible
    listed = await client.get(f"/api/v1/admin/{kind}", params={"q": visible, "limit": 500}, headers=headers)
    assert visible in [row["code"] for row in listed.json()["items"]]
    if hidden is not None:
        refused = await client.get(f"/api/v1/admin/{kind}/{hidden}", headers=headers)
        assert refused.status_code == 404
        assert hidden not in refused.text.split("'")[0]  # the answer carries no data of the hidden row
        everything = await client.get(f"/api/v1/admin/{kind}", params={"limit": 500}, headers=headers)
        assert hidden not in [row["code"] for row in everything.json()["items"]]


@pytest.mark.parametrize(("username", "total"), list(CENTRE_TOTALS.items()))
async def test_centre_list_totals_follow_the_scope(
    two_provinces: None, client: AsyncTestClient[Any], run_in_session: Any, username: str, total: int
) -> None:
    headers = await bearer_for(run_in_session, username)
    response = await client.get("/api/v1/admin/centres", headers=headers)
    assert response.status_code == 200
    assert response.json()["total"] == total


NEW_CENTRE = {"code": "MC-NEW", "name": "Bộ phận Một cửa mới", "unit_code": "964"}


@pytest.mark.parametrize(
    ("username", "status"),
    [("admin", 201), ("tinh", 201), ("giamdoc", 403), ("giamsat", 403), ("canbo", 403), ("xem", 403)],
)
async def test_only_admin_and_province_create_catalogue_rows(
    two_provinces: None, client: AsyncTestClient[Any], run_in_session: Any, username: str, status: int
) -> None:
    headers = await bearer_for(run_in_session, username)
    response = await client.post("/api/v1/admin/centres", json=NEW_CENTRE, headers=headers)
    assert response.status_code == status, response.text
    admin = await bearer_for(run_in_session, "admin")
    exists = await client.get("/api/v1/admin/centres/MC-NEW", headers=admin)
    assert exists.status_code == (200 if status == 201 else 404)


@pytest.mark.parametrize(
    ("username", "status"),
    [("admin", 200), ("tinh", 200), ("giamdoc", 403), ("giamsat", 403), ("canbo", 403), ("xem", 403)],
)
async def test_only_admin_and_province_change_or_deactivate_rows(
    two_provinces: None, client: AsyncTestClient[Any], run_in_session: Any, username: str, status: int
) -> None:
    headers = await bearer_for(run_in_session, username)
    changed = await client.patch("/api/v1/admin/staff/CB-013", json={"title": "Phó trưởng bộ phận"}, headers=headers)
    assert changed.status_code in (status, 404 if status == 403 else status)
    deactivated = await client.post("/api/v1/admin/staff/CB-013/deactivate", headers=headers)
    assert deactivated.status_code in (status, 404 if status == 403 else status)
    admin = await bearer_for(run_in_session, "admin")
    row = (await client.get("/api/v1/admin/staff/CB-013", headers=admin)).json()
    assert row["active"] is (status != 200)
    assert row["title"] == ("Phó trưởng bộ phận" if status == 200 else "Công chức tiếp nhận và trả kết quả")


async def test_province_cannot_write_outside_its_province(
    two_provinces: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    headers = await bearer_for(run_in_session, "tinh")
    create = await client.post("/api/v1/admin/centres", json={**NEW_CENTRE, "unit_code": "87"}, headers=headers)
    assert create.status_code == 422
    assert create.json()["errors"] == [{"field": "unit_code", "message": "Unknown unit code '87'"}]
    change = await client.patch("/api/v1/admin/centres/TTPVHCC-87", json={"name": "x"}, headers=headers)
    assert change.status_code == 404
    procedure = await client.post(
        "/api/v1/admin/procedures",
        json={"code": "9.999999", "name": "Thủ tục thử", "field": "Khác", "statutory_days": 5},
        headers=headers,
    )
    assert procedure.status_code == 403


async def test_catalogue_requires_login(demo: None, client: AsyncTestClient[Any]) -> None:
    response = await client.get("/api/v1/admin/centres")
    assert response.status_code == 401
    bad_token = await client.get("/api/v1/admin/centres", headers={"Authorization": "Bearer hl_forged"})
    assert bad_token.status_code == 401
    assert bad_token.json()["message"] == "Invalid or revoked API token"


async def _units_centres_and_scopes(session: Any) -> tuple[list[Any], list[Any], list[Scope]]:
    """Every unit (code, path) and centre (id, code, path), and one scope of each kind: everything, a province, a
    district, one centre, nothing."""
    units = (await session.execute(select(AdminUnit.code, AdminUnit.path))).all()
    centres = (await session.execute(select(Centre.id, Centre.code, AdminUnit.path).join(AdminUnit))).all()
    mc964 = next(c for c in centres if c.code == "MC-964")
    scopes = [
        Scope("admin"),
        Scope("province", "/96/"),
        Scope("viewer", "/96/969/"),
        Scope("director", mc964.path, mc964.id),
        Scope("viewer"),
    ]
    return units, centres, scopes


async def test_scope_checked_in_the_process_agrees_with_the_database(two_provinces: None, run_in_session: Any) -> None:
    """Reports check a unit or centre against the scope from their copy of the catalogue: the same answer as the
    SQL conditions give, for every unit and centre and every kind of scope."""

    async def compare(session: Any) -> list[tuple[str, int, int]]:
        units, centres, scopes = await _units_centres_and_scopes(session)
        seen = []
        for scope in scopes:
            in_sql = set((await session.execute(select(AdminUnit.code).where(scope.units()))).scalars())
            in_process = {u.code for u in units if scope.sees_unit(u.code, u.path)}
            assert in_process == in_sql, scope
            centres_sql = set((await session.execute(select(Centre.code).where(scope.centres()))).scalars())
            centres_process = {c.code for c in centres if scope.sees_centre(c.id, c.path)}
            assert centres_process == centres_sql, scope
            seen.append((scope.role, len(in_sql), len(centres_sql)))
        return seen

    seen = await run_in_session(compare)
    # Every kind of answer came up: everything, a province, a district, one centre (with its parents), nothing.
    assert [n_centres for _, _, n_centres in seen] == [8, 7, 2, 1, 0]


async def test_centres_a_report_covers_are_those_the_database_selects(two_provinces: None, run_in_session: Any) -> None:
    """Reports list the centres they cover from their copy of the catalogue (scope ∩ unit asked ∩ centre asked):
    the same centres as the SQL conditions select, for every unit and centre under every kind of scope."""
    from survey_api.caches import AppCaches
    from survey_api.reports.catalogue import Catalogue

    async def compare(session: Any) -> list[int]:
        catalogue = await Catalogue.current(session, AppCaches())
        units, centres, scopes = await _units_centres_and_scopes(session)
        sizes = []
        for scope in scopes:
            for path in [None, *(u.path for u in units)]:
                for centre in [None, *centres]:
                    conditions = [scope.centres()]
                    if path is not None:
                        subtree = select(AdminUnit.id).where(AdminUnit.path.startswith(path))
                        conditions.append(Centre.unit_id.in_(subtree))
                    if centre is not None:
                        conditions.append(Centre.id == centre.id)
                    in_sql = set((await session.execute(select(Centre.id).where(*conditions))).scalars())
                    listed = catalogue.covered(scope, path, None if centre is None else centre.id)
                    in_process = {c.id for c in centres} if listed is None else set(listed)
                    assert listed is None or len(listed) == len(in_process)  # no centre twice
                    assert in_process == in_sql, (scope, path, centre)
                    sizes.append(len(in_sql))
        return sizes

    sizes = await run_in_session(compare)
    assert len(sizes) == 5 * 13 * 9  # five scopes × (anywhere, 12 units) × (any centre, 8 centres)
    assert {0, 1, 2, 7, 8} <= set(sizes)
