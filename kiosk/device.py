"""The counter kiosk: one page for a paired tablet, plus the service worker that keeps it loading offline.

The page is a shell: texts (every language of the catalogues) and timings go in as JSON; ``static/kiosk/*.js``
pairs the device, shows the screens, and queues every rating in IndexedDB until the server acknowledges it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Controller, Request, get
from litestar.response import File, Template

from survey_api.i18n import BASE_LANGUAGE, LANGUAGES, language_name, messages_for, page_context, translator

STATIC = Path(__file__).parent / "static" / "kiosk"
COMPLAINT_CATEGORIES = ("harassment", "rude", "wrong_guidance", "delay", "extra_fees", "other")
API = {
    "config": "/api/v1/kiosk/config",
    "heartbeat": "/api/v1/kiosk/heartbeat",
    "ratings": "/api/v1/ratings",
    "complaints": "/api/v1/complaints",
}
HEARTBEAT_SECONDS = 60


def kiosk_boot(settings: Any) -> dict[str, Any]:
    """What the page's script needs before it can talk to the server: texts, timings, endpoints."""
    return {
        # every kiosk.* text of the catalogues, in every language (how long a phone number is kept filled in)
        "messages": messages_for("kiosk.", days=settings.complaint_contact_days),
        "languages": list(LANGUAGES),
        "base_language": BASE_LANGUAGE,
        # each language named in itself, as the language button shows the next one in turn
        "language_names": {lang: language_name(lang) for lang in LANGUAGES},
        "categories": list(COMPLAINT_CATEGORIES),
        "reset_seconds": settings.kiosk_reset_seconds,
        "idle_seconds": settings.kiosk_idle_seconds,
        "heartbeat_seconds": HEARTBEAT_SECONDS,
        "api": API,
        "service_worker": "/kiosk/sw.js",
    }


class KioskPage(Controller):
    """Public: the device token lives in the tablet's browser, never in the page."""

    path = "/kiosk"
    include_in_schema = False

    @get("/", operation_id="kiosk_page", cache=False)
    async def page(self, request: Request[Any, Any, Any]) -> Template:
        """The kiosk's single page: pairing, rating, reasons, complaint and thank-you screens."""
        context = page_context(request)
        context["lang"] = BASE_LANGUAGE  # a kiosk always starts in Vietnamese; the citizen may switch
        context["t"] = translator(BASE_LANGUAGE)
        others = [lang for lang in LANGUAGES if lang != BASE_LANGUAGE]
        context["switch_to"] = (others[0], language_name(others[0])) if others else (BASE_LANGUAGE, "")
        return Template(
            "kiosk/app.html",
            context={
                **context,
                "boot": kiosk_boot(request.app.state.settings),
                "categories": COMPLAINT_CATEGORIES,
            },
        )

    @get("/sw.js", operation_id="kiosk_service_worker", cache=False)
    async def service_worker(self) -> File:
        """The service worker, served from /kiosk/ so that its scope covers the kiosk page."""
        return File(
            STATIC / "sw.js",
            filename="sw.js",
            media_type="text/javascript",
            content_disposition_type="inline",
            headers={"Cache-Control": "no-cache"},
        )
