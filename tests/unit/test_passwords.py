"""The password rules: the shipped list of common passwords, the user name, longer passwords for wider roles."""

from __future__ import annotations

import pytest

from survey_api.accounts import security
from survey_api.demo import DEMO_PASSWORD


def test_the_common_list_ships_with_the_package() -> None:
    common = security.common_passwords()
    assert len(common) == 10_000
    assert {"123456", "password", "qwerty", "iloveyou"} <= common
    assert DEMO_PASSWORD not in common


@pytest.mark.parametrize(
    ("password", "username", "role", "reason"),
    [
        ("PASSWORD1", "lan", "staff", "common"),  # letter case aside
        ("Nguyen.Lan", "nguyen.lan", "staff", "username"),
        ("bay-ky-", "lan", "staff", "short"),
        ("chin-ky-t", "lan", "admin", "short"),
        ("chin-ky-t", "lan", "province", "short"),
    ],
)
def test_weak_passwords_are_refused_saying_why(password: str, username: str, role: str, reason: str) -> None:
    with pytest.raises(security.PasswordRefused) as refused:
        security.check_new_password(password, username=username, role=role)
    assert refused.value.reason == reason
    assert refused.value.min_length == (10 if role in ("admin", "province") else 8)


@pytest.mark.parametrize(
    ("password", "role"),
    [("tam-ky-t", "staff"), ("tam-ky-t", "director"), ("muoi-ky-tu", "admin"), (DEMO_PASSWORD, "province")],
)
def test_good_passwords_pass(password: str, role: str) -> None:
    security.check_new_password(password, username="lan", role=role)
