"""Encryption of personal data at rest: the stored form, keys by id, and the normalised values behind the hashes."""

from __future__ import annotations

import pytest

from survey_api.crypto import (
    DataCipher,
    UndecryptableValue,
    ciphertext_length,
    email_hash,
    key_id_of,
    normalise_email,
    normalise_phone,
    phone_hash,
)

KEY = "unit-data-key-" + "q" * 40


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("0912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("+84 912-345-678", "0912345678"),
        ("0084 912 345 678", "0912345678"),
        ("(0290) 3.812.345", "02903812345"),
    ],
)
def test_phones_are_compared_as_digits_with_84_as_a_leading_zero(written: str, normalised: str) -> None:
    assert normalise_phone(written) == normalised


def test_emails_are_compared_in_lower_case_without_surrounding_spaces() -> None:
    assert normalise_email("  Binh.Tran@Example.VN ") == "binh.tran@example.vn"


def test_a_value_is_stored_under_its_key_id_and_read_back() -> None:
    cipher = DataCipher("k2", {"k2": KEY})
    stored = cipher.encrypt("Trần Văn Bình", "complaint.contact_name")
    assert stored.startswith("v1:k2:")
    assert key_id_of(stored) == "k2"
    assert stored != cipher.encrypt("Trần Văn Bình", "complaint.contact_name")  # a fresh nonce each time
    assert cipher.decrypt(stored, "complaint.contact_name") == "Trần Văn Bình"
    with pytest.raises(UndecryptableValue):  # moved to another column, it does not decrypt
        cipher.decrypt(stored, "complaint.contact_email")


def test_the_longest_value_fits_its_column() -> None:
    cipher = DataCipher("a-sixteen-char-i", {"a-sixteen-char-i": KEY})
    for chars in (20, 200, 255):
        assert len(cipher.encrypt("𝔸" * chars, "c")) == ciphertext_length(chars)  # four UTF-8 bytes a character


def test_keyed_hashes_match_however_written_and_depend_on_the_key() -> None:
    one, two = DataCipher("1", {"1": KEY}), DataCipher("2", {"2": KEY + "!"})
    assert phone_hash(one, "0912 345 678") == phone_hash(one, "+84912345678")
    assert email_hash(one, "Lan@Example.vn") == email_hash(one, "lan@example.vn")
    assert phone_hash(one, "0912 345 678") != phone_hash(two, "0912 345 678")
    assert phone_hash(one, None) is None
