"""The logins page (administrators only): who can sign in, with which role and scope; create a login, set a new
password, stop a login at once or let it in again. Every change is in the audit trail."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard.forms import ActiveForm, NewLoginForm, PasswordForm
from survey_api.accounts.auth import requires_role
from survey_api.accounts.models import FULL_NAME_LENGTH, USERNAME_LENGTH, User
from survey_api.accounts.scope import ROLES
from survey_api.accounts.security import MIN_PASSWORD_LENGTH, MIN_PRIVILEGED_PASSWORD_LENGTH
from survey_api.accounts.services import AccountService, PasswordInvalid
from survey_api.audit.services import user_actor
from survey_api.errors import DomainError
from survey_api.i18n import LOCALES, page_context, translate
from survey_api.org.models import AdminUnit, Centre

USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def password_error(exc: PasswordInvalid, lang: str) -> str:
    """Why a new password was refused, in the page's language, naming the field."""
    if exc.reason == "common":
        return translate("users.error.password_common", lang)
    if exc.reason == "username":
        return translate("users.error.password_username", lang)
    return translate("users.error.password", lang, n=exc.min_length)


async def _error_text(exc: DomainError, lang: str, values: dict[str, str], session: AsyncSession) -> str:
    """The service's error in the page's language, naming the field."""
    field = exc.errors[0].field if exc.errors else None
    if field == "username":
        return translate("users.error.taken", lang, name=values["username"])
    if field == "scope":
        code = values["scope"]
        if not code:
            return translate("users.error.scope_missing", lang)
        known = await session.scalar(select(AdminUnit.id).where(AdminUnit.code == code))
        if known is None:
            return translate("users.error.scope_unknown", lang, code=code)
        return translate("users.error.scope_centre", lang)
    if field == "staff":
        return translate("users.error.staff", lang, code=values["staff"])
    if isinstance(exc, PasswordInvalid):
        return password_error(exc, lang)
    if field == "full_name":
        return translate("users.error.full_name", lang, n=FULL_NAME_LENGTH)
    return exc.message


class UserPages(Controller):
    path = "/dashboard/users"
    include_in_schema = False
    guards = [requires_role("admin")]

    async def _page(
        self,
        request: Request[User, Any, Any],
        session: AsyncSession,
        *,
        values: dict[str, str] | None = None,
        error: str = "",
        done: str = "",
        status_code: int = 200,
    ) -> Template:
        context = page_context(request)
        lang = context["lang"]
        tz = ZoneInfo(request.app.state.settings.timezone)
        users = await AccountService(session).users()
        names = {code: name for code, name in await session.execute(select(Centre.code, Centre.name))}
        names.update({code: name for code, name in await session.execute(select(AdminUnit.code, AdminUnit.name))})
        return Template(
            "dashboard/users.html",
            context={
                **context,
                "users": users,
                "names": names,
                "roles": [(role, translate(f"role.{role}", lang)) for role in ROLES],
                "values": values or {"role": "staff"},
                "error": error,
                "form_error": bool(error and values),
                "done": done,
                "min_password": MIN_PASSWORD_LENGTH,
                "min_privileged_password": MIN_PRIVILEGED_PASSWORD_LENGTH,
                "fmt_moment": lambda v: format_datetime(v, format="dd/MM/yyyy HH:mm", tzinfo=tz, locale=LOCALES[lang]),
            },
            status_code=status_code,
        )

    def _back(self, request: Request[User, Any, Any], done: str, name: str) -> Redirect:
        query = urlencode({"done": done, "name": name})
        return Redirect(f"{request.app.route_reverse('dashboard_users')}?{query}", status_code=303)

    @get("/", operation_id="dashboard_users", name="dashboard_users")
    async def list_page(
        self,
        request: Request[User, Any, Any],
        db_session: NamedDependency[AsyncSession],
        done: FromQuery[str | None] = None,
        name: FromQuery[str | None] = None,
    ) -> Template:
        """Every login, with a form to create one and, on each row, a new password and deactivate/activate."""
        lang = page_context(request)["lang"]
        message = ""
        if done in ("created", "password", "deactivated", "activated") and name:
            message = translate(f"users.done.{done}", lang, name=name)
        return await self._page(request, db_session, done=message)

    @post("/", operation_id="dashboard_create_user", status_code=200, media_type="text/html")
    async def create(
        self,
        request: Request[User, Any, Any],
        data: URLEncodedBody[NewLoginForm],
        db_session: NamedDependency[AsyncSession],
    ) -> Any:
        """Create a login; a mistake is said on the page, naming the field, with what was typed kept (but the
        password)."""
        values, password = data.values(), data.password
        lang = page_context(request)["lang"]
        error = ""
        username = values["username"]
        if not username or not set(username) <= USERNAME_CHARS or len(username) > USERNAME_LENGTH:
            error = translate("users.error.username", lang)
        elif values["role"] not in ROLES:
            error = translate("users.error.role", lang)
        else:
            try:
                await AccountService(db_session).create_user(
                    username=values["username"],
                    password=password,
                    role=values["role"],
                    scope_code=values["scope"] or None,
                    full_name=values["full_name"],
                    staff_code=values["staff"] or None,
                    actor=user_actor(request.user),
                )
            except DomainError as exc:
                await db_session.rollback()
                error = await _error_text(exc, lang, values, db_session)
        if error:
            return await self._page(request, db_session, values=values, error=error, status_code=422)
        return self._back(request, "created", values["username"])

    @post(
        "/{username:str}/password",
        operation_id="dashboard_user_password",
        name="dashboard_user_password",
        media_type="text/html",
    )
    async def password(
        self,
        request: Request[User, Any, Any],
        username: FromPath[str],
        data: URLEncodedBody[PasswordForm],
        db_session: NamedDependency[AsyncSession],
    ) -> Any:
        """Set a new password (a forgotten one); the user keeps their sessions and tokens."""
        lang = page_context(request)["lang"]
        try:
            await AccountService(db_session).set_password(username, data.password, user_actor(request.user))
        except DomainError as exc:
            await db_session.rollback()
            missing = not isinstance(exc, PasswordInvalid)
            error = (
                translate("users.error.unknown_user", lang, name=username) if missing else password_error(exc, lang)  # type: ignore[arg-type]
            )
            return await self._page(request, db_session, error=error, status_code=404 if missing else 422)
        return self._back(request, "password", username.lower())

    @post(
        "/{username:str}/active",
        operation_id="dashboard_user_active",
        name="dashboard_user_active",
        media_type="text/html",
    )
    async def active(
        self,
        request: Request[User, Any, Any],
        username: FromPath[str],
        data: URLEncodedBody[ActiveForm],
        db_session: NamedDependency[AsyncSession],
    ) -> Any:
        """Stop a login at once (``active=0``) or let it in again (``active=1``); not the login in use."""
        lang = page_context(request)["lang"]
        active = data.active.strip() == "1"
        if not active and username.lower() == request.user.username:
            return await self._page(request, db_session, error=translate("users.error.self", lang), status_code=422)
        try:
            await AccountService(db_session).set_active(username, active, user_actor(request.user))
        except DomainError:
            await db_session.rollback()
            error = translate("users.error.unknown_user", lang, name=username)
            return await self._page(request, db_session, error=error, status_code=404)
        return self._back(request, "activated" if active else "deactivated", username.lower())
