"""The composition root: ``create_app(settings)`` wires every domain, the kiosk and the dashboard."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from advanced_alchemy.extensions.litestar.store import SQLAlchemyStore
from litestar import Litestar, MediaType, Request, Response, get
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.logging.config import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.routes import HTTPRoute
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Receive, Scope, Send

import dashboard
import kiosk
from survey_api import __version__
from survey_api.accounts.auth import CSRF_EXEMPT, RATE_LIMITED_PREFIXES, came_with_bearer, session_auth
from survey_api.accounts.controllers import AuthApi, AuthPages
from survey_api.accounts.models import StoreEntry
from survey_api.caches import AppCaches
from survey_api.complaints.controllers import ComplaintController, FlagController
from survey_api.complaints.jobs import background_jobs
from survey_api.db import alchemy_config, commit_before_answering, create_engine, note_request, sqlite_checkpoints
from survey_api.dossiers.controllers import DossierController
from survey_api.errors import SurveyRequest, exception_handler, refuse_lax_json, refuse_nul_characters
from survey_api.integrity.controllers import integrity_report
from survey_api.kiosks.controllers import KioskAdminController, KioskDeviceController
from survey_api.openapi import TruthfulJsonRenderPlugin
from survey_api.org.controllers import catalogue_router
from survey_api.ratings.controllers import submit_rating, validate_rating
from survey_api.ratings.ingest import rating_writer
from survey_api.reports.controllers import satisfaction_report
from survey_api.security_headers import security_headers
from survey_api.settings import Settings
from survey_api.subscribers import default_subscribers
from survey_api.system.controllers import health
from survey_api.writes import WriteSubscribers

PACKAGE_DIR = Path(__file__).parent


def csrf_unless_bearer(app: ASGIApp, config: CSRFConfig) -> ASGIApp:
    """Litestar's CSRF check, except for requests the principal middleware (which runs first) found authenticated
    by a Bearer credential: those carry no cookie a forged form could ride on. Litestar's own exemptions are per
    path (``CSRFConfig.exclude``) or per route (``exclude_from_csrf``), and the same API route answers a person's
    session cookie (checked) and a script's token (not), so the choice is made per request, from the principal."""
    checked = CSRFMiddleware(app, config)

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        await (app if came_with_bearer(scope) else checked)(scope, receive, send)

    return middleware


async def _is_public(request: Request[Any, Any, Any]) -> bool:
    """Throttled: the public endpoints, unless a kiosk or script authenticated with its Bearer credential."""
    return request.scope["path"].startswith(RATE_LIMITED_PREFIXES) and not came_with_bearer(request)


@asynccontextmanager
async def tuned_garbage_collector(app: Litestar) -> AsyncIterator[None]:
    """While serving, keep the objects made at start-up (modules, routes, templates…) out of the garbage
    collector's full passes, which otherwise walk them all (up to ~130 ms at a time under load, holding every
    request), and collect the young generation every 10,000 net allocations instead of 700: a request's
    objects are mostly freed by reference counting before then, so the collector's share of the CPU drops
    from about 8% to 2% under load (see docs/scaling.md)."""
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:  # an app stopped inside a longer-lived process (tests) leaves the collector as it found it
        gc.unfreeze()
        gc.set_threshold(*previous)


@get("/", include_in_schema=False, operation_id="root")
async def root() -> Redirect:
    """Send visitors to the dashboard (which asks them to log in)."""
    return Redirect("/dashboard/")


def allowed_methods(request: Request[Any, Any, Any]) -> Response[None] | None:
    """``OPTIONS`` answered with every method of the path. Litestar 2 answers it with the methods of the path's first
    handler only when a path's handlers are registered one after another (litestar#4169, fixed in 3.0): a list and
    a create, a get and a change, listed only one of the two in ``Allow``."""
    handler = request.route_handler
    if handler.http_methods != {"OPTIONS"} or handler.handler_name != "options_handler":
        return None  # an OPTIONS handler of our own
    routes = (r for r in request.app.routes if isinstance(r, HTTPRoute) and any(h is handler for h in r.route_handlers))
    route = next(routes, None)
    if route is None:
        return None
    methods = route.methods
    return Response(None, status_code=204, headers={"Allow": ", ".join(sorted(methods))}, media_type=MediaType.TEXT)


async def before_request(request: Request[Any, Any, Any]) -> Response[None] | None:
    """Every request: remembered for ``commit_before_answering``, then refused if its input holds a NUL or its JSON
    body is not of the schema's types; ``OPTIONS`` is answered here."""
    note_request(request)
    if request.method == "OPTIONS":
        return allowed_methods(request)
    await refuse_nul_characters(request)
    await refuse_lax_json(request)
    return None


def create_app(settings: Settings | None = None, subscribers: WriteSubscribers | None = None) -> Litestar:
    """Build the application for ``settings`` (read from ``SURVEY_*`` when not given). ``subscribers`` hear of every
    rating stored and dossier changed (``survey_api.writes``); the product's own by default. What the app remembers
    between requests is its own (``app.state.caches``, ``survey_api.caches``)."""
    settings = settings or Settings.from_env()
    caches = AppCaches()
    subscribers = subscribers or default_subscribers(settings, caches)
    alchemy = alchemy_config(settings, create_engine(settings, serving=True))
    store = SQLAlchemyStore(alchemy, model=StoreEntry, namespace="sessions")
    auth = session_auth(settings.session_max_age_seconds, secure=settings.production, extra_public=kiosk.PUBLIC_PATHS)
    csrf = CSRFConfig(
        secret=settings.secret_key,
        cookie_secure=settings.production,
        cookie_samesite="lax",
        exclude=CSRF_EXEMPT,
    )
    rate_limit = RateLimitConfig(
        rate_limit=("minute", settings.public_rate_limit_per_minute),
        check_throttle_handler=_is_public,
        exclude=["^/health$", "^/static/"],
    )

    app = Litestar(
        route_handlers=[
            root,
            health,
            AuthPages,
            AuthApi,
            catalogue_router(),
            DossierController,
            submit_rating,
            validate_rating,
            satisfaction_report,
            integrity_report,
            KioskDeviceController,
            KioskAdminController,
            ComplaintController,
            FlagController,
            *dashboard.routes(),
            *kiosk.routes(),
            create_static_files_router(
                path="/static",
                directories=[PACKAGE_DIR / "static", *kiosk.STATIC_DIRS, *dashboard.STATIC_DIRS],
                name="static",
                include_in_schema=False,
            ),
        ],
        plugins=[SQLAlchemyPlugin(config=alchemy)],
        on_app_init=[auth.on_app_init],
        lifespan=[rating_writer, background_jobs, sqlite_checkpoints, tuned_garbage_collector],
        middleware=[DefineMiddleware(csrf_unless_bearer, config=csrf), rate_limit.middleware],
        stores={"sessions": store, "login": store.with_namespace("login")},
        template_config=TemplateConfig(
            directory=[PACKAGE_DIR / "templates", *dashboard.TEMPLATE_DIRS, *kiosk.TEMPLATE_DIRS],
            engine=JinjaTemplateEngine,
        ),
        openapi_config=OpenAPIConfig(
            title="Hài Lòng API",
            version=__version__,
            description="Citizen satisfaction and feedback for public administrative service centres.",
            path="/schema",
            render_plugins=[TruthfulJsonRenderPlugin()],
        ),
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        exception_handlers={Exception: exception_handler},
        request_class=SurveyRequest,
        before_request=before_request,
        after_request=commit_before_answering,
        before_send=[security_headers(dashboard.style_hashes())],
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="debug" if settings.debug else "never",
        ),
        debug=settings.debug,
        state=State({"settings": settings, "alchemy": alchemy, "writes": subscribers, "caches": caches}),
    )
    logging.getLogger("survey_api").setLevel(logging.INFO)
    return app
