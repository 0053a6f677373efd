"""Ingest benchmark: durable kiosk ratings per second against the framework's ceiling, on SQLite and PostgreSQL.

For each backend: a fresh database with the demo catalogue and one paired kiosk; the app started as in
production (uvicorn, 1 worker, uvloop + httptools, production settings) pinned to CPU 0; wrk on CPU 1 with 64
connections, after 2 s of warm-up on each endpoint, for 10 s each against ``POST /api/v1/ratings/validate``
(decodes and checks the same body, writes nothing: the ceiling) and ``POST /api/v1/ratings`` (stores each
rating durably: answered after commit), the two taking turns 2 s at a time.
Prints ratings/s, p50, p99, the ratio to the ceiling, the server's peak RSS, and looks up every acknowledged
rating (each 201's id, written down by the load generator) in the database.

    python bench/ingest.py [--duration 10] [--connections 64] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DATA_KEY, SECRET, free_port, pg_database, running_server  # noqa: E402
from survey_api import db  # noqa: E402
from survey_api.settings import Settings  # noqa: E402

TARGET_RATIO, TARGET_P99_MS, TARGET_RSS_MB = 0.40, 50.0, 200.0
ROUND_S = 2  # each endpoint is driven in rounds of this many seconds, taking turns


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (Debian package) for the load generator…", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
        found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is needed for the ingest benchmark: apt-get install wrk")
    return found


async def prepare(url: str) -> str:
    """Migrate, load the demo catalogue, pair one kiosk; returns its token."""
    from survey_api.accounts.scope import Scope
    from survey_api.demo import load_demo
    from survey_api.kiosks.services import KioskService

    await asyncio.to_thread(db.upgrade, url)
    config = db.alchemy_config(Settings.from_env({}, database_url=url, secret_key=SECRET, data_key=DATA_KEY))
    async with config.get_session() as session:
        await load_demo(session, with_activity=False)
        _, token = await KioskService(session).create("TTPVHCC-96", "TT96-Q01", "Bench kiosk", Scope(role="admin"))
        await session.commit()
    await config.get_engine().dispose()
    return token


async def check_stored(url: str, acked: list[uuid.UUID]) -> tuple[int, int]:
    """(ratings in the database, acknowledged ratings missing from it)."""
    from sqlalchemy import func, select

    from survey_api.ratings.models import Rating

    config = db.alchemy_config(Settings.from_env({}, database_url=url, secret_key=SECRET, data_key=DATA_KEY))
    missing = 0
    async with config.get_session() as session:
        stored = int(await session.scalar(select(func.count()).select_from(Rating)) or 0)
        for i in range(0, len(acked), 5000):
            chunk = acked[i : i + 5000]
            found = await session.scalar(select(func.count()).select_from(Rating).where(Rating.id.in_(chunk)))
            missing += len(chunk) - int(found or 0)
    await config.get_engine().dispose()
    return stored, missing


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_wrk(
    wrk: str, base: str, path: str, token: str, duration: int, connections: int, ids_file: Path | None = None
) -> dict[str, Any]:
    env = {**os.environ, "BENCH_TOKEN": token, "BENCH_PATH": path}
    if ids_file is not None:
        env["BENCH_IDS"] = str(ids_file)
    command = [
        "taskset",
        "-c",
        "1",
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "-s",
        str(ROOT / "bench" / "ratings.lua"),
        base,
    ]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCH_RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_RESULT "))
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


PERCENTS = [*range(1, 100), *(99 + j / 10 for j in range(1, 10)), 100]
"""The percents at which ratings.lua reports a run's latency (100: the slowest request)."""


def share_within(run: dict[str, Any], us: float) -> float:
    """The share of a run's requests answered within ``us`` microseconds, read off its reported percentiles."""
    points = run["latency_us"]
    i = bisect.bisect_right(points, us)
    if i == 0:
        return 0.0
    if i == len(points):
        return 1.0
    low, high = points[i - 1], points[i]
    return (PERCENTS[i - 1] + (PERCENTS[i] - PERCENTS[i - 1]) * (us - low) / (high - low)) / 100


def percentile(runs: list[dict[str, Any]], percent: float) -> float:
    """The latency within which ``percent`` % of all the runs' requests were answered, in microseconds."""
    total = sum(run["requests"] for run in runs)
    low, high = 0.0, float(max(run["latency_us"][-1] for run in runs))
    for _ in range(60):  # bisection: the share answered within a latency only grows with it
        middle = (low + high) / 2
        if sum(run["requests"] * share_within(run, middle) for run in runs) / total * 100 >= percent:
            high = middle
        else:
            low = middle
    return high


def combined(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one endpoint as one run: requests, time, answers and errors added up; p50 and p99 of all the
    requests together, from each round's percentiles."""
    statuses: dict[str, int] = {}
    for run in runs:
        for code, n in run["statuses"].items():
            statuses[code] = statuses.get(code, 0) + n
    requests, duration_us = sum(r["requests"] for r in runs), sum(r["duration_us"] for r in runs)
    return {
        "requests": requests,
        "duration_us": duration_us,
        "rate": requests / (duration_us / 1e6),
        "p50_us": percentile(runs, 50),
        "p99_us": percentile(runs, 99),
        "errors": sum(r["errors"] for r in runs),
        "statuses": statuses,
    }


def bench_backend(name: str, url: str, wrk: str, duration: int, connections: int) -> dict[str, Any]:
    token = asyncio.run(prepare(url))
    handle, name_ = tempfile.mkstemp(prefix="hailong-acked-", suffix=".txt")
    os.close(handle)
    ids_file = Path(name_)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SURVEY_PRODUCTION": "true",
        "SURVEY_SECRET_KEY": SECRET,
        "SURVEY_DATA_KEY": DATA_KEY,
        "SURVEY_DATABASE_URL": url,
        "SURVEY_PUBLIC_BASE_URL": base,
        "SURVEY_KIOSK_MIN_INTERVAL_SECONDS": "0",  # every rating counts in the rollups: the full write path
    }
    command = ["taskset", "-c", "0", sys.executable, "-m", "uvicorn", "survey_api.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--loop", "uvloop", "--http", "httptools",
               "--no-access-log", "--log-level", "warning"]  # fmt: skip
    # on leaving, the server is stopped: its shutdown drains the queue of ratings
    with running_server(command, env, base, name) as server:
        # Warm-up, 2 s each: the first requests compile statements and fill caches. Ratings stored during the
        # warm-up stay in the database; only the measured run's acknowledgements are checked.
        run_wrk(wrk, base, "/api/v1/ratings/validate", token, 2, connections)
        run_wrk(wrk, base, "/api/v1/ratings", token, 2, connections)
        # The two endpoints take turns, ROUND_S seconds at a time: this machine's speed drifts by tens of percent
        # within minutes, and a drift then moves the ceiling and the ingest alike instead of only one of them.
        ceilings, ingests, acked = [], [], []
        for _ in range(max(1, duration // ROUND_S)):
            ceilings.append(run_wrk(wrk, base, "/api/v1/ratings/validate", token, ROUND_S, connections))
            ingests.append(run_wrk(wrk, base, "/api/v1/ratings", token, ROUND_S, connections, ids_file))
            acked += [uuid.UUID(line) for line in ids_file.read_text().split()]
        rss = peak_rss_mb(server.pid)
    ids_file.unlink()
    ceiling, ingest = combined(ceilings), combined(ingests)
    stored, missing = asyncio.run(check_stored(url, acked))
    if len(acked) != int(ingest["statuses"].get("201", 0)):
        raise RuntimeError(f"{name}: {len(acked)} ids read for {ingest['statuses'].get('201')} answers 201")
    return {"backend": name, "ceiling": ceiling, "ingest": ingest, "rss": rss, "stored": stored, "acked": len(acked),
            "missing": missing}  # fmt: skip


def report(results: list[dict[str, Any]]) -> bool:
    ok = True
    print()
    print(
        f"{'backend':<11} {'ceiling/s':>10} {'ratings/s':>10} {'ratio':>7} {'p50 ms':>7} {'p99 ms':>7} {'RSS MB':>7}  durability"
    )
    for r in results:
        c, i = r["ceiling"], r["ingest"]
        ratio = i["rate"] / c["rate"] if c["rate"] else 0.0
        p50, p99 = i["p50_us"] / 1000, i["p99_us"] / 1000
        durable = r["missing"] == 0
        print(
            f"{r['backend']:<11} {c['rate']:>10.0f} {i['rate']:>10.0f} {ratio:>7.1%} {p50:>7.1f} {p99:>7.1f} "
            f"{r['rss']:>7.0f}  {r['acked']} acknowledged, {r['missing']} missing ({r['stored']} stored)"
        )
        non_2xx = {k: v for k, v in i["statuses"].items() if not k.startswith("2")}
        if non_2xx or i["errors"]:
            print(f"{'':<11} non-2xx answers: {non_2xx}, socket errors: {i['errors']}")
        ok &= ratio >= TARGET_RATIO and p99 <= TARGET_P99_MS and r["rss"] <= TARGET_RSS_MB and durable
    print(
        f"targets: ratio ≥ {TARGET_RATIO:.0%} of the ceiling, p99 ≤ {TARGET_P99_MS:.0f} ms, RSS ≤ {TARGET_RSS_MB:.0f} MB, "
        "every acknowledged rating found in the database by its id"
    )
    print("result:", "targets met" if ok else "TARGETS MISSED")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    wrk = ensure_wrk()
    results = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="hailong-bench-"))
            url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        else:
            url = asyncio.run(pg_database("hl_bench_ingest"))
        print(
            f"{backend}: running ({args.duration} s ceiling and {args.duration} s ingest, taking turns {ROUND_S} s at a "
            f"time, {args.connections} connections)…",
            flush=True,
        )
        results.append(bench_backend(backend, url, wrk, args.duration, args.connections))
        if backend != "sqlite":
            asyncio.run(pg_database("hl_bench_ingest", drop_only=True))
        else:
            shutil.rmtree(folder, ignore_errors=True)
    ok = report(results)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
