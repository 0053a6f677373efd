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
