"""Login page, JSON login, CSRF, throttling, personal tokens, language switch."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from survey_api.accounts.models import StoreEntry
from survey_api.app import create_app
from survey_api.audit.models import AuditEvent
from survey_api.complaints.models import Complaint
from survey_api.demo import DEMO_PASSWORD
from survey_api.settings import Settings
from tests.helpers import bearer_for, login

pytestmark = pytest.mark.anyio


def _csrf_field(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


async def test_login_page_is_vietnamese_by_default_and_english_on_request(client: AsyncTestClient[Any]) -> None:
    vi = await client.get("/login")
    assert vi.status_code == 200
    assert '<html lang="vi">' in vi.text
    assert "Tên đăng nhập" in vi.text
    assert "Mật khẩu" in vi.text
    switched = await client.get("/lang/en", params={"next": "/login"}, follow_redirects=True)
    assert '<html lang="en">' in switched.text
    assert "User name" in switched.text
    again = await client.get("/login")
    assert "Sign in" in again.text  # the choice is remembered


async def test_login_form_starts_a_session_and_dashboard_shows_role_and_scope(
    demo: None, client: AsyncTestClient[Any]
) -> None:
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "username": "giamdoc",
            "password": DEMO_PASSWORD,
            "next": "/dashboard/",
            "_csrf_token": _csrf_field(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/"
    home = await client.get("/dashboard/")
    assert home.status_code == 200
    assert "Xin chào, Giám đốc Trung tâm" in home.text
    assert "Giám đốc trung tâm" in home.text
    assert "TTPVHCC-96" in home.text


async def test_login_form_without_csrf_token_is_refused(demo: None, client: AsyncTestClient[Any]) -> None:
    await client.get("/login")
    response = await client.post("/login", data={"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 403


async def test_wrong_password_shows_the_form_again_with_a_vietnamese_message(
    demo: None, client: AsyncTestClient[Any]
) -> None:
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"username": "admin", "password": "sai-mat-khau", "_csrf_token": _csrf_field(page.text)}
    )
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
    assert "hl_session" not in response.cookies


async def test_dashboard_sends_anonymous_visitors_to_login(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/dashboard/", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code in (302, 307)
    assert response.headers["location"] == "/login?next=/dashboard"


async def test_json_login_then_me_then_logout(demo: None, client: AsyncTestClient[Any]) -> None:
    csrf = await login(client, "xem")
    me = await client.get("/api/v1/auth/me")
    assert me.json() | {"id": None} == {
        "id": None,
        "username": "xem",
        "full_name": "Lãnh đạo huyện Cái Nước",
        "role": "viewer",
        "scope_kind": "unit",
        "scope_code": "969",
        "staff_code": None,
    }
    assert (await client.post("/api/v1/auth/logout")).status_code == 403  # cookie-authenticated: CSRF applies
    session_id = client.cookies["hl_session"]
    assert (await client.post("/api/v1/auth/logout", headers=csrf)).status_code == 204
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    client.cookies.set("hl_session", session_id, domain="testserver.local")  # a copy kept from before
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_a_stale_session_cookie_does_not_hold_up_a_citizens_complaint(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    """A tablet where a manager's session has expired still sends its cookie with every kiosk request: the
    complaint is stored and answered, and the cookie cleared (on SQLite, deleting the missing session would wait
    for the complaint's own transaction and fail after the busy timeout)."""
    client.cookies.set("hl_session", "expired-long-ago", domain="testserver.local")
    complaint_id = uuid.uuid4()
    filed = await client.post(
        "/api/v1/complaints",
        json={"id": str(complaint_id), "centre_code": "TTPVHCC-96", "category": "rude", "text": "Trả lời cộc lốc."},
    )
    assert filed.status_code == 201, filed.text
    cleared = filed.headers["set-cookie"]
    assert cleared.startswith("hl_session=null;")
    assert "Max-Age=0;" in cleared  # not kept for the session's lifetime
    stored = await run_in_session(lambda s: s.scalar(select(Complaint.text).where(Complaint.id == complaint_id)))
    assert stored == "Trả lời cộc lốc."


async def test_login_rotates_a_planted_session_id(demo: None, client: AsyncTestClient[Any]) -> None:
    client.cookies.set("hl_session", "planted-by-someone-else", domain="testserver.local")
    await login(client, "admin")
    assert client.cookies["hl_session"] != "planted-by-someone-else"


async def test_anonymous_requests_store_no_session(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/login")
    assert "hl_session" not in response.cookies


async def test_repeated_failures_lock_the_user_name_for_a_while(demo: None, client: AsyncTestClient[Any]) -> None:
    for _ in range(5):
        wrong = await client.post("/api/v1/auth/login", json={"username": "tinh", "password": "wrong-password"})
        assert wrong.status_code == 401
    locked = await client.post("/api/v1/auth/login", json={"username": "tinh", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert 800 <= int(locked.headers["retry-after"]) <= 900
    assert locked.json()["code"] == "too_many_attempts"
    page = await client.get("/login")
    form = await client.post(
        "/login", data={"username": "tinh", "password": DEMO_PASSWORD, "_csrf_token": _csrf_field(page.text)}
    )
    assert form.status_code == 429
    assert re.search(r"Đăng nhập sai quá nhiều lần\. Vui lòng thử lại sau 15 phút \(lúc \d\d:\d\d\)\.", form.text)
    assert 800 <= int(form.headers["retry-after"]) <= 900


async def test_one_user_names_failures_do_not_lock_out_its_address(demo: None, settings: Settings) -> None:
    """An office behind one NAT address: one person's wrong passwords lock their user name, not their colleagues;
    the address has its own, higher limit."""
    app = create_app(msgspec.structs.replace(settings, login_max_failures=8, login_max_failures_per_address=12))
    async with AsyncTestClient(app=app) as client:
        for _ in range(8):
            wrong = await client.post("/api/v1/auth/login", json={"username": "tinh", "password": "wrong-password"})
            assert wrong.status_code == 401
        locked = await client.post("/api/v1/auth/login", json={"username": "tinh", "password": DEMO_PASSWORD})
        assert locked.status_code == 429
        assert 800 <= int(locked.headers["retry-after"]) <= 900
        assert locked.json()["message"] == "Too many failed logins for this user name; try again in 15 minute(s)"
        assert [e["field"] for e in locked.json()["errors"]] == ["username"]
        colleague = await client.post("/api/v1/auth/login", json={"username": "giamdoc", "password": DEMO_PASSWORD})
        assert colleague.status_code == 200, colleague.text

        for _ in range(4):  # 8 + 4 = 12 failures from this address
            wrong = await client.post("/api/v1/auth/login", json={"username": "xem", "password": "wrong-password"})
            assert wrong.status_code == 401
        refused = await client.post("/api/v1/auth/login", json={"username": "giamsat", "password": DEMO_PASSWORD})
        assert refused.status_code == 429
        assert 800 <= int(refused.headers["retry-after"]) <= 900
        assert refused.json()["message"] == "Too many failed logins for this address; try again in 15 minute(s)"


async def test_json_login_errors_name_the_field(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/api/v1/auth/login", json={"username": "admin"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input"
    assert [e["field"] for e in body["errors"]] == ["password"]


async def test_personal_token_is_shown_once_and_works_as_bearer(demo: None, client: AsyncTestClient[Any]) -> None:
    csrf = await login(client, "tinh")
    created = await client.post("/api/v1/auth/tokens", json={"name": "báo cáo"}, headers=csrf)
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("hl_")
    assert len(token) > 40
    client.cookies.clear()
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == "tinh"


async def test_personal_tokens_are_listed_without_secrets_and_revoked_at_once(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    csrf = await login(client, "tinh")
    first = (await client.post("/api/v1/auth/tokens", json={"name": "báo cáo"}, headers=csrf)).json()
    second = (await client.post("/api/v1/auth/tokens", json={"name": "xuất số liệu"}, headers=csrf)).json()
    listed = (await client.get("/api/v1/auth/tokens")).json()
    assert [(t["id"], t["name"], t["last_used_at"], t["revoked_at"]) for t in listed] == [
        (second["id"], "xuất số liệu", None, None),
        (first["id"], "báo cáo", None, None),
    ]
    assert first["token"] not in str(listed)
    as_first = {"Authorization": f"Bearer {first['token']}"}
    as_second = {"Authorization": f"Bearer {second['token']}"}
    assert (await client.get("/api/v1/auth/me", headers=as_first)).status_code == 200
    used = {t["id"]: t["last_used_at"] for t in (await client.get("/api/v1/auth/tokens")).json()}
    assert used[first["id"]] is not None
    assert used[second["id"]] is None

    revoked = await client.delete(f"/api/v1/auth/tokens/{first['id']}", headers=csrf)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert (await client.get("/api/v1/auth/me", headers=as_first)).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=as_second)).status_code == 200
    again = await client.delete(f"/api/v1/auth/tokens/{first['id']}", headers=csrf)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    # Somebody else's token is not yours to see or revoke.
    admin_token = (await run_in_session(lambda s: _token_of(s, "admin"))).id
    other = await client.delete(f"/api/v1/auth/tokens/{admin_token}", headers=csrf)
    assert (other.status_code, other.json()["errors"][0]["field"]) == (404, "token_id")
    audited = await run_in_session(
        lambda s: s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "token.revoked"))
    )
    assert audited == 1


async def _token_of(session: Any, username: str) -> Any:
    from survey_api.accounts.services import AccountService

    accounts = AccountService(session)
    user = await accounts.by_username(username)
    assert user is not None
    return await accounts.issue_token(user, "admin script")


async def test_bearer_requests_need_no_csrf_header(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    headers = await bearer_for(run_in_session, "admin")
    response = await client.post(
        "/api/v1/admin/procedures",
        json={"code": "1.000001", "name": "Thủ tục thử", "field": "Khác", "statutory_days": 2},
        headers=headers,
    )
    assert response.status_code == 201


async def stored_session(run_in_session: Any, session_id: str) -> dict[str, Any] | None:
    raw = await run_in_session(
        lambda s: s.scalar(
            select(StoreEntry.value).where(StoreEntry.namespace == "sessions", StoreEntry.key == session_id)
        )
    )
    return None if raw is None else dict(json.loads(raw))


async def age_session(run_in_session: Any, session_id: str, **ago: int) -> dict[str, Any]:
    """Move the session's started/seen times ``ago`` seconds into the past, as if that time had gone by."""
    data = await stored_session(run_in_session, session_id)
    assert data is not None
    now = int(time.time())
    data.update({key: now - seconds for key, seconds in ago.items()})
    await run_in_session(
        lambda s: s.execute(
            update(StoreEntry)
            .where(StoreEntry.namespace == "sessions", StoreEntry.key == session_id)
            .values(value=json.dumps(data).encode())
        )
    )
    return data


async def test_an_idle_session_is_refused_and_deleted(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    await login(client, "giamdoc")
    session_id = client.cookies["hl_session"]
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    await age_session(run_in_session, session_id, seen=1801)  # SURVEY_SESSION_IDLE_SECONDS is 1800
    idle = await client.get("/api/v1/auth/me")
    assert idle.status_code == 401
    assert "Max-Age=0;" in idle.headers["set-cookie"]
    assert await stored_session(run_in_session, session_id) is None

    await login(client, "giamdoc")
    await age_session(run_in_session, client.cookies["hl_session"], seen=1801)
    page = await client.get("/dashboard/", headers={"accept": "text/html"}, follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (302, "/login?next=/dashboard")


async def test_a_used_session_is_kept_and_its_last_use_written_at_most_once_a_minute(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    csrf = await login(client, "giamdoc")
    session_id = client.cookies["hl_session"]
    recent = await age_session(run_in_session, session_id, seen=30)
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    assert await stored_session(run_in_session, session_id) == recent  # not written again
    stale = await age_session(run_in_session, session_id, seen=1700)
    made = await client.post("/api/v1/auth/tokens", json={"name": "báo cáo"}, headers=csrf)  # a write, too
    assert made.status_code == 201
    kept = await stored_session(run_in_session, session_id)
    assert kept is not None
    assert kept["started"] == stale["started"]
    assert 0 <= int(time.time()) - kept["seen"] <= 5  # seen again now
    assert (await client.get("/api/v1/auth/me")).status_code == 200


async def test_a_busy_session_still_ends_at_its_lifetime(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    await login(client, "giamdoc")
    session_id = client.cookies["hl_session"]
    await age_session(run_in_session, session_id, started=8 * 3600 + 1, seen=10)  # SURVEY_SESSION_MAX_AGE_SECONDS
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    assert await stored_session(run_in_session, session_id) is None
