"""Account request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from survey_api.schemas import Request

Username = Annotated[str, Meta(min_length=1, max_length=80)]
Password = Annotated[str, Meta(min_length=1, max_length=1024)]
TokenName = Annotated[str, Meta(min_length=1, max_length=80)]


class LoginRequest(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    username: Username
    password: Password


class UserRead(msgspec.Struct):
    id: uuid.UUID
    username: str
    full_name: str
    role: str
    scope_kind: str | None
    """``unit`` or ``centre``; null for administrators, who see everything."""
    scope_code: str | None
    staff_code: str | None


class TokenCreate(Request, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: TokenName = "script"


class TokenCreated(msgspec.Struct):
    """The token is shown here once; only its digest is kept. ``id`` names it to revoke it."""

    token: str
    name: str
    created_at: datetime
    id: uuid.UUID


class TokenRead(msgspec.Struct):
    """A personal API token without its secret: when it was made, last used (to the hour) and revoked."""

    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
