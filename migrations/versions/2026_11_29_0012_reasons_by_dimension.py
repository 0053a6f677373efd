"""rollup_reason_month keyed by (dim, month, centre_id, key, reason): reasons counted for the centre and by agency,
procedure and channel, so that the dashboard's top reasons follow those filters

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 13:00:00

The table is made again with the new key and filled from the ratings already stored (a rebuild of the rollups
gives the same rows). Going back keeps the centre rows only.
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLE = "rollup_reason_month"


def upgrade() -> None:
    op.drop_table(TABLE)
    _create(("dim", "month", "centre_id", "key", "reason"), with_dims=True)
    _count_reasons(op.get_bind())


def downgrade() -> None:
    op.execute(
        f"CREATE TABLE {TABLE}_centres AS "  # noqa: S608 - names from this file
        f"SELECT month, centre_id, reason, count FROM {TABLE} WHERE dim = 'centre'"
    )
    op.drop_table(TABLE)
    _create(("centre_id", "month", "reason"), with_dims=False)
    op.execute(f"INSERT INTO {TABLE} SELECT * FROM {TABLE}_centres ORDER BY centre_id, month, reason")  # noqa: S608
    op.drop_table(f"{TABLE}_centres")


def _create(key: tuple[str, ...], *, with_dims: bool) -> None:
    dims = [sa.Column("dim", sa.String(10), nullable=False), sa.Column("key", sa.String(36), nullable=False)]
    op.create_table(
        TABLE,
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("centre_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        *(dims if with_dims else []),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*key, name=f"pk_{TABLE}"),
        sqlite_with_rowid=False,
    )


def _count_reasons(connection: sa.Connection) -> None:
    """Every stored rating's reasons (suspected repeats aside), in its local month: for the centre, and for the
    rating's agency, procedure and channel where it has one (the tables as they stand at this revision)."""
    tz = os.environ.get("SURVEY_TIMEZONE", "Asia/Ho_Chi_Minh")
    if connection.dialect.name == "postgresql":
        unnested = """
            SELECT r.centre_id, date_trunc('month', timezone(:tz, r.submitted_at))::date AS month,
                   coalesce(r.agency_id::text, '') AS agency_key, coalesce(r.procedure_id::text, '') AS procedure_key,
                   r.channel, reason.value AS reason
            FROM rating r CROSS JOIN LATERAL jsonb_array_elements_text(r.reasons) AS reason(value)
            WHERE NOT r.suspected_repeat AND r.reasons <> '[]'::jsonb"""
        params = {"tz": tz}
    else:
        hours = int(datetime.now(ZoneInfo(tz)).utcoffset().total_seconds() // 3600)  # type: ignore[union-attr]

        def spelt(column: str) -> str:
            """A 16-byte id as ``str(uuid)`` spells it, or '' for none."""
            h = f"lower(hex({column}))"
            parts = " || '-' || ".join(
                f"substr({h}, {a}, {n})" for a, n in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
            )
            return f"CASE WHEN {column} IS NULL THEN '' ELSE {parts} END"

        unnested = f"""
            SELECT r.centre_id, date(r.submitted_at, '{hours:+d} hours', 'start of month') AS month,
                   {spelt("r.agency_id")} AS agency_key, {spelt("r.procedure_id")} AS procedure_key, r.channel,
                   reason.value AS reason
            FROM rating r, json_each(r.reasons) AS reason
            WHERE NOT r.suspected_repeat AND r.reasons <> '[]'"""  # noqa: S608 - the offset is an integer
        params = {}
    breakdowns = " UNION ALL ".join(
        [
            "SELECT 'centre', month, centre_id, '', reason, count(*) FROM chosen GROUP BY month, centre_id, reason",
            *(
                f"SELECT '{dim}', month, centre_id, {key}, reason, count(*) FROM chosen "  # noqa: S608 - names from here
                f"WHERE {key} <> '' GROUP BY month, centre_id, {key}, reason"
                for dim, key in (("agency", "agency_key"), ("procedure", "procedure_key"), ("channel", "channel"))
            ),
        ]
    )
    connection.execute(
        sa.text(
            f"WITH chosen AS MATERIALIZED ({unnested}) "
            f'INSERT INTO {TABLE} (dim, month, centre_id, "key", reason, count) {breakdowns}'
        ),
        params,
    )
