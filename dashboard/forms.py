"""The dashboard's HTML forms, as the framework decodes them (``URLEncodedBody``).

Every field is text with an empty default, so a form sent half-filled still reaches its handler, which says on the
page which field is wrong (as a person expects), instead of a bare 400. Unknown fields (the CSRF token) are ignored.
"""

from __future__ import annotations

import msgspec


class NewLoginForm(msgspec.Struct):
    username: str = ""
    full_name: str = ""
    role: str = ""
    scope: str = ""
    staff: str = ""
    password: str = ""

    def values(self) -> dict[str, str]:
        """What the page shows again after a mistake: the fields as typed (trimmed), never the password."""
        return {
            "username": self.username.strip().lower(),
            "full_name": self.full_name.strip(),
            "role": self.role.strip(),
            "scope": self.scope.strip(),
            "staff": self.staff.strip(),
        }


class PasswordForm(msgspec.Struct):
    password: str = ""


class ActiveForm(msgspec.Struct):
    active: str = ""
    """``1`` lets the login in again, anything else stops it."""


class FlagActionForm(msgspec.Struct):
    """One form for the inbox item's actions: ``text`` for explanations, questions, notes and status reasons."""

    text: str = ""
    username: str = ""
    status: str = ""


class PairKioskForm(msgspec.Struct):
    centre_code: str = ""
    counter_code: str = ""
    name: str = ""


class DutyForm(msgspec.Struct):
    staff_code: str = ""
