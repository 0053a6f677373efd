"""Figures no one can game: a due date moved after it passed, a resolution moved back, dates ticked in the software
long after they happened, ratings dated before their dossier was returned or outside the window believed. Each is
counted by the rule (the first due date, the latest resolution, the time of receipt) and stored as a finding that
the integrity report lists, within the reader's scope."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from survey_api.app import create_app
from survey_api.integrity.models import Finding
from survey_api.settings import Settings
from tests.helpers import bearer_for, integration_headers, kiosk_headers, login, returned_dossier

pytestmark = pytest.mark.anyio
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
KEY = "Hệ thống một cửa điện tử tỉnh"


@pytest.fixture
def app(settings: Settings) -> Litestar:
    """Dates recorded a year after they happened are still "as it happens" here: these tests are about the dates'
    rules, not about how late they were entered (``test_dates_ticked_long_after_they_happened`` is)."""
    return create_app(msgspec.structs.replace(settings, integrity_record_lag_hours=24 * 366))


def at(days: float, now: datetime | None = None) -> str:
    """A moment ``days`` from now (negative: before), as the one-stop system writes it."""
    return ((now or datetime.now(UTC)) + timedelta(days=days)).astimezone(ZONE).isoformat()


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def findings(run_in_session: Any) -> list[tuple[str, str | None, dict[str, Any]]]:
    rows = await run_in_session(lambda s: s.scalars(select(Finding).order_by(Finding.found_at, Finding.kind)))
    return [(f.kind, f.recorded_by, f.detail) for f in rows]


async def push(client: AsyncTestClient[Any], headers: dict[str, str], code: str, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/dossiers", json=returned_dossier(code, **body), headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_due_date_moved_after_it_passed_leaves_a_late_dossier_late(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    onestop = await integration_headers(run_in_session)
    now = datetime.now(UTC)
    first = {"received_at": at(-10, now), "due_at": at(-3, now)}
    await push(client, onestop, "D-1", status="in_progress", resolved_at=None, returned_at=None, **first,
               event_at=at(-10, now))  # fmt: skip
    late = await push(client, onestop, "D-1", status="resolved", resolved_at=at(-1, now), returned_at=None, **first)
    assert late["timeliness"] == "late"
    assert await findings(run_in_session) == []
    moved = {**first, "due_at": at(5, now)}
    answer = await push(client, onestop, "D-1", status="resolved", resolved_at=at(-1, now), returned_at=None,
                        **moved, event_at=at(-0.5, now))  # fmt: skip
    assert (answer["timeliness"], moment(answer["due_at"])) == ("late", moment(late["due_at"]))
    found = await findings(run_in_session)
    assert [(kind, by) for kind, by, _ in found] == [("due_moved", KEY), ("late_to_on_time", KEY)]
    assert found[0][2]["counted"] == found[0][2]["from"] != found[0][2]["to"]
    assert found[1][2] == {"from": "late", "to": "early", "counted": "late"}
    admin = await bearer_for(run_in_session, "admin")
    day = (now - timedelta(days=1)).astimezone(ZONE).date().isoformat()
    totals = (
        await client.get("/api/v1/reports/satisfaction", params={"date_from": day, "date_to": day}, headers=admin)
    ).json()["totals"]
    assert (totals["early"], totals["on_time"], totals["late"]) == (0, 0, 1)


async def test_one_extension_before_the_due_date_is_believed_a_second_is_not(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    onestop = await integration_headers(run_in_session)
    now = datetime.now(UTC)
    in_hand = {"status": "in_progress", "resolved_at": None, "returned_at": None, "received_at": at(-1, now)}
    await push(client, onestop, "D-2", **in_hand, due_at=at(2, now), event_at=at(-1, now))
    extended = await push(client, onestop, "D-2", **in_hand, due_at=at(6, now), event_at=at(-0.5, now))
    assert moment(extended["due_at"]) == now + timedelta(days=6)
    assert await findings(run_in_session) == []
    again = await push(client, onestop, "D-2", **in_hand, due_at=at(9, now), event_at=at(-0.2, now))
    assert moment(again["due_at"]) == now + timedelta(days=6)
    assert [kind for kind, _, _ in await findings(run_in_session)] == ["due_moved"]


async def test_a_resolution_moved_back_is_not_believed(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    onestop = await integration_headers(run_in_session)
    now = datetime.now(UTC)
    dates = {"received_at": at(-12, now), "due_at": at(-4, now), "returned_at": None, "status": "resolved"}
    first = await push(client, onestop, "D-3", **dates, resolved_at=at(-2, now), event_at=at(-2, now))
    earlier = await push(client, onestop, "D-3", **dates, resolved_at=at(-5, now), event_at=at(-1, now))
    assert (moment(earlier["resolved_at"]), earlier["timeliness"]) == (moment(first["resolved_at"]), "late")
    later = await push(client, onestop, "D-3", **dates, resolved_at=at(-1.5, now), event_at=at(-0.5, now))
    assert moment(later["resolved_at"]) == now - timedelta(
        days=1.5
    )  # moved later it is believed: the verdict gets no better
    assert [kind for kind, _, _ in await findings(run_in_session)] == [
        "late_to_on_time",
        "resolved_moved",
        "resolved_moved",
    ]


async def test_dates_ticked_long_after_they_happened(demo: None, settings: Settings, run_in_session: Any) -> None:
    now = datetime.now(UTC)
    async with AsyncTestClient(app=create_app(settings)) as client:  # the default lag: 24 hours
        onestop = await integration_headers(run_in_session)
        # Handled off the system, entered three days later with its result already back.
        await push(client, onestop, "D-4", received_at=at(-3, now), due_at=at(5, now), resolved_at=at(-2, now),
                   returned_at=at(-2, now))  # fmt: skip
        # Recorded as it happens: received an hour ago, resolved and returned now.
        base = {"received_at": at(-1 / 24, now), "due_at": at(5, now)}
        await push(client, onestop, "D-5", **base, status="received", resolved_at=None, returned_at=None)
        await push(client, onestop, "D-5", **base, status="returned", resolved_at=at(0, now), returned_at=at(0, now))
    found = await findings(run_in_session)
    assert sorted((kind, detail.get("field"), by) for kind, by, detail in found) == [
        ("entered_late", "received_at", KEY),
        ("ticked_late", "resolved_at", KEY),
        ("ticked_late", "returned_at", KEY),
    ]


async def test_a_phone_rating_dated_before_its_dossier_was_returned_counts_when_it_came(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    onestop = await integration_headers(run_in_session)
    pushed = await push(client, onestop, "D-6")  # returned 13 June 2026, 09:00
    token = pushed["rating_url"].rsplit("/", 1)[1]
    body = {"id": str(uuid.uuid4()), "token": token, "overall": 5, "submitted_at": "2026-06-10T09:00:00+07:00"}
    answer = await client.post("/api/v1/ratings", json=body)
    assert answer.status_code == 201, answer.text
    rating = answer.json()
    assert rating["claimed_at"] == "2026-06-10T02:00:00Z"
    assert rating["submitted_at"] == rating["received_at"]
    admin = await bearer_for(run_in_session, "admin")
    june = await client.get(
        "/api/v1/reports/satisfaction", params={"date_from": "2026-06-01", "date_to": "2026-06-30"}, headers=admin
    )
    assert june.json()["totals"]["ratings"] == 0
    kinds = [kind for kind, _, _ in await findings(run_in_session)]
    assert kinds == ["rated_before_return"]


async def test_a_back_dated_kiosk_rating_is_counted_when_received(
    demo: None, settings: Settings, run_in_session: Any
) -> None:
    async with AsyncTestClient(app=create_app(msgspec.structs.replace(settings, offline_max_days=7))) as client:
        kiosk = await kiosk_headers(run_in_session)
        claim = datetime.now(UTC) - timedelta(days=30)
        tap = {"id": str(uuid.uuid4()), "overall": 5, "submitted_at": claim.isoformat()}
        assert (await client.post("/api/v1/ratings", json=tap, headers=kiosk)).status_code == 201
        fresh = {"id": str(uuid.uuid4()), "overall": 4, "submitted_at": datetime.now(UTC).isoformat()}
        assert (await client.post("/api/v1/ratings", json=fresh, headers=kiosk)).status_code == 201
    rows = await run_in_session(lambda s: s.scalars(select(Finding)))
    assert [(f.kind, str(f.rating_id), f.kiosk_id is not None) for f in rows] == [("backdated_rating", tap["id"], True)]


async def test_the_integrity_report_scores_centres_and_lists_findings_in_scope(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    onestop = await integration_headers(run_in_session)
    pushed = await push(client, onestop, "D-7")
    token = pushed["rating_url"].rsplit("/", 1)[1]
    early = {"id": str(uuid.uuid4()), "token": token, "overall": 5, "submitted_at": "2026-06-01T09:00:00+07:00"}
    assert (await client.post("/api/v1/ratings", json=early)).status_code == 201
    # A correction moving the resolution back to the day of reception (the dossier was early already).
    await push(client, onestop, "D-7", resolved_at="2026-06-01T10:00:00+07:00", event_at="2026-06-14T08:00:00+07:00")
    admin = await bearer_for(run_in_session, "admin")
    today = datetime.now(ZONE).date()
    params = {"date_from": "2026-06-01", "date_to": today.isoformat()}
    report = (await client.get("/api/v1/reports/integrity", params=params, headers=admin)).json()
    centre = next(c for c in report["centres"] if c["centre_code"] == "TTPVHCC-96")
    assert (centre["flagged"], centre["dossiers_with_dates_changed"], centre["changed_by"]) == (2, 1, {KEY: 1})
    assert centre["reasons"] == [
        {"kind": "rated_before_return", "name": "Đánh giá ghi thời điểm trước khi trả kết quả", "count": 1},
        {"kind": "resolved_moved", "name": "Thời điểm giải quyết bị sửa", "count": 1},
    ]
    records = centre["records"]  # the demo's ratings and dossiers of the period, and D-7 and its rating
    assert centre["score"] == round(100 * (1 - 2 / records), 1)
    assert report["total"] == 2
    assert [(f["kind"], f["dossier_code"], f["centre_code"], f["day"]) for f in report["findings"]] == [
        ("rated_before_return", "D-7", "TTPVHCC-96", today.isoformat()),
        ("resolved_moved", "D-7", "TTPVHCC-96", "2026-06-12"),
    ]
    narrowed = await client.get("/api/v1/reports/integrity", params={**params, "kind": "resolved_moved", "limit": 1},
                                headers=admin)  # fmt: skip
    assert [f["kind"] for f in narrowed.json()["findings"]] == ["resolved_moved"]
    export = await client.get("/api/v1/reports/integrity", params={**params, "format": "csv"}, headers=admin)
    lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["Ngày", "Loại dấu hiệu", "Mã trung tâm"]
    assert lines[2][:3] == ["12/06/2026", "Thời điểm giải quyết bị sửa", "TTPVHCC-96"]
    # A district's viewer sees its own centres only: none of these findings.
    district = await bearer_for(run_in_session, "xem")
    theirs = (await client.get("/api/v1/reports/integrity", params=params, headers=district)).json()
    assert (theirs["total"], [c["flagged"] for c in theirs["centres"]]) == (0, [0] * len(theirs["centres"]))
    outside = await client.get("/api/v1/reports/integrity", params={**params, "centre": "TTPVHCC-96"}, headers=district)
    assert (outside.status_code, outside.json()["errors"][0]["field"]) == (404, "centre")


@pytest.mark.parametrize(
    ("params", "field"),
    [({"kind": "lazy"}, "kind"),
     ({"kind": "no_low_ratings"}, "kind"),  # a test of the period's figures, not a stored finding
     ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"offset": "-1"}, "offset"),
     ({"offset": str(10**20)}, "offset"),
     ({"date_from": "2026-07-01", "date_to": "2026-06-01"}, "date_to")],
)  # fmt: skip
async def test_the_integrity_report_names_a_bad_parameter(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, params: dict[str, str], field: str
) -> None:
    admin = await bearer_for(run_in_session, "admin")
    answer = await client.get("/api/v1/reports/integrity", params=params, headers=admin)
    assert (answer.status_code, answer.json()["errors"][0]["field"]) == (422, field)


async def test_a_dossier_and_its_ratings_recorded_as_they_happen_give_no_finding(
    demo: None, settings: Settings, run_in_session: Any
) -> None:
    now = datetime.now(UTC)
    async with AsyncTestClient(app=create_app(msgspec.structs.replace(settings, offline_max_days=7))) as client:
        onestop = await integration_headers(run_in_session)
        kiosk = await kiosk_headers(run_in_session)
        base = {"received_at": at(-0.5, now), "due_at": at(3, now), "resolved_at": None, "returned_at": None}
        await push(client, onestop, "D-8", **base, status="received", event_at=at(-0.5, now))
        paused = [{"start": at(-0.4, now), "end": at(-0.3, now)}]
        await push(client, onestop, "D-8", **base, status="paused", paused=paused[:1], event_at=at(-0.3, now))
        done = {**base, "resolved_at": at(-0.1, now), "paused": paused}
        await push(client, onestop, "D-8", **done, status="resolved", event_at=at(-0.1, now))
        returned = await push(client, onestop, "D-8", **{**done, "returned_at": at(-0.05, now)})
        assert returned["timeliness"] == "early"
        token = returned["rating_url"].rsplit("/", 1)[1]
        phone = {"id": str(uuid.uuid4()), "token": token, "overall": 4, "submitted_at": at(-0.01, now)}
        assert (await client.post("/api/v1/ratings", json=phone)).status_code == 201
        tap = {"id": str(uuid.uuid4()), "overall": 5, "submitted_at": at(-2, now)}  # a kiosk offline two days
        assert (await client.post("/api/v1/ratings", json=tap, headers=kiosk)).status_code == 201
        admin = await bearer_for(run_in_session, "admin")
        day = (now - timedelta(days=3)).astimezone(ZONE).date().isoformat()
        params = {"date_from": day, "date_to": (now + timedelta(days=1)).astimezone(ZONE).date().isoformat()}
        report = (await client.get("/api/v1/reports/integrity", params=params, headers=admin)).json()
    assert await findings(run_in_session) == []
    assert report["total"] == 0
    assert [(c["centre_code"], c["score"], c["records"], c["flagged"]) for c in report["centres"]] == [
        ("TTPVHCC-96", 100.0, 3, 0)
    ]


async def plant_a_moved_resolution(client: AsyncTestClient[Any], run_in_session: Any) -> None:
    """D-9, returned in June 2026, then an event moving its resolution back a week (not believed)."""
    onestop = await integration_headers(run_in_session)
    await push(client, onestop, "D-9")
    await push(client, onestop, "D-9", resolved_at="2026-06-05T10:00:00+07:00", event_at="2026-06-14T08:00:00+07:00")


async def test_the_integrity_page_ranks_centres_and_links_each_finding_to_its_dossiers_history(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    await plant_a_moved_resolution(client, run_in_session)
    await login(client, "giamdoc")
    page = await client.get("/dashboard/integrity", params={"date_from": "2026-06-01", "date_to": "2026-06-30"})
    assert page.status_code == 200
    html = page.text
    assert '<html lang="vi">' in html
    assert "Liêm chính số liệu" in html
    row = html[html.index('data-centre="TTPVHCC-96"') :]
    row = row[: row.index("</tr>")]
    # one dossier with a finding among the month's records: D-9 resolved (the demo's catalogue has no activity)
    assert '<td class="num" data-figure="score">0,0</td>' in row
    assert "Thời điểm giải quyết bị sửa (1)" in row
    assert KEY in row
    assert 'href="/dashboard/integrity/dossiers/D-9"' in html
    assert 'id="fig-findings"' in html
    history = await client.get("/dashboard/integrity/dossiers/D-9")
    assert history.status_code == 200
    timeline = history.text[history.text.index('id="timeline"') :]
    assert timeline.count("<tr>") == 4  # the heading, two events, the dates judged by
    assert "05/06/2026 10:00" in timeline  # what the second event claimed
    assert "12/06/2026 10:00" in timeline[timeline.index("<tfoot>") :]  # the resolution judged by
    assert "Trước hạn" in timeline[timeline.index("<tfoot>") :]


async def test_the_integrity_pages_keep_to_the_readers_scope(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    await plant_a_moved_resolution(client, run_in_session)
    await login(client, "xem")  # a district's viewer: the province centre is not theirs
    assert (await client.get("/dashboard/integrity/dossiers/D-9")).status_code == 404
    page = await client.get("/dashboard/integrity", params={"date_from": "2026-06-01", "date_to": "2026-06-30"})
    assert page.status_code == 200
    assert "D-9" not in page.text
    english = await client.get("/dashboard/integrity", params={"lang": "en"})
    assert "Data integrity" in english.text


async def test_staff_are_shown_their_own_page_not_the_integrity_page(demo: None, client: AsyncTestClient[Any]) -> None:
    await login(client, "canbo")
    page = await client.get("/dashboard/integrity")
    assert page.status_code == 200
    assert "Liêm chính số liệu" not in page.text


async def test_a_centre_rated_all_top_with_not_one_low_ballot_stands_out_from_its_province(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    from survey_api.demo import load_demo_activity

    await run_in_session(load_demo_activity)  # six months of ordinary centres
    kiosk = await kiosk_headers(run_in_session, "MC-32251", "MC32251-Q01")
    start = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)
    for i in range(300):  # a small commune's kiosk pressed 300 times "rất hài lòng" in June, ten seconds apart
        tap = {"id": str(uuid.uuid4()), "overall": 5, "submitted_at": (start + timedelta(seconds=10 * i)).isoformat()}
        assert (await client.post("/api/v1/ratings", json=tap, headers=kiosk)).status_code == 201
    province = await bearer_for(run_in_session, "tinh")
    june = {"date_from": "2026-06-01", "date_to": "2026-06-30"}
    report = (await client.get("/api/v1/reports/integrity", params=june, headers=province)).json()
    flagged = {c["centre_code"]: [s["kind"] for s in c["statistics"]] for c in report["centres"] if c["statistics"]}
    # The top share stands out. Not one low ballot among ~300 does not, in a province where fewer than 1 rating in 100
    # is low: that happens by chance (test_integrity_statistics has a province where it cannot).
    assert flagged == {"MC-32251": ["improbable_top_share"]}
    commune = next(c for c in report["centres"] if c["centre_code"] == "MC-32251")
    (top,) = commune["statistics"]
    figures = await client.get("/api/v1/reports/satisfaction", params={**june, "centre": "MC-32251"}, headers=province)
    totals = figures.json()["totals"]  # the same month's figures: the demo's ratings and the 300 presses
    assert (top["ratings"], top["share_pct"]) == (
        totals["ratings"],
        round(100 * totals["levels"]["5"] / totals["ratings"], 2),
    )
    assert totals["levels"]["1"] + totals["levels"]["2"] == 0
    assert top["p_value"] < 0.01 / len([c for c in report["centres"] if c["records"]])
    await login(client, "tinh")
    page = (await client.get("/dashboard/integrity", params=june)).text
    row = page[page.index('data-centre="MC-32251"') :]
    assert 'data-statistic="improbable_top_share"' in row[: row.index("</tr>")]
    july = {"date_from": "2026-07-01", "date_to": "2026-07-31"}  # the demo's own month after: nothing stands out
    after = (await client.get("/api/v1/reports/integrity", params=july, headers=province)).json()
    assert [c["statistics"] for c in after["centres"] if c["statistics"]] == []
    assert len([c for c in after["centres"] if c["records"] >= 30]) >= 4  # enough centres were tested


async def test_the_overview_shows_the_scopes_integrity_beside_its_figures(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    await plant_a_moved_resolution(client, run_in_session)
    await login(client, "tinh")
    home = (await client.get("/dashboard/", params={"date_from": "2026-06-01", "date_to": "2026-06-30"})).text
    line = home[home.index('data-figure="integrity"') :]
    line = line[: line.index("</p>")]
    assert '<span data-figure="integrity-score">điểm 0,0/100</span>' in line  # D-9 is the month's one record
    assert "1 dấu hiệu bất thường ở 1 trung tâm" in line
    assert 'href="/dashboard/integrity?date_from=2026-06-01&amp;date_to=2026-06-30"' in line


async def test_the_centre_page_and_the_printable_report_show_integrity_too(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    await plant_a_moved_resolution(client, run_in_session)
    await login(client, "tinh")
    june = {"date_from": "2026-06-01", "date_to": "2026-06-30"}
    centre = (await client.get("/dashboard/centres/TTPVHCC-96", params=june)).text
    assert '<span data-figure="integrity-score">điểm 0,0/100</span>' in centre
    printed = (await client.get("/dashboard/report", params=june)).text
    line = printed[printed.index('data-figure="integrity"') :]
    assert "1 dấu hiệu bất thường ở 1 trung tâm" in line[: line.index("</p>")]
    assert "Điểm liêm chính = 100 × (1 −" in printed
