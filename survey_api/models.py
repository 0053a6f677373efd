"""Every mapped table, imported in one place so Alembic and the app see the same metadata."""

from advanced_alchemy.base import orm_registry

from survey_api.accounts.models import ApiToken, StoreEntry, User
from survey_api.org.models import AdminUnit, Agency, Centre, Counter, Procedure, Staff

metadata = orm_registry.metadata

__all__ = [
    "AdminUnit",
    "Agency",
    "ApiToken",
    "Centre",
    "Counter",
    "Procedure",
    "Staff",
    "StoreEntry",
    "User",
    "metadata",
]
