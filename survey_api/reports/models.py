"""Rollup tables. Reports read these, never raw rows, so a province-year costs the same at any volume.

Two grains share one shape of counters:

* ``rollup_day`` — one row per (local day, centre, counter, staff, agency, procedure, channel): full detail,
  used for daily and weekly views and for any combination of filters.
* ``rollup_month`` — one row per (month, centre, dimension, key): the month's totals for the centre as a
  whole (``dim='centre'``) and broken down by one dimension at a time (counter, staff, agency, procedure,
  channel). Country-wide and provincial views read only these.

"No value" in a key column is the nil UUID (or an empty channel) so that unique keys work on every database.
Ratings count on the day the citizen rated (``submitted_at``), in local time; resolved dossiers on the day they
were resolved; returned dossiers on the day they were returned; dossiers still in hand on the day they fall
overdue (the due date moved by paused time). Suspected kiosk repeats are not counted.
"""

from __future__ import annotations

import uuid
from datetime import date

from advanced_alchemy.base import orm_registry
from advanced_alchemy.types import GUID
from sqlalchemy import Date, Index, Integer, PrimaryKeyConstraint, String, text
from sqlalchemy.orm import Mapped, mapped_column

NIL = uuid.UUID(int=0)
COUNTERS = ("n1", "n2", "n3", "n4", "n5", "rated_dossiers", "early", "on_time", "late", "returned", "open_due")
"""n1…n5: ratings per overall level; rated_dossiers: ratings tied to a dossier; early/on_time/late: dossiers
resolved; returned: dossiers returned to the citizen (the base of coverage); open_due: dossiers still in hand,
on the day they fall (or fell) overdue if not resolved — counted overdue once that day is past."""


class _Counters:
    n1: Mapped[int] = mapped_column(Integer, default=0)
    n2: Mapped[int] = mapped_column(Integer, default=0)
    n3: Mapped[int] = mapped_column(Integer, default=0)
    n4: Mapped[int] = mapped_column(Integer, default=0)
    n5: Mapped[int] = mapped_column(Integer, default=0)
    rated_dossiers: Mapped[int] = mapped_column(Integer, default=0)
    early: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)
    open_due: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RollupDay(_Counters, orm_registry.generate_base()):  # type: ignore[misc]
    __tablename__ = "rollup_day"
    __table_args__ = (
        PrimaryKeyConstraint(
            "centre_id", "day", "counter_id", "staff_id", "agency_id", "procedure_id", "channel", name="pk_rollup_day"
        ),
        Index(  # dossiers still in hand, by the day they fall overdue: this month's overdue figure
            "ix_rollup_day_open_due",
            "day",
            "centre_id",
            "open_due",
            postgresql_where=text("open_due > 0"),
            sqlite_where=text("open_due > 0"),
        ),
        {"sqlite_with_rowid": False},  # SQLite: the table is its key's index (rows found and written by key)
    )

    day: Mapped[date] = mapped_column(Date)
    centre_id: Mapped[uuid.UUID] = mapped_column(GUID(length=16))
    counter_id: Mapped[uuid.UUID] = mapped_column(GUID(length=16))
    staff_id: Mapped[uuid.UUID] = mapped_column(GUID(length=16))
    agency_id: Mapped[uuid.UUID] = mapped_column(GUID(length=16))
    procedure_id: Mapped[uuid.UUID] = mapped_column(GUID(length=16))
    channel: Mapped[str] = mapped_column(String(8))


class RollupMonth(_Counters, orm_registry.generate_base()):  # type: ignore[misc]
    __tablename__ = "rollup_month"
    __table_args__ = (
        # A breakdown's month for every centre is one range of the key (reports read one breakdown at a time).
        PrimaryKeyConstraint("dim", "month", "centre_id", "key", name="pk_rollup_month"),
        {"sqlite_with_rowid": False},
    )

    month: Mapped[date] = mapped_column(Date)
    """The first day of the month."""
    centre_id: Mapped[uuid.UUID] = mapped_column(GUID(length=16))
    dim: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(36))
    """The counter/staff/agency/procedure id, the channel name, or '' for ``dim='centre'``."""


class ReasonMonth(orm_registry.generate_base()):  # type: ignore[misc]
    """How often each reason was chosen, per centre and month: for the centre as a whole (``dim='centre'``) and by
    agency, procedure or channel (the dashboard's filters), so that its top reasons follow one such filter."""

    __tablename__ = "rollup_reason_month"
    __table_args__ = (
        PrimaryKeyConstraint("dim", "month", "centre_id", "key", "reason", name="pk_rollup_reason_month"),
        {"sqlite_with_rowid": False},
    )

    month: Mapped[date] = mapped_column(Date)
    centre_id: Mapped[uuid.UUID] = mapped_column(GUID(length=16))
    dim: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(36))
    """The agency or procedure id, the channel name, or '' for ``dim='centre'``. Ratings without an agency or a
    procedure (most kiosk taps) count for the centre only."""
    reason: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer, default=0)
