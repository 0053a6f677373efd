"""The app tunes Python's garbage collector while it serves (see survey_api.app.tuned_garbage_collector)."""

from __future__ import annotations

import gc

import pytest
from litestar.testing import AsyncTestClient

from survey_api.app import create_app
from survey_api.settings import Settings

pytestmark = pytest.mark.anyio


async def test_the_collector_is_tuned_while_serving_and_restored_after(settings: Settings) -> None:
    """Serving freezes the start-up objects and collects the young generation less often; stopping the app
    (as every test does) gives the collector back as it was, so nothing frozen outlives the app."""
    before = gc.get_threshold()
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert (await client.get("/health")).status_code == 200
        assert gc.get_threshold() == (10_000, 10, 10)
        assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
