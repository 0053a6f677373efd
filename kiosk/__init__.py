"""The tablet kiosk and the citizen's phone rating page. Uses ``survey_api`` services only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEMPLATE_DIRS = [Path(__file__).parent / "templates"]
STATIC_DIRS = [Path(__file__).parent / "static"]
# Reachable without a login: the kiosk page authenticates its API calls with the device token.
PUBLIC_PATHS = ["^/kiosk(/|$)"]


def routes() -> list[Any]:
    from kiosk.complaints import ComplaintPages
    from kiosk.device import KioskPage
    from kiosk.phone import PhoneRatingPage

    return [ComplaintPages, PhoneRatingPage, KioskPage]
