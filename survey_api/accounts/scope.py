"""What a user may see and change: role plus scope (an admin unit's subtree, or one centre)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true

from survey_api.org.models import AdminUnit, Agency, Centre, Counter, Staff

ROLES = ("admin", "province", "director", "supervisor", "staff", "viewer")
CATALOGUE_WRITERS = frozenset({"admin", "province"})


@dataclass(frozen=True, slots=True)
class Scope:
    """A user's reach. ``unit_path`` is the subtree root (``/96/964/``); ``centre_id`` narrows to one centre."""

    role: str
    unit_path: str | None = None
    centre_id: uuid.UUID | None = None

    @property
    def everything(self) -> bool:
        return self.role == "admin"

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes of the units above the scope root (visible for context: the province's name)."""
        return [code for code in (self.unit_path or "").strip("/").split("/") if code][:-1]

    # -- what may be seen -------------------------------------------------------------------------
    def units(self) -> ColumnElement[bool]:
        if self.everything:
            return true()
        if self.unit_path is None:
            return false()
        own = AdminUnit.path == self.unit_path if self.centre_id else AdminUnit.path.startswith(self.unit_path)
        return or_(own, AdminUnit.code.in_(self.ancestor_codes))

    def agencies(self) -> ColumnElement[bool]:
        if self.everything:
            return true()
        return Agency.unit_id.in_(select(AdminUnit.id).where(self.units()))

    def centres(self) -> ColumnElement[bool]:
        if self.everything:
            return true()
        if self.centre_id is not None:
            return Centre.id == self.centre_id
        if self.unit_path is None:
            return false()
        return Centre.unit_id.in_(select(AdminUnit.id).where(AdminUnit.path.startswith(self.unit_path)))

    def sees_unit(self, code: str, path: str) -> bool:
        """``units()`` for one unit already in hand (by its code and path), without asking the database."""
        if self.everything:
            return True
        if self.unit_path is None:
            return False
        own = path == self.unit_path if self.centre_id else path.startswith(self.unit_path)
        return own or code in self.ancestor_codes

    def sees_centre(self, centre_id: uuid.UUID, unit_path: str) -> bool:
        """``centres()`` for one centre already in hand (by its id and its unit's path)."""
        if self.everything:
            return True
        if self.centre_id is not None:
            return centre_id == self.centre_id
        return self.unit_path is not None and unit_path.startswith(self.unit_path)

    def centre_ids(self) -> Any:
        """A sub-select of visible centre ids, for tables that point at a centre."""
        return select(Centre.id).where(self.centres())

    def counters(self) -> ColumnElement[bool]:
        return true() if self.everything else Counter.centre_id.in_(self.centre_ids())

    def staff(self) -> ColumnElement[bool]:
        return true() if self.everything else Staff.centre_id.in_(self.centre_ids())

    # -- what may be changed ----------------------------------------------------------------------
    @property
    def writes_catalogue(self) -> bool:
        return self.role in CATALOGUE_WRITERS

    def may_write_under(self, unit_path: str) -> bool:
        """May this user change catalogue rows that hang under the unit with ``unit_path``?"""
        if self.everything:
            return True
        return (
            self.role in CATALOGUE_WRITERS
            and self.centre_id is None
            and self.unit_path is not None
            and unit_path.startswith(self.unit_path)
        )
