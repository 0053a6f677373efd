"""Every page under the app's Content-Security-Policy in Chromium: no script, style, image or connection is refused
(nothing the browser reports in its console or as a ``securitypolicyviolation`` event), the charts still draw and the
kiosk's service worker still keeps its pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from survey_api import db
from survey_api.demo import DEMO_PASSWORD, demo_link, load_demo_activity, load_demo_feedback, load_demo_links
from survey_api.settings import Settings
from tests.conftest import TEST_DATA_KEY, TEST_SECRET, run_async
from tests.e2e.conftest import screenshot
from tests.e2e.test_kiosk import ACTIVATED, QUESTION, pair_kiosk

pytestmark = pytest.mark.e2e
DRAWN = 20_000  # ms: the first page parses plotly.js (4.6 MB) before it draws
CHARTS = ("fig-month", "fig-bubble", "fig-timeliness", "fig-levels", "fig-reasons")
# Reports each refusal to the test, from before the page's own scripts run, on every page of the context.
LISTEN = """document.addEventListener("securitypolicyviolation", (e) =>
    window.cspViolation(`${e.effectiveDirective} refused ${e.blockedURI || "inline"} on ${e.documentURI}`));"""


async def _demo(url: str, base: str) -> tuple[str, str]:
    """The demo's activity, flags and complaints, and its unused rating links: one (dossier code, link)."""
    settings = Settings.from_env(
        {}, database_url=url, secret_key=TEST_SECRET, data_key=TEST_DATA_KEY, public_base_url=base
    )
    config = db.alchemy_config(settings)
    async with config.get_session() as session:
        await load_demo_activity(session)
        await load_demo_feedback(session, settings)
        await load_demo_links(session, settings)
        await session.commit()
        link = await demo_link(session, settings)
    await config.get_engine().dispose()
    assert link is not None
    return link


class Refusals:
    """What the browser refused under the policy, from the console and from ``securitypolicyviolation``."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        page.expose_function("cspViolation", self._event)
        page.add_init_script(LISTEN)
        page.on("console", self._console)

    def _event(self, text: str) -> None:
        self.seen.append(text)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Permissions-Policy" in message.text:
            self.seen.append(message.text)


def _login(page: Page, username: str, next_path: str) -> None:
    page.goto(f"/login?next={next_path}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")


def test_every_page_works_under_the_policy_with_nothing_refused(
    browser: Any, live_server: str, e2e_database: str
) -> None:
    dossier, rating_url = run_async(_demo(e2e_database, live_server))
    token = pair_kiosk(e2e_database)
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    refusals = Refusals(page)
    try:
        response = page.goto("/login")
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        expect(page.get_by_label("Tên đăng nhập")).to_be_visible()
        _login(page, "admin", "/dashboard/")
        expect(page.get_by_role("heading", name="Mức độ hài lòng và tiến độ giải quyết hồ sơ")).to_be_visible()
        for chart in CHARTS:
            expect(page.locator(f"#{chart} .main-svg").first).to_be_visible(timeout=DRAWN)
        page.locator("#fig-month").hover()  # the mode bar and hover labels are drawn on demand
        expect(page.locator("#fig-month .modebar")).to_be_attached()
        screenshot(page, "csp-dashboard")

        page.goto("/dashboard/centres/TTPVHCC-96")
        expect(page.locator("#fig-month .main-svg").first).to_be_visible(timeout=DRAWN)
        page.goto("/dashboard/report")
        expect(page.get_by_role("heading", name=re.compile("^BÁO CÁO KẾT QUẢ ĐÁNH GIÁ"))).to_be_visible()
        expect(page.get_by_role("button", name="In báo cáo")).to_be_visible()  # shown by the page's script

        page.goto("/dashboard/inbox/")
        expect(page.get_by_role("heading", name="Hộp thư phản ánh")).to_be_visible()
        page.locator("tbody tr").filter(has_text="Phản ánh").first.get_by_role("link").click()
        expect(page.locator("p.pre-wrap").first).to_have_css("white-space", "pre-wrap")  # the complaint's text

        page.goto("/dashboard/kiosks")
        expect(page.get_by_role("heading", name="Ki-ốt đánh giá tại quầy")).to_be_visible()
        page.get_by_label("Trung tâm", exact=True).select_option("TTPVHCC-96")
        page.get_by_label("Quầy", exact=True).select_option("TT96-Q04")
        page.get_by_role("button", name="Ghép nối", exact=True).click()
        qr = page.get_by_role("img", name="Mã QR của liên kết ghép nối")
        expect(qr).to_be_visible()
        assert qr.evaluate("(img) => img.complete && img.naturalWidth > 0")  # a data: image, allowed
        expect(page.locator(".paired img")).to_have_css("width", "224px")  # 14rem: the page's own style sheet
        page.goto("/dashboard/users")
        expect(page.get_by_role("heading", name="Tài khoản đăng nhập", level=1)).to_be_visible()
        page.goto("/dashboard/audit")
        expect(page.get_by_role("heading", name="Nhật ký hệ thống")).to_be_visible()
        page.goto(f"/api/v1/dossiers/{dossier}/slip")
        expect(page.locator(".qr svg")).to_be_visible()
        page.goto("/dashboard/no-such-page")
        expect(page.get_by_text("Không tìm thấy trang bạn cần.")).to_be_visible()

        page.goto(f"/kiosk/?pair={token}")
        expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()
        assert page.evaluate(ACTIVATED) == "activated"
        kept = page.evaluate(
            "async () => Promise.all((await caches.keys()).map(async (name) => "
            "[name, (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname).sort()]))"
        )
        modules = ("app", "complaint", "device", "faces", "outbox", "rating", "screens", "state", "tabs")
        # the page, its style sheet and its nine modules, kept for a start without network
        shell = sorted(["/kiosk/", "/static/kiosk/kiosk.css", *(f"/static/kiosk/{m}.js" for m in modules)])
        assert kept == [["hailong-kiosk-v2", shell]]

        page.goto(rating_url)
        expect(page.get_by_role("heading", name="Ông/Bà có hài lòng với sự phục vụ hôm nay không?")).to_be_visible()
        page.get_by_role("link", name="Phản ánh thái độ cán bộ").click()
        expect(page.get_by_role("heading", name="Phản ánh, kiến nghị")).to_be_visible()
        page.goto("/tra-cuu")
        expect(page.get_by_role("heading", name="Tra cứu phản ánh")).to_be_visible()
    finally:
        context.close()
    assert refusals.seen == []
