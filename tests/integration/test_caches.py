"""What an app remembers between requests (``survey_api.caches``) is its own, expires, and is looked up once."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from survey_api.app import create_app
from survey_api.caches import Memo
from survey_api.kiosks.models import Kiosk
from survey_api.settings import Settings
from tests.helpers import bearer_for, kiosk_headers

pytestmark = pytest.mark.anyio


async def test_a_memo_looks_a_value_up_once_however_many_wait() -> None:
    memo: Memo[str, int] = Memo(60.0, 10)
    calls = 0

    async def load() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return 7

    assert await asyncio.gather(*(memo.fill("k", load) for _ in range(20))) == [7] * 20
    assert calls == 1
    assert memo.get("k") == (True, 7)


async def test_a_memo_forgets_what_expired_what_was_dropped_and_everything_when_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    memo: Memo[str, int] = Memo(5.0, 3)
    memo.put("a", 1)
    memo.put("b", 2)
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 6.0)
    assert memo.get("a") == (False, None)
    memo.put("c", 3)
    memo.drop(lambda value: value == 3)
    assert memo.get("c") == (False, None)
    memo.put("d", 4)  # a, b, d: full
    memo.put("e", 5)  # the fourth: everything is forgotten first
    assert (len(memo), memo.get("d"), memo.get("e")) == (1, (False, None), (True, 5))


async def test_two_apps_in_one_process_do_not_share_what_they_remember(
    demo: None, settings: Settings, run_in_session: Any
) -> None:
    kiosk = await kiosk_headers(run_in_session)
    first, second = create_app(settings), create_app(settings)
    async with AsyncTestClient(app=first) as client:
        rating = {"id": str(uuid.uuid4()), "overall": 5}
        assert (await client.post("/api/v1/ratings", json=rating, headers=kiosk)).status_code == 201
    assert len(first.state.caches.kiosks) == 1
    assert len(first.state.caches.instruments) == 1
    assert len(second.state.caches.kiosks) == 0
    assert len(second.state.caches.instruments) == 0


async def test_a_deactivated_kiosk_is_refused_at_once_by_the_app_that_deactivated_it(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    """A kiosk rating is taken on the remembered snapshot alone: deactivating must make the app forget it."""
    kiosk = await kiosk_headers(run_in_session)
    rating = {"id": str(uuid.uuid4()), "overall": 5}
    assert (await client.post("/api/v1/ratings", json=rating, headers=kiosk)).status_code == 201
    assert len(client.app.state.caches.kiosks) == 1  # remembered
    kiosk_id = await run_in_session(lambda s: s.scalar(select(Kiosk.id).order_by(Kiosk.created_at.desc()).limit(1)))
    admin = await bearer_for(run_in_session, "admin")
    off = await client.post(f"/api/v1/admin/kiosks/{kiosk_id}/deactivate", headers=admin)
    assert off.status_code == 200, off.text
    again = {"id": str(uuid.uuid4()), "overall": 5}
    assert (await client.post("/api/v1/ratings", json=again, headers=kiosk)).status_code == 401
