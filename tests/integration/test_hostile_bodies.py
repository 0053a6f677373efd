"""Property: no JSON endpoint answers 5xx, whatever body it is thrown.

Every operation of the OpenAPI description that takes a JSON body gets, from Hypothesis, bodies of its own fields
set to extremes (huge and negative numbers, 1e308, dates of year 1 and 9999, impossible dates, 20,000-character
strings, lone surrogates, wrong types, nesting) and raw bodies that are barely JSON (nested 100,000 deep, not UTF-8,
truncated, numbers past any float). It is sent as an administrator, a kiosk, the one-stop system's integration key
and anonymously. A 4xx is a fine answer; a 5xx is a defect (each one found so far has its own test elsewhere)."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from sqlalchemy.engine.url import make_url

from bench.common import pg_admin
from survey_api import db
from survey_api.accounts.scope import Scope
from survey_api.accounts.services import AccountService, IntegrationService
from survey_api.app import create_app
from survey_api.kiosks.services import KioskService
from survey_api.settings import Settings
from tests.conftest import PG_URL, TEST_SECRET, run_async

_numbers = itertools.count()
EXTREMES: list[Any] = [
    0, -1, 1, 2**31, 2**63, -(2**63) - 1, 10**40, 1e308, -1e308, 0.5, -0.0,
    "", " ", "x" * 20_000, "\ud800", "Nguyễn\u202eVăn", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
    "2026-02-30T10:00:00+07:00", "2026-06-13T09:00:00", "0000-00-00", "1e999", "NaN", "-Infinity",
    "00000000-0000-0000-0000-000000000000", "TTPVHCC-96", "CB-001", "'; DROP TABLE rating; --", "<script>",
    True, False, None, [], {}, [[[[[]]]]], {"": {"": {"": ""}}}, ["x"] * 1000,
]  # fmt: skip
RAW_BODIES: list[bytes] = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
    b'{"id": "\xff\xfe", "overall": 5}',
    b'{"overall": 1e999}',
    b'{"overall": 123456789012345678901234567890}',
    b'{"id": "x", "overall":',
    b"",
    b"null",
    b'"\\ud800"',
    b"\xef\xbb\xbf{}",
]


@pytest.fixture(scope="module")
def served(database_templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app on a copy of the demo province, its JSON operations and one credential of each kind."""
    if PG_URL:
        name = f"hl_hostile_{os.getpid()}_{next(_numbers)}"
        run_async(pg_admin(PG_URL, f"CREATE DATABASE {name} TEMPLATE {database_templates['demo']}"))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    else:
        folder = tmp_path_factory.mktemp("hostile")
        shutil.copyfile(database_templates["demo"], folder / "hostile.db")
        url = f"sqlite+aiosqlite:///{folder / 'hostile.db'}"
    config = Settings.from_env(
        {}, database_url=url, secret_key=TEST_SECRET, var_dir=str(tmp_path_factory.mktemp("var")),
        public_rate_limit_per_minute=100_000,
    )  # fmt: skip

    async def credentials() -> dict[str, dict[str, str]]:
        alchemy = db.alchemy_config(config)
        try:
            async with alchemy.get_session() as session:
                accounts = AccountService(session)
                admin = await accounts.by_username("admin")
                assert admin is not None
                person = (await accounts.issue_token(admin)).token
                _, kiosk = await KioskService(session).create("TTPVHCC-96", "TT96-Q01", None, Scope(role="admin"))
                onestop = await IntegrationService(session).create("Hệ thống một cửa")
                await session.commit()
        finally:
            await alchemy.get_engine().dispose()
        bearer = {"admin": person, "kiosk": kiosk, "integration": onestop}
        return {"anonymous": {}, **{k: {"Authorization": f"Bearer {v}"} for k, v in bearer.items()}}

    headers = run_async(credentials())
    app = create_app(config)
    with TestClient(app=app) as client:
        yield client, json_operations(app.openapi_schema.to_schema()), headers
    if PG_URL:
        run_async(pg_admin(PG_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def json_operations(schema: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(method, path, field names of the body) of every operation that takes a JSON body."""
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not content:
                continue
            body = content.get("schema", {})
            if "$ref" in body:
                body = components.get(body["$ref"].rsplit("/", 1)[1], {})
            found.append((method.upper(), path, sorted(body.get("properties", {}))))
    return found


def concrete(path: str, draw: Any) -> str:
    """A path with its parameters filled: a real code or a random id, or something odd."""
    values = st.sampled_from(["TTPVHCC-96", "CB-001", str(uuid.uuid4()), "x" * 300, "%00", "..", "0"])
    return re.sub(r"\{[^}]+\}", lambda _: str(draw(values)), path)


@st.composite
def requests(draw: Any, operations: list[tuple[str, str, list[str]]]) -> tuple[str, str, bytes]:
    method, path, fields = draw(st.sampled_from(operations))
    if draw(st.integers(0, 4)) == 0:
        return method, concrete(path, draw), draw(st.sampled_from(RAW_BODIES))
    chosen = draw(st.lists(st.sampled_from(fields), unique=True)) if fields else []
    body: Any = {field: draw(st.sampled_from(EXTREMES)) for field in chosen}
    if draw(st.integers(0, 9)) == 0:
        body = draw(st.sampled_from(EXTREMES))  # not an object at all
    # the standard encoder writes a lone surrogate as its escape (\ud800), as a careless client would send it
    return method, concrete(path, draw), json.dumps(body).encode()


@pytest.mark.parametrize("who", ["admin", "kiosk", "integration", "anonymous"])
def test_no_json_endpoint_answers_5xx_to_hostile_bodies(served: Any, who: str) -> None:
    client, operations, headers = served
    assert len(operations) >= 20  # the description lists the API's writes: a broken reading would test nothing

    @settings(
        max_examples=int(os.environ.get("SURVEY_TEST_HOSTILE_EXAMPLES", "60")),
        deadline=None,
        derandomize=True,  # the same bodies every run: a failure is a defect to fix, not luck
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(requests(operations))
    def throw(request: tuple[str, str, bytes]) -> None:
        method, path, content = request
        sent = {**headers[who], "content-type": "application/json"}
        if who == "admin":
            sent["x-csrftoken"] = "none"  # a Bearer request needs no CSRF token; this must change nothing
        answer = client.request(method, path, content=content, headers=sent)
        assert answer.status_code < 500, f"{method} {path} {content[:200]!r} → {answer.status_code} {answer.text}"

    throw()
