"""rating.claimed_at and rating.unresolved; kiosk.held_reported: a kiosk's taps are never lost

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 12:00:00

A rating whose own time is not believed (older than SURVEY_OFFLINE_MAX_DAYS, or in the future) is counted at its
receipt and its claim kept in ``claimed_at``; what it names that the server no longer knows (a staff member moved
away, a reason removed by a survey revision) is kept in ``unresolved`` instead of refusing the rating. A kiosk
reports how many items it keeps aside (refused for good by the server) in ``held_reported``.
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "rating", sa.Column("claimed_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True)
    )
    op.add_column("rating", sa.Column("unresolved", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")))
    op.add_column("kiosk", sa.Column("held_reported", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("kiosk", "held_reported")  # SQLite 3.35+ drops a column in place
    op.drop_column("rating", "unresolved")
    op.drop_column("rating", "claimed_at")
