"""Small helpers shared by tests."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from survey_api.demo import DEMO_PASSWORD


async def bearer_for(run_in_session: Any, username: str) -> dict[str, str]:
    """Authorization headers with a fresh personal token for ``username``."""
    from survey_api.accounts.services import AccountService

    async def work(session: Any) -> str:
        accounts = AccountService(session)
        user = await accounts.by_username(username)
        assert user is not None, username
        return (await accounts.issue_token(user)).token

    return {"Authorization": f"Bearer {await run_in_session(work)}"}


async def login(client: AsyncTestClient[Any], username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Log in through the JSON API; returns the CSRF header to send with unsafe requests."""
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    page = await client.get("/login")
    assert page.status_code == 200
    return {"x-csrftoken": client.cookies["csrftoken"]}


async def integration_headers(run_in_session: Any, name: str = "Hệ thống một cửa điện tử tỉnh") -> dict[str, str]:
    """Authorization headers with a new integration key (what the one-stop information system sends)."""
    from survey_api.accounts.services import IntegrationService

    key = await run_in_session(lambda session: IntegrationService(session).create(name))
    return {"Authorization": f"Bearer {key}"}


async def kiosk_headers(
    run_in_session: Any, centre: str = "TTPVHCC-96", counter: str | None = "TT96-Q01"
) -> dict[str, str]:
    """Authorization headers for a newly paired kiosk."""
    from survey_api.accounts.scope import Scope
    from survey_api.kiosks.services import KioskService

    async def work(session: Any) -> str:
        _, token = await KioskService(session).create(centre, counter, None, Scope(role="admin"))
        return token

    return {"Authorization": f"Bearer {await run_in_session(work)}"}


def returned_dossier(code: str = "000.00.16.H12-260615-0001", **changes: Any) -> dict[str, Any]:
    """A dossier event as the one-stop system sends it: land registration, returned early."""
    body = {
        "code": code,
        "procedure_code": "1.004227",
        "centre_code": "TTPVHCC-96",
        "counter_code": "TT96-Q01",
        "staff_code": "CB-001",
        "agency_code": "VPDKDD",
        "channel": "counter",
        "status": "returned",
        "received_at": "2026-06-01T08:15:00+07:00",
        "due_at": "2026-06-15T17:00:00+07:00",
        "resolved_at": "2026-06-12T10:00:00+07:00",
        "returned_at": "2026-06-13T09:00:00+07:00",
    }
    body.update(changes)
    return body
