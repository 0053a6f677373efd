"""One middleware reads every credential: what each kind of caller is, and what follows from it (CSRF, throttling)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from survey_api.app import create_app
from survey_api.settings import Settings
from tests.helpers import bearer_for, integration_headers, kiosk_headers, login, returned_dossier

pytestmark = pytest.mark.anyio


async def test_each_credential_is_one_kind_of_caller(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    person = await bearer_for(run_in_session, "giamdoc")
    me = await client.get("/api/v1/auth/me", headers=person)
    assert (me.status_code, me.json()["username"]) == (200, "giamdoc")
    for device in (await kiosk_headers(run_in_session), await integration_headers(run_in_session)):
        refused = await client.get("/api/v1/auth/me", headers=device)
        assert refused.status_code == 403, refused.text
    assert (await client.get("/api/v1/kiosk/config", headers=person)).status_code == 403
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_a_bearer_request_needs_no_csrf_token_but_a_session_does(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    key = await integration_headers(run_in_session)
    pushed = await client.post("/api/v1/dossiers", json=returned_dossier(), headers=key)
    assert pushed.status_code in (200, 201), pushed.text
    csrf = await login(client, "admin")
    forged = await client.post("/api/v1/auth/tokens", json={"name": "script"})
    assert forged.status_code == 403
    made = await client.post("/api/v1/auth/tokens", json={"name": "script"}, headers=csrf)
    assert made.status_code == 201, made.text


async def test_an_invalid_bearer_token_is_refused_even_on_public_paths(
    demo: None, client: AsyncTestClient[Any]
) -> None:
    bogus = {"Authorization": "Bearer hk_not-a-kiosk"}
    rating = {"id": str(uuid.uuid4()), "overall": 5}
    assert (await client.post("/api/v1/ratings", json=rating, headers=bogus)).status_code == 401
    assert (await client.get("/phan-anh", headers=bogus)).status_code == 401
    assert (await client.get("/phan-anh")).status_code == 200


async def test_a_person_s_token_does_not_rate_as_a_kiosk(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    person = await bearer_for(run_in_session, "admin")
    answer = await client.post("/api/v1/ratings", json={"id": str(uuid.uuid4()), "overall": 5}, headers=person)
    assert answer.status_code == 401
    assert "Only paired kiosks" in answer.text


async def test_only_a_valid_bearer_credential_escapes_the_public_throttle(
    demo: None, settings: Settings, run_in_session: Any
) -> None:
    limited = msgspec.structs.replace(settings, public_rate_limit_per_minute=2)
    kiosk = await kiosk_headers(run_in_session)
    async with AsyncTestClient(app=create_app(limited)) as client:
        basic = {"Authorization": "Basic YWRtaW46eA=="}
        statuses = [(await client.get("/phan-anh", headers=basic)).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert (await client.get("/phan-anh", headers=kiosk)).status_code == 200
