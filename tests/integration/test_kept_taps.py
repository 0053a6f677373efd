"""A kiosk's tap is never refused for what changed while it waited: the level is stored, the rest kept aside.

A staff member moved or deactivated, a reason or question removed by a survey revision, a clock far off: the server
stores what it can and answers 2xx. Only a rating that cannot be a rating at all is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from survey_api.app import create_app
from survey_api.org.models import Staff
from survey_api.ratings.models import Rating
from survey_api.reports.models import RollupMonth
from survey_api.settings import Settings
from tests.helpers import bearer_for, kiosk_headers

pytestmark = pytest.mark.anyio


@pytest.fixture
def app(settings: Settings) -> Litestar:
    """The default window: a device's time is believed from 7 days before its receipt to 5 minutes after."""
    return create_app(msgspec.structs.replace(settings, offline_max_days=7))


async def stored(run_in_session: Any, rating_id: str) -> Rating:
    rating = await run_in_session(lambda s: s.get(Rating, uuid.UUID(rating_id)))
    assert rating is not None
    return rating  # type: ignore[no-any-return]


async def test_a_staff_member_deactivated_while_the_kiosk_was_offline_loses_no_tap(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    await run_in_session(lambda s: s.execute(update(Staff).where(Staff.code == "CB-003").values(active=False)))
    tap = {"id": str(uuid.uuid4()), "overall": 2, "staff_code": "CB-003", "reasons": ["slow"]}
    answer = await client.post("/api/v1/ratings", json=tap, headers=kiosk)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["staff_code"], answer.json()["unresolved"]) == (None, {"staff_code": "CB-003"})
    rating = await stored(run_in_session, tap["id"])
    assert (rating.overall, rating.staff_id, rating.reasons) == (2, None, ["slow"])
    again = await client.post("/api/v1/ratings", json=tap, headers=kiosk)
    assert again.status_code == 200  # the retry is recognised as the same rating


async def test_reasons_and_questions_a_revision_removed_are_kept_aside_not_refused(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    tap = {
        "id": str(uuid.uuid4()),
        "overall": 1,
        "reasons": ["slow", "gone_reason", "slow"],
        "answers": {"q_gone": 3, "visits": 4, "agency_time": 5},
    }
    answer = await client.post("/api/v1/ratings", json=tap, headers=kiosk)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["reasons"] == ["slow"]
    assert body["unresolved"] == {"answers": {"q_gone": 3, "visits": 4}, "reasons": ["gone_reason"]}
    rating = await stored(run_in_session, tap["id"])
    assert (rating.overall, rating.reasons, rating.answers) == (1, ["slow"], {"agency_time": 5})
    assert rating.unresolved == body["unresolved"]
    # the level counts in the figures: one rating at level 1 for the centre this month
    month = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().replace(day=1)
    levels = await run_in_session(
        lambda s: s.scalars(select(RollupMonth.n1).where(RollupMonth.dim == "centre", RollupMonth.month == month))
    )
    assert sum(levels.all()) == 1


@pytest.mark.parametrize(
    ("offset", "believed"),
    [
        (timedelta(days=-6, hours=-23), True),  # a kiosk offline for almost a week: its time counts
        (timedelta(minutes=4), True),  # a clock a little fast
        (timedelta(days=-8), False),  # older than SURVEY_OFFLINE_MAX_DAYS: a clock set wrong, or back-dated
        (timedelta(days=2), False),  # more than a day fast: refused with 422 before, the tap was lost
    ],
)
async def test_a_clock_that_cannot_be_trusted_is_replaced_by_the_time_of_receipt_and_kept(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, offset: timedelta, believed: bool
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    claim = datetime.now(UTC).replace(microsecond=0) + offset
    tap = {"id": str(uuid.uuid4()), "overall": 5, "submitted_at": claim.isoformat()}
    answer = await client.post("/api/v1/ratings", json=tap, headers=kiosk)
    assert answer.status_code == 201, answer.text
    rating = await stored(run_in_session, tap["id"])
    if believed:
        assert (rating.submitted_at, rating.claimed_at) == (claim, None)
    else:
        assert rating.claimed_at == claim
        assert rating.submitted_at == rating.received_at
        assert answer.json()["claimed_at"] is not None


async def test_year_one_on_a_kiosk_is_counted_at_receipt(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    tap = {"id": str(uuid.uuid4()), "overall": 4, "submitted_at": "0001-01-01T00:00:00Z"}
    answer = await client.post("/api/v1/ratings", json=tap, headers=kiosk)
    assert answer.status_code == 201, answer.text
    rating = await stored(run_in_session, tap["id"])
    assert rating.claimed_at == datetime(1, 1, 1, tzinfo=UTC)


async def test_a_rating_that_cannot_be_a_rating_is_still_refused_naming_the_field(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    for body, field in (({"overall": 9}, "overall"), ({"overall": "rất tốt"}, "overall"), ({}, "overall")):
        answer = await client.post("/api/v1/ratings", json={"id": str(uuid.uuid4()), **body}, headers=kiosk)
        assert answer.status_code == 400, answer.text
        assert field in answer.json()["message"]


async def test_the_kiosks_page_shows_what_a_kiosk_keeps_aside(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    beat = await client.post("/api/v1/kiosk/heartbeat", json={"queued": 3, "held": 2}, headers=kiosk)
    assert beat.status_code == 204
    supervisor = await bearer_for(run_in_session, "giamsat")
    listed = (await client.get("/api/v1/admin/kiosks", headers=supervisor)).json()
    assert [(k["queued_reported"], k["held_reported"]) for k in listed] == [(3, 2)]
    from tests.helpers import login

    await login(client, "giamsat")
    page = await client.get("/dashboard/kiosks")
    assert 'data-held="2"' in page.text
    assert "2 mục giữ lại trên máy" in page.text


async def test_taps_whose_device_time_was_not_believed_are_not_taken_for_repeats(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    """A kiosk offline for a month sends its queue a few milliseconds apart: each tap is counted at its receipt,
    and closeness of those times says nothing of how fast the citizen pressed."""
    kiosk = await kiosk_headers(run_in_session)
    month_ago = datetime.now(UTC) - timedelta(days=30)
    answers = []
    for minute in range(3):
        tap = {
            "id": str(uuid.uuid4()),
            "overall": 5,
            "submitted_at": (month_ago + timedelta(minutes=minute)).isoformat(),
        }
        answers.append((await client.post("/api/v1/ratings", json=tap, headers=kiosk)).json())
    assert [(a["suspected_repeat"], a["claimed_at"] is not None) for a in answers] == [(False, True)] * 3


async def test_a_kiosk_complaint_with_a_clock_far_off_or_naming_someone_moved_is_kept(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    body = {
        "id": str(uuid.uuid4()),
        "category": "rude",
        "text": "Cán bộ nói trống không, không hướng dẫn",
        "staff_code": "CB-010",  # of another centre now
        "submitted_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
    }
    answer = await client.post("/api/v1/complaints", json=body, headers=kiosk)
    assert answer.status_code == 201, answer.text
    assert answer.json()["tracking_code"].startswith("PA-")
