"""The statistical integrity checks: the beta-binomial tails against direct sums, the fit of the peers' spread, and
which centres a report flags (an improbable top share, many ratings without one low) with the false-alarm rate kept."""

from __future__ import annotations

import math
from typing import Any

import pytest

from survey_api.integrity.services import improbable
from survey_api.integrity.statistics import Peers, _log_pmf, fit, none_of, upper_tail
from survey_api.reports.schemas import ReportRow


@pytest.mark.parametrize("peers", [Peers(p=0.3), Peers(p=0.3, a=3.0, b=7.0), Peers(p=0.9, a=45.0, b=5.0)])
def test_the_tails_equal_the_sums_of_their_terms(peers: Peers) -> None:
    n = 150
    terms = [math.exp(_log_pmf(k, n, peers)) for k in range(n + 1)]
    assert sum(terms) == pytest.approx(1.0, abs=1e-9)
    for k in (0, 40, 80, 140, 150):
        assert upper_tail(k, n, peers) == pytest.approx(sum(terms[k:]), rel=1e-9, abs=1e-300)
    assert none_of(n, peers) == pytest.approx(terms[0], rel=1e-12)


def test_the_binomial_tail_is_exact() -> None:
    n, k, p = 40, 30, 0.5
    exact = sum(math.comb(n, j) for j in range(k, n + 1)) / 2**n
    assert upper_tail(k, n, Peers(p=p)) == pytest.approx(exact, rel=1e-12)


def test_peers_that_differ_no_more_than_chance_are_binomial_and_others_beta() -> None:
    assert fit([(600, 1000), (610, 1000), (590, 1000), (605, 1000)]) == Peers(p=0.60125)
    spread = fit([(60, 100), (70, 100), (50, 100), (65, 100)])
    assert spread is not None
    assert spread.a is not None
    assert spread.b is not None
    assert spread.a / (spread.a + spread.b) == pytest.approx(0.6125)
    assert fit([(60, 100), (70, 100)]) is None  # too few peers to say what is ordinary


def row(province: str, centre: str, levels: tuple[int, int, int, int, int]) -> ReportRow:
    zero: dict[str, Any] = dict.fromkeys(
        ("satisfied", "dossiers_resolved", "early", "on_time", "late", "overdue_open", "returned", "rated_dossiers",
         "complaints", "complaints_overdue"), 0)  # fmt: skip
    return ReportRow(
        key=[province, centre], name=[province, centre], ratings=sum(levels), satisfaction_pct=None, mean_score=None,
        levels={str(i + 1): n for i, n in enumerate(levels)}, early_pct=None, on_time_pct=None, late_pct=None,
        coverage_pct=None, **zero,
    )  # fmt: skip


# Five centres of a province rating like the seeds (about 60% top, 3% low), and their differences.
ORDINARY = [
    row("96", "A", (6, 6, 30, 160, 198)),
    row("96", "B", (4, 8, 40, 150, 198)),
    row("96", "C", (5, 7, 35, 170, 183)),
    row("96", "D", (6, 5, 45, 140, 204)),
    row("96", "E", (3, 9, 38, 155, 195)),
]


def test_ordinary_centres_are_not_flagged() -> None:
    assert improbable(ORDINARY, min_ratings=30, false_alarm_rate=0.01) == []


def test_all_top_ratings_and_not_one_low_among_many_are_flagged() -> None:
    suspicious = row("96", "F", (0, 0, 0, 20, 380))
    found = improbable([*ORDINARY, suspicious], min_ratings=30, false_alarm_rate=0.01)
    assert sorted((f.kind, f.centre_code, f.ratings, f.share_pct) for f in found) == [
        ("improbable_top_share", "F", 400, 95.0),
        ("no_low_ratings", "F", 400, 0.0),
    ]
    assert all(f.p_value < 0.01 / 6 for f in found)


def test_a_small_centre_and_a_lone_province_are_not_tested() -> None:
    small = row("96", "G", (0, 0, 0, 1, 28))  # 29 ratings: under the minimum
    alone = row("95", "H", (0, 0, 0, 0, 400))  # no peers in its province
    assert improbable([*ORDINARY, small, alone], min_ratings=30, false_alarm_rate=0.01) == []
