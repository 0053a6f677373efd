"""The kiosk page (public, light, cached by its service worker) and the dashboard's kiosk page (scoped)."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from survey_api.accounts.scope import Scope
from survey_api.accounts.services import AccountService
from survey_api.demo import DEMO_PASSWORD
from survey_api.kiosks.models import Kiosk
from survey_api.kiosks.services import KioskService
from tests.helpers import kiosk_headers, login

pytestmark = pytest.mark.anyio

PAGE_BUDGET = 150 * 1024


async def test_kiosk_page_and_everything_it_loads_weigh_under_150_kb(client: AsyncTestClient[Any]) -> None:
    page = await client.get("/kiosk/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    loaded = {"/kiosk/": len(page.content)}
    pending = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/[^"]+)"', page.text)
    assert sorted(pending) == ["/static/kiosk/app.js", "/static/kiosk/kiosk.css"]
    while pending:
        path = pending.pop()
        if path in loaded:
            continue
        asset = await client.get(path)
        assert asset.status_code == 200, path
        loaded[path] = len(asset.content)
        folder = path.rsplit("/", 1)[0]
        pending += [f"{folder}/{name}" for name in re.findall(r'from "\./([\w.-]+\.js)"', asset.text)]
    worker = await client.get("/kiosk/sw.js")
    loaded["/kiosk/sw.js"] = len(worker.content)

    assert set(loaded) == {
        "/kiosk/",
        "/kiosk/sw.js",
        "/static/kiosk/kiosk.css",
        *(f"/static/kiosk/{module}.js" for module in ("app", "state", "screens", "rating", "complaint", "device")),
        *(f"/static/kiosk/{module}.js" for module in ("tabs", "outbox", "faces")),
    }
    assert sum(loaded.values()) < PAGE_BUDGET, loaded
    # The service worker keeps exactly what the page loads, so the kiosk starts offline.
    listed = re.search(r"const SHELL = (\[[^\]]*\]);", worker.text).group(1)  # type: ignore[union-attr]
    shell = json.loads(re.sub(r",\s*\]$", "]", listed))
    assert set(shell) == set(loaded) - {"/kiosk/sw.js"}
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"


async def test_kiosk_page_is_public_vietnamese_first_with_both_languages(client: AsyncTestClient[Any]) -> None:
    page = await client.get("/kiosk/?lang=en")
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    assert "Ghép nối thiết bị" in page.text
    boot = json.loads(re.search(r'<script type="application/json" id="kiosk-boot">(.*?)</script>', page.text, re.S)[1])  # type: ignore[index]
    assert boot["messages"]["vi"]["kiosk.complain"] == "Phản ánh thái độ cán bộ"
    assert boot["messages"]["en"]["kiosk.complain"] == "Report staff conduct"
    assert set(boot["messages"]["vi"]) == set(boot["messages"]["en"])
    # The language button names the next language in itself, and starts on English.
    assert (boot["languages"], boot["base_language"]) == (["vi", "en"], "vi")
    assert boot["language_names"] == {"vi": "Tiếng Việt", "en": "English"}
    assert '<button type="button" id="lang" class="lang" lang="en">English</button>' in page.text
    assert (boot["reset_seconds"], boot["idle_seconds"], boot["heartbeat_seconds"]) == (5, 30, 60)
    assert boot["categories"] == ["harassment", "rude", "wrong_guidance", "delay", "extra_fees", "other"]
    # How long a complainant's phone number is kept (SURVEY_COMPLAINT_CONTACT_DAYS), in both languages.
    assert "Số được xóa 30 ngày sau khi phản ánh kết thúc." in page.text
    assert boot["messages"]["en"]["kiosk.consent"].endswith("It is erased 30 days after the report ends.")


# -- dashboard ------------------------------------------------------------------------------------------
async def pair(
    run_in_session: Any, centre: str = "TTPVHCC-96", counter: str | None = "TT96-Q01", name: str = ""
) -> Kiosk:
    async def work(session: Any) -> Kiosk:
        kiosk, _ = await KioskService(session).create(centre, counter, name or None, Scope(role="admin"))
        return kiosk

    return await run_in_session(work)


async def test_director_pairs_a_kiosk_and_gets_its_token_link_and_qr_once(
    demo: None, client: AsyncTestClient[Any]
) -> None:
    csrf = await login(client, "giamdoc")
    page = await client.get("/dashboard/kiosks")
    assert page.status_code == 200
    assert "Chưa có ki-ốt nào." in page.text
    assert "Ghép nối ki-ốt mới" in page.text

    form = {"centre_code": "TTPVHCC-96", "counter_code": "TT96-Q03", "name": ""}
    paired = await client.post("/dashboard/kiosks", data=form, headers=csrf)
    assert paired.status_code == 200, paired.text
    assert "Đã ghép nối ki-ốt Quầy 3 - Đăng ký kinh doanh" in paired.text
    token = re.search(r'id="kiosk-token">(hk_[\w-]+)<', paired.text)[1]  # type: ignore[index]
    assert f'href="http://127.0.0.1:8000/kiosk/?pair={token}"' in paired.text
    svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', paired.text)[1])  # type: ignore[index]
    assert b"<svg" in svg
    assert 'alt="Mã QR của liên kết ghép nối"' in paired.text

    config = await client.get("/api/v1/kiosk/config", headers={"Authorization": f"Bearer {token}"})
    assert config.status_code == 200
    assert config.json()["counter"] == {"code": "TT96-Q03", "name": "Quầy 3 - Đăng ký kinh doanh"}
    listed = await client.get("/dashboard/kiosks")
    assert token not in listed.text
    assert listed.text.count("Im lặng &gt; 10 phút") == 1
    assert "Chưa kết nối" in listed.text


async def test_wrong_counter_is_named_on_the_form(demo: None, client: AsyncTestClient[Any]) -> None:
    csrf = await login(client, "giamdoc")
    form = {"centre_code": "TTPVHCC-96", "counter_code": "NO-SUCH"}
    answer = await client.post("/dashboard/kiosks", data=form, headers=csrf)
    assert answer.status_code == 422
    assert "Quầy: không có quầy mã NO-SUCH tại trung tâm TTPVHCC-96." in answer.text
    # A name longer than a kiosk's (the form says 120, a hand-made request may not) is named, not a 500.
    form = {"centre_code": "TTPVHCC-96", "name": "Máy tính bảng " * 10}
    answer = await client.post("/dashboard/kiosks", data=form, headers=csrf)
    assert answer.status_code == 422
    assert "Tên ki-ốt: tối đa 120 ký tự." in answer.text
    elsewhere = await client.post("/dashboard/kiosks", data={"centre_code": "MC-964"}, headers=csrf)
    assert elsewhere.status_code == 422
    assert "Trung tâm: không có trung tâm mã MC-964 trong phạm vi của bạn." in elsewhere.text


async def test_heartbeats_show_last_seen_queued_count_and_silence(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    device = await kiosk_headers(run_in_session)
    await pair(run_in_session, counter="TT96-Q02", name="Ki-ốt quầy 2")
    beat = await client.post("/api/v1/kiosk/heartbeat", json={"queued": 1234}, headers=device)
    assert beat.status_code == 204
    await login(client, "giamsat")
    page = (await client.get("/dashboard/kiosks")).text
    rows = dict(re.findall(r"<tr data-kiosk=[^>]*>\s*<th scope=\"row\">([^<]+)</th>(.*?)</tr>", page, re.S))
    assert set(rows) == {"Quầy 1 - Đất đai", "Ki-ốt quầy 2"}
    assert re.search(r"<td>\d\d/\d\d/20\d\d \d\d:\d\d</td>", rows["Quầy 1 - Đất đai"])
    assert '<td class="num">1.234</td>' in rows["Quầy 1 - Đất đai"]
    assert "Đang hoạt động" in rows["Quầy 1 - Đất đai"]
    assert "Im lặng &gt; 10 phút" in rows["Ki-ốt quầy 2"]
    assert "Chưa kết nối" in rows["Ki-ốt quầy 2"]

    eleven_minutes_ago = datetime.now(UTC) - timedelta(minutes=11)
    await run_in_session(lambda s: s.execute(update(Kiosk).values(last_seen_at=eleven_minutes_ago)))
    page = (await client.get("/dashboard/kiosks")).text
    assert page.count("Im lặng &gt; 10 phút") == 2
    assert "Đang hoạt động" not in page


async def test_another_centres_director_sees_no_kiosk_of_this_centre(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    await pair(run_in_session, name="Ki-ốt tỉnh")
    await pair(run_in_session, "MC-969", None, name="Ki-ốt Cái Nước")
    await run_in_session(
        lambda s: AccountService(s).create_user(
            username="giamdoc969", password=DEMO_PASSWORD, role="director", scope_code="MC-969"
        )
    )
    csrf = await login(client, "giamdoc969")
    page = await client.get("/dashboard/kiosks")
    assert page.status_code == 200
    assert "Ki-ốt Cái Nước" in page.text
    assert "Ki-ốt tỉnh" not in page.text
    assert "TTPVHCC-96" not in page.text  # not even in the pairing form

    refused = await client.post("/dashboard/kiosks", data={"centre_code": "TTPVHCC-96"}, headers=csrf)
    assert refused.status_code == 422
    provincial = await run_in_session(lambda s: s.scalar(select(Kiosk.id).where(Kiosk.name == "Ki-ốt tỉnh")))
    hidden = await client.post(f"/dashboard/kiosks/{provincial}/duty", data={"staff_code": ""}, headers=csrf)
    assert hidden.status_code == 404


async def test_staff_cannot_pair_but_may_put_themselves_on_duty(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    kiosk = await pair(run_in_session)
    csrf = await login(client, "canbo")
    page = await client.get("/dashboard/kiosks")
    assert page.status_code == 200
    assert "Quầy 1 - Đất đai" in page.text
    assert "Ghép nối ki-ốt mới" not in page.text
    assert "Trần Thị Thu Hà" not in page.text  # only themselves in the duty list

    refused = await client.post("/dashboard/kiosks", data={"centre_code": "TTPVHCC-96"}, headers=csrf)
    assert refused.status_code == 403
    assert await run_in_session(lambda s: s.scalar(select(Kiosk.id).where(Kiosk.id != kiosk.id))) is None

    other = await client.post(f"/dashboard/kiosks/{kiosk.id}/duty", data={"staff_code": "CB-002"}, headers=csrf)
    assert other.status_code == 403
    mine = await client.post(
        f"/dashboard/kiosks/{kiosk.id}/duty", data={"staff_code": "CB-001"}, headers=csrf, follow_redirects=False
    )
    assert mine.status_code == 303
    assert mine.headers["location"] == "/dashboard/kiosks"
    on_duty = await run_in_session(
        lambda s: s.scalar(select(Kiosk).where(Kiosk.id == kiosk.id).execution_options(populate_existing=True))
    )
    assert on_duty.staff_on_duty.code == "CB-001"
