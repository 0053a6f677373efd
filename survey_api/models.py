"""Every mapped table, imported in one place so Alembic and the app see the same metadata."""

from advanced_alchemy.base import orm_registry

from survey_api.accounts.models import ApiToken, IntegrationKey, StoreEntry, User
from survey_api.audit.models import AuditEvent
from survey_api.complaints.models import Complaint, Flag, FlagEvent, Notification
from survey_api.dossiers.models import Dossier, DossierEvent, RatingToken
from survey_api.integrity.models import Finding
from survey_api.kiosks.models import Kiosk
from survey_api.org.models import AdminUnit, Agency, Centre, Counter, Procedure, Staff
from survey_api.ratings.models import Rating, Survey
from survey_api.reports.models import ReasonMonth, RollupDay, RollupMonth

metadata = orm_registry.metadata

__all__ = [
    "AdminUnit",
    "Agency",
    "ApiToken",
    "AuditEvent",
    "Centre",
    "Complaint",
    "Counter",
    "Dossier",
    "DossierEvent",
    "Finding",
    "Flag",
    "FlagEvent",
    "IntegrationKey",
    "Kiosk",
    "Notification",
    "Procedure",
    "Rating",
    "RatingToken",
    "ReasonMonth",
    "RollupDay",
    "RollupMonth",
    "Staff",
    "StoreEntry",
    "Survey",
    "User",
    "metadata",
]
