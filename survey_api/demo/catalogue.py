"""The demo province's catalogue (``catalogue.json``: units, agencies, centres, counters, staff, procedures and
one login per role), as the catalogue import and the account service take it."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.services import AccountService
from survey_api.org.schemas import CatalogueDocument

DEMO_PASSWORD = "hailong-demo"  # noqa: S105 - printed by make run; demo logins only

_DATA: dict[str, Any] = json.loads(resources.files(__package__).joinpath("catalogue.json").read_text("utf-8"))
UNITS: list[dict[str, Any]] = _DATA["units"]
AGENCIES: list[dict[str, Any]] = _DATA["agencies"]
CENTRES: list[dict[str, Any]] = _DATA["centres"]
COUNTERS: list[dict[str, Any]] = _DATA["counters"]
PROCEDURES: list[dict[str, Any]] = _DATA["procedures"]
USERS: list[dict[str, Any]] = _DATA["users"]
STAFF_NAMES: list[tuple[str, str | None, str]] = [
    (s["counter_code"], s["agency_code"], s["full_name"]) for s in _DATA["staff"]
]
"""(counter, agency, name) of each staff member, in the order of their codes CB-001, CB-002…"""
_CENTRE_OF = {c["code"]: c["centre_code"] for c in COUNTERS}
STAFF: list[dict[str, Any]] = [
    {
        "code": f"CB-{i:03d}",
        "full_name": name,
        "centre_code": _CENTRE_OF[counter],
        "agency_code": agency,
        "title": "Công chức tiếp nhận và trả kết quả",
    }
    for i, (counter, agency, name) in enumerate(STAFF_NAMES, start=1)
]


def catalogue_document() -> CatalogueDocument:
    return CatalogueDocument(
        units=UNITS, agencies=AGENCIES, centres=CENTRES, counters=COUNTERS, staff=STAFF, procedures=PROCEDURES
    )


async def create_logins(session: AsyncSession) -> None:
    """The demo logins that do not exist yet, one per role, all with ``DEMO_PASSWORD``."""
    accounts = AccountService(session)
    for user in USERS:
        if await accounts.by_username(user["username"]) is None:
            await accounts.create_user(password=DEMO_PASSWORD, **user)
