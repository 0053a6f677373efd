"""Report benchmark: a synthetic country, loaded in bulk, rollups built by the product's own rebuild, then
three reports timed through the product's report service and checked against the same figures from raw rows.

Country: 34 provinces, ~3,300 communes, 700 centres, 20 agencies, 2,000 procedures, 7,000 staff; ratings and
dossiers over 2025–2026. ``--scale full``: 10,000,000 ratings and 5,000,000 dossiers; ``small``: 200,000 and
100,000. Targets: each report ≤ 150 ms (median of 5) on both backends and ≥ 20× faster than from raw rows.

    python bench/reports.py --scale small|full [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine.url import make_url  # noqa: E402

from survey_api import db  # noqa: E402
from survey_api.accounts.scope import Scope  # noqa: E402
from survey_api.reports.rollups import rebuild  # noqa: E402
from survey_api.reports.services import ReportQuery, ReportService  # noqa: E402
from survey_api.settings import Settings  # noqa: E402

SCALES = {"small": (200_000, 100_000), "full": (10_000_000, 5_000_000)}
TARGET_MS, TARGET_SPEEDUP = 150.0, 20.0
SECRET = "bench-" + "s" * 48
TZ = "Asia/Ho_Chi_Minh"
PG_ADMIN_URL = os.environ.get("SURVEY_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SURVEY_V1 = uuid.UUID("00000000-0000-4000-8000-000000000001")
START = datetime(2025, 1, 1, tzinfo=UTC)
DAYS = 730
PROVINCES, COMMUNES_PER_PROVINCE, CENTRES, AGENCIES, PROCEDURES, STAFF_PER_CENTRE = 34, 97, 700, 20, 2000, 10
CHANNELS = ("kiosk", "qr", "web")
INTAKE = ("counter", "online", "postal")


# -- the synthetic country -------------------------------------------------------------------------------
def country(rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    units, agencies, centres, counters, staff, procedures = [], [], [], [], [], []
    centre_units: list[tuple[str, str]] = []
    for p in range(PROVINCES):
        pcode = f"{p + 1:02d}"
        units.append({"code": pcode, "name": f"Tỉnh {p + 1}", "level": "province"})
        for c in range(COMMUNES_PER_PROVINCE):
            ccode = f"{pcode}{c:03d}"
            units.append({"code": ccode, "name": f"Xã {c + 1}, tỉnh {p + 1}", "level": "commune", "parent_code": pcode})
        centre_units.append((pcode, f"TT-{pcode}"))
    for p in range(PROVINCES):
        pcode = f"{p + 1:02d}"
        for c in range(CENTRES // PROVINCES + (1 if p < CENTRES % PROVINCES else 0) - 1):
            centre_units.append((f"{pcode}{c:03d}", f"MC-{pcode}{c:03d}"))
    for a in range(AGENCIES):
        agencies.append({"code": f"AG{a:02d}", "name": f"Cơ quan {a}", "unit_code": f"{a % PROVINCES + 1:02d}"})
    for unit_code, code in centre_units:
        centres.append({"code": code, "name": f"Trung tâm {code}", "unit_code": unit_code})
        for q in range(3):
            counters.append(
                {
                    "code": f"{code}-Q{q}",
                    "name": f"Quầy {q}",
                    "centre_code": code,
                    "agency_code": f"AG{rng.randrange(AGENCIES):02d}",
                }
            )
        for s in range(STAFF_PER_CENTRE):
            staff.append({"code": f"{code}-S{s}", "full_name": f"Cán bộ {s}", "centre_code": code})
    for i in range(PROCEDURES):
        procedures.append(
            {"code": f"9.{i:06d}", "name": f"Thủ tục {i}", "field": f"Lĩnh vực {i % 40}", "statutory_days": 1 + i % 30}
        )
    return {"units": units, "agencies": agencies, "centres": centres, "counters": counters, "staff": staff, "procedures": procedures}  # fmt: skip


async def load_catalogue(url: str, doc: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Bulk-insert the catalogue (Core, one statement per table); returns the ids needed to generate facts."""
    from sqlalchemy import insert

    from survey_api.org.models import AdminUnit, Agency, Centre, Counter, Procedure, Staff

    now = datetime.now(UTC)
    audit = {"created_at": now, "updated_at": now, "active": True}
    unit_ids: dict[str, uuid.UUID] = {}
    unit_rows = []
    for u in doc["units"]:
        unit_ids[u["code"]] = uuid.uuid4()
        parent = u.get("parent_code")
        path = (f"/{parent}/" if parent else "/") + u["code"] + "/"
        unit_rows.append({"id": unit_ids[u["code"]], "code": u["code"], "name": u["name"], "level": u["level"],
                          "parent_id": unit_ids[parent] if parent else None, "path": path, **audit})  # fmt: skip
    agency_ids = {a["code"]: uuid.uuid4() for a in doc["agencies"]}
    centre_ids = {c["code"]: uuid.uuid4() for c in doc["centres"]}
    rows: dict[Any, list[dict[str, Any]]] = {
        AdminUnit: unit_rows,
        Agency: [{"id": agency_ids[a["code"]], "code": a["code"], "name": a["name"], "unit_id": unit_ids[a["unit_code"]], **audit} for a in doc["agencies"]],
        Centre: [{"id": centre_ids[c["code"]], "code": c["code"], "name": c["name"], "unit_id": unit_ids[c["unit_code"]], "address": None, "kiosk_levels": 5, **audit} for c in doc["centres"]],
        Counter: [{"id": uuid.uuid4(), "code": c["code"], "name": c["name"], "centre_id": centre_ids[c["centre_code"]], "agency_id": agency_ids[c["agency_code"]], **audit} for c in doc["counters"]],
        Staff: [{"id": uuid.uuid4(), "code": m["code"], "full_name": m["full_name"], "centre_id": centre_ids[m["centre_code"]], "agency_id": None, "title": None, **audit} for m in doc["staff"]],
        Procedure: [{"id": uuid.uuid4(), **p, **audit} for p in doc["procedures"]],
    }  # fmt: skip
    config = db.alchemy_config(Settings.from_env({}, database_url=url, secret_key=SECRET))
    async with config.get_session() as session:
        for model, batch in rows.items():
            for i in range(0, len(batch), 1000):
                await session.execute(insert(model.__table__), batch[i : i + 1000])
        await session.commit()
    await config.get_engine().dispose()
    counters: dict[Any, list[Any]] = defaultdict(list)
    for c in rows[Counter]:
        counters[c["centre_id"]].append((c["id"], c["agency_id"]))
    staff: dict[Any, list[Any]] = defaultdict(list)
    for m in rows[Staff]:
        staff[m["centre_id"]].append(m["id"])
    for code, ident in centre_ids.items():
        _CODES[ident] = code
    return {
        "centres": [centre_ids[c["code"]] for c in sorted(doc["centres"], key=lambda c: c["code"])],
        "counters": counters,
        "staff": staff,
        "procedures": [p["id"] for p in rows[Procedure]],
        "agencies": list(agency_ids.values()),
    }


def facts(
    ids: dict[str, Any], n_ratings: int, n_dossiers: int, rng: random.Random
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    centres = ids["centres"]
    weights = [1 + (i % 7) for i in range(len(centres))]  # some centres are busier
    ratings = []
    levels = (5, 5, 5, 5, 5, 5, 4, 4, 4, 3, 2, 1)
    for _ in range(n_ratings):
        centre = rng.choices(centres, weights)[0]
        counter, agency = rng.choice(ids["counters"][centre])
        at = START + timedelta(seconds=rng.randrange(DAYS * 86400))
        ratings.append((uuid.uuid4(), SURVEY_V1, rng.choice(CHANNELS), centre, counter, rng.choice(ids["staff"][centre]),
                        agency, rng.choice(ids["procedures"]), None, None, rng.choice(levels), "{}", "[]", None, "vi",
                        at, at, False, ""))  # fmt: skip
    dossiers = []
    now = datetime.now(UTC)
    for i in range(n_dossiers):
        centre = rng.choices(centres, weights)[0]
        counter, agency = rng.choice(ids["counters"][centre])
        received = START + timedelta(seconds=rng.randrange(DAYS * 86400))
        due = received + timedelta(days=rng.randrange(1, 30))
        roll = rng.random()
        resolved = (
            due - timedelta(days=rng.randrange(1, 10))
            if roll < 0.78
            else due - timedelta(hours=2)
            if roll < 0.96
            else due + timedelta(days=rng.randrange(1, 20))
        )
        resolved = max(resolved, received + timedelta(hours=1))
        paused = "[]"
        if i % 50 == 0:  # a few waited for supplements
            start = received + timedelta(days=1)
            paused = json.dumps([{"start": start.isoformat(), "end": (start + timedelta(days=3)).isoformat()}])
        open_ = resolved > now or i % 40 == 0
        dossiers.append((uuid.uuid4(), f"D{i:08d}", rng.choice(ids["procedures"]), centre, counter, rng.choice(ids["staff"][centre]),
                         agency, rng.choice(INTAKE), "in_progress" if open_ else "returned", received, due,
                         None if open_ else resolved, None if open_ else resolved + timedelta(hours=3), paused,
                         received if open_ else resolved + timedelta(hours=3), now, now))  # fmt: skip
    return ratings, dossiers


RATING_COLS = ("id", "survey_id", "channel", "centre_id", "counter_id", "staff_id", "agency_id", "procedure_id", "dossier_id",
               "kiosk_id", "overall", "answers", "reasons", "comment", "language", "submitted_at", "received_at",
               "suspected_repeat", "body_hash")  # fmt: skip
DOSSIER_COLS = ("id", "code", "procedure_id", "centre_id", "counter_id", "staff_id", "agency_id", "channel", "status",
                "received_at", "due_at", "resolved_at", "returned_at", "paused", "event_at", "created_at", "updated_at")  # fmt: skip


async def bulk_load_pg(url: str, ratings: list[tuple[Any, ...]], dossiers: list[tuple[Any, ...]]) -> None:
    import asyncpg

    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        for table, cols, rows in (("rating", RATING_COLS, ratings), ("dossier", DOSSIER_COLS, dossiers)):
            for i in range(0, len(rows), 500_000):
                await conn.copy_records_to_table(table, records=rows[i : i + 500_000], columns=list(cols))
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def bulk_load_sqlite(path: str, ratings: list[tuple[Any, ...]], dossiers: list[tuple[Any, ...]]) -> None:
    def conv(v: Any) -> Any:
        if isinstance(v, uuid.UUID):
            return v.bytes
        if isinstance(v, datetime):
            return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return v

    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    for table, cols, rows in (("rating", RATING_COLS, ratings), ("dossier", DOSSIER_COLS, dossiers)):
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"  # noqa: S608
        for i in range(0, len(rows), 200_000):
            con.executemany(sql, ([conv(v) for v in row] for row in rows[i : i + 200_000]))
            con.commit()
    con.execute("ANALYZE")
    con.close()


# -- the same figures from raw rows ------------------------------------------------------------------------
def raw_sql(dialect: str) -> tuple[str, str]:
    """Ratings per (centre, local month, level) and resolved dossiers per (centre, local month, verdict)."""
    if dialect == "postgresql":
        month = "date_trunc('month', timezone('Asia/Ho_Chi_Minh', {c}))::date"
        day = "timezone('Asia/Ho_Chi_Minh', {c})::date"
        empty = "jsonb_array_length(paused) = 0"
    else:
        month = "date({c}, '+7 hours', 'start of month')"
        day = "date({c}, '+7 hours')"
        empty = "json_array_length(paused) = 0"
    ratings = (
        f"SELECT centre_id, {month.format(c='submitted_at')} AS m, overall, count(*) FROM rating "  # noqa: S608
        "WHERE NOT suspected_repeat AND submitted_at >= :lo AND submitted_at < :hi GROUP BY 1, 2, 3"
    )
    rd, dd = day.format(c="resolved_at"), day.format(c="due_at")
    dossiers = (
        f"SELECT centre_id, {month.format(c='resolved_at')} AS m, "  # noqa: S608
        f"CASE WHEN {rd} < {dd} THEN 'early' WHEN {rd} = {dd} THEN 'on_time' ELSE 'late' END AS verdict, count(*) "
        f"FROM dossier WHERE resolved_at IS NOT NULL AND status IN ('resolved', 'returned') AND {empty} "
        "AND resolved_at >= :lo AND resolved_at < :hi GROUP BY 1, 2, 3"
    )
    return ratings, dossiers


async def raw_figures(session: Any, dialect: str, lo: date, hi: date) -> dict[tuple[Any, date], dict[str, int]]:
    """Per (centre, month): levels and timeliness, from raw rows (paused dossiers judged as the product does)."""
    from survey_api.dossiers.models import Dossier
    from survey_api.reports.rollups import dossier_counts

    ratings_sql, dossiers_sql = raw_sql(dialect)
    lo_dt = datetime.combine(lo, datetime.min.time(), tzinfo=UTC) - timedelta(hours=7)
    hi_dt = datetime.combine(hi, datetime.min.time(), tzinfo=UTC) - timedelta(hours=7)
    params = {"lo": lo_dt, "hi": hi_dt}
    if dialect == "sqlite":
        params = {k: v.replace(tzinfo=None).isoformat(sep=" ") for k, v in params.items()}  # type: ignore[misc]
    out: dict[tuple[Any, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for centre, month, level, n in await session.execute(text(ratings_sql), params):
        out[(_uuid(centre), _date(month))][f"n{level}"] += n
    for centre, month, verdict, n in await session.execute(text(dossiers_sql), params):
        out[(_uuid(centre), _date(month))][verdict] += n
    from sqlalchemy import func, select

    paused = await session.execute(
        select(Dossier).where(Dossier.resolved_at.is_not(None), func.json_array_length(Dossier.paused) > 0)
        if dialect == "sqlite"
        else select(Dossier).where(Dossier.resolved_at.is_not(None), func.jsonb_array_length(Dossier.paused) > 0)
    )
    for dossier in paused.scalars():
        for key, counter in dossier_counts(dossier, TZ):
            if counter != "returned" and lo <= key.day < hi:
                out[(key.centre_id, key.day.replace(day=1))][counter] += 1
    return out


def _uuid(value: Any) -> uuid.UUID:
    return (
        value
        if isinstance(value, uuid.UUID)
        else uuid.UUID(bytes=value)
        if isinstance(value, bytes)
        else uuid.UUID(str(value))
    )


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# -- the run -----------------------------------------------------------------------------------------------
async def timed(fn: Any, runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = await fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), result


async def measure(url: str, dialect: str, ids: dict[str, Any]) -> list[dict[str, Any]]:
    settings = Settings.from_env({}, database_url=url, secret_key=SECRET)
    config = db.alchemy_config(settings)
    from sqlalchemy import select

    from survey_api.org.models import AdminUnit, Centre

    async with config.get_session() as session:
        busiest_centre = ids["centres"][6]  # weight 7: among the busiest
        centre_code = await session.scalar(select(Centre.code).where(Centre.id == busiest_centre))
        province = await session.scalar(select(AdminUnit.code).where(AdminUnit.code == "07"))
        centre_province = {c.id: c.unit.path.strip("/").split("/")[0] for c in await session.scalars(select(Centre))}
        service = ReportService(session, settings, Scope(role="admin"))
        cases = [
            ("a province's year by centre × month", ReportQuery(date(2026, 1, 1), date(2026, 12, 31), ("centre", "month"), unit=province)),
            ("one centre's month by staff", ReportQuery(date(2026, 3, 1), date(2026, 3, 31), ("staff",), centre=centre_code)),
            ("the country by province × quarter", ReportQuery(date(2026, 1, 1), date(2026, 12, 31), ("province", "quarter"))),
        ]  # fmt: skip
        results = []
        for label, query in cases:
            ms, report = await timed(lambda q=query: service.satisfaction(q), 5)
            raw_start = time.perf_counter()
            raw = await raw_figures(session, dialect, query.date_from, query.date_to + timedelta(days=1))
            raw_ms = (time.perf_counter() - raw_start) * 1000
            expected = fold(raw, query, centre_province, busiest_centre)
            if query.group_by == ("staff",):
                got = {(): _summary(report.totals)}
            else:
                got = {tuple(r.key): _summary(r) for r in report.rows if any(_summary(r))}
            results.append(
                {"label": label, "ms": ms, "raw_ms": raw_ms, "match": got == expected, "rows": len(report.rows)}
            )
    await config.get_engine().dispose()
    return results


def _summary(row: Any) -> tuple[int, ...]:
    return (row.ratings, row.satisfied, row.early, row.on_time, row.late)


def fold(
    raw: dict[tuple[Any, date], dict[str, int]], query: ReportQuery, centre_province: dict[Any, str], centre_id: Any
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """Raw (centre, month) figures folded into the report's groups."""
    out: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for (centre, month), c in raw.items():
        if query.unit and centre_province.get(centre) != query.unit:
            continue
        if query.group_by == ("staff",):
            if centre != centre_id:
                continue
            key: tuple[Any, ...] = ()
        elif query.group_by == ("centre", "month"):
            key = (_CODES[centre], f"{month.year}-{month.month:02d}")
        else:
            key = (centre_province[centre], f"{month.year}-Q{(month.month - 1) // 3 + 1}")
        agg = out[key]
        ratings = sum(c.get(f"n{i}", 0) for i in range(1, 6))
        for i, v in enumerate(
            (ratings, c.get("n4", 0) + c.get("n5", 0), c.get("early", 0), c.get("on_time", 0), c.get("late", 0))
        ):
            agg[i] += v
    return {k: tuple(v) for k, v in out.items() if any(v)}


_CODES: dict[Any, str] = {}


async def run_backend(backend: str, scale: str) -> dict[str, Any]:
    n_ratings, n_dossiers = SCALES[scale]
    rng = random.Random(20261122)
    folder = Path(tempfile.mkdtemp(prefix="hailong-reports-"))
    if backend == "sqlite":
        path = folder / "reports.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = await pg_database("hl_bench_reports")
    try:
        t0 = time.perf_counter()
        await asyncio.to_thread(db.upgrade, url)
        ids = await load_catalogue(url, country(rng))
        ratings, dossiers = facts(ids, n_ratings, n_dossiers, rng)
        t_gen = time.perf_counter()
        if backend == "sqlite":
            await asyncio.to_thread(bulk_load_sqlite, str(path), ratings, dossiers)
        else:
            await bulk_load_pg(url, ratings, dossiers)
        del ratings, dossiers
        t_load = time.perf_counter()
        config = db.alchemy_config(Settings.from_env({}, database_url=url, secret_key=SECRET))
        async with config.get_session() as session:
            await rebuild(session, TZ)
            await session.commit()
        await config.get_engine().dispose()
        t_rollup = time.perf_counter()
        size = path.stat().st_size / 1e6 if backend == "sqlite" else await pg_size(url)
        results = await measure(url, backend, ids)
        return {
            "backend": backend,
            "generate_s": t_gen - t0,
            "load_s": t_load - t_gen,
            "rollup_s": t_rollup - t_load,
            "size_mb": size,
            "results": results,
        }
    finally:
        if backend != "sqlite":
            await pg_database("hl_bench_reports", drop_only=True)
        shutil.rmtree(folder, ignore_errors=True)


async def pg_database(name: str, drop_only: bool = False) -> str:
    import asyncpg

    admin = make_url(PG_ADMIN_URL)
    conn = await asyncpg.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if not drop_only:
            await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return admin.set(database=name).render_as_string(hide_password=False)


async def pg_size(url: str) -> float:
    import asyncpg

    u = make_url(url)
    conn = await asyncpg.connect(u.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        return float(await conn.fetchval("SELECT pg_database_size(current_database())")) / 1e6
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    n_ratings, n_dossiers = SCALES[args.scale]
    print(
        f"report benchmark, scale {args.scale}: {n_ratings:,} ratings, {n_dossiers:,} dossiers, {CENTRES} centres",
        flush=True,
    )
    ok = True
    for backend in args.backends.split(","):
        print(f"{backend}: generating, loading, building rollups…", flush=True)
        r = asyncio.run(run_backend(backend, args.scale))
        print(
            f"{backend}: generated in {r['generate_s']:.1f} s, loaded in {r['load_s']:.1f} s, "
            f"rollups rebuilt in {r['rollup_s']:.1f} s, database {r['size_mb']:.0f} MB"
        )
        print(f"  {'report':<38} {'median ms':>10} {'raw ms':>9} {'speed-up':>9}  figures")
        for res in r["results"]:
            speedup = res["raw_ms"] / res["ms"] if res["ms"] else float("inf")
            met = res["ms"] <= TARGET_MS and speedup >= TARGET_SPEEDUP and res["match"]
            ok &= met
            print(
                f"  {res['label']:<38} {res['ms']:>10.1f} {res['raw_ms']:>9.0f} {speedup:>8.0f}×  "
                f"{'equal' if res['match'] else 'DIFFER'}{'' if met else '  (target missed)'}"
            )
    print(f"targets: median ≤ {TARGET_MS:.0f} ms and ≥ {TARGET_SPEEDUP:.0f}× faster than raw rows, figures equal")
    print("result:", "targets met" if ok else "TARGETS MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
