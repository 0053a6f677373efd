"""The survey-api command, run as an operator would (in a worker thread: it runs its own event loop)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import CliRunner, Result
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from survey_api.audit.models import AuditEvent
from survey_api.cli import main
from survey_api.complaints.flags import escalate_overdue
from survey_api.complaints.models import Complaint, Flag
from survey_api.demo import DEMO_PASSWORD
from survey_api.dossiers.models import Dossier, RatingToken
from survey_api.org.models import Centre
from survey_api.ratings.models import Rating
from survey_api.settings import Settings
from tests.helpers import login, returned_dossier

pytestmark = pytest.mark.anyio


async def survey_api(settings: Settings, *args: str, stdin: str | None = None) -> Result:
    env: dict[str, str | None] = {
        "SURVEY_DATABASE_URL": settings.database_url,
        "SURVEY_SECRET_KEY": settings.secret_key,
        "SURVEY_DATA_KEY": settings.data_key,
        "SURVEY_VAR_DIR": settings.var_dir,
        "SURVEY_PUBLIC_BASE_URL": None,  # unset while it runs, restored after (serve sets it)
    }
    runner = CliRunner()
    return await anyio.to_thread.run_sync(lambda: runner.invoke(main, list(args), input=stdin, env=env))


async def test_users_create_and_token_give_a_working_bearer_token(
    demo: None, settings: Settings, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    created = await survey_api(
        settings, "users", "create", "--username", "LanPT", "--role", "director", "--scope", "MC-969",
        "--password-stdin", stdin="mat-khau-dai-du\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert created.output.strip() == "Created lanpt (director, MC-969)"
    event = await run_in_session(lambda s: s.scalar(select(AuditEvent).where(AuditEvent.action == "user.created")))
    assert (event.actor_name, event.detail) == (
        "survey-api",
        {"username": "lanpt", "role": "director", "scope": "MC-969"},
    )
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
    assert result.output.strip() == f"Error: scope: {message}"  # said once, after what it is about


@pytest.mark.parametrize(
    ("username", "role", "password", "message"),
    [
        ("a", "admin", "ngan", "Error: password: Password must have at least 10 characters"),
        ("a", "admin", "chin-ky-t", "Error: password: Password must have at least 10 characters"),
        ("a", "province", "chin-ky-t", "Error: password: Password must have at least 10 characters"),
        ("a", "staff", "bay-ky-", "Error: password: Password must have at least 8 characters"),
        ("a", "staff", "Sunshine1", "Error: password: Password is one of the most common passwords; choose another"),
        ("nguyenvana", "staff", "NguyenVanA", "Error: password: Password must not be the user name"),
    ],
)
async def test_weak_passwords_are_refused(
    settings: Settings, username: str, role: str, password: str, message: str
) -> None:
    scope = [] if role == "admin" else ["--scope", "TTPVHCC-96"]
    result = await survey_api(
        settings,
        "users", "create", "--username", username, "--role", role, *scope, "--password-stdin",
        stdin=password + "\n",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.strip() == message


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


async def test_the_demo_fills_the_inboxes_through_the_products_own_rules(
    settings: Settings, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    """The demo's low and conduct ratings of its last 30 days open flags by the product's own rule, and its three
    complaints are filed, once: the province centre's supervisor sees that centre's four items, the staff member
    CB-001 only the complaint about him, and loading the demo again adds nothing."""
    assert (await survey_api(settings, "demo", "--if-empty")).exit_code == 0
    assert (await survey_api(settings, "demo")).exit_code == 0
    count = await run_in_session(lambda s: s.scalar(select(func.count()).select_from(Flag)))
    complaints = await run_in_session(lambda s: s.scalar(select(func.count()).select_from(Complaint)))
    assert (count, complaints) == (6, 3)

    async def inbox(username: str) -> list[tuple[str, str]]:
        """(what, staff member) of each item in the user's inbox, all statuses, tracking codes left out."""
        client.cookies.clear()
        await login(client, username)
        html = (await client.get("/dashboard/inbox/", params={"show": "all"})).text
        body = re.search(r"<tbody>(.*?)</tbody>", html, flags=re.S)
        assert body is not None, html[:2000]
        items = []
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), flags=re.S):
            cells = [
                re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", c))).strip()
                for c in re.findall(r"<td>(.*?)</td>", row, flags=re.S)
            ]
            items.append((re.sub(r" PA-\S+", "", cells[0]), cells[1]))
        return sorted(items)

    assert await inbox("giamsat") == [
        ("Phản ánh · Chậm trễ không có lý do", "Nguyễn Văn Hùng"),
        ("Phản ánh · Nhũng nhiễu, gợi ý tiền, quà", "Trần Thị Thu Hà"),
        ("Đánh giá không hài lòng · 2/5", "Trần Thị Thu Hà"),
        ("Đánh giá về thái độ cán bộ · 2/5", "Phạm Thị Ngọc Lan"),
    ]
    assert await inbox("canbo") == [("Phản ánh · Chậm trễ không có lý do", "Nguyễn Văn Hùng")]
    # The flags from November's ratings are past their deadline; the complaints filed now are not.
    assert await run_in_session(lambda s: escalate_overdue(s, settings)) == 3


async def test_make_run_prints_a_phone_link_to_try_and_the_demo_keeps_twenty(
    settings: Settings, client: AsyncTestClient[Any], run_in_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On start, the server prints a demo dossier's unused rating link (on the port it serves) and its slip; the
    phone page opens from it and takes one rating; the next start prints another link, and loading the demo
    again tops the unused links back up to twenty, all for the province centre's returned, unrated dossiers."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)  # print the banner, serve nothing
    assert (await survey_api(settings, "demo", "--if-empty")).exit_code == 0

    async def usable() -> list[tuple[str, str, int]]:
        """(centre, status, ratings) of each demo dossier with an unused link."""
        rows = await run_in_session(
            lambda s: s.execute(
                select(Centre.code, Dossier.status, func.count(Rating.id))
                .select_from(RatingToken)
                .join(Dossier, Dossier.id == RatingToken.dossier_id)
                .join(Centre, Centre.id == Dossier.centre_id)
                .outerjoin(Rating, Rating.dossier_id == Dossier.id)
                .where(RatingToken.used_at.is_(None))
                .group_by(RatingToken.id, Centre.code, Dossier.status)
            )
        )
        return [tuple(row) for row in rows]

    assert await usable() == [("TTPVHCC-96", "returned", 0)] * 20

    async def started() -> tuple[str, str]:
        result = await survey_api(settings, "serve", "--port", "8123")
        assert result.exit_code == 0, result.output
        phone = re.search(r"Điện thoại \(phone\): +(\S+)", result.output)
        slip = re.search(r"\(slip, after login\): (\S+)", result.output)
        assert phone, result.output
        assert slip, result.output
        return phone.group(1), slip.group(1)

    link, slip = await started()
    assert link.startswith("http://127.0.0.1:8123/r/")
    code = slip.removeprefix("http://127.0.0.1:8123/api/v1/dossiers/").removesuffix("/slip")
    path = link.removeprefix("http://127.0.0.1:8123")
    page = await client.get(path)
    assert page.status_code == 200
    assert f"Hồ sơ {code}" in page.text
    csrf = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
    form_id = page.text.split('name="id" value="')[1].split('"')[0]
    thanks = await client.post(path, data={"_csrf_token": csrf, "id": form_id, "overall": "5"})
    assert "Cảm ơn Ông/Bà đã đánh giá!" in thanks.text
    await login(client, "giamdoc")
    printed = await client.get(slip.removeprefix("http://127.0.0.1:8123"))
    assert printed.status_code == 200
    assert code in printed.text

    assert len(await usable()) == 19
    assert (await started())[0] != link
    assert (await survey_api(settings, "demo")).exit_code == 0
    assert await usable() == [("TTPVHCC-96", "returned", 0)] * 20


async def test_operators_list_and_revoke_tokens_and_integration_keys(
    demo: None, settings: Settings, client: AsyncTestClient[Any]
) -> None:
    token = (await survey_api(settings, "users", "token", "tinh", "--name", "cron")).output.strip()
    listed = (await survey_api(settings, "users", "tokens", "tinh")).output
    assert re.fullmatch(r"\S+  cron +made \S+ \S+ UTC  last used -\n", listed), listed
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/auth/me", headers=bearer)).status_code == 200
    listed = (await survey_api(settings, "users", "tokens", "tinh")).output
    assert "last used -" not in listed
    token_id = listed.split()[0]
    revoked = await survey_api(settings, "users", "revoke-token", "tinh", token_id)
    assert revoked.output.strip() == f"Revoked tinh's token 'cron' ({token_id})."
    assert (await client.get("/api/v1/auth/me", headers=bearer)).status_code == 401
    assert "REVOKED" in (await survey_api(settings, "users", "tokens", "tinh")).output
    unknown = await survey_api(settings, "users", "revoke-token", "tinh", "00000000-0000-4000-8000-000000000000")
    assert unknown.exit_code == 1
    assert "No token 00000000-0000-4000-8000-000000000000 of tinh" in unknown.output

    key = (await survey_api(settings, "keys", "create", "Một cửa tỉnh")).output.strip()
    assert (await survey_api(settings, "keys", "list")).output.count("last used -") == 1
    pushed = await client.post("/api/v1/dossiers", json=returned_dossier(), headers={"Authorization": f"Bearer {key}"})
    assert pushed.status_code in (200, 201), pushed.text
    assert "last used -" not in (await survey_api(settings, "keys", "list")).output
    revoked = await survey_api(settings, "keys", "revoke", "Một cửa tỉnh")
    assert revoked.output.strip() == "Revoked the integration key 'Một cửa tỉnh'."
    again = await client.post("/api/v1/dossiers", json=returned_dossier(), headers={"Authorization": f"Bearer {key}"})
    assert again.status_code == 401
    assert (await survey_api(settings, "keys", "list")).output.rstrip().endswith("REVOKED")
    missing = await survey_api(settings, "keys", "revoke", "Không có")
    assert (missing.exit_code, "No key named 'Không có'" in missing.output) == (1, True)


async def test_operators_deactivate_logins_and_reset_passwords(
    demo: None, settings: Settings, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    listed = (await survey_api(settings, "users", "list")).output.splitlines()
    assert "giamdoc          director   TTPVHCC-96     active      last login -" in listed
    assert len(listed) == 6

    await login(client, "giamdoc")  # a session that is open when the login is stopped
    token = (await survey_api(settings, "users", "token", "giamdoc")).output.strip()
    stopped = await survey_api(settings, "users", "deactivate", "GiamDoc")
    assert stopped.output.strip() == "Deactivated giamdoc: they can no longer log in or use their tokens."
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401
    client.cookies.clear()
    refused = await client.post("/api/v1/auth/login", json={"username": "giamdoc", "password": DEMO_PASSWORD})
    assert refused.status_code == 401
    assert "DEACTIVATED" in next(line for line in (await survey_api(settings, "users", "list")).output.splitlines()
                                 if line.startswith("giamdoc "))  # fmt: skip

    assert (await survey_api(settings, "users", "activate", "giamdoc")).output.strip() == "Activated giamdoc."
    common = await survey_api(settings, "users", "password", "giamdoc", "--password-stdin", stdin="qwertyuiop\n")
    assert (common.exit_code, common.output.strip()) == (
        1,
        "Error: password: Password is one of the most common passwords; choose another",
    )
    short = await survey_api(settings, "users", "password", "giamdoc", "--password-stdin", stdin="ngan\n")
    assert (short.exit_code, "Password must have at least" in short.output) == (1, True)
    reset = await survey_api(
        settings, "users", "password", "giamdoc", "--password-stdin", stdin="mat-khau-moi-du-dai\n"
    )
    assert reset.output.strip() == "Password set for giamdoc."
    old = await client.post("/api/v1/auth/login", json={"username": "giamdoc", "password": DEMO_PASSWORD})
    assert old.status_code == 401
    new = await client.post("/api/v1/auth/login", json={"username": "giamdoc", "password": "mat-khau-moi-du-dai"})
    assert new.status_code == 200
    unknown = await survey_api(settings, "users", "deactivate", "khong-co")
    assert (unknown.exit_code, "No user 'khong-co'" in unknown.output) == (1, True)

    audited = await run_in_session(
        lambda s: s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("user.%")).order_by(AuditEvent.at))
    )
    assert list(audited) == ["user.deactivated", "user.activated", "user.password_set"]


async def test_serve_believes_forwarded_headers_only_from_the_trusted_proxies(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda **options: runs.append(options))
    served = await survey_api(settings, "serve", "--port", "8123")
    assert served.exit_code == 0, served.output
    assert (runs[-1]["proxy_headers"], runs[-1]["forwarded_allow_ips"]) == (False, [])

    monkeypatch.setenv("SURVEY_TRUSTED_PROXIES", "127.0.0.1,::1")
    assert (await survey_api(settings, "serve", "--port", "8123")).exit_code == 0
    assert (runs[-1]["proxy_headers"], runs[-1]["forwarded_allow_ips"]) == (True, ["127.0.0.1", "::1"])

    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5")
    refused = await survey_api(settings, "serve", "--port", "8123")
    assert (refused.exit_code, len(runs)) == (1, 2)
    assert refused.output == (
        "Error: FORWARDED_ALLOW_IPS is not read: name the reverse proxies in SURVEY_TRUSTED_PROXIES instead "
        "(SURVEY_TRUSTED_PROXIES=10.0.0.5)\n"
    )
