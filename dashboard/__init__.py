"""Directors' and staff pages. Uses ``survey_api`` services; ``survey_api`` never imports this package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEMPLATE_DIRS = [Path(__file__).parent / "templates"]
STATIC_DIRS = [Path(__file__).parent / "static"]


def routes() -> list[Any]:
    from dashboard.audit import AuditPages
    from dashboard.controllers import DashboardPages
    from dashboard.inbox import InboxPages
    from dashboard.kiosks import KioskPages
    from dashboard.users import UserPages

    return [DashboardPages, InboxPages, KioskPages, AuditPages, UserPages]
