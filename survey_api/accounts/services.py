"""Account rules: creating users, checking passwords with throttling, personal tokens, scopes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from litestar.stores.base import Store
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts import security
from survey_api.accounts.models import FULL_NAME_LENGTH, USERNAME_LENGTH, ApiToken, IntegrationKey, User
from survey_api.accounts.schemas import TokenCreated, TokenRead, UserRead
from survey_api.accounts.scope import ROLES, Scope
from survey_api.audit.services import Actor, record, user_actor
from survey_api.errors import Forbidden, InvalidInput, NotFound, TooManyAttempts, Unauthorized
from survey_api.org.models import AdminUnit, Centre, Staff

CENTRE_ROLES = frozenset({"director", "supervisor", "staff"})
NO_USER = uuid.UUID(int=0)
"""The audit object of a failed login for a user name that does not exist."""


def scope_of(user: User) -> Scope:
    """The user's reach, from the role and the unit or centre it is scoped to."""
    if user.role == "admin":
        return Scope(role="admin")
    if user.scope_centre is not None:
        return Scope(role=user.role, unit_path=user.scope_centre.unit.path, centre_id=user.scope_centre.id)
    if user.scope_unit is not None:
        return Scope(role=user.role, unit_path=user.scope_unit.path)
    return Scope(role=user.role)  # a scoped role with no scope sees nothing


def user_read(user: User) -> UserRead:
    if user.scope_centre is not None:
        kind, code = "centre", user.scope_centre.code
    elif user.scope_unit is not None:
        kind, code = "unit", user.scope_unit.code
    else:
        kind, code = None, None
    staff_code = user.staff.code if user.staff is not None else None
    return UserRead(user.id, user.username, user.full_name, user.role, kind, code, staff_code)


class PasswordInvalid(InvalidInput):
    """A new password was refused; ``reason`` and ``min_length`` let a page say why in its language."""

    def __init__(self, refused: security.PasswordRefused) -> None:
        super().__init__(str(refused), field="password")
        self.reason = refused.reason
        self.min_length = refused.min_length


def _check_password(password: str, username: str, role: str) -> None:
    try:
        security.check_new_password(password, username=username, role=role)
    except security.PasswordRefused as exc:
        raise PasswordInvalid(exc) from None


class LoginThrottle:
    """Counts failed logins per user name (``max_failures``) and per client address (``max_per_address``, much
    higher: one office behind NAT shares an address). The address is stored as a keyed digest, never itself."""

    def __init__(
        self, store: Store, secret: str, max_failures: int, window_seconds: int, max_per_address: int | None = None
    ) -> None:
        self.store = store
        self.secret = secret
        self.max_failures = max_failures
        self.max_per_address = max_per_address or max_failures
        self.window = window_seconds

    def _limits(self, username: str, client: str) -> list[tuple[str, int, str]]:
        """(store key, limit, what it counts) for the user name, then the address."""
        return [
            (f"user:{username.strip().lower()}", self.max_failures, "user name"),
            (f"client:{security.keyed_digest(self.secret, client)}", self.max_per_address, "address"),
        ]

    async def check(self, username: str, client: str) -> None:
        for key, limit, what in self._limits(username, client):
            raw = await self.store.get(key)
            if raw is not None and int(raw) >= limit:
                retry_after = await self.store.expires_in(key) or self.window
                minutes = max(1, -(-retry_after // 60))
                raise TooManyAttempts(
                    f"Too many failed logins for this {what}; try again in {minutes} minute(s)",
                    retry_after=retry_after,
                    field="username" if what == "user name" else None,
                )

    async def failed(self, username: str, client: str) -> None:
        for key, _, _ in self._limits(username, client):
            raw = await self.store.get(key)
            count = int(raw) + 1 if raw is not None else 1
            remaining = await self.store.expires_in(key) if raw is not None else None
            await self.store.set(key, str(count), expires_in=remaining or self.window)

    async def succeeded(self, username: str) -> None:
        await self.store.delete(f"user:{username.strip().lower()}")


class AccountService:
    """Users and tokens, on one database session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> User | None:
        user = await self.session.get(User, user_id)
        return user if user is not None and user.active else None

    async def by_username(self, username: str) -> User | None:
        return await self.session.scalar(select(User).where(User.username == username.strip().lower()))

    async def authenticate(self, username: str, password: str, throttle: LoginThrottle, client: str) -> User:
        """The active user with this name and password; failures are counted and throttled. Audited: the login, or
        the failure with the user name tried (never the password)."""
        try:
            await throttle.check(username, client)
        except TooManyAttempts:
            await self._login_failed(username, "throttled")
            raise
        user = await self.by_username(username)
        if not security.verify_password(user.password_hash if user else None, password) or not (user and user.active):
            await throttle.failed(username, client)
            await self._login_failed(username, "inactive" if user and not user.active else "wrong", user)
            raise Unauthorized("Wrong user name or password")
        await throttle.succeeded(username)
        if security.needs_rehash(user.password_hash):
            user.password_hash = security.hash_password(password)
        user.last_login_at = datetime.now(UTC)
        await record(self.session, user_actor(user), "auth.login", "user", user.id, {"username": user.username})
        return user

    async def _login_failed(self, username: str, reason: str, user: User | None = None) -> None:
        """Record a refused login and commit it at once: the refusal itself rolls the request back. ``reason``:
        ``wrong`` (no such user, or a wrong password: not told apart), ``inactive`` or ``throttled``."""
        if user is None and reason != "wrong":
            user = await self.by_username(username)
        tried = username.strip().lower()[:USERNAME_LENGTH]
        detail = {"username": tried, "reason": reason}
        actor = Actor(type="anonymous", name=tried)
        await record(self.session, actor, "auth.login_failed", "user", user.id if user else NO_USER, detail)
        await self.session.commit()

    async def logged_out(self, user: User) -> None:
        """Record the end of a login session (the caller clears it)."""
        await record(self.session, user_actor(user), "auth.logout", "user", user.id, {"username": user.username})

    async def create_user(
        self,
        *,
        username: str,
        password: str,
        role: str,
        scope_code: str | None = None,
        full_name: str = "",
        staff_code: str | None = None,
        actor: Actor | None = None,
    ) -> User:
        """Create a user. Scoped roles need ``scope_code``: a centre code or an admin unit code. Audited when an
        ``actor`` is given (an operator or an administrator; the demo's logins are not)."""
        username = username.strip().lower()
        if len(username) > USERNAME_LENGTH:
            raise InvalidInput(f"User name must have at most {USERNAME_LENGTH} characters", field="username")
        if len(full_name) > FULL_NAME_LENGTH:
            raise InvalidInput(f"Full name must have at most {FULL_NAME_LENGTH} characters", field="full_name")
        if role not in ROLES:
            raise InvalidInput(f"Role must be one of {', '.join(ROLES)}", field="role")
        _check_password(password, username, role)
        if await self.by_username(username) is not None:
            raise InvalidInput(f"User {username!r} already exists", field="username")
        user = User(username=username, password_hash=security.hash_password(password), role=role, full_name=full_name)
        if role != "admin":
            if not scope_code:
                raise InvalidInput(f"Role {role!r} needs a scope (a centre or unit code)", field="scope")
            centre = await self.session.scalar(select(Centre).where(Centre.code == scope_code))
            unit = None if centre else await self.session.scalar(select(AdminUnit).where(AdminUnit.code == scope_code))
            if centre is None and unit is None:
                raise InvalidInput(f"No centre or unit with code {scope_code!r}", field="scope")
            if role in CENTRE_ROLES and centre is None:
                raise InvalidInput(f"Role {role!r} must be scoped to a centre", field="scope")
            user.scope_centre, user.scope_unit = centre, unit
        if staff_code:
            staff = await self.session.scalar(select(Staff).where(Staff.code == staff_code))
            if staff is None:
                raise InvalidInput(f"No staff member with code {staff_code!r}", field="staff")
            user.staff = staff
        self.session.add(user)
        await self.session.flush()
        if actor is not None:
            detail = {"username": user.username, "role": role, "scope": scope_code or None}
            await record(self.session, actor, "user.created", "user", user.id, detail)
        return user

    async def set_password(self, username: str, password: str, actor: Actor | None = None) -> None:
        user = await self.named(username)
        _check_password(password, user.username, user.role)
        user.password_hash = security.hash_password(password)
        if actor is not None:
            await record(self.session, actor, "user.password_set", "user", user.id, {"username": user.username})

    async def set_active(self, username: str, active: bool, actor: Actor) -> User:
        """Let a login in again, or stop it at once: its sessions and personal tokens stop working with it
        (every request looks the user up). Audited when it changes anything."""
        user = await self.named(username)
        if user.active != active:
            user.active = active
            action = "user.activated" if active else "user.deactivated"
            await record(self.session, actor, action, "user", user.id, {"username": user.username})
        return user

    async def users(self) -> list[User]:
        return list(await self.session.scalars(select(User).order_by(User.role, User.username)))

    async def named(self, username: str) -> User:
        """The user called ``username`` (any case), or 404 naming ``username``."""
        user = await self.by_username(username)
        if user is None:
            raise NotFound(f"No user {username!r}", field="username")
        return user

    async def issue_token(self, user: User, name: str = "script") -> TokenCreated:
        """A new personal API token; the caller shows it once."""
        if not user.active:
            raise Forbidden("The user is not active")
        token, digest = security.new_token("hl")
        row = ApiToken(user_id=user.id, name=name, token_hash=digest)
        self.session.add(row)
        await self.session.flush()
        return TokenCreated(token=token, name=name, created_at=row.created_at, id=row.id)

    async def user_for_token(self, token: str) -> User | None:
        row = await self.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == security.token_digest(token), ApiToken.revoked_at.is_(None))
        )
        if row is None or not row.user.active:
            return None
        _used(row)
        return row.user

    async def tokens(self, user: User) -> list[TokenRead]:
        """The user's personal tokens, newest first, without their secrets."""
        rows = await self.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
        return [TokenRead(r.id, r.name, r.created_at, r.last_used_at, r.revoked_at) for r in rows]

    async def revoke_token(self, user: User, token_id: uuid.UUID, actor: Actor) -> TokenRead:
        """Revoke one of ``user``'s tokens (again: nothing changes); it stops working at once. Audited."""
        row = await self.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
        if row is None:
            raise NotFound(f"No token {token_id} of {user.username}", field="token_id")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            await record(self.session, actor, "token.revoked", "api_token", row.id, {"username": user.username})
        return TokenRead(row.id, row.name, row.created_at, row.last_used_at, row.revoked_at)


LAST_USED_EVERY = timedelta(hours=1)
"""A token's or key's last use is written at most this often, not on every request."""


def _used(row: ApiToken | IntegrationKey) -> None:
    now = datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
        row.last_used_at = now


class IntegrationService:
    """Keys for the one-stop information system."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, name: str) -> str:
        """A new key for ``name``; the caller shows it once."""
        name = name.strip()
        if not name:
            raise InvalidInput("The key needs a name", field="name")
        if await self.session.scalar(select(IntegrationKey).where(IntegrationKey.name == name)) is not None:
            raise InvalidInput(f"A key named {name!r} already exists", field="name")
        key, digest = security.new_token("hi")
        self.session.add(IntegrationKey(name=name, key_hash=digest))
        await self.session.flush()
        return key

    async def authenticate(self, key: str) -> IntegrationKey | None:
        row = await self.session.scalar(
            select(IntegrationKey).where(IntegrationKey.key_hash == security.token_digest(key))
        )
        if row is None or not row.active:
            return None
        _used(row)
        return row

    async def keys(self) -> list[IntegrationKey]:
        return list(await self.session.scalars(select(IntegrationKey).order_by(IntegrationKey.name)))

    async def revoke(self, name: str, actor: Actor) -> IntegrationKey:
        """Turn the key called ``name`` off for good; requests with it get 401 at once. Audited."""
        row = await self.session.scalar(select(IntegrationKey).where(IntegrationKey.name == name))
        if row is None:
            raise NotFound(f"No key named {name!r}", field="name")
        if row.active:
            row.active = False
            await record(self.session, actor, "integration_key.revoked", "integration_key", row.id, {"name": name})
        return row
