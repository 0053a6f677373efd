"""Input that once crashed a handler answers 4xx naming the field (or 403 for the wrong kind of credential)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.helpers import bearer_for, integration_headers, kiosk_headers

pytestmark = pytest.mark.anyio


def problem(answer: Any, status: int, field: str | None) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["status"] == status
    if field is not None:
        assert field in [item["field"] for item in body["errors"]], body


async def test_deeply_nested_json_is_refused_naming_the_body(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    deep = (
        b'{"id": "'
        + str(uuid.uuid4()).encode()
        + b'", "overall": 5, "answers": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}"
    )
    answer = await client.post("/api/v1/ratings", content=deep, headers={**kiosk, "content-type": "application/json"})
    problem(answer, 400, "body")
    answer = await client.post(
        "/api/v1/complaints", content=b"[" * 50_000, headers={"content-type": "application/json"}
    )
    problem(answer, 400, "body")


async def test_a_json_body_that_is_not_utf8_is_refused_naming_the_body(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    body = b'{"id": "' + str(uuid.uuid4()).encode() + b'", "overall": 5, "comment": "C\xe1\xba\xa1n \xff\xfe"}'
    answer = await client.post("/api/v1/ratings", content=body, headers={**kiosk, "content-type": "application/json"})
    problem(answer, 400, "body")


async def test_a_kiosk_or_integration_credential_on_the_user_endpoints_is_403(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    token_id = str(uuid.uuid4())
    for headers in (await kiosk_headers(run_in_session), await integration_headers(run_in_session)):
        calls = [("GET", "/api/v1/auth/me"), ("GET", "/api/v1/auth/tokens"), ("POST", "/api/v1/auth/tokens")]
        for method, path in [*calls, ("DELETE", f"/api/v1/auth/tokens/{token_id}")]:
            answer = await client.request(
                method, path, headers=headers, json={"name": "x"} if method == "POST" else None
            )
            problem(answer, 403, None)
    admin = await bearer_for(run_in_session, "admin")
    assert (await client.get("/api/v1/auth/me", headers=admin)).json()["username"] == "admin"
