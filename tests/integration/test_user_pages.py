"""The logins page: an administrator creates a login, sets a forgotten password and stops a login at once, from the
browser; mistakes are said in Vietnamese naming the field; every change is audited; nobody else may do it."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from survey_api.audit.models import AuditEvent
from tests.helpers import login

pytestmark = pytest.mark.anyio
HTML = {"accept": "text/html"}
LANPT = {
    "username": "LanPT",
    "full_name": "Phạm Thị Lan",
    "role": "director",
    "scope": "MC-969",
    "staff": "",
    "password": "mat-khau-dai-du",
}


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def rows(html: str) -> dict[str, list[str]]:
    """Each login's row (user name → its cells) in the table of logins."""
    body = re.search(r'<table class="data" id="users">.*?<tbody>(.*?)</tbody>', html, flags=re.S)
    assert body is not None, html[:1000]
    found = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), flags=re.S):
        cells = [text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
        found[cells[0]] = cells[1:]
    return found


async def form_post(client: AsyncTestClient[Any], path: str, data: dict[str, str]) -> Any:
    page = await client.get("/dashboard/users/", headers=HTML)
    assert page.status_code == 200, page.text[:500]
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return await client.post(path, data={**data, "_csrf_token": token.group(1)}, headers=HTML, follow_redirects=False)


async def can_log_in(client: AsyncTestClient[Any], username: str, password: str) -> int:
    """The status of a JSON login, from a client with no session."""
    cookies = dict(client.cookies)
    client.cookies.clear()
    answer = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    client.cookies.clear()
    client.cookies.update(cookies)
    return answer.status_code


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scope": "969"}, "Phạm vi: vai trò này phải gắn với một trung tâm (mã trung tâm, không phải mã đơn vị)."),
        ({"scope": "KHONG-CO"}, "Phạm vi: không có trung tâm hay đơn vị nào mã KHONG-CO."),
        ({"scope": ""}, "Phạm vi: vai trò này cần mã trung tâm hoặc mã đơn vị."),
        ({"staff": "CB-999"}, "Mã cán bộ: không có cán bộ nào mã CB-999."),
        ({"password": "ngan"}, "Mật khẩu: cần ít nhất 8 ký tự."),
        ({"password": "Password123"}, "Mật khẩu: nằm trong danh sách mật khẩu phổ biến, dễ bị đoán"),
        ({"username": "phamthilan", "password": "PhamThiLan"}, "Mật khẩu: không được trùng với tên đăng nhập."),
        ({"role": "admin", "scope": "", "password": "chin-ky-t"}, "Mật khẩu: cần ít nhất 10 ký tự."),
        ({"role": "province", "scope": "96", "password": "chin-ky-t"}, "Mật khẩu: cần ít nhất 10 ký tự."),
        ({"username": "tinh"}, "Tên đăng nhập tinh đã có."),
        ({"username": "lan pt"}, "Tên đăng nhập: cần có, chưa được dùng, chỉ gồm chữ không dấu, số, dấu chấm"),
        ({"role": "superuser"}, "Vai trò: chọn một vai trò trong danh sách."),
    ],
)
async def test_a_mistake_is_said_naming_the_field_and_nothing_is_created(
    demo: None, client: AsyncTestClient[Any], changes: dict[str, str], message: str
) -> None:
    await login(client, "admin")
    answer = await form_post(client, "/dashboard/users/", {**LANPT, **changes})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert message in text(answer.text)
    assert 'value="Phạm Thị Lan"' in answer.text  # what was typed is kept…
    assert "mat-khau-dai-du" not in answer.text  # …but the password
    assert "lanpt" not in rows(answer.text)


async def test_a_full_name_over_200_characters_is_refused_not_cut(demo: None, client: AsyncTestClient[Any]) -> None:
    await login(client, "admin")
    long_name = "Phạm Thị Lan " + "n" * 188  # 201 characters: the form's maxlength, bypassed
    answer = await form_post(client, "/dashboard/users/", {**LANPT, "full_name": long_name})
    assert answer.status_code == 422
    assert "Họ và tên: tối đa 200 ký tự." in text(answer.text)
    assert f'value="{long_name}"' in answer.text
    assert "lanpt" not in rows(answer.text)
    fits = await form_post(client, "/dashboard/users/", {**LANPT, "full_name": long_name[:200]})
    assert fits.status_code == 303
    listed = await client.get("/dashboard/users/", headers=HTML)
    assert rows(listed.text)["lanpt"][0] == long_name[:200]


async def test_an_administrator_creates_a_login_that_works_and_the_trail_says_who(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    await login(client, "admin")
    created = await form_post(client, "/dashboard/users/", LANPT)
    assert created.status_code == 303
    assert created.headers["location"] == "/dashboard/users?done=created&name=lanpt"
    page = await client.get(created.headers["location"], headers=HTML)
    assert "Đã tạo tài khoản lanpt." in text(page.text)
    assert rows(page.text)["lanpt"][:5] == [
        "Phạm Thị Lan",
        "Giám đốc trung tâm",
        "Bộ phận Một cửa huyện Cái Nước (MC-969)",
        "Đang hoạt động",
        "Chưa đăng nhập",
    ]
    assert await can_log_in(client, "lanpt", "mat-khau-dai-du") == 200
    event = await run_in_session(lambda s: s.scalar(select(AuditEvent).where(AuditEvent.action == "user.created")))
    assert (event.actor_type, event.actor_name, event.detail) == (
        "user",
        "admin",
        {"username": "lanpt", "role": "director", "scope": "MC-969"},
    )


async def test_a_new_password_and_a_stopped_login_take_effect_at_once(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    await login(client, "admin")
    changed = await form_post(client, "/dashboard/users/giamdoc/password", {"password": "mat-khau-moi-1"})
    assert changed.headers["location"] == "/dashboard/users?done=password&name=giamdoc"
    assert await can_log_in(client, "giamdoc", "hailong-demo") == 401
    assert await can_log_in(client, "giamdoc", "mat-khau-moi-1") == 200
    short = await form_post(client, "/dashboard/users/giamdoc/password", {"password": "ngan"})
    assert (short.status_code, "Mật khẩu: cần ít nhất 8 ký tự." in text(short.text)) == (422, True)
    common = await form_post(client, "/dashboard/users/giamdoc/password", {"password": "iloveyou1"})
    assert common.status_code == 422
    assert "Mật khẩu: nằm trong danh sách mật khẩu phổ biến, dễ bị đoán; hãy chọn mật khẩu khác." in text(common.text)
    province = await form_post(client, "/dashboard/users/tinh/password", {"password": "chin-ky-t"})
    assert (province.status_code, "Mật khẩu: cần ít nhất 10 ký tự." in text(province.text)) == (422, True)
    assert await can_log_in(client, "tinh", "chin-ky-t") == 401

    stopped = await form_post(client, "/dashboard/users/giamdoc/active", {"active": "0"})
    assert stopped.headers["location"] == "/dashboard/users?done=deactivated&name=giamdoc"
    page = await client.get(stopped.headers["location"], headers=HTML)
    assert "Đã khóa tài khoản giamdoc." in text(page.text)
    assert rows(page.text)["giamdoc"][3] == "Đã khóa"
    assert 'aria-label="Mở khóa tài khoản giamdoc"' in page.text
    assert await can_log_in(client, "giamdoc", "mat-khau-moi-1") == 401
    await form_post(client, "/dashboard/users/giamdoc/active", {"active": "1"})
    assert await can_log_in(client, "giamdoc", "mat-khau-moi-1") == 200

    actions = await run_in_session(
        lambda s: s.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.actor_name == "admin", AuditEvent.action.like("user.%"))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )
    assert sorted(actions) == ["user.activated", "user.deactivated", "user.password_set"]


async def test_an_administrator_cannot_stop_their_own_login_nor_an_unknown_one(
    demo: None, client: AsyncTestClient[Any]
) -> None:
    await login(client, "admin")
    page = await client.get("/dashboard/users/", headers=HTML)
    assert "/dashboard/users/admin/active" not in page.text  # no button for it…
    itself = await form_post(client, "/dashboard/users/admin/active", {"active": "0"})
    assert (itself.status_code, "Không thể tự khóa tài khoản đang dùng." in text(itself.text)) == (
        422,
        True,
    )  # …nor a way
    unknown = await form_post(client, "/dashboard/users/khong-co/active", {"active": "0"})
    assert (unknown.status_code, "Không có tài khoản khong-co." in text(unknown.text)) == (404, True)
    assert await can_log_in(client, "admin", "hailong-demo") == 200


async def test_only_administrators_manage_logins(demo: None, client: AsyncTestClient[Any]) -> None:
    await login(client, "admin")
    english = await client.get("/dashboard/users/", params={"lang": "en"}, headers=HTML)
    assert "Logins" in text(english.text)
    client.cookies.clear()
    await login(client, "giamdoc")
    home = await client.get("/dashboard/", headers=HTML)
    assert "/dashboard/users" not in home.text
    assert (await client.get("/dashboard/users/", headers=HTML)).status_code == 403
    refused = await client.post("/dashboard/users/xem/active", data={"active": "0"}, headers=HTML)
    assert refused.status_code == 403
