"""Constraint aliases and envelopes shared by every domain's msgspec schemas."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter
from msgspec import Meta

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]*$"
"""Codes of units, centres, agencies, procedures, counters and staff: letters, digits, '.', '_' or '-'."""
SPACE = r"\s\x1c-\x1f\x85\ufeff"
"""White space in a character class, the same for Python's ``re`` (which checks the input) and the JSON Schema
dialect of the OpenAPI document (ECMA-262): each ``\\s`` alone takes characters the other does not (``\\x1c``-``\\x1f``
and ``\\x85`` in Python, ``\\ufeff`` in ECMA-262)."""
Code = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=40,
        pattern=CODE_PATTERN,
        description="Official or local code: letters, digits, '.', '_' or '-'",
        examples=["1.004227"],
    ),
]
UnitCode = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=20,
        pattern=CODE_PATTERN,
        description="Administrative unit code (the official one: '96', '969', '32209')",
        examples=["969"],
    ),
]
Name = Annotated[str, Meta(min_length=1, max_length=255)]
ShortName = Annotated[str, Meta(min_length=1, max_length=200)]
"""A unit's name, a person's name or title, a procedure's field: stored in 200 characters."""
LongName = Annotated[str, Meta(min_length=1, max_length=500)]
MAX_OFFSET = 2**31 - 1
"""The largest offset a list accepts: far past any list's end, and a number every database takes."""
LimitQuery = Annotated[int, QueryParameter(ge=1, le=500, description="Page size")]
OffsetQuery = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Rows to skip")]

T = TypeVar("T")


class Page(msgspec.Struct, Generic[T]):
    """One page of a list, with the total count matching the filters."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Request(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base for request bodies: immutable, keyword-only, and unknown fields are an error."""
