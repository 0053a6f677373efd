"""Every endpoint as every kind of caller answers as the access table says (tests/access_rules.py, which also writes
the table of docs/security.md)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from survey_api.accounts.services import AccountService
from survey_api.demo import DEMO_PASSWORD
from tests.access_rules import CALLERS, PEOPLE, RULES, World, outcome
from tests.helpers import bearer_for, integration_headers, kiosk_headers

pytestmark = pytest.mark.anyio


async def callers(run_in_session: Any) -> dict[str, dict[str, str]]:
    await run_in_session(
        lambda s: AccountService(s).create_user(
            username="giamdoc964", password=DEMO_PASSWORD, role="director", scope_code="MC-964"
        )
    )
    headers = {"anonymous": {}, "kiosk": await kiosk_headers(run_in_session),
               "integration": await integration_headers(run_in_session)}  # fmt: skip
    for caller, username in PEOPLE.items():
        headers[caller] = await bearer_for(run_in_session, username)
    return headers


async def csrf_header(client: AsyncTestClient[Any]) -> dict[str, str]:
    """What a browser's form carries: the CSRF cookie's value (callers with a Bearer token need none)."""
    await client.get("/login")
    return {"x-csrftoken": client.cookies["csrftoken"]}


async def test_every_endpoint_answers_each_caller_as_the_access_table_says(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any
) -> None:
    world = World(client, run_in_session, await callers(run_in_session))
    wrong = []
    for rule in RULES:
        for caller, expected in zip(CALLERS, rule.answers, strict=True):
            call = await rule.make(world, caller)
            client.cookies.clear()
            headers = {**world.headers[caller], **call.headers}
            if not headers.get("Authorization") and call.method not in ("GET", "HEAD"):
                headers.update(await csrf_header(client))
            answer = await client.request(
                call.method, call.url, json=call.json, data=call.data, content=call.content, headers=headers,
                follow_redirects=False,
            )  # fmt: skip
            client.cookies.clear()
            json_answer = answer.headers.get("content-type", "").startswith("application/json")
            got = outcome(call, answer.status_code, answer.headers.get("location"),
                          answer.json() if json_answer else answer.text)  # fmt: skip
            if got != expected:
                wrong.append(f"{rule.method} {rule.path} as {caller}: {expected} expected, got {got} "
                             f"({answer.status_code} {answer.text[:160]!r})")  # fmt: skip
    assert not wrong, "\n".join(wrong)
