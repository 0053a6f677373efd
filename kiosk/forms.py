"""The citizen pages' HTML forms, as the framework decodes them (``URLEncodedBody``).

Every field is text with an empty default, so that a form sent half-filled reaches its handler, which shows it again
naming the field to correct. Unknown fields (the CSRF token) are ignored. The phone rating page reads its form
itself: its questions (``answer_<key>``) and reasons come from the versioned survey instrument, not from a fixed list.
"""

from __future__ import annotations

import msgspec

FORM_FIELDS = ("centre_code", "staff_code", "dossier_code", "category", "text", "name", "phone", "email")


class ComplaintForm(msgspec.Struct):
    id: str = ""
    token: str = ""
    """A QR rating link's token: the centre, staff member and dossier come from it."""
    centre_code: str = ""
    staff_code: str = ""
    dossier_code: str = ""
    category: str = ""
    text: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    consent: str = ""
    """``true`` when the box is ticked."""

    def values(self) -> dict[str, str]:
        """The fields as written (trimmed), to show again after a mistake."""
        return {key: getattr(self, key).strip() for key in (*FORM_FIELDS, "id")}


class TrackForm(msgspec.Struct):
    """The tracking page's forms: look up, say whether satisfied, add what was asked for."""

    tracking_code: str = ""
    secret: str = ""
    satisfied: str = ""
    text: str = ""
