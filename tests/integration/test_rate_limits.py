"""Public endpoints are rate-limited per client with Litestar's middleware; kiosks (with a token) are not."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from survey_api.app import create_app
from survey_api.settings import Settings
from tests.helpers import kiosk_headers

pytestmark = pytest.mark.anyio


async def test_public_endpoints_answer_429_past_the_limit(demo: None, settings: Settings, run_in_session: Any) -> None:
    limited = msgspec.structs.replace(settings, public_rate_limit_per_minute=3)
    kiosk = await kiosk_headers(run_in_session)
    async with AsyncTestClient(app=create_app(limited)) as client:
        statuses = [(await client.get("/r/AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAA")).status_code for _ in range(4)]
        assert statuses == [404, 404, 404, 429]
        refused = await client.post("/api/v1/ratings", json={"id": str(uuid.uuid4()), "overall": 5, "token": "x" * 20})
        assert refused.status_code == 429
        assert refused.json()["code"] == "too_many_requests"
        t0 = datetime(2026, 6, 1, tzinfo=UTC)
        kiosk_statuses = [
            (
                await client.post(
                    "/api/v1/ratings",
                    json={
                        "id": str(uuid.uuid4()),
                        "overall": 4,
                        "submitted_at": (t0 + timedelta(minutes=i)).isoformat(),
                    },
                    headers=kiosk,
                )
            ).status_code
            for i in range(5)
        ]
        assert kiosk_statuses == [201] * 5
        assert (await client.get("/health")).status_code == 200
