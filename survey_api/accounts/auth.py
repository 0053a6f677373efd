"""Authentication: one middleware resolves whatever credential a request carries (a person's session cookie or
personal token, an integration key, a kiosk's device token) into one principal; guards say who may call what."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any, Literal

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AuthenticationResult
from litestar.security.session_auth import SessionAuth, SessionAuthMiddleware
from litestar.types import Scope as ASGIScope
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.models import IntegrationKey, User
from survey_api.accounts.scope import Scope
from survey_api.accounts.services import AccountService, IntegrationService, scope_of
from survey_api.accounts.sessions import ROTATE_KEY, LoginSessionConfig
from survey_api.kiosks.services import KioskSnapshot, kiosk_for_token

SESSION_USER_KEY = "user_id"
SESSION_STARTED_KEY = "started"
"""When the session began (Unix seconds): it ends ``session_max_age_seconds`` later, however busy."""
SESSION_SEEN_KEY = "seen"
"""When the session was last used (Unix seconds, kept to the minute): unused ``session_idle_seconds``, it ends."""
SEEN_EVERY_SECONDS = 60
"""The last-seen time is written at most this often, so an ordinary request costs no write to the session store."""

# Paths anyone may reach without logging in. Kiosks and integrations authenticate themselves.
PUBLIC_PATHS = [
    "^/$",
    "^/health$",
    "^/login$",
    "^/lang/",
    "^/static/",
    "^/schema",
    "^/api/v1/auth/login$",
    "^/r/",  # the citizen's phone rating page (the QR token is the credential)
    "^/api/v1/ratings(/validate)?$",  # QR token in the body, or a kiosk's Bearer token checked by the handler
    "^/api/v1/complaints(/track|/feedback|/reply)?$",  # citizens (tracking code + secret) and kiosks
    "^/phan-anh",  # the citizen's complaint form
    "^/tra-cuu",  # following a complaint with its tracking code and secret
]
# Routes whose callers cannot hold a CSRF cookie: JSON login and machine-to-machine endpoints.
CSRF_EXEMPT = ["/api/v1/auth/login", "/api/v1/ratings", "/api/v1/complaints"]
# Public endpoints that anyone can call: rate-limited per client (kiosks, with their token, are not).
RATE_LIMITED_PREFIXES = (
    "/login",
    "/api/v1/auth/login",
    "/r/",
    "/api/v1/ratings",
    "/api/v1/complaints",
    "/phan-anh",
    "/tra-cuu",
)


def db_session(connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncSession:
    """The request's database session (the same one handlers receive as ``db_session``)."""
    alchemy: SQLAlchemyAsyncConfig = connection.app.state.alchemy
    return alchemy.provide_session(connection.app.state, connection.scope)


def session_is_current(session: dict[str, Any], connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the session is neither idle too long nor older than its lifetime; refreshes its last-seen time
    once a minute (the session store is written only then)."""
    settings = connection.app.state.settings
    now = int(time.time())
    started, seen = session.get(SESSION_STARTED_KEY), session.get(SESSION_SEEN_KEY)
    if not isinstance(started, int) or not isinstance(seen, int):
        return False  # made before sessions kept these times
    if now - started > settings.session_max_age_seconds or now - seen > settings.session_idle_seconds:
        return False
    if now - seen >= SEEN_EVERY_SECONDS:
        session[SESSION_SEEN_KEY] = now
    return True


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    """The session's active user; None (so the session is deleted and the cookie cleared) for an idle or expired
    session."""
    user_id = session.get(SESSION_USER_KEY)
    if not user_id or not session_is_current(session, connection):
        return None
    try:
        return await AccountService(db_session(connection)).get(uuid.UUID(str(user_id)))
    except ValueError:
        return None


Credential = Literal["session", "token", "integration", "kiosk"]
"""How a request said who it is: ``request.auth`` (``None`` on a public path asked without credential)."""
BEARER_CREDENTIALS: frozenset[str] = frozenset({"token", "integration", "kiosk"})
Principal = User | IntegrationKey | KioskSnapshot
"""Whoever is calling: ``request.user`` (``None`` on a public path asked without credential)."""

UNCHECKED_PATHS = ["^/static/", "^/health$"]
"""Paths where no credential is even looked at: the assets and the health check."""


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if the request carries one."""
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def came_with_bearer(connection: ASGIConnection[Any, Any, Any, Any] | ASGIScope) -> bool:
    """Whether the request authenticated with a Bearer credential (so it carries no cookie CSRF could abuse)."""
    scope = connection if isinstance(connection, dict) else connection.scope
    return scope.get("auth") in BEARER_CREDENTIALS


class PrincipalMiddleware(SessionAuthMiddleware):
    """The one place a request's credential is read: a Bearer token (personal ``hl_…``, integration ``hi_…``,
    kiosk ``hk_…``) or else the session cookie, resolved into ``request.user`` (a :data:`Principal`) and
    ``request.auth`` (a :data:`Credential`). On a public path a request without Bearer token is let through as
    nobody (``None``, ``None``); a Bearer token that is not valid is refused with 401 everywhere. Guards then
    say who may call what."""

    public: re.Pattern[str] = re.compile("(?!)")
    """Paths anyone may reach (set by :func:`session_auth`)."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        token = bearer_token(connection)
        if token is not None:
            return await authenticate_bearer(connection, token)
        if self.public.match(connection.scope["path"]):
            return AuthenticationResult(user=None, auth=None)
        result = await super().authenticate_request(connection)
        return AuthenticationResult(user=result.user, auth="session")


async def authenticate_bearer(connection: ASGIConnection[Any, Any, Any, Any], token: str) -> AuthenticationResult:
    """``hl_…`` personal tokens, ``hi_…`` integration keys, ``hk_…`` kiosk devices (the kiosk as a snapshot kept
    a few seconds, so a rating from a tablet costs no database look-up)."""
    principal: Principal | None
    kind: Credential
    if token.startswith("hi_"):
        principal, kind = await IntegrationService(db_session(connection)).authenticate(token), "integration"
    elif token.startswith("hk_"):
        remembered = connection.app.state.caches.kiosks
        principal, kind = await kiosk_for_token(token, lambda: db_session(connection), remembered), "kiosk"
    else:
        principal, kind = await AccountService(db_session(connection)).user_for_token(token), "token"
    if principal is None:
        raise NotAuthorizedException("Invalid or revoked API token")
    return AuthenticationResult(user=principal, auth=kind)


def session_auth(max_age: int, secure: bool, extra_public: list[str]) -> SessionAuth[User, Any]:
    class AppPrincipalMiddleware(PrincipalMiddleware):
        public = re.compile("|".join(PUBLIC_PATHS + extra_public))

    return SessionAuth[User, Any](
        retrieve_user_handler=retrieve_user,
        session_backend_config=LoginSessionConfig(
            key="hl_session", max_age=max_age, secure=secure, httponly=True, samesite="lax"
        ),
        authentication_middleware_class=AppPrincipalMiddleware,
        exclude=UNCHECKED_PATHS,
    )


def start_session(request: ASGIConnection[Any, Any, Any, Any], user: User) -> None:
    """Log ``user`` in on this connection, under a new session id."""
    now = int(time.time())
    request.set_session(
        {SESSION_USER_KEY: str(user.id), SESSION_STARTED_KEY: now, SESSION_SEEN_KEY: now, ROTATE_KEY: True}
    )


def current_scope(connection: ASGIConnection[Any, Any, Any, Any]) -> Scope:
    user = connection.scope.get("user")
    if user is None:
        raise NotAuthorizedException("Login required")
    if not isinstance(user, User):
        raise PermissionDeniedException("This needs a person's login, not a device or integration key")
    return scope_of(user)


def provide_scope(request: ASGIConnection[Any, Any, Any, Any]) -> Scope:
    """Dependency: the logged-in user's scope."""
    return current_scope(request)


def requires_role(*roles: str, integration: bool = False) -> Any:
    """A guard letting only the given roles (and, if asked, integration keys) through; 403 otherwise."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = connection.scope.get("user")
        if principal is None:
            raise NotAuthorizedException("Login required")
        if integration and isinstance(principal, IntegrationKey):
            return
        if not isinstance(principal, User) or principal.role not in roles:
            raise PermissionDeniedException("You may not do this")

    guard.integration = integration  # type: ignore[attr-defined]  # read by survey_api.openapi
    return guard


def requires_person(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard for a person's own things (who they are, their tokens, logging out): a kiosk or an integration key
    is refused with 403, as everywhere a person's login is needed."""
    principal = connection.scope.get("user")
    if principal is None:
        raise NotAuthorizedException("Login required")
    if not isinstance(principal, User):
        raise PermissionDeniedException("This needs a person's login, not a device or integration key")


def requires_kiosk(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard for device endpoints: the caller must be a paired, active kiosk."""
    if not isinstance(connection.scope.get("user"), KioskSnapshot):
        raise PermissionDeniedException("This endpoint is for paired kiosks")


def provide_principal(request: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """Dependency: whoever is calling (a User, an IntegrationKey or a kiosk's snapshot)."""
    return request.scope.get("user")
