"""A database that is gone, refused or cut off answers 503 with Retry-After, never a 500."""

from __future__ import annotations

import os
import uuid
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.engine.url import make_url

from bench.common import pg_admin
from survey_api.app import create_app
from survey_api.settings import Settings
from tests.conftest import PG_URL, TEST_SECRET
from tests.helpers import integration_headers, kiosk_headers, returned_dossier

pytestmark = pytest.mark.anyio


def assert_unavailable(answer: Any) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["code"] == "unavailable"


async def lose_database(app: Litestar, database_url: str) -> None:
    """The database disappears under the running app: dropped on PostgreSQL (its sessions terminated), the file
    replaced by a folder on SQLite (so it cannot be opened again)."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        await pg_admin(PG_URL, f"DROP DATABASE IF EXISTS {url.database} WITH (FORCE)")
        return
    await app.state.alchemy.get_engine().dispose()
    path = str(url.database)
    for leftover in (path, f"{path}-wal", f"{path}-shm"):
        with suppress(FileNotFoundError):
            os.unlink(leftover)
    os.mkdir(path)


async def test_a_database_lost_under_the_app_answers_503_to_writes_and_reads(
    demo: None, database_url: str, app: Litestar, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    onestop = await integration_headers(run_in_session)
    kiosk = await kiosk_headers(run_in_session)
    stored = await client.post("/api/v1/dossiers", json=returned_dossier(), headers=onestop)
    assert stored.status_code == 201  # the pool holds live connections when the database goes

    await lose_database(app, database_url)
    rating = {"id": str(uuid.uuid4()), "overall": 5, "submitted_at": "2026-06-13T09:05:00+07:00"}
    assert_unavailable(await client.post("/api/v1/dossiers", json=returned_dossier("X-2"), headers=onestop))
    assert_unavailable(await client.post("/api/v1/ratings", json=rating, headers=kiosk))
    assert_unavailable(await client.get("/api/v1/admin/centres", headers=onestop))
    assert (await client.get("/health")).status_code == 503


async def test_a_refused_connection_answers_503(tmp_path: Path) -> None:
    """Nothing listens where the database should be (a server stopped, a wrong port)."""
    settings = Settings.from_env(
        {},
        database_url="postgresql+asyncpg://postgres@127.0.0.1:9/nowhere",
        secret_key=TEST_SECRET,
        var_dir=str(tmp_path / "var"),
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        answer = await client.post(
            "/api/v1/dossiers", json=returned_dossier(), headers={"Authorization": "Bearer hl_ik_anything"}
        )
        assert_unavailable(answer)
        assert (await client.get("/health")).status_code == 503


@pytest.mark.skipif(not PG_URL, reason="a terminated server session is PostgreSQL's (SQLite has no server)")
async def test_a_terminated_server_session_answers_503(
    demo: None, database_url: str, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    onestop = await integration_headers(run_in_session)
    assert (await client.post("/api/v1/dossiers", json=returned_dossier(), headers=onestop)).status_code == 201
    name = make_url(database_url).database
    # every session of the app's pool is cut off by the server, and new ones are refused while it stays so
    await pg_admin(
        PG_URL,
        f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false",
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",  # noqa: S608 (a test name)
    )
    try:
        assert_unavailable(await client.post("/api/v1/dossiers", json=returned_dossier("X-3"), headers=onestop))
    finally:
        await pg_admin(PG_URL, f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")
