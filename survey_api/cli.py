"""The ``survey-api`` command: database upgrades, catalogue import, users, demo data and the server."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api import db
from survey_api.accounts.scope import ROLES, Scope
from survey_api.accounts.services import AccountService, IntegrationService
from survey_api.audit.services import Actor
from survey_api.complaints.contacts import Rotation, rotate_contacts
from survey_api.crypto import UndecryptableValue
from survey_api.errors import DomainError
from survey_api.kiosks.services import KioskService
from survey_api.org.schemas import CatalogueDocument
from survey_api.org.services import IMPORT_ORDER, CatalogueService
from survey_api.settings import Settings, SettingsError

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction: committed if it returns, rolled back if it raises."""
    settings = _settings()

    async def main() -> T:
        config = db.alchemy_config(settings)
        try:
            async with config.get_session() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await config.get_engine().dispose()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        lines = [exc.message]
        for item in exc.errors:
            where = " ".join(p for p in (item.kind, f"row {item.row}" if item.row else None, item.field) if p)
            lines.append(f"  {where}: {item.message}" if where else f"  {item.message}")
        if len(exc.errors) == 1 and exc.errors[0].message == exc.message:
            lines = [lines[1].strip()]  # one error: said once, with what it is about
        raise click.ClickException("\n".join(lines)) from exc


@click.group()
def main() -> None:
    """Hài Lòng — citizen satisfaction and feedback platform."""


# -- database ----------------------------------------------------------------------------------------
@main.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    settings = _settings()
    db.upgrade(settings.database_url, revision, settings)
    click.echo(f"Database at {revision}: {_safe_url(settings.database_url)}")


@db_group.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    db.current(_settings().database_url)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine.url import make_url

    return make_url(url).render_as_string(hide_password=True)


# -- catalogue ---------------------------------------------------------------------------------------
@main.group("catalogue")
def catalogue_group() -> None:
    """Units, agencies, centres, counters, staff and procedures."""


def read_catalogue_file(path: Path, kind: str | None) -> CatalogueDocument:
    """A JSON document (a list per kind) or a CSV file of one kind (``--kind`` or the file's name)."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        try:
            return msgspec.json.decode(text.encode(), type=CatalogueDocument)
        except msgspec.DecodeError as exc:
            raise click.ClickException(f"{path}: {exc}") from exc
    kind = kind or path.stem.lower()
    if kind not in IMPORT_ORDER:
        raise click.ClickException(f"Say which kind the CSV holds with --kind ({', '.join(IMPORT_ORDER)})")
    rows: list[dict[str, Any]] = [
        {k.strip(): (v.strip() if v and v.strip() else None) for k, v in row.items() if k}
        for row in csv.DictReader(io.StringIO(text))
    ]
    for row in rows:  # an empty cell means "not given": let the schema default apply
        for key in [k for k, v in row.items() if v is None]:
            del row[key]
    return CatalogueDocument(**{kind: rows})


@catalogue_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(IMPORT_ORDER), help="For CSV: which kind the rows are.")
def catalogue_import(file: Path, kind: str | None) -> None:
    """Upsert the catalogue from FILE (JSON or CSV); nothing changes if any row is wrong."""
    document = read_catalogue_file(file, kind)
    result = run_in_session(lambda s: CatalogueService(s, Scope(role="admin")).bulk_upsert(document))
    for name in IMPORT_ORDER:
        counts = getattr(result, name)
        if counts.created or counts.updated:
            click.echo(f"{name}: {counts.created} created, {counts.updated} updated")


# -- users -------------------------------------------------------------------------------------------
@main.group("users")
def users_group() -> None:
    """Logins and personal API tokens."""


@users_group.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--scope", "scope_code", help="Centre or admin unit code (every role but admin).")
@click.option("--full-name", default="")
@click.option("--staff", "staff_code", help="Link the login to this staff code.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
def users_create(
    username: str, role: str, scope_code: str | None, full_name: str, staff_code: str | None, password_stdin: bool
) -> None:
    """Create a user; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else ""

    async def work(session: AsyncSession) -> None:
        await AccountService(session).create_user(
            username=username,
            password=password,
            role=role,
            scope_code=scope_code,
            full_name=full_name,
            staff_code=staff_code,
            actor=OPERATOR,
        )

    run_in_session(work)
    click.echo(f"Created {username.strip().lower()} ({role}{', ' + scope_code if scope_code else ''})")


@users_group.command("token")
@click.argument("username")
@click.option("--name", default="script", show_default=True)
def users_token(username: str, name: str) -> None:
    """Print a new personal API token for USERNAME (shown only this once)."""

    async def work(session: AsyncSession) -> str:
        accounts = AccountService(session)
        return (await accounts.issue_token(await accounts.named(username), name)).token

    click.echo(run_in_session(work))


OPERATOR = Actor(type="system", name="survey-api")
"""Who acts in the audit trail when an operator runs this command."""


@users_group.command("list")
def users_list() -> None:
    """List the logins: user name, role, scope, active or not, last login."""

    async def work(session: AsyncSession) -> list[str]:
        return [
            f"{u.username:<16} {u.role:<10} "
            f"{(u.scope_centre.code if u.scope_centre else u.scope_unit.code if u.scope_unit else '-'):<14} "
            f"{'active' if u.active else 'DEACTIVATED':<11} last login {_when(u.last_login_at)}"
            for u in await AccountService(session).users()
        ]

    click.echo("\n".join(run_in_session(work)))


@users_group.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the new password from standard input.")
def users_password(username: str, password_stdin: bool) -> None:
    """Set USERNAME's password (a forgotten one); read from standard input. Audited."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else ""
    run_in_session(lambda s: AccountService(s).set_password(username, password, OPERATOR))
    click.echo(f"Password set for {username.strip().lower()}.")


@users_group.command("deactivate")
@click.argument("username")
def users_deactivate(username: str) -> None:
    """Stop USERNAME's login at once (someone who left): sessions and personal tokens stop working too."""
    run_in_session(lambda s: AccountService(s).set_active(username, False, OPERATOR))
    click.echo(f"Deactivated {username.strip().lower()}: they can no longer log in or use their tokens.")


@users_group.command("activate")
@click.argument("username")
def users_activate(username: str) -> None:
    """Let a deactivated USERNAME log in again; their personal tokens that were not revoked work again too."""
    run_in_session(lambda s: AccountService(s).set_active(username, True, OPERATOR))
    click.echo(f"Activated {username.strip().lower()}.")


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@users_group.command("tokens")
@click.argument("username")
def users_tokens(username: str) -> None:
    """List USERNAME's personal API tokens (never their secrets): id, name, made, last used, revoked."""

    async def work(session: AsyncSession) -> list[str]:
        accounts = AccountService(session)
        return [
            f"{t.id}  {t.name:<20} made {_when(t.created_at)}  last used {_when(t.last_used_at)}"
            + (f"  REVOKED {_when(t.revoked_at)}" if t.revoked_at else "")
            for t in await accounts.tokens(await accounts.named(username))
        ]

    click.echo("\n".join(run_in_session(work)) or f"{username} has no personal tokens.")


@users_group.command("revoke-token")
@click.argument("username")
@click.argument("token_id", type=click.UUID)
def users_revoke_token(username: str, token_id: uuid.UUID) -> None:
    """Revoke USERNAME's token TOKEN_ID (from `users tokens`): it stops working at once."""

    async def work(session: AsyncSession) -> str:
        accounts = AccountService(session)
        token = await accounts.revoke_token(await accounts.named(username), token_id, OPERATOR)
        return f"Revoked {username}'s token {token.name!r} ({token.id})."

    click.echo(run_in_session(work))


# -- integration keys and kiosks ---------------------------------------------------------------------
@main.group("keys")
def keys_group() -> None:
    """Keys for the one-stop information system, and re-encrypting stored data under a new data key."""


@keys_group.command("create")
@click.argument("name")
def keys_create(name: str) -> None:
    """Print a new integration key called NAME (shown only this once)."""
    click.echo(run_in_session(lambda s: IntegrationService(s).create(name)))


@keys_group.command("list")
def keys_list() -> None:
    """List the integration keys (never their secrets): name, made, last used, revoked."""

    async def work(session: AsyncSession) -> list[str]:
        return [
            f"{k.name:<40} made {_when(k.created_at)}  last used {_when(k.last_used_at)}"
            + ("" if k.active else "  REVOKED")
            for k in await IntegrationService(session).keys()
        ]

    click.echo("\n".join(run_in_session(work)) or "No integration keys.")


@keys_group.command("revoke")
@click.argument("name")
def keys_revoke(name: str) -> None:
    """Revoke the integration key called NAME: the one-stop system's requests with it get 401 at once."""

    run_in_session(lambda s: IntegrationService(s).revoke(name, OPERATOR))
    click.echo(f"Revoked the integration key {name!r}.")


@keys_group.command("rotate-data")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
def keys_rotate_data(batch_size: int) -> None:
    """Re-encrypt every stored contact detail under the current SURVEY_DATA_KEY (safe to run again)."""
    settings = _settings()

    def show(checked: int, total: int) -> None:
        if total > batch_size:  # a large table: say how far it got
            click.echo(f"  {checked:,}/{total:,} complaints checked", err=True)

    async def main() -> Rotation:
        config = db.alchemy_config(settings)
        try:
            async with config.get_session() as session:
                return await rotate_contacts(session, batch_size, show)
        finally:
            await config.get_engine().dispose()

    try:
        done = asyncio.run(main())
    except UndecryptableValue as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Re-encrypted {done.changed} of {done.checked} complaint(s) with contact details "
        f"under data key {done.key_id!r}."
    )


@main.group("kiosks")
def kiosks_group() -> None:
    """Counter kiosks."""


@kiosks_group.command("create")
@click.option("--centre", "centre_code", required=True, help="Centre code.")
@click.option("--counter", "counter_code", help="Counter code at that centre.")
@click.option("--name", help="A name to tell the kiosk apart (default: the counter's name).")
def kiosks_create(centre_code: str, counter_code: str | None, name: str | None) -> None:
    """Pair a kiosk: prints its device token and pairing link (shown only this once)."""

    async def work(session: AsyncSession) -> str:
        _, token = await KioskService(session).create(centre_code, counter_code, name, Scope(role="admin"))
        return token

    token = run_in_session(work)
    base = _settings().public_base_url.rstrip("/")
    click.echo(token)
    click.echo(f"Pairing link (open it on the tablet): {base}/kiosk/?pair={token}", err=True)


# -- flags and notifications -------------------------------------------------------------------------
@main.group("flags")
def flags_group() -> None:
    """Complaints and flagged ratings in the inboxes."""


@flags_group.command("escalate")
def flags_escalate() -> None:
    """Escalate open items past their deadline to the centre's director (the app also does it periodically)."""
    from survey_api.complaints.flags import escalate_overdue

    settings = _settings()
    count = run_in_session(lambda s: escalate_overdue(s, settings))
    click.echo(f"Escalated {count} overdue item(s).")


@flags_group.command("erase-contacts")
def flags_erase_contacts() -> None:
    """Erase the contact details of complaints closed or refused SURVEY_COMPLAINT_CONTACT_DAYS ago or more (the
    app also does it periodically)."""
    from survey_api.complaints.retention import erase_ended_contacts

    settings = _settings()
    count = run_in_session(lambda s: erase_ended_contacts(s, settings))
    click.echo(f"Erased the contact details of {count} complaint(s).")


@main.group("notifications")
def notifications_group() -> None:
    """Emails and webhooks waiting in the outbox."""


@notifications_group.command("send")
def notifications_send() -> None:
    """Send the emails and webhook calls that are due now (the app also does it in the background)."""
    from survey_api.complaints.notifications import deliver_pending

    settings = _settings()

    async def main() -> int:
        config = db.alchemy_config(settings)
        try:
            return await deliver_pending(config, settings)
        finally:
            await config.get_engine().dispose()

    click.echo(f"Sent {asyncio.run(main())} notification(s).")


# -- rollups -----------------------------------------------------------------------------------------
@main.group("rollups")
def rollups_group() -> None:
    """The counts reports read."""


@rollups_group.command("rebuild")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First day (whole months are rebuilt).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day (whole months are rebuilt).")
def rollups_rebuild(date_from: datetime | None, date_to: datetime | None) -> None:
    """Recompute the rollups from raw ratings and dossiers (all time, or the months from --from to --to)."""
    from survey_api.reports.rebuild import rebuild

    settings = _settings()
    start = date_from.date() if date_from else None
    end = date_to.date() if date_to else None
    if start and end and end < start:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    rows = run_in_session(lambda s: rebuild(s, settings.timezone, start, end))
    click.echo(f"Rollups rebuilt: {rows} day rows.")


# -- demo and server ---------------------------------------------------------------------------------
@main.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load when the catalogue is empty.")
def demo(if_empty: bool) -> None:
    """Load the Cà Mau demo province and one login per role (idempotent)."""
    from survey_api import demo as demo_data

    async def work(session: AsyncSession) -> bool:
        if if_empty and await CatalogueService(session, Scope(role="admin")).count_all() > 0:
            return False
        await demo_data.load_demo(session, _settings())
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

    from survey_api import demo as demo_data

    base = f"http://{host}:{port}"
    if not os.environ.get("SURVEY_PUBLIC_BASE_URL"):
        # Links in QR codes and pairing links follow the port served; a wildcard address is not one to open.
        reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else f"[{host}]" if ":" in host else host  # noqa: S104 - compared, not bound
        os.environ["SURVEY_PUBLIC_BASE_URL"] = f"http://{reachable}:{port}"
    settings = _settings()
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
                f"  Demo logins (password '{demo_data.DEMO_PASSWORD}'):",
                *(f"    {u:<9} {role}{' — ' + scope if scope else ''}" for u, role, scope, *_ in demo_data.USERS),
                f"  Database: {_safe_url(settings.database_url)}",
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


if __name__ == "__main__":
    main()
