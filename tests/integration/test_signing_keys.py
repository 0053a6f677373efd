"""QR rating links under signing keys that rotate: a link names its key; old keys verify while configured; links
printed before keys had ids keep working."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from survey_api.app import create_app
from survey_api.dossiers import tokens
from survey_api.dossiers.models import RatingToken
from survey_api.settings import Settings
from tests.helpers import integration_headers, returned_dossier

pytestmark = pytest.mark.anyio
NEXT_KEY = "the-next-signing-key-" + "s" * 40


def with_keys(settings: Settings, **keys: str) -> Settings:
    return Settings.from_env(
        {},
        database_url=settings.database_url,
        secret_key=keys.pop("secret_key", settings.secret_key),
        data_key=settings.data_key,
        var_dir=settings.var_dir,
        public_rate_limit_per_minute=10_000,
        **keys,
    )


@asynccontextmanager
async def app_with(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as other:
        yield other


async def link_status(client: AsyncTestClient[Any], token: str) -> int:
    return (await client.get(f"/r/{token}")).status_code


async def pushed_token(client: AsyncTestClient[Any], headers: dict[str, str], code: str) -> str:
    pushed = await client.post("/api/v1/dossiers", json=returned_dossier(code), headers=headers)
    assert pushed.status_code == 201, pushed.text
    return str(pushed.json()["rating_url"].rsplit("/", 1)[1])


async def test_a_link_under_an_old_key_works_while_that_key_is_configured(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, settings: Settings
) -> None:
    onestop = await integration_headers(run_in_session)
    printed = await pushed_token(client, onestop, "000.00.16.H12-260615-0001")
    nonce, key_id, _ = printed.split(".")
    assert key_id == "1"
    assert printed == tokens.token_for(nonce, "1", settings.secret_key)  # by default the secret key signs

    rotated = with_keys(settings, signing_key=NEXT_KEY, signing_key_id="2", signing_keys_old=f"1={settings.secret_key}")
    async with app_with(rotated) as after_rotation:
        assert await link_status(after_rotation, printed) == 200
        fresh = await pushed_token(after_rotation, onestop, "000.00.16.H12-260615-0002")
        assert fresh.split(".")[1] == "2"
        assert await link_status(after_rotation, fresh) == 200
        rated = await after_rotation.post(
            "/api/v1/ratings",
            json={"id": str(uuid.uuid4()), "token": printed, "overall": 5, "answers": {"total_time": 5}},
        )
        assert rated.status_code == 201, rated.text

    old_key_removed = with_keys(settings, signing_key=NEXT_KEY, signing_key_id="2")
    async with app_with(old_key_removed) as later:
        assert await link_status(later, fresh) == 200
        assert await link_status(later, printed) == 404
        refused = await later.post(
            "/api/v1/ratings",
            json={"id": str(uuid.uuid4()), "token": printed, "overall": 5, "answers": {"total_time": 5}},
        )
        assert (refused.status_code, refused.json()["errors"][0]["field"]) == (404, "token")
        forged = tokens.token_for(nonce, "1", NEXT_KEY)  # the right nonce, a key id that is not configured
        assert await link_status(later, forged) == 404


async def test_a_link_printed_before_keys_had_ids_keeps_working(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, settings: Settings
) -> None:
    onestop = await integration_headers(run_in_session)
    code = "000.00.16.H12-260615-0001"
    nonce = (await pushed_token(client, onestop, code)).split(".")[0]
    legacy = tokens.legacy_token_for(nonce, settings.secret_key)  # nonce.signature, as slips were printed
    await run_in_session(lambda s: s.execute(update(RatingToken).values(token_hash=tokens.digest(legacy))))

    assert await link_status(client, legacy) == 200
    reprinted = await client.get(f"/api/v1/dossiers/{code}", headers=onestop)
    assert reprinted.json()["rating_url"].endswith(f"/r/{legacy}")  # the slip's link, not a new one
    rotated = with_keys(settings, signing_key=NEXT_KEY, signing_key_id="2")
    async with app_with(rotated) as after_rotation:
        assert await link_status(after_rotation, legacy) == 200  # still under the secret key

    new_secret = with_keys(
        settings, secret_key="another-secret-" + "n" * 40, signing_keys_old=f"0={settings.secret_key}"
    )
    async with app_with(new_secret) as after_new_secret:
        assert await link_status(after_new_secret, legacy) == 200  # the old secret listed as an old signing key
    forgotten = with_keys(settings, secret_key="another-secret-" + "n" * 40)
    async with app_with(forgotten) as without_it:
        assert await link_status(without_it, legacy) == 404
