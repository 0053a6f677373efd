"""The counter kiosk in Chromium: pairing and the lock, tap → reasons → thank-you → reset, idle reset,
complaints, and 50 ratings tapped offline (with a reload midway) stored exactly once."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api import db
from survey_api.accounts.scope import Scope
from survey_api.demo import DEMO_PASSWORD
from survey_api.kiosks.models import Kiosk
from survey_api.kiosks.services import KioskService
from survey_api.ratings.models import Rating
from survey_api.settings import Settings
from tests.conftest import TEST_DATA_KEY, TEST_SECRET, run_async
from tests.e2e.conftest import CHROMIUM, assert_accessible, screenshot

pytestmark = pytest.mark.e2e
# Every tap is committed to disk (IndexedDB, strict durability) before the next screen: allow a busy machine time.
expect.set_options(timeout=10_000)

CENTRE = "Trung tâm Giải quyết thủ tục hành chính tỉnh Cà Mau"
COUNTER = "Quầy 1 - Đất đai"
QUESTION = "Ông/Bà có hài lòng với sự phục vụ hôm nay không?"
RATINGS = "**/api/v1/ratings"


def in_database(url: str, work: Callable[[AsyncSession], Any]) -> Any:
    """Run ``work`` in one committed transaction on the server's database (its own engine, disposed)."""

    async def main() -> Any:
        config = db.alchemy_config(
            Settings.from_env({}, database_url=url, secret_key=TEST_SECRET, data_key=TEST_DATA_KEY)
        )
        try:
            async with config.get_session() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await config.get_engine().dispose()

    return run_async(main())


def pair_kiosk(
    url: str, centre: str = "TTPVHCC-96", counter: str | None = "TT96-Q01", staff: str | None = "CB-001"
) -> str:
    async def work(session: AsyncSession) -> str:
        kiosks = KioskService(session)
        kiosk, token = await kiosks.create(centre, counter, None, Scope(role="admin"))
        if staff:
            await kiosks.set_duty(kiosk, staff, None, Scope(role="admin"))  # type: ignore[arg-type]
        return token

    return in_database(url, work)


def stored_ratings(url: str) -> list[Rating]:
    async def work(session: AsyncSession) -> list[Rating]:
        return list(await session.scalars(select(Rating).order_by(Rating.submitted_at)))

    return in_database(url, work)


def rating_count(url: str) -> tuple[int, int]:
    """(rows, distinct ids) of stored ratings."""

    async def work(session: AsyncSession) -> tuple[int, int]:
        row = (await session.execute(select(func.count(), func.count(func.distinct(Rating.id))))).one()
        return int(row[0]), int(row[1])

    return in_database(url, work)


def kiosk_rows(url: str) -> list[Kiosk]:
    return in_database(url, lambda session: _all(session, select(Kiosk)))


async def _all(session: AsyncSession, query: Any) -> list[Any]:
    return list(await session.scalars(query))


@pytest.fixture
def token(e2e_database: str) -> str:
    """A kiosk paired to counter 1 of the provincial centre, with Nguyễn Văn Hùng (CB-001) on duty."""
    return pair_kiosk(e2e_database)


def open_kiosk(page: Page, token: str, query: str = "") -> None:
    page.goto(f"/kiosk/?pair={token}{'&' + query if query else ''}")
    expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()


def face(page: Page, word: str) -> Any:
    return page.locator("#faces").get_by_role("button", name=word, exact=True)


def queue_mark(page: Page) -> Any:
    return page.locator("#queue")


# -- tap → reasons → thank-you → automatic reset --------------------------------------------------------
def test_tap_reasons_thanks_then_reset_after_five_seconds(
    page: Page, token: str, e2e_database: str, axe_script: Path
) -> None:
    page.clock.install()
    open_kiosk(page, token)
    expect(page.locator("#centre-name")).to_have_text(CENTRE)
    expect(page.locator("#counter-name")).to_have_text(COUNTER)
    expect(page.get_by_text("Cán bộ phục vụ: Nguyễn Văn Hùng")).to_be_visible()
    expect(page.locator("#faces button")).to_have_text(
        ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"]
    )
    expect(queue_mark(page)).to_have_text("Đã gửi hết")
    screenshot(page, "kiosk-start")
    assert_accessible(page, axe_script)

    face(page, "Không hài lòng").click()
    expect(page.get_by_role("heading", name="Ông/Bà đã chọn: Không hài lòng")).to_be_visible()
    chips = page.locator("#reasons button")
    expect(chips).to_have_text(
        [
            "Chờ đợi lâu",
            "Giải quyết chậm, trễ hẹn",
            "Phải đi lại nhiều lần",
            "Hướng dẫn không rõ ràng",
            "Thái độ chưa lịch sự",
            "Có biểu hiện nhũng nhiễu, gây phiền hà",
            "Thu phí ngoài quy định",
        ]
    )
    long_wait = page.get_by_role("button", name="Chờ đợi lâu")
    long_wait.click()
    expect(long_wait).to_have_attribute("aria-pressed", "true")
    page.get_by_label("Góp ý thêm (không bắt buộc)").fill("Phải chờ hơn một giờ")
    screenshot(page, "kiosk-reasons")
    assert_accessible(page, axe_script)

    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("heading", name="Cảm ơn Ông/Bà đã đánh giá!")).to_be_visible()
    expect(queue_mark(page)).to_have_text("Đã gửi hết")
    screenshot(page, "kiosk-thanks")
    assert_accessible(page, axe_script)

    page.clock.run_for(4_000)
    expect(page.get_by_role("heading", name="Cảm ơn Ông/Bà đã đánh giá!")).to_be_visible()
    page.clock.run_for(1_500)
    expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()

    [rating] = stored_ratings(e2e_database)
    assert (rating.channel, rating.overall, rating.reasons) == ("kiosk", 2, ["long_wait"])
    # the id the kiosk made is time-ordered (UUID version 7): its first 48 bits are the tap's moment in milliseconds
    assert rating.id.version == 7
    assert 0 <= round(rating.submitted_at.timestamp() * 1000) - (rating.id.int >> 80) <= 1  # made in the same task
    assert (rating.comment, rating.language) == ("Phải chờ hơn một giờ", "vi")
    [kiosk] = kiosk_rows(e2e_database)
    assert rating.kiosk_id == kiosk.id
    assert rating.staff_id == kiosk.staff_on_duty_id is not None


def test_the_language_button_names_the_next_language_in_itself_and_goes_round(page: Page, token: str) -> None:
    open_kiosk(page, token)
    button = page.locator("#lang")
    expect(button).to_have_text("English")
    expect(button).to_have_attribute("lang", "en")
    button.click()
    expect(page.get_by_role("heading", name="Are you satisfied with the service today?")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(button).to_have_text("Tiếng Việt")
    expect(button).to_have_attribute("lang", "vi")
    button.click()
    expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()
    expect(button).to_have_text("English")


def test_idle_sends_the_tapped_level_drops_extras_and_returns_to_vietnamese(
    page: Page, token: str, e2e_database: str
) -> None:
    page.clock.install()
    open_kiosk(page, token)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Are you satisfied with the service today?")).to_be_visible()
    face(page, "Satisfied").click()
    expect(page.get_by_role("heading", name="You chose: Satisfied")).to_be_visible()
    page.get_by_role("button", name="Friendly and helpful").click()
    page.get_by_label("Comment (optional)").fill("not finished")

    page.clock.run_for(29_000)
    expect(page.get_by_role("heading", name="You chose: Satisfied")).to_be_visible()
    page.clock.run_for(2_000)
    expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(queue_mark(page)).to_have_text("Đã gửi hết")

    [rating] = stored_ratings(e2e_database)
    assert (rating.overall, rating.reasons, rating.comment, rating.language) == (4, [], None, "en")


def test_three_face_centre_shows_three_faces(page: Page, e2e_database: str) -> None:
    async def three(session: AsyncSession) -> None:
        from survey_api.org.models import Centre

        centre = await session.scalar(select(Centre).where(Centre.code == "MC-969"))
        assert centre is not None
        centre.kiosk_levels = 3

    in_database(e2e_database, three)
    open_kiosk(page, pair_kiosk(e2e_database, "MC-969", None, None))
    expect(page.locator("#centre-name")).to_have_text("Bộ phận Một cửa huyện Cái Nước")
    expect(page.locator("#faces button")).to_have_text(["Rất hài lòng", "Hài lòng", "Không hài lòng"])
    expect(page.locator("#staff")).to_be_hidden()
    face(page, "Không hài lòng").click()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("heading", name="Cảm ơn Ông/Bà đã đánh giá!")).to_be_visible()
    expect(queue_mark(page)).to_have_text("Đã gửi hết")
    assert [r.overall for r in stored_ratings(e2e_database)] == [2]


# -- pairing and the lock -------------------------------------------------------------------------------
def test_pairing_by_typing_then_locked_until_unpaired(
    page: Page, token: str, e2e_database: str, axe_script: Path
) -> None:
    page.goto("/kiosk/")
    expect(page.get_by_role("heading", name="Ghép nối thiết bị")).to_be_visible()
    screenshot(page, "kiosk-setup")
    assert_accessible(page, axe_script)
    field = page.get_by_label("Mã thiết bị")
    field.press("Enter")
    expect(page.get_by_role("alert").first).to_have_text("Vui lòng nhập mã thiết bị.")
    field.fill("hk_" + "x" * 40)
    field.press("Enter")
    expect(page.locator("#pair-error")).to_have_text("Mã thiết bị không đúng hoặc đã bị thu hồi.")
    field.fill(token)
    field.press("Enter")
    expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()
    expect(page.locator("#centre-name")).to_have_text(CENTRE)
    expect(page.locator("#counter-name")).to_have_text(COUNTER)

    page.reload()
    expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()
    expect(page.locator("#centre-name")).to_have_text(CENTRE)

    # A pairing link for another centre does not move a paired kiosk, and leaves no token in the address bar.
    other = pair_kiosk(e2e_database, "MC-969", None, None)
    page.goto(f"/kiosk/?pair={other}")
    expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()
    expect(page.locator("#notice")).to_have_text(
        f"Thiết bị đã được ghép nối với {CENTRE} – {COUNTER}. Liên kết ghép nối mới không được áp dụng."
    )
    expect(page.locator("#centre-name")).to_have_text(CENTRE)
    expect(page).to_have_url(re.compile(r"/kiosk/$"))
    screenshot(page, "kiosk-locked")
    assert_accessible(page, axe_script)

    async def unpair(session: AsyncSession) -> None:
        kiosks = KioskService(session)
        for kiosk in await kiosks.list(Scope(role="admin")):
            if kiosk.centre.code == "TTPVHCC-96":
                await kiosks.deactivate(kiosk, Scope(role="admin"))

    in_database(e2e_database, unpair)
    page.reload()
    expect(page.get_by_role("heading", name="Ghép nối thiết bị")).to_be_visible()
    expect(page.locator("#pair-error")).to_have_text("Thiết bị đã bị hủy ghép nối. Vui lòng ghép nối lại.")


# -- complaint ------------------------------------------------------------------------------------------
def test_complaint_is_sent_with_the_rating_and_its_tracking_code_shown(
    page: Page, token: str, e2e_database: str, axe_script: Path
) -> None:
    sent: list[dict[str, Any]] = []

    def complaints_api(route: Route) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(status=201, json={"tracking_code": "PA-2026-7KQ4MX", "secret": "K7Q2-M4XP"})

    page.route("**/api/v1/complaints", complaints_api)
    open_kiosk(page, token)
    face(page, "Rất không hài lòng").click()
    page.get_by_role("button", name="Có biểu hiện nhũng nhiễu, gây phiền hà").click()
    page.get_by_role("button", name="Phản ánh thái độ cán bộ").click()
    expect(page.get_by_role("heading", name="Phản ánh thái độ cán bộ")).to_be_visible()
    screenshot(page, "kiosk-complaint")
    assert_accessible(page, axe_script)

    send = page.get_by_role("button", name="Gửi phản ánh")
    send.click()
    expect(page.locator("#complaint-error")).to_have_text("Vui lòng chọn nội dung phản ánh.")
    page.get_by_role("button", name="Nhũng nhiễu, gây phiền hà").click()
    send.click()
    expect(page.locator("#complaint-error")).to_have_text("Vui lòng mô tả sự việc.")
    page.get_by_label("Mô tả sự việc").fill("Cán bộ gợi ý nộp thêm tiền để làm nhanh")
    page.get_by_label("Số điện thoại để được trả lời (không bắt buộc)").fill("0912 345 678")
    send.click()
    expect(page.locator("#complaint-error")).to_have_text("Vui lòng đánh dấu đồng ý, hoặc để trống số điện thoại.")
    page.get_by_label("Tôi đồng ý để Trung tâm dùng số điện thoại này chỉ để liên hệ về phản ánh này.").check()
    send.click()

    expect(page.get_by_role("heading", name="Cảm ơn Ông/Bà đã đánh giá!")).to_be_visible()
    expect(page.locator("#tracking")).to_contain_text("Mã theo dõi phản ánh: PA-2026-7KQ4MX")
    expect(page.locator("#tracking")).to_contain_text("Mã bí mật: K7Q2-M4XP")
    expect(queue_mark(page)).to_have_text("Đã gửi hết")
    screenshot(page, "kiosk-thanks-complaint")
    assert_accessible(page, axe_script)

    [complaint] = sent
    uuid.UUID(complaint.pop("id"))
    assert complaint.pop("submitted_at").endswith("Z")
    assert complaint == {
        "category": "harassment",
        "text": "Cán bộ gợi ý nộp thêm tiền để làm nhanh",
        "phone": "0912 345 678",
        "consent": True,
        "language": "vi",
        "staff_code": "CB-001",
    }
    [rating] = stored_ratings(e2e_database)
    assert (rating.overall, rating.reasons) == (1, ["harassment"])


def test_complaint_waits_in_the_queue_while_the_complaints_api_is_missing(page: Page, token: str) -> None:
    page.route("**/api/v1/complaints", lambda route: route.fulfill(status=404, json={"status": 404}))
    open_kiosk(page, token)
    face(page, "Bình thường").click()
    page.get_by_role("button", name="Phản ánh thái độ cán bộ").click()
    page.get_by_role("button", name="Hướng dẫn sai").click()
    page.get_by_label("Mô tả sự việc").fill("Hướng dẫn sai mẫu tờ khai")
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.get_by_text("Phản ánh của Ông/Bà đã được ghi nhận")).to_be_visible()
    expect(page.locator("#tracking")).to_be_hidden()
    expect(queue_mark(page)).to_have_text("Chờ gửi: 1")


# -- offline, exactly once ------------------------------------------------------------------------------
def tap_and_send(page: Page, word: str) -> None:
    face(page, word).click()
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.get_by_role("button", name="Xong").click()
    expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()


def test_fifty_ratings_tapped_offline_with_a_reload_are_stored_exactly_once(
    page: Page, token: str, e2e_database: str
) -> None:
    words = ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"]
    page.route(RATINGS, lambda route: route.abort())
    open_kiosk(page, token)
    for i in range(25):
        tap_and_send(page, words[i % 5])
    expect(queue_mark(page)).to_have_text("Chờ gửi: 25")

    with page.expect_response("**/api/v1/kiosk/heartbeat") as beat:
        page.reload()
    assert beat.value.status == 204
    assert beat.value.request.post_data_json == {"queued": 25, "held": 0}
    expect(queue_mark(page)).to_have_text("Chờ gửi: 25")
    assert [k.queued_reported for k in kiosk_rows(e2e_database)] == [25]

    for i in range(25, 50):
        tap_and_send(page, words[i % 5])
    expect(queue_mark(page)).to_have_text("Chờ gửi: 50")
    assert rating_count(e2e_database) == (0, 0)

    # The API comes back, but the first three answers are lost on the way: the kiosk sends those again.
    lost: list[str] = []

    def lossy(route: Route) -> None:
        response = route.fetch()
        if len(lost) < 3:
            lost.append(json.loads(route.request.post_data or "{}")["id"])
            route.abort()
        else:
            route.fulfill(response=response)

    page.unroute(RATINGS)
    page.route(RATINGS, lossy)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(queue_mark(page)).to_have_text("Đã gửi hết", timeout=20_000)

    assert len(lost) == 3
    assert rating_count(e2e_database) == (50, 50)
    stored = stored_ratings(e2e_database)
    assert sorted(r.overall for r in stored) == sorted([5, 4, 3, 2, 1] * 10)
    assert {str(r.id) for r in stored} >= set(lost)


# -- portrait -------------------------------------------------------------------------------------------
@pytest.fixture
def portrait(browser: Any, live_server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport={"width": 800, "height": 1280})
    yield context.new_page()
    context.close()


def test_portrait_tablet_screens(portrait: Page, token: str, axe_script: Path) -> None:
    open_kiosk(portrait, token)
    screenshot(portrait, "kiosk-start-portrait")
    assert_accessible(portrait, axe_script)
    face(portrait, "Rất hài lòng").click()
    expect(portrait.get_by_role("button", name="Giải quyết nhanh, đúng hẹn")).to_be_visible()
    screenshot(portrait, "kiosk-reasons-portrait")
    portrait.get_by_role("button", name="Gửi đánh giá").click()
    expect(portrait.get_by_role("heading", name="Cảm ơn Ông/Bà đã đánh giá!")).to_be_visible()
    screenshot(portrait, "kiosk-thanks-portrait")


# -- offline start-up -----------------------------------------------------------------------------------
def test_kiosk_starts_from_its_service_worker_after_a_browser_restart_offline(
    browser: Any, live_server: str, token: str, e2e_database: str, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"

    def launch() -> Any:
        return browser.browser_type.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
            base_url=live_server,
            locale="vi-VN",
            viewport={"width": 1280, "height": 800},
        )

    context = launch()
    page = context.new_page()
    open_kiosk(page, token)
    assert page.evaluate(ACTIVATED) == "activated"
    context.set_offline(True)
    tap_and_send(page, "Hài lòng")
    tap_and_send(page, "Rất hài lòng")
    expect(queue_mark(page)).to_have_text("Chờ gửi: 2")
    context.close()

    served = kiosk_page_loads(tmp_path)
    assert served >= 1
    context = launch()
    context.set_offline(True)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    response = page.goto("/kiosk/")
    assert response is not None
    assert response.from_service_worker
    expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()
    expect(page.locator("#centre-name")).to_have_text(CENTRE)
    expect(queue_mark(page)).to_have_text("Chờ gửi: 2")
    assert kiosk_page_loads(tmp_path) == served
    screenshot(page, "kiosk-offline-restart")

    context.set_offline(False)
    expect(queue_mark(page)).to_have_text("Đã gửi hết", timeout=15_000)
    assert sorted(r.overall for r in stored_ratings(e2e_database)) == [4, 5], console
    context.close()


ACTIVATED = """async () => {
    const worker = (await navigator.serviceWorker.ready).active;
    while (worker.state !== "activated") await new Promise((done) => worker.addEventListener("statechange", done));
    return worker.state;
}"""


def kiosk_page_loads(folder: Path) -> int:
    """How many times the server sent the kiosk page (the access log of ``live_server``)."""
    return len(re.findall(r'"GET /kiosk/?(\?\S*)? HTTP', (folder / "server.log").read_text()))


# -- the admin's kiosk page -----------------------------------------------------------------------------
def test_director_pairs_a_kiosk_on_the_dashboard_and_the_tablet_opens_its_link(
    page: Page, browser: Any, live_server: str, axe_script: Path
) -> None:
    page.goto("/login?next=/dashboard/kiosks")
    page.get_by_label("Tên đăng nhập").fill("giamdoc")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Ki-ốt đánh giá tại quầy")).to_be_visible()
    page.get_by_label("Quầy", exact=True).select_option("TT96-Q04")
    page.get_by_role("button", name="Ghép nối", exact=True).click()
    expect(page.get_by_role("heading", name="Đã ghép nối ki-ốt Quầy 4 - Tư pháp")).to_be_visible()
    expect(page.get_by_role("img", name="Mã QR của liên kết ghép nối")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Quầy 4 - Tư pháp"))).to_contain_text("Im lặng > 10 phút")
    screenshot(page, "dashboard-kiosks")
    assert_accessible(page, axe_script)
    link = page.locator("#pair-link").get_attribute("href")
    assert link is not None
    assert link.startswith(f"{live_server}/kiosk/?pair=hk_")

    tablet = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800}).new_page()
    with tablet.expect_response("**/api/v1/kiosk/heartbeat") as beat:
        tablet.goto(link)
    assert beat.value.status == 204
    expect(tablet.get_by_role("heading", name=QUESTION)).to_be_visible()
    expect(tablet.locator("#counter-name")).to_have_text("Quầy 4 - Tư pháp")
    tablet.context.close()

    page.goto("/dashboard/kiosks")
    row = page.get_by_role("row", name=re.compile("Quầy 4 - Tư pháp"))
    expect(row).to_contain_text("Đang hoạt động")
    expect(row).to_contain_text(re.compile(r"\d\d/\d\d/20\d\d \d\d:\d\d"))
