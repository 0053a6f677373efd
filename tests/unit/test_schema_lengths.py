"""What the catalogue API accepts fits the columns it is stored in: PostgreSQL refuses a longer string (SQLite
keeps it), so a schema that allowed more answered 500 there (a 39-character unit code, a 255-character field)."""

from __future__ import annotations

from typing import Any

import pytest
from msgspec import inspect

from survey_api.org import models, schemas

KINDS = {
    "Unit": models.AdminUnit,
    "Agency": models.Agency,
    "Centre": models.Centre,
    "Counter": models.Counter,
    "Staff": models.Staff,
    "Procedure": models.Procedure,
}


def longest(kind: inspect.Type) -> int | None:
    """The longest string a field's type lets through (None: no limit, or not a string)."""
    if isinstance(kind, inspect.StrType):
        return kind.max_length if kind.max_length is not None else 10**9
    if isinstance(kind, inspect.Metadata):
        return longest(kind.type)
    if isinstance(kind, inspect.UnionType):
        lengths = [n for n in (longest(t) for t in kind.types) if n is not None]
        return max(lengths) if lengths else None
    return None


@pytest.mark.parametrize("struct", [f"{k}{s}" for k in KINDS for s in ("Write", "Update")])
def test_every_string_fits_its_column(struct: str) -> None:
    model: Any = KINDS[struct.removesuffix("Write").removesuffix("Update")]
    too_long = []
    for field in inspect.type_info(getattr(schemas, struct)).fields:
        column = model.__table__.c.get(field.name)
        room = getattr(column.type, "length", None) if column is not None else None
        allowed = longest(field.type)
        if room is not None and allowed is not None and allowed > room:
            too_long.append((field.name, allowed, room))
    assert too_long == []
