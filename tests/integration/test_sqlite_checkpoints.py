"""On an SQLite file, a serving app copies the write-ahead log into the database file in the background
(survey_api.db.sqlite_checkpoints), so that the rating writer's commits do not wait for checkpoints. These tests
use an SQLite file of their own whichever database the suite runs on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import anyio
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import Table, insert

from survey_api import db
from survey_api.app import create_app
from survey_api.audit.models import AuditEvent
from survey_api.settings import Settings
from tests.conftest import TEST_DATA_KEY, TEST_SECRET

pytestmark = pytest.mark.anyio


async def sqlite_settings(tmp_path: Path) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path / 'serving.db'}"
    await anyio.to_thread.run_sync(db.upgrade, url)
    return Settings.from_env(
        {}, database_url=url, secret_key=TEST_SECRET, data_key=TEST_DATA_KEY, var_dir=str(tmp_path / "var")
    )


async def autocheckpoint(settings: Settings, serving: bool) -> Any:
    engine = db.create_engine(settings, serving=serving)
    try:
        async with engine.connect() as connection:
            return (await connection.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar()
    finally:
        await engine.dispose()


async def test_serving_connections_leave_checkpoints_to_the_background(tmp_path: Path) -> None:
    settings = await sqlite_settings(tmp_path)
    assert await autocheckpoint(settings, serving=True) == db.SERVING_AUTOCHECKPOINT_PAGES == 10_000
    assert await autocheckpoint(settings, serving=False) == 1_000  # the CLI's, and SQLite's default


async def test_a_serving_app_copies_the_log_into_the_database_file(tmp_path: Path) -> None:
    """2,000 audit records are committed by a connection that never checkpoints and stays open (so that closing
    it, as the last connection, does not checkpoint either): only the app can move them into the database file."""
    settings = await sqlite_settings(tmp_path)
    path = tmp_path / "serving.db"
    writer = db.create_engine(settings)
    now = datetime.now(UTC)
    rows = [
        {"id": uuid.uuid4(), "at": now, "actor_type": "system", "actor_id": None, "actor_name": "system",
         "action": "test.checkpoint", "object_type": "test", "object_id": uuid.uuid4(), "detail": {"n": n}}
        for n in range(2_000)
    ]  # fmt: skip
    try:
        async with AsyncTestClient(app=create_app(settings)) as client, writer.connect() as connection:
            await connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            before = path.stat().st_size
            await connection.execute(insert(cast("Table", AuditEvent.__table__)), rows)
            await connection.commit()
            assert path.with_name("serving.db-wal").stat().st_size > 300_000  # the records are in the log
            for _ in range(100):  # up to 5 s: the app checkpoints every 0.2 s
                if path.stat().st_size > before:
                    break
                await anyio.sleep(0.05)
            assert path.stat().st_size > before + 300_000  # and now in the database file
            assert (await client.get("/health")).status_code == 200
    finally:
        await writer.dispose()
