"""What schemathesis found against the schema (``make check``), held here one case each."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.helpers import bearer_for, integration_headers, kiosk_headers

pytestmark = pytest.mark.anyio


def _rating(**fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "overall": 5, "submitted_at": datetime.now(UTC).isoformat(), **fields}


async def test_a_json_value_of_another_type_is_refused_naming_the_field(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    epoch = await client.post("/api/v1/ratings", json=_rating(submitted_at=0), headers=kiosk)
    assert epoch.status_code == 400  # it was stored as a tap of 1 January 1970
    assert epoch.json() == {
        "status": 400,
        "code": "invalid_input",
        "message": "submitted_at: Expected `datetime | null`, got `int`",
        "errors": [{"field": "submitted_at", "message": "Expected `datetime | null`, got `int`"}],
    }
    text = await client.post("/api/v1/ratings", json=_rating(overall="5"), headers=kiosk)
    assert text.status_code == 400
    assert text.json()["errors"] == [{"field": "overall", "message": "Expected `int`, got `str`"}]
    heartbeat = await client.post("/api/v1/kiosk/heartbeat", json={"queued": "3"}, headers=kiosk)
    assert heartbeat.status_code == 400
    assert heartbeat.json()["errors"] == [{"field": "queued", "message": "Expected `int`, got `str`"}]


async def test_a_whole_number_written_with_a_decimal_point_is_an_integer(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    stored = await client.post(
        "/api/v1/ratings", json=_rating(overall=4.0, answers={"staff_attitude": 3.0}), headers=kiosk
    )
    assert stored.status_code == 201, stored.text
    assert (stored.json()["overall"], stored.json()["answers"]) == (4, {"staff_attitude": 3})
    half = await client.post("/api/v1/ratings", json=_rating(overall=4.5), headers=kiosk)
    assert half.status_code == 400
    assert half.json()["errors"] == [{"field": "overall", "message": "Expected `int`, got `float`"}]


async def test_options_lists_every_method_of_the_path(client: AsyncTestClient[Any]) -> None:
    listed = await client.options("/api/v1/admin/centres")
    assert (listed.status_code, listed.headers["allow"]) == (204, "GET, OPTIONS, POST")
    one = await client.options("/api/v1/admin/centres/TTPVHCC-96")
    assert one.headers["allow"] == "GET, OPTIONS, PATCH"
    assert (await client.options("/api/v1/auth/tokens")).headers["allow"] == "GET, OPTIONS, POST"


async def test_a_persons_own_endpoints_refuse_a_kiosk_or_an_integration_key(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    for headers in (await kiosk_headers(run_in_session), await integration_headers(run_in_session)):
        for method, path in [
            ("GET", "/api/v1/auth/me"),  # was a 500
            ("GET", "/api/v1/auth/tokens"),  # was 200 []
            ("POST", "/api/v1/auth/tokens"),
            ("DELETE", f"/api/v1/auth/tokens/{uuid.uuid4()}"),  # was a 500
            ("POST", "/api/v1/auth/logout"),
        ]:
            response = await client.request(
                method, path, headers=headers, json={"name": "x"} if method == "POST" else None
            )
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["message"] == "This needs a person's login, not a device or integration key"
    admin = await bearer_for(run_in_session, "admin")
    assert (await client.get("/api/v1/auth/me", headers=admin)).json()["username"] == "admin"


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", {"field": "body", "message": "The file is empty: send a header row, then a row a dossier", "row": 0}),
        (
            b"{}",
            {"field": "code", "message": "The header has no column 'm\u00e3 h\u1ed3 s\u01a1' (or 'code')", "row": 0},
        ),
        # a lone carriage return inside a field was a 500 (the csv module refused it)
        ("m\u00e3 h\u1ed3 s\u01a1\rX".encode(), None),
    ],
)
async def test_a_csv_import_with_nothing_to_import_says_why(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, content: bytes, error: dict[str, Any] | None
) -> None:
    onestop = await integration_headers(run_in_session)
    response = await client.post(
        "/api/v1/dossiers/import", content=content, headers={**onestop, "content-type": "text/csv"}
    )
    assert response.status_code == 422, response.text
    if error is not None:
        assert response.json()["errors"] == [error]
    else:
        assert response.json()["errors"][0]["row"] == 1  # the line after the header: a dossier without a procedure
