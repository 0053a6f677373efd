"""Dossier intake for the one-stop information system, and the QR and printable slip of a returned dossier."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.auth import provide_principal, requires_role
from survey_api.accounts.models import IntegrationKey, User
from survey_api.accounts.services import scope_of
from survey_api.dossiers.csv_import import parse_csv
from survey_api.dossiers.qr import qr_png, qr_svg
from survey_api.dossiers.schemas import DossierImportResult, DossierPush, DossierRead
from survey_api.dossiers.services import DossierService
from survey_api.i18n import page_context

MAX_CSV_BYTES = 20 * 1024 * 1024
_READERS = ("admin", "province", "director", "supervisor", "staff", "viewer")


def provide_dossiers(db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any]) -> DossierService:
    state = request.app.state
    return DossierService(db_session, state.settings, state.writes)


def _source(principal: Any) -> str:
    if isinstance(principal, IntegrationKey):
        return principal.name
    return f"user:{principal.username}" if isinstance(principal, User) else "unknown"


def _scope(principal: Any) -> Any:
    return None if isinstance(principal, IntegrationKey) else scope_of(principal)


class DossierController(Controller):
    path = "/api/v1/dossiers"
    tags = ["dossiers"]
    dependencies = {
        "dossiers": Provide(provide_dossiers, sync_to_thread=False),
        "principal": Provide(provide_principal, sync_to_thread=False),
    }

    @post("/", operation_id="push_dossier", guards=[requires_role("admin", integration=True)], status_code=200)
    async def push(
        self, data: JSONBody[DossierPush], dossiers: NamedDependency[DossierService], principal: NamedDependency[Any]
    ) -> Response[DossierRead]:
        """Upsert a dossier by code from an event; a returned dossier's answer carries its rating link and QR."""
        outcome = await dossiers.push(data, _source(principal))
        read = await dossiers.read(outcome.dossier, applied=outcome.applied)
        return Response(read, status_code=201 if outcome.created else 200)

    @post(
        "/import",
        operation_id="import_dossiers",
        guards=[requires_role("admin", integration=True)],
        status_code=200,
        request_max_body_size=MAX_CSV_BYTES,
    )
    async def import_csv(
        self,
        request: Request[Any, Any, Any],
        dossiers: NamedDependency[DossierService],
        principal: NamedDependency[Any],
    ) -> DossierImportResult:
        """Back-fill from CSV (UTF-8; Vietnamese or English headers); all rows or none, errors by row and field."""
        rows = parse_csv(await request.body(), dossiers.settings.timezone)
        return await dossiers.import_rows(rows, f"import:{_source(principal)}")

    @get("/{code:str}", operation_id="get_dossier", guards=[requires_role(*_READERS, integration=True)])
    async def get_one(
        self, code: FromPath[str], dossiers: NamedDependency[DossierService], principal: NamedDependency[Any]
    ) -> DossierRead:
        """The dossier's state, timeliness and (once returned) its rating link."""
        return await dossiers.read(await dossiers.get(code, _scope(principal)))

    @get("/{code:str}/qr", operation_id="dossier_qr", guards=[requires_role(*_READERS, integration=True)])
    async def qr(
        self,
        code: FromPath[str],
        dossiers: NamedDependency[DossierService],
        principal: NamedDependency[Any],
        format: FromQuery[Literal["svg", "png"]] = "svg",
    ) -> Response[bytes]:
        """The QR code of the dossier's rating link, as SVG or PNG, for the result slip."""
        dossier = await dossiers.get(code, _scope(principal))
        url = dossiers.rating_url(await dossiers.token_of(dossier))
        if format == "png":
            return Response(qr_png(url), media_type="image/png")
        return Response(qr_svg(url), media_type="image/svg+xml")

    @get(
        "/{code:str}/slip",
        operation_id="dossier_slip",
        guards=[requires_role(*_READERS, integration=True)],
        media_type="text/html",
    )
    async def slip(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        dossiers: NamedDependency[DossierService],
        principal: NamedDependency[Any],
    ) -> Template:
        """A printable slip: centre, procedure, dossier code, the QR and its short link."""
        dossier = await dossiers.get(code, _scope(principal))
        url = dossiers.rating_url(await dossiers.token_of(dossier))
        return Template(
            "slip.html",
            context={
                **page_context(request),
                "dossier": dossier,
                "url": url,
                "qr": qr_svg(url).decode(),
            },
        )
