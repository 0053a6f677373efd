"""Test fixtures: one migrated database per test, on SQLite (default) or PostgreSQL.

Set ``SURVEY_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test`` to run the same suite on
PostgreSQL. Migrations run once into a template (a SQLite file, or a PostgreSQL template database); each
test gets a copy of it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bench.common import pg_admin
from survey_api import db
from survey_api.app import create_app
from survey_api.settings import Settings

T = TypeVar("T")
PG_URL = os.environ.get("SURVEY_TEST_DATABASE_URL", "")
TEST_SECRET = "test-secret-" + "x" * 40
TEST_DATA_KEY = "test-data-key-" + "y" * 40
_counter = itertools.count()


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking set-up (which may start its own event loop) in a fresh thread: safe even while
    another loop, such as Playwright's, runs in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


def run_async(coro: Awaitable[T]) -> T:
    return in_thread(asyncio.run, coro)


async def _load_demo(url: str) -> None:
    from survey_api.demo import load_demo

    config = db.alchemy_config(Settings.from_env({}, database_url=url, secret_key=TEST_SECRET, data_key=TEST_DATA_KEY))
    async with config.get_session() as session:
        await load_demo(session, with_activity=False)  # tests that need dossiers and ratings add them
        await session.commit()
    await config.get_engine().dispose()


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Migrate once into an empty template and a demo template (the Cà Mau demo province loaded).

    Values are SQLite file paths, or PostgreSQL template database names.
    """
    if PG_URL:
        names = {"empty": f"hl_tpl_empty_{os.getpid()}", "demo": f"hl_tpl_demo_{os.getpid()}"}
        run_async(pg_admin(PG_URL, *(f"DROP DATABASE IF EXISTS {n}" for n in names.values())))
        run_async(pg_admin(PG_URL, f"CREATE DATABASE {names['empty']}"))
        in_thread(db.upgrade, make_url(PG_URL).set(database=names["empty"]).render_as_string(hide_password=False))
        run_async(pg_admin(PG_URL, f"CREATE DATABASE {names['demo']} TEMPLATE {names['empty']}"))
        run_async(_load_demo(make_url(PG_URL).set(database=names["demo"]).render_as_string(hide_password=False)))
        yield names
        run_async(pg_admin(PG_URL, *(f"DROP DATABASE IF EXISTS {n} WITH (FORCE)" for n in names.values())))
    else:
        folder = tmp_path_factory.mktemp("templates")
        names = {"empty": str(folder / "empty.db"), "demo": str(folder / "demo.db")}
        in_thread(db.upgrade, f"sqlite+aiosqlite:///{names['empty']}")
        shutil.copyfile(names["empty"], names["demo"])
        run_async(_load_demo(f"sqlite+aiosqlite:///{names['demo']}"))
        yield names


@pytest.fixture
async def database_url(
    database_templates: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """A fresh, migrated database for this test; with the demo province if the test asks for ``demo``."""
    template = database_templates["demo" if "demo" in request.fixturenames else "empty"]
    if PG_URL:
        name = f"hl_test_{os.getpid()}_{next(_counter)}"
        await pg_admin(PG_URL, f"CREATE DATABASE {name} TEMPLATE {template}")
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        await pg_admin(PG_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings.from_env(
        {},
        database_url=database_url,
        secret_key=TEST_SECRET,
        data_key=TEST_DATA_KEY,
        var_dir=str(tmp_path / "var"),
        public_rate_limit_per_minute=10_000,
        offline_max_days=3650,  # the suite's ratings are dated in June 2026: believe their times (see test_kept_taps)
    )


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


RunInSession = Callable[[Callable[[AsyncSession], Awaitable[T]]], Awaitable[T]]


@pytest.fixture
async def run_in_session(settings: Settings) -> AsyncIterator[RunInSession[Any]]:
    """Run service code in its own committed transaction on the test's database.

    It has its own engine: the test client serves the app on another event loop, and pooled
    connections must not cross loops.
    """
    config = db.alchemy_config(settings)

    async def run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with config.get_session() as session:
            result = await work(session)
            await session.commit()
            return result

    yield run
    await config.get_engine().dispose()


@pytest.fixture
def demo() -> None:
    """Ask for this to start from the Cà Mau demo province with one login per role (``hailong-demo``)."""
