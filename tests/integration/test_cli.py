"""The survey-api command, run as an operator would (in a worker thread: it runs its own event loop)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import CliRunner, Result
from litestar.testing import AsyncTestClient

from survey_api.cli import main
from survey_api.settings import Settings

pytestmark = pytest.mark.anyio


async def survey_api(settings: Settings, *args: str, stdin: str | None = None) -> Result:
    env = {"SURVEY_DATABASE_URL": settings.database_url, "SURVEY_SECRET_KEY": settings.secret_key}
    runner = CliRunner()
    return await anyio.to_thread.run_sync(lambda: runner.invoke(main, list(args), input=stdin, env=env))


async def test_users_create_and_token_give_a_working_bearer_token(
    demo: None, settings: Settings, client: AsyncTestClient[Any]
) -> None:
    created = await survey_api(
        settings, "users", "create", "--username", "LanPT", "--role", "director", "--scope", "MC-969",
        "--password-stdin", stdin="mat-khau-dai-du\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert created.output.strip() == "Created lanpt (director, MC-969)"
    token = await survey_api(settings, "users", "token", "lanpt")
    assert token.exit_code == 0
    headers = {"Authorization": f"Bearer {token.output.strip()}"}
    centres = (await client.get("/api/v1/admin/centres", headers=headers)).json()
    assert [c["code"] for c in centres["items"]] == ["MC-969"]
    login = await client.post("/api/v1/auth/login", json={"username": "lanpt", "password": "mat-khau-dai-du"})
    assert login.status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "director"], "Role 'director' needs a scope (a centre or unit code)"),
        (["--role", "director", "--scope", "96"], "Role 'director' must be scoped to a centre"),
        (["--role", "viewer", "--scope", "NOPE"], "No centre or unit with code 'NOPE'"),
    ],
)
async def test_users_create_explains_what_is_wrong(
    demo: None, settings: Settings, args: list[str], message: str
) -> None:
    result = await survey_api(
        settings, "users", "create", "--username", "x", *args, "--password-stdin", stdin="mat-khau-dai-du\n"
    )
    assert result.exit_code == 1
    assert message in result.output


async def test_short_password_is_refused(settings: Settings) -> None:
    result = await survey_api(
        settings, "users", "create", "--username", "a", "--role", "admin", "--password-stdin", stdin="ngan\n"
    )
    assert result.exit_code == 1
    assert "Password must have at least 8 characters" in result.output


async def test_csv_import_reports_rows_and_writes_nothing_on_error(
    demo: None, settings: Settings, tmp_path: Path, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    bad = tmp_path / "centres.csv"
    bad.write_text(
        "code,name,unit_code,address\n"
        "MC-966,Bộ phận Một cửa huyện U Minh,966,\n"
        "MC-967,Bộ phận Một cửa huyện Thới Bình,96,Thị trấn Thới Bình\n",
        encoding="utf-8",
    )
    failed = await survey_api(settings, "catalogue", "import", str(bad))
    assert failed.exit_code == 1
    assert "centres row 1 unit_code: Unknown unit code '966'" in failed.output
    good = tmp_path / "more.csv"
    good.write_text(bad.read_text(encoding="utf-8").replace(",966,", ",96,"), encoding="utf-8")
    imported = await survey_api(settings, "catalogue", "import", str(good), "--kind", "centres")
    assert imported.exit_code == 0, imported.output
    assert imported.output.strip() == "centres: 2 created, 0 updated"


async def test_json_import_and_demo_are_idempotent(demo: None, settings: Settings, tmp_path: Path) -> None:
    again = await survey_api(settings, "demo")
    assert again.exit_code == 0
    skipped = await survey_api(settings, "demo", "--if-empty")
    assert skipped.output.strip() == "Catalogue not empty: demo not loaded."
    doc = tmp_path / "catalogue.json"
    doc.write_text(
        '{"procedures": [{"code": "1.004227", "name": "Cấp GCN", "field": "Đất đai", "statutory_days": 30}]}'
    )
    result = await survey_api(settings, "catalogue", "import", str(doc))
    assert result.output.strip() == "procedures: 0 created, 1 updated"


async def test_demo_loads_into_an_empty_database(settings: Settings) -> None:
    result = await survey_api(settings, "demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Demo province loaded: Cà Mau."


async def test_rollups_rebuild_from_the_command_line(demo: None, settings: Settings) -> None:
    result = await survey_api(settings, "rollups", "rebuild", "--from", "2026-01-01", "--to", "2026-12-31")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Rollups rebuilt: ")
    backwards = await survey_api(settings, "rollups", "rebuild", "--from", "2026-02-01", "--to", "2026-01-01")
    assert backwards.exit_code == 2
    assert "--to is before --from" in backwards.output
