"""rollup_month keyed by (dim, month, centre_id, key): a breakdown's month lies in one range of the key

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 03:10:00

Reports read one breakdown (``dim``) for some months and centres: the country's centre totals for a year, one
centre's staff for a month. Keyed by centre first, those rows lay between every other breakdown's rows (a
centre's procedures alone fill pages), and the country view was read through a second index of (dim, month,
centre_id). With the breakdown and month first, each such read is one contiguous range of the table (on SQLite the
table is its key), and the second index is no longer needed.
"""

from __future__ import annotations

import re

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_KEY = ("centre_id", "month", "dim", "key")
NEW_KEY = ("dim", "month", "centre_id", "key")


def upgrade() -> None:
    _rekey(NEW_KEY)
    op.drop_index("ix_rollup_month_dim_month", table_name="rollup_month")


def downgrade() -> None:
    op.create_index("ix_rollup_month_dim_month", "rollup_month", ["dim", "month", "centre_id"])
    _rekey(OLD_KEY)


def _rekey(key: tuple[str, ...]) -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.drop_constraint("pk_rollup_month", "rollup_month", type_="primary")
        op.create_primary_key("pk_rollup_month", "rollup_month", list(key))
        return
    # SQLite cannot change a key in place: the table (WITHOUT ROWID, stored in its key's order) is copied into a
    # new one with the new key, in that order.
    create = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'rollup_month'"
    ).scalar_one()
    indexes = (
        connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rollup_month' AND sql IS NOT NULL"
        )
        .scalars()
        .all()
    )
    spelt = ", ".join(f'"{c}"' if c == "key" else c for c in key)
    create = re.sub(r'^CREATE TABLE "?rollup_month"?', "CREATE TABLE rollup_month_new", create)
    create = re.sub(r"PRIMARY KEY \([^)]*\)", f"PRIMARY KEY ({spelt})", create)
    op.execute(create)
    op.execute(f"INSERT INTO rollup_month_new SELECT * FROM rollup_month ORDER BY {spelt}")  # noqa: S608 - names from this file
    op.execute("DROP TABLE rollup_month")
    op.execute("ALTER TABLE rollup_month_new RENAME TO rollup_month")
    for index in indexes:
        op.execute(index)
