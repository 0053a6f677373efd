"""A province officer opens the dashboard on the demo data in Chromium: cards, drawn charts, sorting, drill-down
and the printable report."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from survey_api import db
from survey_api.demo import DEMO_PASSWORD, load_demo_activity
from survey_api.settings import Settings
from tests.conftest import TEST_DATA_KEY, TEST_SECRET, run_async
from tests.e2e.conftest import assert_accessible, screenshot

pytestmark = pytest.mark.e2e
DRAWN = 20_000  # ms: the first page parses plotly.js (4.6 MB) before it draws


async def _add_activity(url: str) -> None:
    config = db.alchemy_config(Settings.from_env({}, database_url=url, secret_key=TEST_SECRET, data_key=TEST_DATA_KEY))
    async with config.get_session() as session:
        await load_demo_activity(session)
        await session.commit()
    await config.get_engine().dispose()


@pytest.fixture
def demo_activity(e2e_database: str) -> None:
    """The demo's six months of dossiers and ratings (the server reads them on each request)."""
    run_async(_add_activity(e2e_database))


def _login(page: Any, username: str) -> None:
    page.goto("/login?next=/dashboard/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")


def test_dashboard_draws_the_charts_from_local_plotly(page: Any, live_server: str, demo_activity: None) -> None:
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((live_server, "data:", "blob:")) else elsewhere.append(r.url))
    _login(page, "tinh")
    expect(page.get_by_role("heading", name="Mức độ hài lòng và tiến độ giải quyết hồ sơ")).to_be_visible()
    for chart in ("fig-month", "fig-bubble", "fig-timeliness", "fig-levels", "fig-reasons"):
        expect(page.locator(f"#{chart} .main-svg").first).to_be_visible(timeout=DRAWN)
    expect(page.locator("[data-figure=satisfaction]")).to_have_text(re.compile(r"^\d{2},\d{2}%$"))
    expect(page.locator("[data-figure=ratings]")).to_have_text(re.compile(r"^\d\.\d{3}$"))
    screenshot(page, "dashboard-overview")
    assert elsewhere == []  # plotly.js and everything else come from the app itself

    # Sorting is a link: keyboard users reach it with Tab and Enter; the column says how it is sorted.
    heading = page.locator("#centres thead th").filter(has_text="Trễ hạn")
    heading.get_by_role("link").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#centres thead th[aria-sort=descending]")).to_contain_text("Trễ hạn")

    page.locator("#centres").get_by_role("link", name="Bộ phận Một cửa huyện Cái Nước").click()
    expect(page.get_by_role("heading", name="Chi tiết: Bộ phận Một cửa huyện Cái Nước")).to_be_visible()
    expect(page.locator("#fig-month .main-svg").first).to_be_visible(timeout=DRAWN)
    expect(page.locator("#staff tbody tr")).to_have_count(2)
    screenshot(page, "dashboard-centre")


def test_printable_report_reads_like_the_province_form(page: Any, demo_activity: None) -> None:
    _login(page, "tinh")
    page.get_by_role("link", name="Báo cáo để in").click()
    expect(page.get_by_role("heading", name=re.compile("^BÁO CÁO KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG"))).to_be_visible()
    expect(page.locator(".sentence").first).to_have_text(re.compile(r"^Trong kỳ, .* lượt đánh giá, mức độ hài lòng"))
    screenshot(page, "dashboard-report")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    screenshot(page, "dashboard-report-print")


def test_dashboard_pages_have_no_serious_accessibility_problem(page: Any, demo_activity: None, axe_script: Any) -> None:
    _login(page, "tinh")
    expect(page.locator("#fig-month .main-svg").first).to_be_visible(timeout=DRAWN)
    assert_accessible(page, axe_script)
    page.goto("/dashboard/centres/MC-964")
    expect(page.locator("#fig-month .main-svg").first).to_be_visible(timeout=DRAWN)
    assert_accessible(page, axe_script)
    page.goto("/dashboard/report")
    assert_accessible(page, axe_script)


def test_the_audit_trail_page_has_no_serious_accessibility_problem(page: Any, axe_script: Any) -> None:
    _login(page, "admin")
    page.get_by_role("link", name="Nhật ký hệ thống").click()
    expect(page.get_by_role("heading", name="Nhật ký hệ thống")).to_be_visible()
    page.get_by_label("Hành động").select_option(label="Xem thông tin liên hệ")
    page.get_by_role("button", name="Lọc").click()
    expect(page.get_by_text("Không có sự kiện nào.")).to_be_visible()
    assert_accessible(page, axe_script)


def test_an_administrator_creates_a_login_with_the_keyboard(page: Any, axe_script: Any) -> None:
    _login(page, "admin")
    page.get_by_role("link", name="Tài khoản đăng nhập").click()
    expect(page.get_by_role("heading", name="Tài khoản đăng nhập", level=1)).to_be_visible()
    page.get_by_label("Tên đăng nhập").fill("ngocanh")
    page.keyboard.press("Tab")
    page.keyboard.type("Lê Ngọc Anh")
    page.get_by_label("Vai trò").select_option(label="Người xem")
    page.get_by_label("Phạm vi").fill("969")
    page.get_by_label("Mật khẩu", exact=True).fill("mat-khau-dai-du")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Đã tạo tài khoản ngocanh.")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="ngocanh"))
    expect(row).to_contain_text("Lê Ngọc Anh")
    expect(row).to_contain_text("Huyện Cái Nước (969)")
    assert_accessible(page, axe_script)
