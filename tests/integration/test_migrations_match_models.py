"""The migrations and the models describe the same schema: a database migrated from nothing compared with the
models' metadata by Alembic's autogenerate finds nothing to change: tables, columns, indexes, constraints and
(on PostgreSQL) column types."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from survey_api.models import metadata

pytestmark = pytest.mark.anyio


def _differences(connection: Any) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            # Column types are compared on PostgreSQL, where they read back as declared. SQLite keeps only a type
            # affinity (advanced-alchemy's GUID reads back as NUMERIC): comparing them there would only raise alarms.
            "compare_type": connection.dialect.name == "postgresql",
            "target_metadata": metadata,
        },
    )
    return list(compare_metadata(context, metadata))


def _described(diff: Any) -> str:
    """``("add_column", None, "kiosk", Column(...))`` as ``add_column kiosk extra``; a list of column changes as is."""
    if isinstance(diff, tuple):
        return " ".join(str(getattr(part, "name", part)) for part in diff if part is not None)
    return repr(diff)


async def test_a_migrated_database_matches_the_models(database_url: str) -> None:
    """``database_url`` is a fresh database the fixtures migrated to head with ``survey-api db upgrade``'s code."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert [_described(d) for d in differences] == []
