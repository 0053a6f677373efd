"""Dossier events from the one-stop system: late, out of order, repeated; CSV back-filling; keys."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from survey_api.dossiers.models import DossierEvent
from tests.helpers import bearer_for, integration_headers, returned_dossier

pytestmark = pytest.mark.anyio
CODE = "000.00.16.H12-260615-0001"


@pytest.fixture
async def onestop(demo: None, run_in_session: Any) -> dict[str, str]:
    return await integration_headers(run_in_session)


async def history(run_in_session: Any) -> list[tuple[str, bool, str]]:
    rows = await run_in_session(
        lambda s: s.scalars(select(DossierEvent).order_by(DossierEvent.recorded_at, DossierEvent.event_at))
    )
    return [(e.status, e.applied, e.source) for e in rows]


async def test_latest_event_wins_whatever_the_arrival_order(
    client: AsyncTestClient[Any], onestop: dict[str, str], run_in_session: Any
) -> None:
    received = returned_dossier(
        status="received", resolved_at=None, returned_at=None, event_at="2026-06-01T08:15:00+07:00"
    )
    resolved = returned_dossier(status="resolved", returned_at=None, event_at="2026-06-12T10:00:00+07:00")
    returned = returned_dossier()
    first = await client.post("/api/v1/dossiers", json=returned, headers=onestop)
    assert (first.status_code, first.json()["status"], first.json()["applied"]) == (201, "returned", True)
    late = await client.post("/api/v1/dossiers", json=received, headers=onestop)
    assert (late.status_code, late.json()["status"], late.json()["applied"]) == (200, "returned", False)
    older = await client.post("/api/v1/dossiers", json=resolved, headers=onestop)
    assert older.json()["applied"] is False
    repeat = await client.post("/api/v1/dossiers", json=returned, headers=onestop)
    assert repeat.json()["applied"] is False
    source = "Hệ thống một cửa điện tử tỉnh"
    assert await history(run_in_session) == [
        ("returned", True, source),
        ("received", False, source),
        ("resolved", False, source),
    ]
    state = (await client.get(f"/api/v1/dossiers/{CODE}", headers=onestop)).json()
    assert state["status"] == "returned"
    assert state["returned_at"] == "2026-06-13T02:00:00Z"


async def test_paused_time_extends_the_due_date(client: AsyncTestClient[Any], onestop: dict[str, str]) -> None:
    late_without_pause = returned_dossier(
        resolved_at="2026-06-17T10:00:00+07:00", returned_at="2026-06-17T15:00:00+07:00"
    )
    assert (await client.post("/api/v1/dossiers", json=late_without_pause, headers=onestop)).json()[
        "timeliness"
    ] == "late"
    paused = {
        **late_without_pause,
        "paused": [{"start": "2026-06-05T08:00:00+07:00", "end": "2026-06-08T08:00:00+07:00"}],
    }
    paused["event_at"] = "2026-06-18T08:00:00+07:00"
    assert (await client.post("/api/v1/dossiers", json=paused, headers=onestop)).json()["timeliness"] == "early"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"procedure_code": "9.999999"}, "procedure_code"),
        ({"centre_code": "KHONG-CO"}, "centre_code"),
        ({"counter_code": "MC964-Q01"}, "counter_code"),  # a counter of another centre
        ({"status": "lost"}, "status"),
        ({"received_at": "01/06/2026"}, "received_at"),
        ({"received_at": "2026-06-01T08:15:00"}, "received_at"),  # no time zone
        ({"channel": "fax"}, "channel"),
    ],
)
async def test_bad_events_are_4xx_naming_the_field(
    client: AsyncTestClient[Any], onestop: dict[str, str], change: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/dossiers", json=returned_dossier(**change), headers=onestop)
    assert 400 <= response.status_code < 500
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_only_integration_keys_and_admins_push(
    client: AsyncTestClient[Any], onestop: dict[str, str], run_in_session: Any
) -> None:
    assert (await client.post("/api/v1/dossiers", json=returned_dossier())).status_code == 401
    director = await bearer_for(run_in_session, "giamdoc")
    assert (await client.post("/api/v1/dossiers", json=returned_dossier(), headers=director)).status_code == 403
    admin = await bearer_for(run_in_session, "admin")
    assert (await client.post("/api/v1/dossiers", json=returned_dossier(), headers=admin)).status_code == 201
    forged = {"Authorization": "Bearer hi_forged"}
    assert (await client.post("/api/v1/dossiers", json=returned_dossier(), headers=forged)).status_code == 401


CSV_VI = (
    "Mã hồ sơ,Mã thủ tục,Mã trung tâm,Mã quầy,Mã cán bộ,Kênh,Trạng thái,Ngày tiếp nhận,Hạn trả kết quả,"
    "Ngày giải quyết,Ngày trả kết quả\n"
    "H12-0001,1.004227,TTPVHCC-96,TT96-Q01,CB-001,Trực tiếp,Đã trả kết quả,01/06/2026 08:00,15/06/2026 17:00,"
    "12/06/2026 10:00,13/06/2026 09:00\n"
    "H12-0002,2.000815,MC-964,,,Trực tuyến,Đã giải quyết,02/06/2026,03/06/2026,03/06/2026 16:00,\n"
    "H12-0003,1.001193,MC-969,MC969-Q02,CB-014,Bưu chính,Đang giải quyết,2026-06-05T07:30:00+07:00,"
    "2026-06-06T17:00:00+07:00,,\n"
)


async def test_csv_back_fill_with_vietnamese_headers(
    client: AsyncTestClient[Any], onestop: dict[str, str], run_in_session: Any
) -> None:
    response = await client.post(
        "/api/v1/dossiers/import", content=CSV_VI.encode(), headers={**onestop, "content-type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
    first = (await client.get("/api/v1/dossiers/H12-0001", headers=onestop)).json()
    assert first["received_at"] == "2026-06-01T01:00:00Z"  # 08:00 in Hồ Chí Minh City
    assert first["timeliness"] == "early"
    assert first["rating_url"] is not None
    second = (await client.get("/api/v1/dossiers/H12-0002", headers=onestop)).json()
    assert (second["channel"], second["timeliness"]) == ("online", "on_time")
    again = await client.post(
        "/api/v1/dossiers/import", content=CSV_VI.encode(), headers={**onestop, "content-type": "text/csv"}
    )
    assert again.json() == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3}


async def test_csv_with_english_headers_and_bad_rows_imports_nothing(
    client: AsyncTestClient[Any], onestop: dict[str, str]
) -> None:
    csv_en = (
        "code,procedure_code,centre_code,status,received_at,due_at\n"
        "E-1,1.004227,TTPVHCC-96,received,2026-06-01T08:00:00+07:00,2026-06-20T17:00:00+07:00\n"
        "E-2,1.004227,NOWHERE,received,2026-06-01T08:00:00+07:00,\n"
        "E-3,1.004227,TTPVHCC-96,received,yesterday,\n"
    )
    response = await client.post(
        "/api/v1/dossiers/import", content=csv_en.encode(), headers={**onestop, "content-type": "text/csv"}
    )
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(2, "centre_code"), (3, "received_at")]
    assert (await client.get("/api/v1/dossiers/E-1", headers=onestop)).status_code == 404
