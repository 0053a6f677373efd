"""A request's writes are committed before it is answered: a failed commit is an error, never a success."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, func, select

from survey_api.complaints.models import Complaint
from survey_api.demo import DEMO_PASSWORD
from survey_api.dossiers.models import Dossier
from survey_api.ratings.models import Rating
from tests.helpers import integration_headers, kiosk_headers, returned_dossier

pytestmark = pytest.mark.anyio


@contextmanager
def commits_fail(app: Litestar) -> Iterator[None]:
    """Every commit on the app's engine fails in the driver, as a full disk or a lost server makes it fail."""
    dialect = app.state.alchemy.get_engine().dialect

    def fail(_dbapi_connection: Any) -> None:
        raise dialect.loaded_dbapi.OperationalError("database or disk is full")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dialect, "do_commit", fail)
        yield


async def count(run_in_session: Any, model: Any) -> int:
    return int(await run_in_session(lambda s: s.scalar(select(func.count()).select_from(model))))


async def test_a_dossier_event_that_could_not_be_committed_is_a_503_and_its_retry_is_stored(
    demo: None, app: Litestar, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    onestop = await integration_headers(run_in_session)
    before = await count(run_in_session, Dossier)
    with commits_fail(app):
        failed = await client.post("/api/v1/dossiers", json=returned_dossier(), headers=onestop)
    assert failed.status_code == 503
    assert failed.headers["retry-after"] == "5"
    assert failed.json()["code"] == "unavailable"
    assert "nothing was saved" in failed.json()["message"]
    assert await count(run_in_session, Dossier) == before  # the one-stop system knows to send it again
    other = await client.post("/api/v1/dossiers", json=returned_dossier("000.00.16.H12-260615-0002"), headers=onestop)
    assert other.status_code == 201
    assert await count(run_in_session, Dossier) == before + 1  # the next request did not commit the refused one

    again = await client.post("/api/v1/dossiers", json=returned_dossier(), headers=onestop)
    assert (again.status_code, again.json()["applied"]) == (201, True)
    assert await count(run_in_session, Dossier) == before + 2


async def test_a_kiosk_rating_that_could_not_be_stored_is_a_503_and_its_retry_is_stored(
    demo: None, app: Litestar, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    """Ratings are written by the group-commit writer on its own connection: its failure is a 503 too (the kiosk's
    outbox keeps a rating until it gets a 2xx)."""
    kiosk = await kiosk_headers(run_in_session)
    rating = {"id": str(uuid.uuid4()), "overall": 4, "submitted_at": "2026-07-01T08:00:00+07:00"}
    with commits_fail(app):
        failed = await client.post("/api/v1/ratings", json=rating, headers=kiosk)
    assert (failed.status_code, failed.headers["retry-after"], failed.json()["code"]) == (503, "5", "unavailable")
    assert await count(run_in_session, Rating) == 0
    # the next rating's batch does not commit the refused one with it (the failed connection was discarded)
    other = {**rating, "id": str(uuid.uuid4())}
    assert (await client.post("/api/v1/ratings", json=other, headers=kiosk)).status_code == 201
    assert await count(run_in_session, Rating) == 1
    again = await client.post("/api/v1/ratings", json=rating, headers=kiosk)
    assert again.status_code == 201  # stored now, and said so
    assert await count(run_in_session, Rating) == 2


async def csrf_token(client: AsyncTestClient[Any], path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text[:300]
    return str(re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]


async def test_a_complaint_the_database_could_not_take_is_shown_again_to_send_once_more(
    demo: None, app: Litestar, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    form = {
        "_csrf_token": await csrf_token(client, "/phan-anh"),
        "id": str(uuid.uuid4()),
        "centre_code": "MC-969",
        "staff_code": "CB-013",
        "category": "delay",
        "text": "Hồ sơ trễ hẹn 10 ngày không có lý do.",
        "consent": "true",
    }
    with commits_fail(app):
        failed = await client.post("/phan-anh", data=form, headers={"accept": "text/html"})
    assert failed.status_code == 503
    assert "Chưa gửi được phản ánh do hệ thống tạm thời gián đoạn; chưa có gì được lưu." in failed.text
    assert "Hồ sơ trễ hẹn 10 ngày không có lý do.</textarea>" in failed.text  # what was written is still there
    assert f'name="id" value="{form["id"]}"' in failed.text  # with its id: sending again files it once
    assert 'data-testid="tracking-code"' not in failed.text  # no tracking code for a complaint that does not exist
    assert await count(run_in_session, Complaint) == 0

    filed = await client.post("/phan-anh", data=form, headers={"accept": "text/html"})
    assert filed.status_code == 201
    assert await count(run_in_session, Complaint) == 1


async def test_a_phone_rating_the_database_could_not_take_is_shown_again_to_send_once_more(
    demo: None, app: Litestar, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    onestop = await integration_headers(run_in_session)
    pushed = await client.post("/api/v1/dossiers", json=returned_dossier(), headers=onestop)
    path = "/r/" + pushed.json()["rating_url"].rsplit("/", 1)[1]
    form = {
        "_csrf_token": await csrf_token(client, path),
        "id": str(uuid.uuid4()),
        "overall": "5",
        "comment": "Cán bộ hướng dẫn tận tình",
    }
    with commits_fail(app):
        failed = await client.post(path, data=form)
    assert failed.status_code == 503
    assert "Chưa gửi được đánh giá do hệ thống tạm thời gián đoạn." in failed.text
    assert "Cán bộ hướng dẫn tận tình</textarea>" in failed.text
    assert f'name="id" value="{form["id"]}"' in failed.text
    assert await count(run_in_session, Rating) == 0

    sent = await client.post(path, data=form)
    assert sent.status_code == 200
    assert "Cảm ơn Ông/Bà đã đánh giá!" in sent.text
    assert await count(run_in_session, Rating) == 1


async def test_a_login_is_committed_before_its_session_is_stored(
    demo: None, app: Litestar, client: AsyncTestClient[Any]
) -> None:
    """The session store writes on a connection of its own; on SQLite it would wait for the request's open write."""
    seen: list[tuple[str, int]] = []

    def statement(conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen.append((" ".join(sql.split()[:3]).lower(), id(conn.connection.dbapi_connection)))

    def commit(conn: Any) -> None:
        seen.append(("commit", id(conn.connection.dbapi_connection)))

    engine = app.state.alchemy.get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        response = await client.post("/api/v1/auth/login", json={"username": "tinh", "password": DEMO_PASSWORD})
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    assert response.status_code == 200, response.text
    update = next(i for i, (sql, _) in enumerate(seen) if sql.startswith("update user_account set"))
    committed = next(i for i, (what, conn) in enumerate(seen) if what == "commit" and i > update)
    stored = next(i for i, (sql, _) in enumerate(seen) if sql.startswith("insert into kv_store"))
    assert seen[committed][1] == seen[update][1]  # the request's own connection
    assert update < committed < stored
