"""centre: how many faces its kiosks show (5, 4 or 3)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 01:06:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("centre", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kiosk_levels", sa.Integer(), server_default="5", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("centre", schema=None) as batch_op:
        batch_op.drop_column("kiosk_levels")
