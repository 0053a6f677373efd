"""indexes for country-wide reports: rollup_month by (dim, month); open dossiers by deadline

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 01:38:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_rollup_month_dim_month", "rollup_month", ["dim", "month", "centre_id"])
    op.create_index(
        "ix_dossier_open_due",
        "dossier",
        ["centre_id", "due_at"],
        postgresql_where=sa.text("resolved_at IS NULL"),
        sqlite_where=sa.text("resolved_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_dossier_open_due", table_name="dossier")
    op.drop_index("ix_rollup_month_dim_month", table_name="rollup_month")
