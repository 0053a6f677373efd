"""``survey-api demo`` and ``survey-api serve``: the demo province and the server."""

from __future__ import annotations

import os
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.scope import Scope
from survey_api.cli.base import load_settings, main, run_in_session, safe_url
from survey_api.org.services import CatalogueService
from survey_api.settings import Settings


@main.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load when the catalogue is empty.")
def demo(if_empty: bool) -> None:
    """Load the Cà Mau demo province and one login per role (idempotent)."""
    from survey_api import demo as demo_data

    async def work(session: AsyncSession) -> bool:
        if if_empty and await CatalogueService(session, Scope(role="admin")).count_all() > 0:
            return False
        await demo_data.load_demo(session, load_settings())
        return True

    loaded = run_in_session(work)
    click.echo("Demo province loaded: Cà Mau." if loaded else "Catalogue not empty: demo not loaded.")


def _demo_link(settings: Settings) -> tuple[str, str] | None:
    """A demo dossier's unused rating link to print on start, or None (no demo, or a database not migrated)."""
    from sqlalchemy.exc import SQLAlchemyError

    from survey_api import demo as demo_data

    try:
        return run_in_session(lambda session: demo_data.demo_link(session, settings))
    except SQLAlchemyError:
        return None


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--reload", is_flag=True)
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the API, kiosk, phone page and dashboard with uvicorn."""
    import uvicorn

    from survey_api.demo.catalogue import DEMO_PASSWORD
    from survey_api.demo.catalogue import USERS as DEMO_USERS

    base = f"http://{host}:{port}"
    if not os.environ.get("SURVEY_PUBLIC_BASE_URL"):
        # Links in QR codes and pairing links follow the port served; a wildcard address is not one to open.
        reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else f"[{host}]" if ":" in host else host  # noqa: S104 - compared, not bound
        os.environ["SURVEY_PUBLIC_BASE_URL"] = f"http://{reachable}:{port}"
    settings = load_settings()
    options = uvicorn_options(settings, host=host, port=port, workers=workers, reload=reload)
    link = _demo_link(settings)
    click.echo(
        "\n".join(
            [
                "",
                f"  Hài Lòng is starting on {base}",
                f"    Dashboard (đăng nhập):  {base}/login",
                f"    Kiosk (máy tính bảng):  {base}/kiosk/  (ghép nối / pair it on {base}/dashboard/kiosks)",
                *(
                    [
                        f"    Điện thoại (phone):     {link[1]}",
                        f"      phiếu trả kết quả (slip, after login): {base}/api/v1/dossiers/{link[0]}/slip",
                    ]
                    if link
                    else []
                ),
                f"    Health:                 {base}/health",
                f"    API description:        {base}/schema/openapi.json",
                f"    Catalogue API:          {base}/api/v1/admin/centres",
                f"  Demo logins (password '{DEMO_PASSWORD}'):",
                *(
                    f"    {u['username']:<9} {u['role']}{' — ' + u['scope_code'] if u['scope_code'] else ''}"
                    for u in DEMO_USERS
                ),
                f"  Database: {safe_url(settings.database_url)}",
                "",
            ]
        )
    )
    uvicorn.run(**options)


def uvicorn_options(settings: Settings, *, host: str, port: int, workers: int, reload: bool) -> dict[str, Any]:
    """How ``serve`` runs uvicorn. The client's address and scheme are taken from ``X-Forwarded-For`` and
    ``X-Forwarded-Proto`` only when the request comes from one of ``SURVEY_TRUSTED_PROXIES``; without it no such
    header is believed, whoever sends it (uvicorn's own default believes anything on 127.0.0.1)."""
    if os.environ.get("FORWARDED_ALLOW_IPS") is not None:
        raise click.ClickException(
            "FORWARDED_ALLOW_IPS is not read: name the reverse proxies in SURVEY_TRUSTED_PROXIES instead "
            f"(SURVEY_TRUSTED_PROXIES={os.environ['FORWARDED_ALLOW_IPS']})"
        )
    proxies = settings.trusted_proxy_list
    return {
        "app": "survey_api.app:create_app",
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "reload": reload,
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies,
        "log_level": "info",
    }
