"""Database wiring: the SQLAlchemy config for the app and CLI, and Alembic upgrades."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import msgspec
from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.util import await_only

from survey_api.crypto import DataCipher, attach
from survey_api.settings import Settings

if TYPE_CHECKING:
    from litestar import Litestar, Request, Response
    from litestar.datastructures import State
    from litestar.types import Scope


SQLITE_BUSY_TIMEOUT_MS = 10_000
"""How long an SQLite writer waits for another process's write lock, and for its turn in this one."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL for concurrent readers, foreign keys on, a busy timeout instead of 'database is locked'."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")
_HOLDS_WRITE_TURN = "hl_write_turn"
"""Key in a connection's ``info``: it holds its engine's turn to write (``SQLiteWriteTurns``)."""


class SQLiteWriteTurns:
    """One writer at a time per engine, in the order they came, on SQLite.

    SQLite lets one connection write at a time; the others poll until ``busy_timeout`` runs out, and polling is not
    fair: with 32 clients posting dossier events and phone ratings, a few waited the whole 10 s and were answered
    503 "database is locked" while later ones went through. Here a connection about to write waits for its turn in a
    first-come queue (an asyncio lock), then begins ``BEGIN IMMEDIATE``, so it takes SQLite's write lock before it
    reads anything of the transaction: only another process can still make it wait, and then the busy timeout applies
    (a read snapshot taken first could not wait at all). The turn ends when the transaction commits or rolls back,
    or when its connection is reset, closed or discarded. Reads outside a write need no turn and take none.

    The driver begins no transaction of its own (``isolation_level = None``): the transaction begins with the first
    write, as the driver did before, but immediately."""

    def __init__(self, engine: AsyncEngine, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "connect", self._on_connect)
        event.listen(sync_engine, "before_cursor_execute", self._before_execute)
        for name in ("commit", "rollback"):
            event.listen(sync_engine, name, self._end_of_transaction)
        for name in ("checkin", "close", "invalidate", "soft_invalidate"):
            event.listen(sync_engine.pool, name, self._connection_done)
        event.listen(sync_engine.pool, "reset", self._connection_reset)

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()  # an engine may serve several loops in turn (the CLI, tests)
        lock = self._locks.get(loop)
        if lock is None:
            self._locks = {known: held for known, held in self._locks.items() if not known.is_closed()}
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    @staticmethod
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun here, not by the driver

    def _before_execute(
        self, conn: Connection, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool
    ) -> None:
        if conn.info.get(_HOLDS_WRITE_TURN):
            return
        writes = context is not None and (context.isinsert or context.isupdate or context.isdelete)
        if not writes and not statement.lstrip()[:9].upper().startswith(_WRITES):
            return
        if conn.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
            return  # begun by hand (a migration, a test): not ours to order
        lock = self._lock()
        try:
            await_only(asyncio.wait_for(lock.acquire(), self.timeout_s))
        except TimeoutError:
            raise conn.dialect.loaded_dbapi.OperationalError("database is locked") from None
        conn.info[_HOLDS_WRITE_TURN] = lock
        try:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute("BEGIN IMMEDIATE")
            finally:
                cursor.close()
        except BaseException:
            self._release(conn.info)
            raise

    def _end_of_transaction(self, conn: Connection) -> None:
        if not conn.invalidated:  # an invalidated connection's turn is released by the pool's "invalidate" event
            self._release(conn.info)

    def _connection_done(self, dbapi_connection: Any, connection_record: Any, *_exception: Any) -> None:
        if connection_record is not None:
            self._release(connection_record.info)

    def _connection_reset(self, dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
        self._connection_done(dbapi_connection, connection_record)

    @staticmethod
    def _release(info: dict[Any, Any]) -> None:
        lock = info.pop(_HOLDS_WRITE_TURN, None)
        if lock is not None and lock.locked():
            lock.release()


def _discard_after_failed_commit(context: ExceptionContext) -> None:
    """A connection whose COMMIT (or ROLLBACK) failed in the driver is discarded, not returned to the pool: its
    transaction may still be open (SQLite keeps it after a busy COMMIT), and SQLAlchemy would hand it to the next
    request as it is, whose commit then stored the refused writes with its own (and on SQLite it holds the write
    lock meanwhile)."""
    if context.statement is None and context.execution_context is None and context.connection is not None:
        context.is_disconnect = True
        context.invalidate_pool_on_disconnect = False  # only this connection: the others are not suspect


CHECKPOINT_EVERY_S = 0.2
"""How often a serving process copies SQLite's write-ahead log into the database file (``sqlite_checkpoints``)."""
SERVING_AUTOCHECKPOINT_PAGES = 10_000
"""A serving process's own connections checkpoint only past this many pages of log (about 40 MB): a safety net
for when ``sqlite_checkpoints`` falls behind, never reached while it runs."""

logger = logging.getLogger("survey_api.db")


def _serving_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Leave checkpoints to ``sqlite_checkpoints``: SQLite otherwise runs one inside the commit that takes the log
    past 1,000 pages, and that commit (the rating writer's, under load) waits for it."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA wal_autocheckpoint={SERVING_AUTOCHECKPOINT_PAGES}")
    cursor.close()


def _json_dumps(value: Any) -> str:
    """JSON columns are written by msgspec: the same JSON as the standard library's, several times faster."""
    return msgspec.json.encode(value).decode()


def create_engine(settings: Settings, serving: bool = False) -> AsyncEngine:
    """Build the async engine for ``settings.database_url`` (SQLite file or PostgreSQL). ``serving``: for the app,
    whose ``sqlite_checkpoints`` copies SQLite's log into the database file in the background. The engine carries
    the settings' data keys, with which its encrypted columns are read and written."""
    engine = _create_engine(settings, serving)
    attach(engine, DataCipher.from_settings(settings))
    return engine


def _create_engine(settings: Settings, serving: bool) -> AsyncEngine:
    url = make_url(settings.database_url)
    kwargs: dict[str, Any] = {
        "echo": settings.db_echo,
        "json_serializer": _json_dumps,
        "json_deserializer": msgspec.json.decode,
    }
    if url.get_backend_name() == "sqlite":
        # No pre-ping: a file has no server to drop the connection, and the ping is a third of a short request.
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        if url.database and url.database != ":memory:":
            kwargs.update(pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "handle_error", _discard_after_failed_commit)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        SQLiteWriteTurns(engine, SQLITE_BUSY_TIMEOUT_MS / 1000)
        if serving:
            event.listen(engine.sync_engine, "connect", _serving_pragmas)
        return engine
    # Pre-ping: a restarted or failed-over server has closed the pool's connections; each is tried before use.
    kwargs.update(pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "handle_error", _discard_after_failed_commit)
    return engine


@asynccontextmanager
async def sqlite_checkpoints(app: Litestar) -> AsyncIterator[None]:
    """App lifespan, on an SQLite file: copy the write-ahead log into the database file every
    ``CHECKPOINT_EVERY_S`` on a connection of its own (``PRAGMA wal_checkpoint(PASSIVE)``, which neither waits for
    nor blocks readers and writers), so that commits do not wait for checkpoints (in the ingest benchmark that
    lowered p99 and raised durable ratings/s on SQLite: docs/scaling.md). A failed checkpoint is logged and tried
    again; the serving connections still checkpoint by themselves past ``SERVING_AUTOCHECKPOINT_PAGES``."""
    engine: AsyncEngine = app.state.alchemy.get_engine()
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        yield
        return
    task = asyncio.create_task(_checkpoint_every(engine, CHECKPOINT_EVERY_S), name="sqlite-checkpoints")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def _checkpoint_every(engine: AsyncEngine, seconds: float) -> None:
    while True:
        try:
            async with engine.connect() as connection:
                # no transaction between checkpoints: a snapshot held open would stop them short of the log's end
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                while True:
                    await asyncio.sleep(seconds)
                    await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception:  # a broken connection: log, wait, open another
            logger.warning("SQLite checkpoint failed; trying again", exc_info=True)
            await asyncio.sleep(seconds)


def alchemy_config(settings: Settings, engine: AsyncEngine | None = None) -> AlchemyConfig:
    """The advanced-alchemy config shared by the app (as a plugin) and the CLI (``get_session()``)."""
    return AlchemyConfig(
        engine_instance=engine or create_engine(settings),
        engine_config=EngineConfig(),
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit_include_redirects",  # a form that redirects (PRG) keeps its writes
        create_all=False,
    )


_REQUEST_SCOPE: ContextVar[Scope | None] = ContextVar("request_scope", default=None)


def note_request(request: Request[Any, Any, Any]) -> None:
    """Part of the app's ``before_request``: remember the request for ``commit_before_answering``."""
    _REQUEST_SCOPE.set(request.scope)


_SESSION_KEY = "survey_api.request_session"


class AlchemyConfig(SQLAlchemyAsyncConfig):
    """advanced-alchemy's config, which also notes in the request's scope the session it provided, so that
    ``commit_before_answering`` finds it through public means (advanced-alchemy keeps its own note in an internal
    namespace and offers no public way to look without opening a session, as ``provide_session`` would)."""

    def provide_session(self, state: State, scope: Scope) -> AsyncSession:
        session = super().provide_session(state, scope)
        cast("dict[str, Any]", scope)[_SESSION_KEY] = session
        return session


def request_session(scope: Scope) -> AsyncSession | None:
    """The session provided to this request, if it used one (None otherwise: nothing to commit)."""
    session: AsyncSession | None = cast("dict[str, Any]", scope).get(_SESSION_KEY)
    return session


async def commit_before_answering(response: Response[Any]) -> Response[Any]:
    """The app's ``after_request``: commit the request's transaction once the handler has answered with a 2xx or
    3xx and before anything is sent, so that a failed commit is answered as an error, never as a success (the
    before-send handler alone logs the failure and lets the success through), and so that the login session is
    stored only after the request's own writes (on SQLite a store write waits for them). Other answers are rolled
    back by the before-send handler, after the page is drawn: a rollback here would expire what the page shows."""
    scope = _REQUEST_SCOPE.get()
    _REQUEST_SCOPE.set(None)
    if scope is None:
        return response
    session = request_session(scope)
    if session is None:
        return response
    # a response made without a status gets its handler's (as Litestar sends it)
    handler_status: int = getattr(scope["route_handler"], "status_code", 200)
    status = response.status_code or handler_status
    if 200 <= status < 400:  # a form that redirects (PRG) commits too
        await session.commit()
    return response


def alembic_config(database_url: str, settings: Settings | None = None) -> AlembicConfig:
    """An Alembic config pointing at the ``migrations`` package, without an ini file. Migrations that encrypt or
    decrypt stored values take the data keys from ``settings`` (read from the environment when not given)."""
    cfg = AlembicConfig()
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("script_location", str(resources.files("migrations")))
    cfg.set_main_option("version_locations", str(resources.files("migrations") / "versions"))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["database_url"] = database_url
    cfg.attributes["settings"] = settings
    return cfg


def upgrade(database_url: str, revision: str = "head", settings: Settings | None = None) -> None:
    """Bring the schema to ``revision`` (run by ``survey-api db upgrade`` and by the tests)."""
    if database_url.startswith("sqlite"):
        db = make_url(database_url).database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url, settings), revision)


def downgrade(database_url: str, revision: str, settings: Settings | None = None) -> None:
    """Take the schema back to ``revision``."""
    command.downgrade(alembic_config(database_url, settings), revision)


def current(database_url: str) -> None:
    """Print the schema revision the database is at."""
    command.current(alembic_config(database_url), verbose=False)
