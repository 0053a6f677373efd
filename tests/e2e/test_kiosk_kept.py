"""The kiosk never drops a tap: what the server refuses for good is kept aside, a re-paired kiosk never counts its
old queue under its new place, a second tab leaves the first tab's draft alone, a broken IndexedDB sends at once,
and a request left unanswered is tried again."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.scope import Scope
from survey_api.kiosks.services import KioskService
from tests.e2e.test_kiosk import (
    QUESTION,
    RATINGS,
    face,
    in_database,
    kiosk_rows,
    open_kiosk,
    pair_kiosk,
    queue_mark,
    stored_ratings,
    tap_and_send,
)

pytestmark = pytest.mark.e2e
expect.set_options(timeout=10_000)


@pytest.fixture
def token(e2e_database: str) -> str:
    return pair_kiosk(e2e_database)


def held_reported(url: str) -> list[tuple[str, int]]:
    return sorted((k.centre.code, k.held_reported) for k in kiosk_rows(url))


def test_a_rating_the_server_refuses_for_good_is_kept_aside_and_reported(
    page: Page, token: str, e2e_database: str
) -> None:
    refusal = {"status": 422, "code": "invalid_input", "message": "refused", "errors": []}
    page.route(RATINGS, lambda route: route.fulfill(status=422, json=refusal))
    open_kiosk(page, token)
    tap_and_send(page, "Hài lòng")
    expect(queue_mark(page)).to_have_text("Đã gửi hết")  # nothing waits to be sent…
    with page.expect_response("**/api/v1/kiosk/heartbeat") as beat:
        page.reload()
    assert beat.value.request.post_data_json == {"queued": 0, "held": 1}  # …but it is kept, and said
    assert held_reported(e2e_database) == [("TTPVHCC-96", 1)]
    assert stored_ratings(e2e_database) == []


def test_a_re_paired_kiosk_keeps_its_old_queue_aside_instead_of_counting_it_at_its_new_place(
    page: Page, token: str, e2e_database: str
) -> None:
    page.route(RATINGS, lambda route: route.abort())  # offline
    open_kiosk(page, token)
    tap_and_send(page, "Rất hài lòng")
    tap_and_send(page, "Hài lòng")
    expect(queue_mark(page)).to_have_text("Chờ gửi: 2")

    async def unpair(session: AsyncSession) -> None:
        kiosks = KioskService(session)
        for kiosk in await kiosks.list(Scope(role="admin")):
            await kiosks.deactivate(kiosk, Scope(role="admin"))

    in_database(e2e_database, unpair)
    page.reload()
    expect(page.get_by_role("heading", name="Ghép nối thiết bị")).to_be_visible()
    elsewhere = pair_kiosk(e2e_database, "MC-969", None, None)
    page.get_by_label("Mã thiết bị").fill(elsewhere)
    page.get_by_label("Mã thiết bị").press("Enter")
    expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()
    page.unroute(RATINGS)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(queue_mark(page)).to_have_text("Đã gửi hết")
    with page.expect_response("**/api/v1/kiosk/heartbeat") as beat:
        page.reload()
    assert beat.value.request.post_data_json == {"queued": 0, "held": 2}
    assert stored_ratings(e2e_database) == []  # not one of them counted at Cái Nước
    tap_and_send(page, "Bình thường")  # the new pairing rates as its own place
    expect(queue_mark(page)).to_have_text("Đã gửi hết")
    assert [(r.overall, r.counter_id) for r in stored_ratings(e2e_database)] == [(3, None)]


def test_a_second_tab_leaves_the_first_tabs_draft_to_it(page: Page, token: str, e2e_database: str) -> None:
    open_kiosk(page, token)
    face(page, "Không hài lòng").click()
    expect(page.get_by_role("button", name="Gửi đánh giá")).to_be_visible()
    second = page.context.new_page()
    second.goto("/kiosk/")
    expect(second.get_by_role("heading", name=QUESTION)).to_be_visible()
    expect(queue_mark(second)).to_have_text("Chờ gửi: 1")  # the first tab's draft waits for the first tab
    second.evaluate("window.dispatchEvent(new Event('online'))")
    page.get_by_role("button", name="Chờ đợi lâu").click()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(queue_mark(page)).to_have_text("Đã gửi hết")
    assert [(r.overall, r.reasons) for r in stored_ratings(e2e_database)] == [(2, ["long_wait"])]


def test_a_kiosk_whose_storage_fails_sends_the_tap_at_once_and_says_so(
    page: Page, token: str, e2e_database: str
) -> None:
    page.add_init_script(
        "IDBObjectStore.prototype.put = function () {"
        " throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };"
    )
    open_kiosk(page, token)
    with page.expect_response(RATINGS) as sent:
        face(page, "Rất hài lòng").click()
    assert sent.value.status == 201  # sent at the tap, not after the extras
    expect(queue_mark(page)).to_contain_text("Máy không lưu được đánh giá")
    # no reasons are asked for (they could not follow under the same id): the citizen is thanked at once
    page.get_by_role("button", name="Xong").click()
    expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()  # the kiosk goes on
    assert [r.overall for r in stored_ratings(e2e_database)] == [5]


def test_a_request_left_unanswered_is_abandoned_and_sent_again(page: Page, token: str, e2e_database: str) -> None:
    stalled: list[Route] = []

    def stall_first(route: Route) -> None:
        if not stalled:
            stalled.append(route)  # a half-open connection: no answer, ever
            return
        route.continue_()

    page.route(RATINGS, stall_first)
    open_kiosk(page, token, "send_timeout=1")
    tap_and_send(page, "Hài lòng")
    expect(queue_mark(page)).to_have_text("Đã gửi hết", timeout=20_000)
    assert len(stalled) == 1
    assert [r.overall for r in stored_ratings(e2e_database)] == [4]
