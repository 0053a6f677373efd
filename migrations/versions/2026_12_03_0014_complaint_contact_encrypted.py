"""complaint contact details encrypted at rest, with keyed hashes of the phone and email to find repeats

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:00:00

The name, phone and email columns are widened to hold ``v1:<key id>:<base64>`` (AES-GCM under SURVEY_DATA_KEY) and
the values already stored are encrypted; ``contact_phone_hash`` and ``contact_email_hash`` (HMAC-SHA256 of the
normalised phone and email, indexed) are filled for them. Going back decrypts every value (the keys that encrypted
them must be configured) and drops the hashes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

from survey_api import crypto

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BATCH = 500
WIDTHS = {"contact_name": 200, "contact_phone": 20, "contact_email": 255}
"""Each contact column and the longest plain value it takes."""

complaint = sa.table(
    "complaint",
    sa.column("id"),  # read and written back as the driver gives it
    sa.column("contact_name", sa.String()),
    sa.column("contact_phone", sa.String()),
    sa.column("contact_email", sa.String()),
    sa.column("contact_phone_hash", sa.String()),
    sa.column("contact_email_hash", sa.String()),
)


def _cipher() -> crypto.DataCipher:
    from survey_api.settings import Settings

    settings = op.get_context().config.attributes.get("settings") if op.get_context().config else None
    return crypto.DataCipher.from_settings(settings or Settings.from_env())


def _rows_with_contact(connection: sa.Connection) -> Iterator[list[Any]]:
    """The complaints holding any contact detail, ``BATCH`` at a time in id order."""
    has_contact = sa.or_(*(complaint.c[name].is_not(None) for name in WIDTHS))
    last = None
    while True:
        query = sa.select(complaint.c.id, *(complaint.c[name] for name in WIDTHS)).where(has_contact)
        if last is not None:
            query = query.where(complaint.c.id > last)
        rows = list(connection.execute(query.order_by(complaint.c.id).limit(BATCH)))
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        for name, chars in WIDTHS.items():
            batch_op.alter_column(
                name,
                existing_type=sa.String(length=chars),
                type_=sa.String(length=crypto.ciphertext_length(chars)),
                existing_nullable=True,
            )
        batch_op.add_column(sa.Column("contact_phone_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("contact_email_hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_complaint_contact_phone_hash", ["contact_phone_hash"], unique=False)
        batch_op.create_index("ix_complaint_contact_email_hash", ["contact_email_hash"], unique=False)
    connection = op.get_bind()
    cipher: crypto.DataCipher | None = None
    for rows in _rows_with_contact(connection):
        cipher = cipher or _cipher()  # keys are needed (and a development key made) only when there is data
        for complaint_id, *stored in rows:
            values: dict[str, str | None] = {}
            plain: dict[str, str | None] = {}
            for column, value in zip(WIDTHS, stored, strict=True):
                context = f"complaint.{column}"
                plain[column] = None if value is None else cipher.decrypt(value, context)  # plain stays plain
                encrypted = value is not None and crypto.key_id_of(value) is not None
                values[column] = value if value is None or encrypted else cipher.encrypt(value, context)
            values["contact_phone_hash"] = crypto.phone_hash(cipher, plain["contact_phone"])
            values["contact_email_hash"] = crypto.email_hash(cipher, plain["contact_email"])
            connection.execute(sa.update(complaint).where(complaint.c.id == complaint_id).values(**values))


def downgrade() -> None:
    connection = op.get_bind()
    cipher: crypto.DataCipher | None = None
    for rows in _rows_with_contact(connection):
        cipher = cipher or _cipher()
        for complaint_id, *stored in rows:
            values = {
                column: None if value is None else cipher.decrypt(value, f"complaint.{column}")
                for column, value in zip(WIDTHS, stored, strict=True)
            }
            connection.execute(sa.update(complaint).where(complaint.c.id == complaint_id).values(**values))
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_contact_email_hash")
        batch_op.drop_index("ix_complaint_contact_phone_hash")
        batch_op.drop_column("contact_email_hash")
        batch_op.drop_column("contact_phone_hash")
        for name, chars in WIDTHS.items():
            batch_op.alter_column(
                name,
                existing_type=sa.String(length=crypto.ciphertext_length(chars)),
                type_=sa.String(length=chars),
                existing_nullable=True,
            )
