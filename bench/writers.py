"""Concurrent writers: 32 clients posting dossier events and phone ratings at once, on SQLite and PostgreSQL.

For each backend: a fresh database with the demo catalogue and one integration key; the app started as in
production (uvicorn, 1 worker); 32 clients, each posting returned dossiers (the one-stop system) and rating them
through the link each answer gives (the citizen's phone), as fast as answers come. Prints the answers by status,
writes per second, and checks every acknowledged dossier and rating is stored once.
Target: no 5xx answer at all (on SQLite, writers take turns in arrival order instead of polling SQLite's lock,
where a few waited out the 10 s busy timeout and were answered 503 "database is locked").

    python bench/writers.py [--writes 1280] [--clients 32] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DATA_KEY, SECRET, free_port, pg_database, running_server  # noqa: E402
from survey_api import db  # noqa: E402
from survey_api.settings import Settings  # noqa: E402


async def prepare(url: str) -> str:
    """Migrate, load the demo catalogue, make an integration key; returns it."""
    from survey_api.accounts.services import IntegrationService
    from survey_api.demo import load_demo

    await asyncio.to_thread(db.upgrade, url)
    config = db.alchemy_config(Settings.from_env({}, database_url=url, secret_key=SECRET, data_key=DATA_KEY))
    async with config.get_session() as session:
        await load_demo(session, with_activity=False)
        key = await IntegrationService(session).create("Bench one-stop system")
        await session.commit()
    await config.get_engine().dispose()
    return key


def dossier(code: str) -> dict[str, Any]:
    return {
        "code": code, "procedure_code": "1.004227", "centre_code": "TTPVHCC-96", "counter_code": "TT96-Q01",
        "staff_code": "CB-001", "agency_code": "VPDKDD", "channel": "counter", "status": "returned",
        "received_at": "2026-11-02T08:15:00+07:00", "due_at": "2026-11-16T17:00:00+07:00",
        "resolved_at": "2026-11-12T10:00:00+07:00", "returned_at": "2026-11-13T09:00:00+07:00",
    }  # fmt: skip


async def drive(base: str, key: str, writes: int, clients: int) -> dict[str, Any]:
    statuses: collections.Counter[tuple[str, int]] = collections.Counter()
    acked_dossiers: list[str] = []
    acked_ratings: list[str] = []
    per_client = writes // clients

    async def one_client(client: httpx.AsyncClient, n: int) -> None:
        link: str | None = None
        for k in range(per_client):
            if link is None:
                code = f"BW-{n:03d}-{k:05d}"
                answer = await client.post(
                    f"{base}/api/v1/dossiers", json=dossier(code), headers={"Authorization": f"Bearer {key}"}
                )
                statuses[("dossier event", answer.status_code)] += 1
                if answer.status_code == 201:
                    acked_dossiers.append(code)
                    link = answer.json()["rating_url"].rsplit("/r/", 1)[1]
            else:
                rating_id = str(uuid.uuid4())
                body = {"id": rating_id, "token": link, "overall": 5 - k % 3}
                answer = await client.post(f"{base}/api/v1/ratings", json=body)
                statuses[("phone rating", answer.status_code)] += 1
                if answer.status_code == 201:
                    acked_ratings.append(rating_id)
                link = None

    started = time.monotonic()
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=clients)) as client:
        await asyncio.gather(*(one_client(client, n) for n in range(clients)))
    return {
        "seconds": time.monotonic() - started,
        "statuses": statuses,
        "dossiers": acked_dossiers,
        "ratings": acked_ratings,
    }


async def stored(url: str, dossiers: list[str], ratings: list[str]) -> tuple[int, int]:
    from sqlalchemy import func, select

    from survey_api.dossiers.models import Dossier
    from survey_api.ratings.models import Rating

    config = db.alchemy_config(Settings.from_env({}, database_url=url, secret_key=SECRET, data_key=DATA_KEY))
    async with config.get_session() as session:
        found_d = int(
            await session.scalar(select(func.count()).select_from(Dossier).where(Dossier.code.like("BW-%"))) or 0
        )
        found_r = int(await session.scalar(select(func.count()).select_from(Rating)) or 0)
    await config.get_engine().dispose()
    return found_d, found_r


def bench_backend(name: str, url: str, writes: int, clients: int) -> bool:
    key = asyncio.run(prepare(url))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SURVEY_PRODUCTION": "true",
        "SURVEY_SECRET_KEY": SECRET,
        "SURVEY_DATA_KEY": DATA_KEY,
        "SURVEY_DATABASE_URL": url,
        "SURVEY_PUBLIC_BASE_URL": base,
        "SURVEY_PUBLIC_RATE_LIMIT_PER_MINUTE": "1000000",  # one client address here stands for thousands of phones
    }
    command = [sys.executable, "-m", "uvicorn", "survey_api.app:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning"]  # fmt: skip
    with running_server(command, env, base, name):
        run = asyncio.run(drive(base, key, writes, clients))
    found_d, found_r = asyncio.run(stored(url, run["dossiers"], run["ratings"]))
    answers = sum(run["statuses"].values())
    errors = sum(count for (_, status), count in run["statuses"].items() if status >= 500)
    by_status = ", ".join(f"{kind} {status}: {count}" for (kind, status), count in sorted(run["statuses"].items()))
    durable = found_d == len(run["dossiers"]) and found_r == len(run["ratings"])
    print(
        f"{name:<11} {answers} writes from {clients} clients in {run['seconds']:.1f} s "
        f"({answers / run['seconds']:.0f}/s); {by_status}"
    )
    print(
        f"{'':<11} 5xx answers: {errors} (target 0); stored {found_d} of {len(run['dossiers'])} acknowledged dossiers, "
        f"{found_r} of {len(run['ratings'])} acknowledged ratings"
    )
    return errors == 0 and durable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writes", type=int, default=1280)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    ok = True
    for backend in args.backends.split(","):
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="hailong-bench-"))
            url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        else:
            url = asyncio.run(pg_database("hl_bench_writers"))
        print(f"{backend}: {args.writes} writes from {args.clients} clients at once…", flush=True)
        ok &= bench_backend(backend, url, args.writes, args.clients)
        if backend == "sqlite":
            shutil.rmtree(folder, ignore_errors=True)
        else:
            asyncio.run(pg_database("hl_bench_writers", drop_only=True))
    print("result:", "targets met" if ok else "TARGETS MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
