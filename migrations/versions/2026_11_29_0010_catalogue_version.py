"""catalogue_version: one row that every write to a catalogue table changes, by trigger

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 04:20:00

Reports name places, staff, counters, agencies and procedures from a copy of the catalogue kept in each process.
They check it is current by reading this row in the same statement as their figures, instead of counting the
catalogue tables on every request. Triggers keep it: every insert, update or delete on admin_unit, agency, centre,
counter, staff or procedure adds one to ``n`` and draws a new random ``token`` (so two copies of one database,
changed alike, still differ). The change is part of the writer's transaction: readers see the new token with the
new rows. Writes that go around the triggers (a table rebuilt by hand) must bump it too.
"""

# ruff: noqa: S608 - the SQL here is built from the table and operation names in this file

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("admin_unit", "agency", "centre", "counter", "staff", "procedure")
OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "catalogue_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_catalogue_version_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_version")),
        comment="One row, changed by triggers on every write to a catalogue table: caches of names and places built "
        "from the catalogue are good while (n, token) is unchanged. The random token tells copies of one database "
        "apart.",
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("INSERT INTO catalogue_version (id, n, token) VALUES (1, 0, (random() * 9e18)::bigint)")
        op.execute(
            "CREATE FUNCTION catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE catalogue_version SET n = n + 1, token = (random() * 9e18)::bigint WHERE id = 1; "
            "RETURN NULL; END $$"
        )
        # Once per statement (a bulk load bumps it once), and before the statement touches any row: a transaction
        # takes the version row's lock before the catalogue rows' locks, so two writers wait for each other in
        # one order and cannot deadlock.
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_catalogue_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed()"
            )
        return
    op.execute("INSERT INTO catalogue_version (id, n, token) VALUES (1, 0, random())")
    for table in TABLES:
        for operation in OPERATIONS:  # SQLite triggers run for each row
            op.execute(
                f"CREATE TRIGGER {table}_catalogue_{operation.lower()} AFTER {operation} ON {table} BEGIN "
                "UPDATE catalogue_version SET n = n + 1, token = random() WHERE id = 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_catalogue_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS catalogue_changed()")
    else:
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_catalogue_{operation.lower()}")
    op.drop_table("catalogue_version")
