"""Security headers on every answer: pages, JSON, static files, redirects and error pages alike.

One ``before_send`` hook adds them as the response starts, so no handler, router or error path can forget them
(a 404 for an unknown address never reaches a route's middleware, but it does pass through ``before_send``).
docs/security.md says why each one is there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from litestar.types import Message, Scope

# Powerful browser features no page of the app uses (the kiosk's speech synthesis needs no permission).
DENIED_FEATURES = (
    "accelerometer",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
)


def content_security_policy(style_hashes: Iterable[str] = ()) -> str:
    """Everything from the app itself, nothing inline but the style elements allowed by their ``style_hashes``."""
    return "; ".join(
        [
            "default-src 'self'",  # also connect-src (the kiosk's API calls), worker-src (its service worker), fonts
            "script-src 'self'",
            " ".join(["style-src 'self'", *style_hashes]),
            "img-src 'self' data:",  # the pairing QR code is a data: SVG
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(style_hashes: Iterable[str] = ()) -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook adding the headers to every HTTP answer that does not already set its own."""
    headers = tuple(
        (name.encode(), value.encode())
        for name, value in (
            ("content-security-policy", content_security_policy(style_hashes)),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "same-origin"),  # a phone page's address holds its rating token
            ("permissions-policy", ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)),
        )
    )

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        present = {name.lower() for name, _ in message.get("headers", ())}
        message["headers"] = [*message.get("headers", ()), *(h for h in headers if h[0] not in present)]

    return add_security_headers
