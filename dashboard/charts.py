"""Figure builders: pure functions from numbers and labels to a ``go.Figure`` (no database, no request).

Every figure uses Vietnamese number separators (``98,87``; ``6.284``) through ``layout.separators``, axis titles
passed in by the caller (so they come from the message catalogue), and a plain template: the page, not plotly,
sets the look. Colours are from a colour-blind-safe palette and always paired with a label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from textwrap import wrap

import plotly.graph_objects as go
from babel.numbers import get_decimal_symbol, get_group_symbol

from survey_api.i18n import BASE_LANGUAGE, LOCALES

FONT = 'system-ui, "Segoe UI", Roboto, "Noto Sans", sans-serif'
INK = "#1a1a1a"
GRID = "#e3e7ee"
BRAND = "#0b5394"
EARLY, ON_TIME, LATE = "#1b7837", "#4393c3", "#c2410c"
LEVEL_COLOURS = {1: "#b2182b", 2: "#ef8a62", 3: "#bababa", 4: "#67a9cf", 5: "#2166ac"}
GOOD_REASON, BAD_REASON = "#2166ac", "#c2410c"


def separators(lang: str) -> str:
    """plotly's decimal and thousands marks in ``lang`` (``,.`` in Vietnamese, ``.,`` in English), from Babel."""
    locale = LOCALES.get(lang, LOCALES[BASE_LANGUAGE])
    return get_decimal_symbol(locale) + get_group_symbol(locale)


def wrap_label(text: str, width: int = 26) -> str:
    """Long Vietnamese names broken onto lines (plotly understands ``<br>``)."""
    return "<br>".join(wrap(text, width)) or text


def short_name(name: str) -> str:
    """A centre's name short enough to print beside a bubble or a bar.

    ``Bộ phận Một cửa huyện Cái Nước`` → ``Huyện Cái Nước``; ``Bộ phận Một cửa UBND Phường 9`` → ``Phường 9``;
    ``Trung tâm Giải quyết thủ tục hành chính tỉnh Cà Mau`` → ``Trung tâm tỉnh Cà Mau``.
    """
    match = re.match(r"^Trung tâm .*? (tỉnh|thành phố) (.+)$", name)
    if match:
        return f"Trung tâm {match.group(1)} {match.group(2)}"
    for prefix in ("Bộ phận Một cửa ", "UBND "):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name[:1].upper() + name[1:]


def _layout(fig: go.Figure, lang: str, height: int, **extra: object) -> go.Figure:
    fig.update_layout(
        template="none",
        separators=separators(lang),
        font={"family": FONT, "size": 13, "color": INK},
        height=height,
        margin={"l": 60, "r": 20, "t": 16, "b": 50},
        paper_bgcolor="#fff",
        plot_bgcolor="#fff",
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        **extra,
    )
    fig.update_xaxes(gridcolor=GRID, zerolinecolor=GRID, automargin=True)
    fig.update_yaxes(gridcolor=GRID, zerolinecolor=GRID, automargin=True)
    return fig


def _alternating(xs: Sequence[float]) -> list[str]:
    """Labels above and below in turn along the x axis, so neighbouring bubbles' names do not collide."""
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    positions = [""] * len(xs)
    for rank, index in enumerate(order):
        positions[index] = "top center" if rank % 2 == 0 else "bottom center"
    return positions


def _value_format(is_score: bool) -> tuple[str, str]:
    """(tick suffix, hover number format) for a percentage or a 1–5 score."""
    return ("", ".2f") if is_score else ("%", ".2f")


def satisfaction_by_month(
    months: Sequence[str],
    values: Sequence[float | None],
    ratings: Sequence[int],
    *,
    x_title: str,
    y_title: str,
    ratings_label: str,
    is_score: bool = False,
    lang: str = "vi",
) -> go.Figure:
    """A line of the headline figure per month (gaps where a month has no rating)."""
    suffix, number = _value_format(is_score)
    fig = go.Figure(
        go.Scatter(
            x=list(months),
            y=list(values),
            customdata=list(ratings),
            mode="lines+markers",
            line={"color": BRAND, "width": 3},
            marker={"size": 8},
            connectgaps=False,
            name=y_title,
            hovertemplate=f"%{{x}}<br>%{{y:{number}}}{suffix}<br>{ratings_label}: %{{customdata:,}}<extra></extra>",
        )
    )
    present = [v for v in values if v is not None]
    if is_score:
        y_range: list[float] = [1.0, 5.0]
    else:
        low = min(present, default=90.0)
        y_range = [max(0.0, min(90.0, low - 2)), 100.5]
    _layout(fig, lang, 320, showlegend=False)
    fig.update_xaxes(title_text=x_title, type="category")
    fig.update_yaxes(title_text=y_title, ticksuffix=suffix, range=y_range)
    return fig


def satisfaction_against_late(
    names: Sequence[str],
    satisfaction: Sequence[float | None],
    late_share: Sequence[float | None],
    ratings: Sequence[int],
    *,
    x_title: str,
    y_title: str,
    ratings_label: str,
    is_score: bool = False,
    lang: str = "vi",
) -> go.Figure:
    """One bubble per centre: late share across, satisfaction up, area by the number of ratings.

    Centres without either figure are left out (there is nothing to place).
    """
    suffix, number = _value_format(is_score)
    points = [
        (n, s, late, r)
        for n, s, late, r in zip(names, satisfaction, late_share, ratings, strict=True)
        if s is not None and late is not None
    ]
    biggest = max((p[3] for p in points), default=1) or 1
    fig = go.Figure(
        go.Scatter(
            x=[p[2] for p in points],
            y=[p[1] for p in points],
            text=[p[0] for p in points],
            customdata=[p[3] for p in points],
            mode="markers+text",
            texttemplate=[short_name(p[0]) for p in points],
            textposition=_alternating([p[2] for p in points]),
            textfont={"size": 11, "color": "#333"},
            marker={
                "size": [p[3] for p in points],
                "sizemode": "area",
                "sizeref": 2.0 * biggest / (48**2),
                "sizemin": 6,
                "color": BRAND,
                "opacity": 0.65,
                "line": {"color": "#fff", "width": 1},
            },
            hovertemplate=(
                f"<b>%{{text}}</b><br>{x_title}: %{{x:.2f}}%<br>{y_title}: %{{y:{number}}}{suffix}"
                f"<br>{ratings_label}: %{{customdata:,}}<extra></extra>"
            ),
        )
    )
    _layout(fig, lang, 360, showlegend=False)
    fig.update_xaxes(title_text=x_title, ticksuffix="%", rangemode="tozero")
    fig.update_yaxes(title_text=y_title, ticksuffix=suffix)
    return fig


def timeliness_bars(
    names: Sequence[str],
    early: Sequence[int],
    on_time: Sequence[int],
    late: Sequence[int],
    *,
    labels: tuple[str, str, str],
    x_title: str,
    count_label: str,
    lang: str = "vi",
) -> go.Figure:
    """Horizontal 100% stacked bars per centre: early, on time, late shares (counts on hover)."""
    totals = [e + o + lt for e, o, lt in zip(early, on_time, late, strict=True)]
    wrapped = [wrap_label(short_name(n), 24) for n in names]

    def shares(values: Sequence[int]) -> list[float]:
        return [round(v * 100 / t, 2) if t else 0.0 for v, t in zip(values, totals, strict=True)]

    fig = go.Figure()
    for label, values, colour in zip(labels, (early, on_time, late), (EARLY, ON_TIME, LATE), strict=True):
        fig.add_trace(
            go.Bar(
                y=wrapped,
                x=shares(values),
                customdata=list(values),
                name=label,
                orientation="h",
                marker={"color": colour},
                hovertemplate=f"%{{y}}<br>{label}: %{{x:.2f}}% (%{{customdata:,}} {count_label})<extra></extra>",
            )
        )
    _layout(fig, lang, max(220, 80 + 40 * len(names)), barmode="stack")
    fig.update_layout(margin={"l": 160}, legend={"traceorder": "normal"})
    fig.update_xaxes(title_text=x_title, ticksuffix="%", range=[0, 100])
    fig.update_yaxes(autorange="reversed")
    return fig


def level_distribution(levels: dict[int, int], labels: dict[int, str], *, y_title: str, lang: str = "vi") -> go.Figure:
    """Ratings per overall level, from the lowest (left) to the highest (right)."""
    order = sorted(labels)
    counts = [levels.get(level, 0) for level in order]
    total = sum(counts)
    shares = [round(c * 100 / total, 2) if total else 0.0 for c in counts]
    fig = go.Figure(
        go.Bar(
            x=[wrap_label(labels[level], 12) for level in order],
            y=counts,
            customdata=shares,
            texttemplate="%{y:,}",
            textposition="outside",
            cliponaxis=False,
            marker={"color": [LEVEL_COLOURS.get(level, BRAND) for level in order]},
            hovertemplate="%{x}: %{y:,} (%{customdata:.2f}%)<extra></extra>",
        )
    )
    _layout(fig, lang, 320, showlegend=False)
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    return fig


def top_reasons(
    labels: Sequence[str],
    counts: Sequence[int],
    negative: Sequence[bool],
    *,
    x_title: str,
    legend: tuple[str, str],
    lang: str = "vi",
) -> go.Figure:
    """The reasons citizens chose most, longest bar on top; praise and complaints in two colours."""
    fig = go.Figure()
    for is_negative, name, colour in ((False, legend[0], GOOD_REASON), (True, legend[1], BAD_REASON)):
        chosen = [(lb, c) for lb, c, neg in zip(labels, counts, negative, strict=True) if neg is is_negative]
        fig.add_trace(
            go.Bar(
                y=[wrap_label(lb, 30) for lb, _ in chosen],
                x=[c for _, c in chosen],
                name=name,
                orientation="h",
                marker={"color": colour},
                hovertemplate="%{y}: %{x:,}<extra></extra>",
            )
        )
    order = [wrap_label(lb, 30) for lb, _ in sorted(zip(labels, counts, strict=True), key=lambda p: -p[1])]
    _layout(fig, lang, max(220, 80 + 34 * len(labels)))
    fig.update_layout(margin={"l": 200})
    fig.update_xaxes(title_text=x_title, rangemode="tozero")
    fig.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed")
    return fig


def findings_by_month(
    months: Sequence[str],
    series: dict[str, Sequence[int]],
    *,
    x_title: str,
    y_title: str,
    lang: str = "vi",
) -> go.Figure:
    """Stacked bars: findings per month (``06/2026``), one colour per kind (its name in the legend)."""
    palette = ("#c2410c", "#b2182b", "#7b3294", "#ef8a62", "#4393c3", "#1b7837", "#bababa")
    fig = go.Figure()
    for (name, counts), colour in zip(series.items(), palette, strict=False):
        fig.add_trace(
            go.Bar(
                x=list(months),
                y=list(counts),
                name=name,
                marker={"color": colour},
                hovertemplate=f"%{{x}}<br>{name}: %{{y:,}}<extra></extra>",
            )
        )
    _layout(fig, lang, 360, barmode="stack")
    fig.update_layout(legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}, margin={"t": 70})
    fig.update_xaxes(title_text=x_title, type="category")
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    return fig
