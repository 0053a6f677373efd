"""Every kind of answer carries the security headers: pages, JSON, errors in both shapes, static files, redirects."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from dashboard.controllers import PLOTLY_JS
from dashboard.plotly_styles import plotly_style_hashes
from tests.helpers import login

pytestmark = pytest.mark.anyio
HTML = {"accept": "text/html"}
PERMISSIONS = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), hid=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), serial=(), usb=()"
)


def assert_secured(response: Any) -> None:
    policy = [part.strip() for part in response.headers["content-security-policy"].split(";")]
    style = next(part for part in policy if part.startswith("style-src "))
    assert policy == [
        "default-src 'self'",
        "script-src 'self'",
        style,
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    assert style == " ".join(["style-src 'self'", *plotly_style_hashes(PLOTLY_JS)])
    assert "unsafe-inline" not in style
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["permissions-policy"] == PERMISSIONS


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "content_type"),
    [
        ("GET", "/login", HTML, 200, "text/html; charset=utf-8"),
        ("GET", "/kiosk/", HTML, 200, "text/html; charset=utf-8"),
        ("GET", "/kiosk/sw.js", {}, 200, "text/javascript; charset=utf-8"),
        ("GET", "/phan-anh", HTML, 200, "text/html; charset=utf-8"),
        ("GET", "/tra-cuu", HTML, 200, "text/html; charset=utf-8"),
        ("GET", "/r/no-such-token", HTML, 404, "text/html; charset=utf-8"),  # the phone page's error page
        ("GET", "/health", {}, 200, "application/json"),
        ("GET", "/schema/openapi.json", {}, 200, "application/vnd.oai.openapi+json"),
        ("GET", "/api/v1/nothing-here", {}, 404, "application/json"),
        ("GET", "/api/v1/admin/centres", {}, 401, "application/json"),
        ("POST", "/api/v1/ratings", {}, 400, "application/json"),
        ("GET", "/static/nothing.css", HTML, 404, "text/html; charset=utf-8"),  # the HTML error page
        ("GET", "/static/app.css", {}, 200, "text/css; charset=utf-8"),
        ("GET", "/", {}, 302, "text/plain; charset=utf-8"),
        ("GET", "/dashboard/", HTML, 302, "text/plain; charset=utf-8"),  # to the login page
    ],
)
async def test_every_kind_of_answer_carries_the_security_headers(
    client: AsyncTestClient[Any], method: str, path: str, headers: dict[str, str], status: int, content_type: str
) -> None:
    response = await client.request(
        method, path, headers=headers, json={} if method == "POST" else None, follow_redirects=False
    )
    assert (response.status_code, response.headers["content-type"]) == (status, content_type)
    assert_secured(response)


async def test_pages_behind_the_login_and_compressed_files_carry_them_too(
    client: AsyncTestClient[Any], demo: None
) -> None:
    await login(client, "admin")
    home = await client.get("/dashboard/", headers=HTML)
    assert home.status_code == 200
    assert_secured(home)
    plotly_js = await client.get("/dashboard/assets/plotly.min.js", headers={"accept-encoding": "gzip"})
    assert (plotly_js.status_code, plotly_js.headers["content-encoding"]) == (200, "gzip")
    assert_secured(plotly_js)
