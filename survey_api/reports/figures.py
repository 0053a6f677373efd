"""The figures of DESIGN §5 as pure functions of integer counts, rounded once, half up, at the end."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from survey_api.i18n import N_

Method = Literal["top2", "not_dissatisfied", "mean"]

METHOD_LABELS: dict[str, str] = {
    "top2": N_("method.top2"),
    "not_dissatisfied": N_("method.not_dissatisfied"),
    "mean": N_("method.mean"),
}
"""Each method's message key (its formula, in words)."""

_CENT = Decimal("0.01")


def share(part: int, whole: int) -> Decimal | None:
    """``part / whole`` as a percentage with 2 decimals, rounded half up; None when there is no base."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_CENT, rounding=ROUND_HALF_UP)


def mean_score(levels: dict[int, int]) -> Decimal | None:
    total = sum(levels.values())
    if total <= 0:
        return None
    weighted = sum(level * count for level, count in levels.items())
    return (Decimal(weighted) / Decimal(total)).quantize(_CENT, rounding=ROUND_HALF_UP)


def satisfaction(levels: dict[int, int], method: Method = "top2") -> Decimal | None:
    """The headline figure by ``method``: top-two-box %, not-dissatisfied %, or the mean score."""
    total = sum(levels.values())
    if method == "mean":
        return mean_score(levels)
    if method == "not_dissatisfied":
        return share(total - levels.get(1, 0) - levels.get(2, 0), total)
    return share(levels.get(4, 0) + levels.get(5, 0), total)
