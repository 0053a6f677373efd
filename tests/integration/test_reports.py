"""Exact figures from constructed data (seeds 001 and 002), exports equal to the JSON, rollups rebuilt
from raw rows equal to the ones kept current, and scope."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook
from sqlalchemy import insert, select, text, update

from survey_api import db
from survey_api.accounts.scope import Scope
from survey_api.caches import AppCaches
from survey_api.dossiers.models import Dossier
from survey_api.org.models import AdminUnit, Centre, Procedure, catalogue_version
from survey_api.ratings.models import Rating
from survey_api.reports.models import ReasonMonth, RollupDay, RollupMonth
from survey_api.reports.query import ReportQuery
from survey_api.reports.rebuild import rebuild
from survey_api.reports.services import ReportService
from survey_api.settings import Settings
from tests.helpers import bearer_for, integration_headers, kiosk_headers, returned_dossier

pytestmark = pytest.mark.anyio
SURVEY_V1 = uuid.UUID("00000000-0000-4000-8000-000000000001")
TZ = "Asia/Ho_Chi_Minh"
# Seed 001 (Cà Mau, first months of 2018), by district: ratings and satisfied.
SEED_001 = {"MC-969": (1082, 1069), "MC-971": (850, 833), "MC-964": (4898, 4794)}


async def centre_id(session: Any, code: str) -> uuid.UUID:
    return await session.scalar(select(Centre.id).where(Centre.code == code))  # type: ignore[no-any-return]


def rating_rows(centre: uuid.UUID, total: int, satisfied: int, day: datetime) -> list[dict[str, Any]]:
    """``satisfied`` ratings at levels 5/4 (alternating), the rest at 3/2/1 (cycling); one per minute."""
    rows = []
    for i in range(total):
        level = (5 if i % 2 else 4) if i < satisfied else (3, 2, 1)[i % 3]
        at = day + timedelta(minutes=i)
        rows.append(
            {
                "id": uuid.uuid4(),
                "survey_id": SURVEY_V1,
                "channel": "kiosk",
                "centre_id": centre,
                "overall": level,
                "answers": {},
                "reasons": ["fast"] if level >= 4 else ["slow"],
                "language": "vi",
                "submitted_at": at,
                "received_at": at,
                "suspected_repeat": False,
                "body_hash": "x",
            }
        )
    return rows


async def load_seed_001(session: Any) -> None:
    start = datetime(2018, 3, 1, 1, 0, tzinfo=UTC)
    for code, (total, satisfied) in SEED_001.items():
        await session.execute(insert(Rating), rating_rows(await centre_id(session, code), total, satisfied, start))
    await rebuild(session, TZ)


@pytest.fixture
async def seeded(demo: None, run_in_session: Any) -> None:
    await run_in_session(load_seed_001)


async def report(client: AsyncTestClient[Any], headers: dict[str, str], **params: Any) -> Any:
    response = await client.get("/api/v1/reports/satisfaction", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_seed_001_districts_to_the_hundredth(
    client: AsyncTestClient[Any], seeded: None, run_in_session: Any
) -> None:
    admin = await bearer_for(run_in_session, "admin")
    body = await report(client, admin, group_by="district", date_from="2018-01-01", date_to="2018-06-30")
    rows = {row["key"][0]: row for row in body["rows"]}
    assert {k: (r["ratings"], r["satisfied"], r["satisfaction_pct"]) for k, r in rows.items()} == {
        "964": (4898, 4794, 97.88),  # the article's 97,87% is the share cut off, not rounded
        "969": (1082, 1069, 98.80),
        "971": (850, 833, 98.00),
    }
    assert rows["969"]["name"] == ["Huyện Cái Nước"]
    assert body["totals"]["ratings"] == 6830
    assert body["method"] == "top2"
    assert body["source"] == "month"


async def test_other_methods_are_offered_and_labelled(
    client: AsyncTestClient[Any], seeded: None, run_in_session: Any
) -> None:
    admin = await bearer_for(run_in_session, "admin")
    body = await report(
        client,
        admin,
        group_by="centre",
        centre="MC-969",
        date_from="2018-03-01",
        date_to="2018-03-31",
        method="not_dissatisfied",
    )
    row = body["rows"][0]
    # The 13 others cycle (3, 2, 1)[i % 3] from index 1069: 2, 1, 3, 2, 1, 3, … → five 2s, four 1s, four 3s.
    assert row["levels"] == {"1": 4, "2": 5, "3": 4, "4": 535, "5": 534}
    assert row["satisfaction_pct"] == 99.17  # (1082 − 9) ÷ 1082 = 99.168…
    assert body["method_label"].startswith("Tỷ lệ không phàn nàn (QĐ 766/QĐ-TTg)")
    mean = await report(
        client, admin, centre="MC-969", group_by="centre", date_from="2018-03-01", date_to="2018-03-31", method="mean"
    )
    assert mean["rows"][0]["satisfaction_pct"] == 4.47
    assert mean["rows"][0]["mean_score"] == 4.47


async def load_seed_002(session: Any) -> None:
    """Seed 002: 24,584 early, 6,551 on time, 1,047 late among 32,182 resolved dossiers."""
    centre = await centre_id(session, "TTPVHCC-96")
    procedure = await session.scalar(select(Procedure.id).where(Procedure.code == "1.004227"))
    due = datetime(2021, 6, 10, 10, 0, tzinfo=UTC)  # 17:00 local on 10 June
    resolved = {"early": due - timedelta(days=3), "on_time": due - timedelta(hours=2), "late": due + timedelta(days=2)}
    rows = []
    for kind, count in (("early", 24584), ("on_time", 6551), ("late", 1047)):
        for i in range(count):
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "code": f"{kind}-{i}",
                    "procedure_id": procedure,
                    "centre_id": centre,
                    "channel": "online" if i % 2 else "counter",
                    "status": "returned",
                    "received_at": due - timedelta(days=15),
                    "due_at": due,
                    "resolved_at": resolved[kind],
                    "returned_at": resolved[kind] + timedelta(hours=1),
                    "paused": [],
                    "event_at": resolved[kind],
                }
            )
    await session.execute(insert(Dossier), rows)
    await rebuild(session, TZ)


async def test_seed_002_timeliness_shares(client: AsyncTestClient[Any], demo: None, run_in_session: Any) -> None:
    await run_in_session(load_seed_002)
    admin = await bearer_for(run_in_session, "admin")
    body = await report(client, admin, group_by="centre", date_from="2021-01-01", date_to="2021-06-30")
    row = body["rows"][0]
    assert (row["dossiers_resolved"], row["early"], row["on_time"], row["late"]) == (32182, 24584, 6551, 1047)
    assert (row["early_pct"], row["on_time_pct"], row["late_pct"]) == (76.39, 20.36, 3.25)
    assert row["returned"] == 32182
    assert row["coverage_pct"] == 0.0
    by_channel = await report(client, admin, group_by="channel", date_from="2021-06-01", date_to="2021-06-30")
    assert {r["key"][0]: r["dossiers_resolved"] for r in by_channel["rows"]} == {"counter": 16092, "online": 16090}


async def test_csv_and_xlsx_hold_the_same_numbers_as_the_json(
    client: AsyncTestClient[Any], seeded: None, run_in_session: Any
) -> None:
    admin = await bearer_for(run_in_session, "admin")
    params = {"group_by": "district,month", "date_from": "2018-01-01", "date_to": "2018-12-31"}
    body = await report(client, admin, **params)
    csv_response = await client.get("/api/v1/reports/satisfaction", params={**params, "format": "csv"}, headers=admin)
    assert csv_response.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert lines[0][:6] == ["Mã huyện", "Huyện", "Mã tháng", "Tháng", "Số lượt đánh giá", "Số lượt hài lòng"]
    assert lines[0][6] == "Tỷ lệ hài lòng (%)"
    xlsx_response = await client.get("/api/v1/reports/satisfaction", params={**params, "format": "xlsx"}, headers=admin)
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[0] == lines[0]
    for json_row, csv_row, xlsx_row in zip(body["rows"], lines[1:], cells[1:], strict=False):
        expected = [json_row["key"][0], json_row["name"][0], json_row["key"][1], json_row["name"][1],
                    json_row["ratings"], json_row["satisfied"], json_row["satisfaction_pct"]]  # fmt: skip
        assert [str(v) for v in expected] == csv_row[:7]
        assert expected == xlsx_row[:7]
    assert lines[1][0] == "964"
    assert lines[1][6] == "97.88"
    assert (lines[-1][1], lines[-1][4]) == ("Tổng cộng", "6830")
    assert len(lines) == len(body["rows"]) + 2


async def test_exports_write_formula_like_names_as_text(
    client: AsyncTestClient[Any], seeded: None, run_in_session: Any
) -> None:
    """A centre named like a formula is text in both downloads: a string cell in the XLSX (never a formula) and
    behind a ``'`` in the CSV; the counts beside it stay numbers."""
    evil = '=HYPERLINK("http://evil.example/","x")'

    async def rename(session: Any) -> None:
        await session.execute(update(Centre).where(Centre.code == "MC-969").values(name=evil))
        await session.execute(update(Centre).where(Centre.code == "MC-971").values(name="@SUM(1+1)"))

    await run_in_session(rename)
    admin = await bearer_for(run_in_session, "admin")
    params = {"group_by": "centre", "date_from": "2018-01-01", "date_to": "2018-12-31"}
    csv_response = await client.get("/api/v1/reports/satisfaction", params={**params, "format": "csv"}, headers=admin)
    lines = {line[0]: line for line in csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig")))}
    assert lines["MC-969"][1:3] == ["'" + evil, "1082"]
    assert lines["MC-971"][1:3] == ["'@SUM(1+1)", "850"]
    assert lines["MC-964"][1][0] not in "'=@"  # an ordinary name is left as it is

    xlsx_response = await client.get("/api/v1/reports/satisfaction", params={**params, "format": "xlsx"}, headers=admin)
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    name, ratings = rows["MC-969"][1], rows["MC-969"][2]
    assert (name.value, name.data_type) == (evil, "s")
    assert (rows["MC-971"][1].value, rows["MC-971"][1].data_type) == ("@SUM(1+1)", "s")
    assert (ratings.value, ratings.data_type) == (1082, "n")


async def test_rollups_kept_current_equal_a_rebuild_from_raw_rows(
    client: AsyncTestClient[Any], demo: None, run_in_session: Any, settings: Settings
) -> None:
    onestop = await integration_headers(run_in_session)
    kiosk = await kiosk_headers(run_in_session)
    for i in range(6):
        code = f"H12-{i}"
        late = (
            {"resolved_at": "2026-06-17T10:00:00+07:00", "returned_at": "2026-06-17T15:00:00+07:00"}
            if i % 3 == 0
            else {}
        )
        pushed = await client.post("/api/v1/dossiers", json=returned_dossier(code, **late), headers=onestop)
        token = pushed.json()["rating_url"].rsplit("/", 1)[1]
        await client.post(
            "/api/v1/ratings",
            json={
                "id": str(uuid.uuid4()),
                "token": token,
                "overall": 1 + i % 5,
                "reasons": ["slow"] if i % 2 else [],
                "submitted_at": "2026-06-20T09:00:00+07:00",
            },
        )
    # A correction: dossier H12-1 was in fact resolved late (a newer event).
    fix = returned_dossier("H12-1", resolved_at="2026-06-18T10:00:00+07:00", returned_at="2026-06-18T11:00:00+07:00")
    await client.post("/api/v1/dossiers", json={**fix, "event_at": "2026-06-19T08:00:00+07:00"}, headers=onestop)
    # Dossiers still in hand: plain, paused and resumed, waiting since before or after the due date, and one
    # in hand that is resolved later.
    await push_in_hand(client, onestop)
    done = returned_dossier("OPEN-9", resolved_at="2026-06-20T10:00:00+07:00", returned_at="2026-06-20T11:00:00+07:00")
    await client.post("/api/v1/dossiers", json={**done, "event_at": "2026-06-20T12:00:00+07:00"}, headers=onestop)
    t0 = datetime(2026, 6, 20, 2, 0, tzinfo=UTC)
    for i in range(4):
        at = t0 + timedelta(seconds=2 * i)  # the 2nd, 3rd and 4th are too fast: not counted
        await client.post(
            "/api/v1/ratings",
            json={"id": str(uuid.uuid4()), "overall": 5, "submitted_at": at.isoformat()},
            headers=kiosk,
        )

    snapshot = rollup_snapshot
    kept = await run_in_session(snapshot)
    await run_in_session(lambda s: rebuild(s, TZ))
    rebuilt = await run_in_session(snapshot)
    for name in kept:
        extra, missing = set(kept[name]) - set(rebuilt[name]), set(rebuilt[name]) - set(kept[name])
        assert (name, sorted(extra)[:3], sorted(missing)[:3]) == (name, [], [])
    assert kept == rebuilt
    # Rebuilding only June gives the same rows again (reasons included).
    await run_in_session(lambda s: rebuild(s, TZ, date(2026, 6, 1), date(2026, 6, 30)))
    assert await run_in_session(snapshot) == kept
    # (month, centre, dim, key, reason, count): reasons for the centre and by the rating's agency and procedure.
    assert {row[2] for row in kept["rollup_reason_month"] if row[4] == "slow"} == {
        "centre",
        "agency",
        "procedure",
        "channel",
    }
    # Upgrading from the reasons counted per centre only counts them by agency, procedure and channel, as above.
    await asyncio.to_thread(command.downgrade, db.alembic_config(settings.database_url), "0011")
    assert await run_in_session(lambda s: s.scalar(text("SELECT count(*) FROM rollup_reason_month"))) == len(
        [row for row in kept["rollup_reason_month"] if row[2] == "centre"]
    )
    await asyncio.to_thread(db.upgrade, settings.database_url)
    assert await run_in_session(snapshot) == kept
    admin = await bearer_for(run_in_session, "admin")
    body = await report(client, admin, group_by="channel", date_from="2026-06-01", date_to="2026-06-30")
    counts = {r["key"][0]: r["ratings"] for r in body["rows"] if r["ratings"]}
    assert counts == {"qr": 6, "kiosk": 1}
    totals = body["totals"]
    assert (totals["early"], totals["late"], totals["returned"], totals["rated_dossiers"]) == (3, 4, 7, 6)
    assert totals["coverage_pct"] == 85.71
    assert totals["overdue_open"] == 3  # OPEN-1, OPEN-2 and OPEN-5 (OPEN-3 waits; OPEN-4 is due in July)


IN_HAND = {"status": "in_progress", "resolved_at": None, "returned_at": None}


async def push_in_hand(client: AsyncTestClient[Any], headers: dict[str, str]) -> None:
    """Open dossiers due in June 2026: plain; paused ten days (deadline 25 June); waiting since before the due
    date (never overdue while it waits) and since after it (overdue); and one due in July."""
    dossiers = [
        ("OPEN-1", {}),
        ("OPEN-2", {"paused": [{"start": "2026-06-02T08:00:00+07:00", "end": "2026-06-12T08:00:00+07:00"}]}),
        ("OPEN-3", {"status": "paused", "paused": [{"start": "2026-06-10T08:00:00+07:00"}]}),
        ("OPEN-5", {"status": "paused", "paused": [{"start": "2026-06-20T08:00:00+07:00"}]}),
        ("OPEN-4", {"due_at": "2026-07-03T17:00:00+07:00"}),
        ("OPEN-9", {}),
    ]
    for code, changes in dossiers:
        body = returned_dossier(code, **{**IN_HAND, **changes})
        response = await client.post("/api/v1/dossiers", json=body, headers=headers)
        assert response.status_code in (200, 201), response.text


async def rollup_snapshot(session: Any) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for model in (RollupDay, RollupMonth, ReasonMonth):
        rows = (await session.execute(select(model.__table__))).all()
        out[model.__tablename__] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


async def test_upgrading_counts_the_dossiers_already_in_hand(
    client: AsyncTestClient[Any], demo: None, run_in_session: Any, settings: Settings
) -> None:
    await push_in_hand(client, await integration_headers(run_in_session))
    kept = await run_in_session(rollup_snapshot)
    assert any(row[-1] != "0" for row in kept["rollup_day"])  # open_due is the last counter
    await asyncio.to_thread(command.downgrade, db.alembic_config(settings.database_url), "0006")
    await asyncio.to_thread(db.upgrade, settings.database_url)
    assert await run_in_session(rollup_snapshot) == kept


async def test_overdue_counts_this_month_and_today_against_the_clock(
    client: AsyncTestClient[Any], demo: None, run_in_session: Any, settings: Settings
) -> None:
    onestop = await integration_headers(run_in_session)
    one_day = [{"start": "2026-06-01T08:00:00+07:00", "end": "2026-06-02T08:00:00+07:00"}]
    dossiers = {
        "F": {"due_at": "2026-05-20T17:00:00+07:00"},  # last month
        "A": {"due_at": "2026-06-10T17:00:00+07:00"},  # earlier this month
        "B": {"due_at": "2026-06-20T08:00:00+07:00"},  # today, before the clock
        "C": {"due_at": "2026-06-20T12:00:00+07:00"},  # today, after it
        "D": {"due_at": "2026-06-19T09:00:00+07:00", "paused": one_day},  # moved to today 09:00: before
        "E": {"due_at": "2026-06-19T11:00:00+07:00", "paused": one_day},  # moved to today 11:00: after
        "G": {"due_at": "2026-06-25T17:00:00+07:00"},  # later this month
    }
    for code, changes in dossiers.items():
        body = returned_dossier(f"CLOCK-{code}", **{**IN_HAND, "received_at": "2026-05-01T08:00:00+07:00", **changes})
        assert (await client.post("/api/v1/dossiers", json=body, headers=onestop)).status_code in (200, 201)
    as_of = datetime(2026, 6, 20, 10, 0, tzinfo=ZoneInfo(TZ))

    async def overdue(first: date, last: date, dim: str) -> list[tuple[str, int]]:
        async def run(session: Any) -> Any:
            query = ReportQuery(first, last, (dim,), as_of=as_of)
            return await ReportService(session, settings, Scope(role="admin"), AppCaches()).satisfaction(query)

        report = await run_in_session(run)
        return [(row.key[0], row.overdue_open) for row in report.rows if row.overdue_open]

    assert await overdue(date(2026, 5, 1), date(2026, 6, 30), "month") == [("2026-05", 1), ("2026-06", 3)]  # F; A B D
    assert await overdue(date(2026, 6, 5), date(2026, 6, 24), "day") == [("2026-06-10", 1), ("2026-06-20", 2)]
    assert await overdue(date(2026, 6, 1), date(2026, 6, 30), "staff") == [("CB-001", 3)]


async def test_small_groups_show_counts_not_percentages(
    client: AsyncTestClient[Any], demo: None, run_in_session: Any
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    t0 = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
    for i in range(9):
        at = (t0 + timedelta(minutes=i)).isoformat()
        body = {"id": str(uuid.uuid4()), "overall": 5, "submitted_at": at, "staff_code": "CB-001"}
        await client.post("/api/v1/ratings", json=body, headers=kiosk)
    director = await bearer_for(run_in_session, "giamdoc")
    body = await report(client, director, group_by="staff", date_from="2026-05-01", date_to="2026-05-31")
    row = body["rows"][0]
    assert (row["key"], row["ratings"], row["satisfied"], row["satisfaction_pct"], row["small_group"]) == (
        ["CB-001"],
        9,
        9,
        None,
        True,
    )
    assert row["note"] == "Chưa đủ số lượt đánh giá (dưới 10) để tính tỷ lệ"
    by_centre = await report(client, director, group_by="centre", date_from="2026-05-01", date_to="2026-05-31")
    assert by_centre["rows"][0]["satisfaction_pct"] == 100.0


async def test_reports_honour_scope(client: AsyncTestClient[Any], seeded: None, run_in_session: Any) -> None:
    viewer = await bearer_for(run_in_session, "xem")  # unit 969, Huyện Cái Nước
    body = await report(client, viewer, group_by="centre", date_from="2018-01-01", date_to="2018-12-31")
    assert [r["key"][0] for r in body["rows"]] == ["MC-969"]
    assert body["totals"]["ratings"] == 1082
    refused = await client.get(
        "/api/v1/reports/satisfaction",
        params={"centre": "MC-964", "date_from": "2018-01-01", "date_to": "2018-12-31"},
        headers=viewer,
    )
    assert refused.status_code == 404
    staff = await bearer_for(run_in_session, "canbo")
    assert (await client.get("/api/v1/reports/satisfaction", headers=staff)).status_code == 403
    assert (await client.get("/api/v1/reports/satisfaction")).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "centre,month,staff"}, "group_by"),
        ({"group_by": "planet"}, "group_by"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "2026-06-02", "date_to": "2026-06-01"}, "date_to"),
        ({"procedure": "9.999"}, "procedure"),
        ({"method": "vibes"}, "method"),
        ({"format": "pdf"}, "format"),
    ],
)
async def test_bad_report_parameters_name_the_field(
    client: AsyncTestClient[Any], demo: None, run_in_session: Any, params: dict[str, str], field: str
) -> None:
    admin = await bearer_for(run_in_session, "admin")
    response = await client.get("/api/v1/reports/satisfaction", params=params, headers=admin)
    assert 400 <= response.status_code < 500
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_day_and_week_views_read_the_daily_rollup(
    client: AsyncTestClient[Any], seeded: None, run_in_session: Any
) -> None:
    admin = await bearer_for(run_in_session, "admin")
    body = await report(client, admin, group_by="week", centre="MC-969", date_from="2018-03-01", date_to="2018-03-31")
    assert body["source"] == "day"
    # 1,082 ratings one a minute from 08:00 local on 1 March 2018 (a Thursday, ISO week 9).
    assert [(r["key"][0], r["ratings"]) for r in body["rows"]] == [("2018-W09", 1082)]
    assert body["rows"][0]["name"] == ["Tuần 9/2018"]
    day = await report(client, admin, group_by="day", centre="MC-969", date_from="2018-03-01", date_to="2018-03-02")
    assert [(r["key"][0], r["ratings"]) for r in day["rows"]] == [("2018-03-01", 960), ("2018-03-02", 122)]


async def test_open_dossiers_past_due_are_counted_by_their_deadline(
    client: AsyncTestClient[Any], demo: None, run_in_session: Any
) -> None:
    onestop = await integration_headers(run_in_session)
    past = {"status": "in_progress", "resolved_at": None, "returned_at": None}
    # Due 15 June 2026: overdue now. Paused for ten days that ended: still overdue (deadline 25 June).
    await client.post("/api/v1/dossiers", json=returned_dossier("OPEN-1", **past), headers=onestop)
    paused = [{"start": "2026-06-02T08:00:00+07:00", "end": "2026-06-12T08:00:00+07:00"}]
    await client.post("/api/v1/dossiers", json=returned_dossier("OPEN-2", **past, paused=paused), headers=onestop)
    # Still waiting for the citizen's supplements: the clock is stopped, not overdue.
    waiting = [{"start": "2026-06-10T08:00:00+07:00"}]
    await client.post(
        "/api/v1/dossiers",
        json=returned_dossier("OPEN-3", **{**past, "status": "paused"}, paused=waiting),
        headers=onestop,
    )
    # Due in July: counted in July, not June.
    await client.post(
        "/api/v1/dossiers", json=returned_dossier("OPEN-4", **past, due_at="2026-07-03T17:00:00+07:00"), headers=onestop
    )
    admin = await bearer_for(run_in_session, "admin")
    june = await report(client, admin, group_by="centre,month", date_from="2026-06-01", date_to="2026-07-31")
    assert [(r["key"], r["overdue_open"]) for r in june["rows"]] == [
        (["TTPVHCC-96", "2026-06"], 2),
        (["TTPVHCC-96", "2026-07"], 1),
    ]
    by_staff = await report(client, admin, group_by="staff", date_from="2026-06-01", date_to="2026-06-30")
    assert [(r["key"], r["overdue_open"]) for r in by_staff["rows"]] == [(["CB-001"], 2)]


def complaint_to(centre_code: str, sent: datetime) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "centre_code": centre_code,
        "category": "rude",
        "text": "Cán bộ nói năng thiếu tôn trọng khi tôi hỏi về hồ sơ.",
        "language": "vi",
        "submitted_at": sent.isoformat(),
    }


async def test_complaints_count_in_the_month_they_were_sent(
    client: AsyncTestClient[Any], seeded: None, run_in_session: Any
) -> None:
    local = ZoneInfo(TZ)
    sent = [
        ("MC-969", datetime(2018, 2, 28, 23, 30, tzinfo=local)),  # February, though 1 March already in UTC+0
        ("MC-969", datetime(2018, 3, 15, 9, 0, tzinfo=local)),
        ("MC-969", datetime(2018, 3, 31, 20, 0, tzinfo=local)),
        ("MC-971", datetime(2018, 3, 1, 0, 30, tzinfo=local)),  # March, though still 28 February in UTC+0
    ]
    for centre, at in sent:
        filed = await client.post("/api/v1/complaints", json=complaint_to(centre, at))
        assert filed.status_code == 201, filed.text
    admin = await bearer_for(run_in_session, "admin")
    march = await report(client, admin, group_by="centre", date_from="2018-03-01", date_to="2018-03-31")
    figures = {row["key"][0]: (row["ratings"], row["complaints"]) for row in march["rows"]}
    assert figures == {"MC-964": (4898, 0), "MC-969": (1082, 2), "MC-971": (850, 1)}
    february = await report(client, admin, group_by="centre", date_from="2018-02-01", date_to="2018-02-28")
    assert [(row["key"][0], row["ratings"], row["complaints"]) for row in february["rows"]] == [("MC-969", 0, 1)]
    april = await report(client, admin, group_by="centre", date_from="2018-04-01", date_to="2018-04-30")
    assert (april["rows"], april["totals"]["complaints"]) == ([], 0)


async def test_reports_name_places_and_staff_as_the_catalogue_says_now(
    client: AsyncTestClient[Any], seeded: None, run_in_session: Any
) -> None:
    """Names come from a copy of the catalogue kept by the process; a change made anywhere (here straight in the
    database, as another process or a script would) shows in the very next report."""
    admin = await bearer_for(run_in_session, "admin")
    year = {"date_from": "2018-01-01", "date_to": "2018-12-31"}
    before = await report(client, admin, group_by="district", **year)
    assert {row["key"][0]: row["name"][0] for row in before["rows"]}["969"] == "Huyện Cái Nước"

    async def rename(session: Any) -> None:
        await session.execute(update(AdminUnit).where(AdminUnit.code == "969").values(name="Huyện Cái Nước mới"))
        await session.execute(update(Centre).where(Centre.code == "MC-971").values(code="MC-971B"))

    await run_in_session(rename)
    after = await report(client, admin, group_by="district", **year)
    assert {row["key"][0]: row["name"][0] for row in after["rows"]}["969"] == "Huyện Cái Nước mới"
    assert [r["ratings"] for r in after["rows"]] == [r["ratings"] for r in before["rows"]]
    renamed = await report(client, admin, group_by="centre", centre="MC-971B", **year)
    assert [(row["key"][0], row["ratings"]) for row in renamed["rows"]] == [("MC-971B", 850)]
    gone = await client.get("/api/v1/reports/satisfaction", params={"centre": "MC-971", **year}, headers=admin)
    assert gone.status_code == 404


async def test_two_catalogue_writers_wait_in_turn_and_both_count(settings: Settings, demo: None) -> None:
    """Each catalogue write changes the one version row: two transactions changing centres at once wait for each
    other in one order (never deadlock), and every write counts."""
    config = db.alchemy_config(settings)
    version = select(catalogue_version.c.n)
    try:
        async with config.get_session() as one, config.get_session() as two:
            before = await one.scalar(version)
            await one.execute(update(Centre).where(Centre.code == "MC-964").values(name="Bộ phận Một cửa A"))

            async def second_writer() -> None:
                await two.execute(update(Centre).where(Centre.code == "MC-969").values(name="Bộ phận Một cửa B"))
                await two.commit()

            second = asyncio.create_task(second_writer())
            await asyncio.sleep(0.3)  # the second writer is now waiting for the first
            assert not second.done()
            await one.execute(update(Centre).where(Centre.code == "MC-969").values(name="Bộ phận Một cửa A2"))
            await one.commit()
            await asyncio.wait_for(second, timeout=10)
        async with config.get_session() as check:
            names = {row.code: row.name for row in await check.execute(select(Centre.code, Centre.name))}
            assert (names["MC-964"], names["MC-969"]) == ("Bộ phận Một cửa A", "Bộ phận Một cửa B")
            assert await check.scalar(version) == before + 3
    finally:
        await config.get_engine().dispose()
