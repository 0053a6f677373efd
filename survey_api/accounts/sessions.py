"""Server-side sessions that are only written for logged-in users, with a fresh id at every login."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

ROTATE_KEY = "_rotate"
"""Put this key in the session (``login`` does) to store it under a new id, so a planted id is useless."""


_LOADED = "hl_session_loaded"


class LoginSessionBackend(ServerSideSessionBackend):
    """Like Litestar's server-side backend, but only changed sessions are written: anonymous requests and
    ordinary logged-in requests cost no write (sessions expire ``max_age`` after login)."""

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:  # type: ignore[type-arg]
        data = await super().load_from_connection(connection)
        connection.scope.setdefault("state", {})[_LOADED] = dict(data)
        return data

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:  # type: ignore[type-arg]
        had_cookie = bool(connection.cookies.get(self.config.key))
        if (scope_session is Empty or not scope_session) and not had_cookie:
            return  # an anonymous visitor (or a Bearer client): no row, no cookie
        store = self.config.get_store_from_app(connection.scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        cookie_params: dict[str, Any] = dict(
            extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys())
        )
        session_id = self.get_session_id(connection)
        # Only a session that was found is deleted: a stale or made-up cookie costs no write. On SQLite a write here
        # would wait for the request's own transaction, which commits only after this (a complaint posted with an
        # expired cookie would hang for the busy timeout, then fail).
        found = bool(connection.scope.get("state", {}).get(_LOADED))
        if scope_session is Empty or not scope_session:
            if found:
                await self.delete(session_id, store=store)
            headers.add(
                # Max-Age wins over Expires in browsers: 0, or the emptied cookie would be sent for max_age more.
                "Set-Cookie",
                Cookie(value="null", key=self.config.key, **{**cookie_params, "max_age": 0}, expires=0).to_header(
                    header=""
                ),
            )
            return
        data: dict[str, Any] = dict(scope_session)  # type: ignore[arg-type]
        if had_cookie and data == connection.scope.get("state", {}).get(_LOADED):
            return  # unchanged: nothing to write
        if data.pop(ROTATE_KEY, False):
            if found:
                await self.delete(session_id, store=store)
            session_id = self.generate_session_id()
        await self.set(session_id=session_id, data=self.serialize_data(data, connection.scope), store=store)
        headers.add("Set-Cookie", Cookie(value=session_id, key=self.config.key, **cookie_params).to_header(header=""))


@dataclass
class LoginSessionConfig(ServerSideSessionConfig):
    _backend_class = LoginSessionBackend  # type: ignore[assignment]
