"""Column types that work on SQLite and PostgreSQL alike."""

from sqlalchemy import JSON
from sqlalchemy.dialects import postgresql

JsonDoc = JSON().with_variant(postgresql.JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL."""
