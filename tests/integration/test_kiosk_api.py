"""Kiosk device API: config, attribution to centre/counter/staff on duty, repeats, heartbeats, duty."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.helpers import bearer_for, kiosk_headers

pytestmark = pytest.mark.anyio


@pytest.fixture
async def kiosk(demo: None, run_in_session: Any) -> dict[str, str]:
    return await kiosk_headers(run_in_session)


def tap(overall: int, at: datetime, **extra: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "overall": overall, "submitted_at": at.isoformat(), **extra}


async def kiosk_id(client: AsyncTestClient[Any], headers: dict[str, str]) -> str:
    return str((await client.get("/api/v1/kiosk/config", headers=headers)).json()["kiosk_id"])


async def test_config_names_the_place_and_the_survey(client: AsyncTestClient[Any], kiosk: dict[str, str]) -> None:
    config = (await client.get("/api/v1/kiosk/config", headers=kiosk)).json()
    assert config["centre"] == {"code": "TTPVHCC-96", "name": "Trung tâm Giải quyết thủ tục hành chính tỉnh Cà Mau"}
    assert config["counter"] == {"code": "TT96-Q01", "name": "Quầy 1 - Đất đai"}
    assert config["staff_on_duty"] is None
    assert config["levels"] == [5, 4, 3, 2, 1]
    assert config["survey"]["overall"]["text"]["vi"] == "Ông/Bà có hài lòng với sự phục vụ hôm nay không?"


async def test_ratings_go_to_the_staff_on_duty_and_fast_taps_are_marked(
    client: AsyncTestClient[Any], kiosk: dict[str, str], run_in_session: Any
) -> None:
    supervisor = await bearer_for(run_in_session, "giamsat")
    kid = await kiosk_id(client, kiosk)
    duty = await client.post(f"/api/v1/admin/kiosks/{kid}/duty", json={"staff_code": "CB-002"}, headers=supervisor)
    assert duty.json()["staff_on_duty_code"] == "CB-002"
    t0 = datetime(2026, 6, 13, 2, 0, tzinfo=UTC)
    first = await client.post("/api/v1/ratings", json=tap(5, t0), headers=kiosk)
    assert first.status_code == 201
    body = first.json()
    assert (body["channel"], body["centre_code"], body["counter_code"], body["staff_code"]) == (
        "kiosk",
        "TTPVHCC-96",
        "TT96-Q01",
        "CB-002",
    )
    assert body["suspected_repeat"] is False
    too_soon = await client.post("/api/v1/ratings", json=tap(5, t0 + timedelta(seconds=2)), headers=kiosk)
    assert too_soon.json()["suspected_repeat"] is True
    later = await client.post("/api/v1/ratings", json=tap(4, t0 + timedelta(seconds=30)), headers=kiosk)
    assert later.json()["suspected_repeat"] is False
    named = await client.post(
        "/api/v1/ratings", json=tap(3, t0 + timedelta(minutes=5), staff_code="CB-001"), headers=kiosk
    )
    assert named.json()["staff_code"] == "CB-001"
    elsewhere = await client.post(
        "/api/v1/ratings", json=tap(3, t0 + timedelta(minutes=6), staff_code="CB-010"), headers=kiosk
    )
    # someone of another centre (moved while the kiosk was offline, say): the level counts, for nobody in particular
    assert elsewhere.status_code == 201
    assert (elsewhere.json()["staff_code"], elsewhere.json()["unresolved"]) == (None, {"staff_code": "CB-010"})


async def test_queued_ratings_sent_in_a_burst_are_not_repeats(
    client: AsyncTestClient[Any], kiosk: dict[str, str]
) -> None:
    t0 = datetime(2026, 6, 13, 2, 0, tzinfo=UTC)
    flags = [
        (await client.post("/api/v1/ratings", json=tap(5, t0 + timedelta(minutes=i)), headers=kiosk)).json()[
            "suspected_repeat"
        ]
        for i in range(5)
    ]
    assert flags == [False] * 5


async def test_heartbeat_and_silent_kiosks(
    client: AsyncTestClient[Any], kiosk: dict[str, str], run_in_session: Any
) -> None:
    director = await bearer_for(run_in_session, "giamdoc")
    before = (await client.get("/api/v1/admin/kiosks", headers=director)).json()
    assert [(k["counter_code"], k["silent"], k["last_seen_at"]) for k in before] == [("TT96-Q01", True, None)]
    assert (await client.post("/api/v1/kiosk/heartbeat", json={"queued": 7}, headers=kiosk)).status_code == 204
    after = (await client.get("/api/v1/admin/kiosks", headers=director)).json()
    assert (after[0]["silent"], after[0]["queued_reported"]) == (False, 7)
    other = await bearer_for(run_in_session, "xem")
    assert (await client.get("/api/v1/admin/kiosks", headers=other)).json() == []


async def test_staff_put_only_themselves_on_duty(
    client: AsyncTestClient[Any], kiosk: dict[str, str], run_in_session: Any
) -> None:
    canbo = await bearer_for(run_in_session, "canbo")  # linked to CB-001
    kid = await kiosk_id(client, kiosk)
    own = await client.post(f"/api/v1/admin/kiosks/{kid}/duty", json={"staff_code": "CB-001"}, headers=canbo)
    assert own.json()["staff_on_duty_code"] == "CB-001"
    other = await client.post(f"/api/v1/admin/kiosks/{kid}/duty", json={"staff_code": "CB-002"}, headers=canbo)
    assert other.status_code == 403


async def test_kiosk_tokens_only_open_kiosk_doors(
    client: AsyncTestClient[Any], kiosk: dict[str, str], run_in_session: Any
) -> None:
    assert (await client.get("/api/v1/admin/centres", headers=kiosk)).status_code == 403
    director = await bearer_for(run_in_session, "giamdoc")
    assert (await client.get("/api/v1/kiosk/config", headers=director)).status_code == 403
    kid = await kiosk_id(client, kiosk)
    await client.post(f"/api/v1/admin/kiosks/{kid}/deactivate", headers=director)
    assert (await client.get("/api/v1/kiosk/config", headers=kiosk)).status_code == 401
    refused = await client.post("/api/v1/ratings", json=tap(5, datetime.now(UTC)), headers=kiosk)
    assert refused.status_code == 401


async def test_pairing_answers_the_token_once_with_a_pairing_link(
    client: AsyncTestClient[Any], demo: None, run_in_session: Any
) -> None:
    director = await bearer_for(run_in_session, "giamdoc")
    created = await client.post(
        "/api/v1/admin/kiosks", json={"centre_code": "TTPVHCC-96", "counter_code": "TT96-Q03"}, headers=director
    )
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "Quầy 3 - Đăng ký kinh doanh"
    assert body["pair_url"] == f"http://127.0.0.1:8000/kiosk/?pair={body['token']}"
    too_long = {"centre_code": "TTPVHCC-96", "name": "M" * 121}
    named = await client.post("/api/v1/admin/kiosks", json=too_long, headers=director)
    assert (named.status_code, [e["field"] for e in named.json()["errors"]]) == (400, ["name"])
    elsewhere = await client.post("/api/v1/admin/kiosks", json={"centre_code": "MC-964"}, headers=director)
    assert elsewhere.status_code == 422
    staff = await bearer_for(run_in_session, "canbo")
    refused = await client.post("/api/v1/admin/kiosks", json={"centre_code": "TTPVHCC-96"}, headers=staff)
    assert refused.status_code == 403
