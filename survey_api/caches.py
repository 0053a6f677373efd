"""What an app remembers between requests, one set per app.

The hot path (a kiosk rating) asks for the same few things on every request: the kiosk a token belongs to, the active
survey, a staff member by code; reports ask for the catalogue's places and names. Each is remembered for a few
seconds (or, for the catalogue, while its version holds). They belong to the app (``create_app`` keeps one
``AppCaches`` in ``app.state.caches``), never to the module: two apps in one process — the tests, a command beside a
server — each on its own database, must never answer from what the other remembered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from survey_api.kiosks.services import KioskSnapshot
    from survey_api.ratings.surveys import Instrument

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """Values remembered for ``seconds`` each (``None``: until dropped), at most ``limit`` of them (when full, all
    are forgotten at once: simpler than eviction, and the limits are far above what a province holds). ``fill``
    looks a missing value up once however many requests wait for it."""

    def __init__(self, seconds: float | None, limit: int) -> None:
        self.seconds = seconds
        self.limit = limit
        self._values: dict[K, tuple[float, V]] = {}
        self._filling: dict[K, asyncio.Lock] = {}

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: K) -> tuple[bool, V | None]:
        """(found, value): a value that has expired is not found."""
        hit = self._values.get(key)
        if hit is None or (self.seconds is not None and hit[0] <= time.monotonic()):
            return False, None
        return True, hit[1]

    def put(self, key: K, value: V) -> V:
        if len(self._values) >= self.limit:
            self._values.clear()
            self._filling.clear()
        expires = time.monotonic() + self.seconds if self.seconds is not None else 0.0
        self._values[key] = (expires, value)
        return value

    async def fill(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The value remembered for ``key``, else ``await load()``, remembered."""
        found, value = self.get(key)
        if found:
            return value  # type: ignore[return-value]
        async with self._filling.setdefault(key, asyncio.Lock()):
            found, value = self.get(key)
            if found:
                return value  # type: ignore[return-value]
            return self.put(key, await load())

    def drop(self, matches: Callable[[V], bool]) -> None:
        """Forget every value ``matches`` says so of (a kiosk deactivated, its duty changed)."""
        for key in [key for key, (_, value) in self._values.items() if matches(value)]:
            self._values.pop(key, None)


KIOSK_SECONDS = 10.0
"""How long a kiosk token's look-up is remembered: a deactivated kiosk is refused within this time by every
process (at once by the one that deactivated it)."""
INSTRUMENT_SECONDS = 30.0
"""How long the active survey is remembered: a new version is used by every process within this time."""
STAFF_SECONDS = 60.0


@dataclass(slots=True)
class AppCaches:
    kiosks: Memo[str, KioskSnapshot | None] = field(default_factory=lambda: Memo(KIOSK_SECONDS, 10_000))
    """By the token's digest: the kiosk's snapshot, or None for a token that is no kiosk's."""
    instruments: Memo[str, Instrument] = field(default_factory=lambda: Memo(INSTRUMENT_SECONDS, 100))
    """The active version of each survey code."""
    staff: Memo[str, tuple[Any, Any, Any] | None] = field(default_factory=lambda: Memo(STAFF_SECONDS, 50_000))
    """By staff code: (id, centre, agency) of an active staff member, or None."""
    catalogue: Any = None
    """The reports' copy of the catalogue (``reports.catalogue.Catalogue``), checked against its version."""
