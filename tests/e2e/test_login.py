"""A director logs in through the Vietnamese login page in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from survey_api.demo import DEMO_PASSWORD
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def test_login_with_the_keyboard_reaches_the_dashboard(page: Any) -> None:
    page.goto("/dashboard/")
    expect(page).to_have_url("/login?next=/dashboard")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    screenshot(page, "login")
    page.get_by_label("Tên đăng nhập").fill("giamdoc")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Xin chào, Giám đốc Trung tâm")).to_be_visible()
    expect(page.get_by_text("TTPVHCC-96")).to_be_visible()
    screenshot(page, "dashboard-home")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
