"""A citizen scans the slip's QR and rates on a phone (390×844)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from survey_api import db
from survey_api.accounts.services import IntegrationService
from survey_api.settings import Settings
from tests.conftest import TEST_DATA_KEY, TEST_SECRET, run_async
from tests.e2e.conftest import screenshot
from tests.helpers import returned_dossier

pytestmark = pytest.mark.e2e


async def _new_key(url: str) -> str:
    config = db.alchemy_config(Settings.from_env({}, database_url=url, secret_key=TEST_SECRET, data_key=TEST_DATA_KEY))
    async with config.get_session() as session:
        key = await IntegrationService(session).create("Một cửa điện tử")
        await session.commit()
    await config.get_engine().dispose()
    return key


@pytest.fixture
def rating_url(live_server: str, e2e_database: str) -> str:
    key = run_async(_new_key(e2e_database))
    pushed = httpx.post(
        f"{live_server}/api/v1/dossiers", json=returned_dossier(), headers={"Authorization": f"Bearer {key}"}
    )
    assert pushed.status_code == 201, pushed.text
    return str(pushed.json()["rating_url"])


def test_rate_on_a_phone_then_see_thanks_and_the_used_page(browser: Any, rating_url: str) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        page.goto(rating_url)
        expect(page.get_by_role("heading", name="Ông/Bà có hài lòng với sự phục vụ hôm nay không?")).to_be_visible()
        screenshot(page, "phone-rate")
        page.get_by_role("button", name="Gửi đánh giá").click()
        expect(page.get_by_role("alert")).to_have_text("Vui lòng chọn mức độ hài lòng.")
        page.get_by_text("Hài lòng", exact=True).click()
        page.get_by_text("Thái độ niềm nở, tận tình").click()
        page.get_by_label("Góp ý thêm").fill("Cán bộ hướng dẫn rất tận tình")
        page.get_by_role("button", name="Gửi đánh giá").click()
        expect(page.get_by_role("heading", name="Cảm ơn Ông/Bà đã đánh giá!")).to_be_visible()
        screenshot(page, "phone-thanks")
        page.goto(rating_url)
        expect(page.get_by_role("heading", name="Hồ sơ này đã được đánh giá")).to_be_visible()
        screenshot(page, "phone-used")
        page.goto(rating_url + "?lang=en")
        expect(page.get_by_role("heading", name="This dossier has already been rated")).to_be_visible()
    finally:
        context.close()
