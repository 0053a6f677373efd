"""Vietnamese number formats, the message catalogue, and how msgspec errors name fields."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from advanced_alchemy.exceptions import RepositoryError
from sqlalchemy import exc as sa_exc

from survey_api.errors import error_body, field_from_msgspec
from survey_api.i18n import format_day, format_int, format_pct, translate


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    [(Decimal("98.87"), "vi", "98,87%"), (Decimal("98.8"), "vi", "98,80%"), (Decimal("98.87"), "en", "98.87%")],
)
def test_percentages(value: Decimal, lang: str, text: str) -> None:
    assert format_pct(value, lang) == text


def test_counts_and_dates() -> None:
    assert format_int(6284, "vi") == "6.284"
    assert format_int(1082, "en") == "1,082"
    assert format_day(date(2018, 5, 16)) == "16/05/2018"
    # 17:30 UTC on 31 Dec is already 1 January in Hồ Chí Minh City
    assert format_day(datetime(2025, 12, 31, 17, 30, tzinfo=UTC)) == "01/01/2026"


def test_catalogue_falls_back_to_vietnamese_and_fills_values() -> None:
    assert translate("kiosk.staff", "en", name="Lan") == "Serving you: Lan"
    assert translate("kiosk.staff", "xx", name="Lan") == "Cán bộ phục vụ: Lan"
    assert translate("login.title", "vi") == "Đăng nhập"


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("Expected `int`, got `str` - at `$.statutory_days`", "statutory_days"),
        ("Object missing required field `password`", "password"),
        ("Object contains unknown field `colour`", "colour"),
        ("Expected `str` of length >= 1 - at `$.answers[0]`", "answers.0"),
    ],
)
def test_msgspec_errors_name_the_field(message: str, field: str) -> None:
    assert field_from_msgspec(message)[0] == field


class _PgError(Exception):
    """What SQLAlchemy's asyncpg adapter raises: the server's SQLSTATE beside the message."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def test_database_errors_are_503_to_retry_or_409_never_500() -> None:
    full = sa_exc.OperationalError("COMMIT", {}, Exception("database or disk is full"))
    lost = sa_exc.InterfaceError("SELECT 1", {}, Exception("connection is closed"), connection_invalidated=True)
    bug = sa_exc.ProgrammingError("SELECT nope", {}, Exception("syntax error"))
    duplicate = sa_exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
    gone = sa_exc.DBAPIError("SELECT 1", {}, _PgError('database "hl" does not exist', "3D000"))
    shutting = sa_exc.DBAPIError("SELECT 1", {}, _PgError("terminating connection", "57P01"))
    not_connected = sa_exc.DBAPIError(None, None, _PgError("database is not accepting connections", "55000"))
    wrapped = RepositoryError("An exception occurred: …")
    wrapped.__cause__ = full
    for exc in (full, lost, gone, shutting, not_connected, wrapped, ConnectionRefusedError(111, "Connect call failed")):
        body, headers = error_body(exc)
        assert (body.status, body.code, headers) == (503, "unavailable", {"Retry-After": "5"})
    assert error_body(duplicate)[0].status == 409
    division = sa_exc.DBAPIError("SELECT 1", {}, _PgError("division by zero", "22012"))
    for exc in (bug, division):  # a mistake in the code is not the database being away
        assert error_body(exc)[0].status == 500
    assert translate("error.503", "vi") == (
        "Cơ sở dữ liệu tạm thời không sẵn sàng; thông tin vừa gửi (nếu có) chưa được lưu. Vui lòng thử lại sau ít phút."
    )
