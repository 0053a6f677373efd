"""What every ``survey-api`` command shares: the command group, the settings, one transaction per command."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api import db
from survey_api.audit.services import Actor
from survey_api.errors import DomainError
from survey_api.settings import Settings, SettingsError

T = TypeVar("T")


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction: committed if it returns, rolled back if it raises."""
    settings = load_settings()

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


def safe_url(url: str) -> str:
    from sqlalchemy.engine.url import make_url

    return make_url(url).render_as_string(hide_password=True)


OPERATOR = Actor(type="system", name="survey-api")
"""Who acts in the audit trail when an operator runs this command."""


def when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"
