"""The tablet kiosk and the citizen's phone rating page. Uses ``survey_api`` services only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEMPLATE_DIRS = [Path(__file__).parent / "templates"]


def routes() -> list[Any]:
    return []
