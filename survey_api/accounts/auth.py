"""Authentication: server-side session cookies for people, Bearer tokens for scripts; role guards."""

from __future__ import annotations

import uuid
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AuthenticationResult
from litestar.security.session_auth import SessionAuth, SessionAuthMiddleware
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.models import User
from survey_api.accounts.scope import Scope
from survey_api.accounts.services import AccountService, scope_of
from survey_api.accounts.sessions import ROTATE_KEY, LoginSessionConfig

SESSION_USER_KEY = "user_id"

# Paths anyone may reach without logging in. Kiosks and integrations authenticate themselves.
PUBLIC_PATHS = [
    "^/$",
    "^/health$",
    "^/login$",
    "^/lang/",
    "^/static/",
    "^/schema",
    "^/api/v1/auth/login$",
]


def db_session(connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncSession:
    """The request's database session (the same one handlers receive as ``db_session``)."""
    alchemy: SQLAlchemyAsyncConfig = connection.app.state.alchemy
    return alchemy.provide_session(connection.app.state, connection.scope)


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    user_id = session.get(SESSION_USER_KEY)
    if not user_id:
        return None
    try:
        return await AccountService(db_session(connection)).get(uuid.UUID(str(user_id)))
    except ValueError:
        return None


class SessionOrTokenAuthMiddleware(SessionAuthMiddleware):
    """A ``Authorization: Bearer`` personal token wins; otherwise the session cookie is used."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token:
            user = await AccountService(db_session(connection)).user_for_token(token.strip())
            if user is None:
                raise NotAuthorizedException("Invalid or revoked API token")
            return AuthenticationResult(user=user, auth="token")
        return await super().authenticate_request(connection)


def session_auth(max_age: int, secure: bool, extra_public: list[str]) -> SessionAuth[User, Any]:
    return SessionAuth[User, Any](
        retrieve_user_handler=retrieve_user,
        session_backend_config=LoginSessionConfig(
            key="hl_session", max_age=max_age, secure=secure, httponly=True, samesite="lax"
        ),
        authentication_middleware_class=SessionOrTokenAuthMiddleware,
        exclude=PUBLIC_PATHS + extra_public,
    )


def start_session(request: ASGIConnection[Any, Any, Any, Any], user: User) -> None:
    """Log ``user`` in on this connection, under a new session id."""
    request.set_session({SESSION_USER_KEY: str(user.id), ROTATE_KEY: True})


def current_scope(connection: ASGIConnection[Any, Any, Any, Any]) -> Scope:
    user = connection.user
    if not isinstance(user, User):
        raise NotAuthorizedException("Login required")
    return scope_of(user)


def provide_scope(request: ASGIConnection[Any, Any, Any, Any]) -> Scope:
    """Dependency: the logged-in user's scope."""
    return current_scope(request)


def requires_role(*roles: str) -> Any:
    """A guard letting only the given roles through (403 otherwise)."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = connection.user
        if not isinstance(user, User):
            raise NotAuthorizedException("Login required")
        if user.role not in roles:
            raise PermissionDeniedException("Your role may not do this")

    return guard
