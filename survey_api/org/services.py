"""Catalogue rules: scoped reads, writes by code, deactivation instead of deletion, and bulk upsert."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import msgspec
from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.scope import Scope
from survey_api.errors import ErrorItem, Forbidden, InvalidInput, NotFound, field_from_msgspec
from survey_api.org import schemas as s
from survey_api.org.models import AdminUnit, Agency, Centre, Counter, Procedure, Staff


@dataclass(frozen=True, slots=True)
class Ref:
    """A ``*_code`` field of a write body that names a row of another kind."""

    field: str
    relationship: str
    target: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class Kind:
    """Everything the generic catalogue code needs to know about one kind of row."""

    name: str
    model: type[Any]
    write: type[s.Request]
    update: type[s.Request]
    read: Callable[[Any], msgspec.Struct]
    read_schema: type[msgspec.Struct]
    refs: tuple[Ref, ...]
    visible: Callable[[Scope], ColumnElement[bool]]
    search: tuple[str, ...]
    unit_path: Callable[[Any], str]
    """The path of the unit a row hangs under: who may change it depends on it."""


def _read_unit(u: AdminUnit) -> s.UnitRead:
    parent_code = u.parent.code if u.parent is not None else None
    return s.UnitRead(u.id, u.code, u.name, u.level, parent_code, u.path, u.active)


def _read_agency(a: Agency) -> s.AgencyRead:
    return s.AgencyRead(a.id, a.code, a.name, a.unit.code, a.active)


def _read_centre(c: Centre) -> s.CentreRead:
    return s.CentreRead(
        c.id, c.code, c.name, c.unit.code, c.address, c.kiosk_levels, c.active, c.webhook_url, bool(c.webhook_secret)
    )


def _read_counter(c: Counter) -> s.CounterRead:
    agency = c.agency.code if c.agency is not None else None
    return s.CounterRead(c.id, c.code, c.name, c.centre.code, agency, c.active)


def _read_staff(m: Staff) -> s.StaffRead:
    agency = m.agency.code if m.agency is not None else None
    return s.StaffRead(m.id, m.code, m.full_name, m.centre.code, agency, m.title, m.active)


def _read_procedure(p: Procedure) -> s.ProcedureRead:
    return s.ProcedureRead(p.id, p.code, p.name, p.field, p.statutory_days, p.active)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "units",
            AdminUnit,
            s.UnitWrite,
            s.UnitUpdate,
            _read_unit,
            s.UnitRead,
            (Ref("parent_code", "parent", "units", required=False),),
            Scope.units,
            ("code", "name"),
            lambda u: u.path,
        ),
        Kind(
            "agencies",
            Agency,
            s.AgencyWrite,
            s.AgencyUpdate,
            _read_agency,
            s.AgencyRead,
            (Ref("unit_code", "unit", "units"),),
            Scope.agencies,
            ("code", "name"),
            lambda a: a.unit.path,
        ),
        Kind(
            "centres",
            Centre,
            s.CentreWrite,
            s.CentreUpdate,
            _read_centre,
            s.CentreRead,
            (Ref("unit_code", "unit", "units"),),
            Scope.centres,
            ("code", "name"),
            lambda c: c.unit.path,
        ),
        Kind(
            "counters",
            Counter,
            s.CounterWrite,
            s.CounterUpdate,
            _read_counter,
            s.CounterRead,
            (Ref("centre_code", "centre", "centres"), Ref("agency_code", "agency", "agencies", required=False)),
            Scope.counters,
            ("code", "name"),
            lambda c: c.centre.unit.path,
        ),
        Kind(
            "staff",
            Staff,
            s.StaffWrite,
            s.StaffUpdate,
            _read_staff,
            s.StaffRead,
            (Ref("centre_code", "centre", "centres"), Ref("agency_code", "agency", "agencies", required=False)),
            Scope.staff,
            ("code", "full_name"),
            lambda m: m.centre.unit.path,
        ),
        Kind(
            "procedures",
            Procedure,
            s.ProcedureWrite,
            s.ProcedureUpdate,
            _read_procedure,
            s.ProcedureRead,
            (),
            lambda _scope: Procedure.id.is_not(None),  # the national catalogue: everyone may read it
            ("code", "name", "field"),
            lambda _p: "",  # only administrators change the national catalogue
        ),
    )
}
IMPORT_ORDER = ("units", "agencies", "centres", "counters", "staff", "procedures")
SINGULAR = {
    "units": "unit",
    "agencies": "agency",
    "centres": "centre",
    "counters": "counter",
    "staff": "staff member",
    "procedures": "procedure",
}


@cache
def _repository(model: type[UUIDAuditBase]) -> type[SQLAlchemyAsyncRepository[Any]]:
    return type(f"{model.__name__}Repository", (SQLAlchemyAsyncRepository,), {"model_type": model})


@dataclass(frozen=True, slots=True)
class ListFilter:
    q: str | None = None
    active: bool | None = None
    under: str | None = None
    """A unit code: only rows that hang under that unit's subtree."""
    centre: str | None = None
    """A centre code: only counters and staff of that centre."""


class CatalogueService:
    """Reads and writes the catalogue on behalf of one user (``scope``)."""

    def __init__(self, session: AsyncSession, scope: Scope) -> None:
        self.session = session
        self.scope = scope

    def repo(self, kind: Kind) -> SQLAlchemyAsyncRepository[Any]:
        return _repository(kind.model)(session=self.session, auto_expunge=False)  # type: ignore[arg-type]

    # -- reads ----------------------------------------------------------------------------------------
    async def find(self, kind: Kind, flt: ListFilter, limit: int, offset: int) -> tuple[list[Any], int]:
        conditions: list[ColumnElement[bool]] = [kind.visible(self.scope)]
        model = kind.model
        if flt.q:
            pattern = f"%{flt.q.strip()}%"
            conditions.append(or_(*(getattr(model, col).ilike(pattern) for col in kind.search)))
        if flt.active is not None:
            conditions.append(model.active.is_(flt.active))
        if flt.under:
            conditions.append(await self._under(kind, flt.under))
        if flt.centre:
            if not hasattr(model, "centre_id"):
                raise InvalidInput("Only counters and staff can be filtered by centre", field="centre")
            centre = await self._visible_by_code(KINDS["centres"], flt.centre, field="centre")
            conditions.append(model.centre_id == centre.id)
        items, total = await self.repo(kind).get_many_and_count(
            *conditions, LimitOffset(limit=limit, offset=offset), order_by=[(self._bytewise(model.code), False)]
        )
        return list(items), total

    def _bytewise(self, column: Any) -> Any:
        """Order codes the same way on every backend (PostgreSQL's locale collation skips punctuation)."""
        return column.collate("C") if self.session.get_bind().dialect.name == "postgresql" else column

    async def _under(self, kind: Kind, unit_code: str) -> ColumnElement[bool]:
        unit = await self._visible_by_code(KINDS["units"], unit_code, field="under")
        subtree = select(AdminUnit.id).where(AdminUnit.path.startswith(unit.path))
        model = kind.model
        if model is AdminUnit:
            return AdminUnit.path.startswith(unit.path)
        if hasattr(model, "unit_id"):
            return model.unit_id.in_(subtree)
        if hasattr(model, "centre_id"):
            return model.centre_id.in_(select(Centre.id).where(Centre.unit_id.in_(subtree)))
        raise InvalidInput(f"{kind.name} cannot be filtered by unit", field="under")

    async def get(self, kind: Kind, code: str) -> Any:
        return await self._visible_by_code(kind, code)

    async def _visible_by_code(self, kind: Kind, code: str, field: str = "code") -> Any:
        """The row with ``code`` if this user may see it; otherwise 404, as if it did not exist."""
        obj = await self.repo(kind).get_one_or_none(kind.model.code == code, kind.visible(self.scope))
        if obj is None:
            raise NotFound(f"No {SINGULAR[kind.name]} with code {code!r}", field=field)
        return obj

    # -- writes ---------------------------------------------------------------------------------------
    def _require_writer(self) -> None:
        if not self.scope.writes_catalogue:
            raise Forbidden("Your role may not change the catalogue")

    async def create(self, kind: Kind, data: s.Request) -> Any:
        self._require_writer()
        values = msgspec.structs.asdict(data)
        if await self.repo(kind).exists(kind.model.code == values["code"]):
            raise InvalidInput(f"Code {values['code']!r} is already used", field="code")
        obj = kind.model()
        await self._apply(kind, obj, values)
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def update(self, kind: Kind, code: str, data: s.Request) -> Any:
        self._require_writer()
        obj = await self._visible_by_code(kind, code)
        self._check_may_write(kind, obj)
        values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        await self._apply(kind, obj, values)
        await self.session.flush()
        return obj

    async def deactivate(self, kind: Kind, code: str) -> Any:
        """Rows are never deleted (ratings and dossiers point at them); they stop being offered."""
        return await self.update(kind, code, kind.update(active=False))  # type: ignore[call-arg]

    def _check_may_write(self, kind: Kind, obj: Any, field: str | None = None) -> None:
        if not self.scope.may_write_under(kind.unit_path(obj)):
            raise Forbidden(f"This {kind.name} row is outside what you may change", field=field)

    async def _apply(self, kind: Kind, obj: Any, values: dict[str, Any]) -> None:
        """Set plain fields, resolve ``*_code`` references, recompute unit paths, check the new location."""
        refs = {ref.field: ref for ref in kind.refs}
        for field, value in values.items():
            ref = refs.get(field)
            if ref is None:
                setattr(obj, field, value)
                continue
            target = None
            if value is not None:
                target_kind = KINDS[ref.target]
                target = await self.repo(target_kind).get_one_or_none(
                    target_kind.model.code == value, target_kind.visible(self.scope)
                )
                if target is None:
                    raise InvalidInput(f"Unknown {SINGULAR[ref.target]} code {value!r}", field=field)
            setattr(obj, ref.relationship, target)
        if kind.model is AdminUnit:
            await self._set_unit_path(obj)
        self._check_may_write(kind, obj, field=kind.refs[0].field if kind.refs else None)

    async def _set_unit_path(self, unit: AdminUnit) -> None:
        new_path = (unit.parent.path if unit.parent is not None else "/") + unit.code + "/"
        if unit.parent is not None and unit.parent.path.startswith(unit.path or "\0"):
            raise InvalidInput("A unit cannot be placed under itself", field="parent_code")
        old_path = unit.path
        unit.path = new_path
        if old_path and old_path != new_path:
            descendants = await self.session.scalars(
                select(AdminUnit).where(AdminUnit.path.startswith(old_path), AdminUnit.id != unit.id)
            )
            for child in descendants:
                child.path = new_path + child.path[len(old_path) :]

    # -- bulk upsert ----------------------------------------------------------------------------------
    async def bulk_upsert(self, document: s.CatalogueDocument) -> s.CatalogueImportResult:
        """Upsert every row by code; report every bad row (kind, row, field) and then write nothing."""
        self._require_writer()
        errors: list[ErrorItem] = []
        counts = {name: s.KindCounts() for name in IMPORT_ORDER}
        for name in IMPORT_ORDER:
            kind = KINDS[name]
            rows = self._convert_rows(kind, getattr(document, name), errors)
            for row_no, data in _dependency_order(kind, rows, errors):
                try:
                    await self._upsert_row(kind, data, counts[name])
                except (InvalidInput, Forbidden) as exc:
                    for item in exc.errors or [ErrorItem(field=None, message=exc.message)]:
                        errors.append(ErrorItem(field=item.field, message=item.message, row=row_no, kind=name))
        if errors:
            await self.session.rollback()
            raise InvalidInput(
                f"{len(errors)} problem(s) in the catalogue; nothing was changed",
                errors=sorted(errors, key=lambda e: (IMPORT_ORDER.index(e.kind or "units"), e.row or 0)),
            )
        await self.session.flush()
        return s.CatalogueImportResult(**counts)

    def _convert_rows(self, kind: Kind, raw_rows: Iterable[Any], errors: list[ErrorItem]) -> list[tuple[int, Any]]:
        """Check each row against the kind's schema; rows are numbered from 1; duplicates are errors."""
        rows: list[tuple[int, Any]] = []
        seen: dict[str, int] = {}
        for row_no, raw in enumerate(raw_rows, start=1):
            try:
                data: Any = msgspec.convert(raw, kind.write, strict=False)
            except msgspec.ValidationError as exc:
                field, message = field_from_msgspec(str(exc))
                errors.append(ErrorItem(field=field, message=message, row=row_no, kind=kind.name))
                continue
            if data.code in seen:
                errors.append(
                    ErrorItem(
                        field="code",
                        message=f"Duplicate code {data.code!r} (also in row {seen[data.code]})",
                        row=row_no,
                        kind=kind.name,
                    )
                )
                continue
            seen[data.code] = row_no
            rows.append((row_no, data))
        return rows

    async def _upsert_row(self, kind: Kind, data: Any, counts: s.KindCounts) -> None:
        obj = await self.repo(kind).get_one_or_none(kind.model.code == data.code)
        if obj is None:
            obj = kind.model()
            await self._apply(kind, obj, msgspec.structs.asdict(data))
            self.session.add(obj)
            counts.created += 1
        else:
            self._check_may_write(kind, obj)
            await self._apply(kind, obj, msgspec.structs.asdict(data))
            counts.updated += 1
        await self.session.flush()

    async def count_all(self) -> int:
        """Rows in the catalogue (all kinds), used to tell whether the demo must be loaded."""
        total = 0
        for kind in KINDS.values():
            total += (await self.session.scalar(select(func.count()).select_from(kind.model))) or 0
        return total


def _dependency_order(kind: Kind, rows: list[tuple[int, Any]], errors: list[ErrorItem]) -> list[tuple[int, Any]]:
    """Units may name a parent further down the document: put parents first and report cycles."""
    if kind.model is not AdminUnit:
        return rows
    by_code = {data.code: (row_no, data) for row_no, data in rows}
    ordered: list[tuple[int, Any]] = []
    state: dict[str, str] = {}

    def visit(code: str, chain: tuple[str, ...]) -> bool:
        if state.get(code) == "done":
            return True
        if code in chain:
            return False
        row_no, data = by_code[code]
        parent = data.parent_code
        if parent in by_code and not visit(parent, (*chain, code)):
            if state.get(code) != "bad":
                state[code] = "bad"
                errors.append(ErrorItem(field="parent_code", message="Units form a cycle", row=row_no, kind=kind.name))
            return False
        state[code] = "done"
        ordered.append((row_no, data))
        return True

    for code in by_code:
        visit(code, ())
    return ordered
