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
    from dashboard.integrity import IntegrityPages
    from dashboard.kiosks import KioskPages
    from dashboard.users import UserPages

    return [DashboardPages, InboxPages, IntegrityPages, KioskPages, AuditPages, UserPages]


def style_hashes() -> tuple[str, ...]:
    """Inline style elements the dashboard's pages need allowed (plotly.js writes them), as CSP hashes."""
    from dashboard.controllers import PLOTLY_JS
    from dashboard.plotly_styles import plotly_style_hashes

    return plotly_style_hashes(PLOTLY_JS)
