"""The catalogue as reports name it: each process's copy of the places (units, centres) with the catalogue's
version, read again when the version changes, and the names of the other dimensions, looked up once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.scope import Scope
from survey_api.caches import AppCaches
from survey_api.i18n import translate
from survey_api.org.models import AdminUnit, Agency, Centre, Counter, Procedure, Staff, catalogue_version
from survey_api.reports.models import NIL

CATALOGUE_TOKEN = select(catalogue_version.c.token).where(catalogue_version.c.id == 1)
CATALOGUE_COLUMN = CATALOGUE_TOKEN.scalar_subquery().label("catalogue")


class CatalogueChanged(Exception):
    """The catalogue changed since this process copied it: the report is made again from a fresh copy."""


class Catalogue:
    """Centres, the units that name their places, and the names of counters, staff, agencies and procedures as
    reports ask for them: kept by each app (``AppCaches.catalogue``) while the catalogue's version
    (``catalogue_version``, changed by a trigger on every write to a catalogue table) is the one they were read at."""

    def __init__(self, token: int, centres: Sequence[Any], units: Sequence[Any]) -> None:
        self.token = token
        self.centres = centres
        self.centre_codes = {centre.code: centre for centre in centres}
        self.centre_paths = {centre.id: centre.path for centre in centres}
        self._covered: dict[tuple[Scope, str | None], list[uuid.UUID]] = {}
        self.units = {row.code: (row.code, row.name, row.level) for row in units}
        self.unit_paths = {row.code: row.path for row in units}
        self.provinces = {code: (code, name) for code, name, level in self.units.values() if level == "province"}
        self.names: dict[tuple[str, str], tuple[str, str]] = {}
        """(dimension, id) → (code, name) of counters, staff, agencies and procedures, filled as reports ask."""
        self._places: dict[str, dict[uuid.UUID, dict[str, tuple[str, str]]]] = {}

    @classmethod
    async def current(cls, session: AsyncSession, caches: AppCaches, check: bool = True) -> Catalogue:
        """The app's copy: as it is when ``check`` is false (the caller compares versions later), else read again
        if the catalogue has changed since."""
        cached: Catalogue | None = caches.catalogue
        if cached is not None and not check:
            return cached
        token = await session.scalar(CATALOGUE_TOKEN)
        if cached is not None and cached.token == token:
            return cached
        centres = (
            await session.execute(
                select(Centre.id, Centre.code, Centre.name, AdminUnit.path).join(
                    AdminUnit, AdminUnit.id == Centre.unit_id
                )
            )
        ).all()
        # Every province and district, and the communes that hold a centre: all a centre's chain can name.
        units = (
            await session.execute(
                select(AdminUnit.code, AdminUnit.name, AdminUnit.level, AdminUnit.path).where(
                    AdminUnit.level.in_(("province", "district")) | AdminUnit.id.in_(select(Centre.unit_id))
                )
            )
        ).all()
        caches.catalogue = fresh = cls(token or 0, centres, units)
        return fresh

    def covered(self, scope: Scope, unit_path: str | None, centre_id: uuid.UUID | None) -> list[uuid.UUID] | None:
        """The centres ``scope`` sees under the unit at ``unit_path`` (anywhere when None), or only ``centre_id``
        when given: the same centres as ``scope.centres()`` and the unit's subtree select in SQL. None means every
        centre (an admin asking for the whole country)."""
        if centre_id is not None:
            path = self.centre_paths[centre_id]
            sees = scope.sees_centre(centre_id, path) and (unit_path is None or path.startswith(unit_path))
            return [centre_id] if sees else []
        if scope.everything and unit_path is None:
            return None
        found = self._covered.get((scope, unit_path))
        if found is None:
            found = self._covered[(scope, unit_path)] = [
                centre.id
                for centre in self.centres
                if scope.sees_centre(centre.id, centre.path)
                and (unit_path is None or centre.path.startswith(unit_path))
            ]
        return found

    def places(self, lang: str) -> dict[uuid.UUID, dict[str, tuple[str, str]]]:
        """Each centre's province, district, commune and itself, as (code, name)."""
        places = self._places.get(lang)
        if places is None:
            none = translate("report.none", lang)
            places = {}
            for centre in self.centres:
                chain = [self.units[c] for c in centre.path.strip("/").split("/") if c in self.units]
                by_level = {level: (code, name) for code, name, level in chain}
                places[centre.id] = {
                    "province": by_level.get("province", ("", none)),
                    "district": by_level.get("district", ("", none)),
                    "commune": by_level.get("commune", ("", none)),
                    "centre": (centre.code, centre.name),
                }
            self._places[lang] = places
        return places


class Names:
    """Codes and names of counters, staff, agencies and procedures, looked up once each."""

    MODELS: dict[str, tuple[type[Any], str]] = {
        "counter": (Counter, "name"),
        "staff": (Staff, "full_name"),
        "agency": (Agency, "name"),
        "procedure": (Procedure, "name"),
    }

    def __init__(self, session: AsyncSession, lang: str, cache: dict[tuple[str, str], tuple[str, str]]) -> None:
        self.session = session
        self.lang = lang
        self.cache = cache
        """Shared with the catalogue's copy: good while the catalogue is unchanged."""
        self.keys: dict[tuple[Any, ...], Any] = {}
        """Group keys already computed, by (centre, period, dimension values)."""

    async def prefetch(self, group_by: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        """Look up at once the names the rows will ask for."""
        for dim in group_by:
            if dim not in self.MODELS:
                continue
            idents = {str(row.get("other", row.get(dim))) for row in rows} - {"", "None", str(NIL)}
            idents = {ident for ident in idents if (dim, ident) not in self.cache}
            if not idents:
                continue
            model, name_attr = self.MODELS[dim]
            found = await self.session.execute(
                select(model.id, model.code, getattr(model, name_attr)).where(
                    model.id.in_([uuid.UUID(i) for i in idents])
                )
            )
            for ident, code, name in found:
                self.cache[(dim, str(ident))] = (code, name)

    async def of(self, dim: str, raw: Any) -> tuple[str, str]:
        ident = str(raw) if raw is not None else ""
        if ident in ("", str(NIL)):
            return "", translate("report.none", self.lang)
        cached = self.cache.get((dim, ident))
        if cached is None:
            model, name_attr = self.MODELS[dim]
            row = (
                await self.session.execute(
                    select(model.code, getattr(model, name_attr)).where(model.id == uuid.UUID(ident))
                )
            ).first()
            cached = (row[0], row[1]) if row else (ident, ident)
            self.cache[(dim, ident)] = cached
        return cached
