"""complaint.contact_erased_at: when the complainant's contact details were erased

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 11:00:00

Contact details are erased ``SURVEY_COMPLAINT_CONTACT_DAYS`` after a complaint is closed or refused; the moment is
kept so that handlers read "erased on …" rather than "none left".
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "complaint",
        sa.Column("contact_erased_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("complaint", "contact_erased_at")  # SQLite 3.35+ drops a column in place
