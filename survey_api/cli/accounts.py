"""``survey-api users`` and ``survey-api keys``: logins, personal tokens, integration keys, the data key."""

from __future__ import annotations

import asyncio
import sys
import uuid

import click
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api import db
from survey_api.accounts.scope import ROLES
from survey_api.accounts.services import AccountService, IntegrationService
from survey_api.cli.base import OPERATOR, load_settings, main, run_in_session, when
from survey_api.complaints.contacts import Rotation, rotate_contacts
from survey_api.crypto import UndecryptableValue


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


@users_group.command("list")
def users_list() -> None:
    """List the logins: user name, role, scope, active or not, last login."""

    async def work(session: AsyncSession) -> list[str]:
        return [
            f"{u.username:<16} {u.role:<10} "
            f"{(u.scope_centre.code if u.scope_centre else u.scope_unit.code if u.scope_unit else '-'):<14} "
            f"{'active' if u.active else 'DEACTIVATED':<11} last login {when(u.last_login_at)}"
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


@users_group.command("tokens")
@click.argument("username")
def users_tokens(username: str) -> None:
    """List USERNAME's personal API tokens (never their secrets): id, name, made, last used, revoked."""

    async def work(session: AsyncSession) -> list[str]:
        accounts = AccountService(session)
        return [
            f"{t.id}  {t.name:<20} made {when(t.created_at)}  last used {when(t.last_used_at)}"
            + (f"  REVOKED {when(t.revoked_at)}" if t.revoked_at else "")
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
            f"{k.name:<40} made {when(k.created_at)}  last used {when(k.last_used_at)}"
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
    settings = load_settings()

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
