"""The dashboard pages on constructed data: exact Vietnamese figures, methods, sorting, drill-down, small groups,
scope (404 outside it), the staff page, the printable report, local plotly.js, and the demo activity."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, insert, select

from survey_api.demo import load_demo_activity
from survey_api.dossiers.models import Dossier
from survey_api.i18n import translate
from survey_api.org.models import Agency, Centre, Counter, Procedure, Staff
from survey_api.ratings.models import Rating, Survey
from survey_api.reports.figures import METHOD_LABELS
from survey_api.reports.rebuild import rebuild
from tests.helpers import login

pytestmark = pytest.mark.anyio
TZ = "Asia/Ho_Chi_Minh"
JUNE = {"date_from": "2026-06-01", "date_to": "2026-06-30"}
HTML = {"accept": "text/html"}

# Cái Nước (MC-969): counter 1 / staff CB-013 rated 5×7, 4×3, 3, 2 (10 of 12 satisfied); counter 2 / staff
# CB-014 rated 5, 5, 1 (too few for a percentage). Four dossiers resolved: three early, one late; all
# returned, three of them rated. TP Cà Mau (MC-964): 5, 5, 5, 4 and two dossiers on time.
CAI_NUOC_Q1 = [5] * 7 + [4] * 3 + [3, 2]
CAI_NUOC_Q2 = [5, 5, 1]
TP_CA_MAU = [5, 5, 5, 4]


def _at(day: int, hour: int) -> datetime:
    """``hour`` o'clock local time (UTC+7) on a June 2026 day."""
    return datetime(2026, 6, day, hour, 0, tzinfo=UTC) - timedelta(hours=7)


async def build_june(session: Any) -> None:
    async def id_of(model: Any, code: str) -> uuid.UUID:
        return await session.scalar(select(model.id).where(model.code == code))  # type: ignore[no-any-return]

    survey = await session.scalar(select(Survey.id))
    procedure = await id_of(Procedure, "1.004227")
    due = _at(15, 17)
    dossiers: list[dict[str, Any]] = []
    ratings: list[dict[str, Any]] = []

    def dossier(centre: uuid.UUID, counter: uuid.UUID, staff: uuid.UUID, resolved: datetime) -> uuid.UUID:
        dossier_id = uuid.uuid4()
        dossiers.append(
            {
                "id": dossier_id,
                "code": f"T-{len(dossiers) + 1:03d}",
                "procedure_id": procedure,
                "centre_id": centre,
                "counter_id": counter,
                "staff_id": staff,
                "channel": "counter",
                "status": "returned",
                "received_at": _at(1, 9),
                "due_at": due,
                "resolved_at": resolved,
                "returned_at": resolved + timedelta(hours=2),
                "paused": [],
                "event_at": resolved + timedelta(hours=2),
            }
        )
        return dossier_id

    def rate(centre: uuid.UUID, counter: uuid.UUID, staff: uuid.UUID, level: int, dossier_id: Any = None) -> None:
        at = _at(20, 9) + timedelta(minutes=len(ratings))
        ratings.append(
            {
                "id": uuid.uuid4(),
                "survey_id": survey,
                "channel": "qr" if dossier_id else "kiosk",
                "centre_id": centre,
                "counter_id": counter,
                "staff_id": staff,
                "dossier_id": dossier_id,
                "overall": level,
                "answers": {},
                "reasons": ["slow", "long_wait"] if level <= 2 else (["fast"] if level == 5 else []),
                "language": "vi",
                "submitted_at": at,
                "received_at": at,
                "suspected_repeat": False,
                "body_hash": "x",
            }
        )

    cn, q1, q2 = await id_of(Centre, "MC-969"), await id_of(Counter, "MC969-Q01"), await id_of(Counter, "MC969-Q02")
    s1, s2 = await id_of(Staff, "CB-013"), await id_of(Staff, "CB-014")
    tied = [dossier(cn, q1, s1, _at(10, 10)) for _ in range(3)]
    dossier(cn, q1, s1, _at(17, 10))  # late
    for index, level in enumerate(CAI_NUOC_Q1):
        rate(cn, q1, s1, level, tied[index] if index < 3 else None)
    for level in CAI_NUOC_Q2:
        rate(cn, q2, s2, level)
    tp, tq, ts = await id_of(Centre, "MC-964"), await id_of(Counter, "MC964-Q01"), await id_of(Staff, "CB-010")
    dossier(tp, tq, ts, _at(15, 10))
    dossier(tp, tq, ts, _at(15, 11))
    for level in TP_CA_MAU:
        rate(tp, tq, ts, level)
    await session.execute(insert(Dossier), dossiers)
    await session.execute(insert(Rating), ratings)
    await rebuild(session, TZ)


@pytest.fixture
async def june(demo: None, run_in_session: Any) -> None:
    await run_in_session(build_june)


async def page(client: AsyncTestClient[Any], path: str, **params: str) -> str:
    response = await client.get(path, params=params, headers=HTML)
    assert response.status_code == 200, response.text[:500]
    return response.text


def text_of(html: str) -> str:
    """The page's visible text, one space between words (tags removed)."""
    html = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def table_rows(html: str, table: str) -> list[list[str]]:
    """Cells of the body rows of the table in ``<section id=table>``."""
    section = re.search(rf'<section[^>]*id="{table}".*?</section>', html, flags=re.S)
    assert section, f"no table {table}"
    body = re.search(r"<tbody>(.*?)</tbody>", section.group(0), flags=re.S)
    assert body
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), flags=re.S)
    return [[text_of(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)] for row in rows]


def card(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}"[^>]*>(.*?)</(p|dl)>', html, flags=re.S)
    assert match, name
    return text_of(match.group(1))


def figures(html: str) -> dict[str, Any]:
    return {
        target: json.loads(body)
        for target, body in re.findall(
            r'<script type="application/json" class="figure" data-target="([^"]+)">(.*?)</script>', html, flags=re.S
        )
    }


async def test_the_province_sees_exact_figures_in_vietnamese_form(client: AsyncTestClient[Any], june: None) -> None:
    await login(client, "tinh")
    html = await page(client, "/dashboard/", **JUNE)
    assert card(html, "satisfaction") == "84,21%"  # 16 of 19
    assert card(html, "ratings") == "19"
    assert card(html, "coverage") == "50,00%"  # 3 rated of 6 returned
    assert card(html, "timeliness") == "Trước hạn 50,00% Đúng hạn 33,33% Trễ hạn 16,67%"
    text = text_of(html)
    assert "Kỳ báo cáo: từ ngày 01/06/2026 đến ngày 30/06/2026" in text
    assert translate(METHOD_LABELS["top2"]) in text
    rows = table_rows(html, "centres")
    assert rows[0][:4] == ["Bộ phận Một cửa huyện Cái Nước", "15", "80,00%", "75,00%"]
    assert rows[0][4:8] == ["4", "75,00%", "0,00%", "25,00%"]
    assert rows[1][:3] == ["Bộ phận Một cửa TP Cà Mau", "4", "100,00%"]
    districts = table_rows(html, "districts")
    assert [r[0] for r in districts] == ["Huyện Cái Nước", "Thành phố Cà Mau"]
    # The start page still says who is logged in and what they see.
    assert "Xin chào, Văn phòng UBND tỉnh Cà Mau" in text
    assert "Tỉnh Cà Mau (96)" in text


async def test_charts_are_plotly_json_with_the_figures_and_vietnamese_axes(
    client: AsyncTestClient[Any], june: None
) -> None:
    await login(client, "tinh")
    html = await page(client, "/dashboard/", **JUNE)
    found = figures(html)
    assert set(found) == {"fig-month", "fig-bubble", "fig-timeliness", "fig-levels", "fig-reasons"}
    month = found["fig-month"]
    assert month["data"][0]["x"] == ["06/2026"]
    assert month["data"][0]["y"] == [84.21]
    assert month["layout"]["yaxis"]["title"]["text"] == "Tỷ lệ hài lòng (%)"
    assert month["layout"]["separators"] == ",."
    levels = found["fig-levels"]["data"][0]
    assert levels["y"] == [1, 1, 1, 4, 12]
    reasons = found["fig-reasons"]["data"]
    assert "Giải quyết nhanh, đúng hẹn" in reasons[0]["y"]
    assert "Giải quyết chậm, trễ hẹn" in reasons[1]["y"]
    bubble = found["fig-bubble"]["data"][0]
    assert sorted(zip(bubble["x"], bubble["y"], bubble["customdata"], strict=True)) == [
        (0.0, 100.0, 4),
        (25.0, 80.0, 15),
    ]
    # plotly.js is served by the app, never a CDN.
    assert '<script src="/dashboard/assets/plotly.min.js?v=' in html
    assert re.findall(r'(?:src|href)="(?:https?:)?//', html) == []
    asset = await client.get("/dashboard/assets/plotly.min.js")
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-type"].startswith("text/javascript")
    assert "plotly.js" in asset.text[:500]
    module = await client.get("/static/dashboard.js")
    assert module.status_code == 200
    assert "displaylogo: false" in module.text
    assert "responsive: true" in module.text


def reasons_chart(html: str) -> dict[str, int]:
    """Times chosen by reason label, from the reasons chart's bars."""
    bars = figures(html)["fig-reasons"]["data"]
    return {label: count for bar in bars for label, count in zip(bar["y"], bar["x"], strict=True)}


async def test_the_reasons_chart_follows_one_filter_and_says_when_it_cannot(
    client: AsyncTestClient[Any], june: None, run_in_session: Any
) -> None:
    """Top reasons follow an agency, a procedure or a channel filter with their exact counts; with two of them at
    once the chart covers every agency, procedure and channel, and its note says so."""

    async def two_land_office_taps(session: Any) -> None:
        """Two kiosk ratings at Cái Nước's land counter, through the land office (CNVPDK-969)."""
        at = _at(21, 9)
        row = {
            "survey_id": await session.scalar(select(Survey.id)),
            "channel": "kiosk",
            "centre_id": await session.scalar(select(Centre.id).where(Centre.code == "MC-969")),
            "agency_id": await session.scalar(select(Agency.id).where(Agency.code == "CNVPDK-969")),
            "answers": {},
            "language": "vi",
            "submitted_at": at,
            "received_at": at,
            "suspected_repeat": False,
            "body_hash": "x",
        }
        await session.execute(
            insert(Rating),
            [
                {**row, "id": uuid.uuid4(), "overall": 1, "reasons": ["rude", "long_wait"]},
                {**row, "id": uuid.uuid4(), "overall": 5, "reasons": ["friendly"]},
            ],
        )
        await rebuild(session, TZ)

    await run_in_session(two_land_office_taps)
    fast, wait, slow = "Giải quyết nhanh, đúng hẹn", "Chờ đợi lâu", "Giải quyết chậm, trễ hẹn"
    rude, friendly = "Thái độ chưa lịch sự", "Thái độ niềm nở, tận tình"
    await login(client, "tinh")
    plain = await page(client, "/dashboard/", **JUNE)
    assert reasons_chart(plain) == {fast: 12, friendly: 1, wait: 3, slow: 2, rude: 1}
    by_agency = await page(client, "/dashboard/", **JUNE, agency="CNVPDK-969")
    assert reasons_chart(by_agency) == {friendly: 1, wait: 1, rude: 1}
    by_qr = await page(client, "/dashboard/", **JUNE, channel="qr")
    assert reasons_chart(by_qr) == {fast: 3}
    by_procedure = await page(client, "/dashboard/", **JUNE, procedure="1.004227")  # these ratings name none
    assert "Chưa có lý do nào được chọn." in text_of(by_procedure)
    unfiltered_note = "khi lọc từ hai tiêu chí trở lên, biểu đồ này gồm mọi cơ quan, thủ tục và kênh"
    for one_filter in (plain, by_agency, by_qr, by_procedure):
        assert "Theo các tháng trong kỳ, cho các trung tâm đã chọn." in text_of(one_filter)
        assert unfiltered_note not in text_of(one_filter)
    two = await page(client, "/dashboard/", **JUNE, agency="CNVPDK-969", channel="kiosk")
    assert unfiltered_note in text_of(two)
    assert reasons_chart(two) == reasons_chart(plain)
    in_english = await page(client, "/dashboard/", **JUNE, agency="CNVPDK-969", channel="kiosk", lang="en")
    assert "reasons follow one filter at a time (agency, procedure or channel)" in text_of(in_english)


async def test_methods_are_selectable_and_labelled(client: AsyncTestClient[Any], june: None) -> None:
    await login(client, "xem")
    html = await page(client, "/dashboard/", **JUNE, method="not_dissatisfied")
    assert card(html, "satisfaction") == "86,67%"  # 13 of 15: only levels 1 and 2 count against
    assert translate(METHOD_LABELS["not_dissatisfied"]) in text_of(html)
    assert 'value="not_dissatisfied" checked' in html
    html = await page(client, "/dashboard/", **JUNE, method="mean")
    assert card(html, "satisfaction") == "4,20"  # 63 / 15
    assert translate(METHOD_LABELS["mean"]) in text_of(html)
    assert figures(html)["fig-month"]["layout"]["yaxis"]["title"]["text"] == "Điểm trung bình (1–5)"


async def test_tables_sort_on_the_server_and_say_so(client: AsyncTestClient[Any], june: None) -> None:
    await login(client, "tinh")
    html = await page(client, "/dashboard/", **JUNE, centres_sort="-satisfaction")
    assert [r[0] for r in table_rows(html, "centres")] == [
        "Bộ phận Một cửa TP Cà Mau",
        "Bộ phận Một cửa huyện Cái Nước",
    ]
    section = re.search(r'<section[^>]*id="centres".*?</section>', html, flags=re.S)
    assert section
    sorted_heads = re.findall(r'<th scope="col" aria-sort="(\w+)"[^>]*>\s*<a href="([^"]+)">([^<]+)', section.group(0))
    assert len(sorted_heads) == 1
    aria, href, label = sorted_heads[0]
    assert (aria, label.strip()) == ("descending", "Tỷ lệ hài lòng")
    # The link sorts the other way and keeps the filters.
    query = parse_qs(urlparse(unescape(href)).query)
    assert query["centres_sort"] == ["satisfaction"]
    assert query["date_from"] == ["2026-06-01"]
    html = await page(client, "/dashboard/", **JUNE, centres_sort="satisfaction")
    assert [r[0] for r in table_rows(html, "centres")] == [
        "Bộ phận Một cửa huyện Cái Nước",
        "Bộ phận Một cửa TP Cà Mau",
    ]
    assert 'aria-sort="ascending"' in html


async def test_a_viewer_of_cai_nuoc_sees_only_cai_nuoc(client: AsyncTestClient[Any], june: None) -> None:
    await login(client, "xem")
    html = await page(client, "/dashboard/", **JUNE)
    assert [r[0] for r in table_rows(html, "centres")] == ["Bộ phận Một cửa huyện Cái Nước"]
    assert "TP Cà Mau" not in text_of(html).replace("Tỉnh Cà Mau", "")
    assert card(html, "satisfaction") == "80,00%"
    assert card(html, "ratings") == "15"
    response = await client.get("/dashboard/centres/MC-964", headers=HTML)
    assert response.status_code == 404
    assert "Không tìm thấy trang bạn cần." in response.text


async def test_centre_drill_down_shows_counters_staff_and_procedures(client: AsyncTestClient[Any], june: None) -> None:
    await login(client, "tinh")
    html = await page(client, "/dashboard/centres/MC-969", **JUNE)
    assert "Chi tiết: Bộ phận Một cửa huyện Cái Nước" in text_of(html)
    staff = {r[0]: r for r in table_rows(html, "staff")}
    assert staff["Nguyễn Thị Bích Tuyền"][1:3] == ["12", "83,33%"]
    assert staff["Trương Văn Lực"][1] == "3"
    assert staff["Trương Văn Lực"][2].startswith("Chưa đủ số lượt đánh giá")
    counters = {r[0]: r for r in table_rows(html, "counters")}
    assert counters["Quầy 1 - Đất đai"][1:3] == ["12", "83,33%"]
    assert counters["Quầy 2 - Tư pháp"][2].startswith("Chưa đủ số lượt đánh giá")
    procedures = {r[0]: r for r in table_rows(html, "procedures")}
    assert procedures["Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu"][4] == "4"
    # Downloads of the same view go to the report API, which answers them for this session.
    links = re.findall(r'href="(/api/v1/reports/satisfaction\?[^"]+)"', html)
    staff_csv = next(unescape(link) for link in links if "group_by=staff" in link and "format=csv" in link)
    assert "centre=MC-969" in staff_csv
    assert "date_from=2026-06-01" in staff_csv
    download = await client.get(staff_csv)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "Nguyễn Thị Bích Tuyền" in download.content.decode("utf-8-sig")
    xlsx = next(unescape(link) for link in links if "group_by=staff" in link and "format=xlsx" in link)
    assert (await client.get(xlsx)).status_code == 200


async def test_another_centres_director_gets_404(client: AsyncTestClient[Any], june: None) -> None:
    await login(client, "giamdoc")  # director of the province centre TTPVHCC-96
    response = await client.get("/dashboard/centres/MC-969", headers=HTML)
    assert response.status_code == 404
    assert "Không tìm thấy trang bạn cần." in response.text
    html = await page(client, "/dashboard/", **JUNE)
    assert card(html, "ratings") == "0"
    assert "Cái Nước" not in text_of(html)


async def test_staff_are_pointed_to_their_inbox(client: AsyncTestClient[Any], june: None) -> None:
    await login(client, "canbo")
    for path in ("/dashboard/", "/dashboard/report", "/dashboard/centres/TTPVHCC-96"):
        html = await page(client, path)
        assert 'href="/dashboard/inbox"' in html
        assert "Mở hộp thư phản ánh của tôi" in html
        assert "data-figure" not in html


async def test_printable_report_for_the_period(client: AsyncTestClient[Any], june: None) -> None:
    await login(client, "xem")
    html = await page(client, "/dashboard/report", **JUNE)
    text = text_of(html)
    assert "BÁO CÁO KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG" in text
    assert "Kỳ báo cáo: từ ngày 01/06/2026 đến ngày 30/06/2026" in text
    assert "Trong kỳ, Bộ phận Một cửa huyện Cái Nước có 15 lượt đánh giá, mức độ hài lòng 80,00%." in text
    assert (
        "Số hồ sơ đã giải quyết là 4, trong đó hồ sơ giải quyết trước hạn 75,00% (3 hồ sơ), "
        "đúng hạn 0,00% (0 hồ sơ), trễ hạn 25,00% (1 hồ sơ)."
    ) in text
    assert f"Phương pháp tính: {translate(METHOD_LABELS['top2'])}" in text
    assert "HUYỆN CÁI NƯỚC" in text
    assert table_rows(html, "centres")[0][:3] == ["Bộ phận Một cửa huyện Cái Nước", "15", "80,00%"]
    assert "@media print" in (await client.get("/static/dashboard.css")).text
    assert '<script type="application/json"' not in html  # no charts on paper


async def test_a_bad_date_is_explained_on_the_page(client: AsyncTestClient[Any], june: None) -> None:
    await login(client, "tinh")
    html = await page(client, "/dashboard/", date_from="31/02/2026")
    assert "Ngày không hợp lệ: 31/02/2026" in text_of(html)
    html = await page(client, "/dashboard/", agency="KHONG-CO")
    assert "Không xem được số liệu với bộ lọc này" in text_of(html)


async def test_demo_activity_is_added_once_and_the_rollups_hold_it(
    client: AsyncTestClient[Any], demo: None, run_in_session: Any
) -> None:
    added = await run_in_session(load_demo_activity)
    assert added > 2000
    assert await run_in_session(load_demo_activity) == 0
    stored = await run_in_session(lambda s: s.scalar(select(func.count()).select_from(Rating)))
    assert stored == added
    await login(client, "tinh")
    html = await page(client, "/dashboard/", date_from="2026-01-01", date_to="2026-12-31")
    assert card(html, "ratings") == f"{added:,}".replace(",", ".")
    satisfaction = float(card(html, "satisfaction").rstrip("%").replace(",", "."))
    assert 97.5 <= satisfaction <= 99.5
