"""Catalogue admin API: list, get, create, update and deactivate each kind, plus the bulk upsert.

One controller class is built per kind from its ``Kind`` description, so the six kinds behave alike.
(No ``from __future__ import annotations`` here: the handlers' annotations must be real objects.)
"""

from litestar import Controller, Router, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.auth import provide_scope
from survey_api.accounts.scope import Scope
from survey_api.org.schemas import CatalogueDocument, CatalogueImportResult
from survey_api.org.services import KINDS, SINGULAR, CatalogueService, Kind, ListFilter
from survey_api.schemas import LimitQuery, OffsetQuery, Page


def provide_catalogue(
    db_session: NamedDependency[AsyncSession], user_scope: NamedDependency[Scope]
) -> CatalogueService:
    return CatalogueService(db_session, user_scope)


def _controller(kind: Kind) -> type[Controller]:
    """Build the controller for one kind; handler annotations close over the kind's schemas."""
    read_type = kind.read_schema
    read = kind.read
    write_type = kind.write
    update_type = kind.update
    one = SINGULAR[kind.name]

    @get("/", operation_id=f"list_{kind.name}", summary=f"List {kind.name}")
    async def list_items(
        self: Controller,
        catalogue: NamedDependency[CatalogueService],
        limit: LimitQuery = 50,
        offset: OffsetQuery = 0,
        q: FromQuery[str | None] = None,
        active: FromQuery[bool | None] = None,
        under: FromQuery[str | None] = None,
        centre: FromQuery[str | None] = None,
    ) -> Page[read_type]:  # type: ignore[valid-type]
        items, total = await catalogue.find(kind, ListFilter(q, active, under, centre), limit, offset)
        return Page(items=[read(i) for i in items], total=total, limit=limit, offset=offset)

    @get("/{code:str}", operation_id=f"get_{kind.name}", summary=f"Get one {one} by code")
    async def get_item(
        self: Controller, catalogue: NamedDependency[CatalogueService], code: FromPath[str]
    ) -> read_type:  # type: ignore[valid-type]
        return read(await catalogue.get(kind, code))

    @post("/", operation_id=f"create_{kind.name}", summary=f"Create a {one}")
    async def create_item(
        self: Controller,
        catalogue: NamedDependency[CatalogueService],
        data: JSONBody[write_type],  # type: ignore[valid-type]
    ) -> read_type:  # type: ignore[valid-type]
        return read(await catalogue.create(kind, data))

    @patch("/{code:str}", operation_id=f"update_{kind.name}", summary=f"Change a {one}")
    async def update_item(
        self: Controller,
        catalogue: NamedDependency[CatalogueService],
        code: FromPath[str],
        data: JSONBody[update_type],  # type: ignore[valid-type]
    ) -> read_type:  # type: ignore[valid-type]
        return read(await catalogue.update(kind, code, data))

    @post("/{code:str}/deactivate", operation_id=f"deactivate_{kind.name}", status_code=200)
    async def deactivate_item(
        self: Controller, catalogue: NamedDependency[CatalogueService], code: FromPath[str]
    ) -> read_type:  # type: ignore[valid-type]
        return read(await catalogue.deactivate(kind, code))

    list_items.fn.__doc__ = f"List {kind.name} you may see, by code; filter with q, active, under (unit), centre."
    get_item.fn.__doc__ = f"One {one}; 404 when it does not exist or is outside your scope."
    create_item.fn.__doc__ = f"Create a {one} (admin, or province within its unit)."
    update_item.fn.__doc__ = f"Change the fields sent of a {one}."
    deactivate_item.fn.__doc__ = f"Deactivate a {one}: it is kept (ratings point at it) but no longer offered."

    return type(
        f"{kind.model.__name__}Controller",
        (Controller,),
        {
            "path": f"/{kind.name}",
            "tags": ["catalogue"],
            "list_items": list_items,
            "get_item": get_item,
            "create_item": create_item,
            "update_item": update_item,
            "deactivate_item": deactivate_item,
        },
    )


@post("/catalogue", operation_id="import_catalogue", tags=["catalogue"], status_code=200)
async def import_catalogue(
    catalogue: NamedDependency[CatalogueService], data: JSONBody[CatalogueDocument]
) -> CatalogueImportResult:
    """Upsert units, agencies, centres, counters, staff and procedures by code; all or nothing."""
    return await catalogue.bulk_upsert(data)


def catalogue_router() -> Router:
    return Router(
        path="/api/v1/admin",
        route_handlers=[*(_controller(kind) for kind in KINDS.values()), import_catalogue],
        dependencies={
            "user_scope": Provide(provide_scope, sync_to_thread=False),
            "catalogue": Provide(provide_catalogue, sync_to_thread=False),
        },
    )
