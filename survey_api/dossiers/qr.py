"""QR codes for result slips, made with the ``qrcode`` library."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _code(data: str) -> qrcode.QRCode:  # type: ignore[type-arg]
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def qr_svg(data: str) -> bytes:
    """A scalable SVG (one path), sharp on any printer."""
    image = _code(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="utf-8")  # type: ignore[no-any-return]


def qr_png(data: str) -> bytes:
    buffer = io.BytesIO()
    _code(data).make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
