"""From the phone rating page a citizen reports rude staff, keeps the codes, and follows the answer (390×844)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from survey_api import db
from survey_api.accounts.services import AccountService, IntegrationService
from survey_api.settings import Settings
from tests.conftest import TEST_DATA_KEY, TEST_SECRET, run_async
from tests.e2e.conftest import screenshot
from tests.helpers import returned_dossier

pytestmark = pytest.mark.e2e


async def _keys(url: str) -> tuple[str, str]:
    """An integration key (to push the dossier) and the supervisor's personal token (to answer)."""
    config = db.alchemy_config(Settings.from_env({}, database_url=url, secret_key=TEST_SECRET, data_key=TEST_DATA_KEY))
    async with config.get_session() as session:
        key = await IntegrationService(session).create("Một cửa điện tử")
        accounts = AccountService(session)
        supervisor = await accounts.by_username("giamsat")
        assert supervisor is not None
        token = (await accounts.issue_token(supervisor)).token
        await session.commit()
    await config.get_engine().dispose()
    return key, token


def test_file_a_complaint_from_the_phone_page_and_track_it(browser: Any, live_server: str, e2e_database: str) -> None:
    key, supervisor = run_async(_keys(e2e_database))
    pushed = httpx.post(
        f"{live_server}/api/v1/dossiers", json=returned_dossier(), headers={"Authorization": f"Bearer {key}"}
    )
    assert pushed.status_code == 201, pushed.text
    context = browser.new_context(
        base_url=live_server, viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        page.goto(pushed.json()["rating_url"])
        page.get_by_role("link", name="Phản ánh thái độ cán bộ").click()
        expect(page.get_by_role("heading", name="Phản ánh, kiến nghị")).to_be_visible()
        expect(page.get_by_text("Trung tâm Giải quyết thủ tục hành chính tỉnh Cà Mau")).to_be_visible()
        expect(page.get_by_text("Nguyễn Văn Hùng")).to_be_visible()  # prefilled from the QR token

        page.get_by_text("Thái độ không lịch sự").click()
        page.get_by_label("Mô tả sự việc").fill("Cán bộ quát tháo khi tôi hỏi lại về giấy tờ cần bổ sung.")
        page.get_by_label("Số điện thoại").fill("0912 345 678")
        page.get_by_role("button", name="Gửi phản ánh").click()
        expect(page.get_by_role("alert")).to_have_text("Vui lòng kiểm tra lại các mục được đánh dấu.")
        expect(page.get_by_text("vui lòng đánh dấu ô đồng ý")).to_be_visible()
        screenshot(page, "complaint-consent-needed")
        page.get_by_text("Tôi đồng ý để Trung tâm lưu").click()
        screenshot(page, "complaint-form")
        page.get_by_role("button", name="Gửi phản ánh").click()

        expect(page.get_by_role("heading", name="Đã tiếp nhận phản ánh")).to_be_visible()
        code = page.get_by_test_id("tracking-code").inner_text()
        secret = page.get_by_test_id("secret").inner_text()
        assert code.startswith("PA-")
        screenshot(page, "complaint-receipt")

        page.get_by_role("link", name="Tra cứu kết quả xử lý phản ánh").click()
        expect(page.get_by_label("Mã tra cứu")).to_have_value(code)
        page.get_by_label("Mã bí mật").fill(secret.lower())
        page.get_by_role("button", name="Tra cứu").click()
        expect(page.get_by_role("heading", name=f"Tra cứu phản ánh {code}")).to_be_visible()
        expect(page.get_by_text("Mới tiếp nhận")).to_be_visible()
        screenshot(page, "complaint-tracked-new")

        # The supervisor answers; the citizen reads the answer and says they are not satisfied.
        headers = {"Authorization": f"Bearer {supervisor}"}
        flags = httpx.get(f"{live_server}/api/v1/flags?status=open", headers=headers).json()
        flag_id = next(f["id"] for f in flags["items"] if f["complaint"] and f["complaint"]["tracking_code"] == code)
        answer = "Trung tâm đã nhắc nhở cán bộ và xin lỗi Ông/Bà."
        answered = httpx.post(
            f"{live_server}/api/v1/flags/{flag_id}/status", json={"status": "answered", "text": answer}, headers=headers
        )
        assert answered.status_code == 200, answered.text
        page.goto(f"/tra-cuu?code={code}")
        page.get_by_label("Mã bí mật").fill(secret)
        page.get_by_role("button", name="Tra cứu").click()
        expect(page.get_by_text(answer)).to_be_visible()
        page.get_by_role("button", name="Không hài lòng").click()
        expect(page.get_by_role("status")).to_have_text("Cảm ơn Ông/Bà đã cho ý kiến.")
        expect(page.get_by_text("Ông/Bà đã chọn: Không hài lòng")).to_be_visible()
        screenshot(page, "complaint-answered-feedback")
    finally:
        context.close()
