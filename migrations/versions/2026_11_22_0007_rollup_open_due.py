"""rollups count dossiers still in hand on the day they fall overdue (open_due), so that overdue figures are read
from rollups rather than from every open dossier; open dossiers indexed by due moment, and those ever paused

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 05:10:00

The new counter is filled here for the dossiers already in hand (a rebuild of the rollups gives the same).
"""

from __future__ import annotations

import os
from collections import Counter as Tally
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("rollup_day", "rollup_month"):
        op.add_column(table, sa.Column("open_due", sa.Integer(), nullable=False, server_default="0"))
    op.create_index(
        "ix_rollup_day_open_due",
        "rollup_day",
        ["day", "centre_id", "open_due"],
        postgresql_where=sa.text("open_due > 0"),
        sqlite_where=sa.text("open_due > 0"),
    )
    # Dossiers in hand by due moment (those falling overdue today), and those ever paused (few).
    op.drop_index("ix_dossier_open_due", table_name="dossier")
    op.create_index(
        "ix_dossier_open_due",
        "dossier",
        ["due_at", "centre_id"],
        postgresql_where=sa.text("resolved_at IS NULL"),
        sqlite_where=sa.text("resolved_at IS NULL"),
    )
    op.create_index(
        "ix_dossier_open_paused",
        "dossier",
        ["centre_id"],
        postgresql_where=sa.text("resolved_at IS NULL AND paused <> '[]'::jsonb"),
        sqlite_where=sa.text("resolved_at IS NULL AND paused <> '[]'"),
    )
    _count_dossiers_in_hand(op.get_bind())


COUNTERS = ("n1", "n2", "n3", "n4", "n5", "rated_dossiers", "early", "on_time", "late", "returned", "open_due")
DAY_KEY = ("centre_id", "day", "counter_id", "staff_id", "agency_id", "procedure_id", "channel")
MONTH_KEY = ("centre_id", "month", "dim", "key")
IN_HAND = ("received", "in_progress", "paused")


def _count_dossiers_in_hand(connection: sa.Connection) -> None:
    """Add each open dossier to the day and month rows of the day it falls overdue, as the app does from now on
    (the rollup tables are spelled out as they stand at this revision)."""
    from advanced_alchemy.types import GUID
    from sqlalchemy.dialects import postgresql, sqlite

    from survey_api.dossiers.models import Dossier
    from survey_api.reports.rollups import dossier_counts

    tz = os.environ.get("SURVEY_TIMEZONE", "Asia/Ho_Chi_Minh")
    d = Dossier.__table__.c
    rows = connection.execute(
        sa.select(
            d.centre_id, d.counter_id, d.staff_id, d.agency_id, d.procedure_id, d.channel,
            d.status, d.due_at, d.paused, sa.literal(None).label("resolved_at"), sa.literal(None).label("returned_at"),
        ).where(d.resolved_at.is_(None), d.status.in_(IN_HAND), d.due_at.is_not(None))
    )  # fmt: skip
    days: Tally[Any] = Tally()
    for row in rows:
        days.update(key for key, counter in dossier_counts(row, tz) if counter == "open_due")  # type: ignore[arg-type]
    if not days:
        return
    months: Tally[tuple[Any, ...]] = Tally()
    for key, count in days.items():
        for month, dim, dim_key in key.month_rows():
            months[(key.centre_id, month, dim, dim_key)] += count

    guid, counters = GUID(length=16), [sa.column(name, sa.Integer()) for name in COUNTERS]
    day_table = sa.table(
        "rollup_day",
        *(sa.column(k, sa.Date() if k == "day" else sa.String() if k == "channel" else guid) for k in DAY_KEY),
        *counters,
    )
    month_table = sa.table(
        "rollup_month",
        sa.column("centre_id", guid),
        sa.column("month", sa.Date()),
        sa.column("dim", sa.String()),
        sa.column("key", sa.String()),
        *(sa.column(name, sa.Integer()) for name in COUNTERS),
    )
    zero = dict.fromkeys(COUNTERS, 0)
    day_rows = [{**{k: getattr(key, k) for k in DAY_KEY}, **zero, "open_due": n} for key, n in days.items()]
    month_rows = [dict(zip(MONTH_KEY, key, strict=True)) | {**zero, "open_due": n} for key, n in months.items()]
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    for table, keys, batch in ((day_table, DAY_KEY, day_rows), (month_table, MONTH_KEY, month_rows)):
        statement = insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={"open_due": table.c.open_due + statement.excluded.open_due}
        )
        for i in range(0, len(batch), 1000):
            connection.execute(statement, batch[i : i + 1000])


def downgrade() -> None:
    op.drop_index("ix_dossier_open_paused", table_name="dossier")
    op.drop_index("ix_dossier_open_due", table_name="dossier")
    op.create_index(
        "ix_dossier_open_due",
        "dossier",
        ["centre_id", "due_at"],
        postgresql_where=sa.text("resolved_at IS NULL"),
        sqlite_where=sa.text("resolved_at IS NULL"),
    )
    op.drop_index("ix_rollup_day_open_due", table_name="rollup_day")
    for table in ("rollup_month", "rollup_day"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("open_due")
