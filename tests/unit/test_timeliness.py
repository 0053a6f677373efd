"""Timeliness at day boundaries in Asia/Ho_Chi_Minh (UTC+7) and with paused intervals."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from survey_api.dossiers.timeliness import Timeliness, classify, overdue_after, paused_duration


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


NOW = utc(2026, 6, 30)
# Due 17:00 local on 15 June = 10:00 UTC.
DUE = utc(2026, 6, 15, 10)


@pytest.mark.parametrize(
    ("resolved", "expected"),
    [
        (utc(2026, 6, 14, 16, 59), Timeliness.EARLY),  # 23:59 local on the 14th
        (utc(2026, 6, 14, 17, 0), Timeliness.ON_TIME),  # 00:00 local on the 15th: the due day
        (utc(2026, 6, 15, 16, 59), Timeliness.ON_TIME),  # 23:59 local on the due day, after the due hour
        (utc(2026, 6, 15, 17, 0), Timeliness.LATE),  # 00:00 local on the 16th
        (utc(2026, 6, 1), Timeliness.EARLY),
    ],
)
def test_resolved_dossiers_are_judged_by_local_day(resolved: datetime, expected: Timeliness) -> None:
    assert classify(DUE, resolved, NOW) == expected


def test_paused_time_moves_the_due_date() -> None:
    paused = [(utc(2026, 6, 10, 2), utc(2026, 6, 12, 2))]  # two days awaiting supplements
    assert classify(DUE, utc(2026, 6, 16, 3), NOW) == Timeliness.LATE
    assert classify(DUE, utc(2026, 6, 16, 3), NOW, paused) == Timeliness.EARLY
    assert classify(DUE, utc(2026, 6, 17, 3), NOW, paused) == Timeliness.ON_TIME
    assert classify(DUE, utc(2026, 6, 18, 3), NOW, paused) == Timeliness.LATE


def test_overlapping_and_open_pauses_count_once() -> None:
    intervals = [
        (utc(2026, 6, 1), utc(2026, 6, 3)),
        (utc(2026, 6, 2), utc(2026, 6, 4)),
        (utc(2026, 6, 10), None),
    ]
    assert paused_duration(intervals, now=utc(2026, 6, 11)) == timedelta(days=4)


def test_open_dossiers_are_overdue_only_past_their_due_moment() -> None:
    assert classify(DUE, None, utc(2026, 6, 15, 9, 59)) == Timeliness.OPEN
    assert classify(DUE, None, utc(2026, 6, 15, 10, 1)) == Timeliness.OVERDUE
    still_paused = [(utc(2026, 6, 14), None)]
    assert classify(DUE, None, utc(2026, 6, 20), still_paused) == Timeliness.OPEN


def test_no_due_date_means_no_judgement() -> None:
    assert classify(None, utc(2026, 6, 1), NOW) is None


def test_the_moment_a_dossier_falls_overdue_is_known_ahead() -> None:
    assert overdue_after(DUE) == DUE
    assert overdue_after(None) is None
    two_days = [(utc(2026, 6, 10, 2), utc(2026, 6, 12, 2))]
    assert overdue_after(DUE, two_days) == DUE + timedelta(days=2)
    # Still waiting since before the due moment: the clock is stopped for as long as the pause runs.
    assert overdue_after(DUE, [(utc(2026, 6, 14), None)]) is None
    # Paused only after falling overdue: overdue from the due moment on, and it stays so.
    assert overdue_after(DUE, [(utc(2026, 6, 20), None)]) == DUE


@pytest.mark.parametrize("seed", range(20))
def test_overdue_after_agrees_with_classify_at_every_moment(seed: int) -> None:
    rng = random.Random(seed)
    start = utc(2026, 6, 1)

    def moment() -> datetime:
        return start + timedelta(hours=rng.randrange(0, 24 * 40))

    for _ in range(50):
        due = moment()
        paused: list[tuple[datetime, datetime | None]] = []
        for _ in range(rng.randrange(0, 4)):
            a = moment()
            paused.append((a, None if rng.random() < 0.2 else a + timedelta(hours=rng.randrange(-24, 24 * 6))))
        after = overdue_after(due, paused)
        for now in sorted({moment() for _ in range(30)} | ({after, after + timedelta(seconds=1)} if after else set())):
            overdue = classify(due, None, now, paused) is Timeliness.OVERDUE
            assert overdue == (after is not None and now > after), (due, paused, now, after)
