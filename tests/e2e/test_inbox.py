"""The centre's supervisor handles a complaint in the inbox with the keyboard alone, and the staff member it is about
explains without ever seeing who complained."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from survey_api.demo import DEMO_PASSWORD
from tests.e2e.conftest import assert_accessible, screenshot

pytestmark = pytest.mark.e2e
TEXT = "Cán bộ yêu cầu bổ sung giấy tờ nhưng không ghi thời hạn, tôi phải đi lại ba lần."


def _login(page: Any, username: str) -> None:
    page.goto("/login?next=/dashboard/inbox/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hộp thư phản ánh")).to_be_visible()


def _activate(page: Any, locator: Any) -> None:
    """Reach ``locator`` as a keyboard user does (focus) and press Enter."""
    locator.focus()
    page.keyboard.press("Enter")


def test_a_supervisor_handles_a_complaint_with_the_keyboard(browser: Any, live_server: str, axe_script: Any) -> None:
    filed = httpx.post(
        f"{live_server}/api/v1/complaints",
        json={
            "id": str(uuid.uuid4()),
            "centre_code": "TTPVHCC-96",
            "staff_code": "CB-001",
            "category": "wrong_guidance",
            "text": TEXT,
            "phone": "0123 456 789",
            "consent": True,
        },
    )
    assert filed.status_code == 201, filed.text
    code = filed.json()["tracking_code"]

    # The staff member concerned explains; the complainant's phone is never shown to him.
    staff = browser.new_context(base_url=live_server, locale="vi-VN", viewport={"width": 1280, "height": 800})
    page = staff.new_page()
    try:
        _login(page, "canbo")
        _activate(page, page.locator("tbody tr").filter(has_text=code).get_by_role("link"))
        expect(page.get_by_text("Thông tin liên hệ chỉ dành cho người xử lý.")).to_be_visible()
        assert "0123 456 789" not in page.content()
        page.get_by_label("Giải trình của cán bộ").fill("Tôi đã ghi thời hạn bổ sung vào phiếu từ hôm nay.")
        _activate(page, page.get_by_role("button", name="Gửi giải trình"))
        expect(page.locator("table.data").last).to_contain_text("Giải trình")
        assert_accessible(page, axe_script)
    finally:
        staff.close()

    # The supervisor reads it all, shows the contact details (logged) and answers.
    supervisor = browser.new_context(base_url=live_server, locale="vi-VN", viewport={"width": 1280, "height": 800})
    page = supervisor.new_page()
    try:
        _login(page, "giamsat")
        row = page.locator("tbody tr").filter(has_text=code)
        expect(row).to_contain_text("Nguyễn Văn Hùng")
        expect(row).to_contain_text("Mới tiếp nhận")
        assert_accessible(page, axe_script)
        screenshot(page, "inbox-supervisor")

        _activate(page, row.get_by_role("link"))
        expect(page.get_by_role("heading", name=f"Phản ánh {code}")).to_be_visible()
        expect(page.get_by_text(TEXT)).to_be_visible()
        _activate(page, page.get_by_role("link", name="Xem thông tin liên hệ (được ghi nhật ký)"))
        expect(page.get_by_test_id("contact")).to_contain_text("0123 456 789")
        assert_accessible(page, axe_script)

        page.get_by_label("Cập nhật trạng thái").select_option(label="Đã trả lời")
        page.get_by_label("Nội dung (trả lời / kết quả / lý do từ chối)").fill("Trung tâm đã hướng dẫn lại cán bộ.")
        _activate(page, page.get_by_role("button", name="Lưu").first)
        facts = page.locator("dl.facts").first
        expect(facts).to_contain_text("Đã trả lời")
        expect(page.locator("table.data").last).to_contain_text("Đổi trạng thái → Đã trả lời")
        expect(page.locator("table.data").last).to_contain_text("Trung tâm đã hướng dẫn lại cán bộ.")
        screenshot(page, "inbox-item-answered")
    finally:
        supervisor.close()
