"""Constraint aliases and envelopes shared by every domain's msgspec schemas."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

import msgspec
from msgspec import Meta

Code = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$",
        description="Official or local code: letters, digits, '.', '_' or '-'",
        examples=["1.004227"],
    ),
]
Name = Annotated[str, Meta(min_length=1, max_length=255)]
LongName = Annotated[str, Meta(min_length=1, max_length=500)]
Limit = Annotated[int, Meta(ge=1, le=500)]
Offset = Annotated[int, Meta(ge=0)]

T = TypeVar("T")


class Page(msgspec.Struct, Generic[T]):
    """One page of a list, with the total count matching the filters."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Request(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base for request bodies: immutable, keyword-only, and unknown fields are an error."""
