"""Figure builders and page helpers: pure functions of numbers, checked trace by trace."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import pytest

from dashboard import charts, views
from survey_api.reports.schemas import ReportRow


def row(name: str, ratings: int, pct: float | None, late_pct: float | None = None, **changes: Any) -> ReportRow:
    values: dict[str, Any] = {
        "key": [name],
        "name": [name],
        "ratings": ratings,
        "satisfied": 0,
        "satisfaction_pct": pct,
        "mean_score": None,
        "levels": {str(level): 0 for level in range(1, 6)},
        "dossiers_resolved": 0,
        "early": 0,
        "on_time": 0,
        "late": 0,
        "early_pct": None,
        "on_time_pct": None,
        "late_pct": late_pct,
        "overdue_open": 0,
        "returned": 0,
        "rated_dossiers": 0,
        "coverage_pct": None,
        "complaints": 0,
        "complaints_overdue": 0,
    }
    values.update(changes)
    return ReportRow(**values)


def test_satisfaction_by_month_is_one_line_with_vietnamese_axes() -> None:
    fig = charts.satisfaction_by_month(
        ["06/2026", "07/2026", "08/2026"],
        [98.87, None, 97.9],
        [6284, 0, 1082],
        x_title="Tháng",
        y_title="Tỷ lệ hài lòng (%)",
        ratings_label="Lượt đánh giá",
    )
    assert isinstance(fig, go.Figure)
    (trace,) = fig.data
    assert trace.type == "scatter"
    assert list(trace.y) == [98.87, None, 97.9]
    assert list(trace.customdata) == [6284, 0, 1082]
    assert trace.connectgaps is False
    assert fig.layout.xaxis.title.text == "Tháng"
    assert fig.layout.yaxis.title.text == "Tỷ lệ hài lòng (%)"
    assert fig.layout.yaxis.ticksuffix == "%"
    assert fig.layout.separators == ",."  # 98,87 and 6.284
    assert fig.layout.yaxis.range[1] == pytest.approx(100.5)


def test_mean_score_month_line_uses_the_1_to_5_scale() -> None:
    fig = charts.satisfaction_by_month(
        ["Tháng 06/2026"], [4.62], [10], x_title="Tháng", y_title="Điểm", ratings_label="Lượt", is_score=True
    )
    assert tuple(fig.layout.yaxis.range) == (1.0, 5.0)
    assert fig.layout.yaxis.ticksuffix == ""


def test_bubbles_place_centres_by_late_share_and_satisfaction_sized_by_ratings() -> None:
    fig = charts.satisfaction_against_late(
        ["Bộ phận Một cửa huyện Cái Nước", "Bộ phận Một cửa huyện Năm Căn", "Không có số liệu"],
        [98.8, 98.0, None],
        [2.1, 3.2, 1.0],
        [1082, 850, 0],
        x_title="Tỷ lệ hồ sơ trễ hạn (%)",
        y_title="Tỷ lệ hài lòng (%)",
        ratings_label="Lượt đánh giá",
    )
    (trace,) = fig.data
    assert list(trace.x) == [2.1, 3.2]
    assert list(trace.y) == [98.8, 98.0]
    assert list(trace.marker.size) == [1082, 850]
    assert trace.marker.sizemode == "area"
    assert list(trace.texttemplate) == ["Huyện Cái Nước", "Huyện Năm Căn"]
    assert list(trace.textposition) == ["top center", "bottom center"]
    assert fig.layout.xaxis.title.text == "Tỷ lệ hồ sơ trễ hạn (%)"
    assert fig.layout.yaxis.title.text == "Tỷ lệ hài lòng (%)"


def test_timeliness_bars_stack_shares_with_counts_on_hover() -> None:
    fig = charts.timeliness_bars(
        ["Trung tâm Giải quyết thủ tục hành chính tỉnh Cà Mau"],
        [24584],
        [6551],
        [0],
        labels=("Trước hạn", "Đúng hạn", "Trễ hạn"),
        x_title="Tỷ lệ trên số hồ sơ đã giải quyết (%)",
        count_label="hồ sơ",
    )
    assert fig.layout.barmode == "stack"
    assert [t.name for t in fig.data] == ["Trước hạn", "Đúng hạn", "Trễ hạn"]
    assert [t.x[0] for t in fig.data] == [78.96, 21.04, 0.0]
    assert [t.customdata[0] for t in fig.data] == [24584, 6551, 0]
    assert fig.data[0].y[0] == "Trung tâm tỉnh Cà Mau"
    assert fig.layout.xaxis.title.text == "Tỷ lệ trên số hồ sơ đã giải quyết (%)"


def test_level_distribution_goes_from_lowest_to_highest() -> None:
    labels = {5: "Rất hài lòng", 4: "Hài lòng", 3: "Bình thường", 2: "Không hài lòng", 1: "Rất không hài lòng"}
    fig = charts.level_distribution({1: 2, 2: 5, 3: 10, 4: 300, 5: 700}, labels, y_title="Lượt đánh giá")
    (trace,) = fig.data
    assert list(trace.y) == [2, 5, 10, 300, 700]
    assert [x.replace("<br>", " ") for x in trace.x] == [
        "Rất không hài lòng",
        "Không hài lòng",
        "Bình thường",
        "Hài lòng",
        "Rất hài lòng",
    ]
    assert list(trace.customdata) == [0.2, 0.49, 0.98, 29.5, 68.83]
    assert fig.layout.yaxis.title.text == "Lượt đánh giá"


def test_top_reasons_split_praise_from_criticism_longest_first() -> None:
    fig = charts.top_reasons(
        ["Giải quyết nhanh, đúng hẹn", "Chờ đợi lâu", "Thái độ niềm nở, tận tình"],
        [40, 7, 25],
        [False, True, False],
        x_title="Số lần được chọn",
        legend=("Khen", "Chưa hài lòng"),
    )
    praise, criticism = fig.data
    assert (praise.name, list(praise.x)) == ("Khen", [40, 25])
    assert (criticism.name, list(criticism.x)) == ("Chưa hài lòng", [7])
    assert list(fig.layout.yaxis.categoryarray) == [
        "Giải quyết nhanh, đúng hẹn",
        "Thái độ niềm nở, tận tình",
        "Chờ đợi lâu",
    ]
    assert fig.layout.xaxis.title.text == "Số lần được chọn"


def test_figures_carry_nothing_that_fetches_from_elsewhere() -> None:
    fig = charts.level_distribution({5: 1}, {5: "Rất hài lòng"}, y_title="Lượt")
    text = fig.to_json()
    assert "http" not in text
    assert fig.layout.template.layout.to_plotly_json() == {}


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Bộ phận Một cửa huyện Cái Nước", "Huyện Cái Nước"),
        ("Bộ phận Một cửa UBND Phường 9", "Phường 9"),
        ("Trung tâm Giải quyết thủ tục hành chính tỉnh Cà Mau", "Trung tâm tỉnh Cà Mau"),
        ("Trung tâm Phục vụ hành chính công thành phố Hà Nội", "Trung tâm thành phố Hà Nội"),
        ("Văn phòng khác", "Văn phòng khác"),
    ],
)
def test_short_names(name: str, short: str) -> None:
    assert charts.short_name(name) == short


# -- page helpers ----------------------------------------------------------------------------------------
def test_sorting_puts_rows_without_a_figure_last_either_way() -> None:
    rows = [row("A", 3, None), row("B", 50, 97.5), row("C", 20, 99.1)]
    assert [r.name[0] for r in views.sort_rows(rows, "satisfaction", True)] == ["C", "B", "A"]
    assert [r.name[0] for r in views.sort_rows(rows, "satisfaction", False)] == ["B", "C", "A"]
    assert [r.name[0] for r in views.sort_rows(rows, "ratings", True)] == ["B", "C", "A"]


def test_names_sort_in_vietnamese_order() -> None:
    names = ["Đầm Dơi", "Cái Nước", "Năm Căn", "Dương Minh", "Ân Thi", "An Biên", "Ấp Bắc", "Cà Mau", "Cả Nước"]
    rows = [row(name, 1, None) for name in names]
    assert [r.name[0] for r in views.sort_rows(rows, "name", False)] == [
        "An Biên",
        "Ân Thi",
        "Ấp Bắc",
        "Cà Mau",
        "Cả Nước",
        "Cái Nước",
        "Dương Minh",
        "Đầm Dơi",
        "Năm Căn",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ("ratings", True)), ("late", ("late", False)), ("-late", ("late", True)), ("nonsense", ("ratings", True))],
)
def test_parse_sort(value: str | None, expected: tuple[str, bool]) -> None:
    assert views.parse_sort(value) == expected


def test_headings_link_to_the_other_direction_and_keep_filters() -> None:
    heads = views.headings(
        {"date_from": "2026-06-01", "unit": "", "centres_sort": "-late"}, "centres_sort", ("late", True), str, "centres"
    )
    by_key = {h.key: h for h in heads}
    assert by_key["late"].aria_sort == "descending"
    assert by_key["late"].href == "?date_from=2026-06-01&centres_sort=late#centres"
    assert by_key["ratings"].aria_sort is None
    assert by_key["ratings"].href == "?date_from=2026-06-01&centres_sort=-ratings#centres"
    assert by_key["name"].href == "?date_from=2026-06-01&centres_sort=name#centres"
    assert by_key["name"].numeric is False


def test_headline_formats() -> None:
    assert views.format_headline(98.87, "top2") == "98,87%"
    assert views.format_headline(4.6, "mean") == "4,60"
    assert views.format_headline(98.87, "top2", "en") == "98.87%"
    assert views.format_headline(None, "mean") == "—"


def test_summary_sentences_in_the_province_offices_words() -> None:
    totals = row(
        "",
        6284,
        98.87,
        dossiers_resolved=31135,
        early=24584,
        on_time=6551,
        late=0,
        early_pct=78.96,
        on_time_pct=21.04,
        late_pct=0.0,
        overdue_open=12,
        returned=8000,
        rated_dossiers=6000,
        coverage_pct=75.0,
        complaints=3,
        complaints_overdue=1,
    )
    assert views.summary(totals, "top2", "vi", "Trung tâm") == [
        "Trong kỳ, Trung tâm có 6.284 lượt đánh giá, mức độ hài lòng 98,87%.",
        "Số hồ sơ đã giải quyết là 31.135, trong đó hồ sơ giải quyết trước hạn 78,96% (24.584 hồ sơ), "
        "đúng hạn 21,04% (6.551 hồ sơ), trễ hạn 0,00% (0 hồ sơ).",
        "Còn 12 hồ sơ quá hạn chưa giải quyết.",
        "Tỷ lệ hồ sơ đã trả kết quả được người dân đánh giá là 75,00% (6.000/8.000 hồ sơ).",
        "Tiếp nhận 3 phản ánh, kiến nghị; 1 phản ánh quá hạn xử lý.",
    ]
    empty = row("", 0, None)
    assert views.summary(empty, "mean", "vi", "Trung tâm") == [
        "Trong kỳ, Trung tâm chưa có lượt đánh giá nào.",
        "Trong kỳ chưa có hồ sơ nào được giải quyết.",
    ]
