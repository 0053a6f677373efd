"""Working-day deadlines: weekends and listed holidays do not count; the day of receipt does not count."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from survey_api.complaints.deadlines import add_working_days, deadline, parse_holidays, working_days_late
from survey_api.settings import Settings, SettingsError

TZ = "Asia/Ho_Chi_Minh"
# Reunification Day and Labour Day 2026 fall on Thursday 30 April and Friday 1 May.
HOLIDAYS = parse_holidays("2026-04-30, 2026-05-01")


def test_two_working_days_from_a_friday_skip_the_weekend() -> None:
    assert add_working_days(date(2026, 11, 20), 2) == date(2026, 11, 24)  # Fri → Mon, Tue


def test_a_listed_holiday_and_the_weekend_after_it_are_skipped() -> None:
    # Wednesday 29 April: Thu 30/4 and Fri 1/5 are holidays, Sat and Sun are off → Mon 4, Tue 5 May.
    assert add_working_days(date(2026, 4, 29), 2, HOLIDAYS) == date(2026, 5, 5)
    assert add_working_days(date(2026, 4, 29), 2) == date(2026, 5, 1)  # without the holiday list
    assert add_working_days(date(2026, 4, 29), 5, HOLIDAYS) == date(2026, 5, 8)
    assert add_working_days(date(2026, 4, 29), 15, HOLIDAYS) == date(2026, 5, 22)


def test_the_deadline_is_the_end_of_the_local_day_in_utc() -> None:
    # 23:30 UTC on Tuesday 28 April is already Wednesday 29 April in Vietnam.
    received = datetime(2026, 4, 28, 23, 30, tzinfo=UTC)
    assert deadline(received, 2, TZ, HOLIDAYS) == datetime(2026, 5, 5, 16, 59, 59, tzinfo=UTC)
    assert deadline(received, 2, TZ) == datetime(2026, 5, 1, 16, 59, 59, tzinfo=UTC)


def test_received_on_a_saturday_counts_from_monday() -> None:
    received = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)  # Saturday morning in Vietnam
    assert deadline(received, 2, TZ) == datetime(2026, 11, 24, 16, 59, 59, tzinfo=UTC)


def test_working_days_late() -> None:
    due = datetime(2026, 4, 29, 16, 59, 59, tzinfo=UTC)  # end of Wednesday 29 April
    assert working_days_late(due, datetime(2026, 4, 29, 10, 0, tzinfo=UTC), TZ, HOLIDAYS) == 0
    assert working_days_late(due, datetime(2026, 5, 4, 3, 0, tzinfo=UTC), TZ, HOLIDAYS) == 1
    assert working_days_late(due, datetime(2026, 5, 4, 3, 0, tzinfo=UTC), TZ) == 3


def test_holidays_setting_is_checked() -> None:
    settings = Settings.from_env({}, secret_key="k" * 40, data_key="d" * 40, holidays="2026-04-30,2026-05-01")
    assert settings.holiday_dates == {date(2026, 4, 30), date(2026, 5, 1)}
    with pytest.raises(SettingsError, match="'30/04/2026' is not an ISO date"):
        Settings.from_env({}, secret_key="k" * 40, data_key="d" * 40, holidays="30/04/2026")
