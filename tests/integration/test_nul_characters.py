"""A NUL character anywhere in the input is refused with 422 naming the field, on SQLite and on PostgreSQL alike
(PostgreSQL cannot store one in text, so it used to fail there as a 500), and nothing is stored."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from survey_api.complaints.models import Complaint
from tests.helpers import bearer_for

pytestmark = pytest.mark.anyio


async def test_json_fields_query_parameters_and_addresses_are_named(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    complaint = {"id": str(uuid.uuid4()), "centre_code": "TTPVHCC-96", "category": "rude", "text": "Cán bộ\u0000 cộc"}
    filed = await client.post("/api/v1/complaints", json=complaint)
    assert filed.status_code == 422
    assert filed.json()["errors"] == [{"field": "text", "message": "Text must not hold a NUL character"}]
    assert await run_in_session(lambda s: s.scalar(select(func.count()).select_from(Complaint))) == 0

    admin = await bearer_for(run_in_session, "admin")
    document = {"centres": [{"code": "MC-999", "name": "Bộ phận\u0000", "unit_code": "969"}]}
    imported = await client.post("/api/v1/admin/catalogue", json=document, headers=admin)
    assert (imported.status_code, imported.json()["errors"][0]["field"]) == (422, "centres.0.name")

    searched = await client.get("/api/v1/admin/centres", params={"q": "Cà\u0000Mau"}, headers=admin)
    assert (searched.status_code, searched.json()["errors"][0]["field"]) == (422, "q")
    addressed = await client.get("/api/v1/dossiers/H12%00X", headers=admin)
    assert (addressed.status_code, addressed.json()["errors"][0]["field"]) == (422, "path")

    # A literal backslash followed by "u0000" is text like any other.
    complaint["text"] = "Đường dẫn C:\\u0000 trên phiếu"
    assert (await client.post("/api/v1/complaints", json=complaint)).status_code == 201


async def test_the_complaint_form_says_which_field(demo: None, client: AsyncTestClient[Any]) -> None:
    page = await client.get("/phan-anh")
    token = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
    answer = await client.post(
        "/phan-anh",
        data={"_csrf_token": token, "centre_code": "TTPVHCC-96", "category": "rude", "text": "a\u0000b"},
        headers={"accept": "text/html"},
    )
    assert answer.status_code == 422
    assert "Thông tin gửi lên chưa hợp lệ ở: text." in answer.text
    assert "Text must not hold a NUL character" in answer.text


async def post_as_a_server_would(app: Litestar, client: AsyncTestClient[Any], request: httpx.Request) -> Any:
    """Send ``request`` to the app as uvicorn would: once the body is read, the next receive is the client leaving."""
    request.headers["cookie"] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    messages: list[dict[str, Any]] = [{"type": "http.request", "body": request.read(), "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": request.url.path,
        "raw_path": request.url.raw_path,
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver.local", 80),
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def test_a_multipart_body_is_refused_naming_the_content_type(
    demo: None, app: Litestar, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    """No page or endpoint takes a file. A multipart form sent to a page used to hang until the browser gave up:
    the CSRF check had read the body as a form, and the NUL check then waited for more of it."""
    page = await client.get("/phan-anh")
    token = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
    fields = {"_csrf_token": token, "centre_code": "TTPVHCC-96", "category": "rude", "text": "Cán bộ cộc"}
    form = httpx.Request(
        "POST",
        "http://testserver.local/phan-anh",
        data=fields,
        files={"id": ("a.txt", b"x", "text/plain")},
        headers={"accept": "text/html"},
    )
    status, body = await post_as_a_server_would(app, client, form)
    assert status == 415
    assert "Thông tin gửi lên chưa hợp lệ ở: content-type." in body.decode()
    api = await client.post("/api/v1/complaints", data=fields, files={"text": ("a.txt", b"x", "text/plain")})
    assert api.status_code == 415
    assert api.json()["errors"] == [
        {"field": "content-type", "message": "Send a form (application/x-www-form-urlencoded) or JSON"}
    ]
    assert await run_in_session(lambda s: s.scalar(select(func.count()).select_from(Complaint))) == 0
