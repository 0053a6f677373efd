"""integrity findings; the dossier dates timeliness is judged by

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 12:00:00

``integrity_finding`` holds what was found odd as data arrived (a dossier's dates recorded late or moved, a rating
claiming a time not believed), with the records behind it. ``dossier.due_extended_at`` records the one extension of
a due date allowed before it passed, and ``dossier.resolved_floor_at`` the latest resolution time recorded, so a
later event can no longer improve a verdict (``survey_api.dossiers.dates``); the dossiers already stored start with
their resolution time as the floor.
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    moment = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)
    op.add_column("dossier", sa.Column("due_extended_at", moment, nullable=True))
    op.add_column("dossier", sa.Column("resolved_floor_at", moment, nullable=True))
    op.execute("UPDATE dossier SET resolved_floor_at = resolved_at")
    guid = advanced_alchemy.types.guid.GUID(length=16)
    op.create_table(
        "integrity_finding",
        sa.Column("id", guid, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("centre_id", guid, nullable=False),
        sa.Column("counter_id", guid, nullable=True),
        sa.Column("staff_id", guid, nullable=True),
        sa.Column("kiosk_id", guid, nullable=True),
        sa.Column("dossier_id", guid, nullable=True),
        sa.Column("rating_id", guid, nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("found_at", moment, nullable=False),
        sa.Column("detail", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["centre_id"], ["centre.id"], name=op.f("fk_integrity_finding_centre_id_centre")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrity_finding")),
    )
    op.create_index("ix_integrity_finding_centre_day", "integrity_finding", ["centre_id", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_integrity_finding_centre_day", table_name="integrity_finding")
    op.drop_table("integrity_finding")
    op.drop_column("dossier", "resolved_floor_at")  # SQLite 3.35+ drops a column in place
    op.drop_column("dossier", "due_extended_at")
