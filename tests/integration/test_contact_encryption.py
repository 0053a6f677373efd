"""Complainants' contact details encrypted at rest: what a copy of the database shows, what handlers still read,
repeats found through keyed hashes, keys that rotate, and the migration that encrypts what was stored before."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
from click.testing import CliRunner, Result
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text

from survey_api import db
from survey_api.cli import main
from survey_api.complaints.models import Complaint, Flag
from survey_api.complaints.retention import erase_ended_contacts
from survey_api.crypto import UndecryptableValue
from survey_api.settings import Settings
from tests.helpers import bearer_for, login

pytestmark = pytest.mark.anyio
NEW_DATA_KEY = "the-next-data-key-" + "z" * 40


def complaint(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "centre_code": "TTPVHCC-96",
        "staff_code": "CB-001",
        "category": "harassment",
        "text": "Cán bộ gợi ý phải 'bồi dưỡng' thì hồ sơ mới được giải quyết nhanh.",
        "name": "Trần Văn Bình",
        "phone": "0912 345 678",
        "email": "Binh.Tran@Example.vn",
        "consent": True,
        "language": "vi",
    }
    body.update(changes)
    return body


RAW = "SELECT contact_name, contact_phone, contact_email, contact_phone_hash, contact_email_hash FROM complaint"


async def raw_rows(settings: Settings) -> list[tuple[Any, ...]]:
    """The contact columns as a copy of the database holds them (plain SQL, nothing decrypted)."""
    config = db.alchemy_config(settings)
    try:
        async with config.get_session() as session:
            return [tuple(row) for row in await session.execute(text(RAW + " ORDER BY received_at"))]
    finally:
        await config.get_engine().dispose()


async def read_contacts(settings: Settings) -> list[tuple[str | None, str | None, str | None]]:
    """The contact details as the services read them with ``settings``' keys."""
    config = db.alchemy_config(settings)
    try:
        async with config.get_session() as session:
            found = await session.scalars(select(Complaint).order_by(Complaint.received_at))
            return [(c.contact_name, c.contact_phone, c.contact_email) for c in found]
    finally:
        await config.get_engine().dispose()


async def flag_of(run_in_session: Any, filed: dict[str, Any]) -> uuid.UUID:
    flag_id: uuid.UUID = await run_in_session(
        lambda s: s.scalar(select(Flag.id).where(Flag.complaint_id == uuid.UUID(filed["id"])))
    )
    return flag_id


def rotated(settings: Settings, **changes: Any) -> Settings:
    """``settings`` with a new current data key (id 2); the test key stays readable as id 1 unless changed."""
    values: dict[str, Any] = {"data_key": NEW_DATA_KEY, "data_key_id": "2", "data_keys_old": f"1={settings.data_key}"}
    values.update(changes)
    return Settings.from_env(
        {}, database_url=settings.database_url, secret_key=settings.secret_key, var_dir=settings.var_dir, **values
    )


async def survey_api(settings: Settings, *args: str) -> Result:
    env = {
        "SURVEY_DATABASE_URL": settings.database_url,
        "SURVEY_SECRET_KEY": settings.secret_key,
        "SURVEY_DATA_KEY": settings.data_key,
        "SURVEY_DATA_KEY_ID": settings.data_key_id,
        "SURVEY_DATA_KEYS_OLD": settings.data_keys_old,
        "SURVEY_VAR_DIR": settings.var_dir,
    }
    return await anyio.to_thread.run_sync(lambda: CliRunner().invoke(main, list(args), env=env))


async def test_a_database_copy_holds_no_contact_detail_yet_handlers_read_them(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, settings: Settings
) -> None:
    filed = await client.post("/api/v1/complaints", json=complaint())
    assert filed.status_code == 201, filed.text

    [(name, phone, email, phone_hash, email_hash)] = await raw_rows(settings)
    for stored in (name, phone, email):
        assert stored.startswith("v1:1:")
    assert "Bình" not in name
    assert "345" not in phone
    assert "example" not in email.lower()
    assert len(phone_hash) == len(email_hash) == 64
    assert "0912345678" not in phone_hash

    flag_id = await flag_of(run_in_session, filed.json())
    director = await bearer_for(run_in_session, "giamdoc")
    shown = await client.get(f"/api/v1/flags/{flag_id}/contact", headers=director)
    assert shown.status_code == 200, shown.text
    assert (shown.json()["name"], shown.json()["phone"], shown.json()["email"]) == (
        "Trần Văn Bình",
        "0912 345 678",
        "Binh.Tran@Example.vn",
    )
    await login(client, "giamsat")
    page = await client.get(f"/dashboard/inbox/{flag_id}", params={"contact": "1"})
    assert page.status_code == 200
    assert "0912 345 678" in page.text
    assert "Binh.Tran@Example.vn" in page.text


async def test_a_repeat_is_found_with_the_phone_or_email_written_differently_until_erasure(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, settings: Settings
) -> None:
    director = await bearer_for(run_in_session, "giamdoc")

    async def file_and_close(**changes: Any) -> dict[str, Any]:
        filed = (await client.post("/api/v1/complaints", json=complaint(**changes))).json()
        flag_id = await flag_of(run_in_session, filed)
        closed = await client.post(
            f"/api/v1/flags/{flag_id}/status", json={"status": "closed", "text": "Đã xử lý."}, headers=director
        )
        assert closed.status_code == 200, closed.text
        return filed

    async def repeat_of(filed: dict[str, Any]) -> uuid.UUID | None:
        stored = await run_in_session(lambda s: s.get(Complaint, uuid.UUID(filed["id"])))
        return stored.repeat_of_id  # type: ignore[no-any-return]

    first = await file_and_close(email=None)
    by_phone = await file_and_close(phone="+84912345678", email=None, text="Lại bị gợi ý bồi dưỡng.")
    assert await repeat_of(by_phone) == uuid.UUID(first["id"])

    other = await file_and_close(phone=None, email="Lan@Example.VN", text="Bị hẹn lại nhiều lần.")
    by_email = (
        await client.post("/api/v1/complaints", json=complaint(phone=None, email="lan@example.vn", text="Vẫn thế."))
    ).json()
    assert await repeat_of(other) is None
    assert await repeat_of(by_email) == uuid.UUID(other["id"])

    stranger = (await client.post("/api/v1/complaints", json=complaint(phone="0912 345 679", email=None))).json()
    assert await repeat_of(stranger) is None

    later = datetime.now(UTC) + timedelta(days=31)
    assert await run_in_session(lambda s: erase_ended_contacts(s, settings, now=later)) == 3
    erased = [row for row in await raw_rows(settings) if row[0] is None and row[1] is None and row[2] is None]
    assert len(erased) == 3
    assert all(row[3] is None and row[4] is None for row in erased)  # the hashes go with the details
    after = (await client.post("/api/v1/complaints", json=complaint(text="Lần nữa."))).json()
    assert await repeat_of(after) is None


async def test_rotate_data_moves_every_value_to_the_new_key_and_is_safe_to_run_twice(
    demo: None, client: AsyncTestClient[Any], settings: Settings
) -> None:
    for changes in ({}, {"name": None, "email": None}, {"phone": None, "email": "hoa@example.vn", "name": "Lý Hoa"}):
        assert (await client.post("/api/v1/complaints", json=complaint(**changes))).status_code == 201
    await client.post("/api/v1/complaints", json=complaint(name=None, phone=None, email=None, consent=False))
    before = await read_contacts(settings)
    old_hashes = [row[3:] for row in await raw_rows(settings)]

    new = rotated(settings)
    result = await survey_api(new, "keys", "rotate-data")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Re-encrypted 3 of 3 complaint(s) with contact details under data key '2'."
    rows = await raw_rows(settings)
    assert [value[:5] for row in rows[:3] for value in row[:3] if value is not None] == ["v1:2:"] * 6
    assert rows[3][:3] == (None, None, None)
    assert [row[3:] for row in rows][:3] != old_hashes[:3]  # the keyed hashes follow the key

    again = await survey_api(new, "keys", "rotate-data")
    assert again.output.strip() == "Re-encrypted 0 of 3 complaint(s) with contact details under data key '2'."
    only_new = rotated(settings, data_keys_old="")  # the old key can go now
    assert await read_contacts(only_new) == before
    assert before[0] == ("Trần Văn Bình", "0912 345 678", "Binh.Tran@Example.vn")


async def test_rotate_data_shows_progress_on_a_large_table(
    demo: None, client: AsyncTestClient[Any], settings: Settings
) -> None:
    for _ in range(3):
        assert (await client.post("/api/v1/complaints", json=complaint())).status_code == 201
    result = await survey_api(rotated(settings), "keys", "rotate-data", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "  2/3 complaints checked",
        "  3/3 complaints checked",
        "Re-encrypted 3 of 3 complaint(s) with contact details under data key '2'.",
    ]


async def test_a_value_under_an_old_key_reads_while_that_key_is_configured(
    demo: None, client: AsyncTestClient[Any], settings: Settings
) -> None:
    assert (await client.post("/api/v1/complaints", json=complaint())).status_code == 201
    with_old = rotated(settings)
    assert await read_contacts(with_old) == [("Trần Văn Bình", "0912 345 678", "Binh.Tran@Example.vn")]
    without_old = rotated(settings, data_keys_old="")
    with pytest.raises(UndecryptableValue, match="data key '1', which is not configured"):
        await read_contacts(without_old)
    result = await survey_api(without_old, "keys", "rotate-data")
    assert result.exit_code == 1
    assert "data key '1', which is not configured" in result.output
    changed_in_place = rotated(settings, data_key_id="1", data_keys_old="")  # a new key under the old id
    with pytest.raises(UndecryptableValue, match="without a new SURVEY_DATA_KEY_ID"):
        await read_contacts(changed_in_place)


async def test_a_repeat_is_found_before_rotate_data_has_run(
    demo: None, client: AsyncTestClient[Any], run_in_session: Any, settings: Settings
) -> None:
    """Hashes stored under the old key still match while it is configured."""
    filed = (await client.post("/api/v1/complaints", json=complaint())).json()
    director = await bearer_for(run_in_session, "giamdoc")
    flag_id = await flag_of(run_in_session, filed)
    await client.post(f"/api/v1/flags/{flag_id}/status", json={"status": "closed", "text": "Xong."}, headers=director)
    new = rotated(settings)
    from survey_api.app import create_app

    async with AsyncTestClient(app=create_app(new)) as rotated_client:
        again = (await rotated_client.post("/api/v1/complaints", json=complaint(phone="+84 912 345 678"))).json()
    config = db.alchemy_config(new)
    try:
        async with config.get_session() as session:
            stored = await session.get(Complaint, uuid.UUID(again["id"]))
            assert stored is not None
            assert stored.repeat_of_id == uuid.UUID(filed["id"])
    finally:
        await config.get_engine().dispose()


async def test_the_migration_encrypts_stored_rows_and_the_downgrade_restores_them(
    demo: None, client: AsyncTestClient[Any], settings: Settings
) -> None:
    assert (await client.post("/api/v1/complaints", json=complaint())).status_code == 201
    assert (await client.post("/api/v1/complaints", json=complaint(name=None, email=None))).status_code == 201

    await anyio.to_thread.run_sync(db.downgrade, settings.database_url, "0013", settings)
    config = db.alchemy_config(settings)
    try:
        async with config.get_session() as session:
            plain = [
                tuple(row)
                for row in await session.execute(
                    text("SELECT contact_name, contact_phone, contact_email FROM complaint ORDER BY received_at")
                )
            ]
    finally:
        await config.get_engine().dispose()
    assert plain == [("Trần Văn Bình", "0912 345 678", "Binh.Tran@Example.vn"), (None, "0912 345 678", None)]

    await anyio.to_thread.run_sync(db.upgrade, settings.database_url, "head", settings)
    rows = await raw_rows(settings)
    assert [value[:5] for row in rows for value in row[:3] if value is not None] == ["v1:1:"] * 4
    assert rows[0][3] == rows[1][3]  # the same phone, the same keyed hash
    assert rows[0][4] is not None
    assert rows[1][4] is None
    assert await read_contacts(settings) == [
        ("Trần Văn Bình", "0912 345 678", "Binh.Tran@Example.vn"),
        (None, "0912 345 678", None),
    ]
