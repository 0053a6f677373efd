"""Returned dossier → QR → phone page → rating → replay → other id → expired link, exactly once."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
import zxingcpp
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import func, select, update

from survey_api.dossiers.models import RatingToken
from survey_api.ratings.models import Rating
from tests.helpers import bearer_for, integration_headers, returned_dossier

pytestmark = pytest.mark.anyio


@pytest.fixture
async def onestop(demo: None, run_in_session: Any) -> dict[str, str]:
    return await integration_headers(run_in_session)


async def rating_count(run_in_session: Any) -> int:
    return await run_in_session(lambda s: s.scalar(select(func.count()).select_from(Rating)))


def rating(token: str, **changes: Any) -> dict[str, Any]:
    body = {"id": str(uuid.uuid4()), "token": token, "overall": 5, "answers": {"total_time": 5}, "reasons": ["fast"]}
    body.update(changes)
    return body


async def test_returned_dossier_to_rating_exactly_once(
    client: AsyncTestClient[Any], onestop: dict[str, str], run_in_session: Any
) -> None:
    pushed = await client.post("/api/v1/dossiers", json=returned_dossier(), headers=onestop)
    assert pushed.status_code == 201, pushed.text
    dossier = pushed.json()
    assert dossier["timeliness"] == "early"
    url = dossier["rating_url"]
    assert url.startswith("http://127.0.0.1:8000/r/")
    token = url.rsplit("/", 1)[1]

    # The QR decodes back to the rating link.
    png = await client.get("/api/v1/dossiers/000.00.16.H12-260615-0001/qr", params={"format": "png"}, headers=onestop)
    assert png.headers["content-type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [d.text for d in decoded] == [url]
    svg = await client.get("/api/v1/dossiers/000.00.16.H12-260615-0001/qr", headers=onestop)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg")

    # The phone page shows the dossier and the question in Vietnamese.
    page = await client.get(f"/r/{token}")
    assert page.status_code == 200
    assert "Ông/Bà có hài lòng với sự phục vụ hôm nay không?" in page.text
    assert "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu" in page.text

    first = rating(token, comment="Cán bộ hướng dẫn tận tình")
    created = await client.post("/api/v1/ratings", json=first)
    assert created.status_code == 201, created.text
    stored = created.json()
    assert stored["channel"] == "qr"
    assert stored["dossier_code"] == "000.00.16.H12-260615-0001"
    assert stored["staff_code"] == "CB-001"
    assert stored["survey_version"] == 1

    replay = await client.post("/api/v1/ratings", json=first)
    assert replay.status_code == 200
    assert replay.json() == stored
    assert await rating_count(run_in_session) == 1

    changed = await client.post("/api/v1/ratings", json={**first, "overall": 1})
    assert changed.status_code == 409
    assert changed.json()["errors"][0]["field"] == "id"

    other = await client.post("/api/v1/ratings", json=rating(token))
    assert other.status_code == 409
    assert other.json()["message"] == "This dossier has already been rated"
    used_page = await client.get(f"/r/{token}")
    assert used_page.status_code == 409
    assert "Hồ sơ này đã được đánh giá" in used_page.text
    assert await rating_count(run_in_session) == 1

    again = await client.post("/api/v1/dossiers", json=returned_dossier(), headers=onestop)
    assert again.json()["rating_url"] == url  # one token per dossier
    assert again.json()["rated"] is True


async def test_expired_link_answers_410_and_a_clear_page(
    client: AsyncTestClient[Any], onestop: dict[str, str], run_in_session: Any
) -> None:
    token = (await client.post("/api/v1/dossiers", json=returned_dossier(), headers=onestop)).json()["rating_url"]
    token = token.rsplit("/", 1)[1]
    await run_in_session(
        lambda s: s.execute(update(RatingToken).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    )
    expired = await client.post("/api/v1/ratings", json=rating(token))
    assert expired.status_code == 410
    assert expired.json()["errors"] == [{"field": "token", "message": "This rating link has expired"}]
    page = await client.get(f"/r/{token}")
    assert page.status_code == 410
    assert "Mã đánh giá đã hết hạn" in page.text


@pytest.mark.parametrize("token", ["AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAA", "not-a-token-at-all"])
async def test_forged_or_unknown_links_get_a_clear_page(client: AsyncTestClient[Any], token: str) -> None:
    page = await client.get(f"/r/{token}")
    assert page.status_code == 404
    assert "Mã đánh giá không hợp lệ" in page.text
    api = await client.post("/api/v1/ratings", json=rating(token))
    assert api.status_code == 404
    assert api.json()["errors"][0]["field"] == "token"


async def test_the_phone_form_works_without_javascript(
    client: AsyncTestClient[Any], onestop: dict[str, str], run_in_session: Any
) -> None:
    url = (await client.post("/api/v1/dossiers", json=returned_dossier(), headers=onestop)).json()["rating_url"]
    path = "/r/" + url.rsplit("/", 1)[1]
    page = await client.get(path)
    csrf = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
    form_id = page.text.split('name="id" value="')[1].split('"')[0]
    assert uuid.UUID(form_id).version == 7  # time-ordered: new ratings land at the end of the primary-key index
    missing = await client.post(path, data={"_csrf_token": csrf, "id": form_id})
    assert missing.status_code == 422
    assert "Vui lòng chọn mức độ hài lòng." in missing.text
    form = {
        "_csrf_token": csrf,
        "id": form_id,
        "overall": "2",
        "answer_total_time": "1",
        "answer_one_stop": "0",
        "reasons": ["slow", "many_trips"],
        "comment": "Phải đi lại 3 lần",
    }
    thanks = await client.post(path, data=form)
    assert thanks.status_code == 200
    assert "Cảm ơn Ông/Bà đã đánh giá!" in thanks.text
    resubmitted = await client.post(path, data=form)  # a double tap or a retry
    assert "Cảm ơn Ông/Bà đã đánh giá!" in resubmitted.text
    stored = await run_in_session(lambda s: s.scalar(select(Rating)))
    assert (stored.overall, stored.answers, stored.reasons) == (
        2,
        {"total_time": 1, "one_stop": 0},
        ["slow", "many_trips"],
    )
    assert stored.comment == "Phải đi lại 3 lần"
    assert await rating_count(run_in_session) == 1


async def test_twenty_concurrent_submissions_with_one_token_store_one_rating(
    client: AsyncTestClient[Any], onestop: dict[str, str], run_in_session: Any
) -> None:
    url = (await client.post("/api/v1/dossiers", json=returned_dossier(), headers=onestop)).json()["rating_url"]
    token = url.rsplit("/", 1)[1]
    statuses: list[int] = []

    async def submit() -> None:
        statuses.append((await client.post("/api/v1/ratings", json=rating(token))).status_code)

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(submit)
    assert sorted(statuses) == [201] + [409] * 19
    assert await rating_count(run_in_session) == 1


async def test_twenty_concurrent_replays_of_one_id_store_one_row(
    client: AsyncTestClient[Any], onestop: dict[str, str], run_in_session: Any
) -> None:
    url = (await client.post("/api/v1/dossiers", json=returned_dossier(), headers=onestop)).json()["rating_url"]
    body = rating(url.rsplit("/", 1)[1])
    statuses: list[int] = []

    async def submit() -> None:
        statuses.append((await client.post("/api/v1/ratings", json=body)).status_code)

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(submit)
    assert sorted(statuses) == [200] * 19 + [201]
    assert await rating_count(run_in_session) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"overall": 6}, "overall"),
        ({"overall": "năm"}, "overall"),
        ({"answers": {"total_time": 2}}, "answers.total_time"),
        ({"answers": {"nonsense": 5}}, "answers.nonsense"),
        ({"reasons": ["fast", "teleport"]}, "reasons.1"),
        ({"comment": "x" * 2001}, "comment"),
        ({"id": "not-a-uuid"}, "id"),
        ({"colour": "blue"}, "colour"),
        ({"submitted_at": "2026-06-13T09:00:00"}, "submitted_at"),
    ],
)
async def test_bad_ratings_are_4xx_naming_the_field(
    client: AsyncTestClient[Any], onestop: dict[str, str], change: dict[str, Any], field: str, run_in_session: Any
) -> None:
    url = (await client.post("/api/v1/dossiers", json=returned_dossier(), headers=onestop)).json()["rating_url"]
    response = await client.post("/api/v1/ratings", json=rating(url.rsplit("/", 1)[1], **change))
    assert 400 <= response.status_code < 500
    assert field in [e["field"] for e in response.json()["errors"]]
    assert await rating_count(run_in_session) == 0


async def test_slip_is_printable_with_qr_and_short_link(
    client: AsyncTestClient[Any], onestop: dict[str, str], run_in_session: Any
) -> None:
    url = (await client.post("/api/v1/dossiers", json=returned_dossier(), headers=onestop)).json()["rating_url"]
    slip = await client.get("/api/v1/dossiers/000.00.16.H12-260615-0001/slip", headers=onestop)
    assert slip.status_code == 200
    for text in (
        "Trung tâm Giải quyết thủ tục hành chính tỉnh Cà Mau",
        "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
        "000.00.16.H12-260615-0001",
        "Quét mã để đánh giá mức độ hài lòng",
        url,
        "<svg",
    ):
        assert text in slip.text
    # A director of another centre cannot see this dossier; the centre's own director can.
    other = await bearer_for(run_in_session, "xem")
    assert (await client.get("/api/v1/dossiers/000.00.16.H12-260615-0001/slip", headers=other)).status_code == 404
    own = await bearer_for(run_in_session, "giamdoc")
    assert (await client.get("/api/v1/dossiers/000.00.16.H12-260615-0001/slip", headers=own)).status_code == 200


async def test_no_rating_link_before_the_dossier_is_returned(
    client: AsyncTestClient[Any], onestop: dict[str, str]
) -> None:
    body = returned_dossier(status="in_progress", resolved_at=None, returned_at=None)
    pushed = (await client.post("/api/v1/dossiers", json=body, headers=onestop)).json()
    assert pushed["rating_url"] is None
    assert pushed["timeliness"] == "overdue"
    qr = await client.get("/api/v1/dossiers/000.00.16.H12-260615-0001/qr", headers=onestop)
    assert qr.status_code == 404
