"""What the benchmarks and the test suite share: a free port, PostgreSQL databases made and dropped, and an app
process started as an operator starts it and waited for until it answers /health.

The benchmarks run as scripts (``python bench/ingest.py``) and put the project's folder first on ``sys.path``; the
tests import this as ``bench.common`` from the project's folder.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
from sqlalchemy.engine.url import make_url

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("SURVEY_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
"""The PostgreSQL the benchmarks make their databases on (the local server's ``test`` database by default)."""
SECRET = "bench-" + "s" * 48
DATA_KEY = "bench-data-" + "d" * 48
"""The keys of the app processes the benchmarks start (production settings want both)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_dsn(url: str, database: str | None = None) -> str:
    """The asyncpg connection string of a SQLAlchemy URL (``postgresql+asyncpg://…``), optionally another database."""
    u = make_url(url)
    return u.set(drivername="postgresql", database=database or u.database).render_as_string(hide_password=False)


async def pg_admin(url: str, *statements: str) -> None:
    """Run statements that cannot run in a transaction (CREATE DATABASE, DROP DATABASE) one by one."""
    import asyncpg

    conn = await asyncpg.connect(pg_dsn(url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def pg_database(name: str, drop_only: bool = False, admin_url: str = PG_ADMIN_URL) -> str:
    """A fresh, empty database ``name`` (dropped first if it exists), or with ``drop_only`` just dropped; its URL."""
    statements = [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"]
    if not drop_only:
        statements.append(f"CREATE DATABASE {name}")
    await pg_admin(admin_url, *statements)
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def wait_for_health(
    base: str, process: subprocess.Popen[bytes], name: str, log: Path | None = None, timeout: float = 30.0
) -> None:
    """Wait until the server at ``base`` answers /health; raise, with its log when there is one, if it exits or
    does not answer within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            told = f":\n{log.read_text(encoding='utf-8', errors='replace')}" if log and log.exists() else ""
            raise RuntimeError(f"{name}: the server did not start{told}")
        time.sleep(0.1)


@contextmanager
def running_server(
    command: Sequence[str],
    env: Mapping[str, str],
    base: str,
    name: str,
    log: Path | None = None,
    stop_timeout: float = 30.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """The app started with ``command`` (uvicorn or ``survey-api serve``) in the project's folder, once it answers
    /health at ``base``; stopped with SIGTERM when the block ends (its shutdown drains what it holds)."""
    out: IO[str] | None = log.open("w", encoding="utf-8") if log else None
    process = subprocess.Popen(list(command), env=dict(env), cwd=ROOT, stdout=out, stderr=out)
    try:
        wait_for_health(base, process, name, log)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=stop_timeout)
        if out:
            out.close()
