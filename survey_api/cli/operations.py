"""``survey-api db``, ``catalogue``, ``kiosks``, ``flags``, ``notifications`` and ``rollups``: running a province."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api import db
from survey_api.accounts.scope import Scope
from survey_api.cli.base import load_settings, main, run_in_session, safe_url
from survey_api.kiosks.services import KioskService
from survey_api.org.schemas import CatalogueDocument
from survey_api.org.services import IMPORT_ORDER, CatalogueService


@main.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    settings = load_settings()
    db.upgrade(settings.database_url, revision, settings)
    click.echo(f"Database at {revision}: {safe_url(settings.database_url)}")


@db_group.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    db.current(load_settings().database_url)


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
    base = load_settings().public_base_url.rstrip("/")
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

    settings = load_settings()
    count = run_in_session(lambda s: escalate_overdue(s, settings))
    click.echo(f"Escalated {count} overdue item(s).")


@flags_group.command("erase-contacts")
def flags_erase_contacts() -> None:
    """Erase the contact details of complaints closed or refused SURVEY_COMPLAINT_CONTACT_DAYS ago or more (the
    app also does it periodically)."""
    from survey_api.complaints.retention import erase_ended_contacts

    settings = load_settings()
    count = run_in_session(lambda s: erase_ended_contacts(s, settings))
    click.echo(f"Erased the contact details of {count} complaint(s).")


@main.group("notifications")
def notifications_group() -> None:
    """Emails and webhooks waiting in the outbox."""


@notifications_group.command("send")
def notifications_send() -> None:
    """Send the emails and webhook calls that are due now (the app also does it in the background)."""
    from survey_api.complaints.notifications import deliver_pending

    settings = load_settings()

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

    settings = load_settings()
    start = date_from.date() if date_from else None
    end = date_to.date() if date_to else None
    if start and end and end < start:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    rows = run_in_session(lambda s: rebuild(s, settings.timezone, start, end))
    click.echo(f"Rollups rebuilt: {rows} day rows.")


# -- demo and server ---------------------------------------------------------------------------------
