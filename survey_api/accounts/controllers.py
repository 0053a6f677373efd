"""Login page, JSON login, logout, the current user, and personal API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_303_SEE_OTHER
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.auth import requires_person, start_session
from survey_api.accounts.models import User
from survey_api.accounts.schemas import LoginRequest, TokenCreate, TokenCreated, TokenRead, UserRead
from survey_api.accounts.services import AccountService, LoginThrottle, user_read
from survey_api.audit.services import user_actor
from survey_api.errors import TooManyAttempts, Unauthorized
from survey_api.i18n import LANGUAGES, page_context, translate

AFTER_LOGIN = "/dashboard/"


class LoginForm(msgspec.Struct):
    username: str = ""
    password: str = ""
    next: str = ""


def provide_accounts(db_session: NamedDependency[AsyncSession]) -> AccountService:
    return AccountService(db_session)


def provide_throttle(request: Request[Any, Any, Any]) -> LoginThrottle:
    settings = request.app.state.settings
    return LoginThrottle(
        request.app.stores.get("login"),
        settings.secret_key,
        settings.login_max_failures,
        settings.login_lockout_seconds,
        settings.login_max_failures_per_address,
    )


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


async def _log_out(request: Request[Any, Any, Any], accounts: AccountService) -> None:
    """Clear the session; a person's logout is audited (a Bearer token has no session to end)."""
    user = request.scope.get("user")
    if isinstance(user, User) and request.auth == "session":
        await accounts.logged_out(user)
    request.clear_session()


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after login."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return AFTER_LOGIN


class AuthPages(Controller):
    """The Vietnamese login page (session cookie, CSRF-protected form)."""

    include_in_schema = False
    dependencies = {
        "accounts": Provide(provide_accounts, sync_to_thread=False),
        "throttle": Provide(provide_throttle, sync_to_thread=False),
    }

    @get("/login", operation_id="login_page", name="login")
    async def login_page(self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Template:
        """Show the login form."""
        return Template("login.html", context={**page_context(request), "next": _safe_next(next), "error": None})

    @post("/login", operation_id="login_submit", status_code=HTTP_303_SEE_OTHER)
    async def login_submit(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        accounts: NamedDependency[AccountService],
        throttle: NamedDependency[LoginThrottle],
    ) -> Response[Any]:
        """Check the password, start a session and go on to the dashboard."""
        context = page_context(request)
        try:
            user = await accounts.authenticate(data.username, data.password, throttle, _client(request))
        except TooManyAttempts as exc:
            minutes = max(1, -(-exc.retry_after // 60))
            tz = ZoneInfo(request.app.state.settings.timezone)
            at = datetime.now(tz) + timedelta(seconds=exc.retry_after)
            error = translate("login.throttled", context["lang"], minutes=minutes, time=f"{at:%H:%M}")
            return Template(
                "login.html",
                context={**context, "next": _safe_next(data.next), "error": error, "username": data.username},
                status_code=429,
                headers={"Retry-After": str(exc.retry_after)},
            )
        except Unauthorized:
            error = translate("login.failed", context["lang"])
            return Template(
                "login.html",
                context={**context, "next": _safe_next(data.next), "error": error, "username": data.username},
                status_code=401,
            )
        start_session(request, user)
        return Redirect(_safe_next(data.next), status_code=HTTP_303_SEE_OTHER)

    @post("/logout", operation_id="logout_page", status_code=HTTP_303_SEE_OTHER)
    async def logout(self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]) -> Redirect:
        """End the session."""
        await _log_out(request, accounts)
        return Redirect("/login", status_code=HTTP_303_SEE_OTHER)

    @get("/lang/{lang:str}", operation_id="switch_language")
    async def switch_language(self, request: Request[Any, Any, Any], lang: FromPath[str]) -> Redirect:
        """Remember the chosen language in a cookie and go back."""
        chosen = lang if lang in LANGUAGES else "vi"
        back = _safe_next(request.query_params.get("next") or "/")
        response = Redirect(back, status_code=HTTP_303_SEE_OTHER)
        response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
        return response


class AuthApi(Controller):
    """JSON login for browsers and scripts; personal tokens for scripts."""

    path = "/api/v1/auth"
    tags = ["accounts"]
    dependencies = {
        "accounts": Provide(provide_accounts, sync_to_thread=False),
        "throttle": Provide(provide_throttle, sync_to_thread=False),
    }

    @post("/login", operation_id="login", status_code=200)
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginRequest],
        accounts: NamedDependency[AccountService],
        throttle: NamedDependency[LoginThrottle],
    ) -> UserRead:
        """Check a user name and password and start a session (cookie)."""
        user = await accounts.authenticate(data.username, data.password, throttle, _client(request))
        start_session(request, user)
        return user_read(user)

    @post("/logout", operation_id="logout", status_code=204, guards=[requires_person])
    async def logout(self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]) -> None:
        """End the session."""
        await _log_out(request, accounts)

    @get("/me", operation_id="current_user", guards=[requires_person])
    async def me(self, request: Request[User, Any, Any]) -> UserRead:
        """The logged-in user, with role and scope."""
        return user_read(request.user)

    @post("/tokens", operation_id="create_token", status_code=HTTP_201_CREATED, guards=[requires_person])
    async def create_token(
        self, request: Request[User, Any, Any], data: JSONBody[TokenCreate], accounts: NamedDependency[AccountService]
    ) -> TokenCreated:
        """Create a personal API token for scripts (Authorization: Bearer …); it is shown only once."""
        return await accounts.issue_token(request.user, data.name)

    @get("/tokens", operation_id="list_tokens", guards=[requires_person])
    async def list_tokens(
        self, request: Request[User, Any, Any], accounts: NamedDependency[AccountService]
    ) -> list[TokenRead]:
        """Your personal API tokens, newest first: name, made, last used (to the hour), revoked. Never the secret."""
        return await accounts.tokens(request.user)

    @delete("/tokens/{token_id:uuid}", operation_id="revoke_token", status_code=HTTP_200_OK, guards=[requires_person])
    async def revoke_token(
        self,
        request: Request[User, Any, Any],
        token_id: FromPath[uuid.UUID],
        accounts: NamedDependency[AccountService],
    ) -> TokenRead:
        """Revoke one of your tokens: requests with it get 401 at once. Revoking it again changes nothing."""
        return await accounts.revoke_token(request.user, token_id, user_actor(request.user))
