"""A province officer opens the integrity page in Chromium: the centres by score, the chart of findings drawn, and
a finding followed by keyboard to the dossier's history."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from playwright.sync_api import expect

from survey_api import db
from survey_api.caches import AppCaches
from survey_api.demo import DEMO_PASSWORD
from survey_api.dossiers.schemas import DossierPush
from survey_api.dossiers.services import DossierService
from survey_api.settings import Settings
from survey_api.subscribers import default_subscribers
from tests.conftest import TEST_DATA_KEY, TEST_SECRET, run_async
from tests.e2e.conftest import assert_accessible, screenshot
from tests.helpers import returned_dossier

pytestmark = pytest.mark.e2e
DRAWN = 20_000  # ms: the page parses plotly.js (4.6 MB) before it draws
KEY = "Hệ thống một cửa điện tử tỉnh"


async def _plant(url: str) -> None:
    """Through the write path, as the one-stop system's events come: D-9 returned early in June 2026, then an event
    moving its resolution back a week (not believed: a finding)."""
    settings = Settings.from_env({}, database_url=url, secret_key=TEST_SECRET, data_key=TEST_DATA_KEY)
    config = db.alchemy_config(settings)
    async with config.get_session() as session:
        service = DossierService(session, settings, default_subscribers(settings, AppCaches()))
        for body in (
            returned_dossier("D-9"),
            returned_dossier("D-9", resolved_at="2026-06-05T10:00:00+07:00", event_at="2026-06-14T08:00:00+07:00"),
        ):
            await service.push(msgspec.convert(body, DossierPush), KEY)
        await session.commit()
    await config.get_engine().dispose()


@pytest.fixture
def moved_resolution(e2e_database: str) -> None:
    run_async(_plant(e2e_database))


def test_the_integrity_page_leads_from_a_centre_to_the_dossiers_history(
    page: Any, live_server: str, moved_resolution: None, axe_script: Any
) -> None:
    page.goto("/login?next=/dashboard/integrity?date_from=2026-06-01%26date_to=2026-06-30")
    page.get_by_label("Tên đăng nhập").fill("tinh")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Liêm chính số liệu")).to_be_visible()
    row = page.locator('tr[data-centre="TTPVHCC-96"]')
    expect(row.locator("[data-figure=score]")).to_have_text("0,0")
    expect(row).to_contain_text("Thời điểm giải quyết bị sửa (1)")
    expect(page.locator("#fig-findings .main-svg").first).to_be_visible(timeout=DRAWN)
    screenshot(page, "integrity-overview")
    assert_accessible(page, axe_script)

    # Entered here in December, D-9 was also received and ticked late: four findings, each linked to its history.
    expect(page.locator("#integrity-findings tbody tr")).to_have_count(4)
    link = page.locator('tr[data-kind="resolved_moved"]').get_by_role("link", name="D-9")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Lịch sử hồ sơ D-9")).to_be_visible()
    rows = page.locator("#timeline tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("05/06/2026 10:00")
    expect(page.locator("#timeline tfoot")).to_contain_text("12/06/2026 10:00")
    expect(page.locator("#timeline tfoot")).to_contain_text("Trước hạn")
    expect(rows.nth(0)).to_contain_text("Đã trả kết quả")
    screenshot(page, "integrity-dossier-history")
    assert_accessible(page, axe_script)
