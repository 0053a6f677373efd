"""SQLite: rollup tables stored in their primary key's order (WITHOUT ROWID), each row once instead of in a
table and again in its key's index; nothing changes on PostgreSQL

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 07:40:00

Rollup rows are found and written by their whole key (the writer's upserts, the reports' ranges), so a table
that is its key's index halves what each write touches and the rollups' size. The tables are rebuilt with the
same columns, keys and indexes.
"""

from __future__ import annotations

import re

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("rollup_day", "rollup_month", "rollup_reason_month")


def upgrade() -> None:
    _rebuild(without_rowid=True)


def downgrade() -> None:
    _rebuild(without_rowid=False)


def _rebuild(without_rowid: bool) -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    for name in TABLES:
        create = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).scalar_one()
        indexes = (
            connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (name,)
            )
            .scalars()
            .all()
        )
        create = re.sub(
            r'^CREATE TABLE "?\w+"?', f"CREATE TABLE {name}_new", create.rstrip().removesuffix("WITHOUT ROWID").rstrip()
        )
        op.execute(create + (" WITHOUT ROWID" if without_rowid else ""))
        op.execute(f"INSERT INTO {name}_new SELECT * FROM {name}")  # noqa: S608 - table names from this file
        op.execute(f"DROP TABLE {name}")
        op.execute(f"ALTER TABLE {name}_new RENAME TO {name}")
        for index in indexes:
            op.execute(index)
