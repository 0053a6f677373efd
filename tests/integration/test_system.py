"""Health, OpenAPI, and the one error shape."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from survey_api.app import create_app
from survey_api.settings import Settings

pytestmark = pytest.mark.anyio


async def test_health_answers_ok_after_a_database_round_trip(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_health_answers_503_when_the_database_is_unreachable(settings: Settings) -> None:
    broken = Settings.from_env(
        {},
        database_url="postgresql+asyncpg://nobody@127.0.0.1:9/nothing",
        secret_key=settings.secret_key,
        data_key=settings.data_key,
    )
    async with AsyncTestClient(app=create_app(broken)) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


async def test_openapi_document_is_served_without_a_cdn_ui(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "Hài Lòng API"
    assert "/api/v1/admin/catalogue" in spec["paths"]
    operation_ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert all(op.get("summary") or op.get("description") for path in spec["paths"].values() for op in path.values())
    for ui in ("/schema/swagger", "/schema/redoc", "/schema/elements"):
        assert (await client.get(ui)).status_code == 404


async def test_unknown_api_path_gets_the_json_error_shape(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code in (401, 404)
    body = response.json()
    assert set(body) == {"status", "code", "message", "errors"}
    assert body["status"] == response.status_code


async def test_browser_asking_for_a_missing_public_page_gets_a_vietnamese_page(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/static/nothing.css", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "Không tìm thấy trang bạn cần." in response.text
