"""Catalogue request and response bodies. ``*Write`` bodies create a row or upsert it by code."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from survey_api.schemas import SPACE, Code, LongName, Name, Request, ShortName, UnitCode

UnitLevel = Literal["province", "district", "commune"]
StatutoryDays = Annotated[int, Meta(ge=0, le=365, description="Legal time limit in working days")]
Address = Annotated[str, Meta(max_length=255)]
KioskLevels = Literal[3, 4, 5]
WebhookUrl = Annotated[
    str, Meta(max_length=500, pattern=rf"^https?://[^{SPACE}]+$", description="Where flags are POSTed")
]
WebhookSecret = Annotated[str, Meta(min_length=16, max_length=200, description="Key of the HMAC-SHA256 signature")]


# -- write bodies (create, and rows of the bulk upsert) ----------------------------------------------
class UnitWrite(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: UnitCode
    name: ShortName
    level: UnitLevel
    parent_code: Code | None = None
    active: bool = True


class AgencyWrite(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Code
    name: Name
    unit_code: Code
    active: bool = True


class CentreWrite(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Code
    name: Name
    unit_code: Code
    address: Address | None = None
    kiosk_levels: KioskLevels = 5
    webhook_url: WebhookUrl | None = None
    webhook_secret: WebhookSecret | None = None
    active: bool = True


class CounterWrite(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Code
    name: Name
    centre_code: Code
    agency_code: Code | None = None
    active: bool = True


class StaffWrite(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Code
    full_name: ShortName
    centre_code: Code
    agency_code: Code | None = None
    title: ShortName | None = None
    active: bool = True


class ProcedureWrite(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Code
    name: LongName
    field: ShortName
    statutory_days: StatutoryDays
    active: bool = True


# -- partial updates: only the fields sent change -----------------------------------------------------
class UnitUpdate(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: ShortName | UnsetType = UNSET
    level: UnitLevel | UnsetType = UNSET
    parent_code: Code | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET


class AgencyUpdate(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    unit_code: Code | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class CentreUpdate(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    unit_code: Code | UnsetType = UNSET
    address: Address | UnsetType | None = UNSET
    webhook_url: WebhookUrl | UnsetType | None = UNSET
    webhook_secret: WebhookSecret | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET


class CounterUpdate(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    centre_code: Code | UnsetType = UNSET
    agency_code: Code | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET


class StaffUpdate(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    full_name: ShortName | UnsetType = UNSET
    centre_code: Code | UnsetType = UNSET
    agency_code: Code | UnsetType | None = UNSET
    title: ShortName | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET


class ProcedureUpdate(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: LongName | UnsetType = UNSET
    field: ShortName | UnsetType = UNSET
    statutory_days: StatutoryDays | UnsetType = UNSET
    active: bool | UnsetType = UNSET


# -- responses ----------------------------------------------------------------------------------------
class UnitRead(msgspec.Struct):
    id: uuid.UUID
    code: str
    name: str
    level: str
    parent_code: str | None
    path: str
    active: bool


class AgencyRead(msgspec.Struct):
    id: uuid.UUID
    code: str
    name: str
    unit_code: str
    active: bool


class CentreRead(msgspec.Struct):
    id: uuid.UUID
    code: str
    name: str
    unit_code: str
    address: str | None
    kiosk_levels: int
    active: bool
    webhook_url: str | None = None
    """The secret is never shown; ``webhook_signed`` says whether one is set."""
    webhook_signed: bool = False


class CounterRead(msgspec.Struct):
    id: uuid.UUID
    code: str
    name: str
    centre_code: str
    agency_code: str | None
    active: bool


class StaffRead(msgspec.Struct):
    id: uuid.UUID
    code: str
    full_name: str
    centre_code: str
    agency_code: str | None
    title: str | None
    active: bool


class ProcedureRead(msgspec.Struct):
    id: uuid.UUID
    code: str
    name: str
    field: str
    statutory_days: int
    active: bool


# -- bulk upsert --------------------------------------------------------------------------------------
class CatalogueDocument(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One document with a list per kind; rows are upserted by code, parents before children.

    Rows are checked one by one so that every problem is reported (kind, row, field); if any row is
    wrong nothing is written.
    """

    units: list[dict[str, Any]] = msgspec.field(default_factory=list)
    agencies: list[dict[str, Any]] = msgspec.field(default_factory=list)
    centres: list[dict[str, Any]] = msgspec.field(default_factory=list)
    counters: list[dict[str, Any]] = msgspec.field(default_factory=list)
    staff: list[dict[str, Any]] = msgspec.field(default_factory=list)
    procedures: list[dict[str, Any]] = msgspec.field(default_factory=list)


class KindCounts(msgspec.Struct):
    created: int = 0
    updated: int = 0


class CatalogueImportResult(msgspec.Struct):
    units: KindCounts
    agencies: KindCounts
    centres: KindCounts
    counters: KindCounts
    staff: KindCounts
    procedures: KindCounts
