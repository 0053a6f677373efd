"""The gettext catalogues: every key translated in every language, the same placeholders, no key missing or unused."""

from __future__ import annotations

import re
import shutil
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from survey_api.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, LOCALES, read_catalogues

ROOT = Path(__file__).resolve().parents[2]
PO_FILES = sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
KEYWORDS = {"t": None, "translate": None, "N_": None}  # as `make messages` extracts them


def _read(path: Path) -> dict[str, str]:
    with path.open("rb") as f:
        catalog = read_po(f)
    assert not catalog.obsolete, f"{path}: obsolete entries (#~) to delete or revive: {sorted(catalog.obsolete)}"
    return {m.id: "" if m.fuzzy else m.string for m in catalog if m.id}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _keys_in_code() -> dict[str, list[str]]:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, list[str]] = {}
    for package in ("survey_api", "kiosk", "dashboard"):
        for filename, lineno, key, _, _ in extract_from_dir(ROOT / package, method_map, options_map, keywords=KEYWORDS):
            found.setdefault(key, []).append(f"{package}/{filename}:{lineno}")
    return found


def test_vietnamese_and_english_come_first() -> None:
    assert LANGUAGES[:2] == ("vi", "en")
    assert {path.parent.parent.name for path in PO_FILES} == set(LANGUAGES)


@pytest.mark.parametrize("path", PO_FILES, ids=lambda p: p.parent.parent.name)
def test_every_key_has_a_text_with_the_same_placeholders(path: Path) -> None:
    base = _read(LOCALE_DIR / "vi" / "LC_MESSAGES" / f"{DOMAIN}.po")
    texts = _read(path)
    assert sorted(set(base) - set(texts)) == [], "keys missing from this language"
    assert sorted(set(texts) - set(base)) == [], "keys this language has and Vietnamese has not"
    untranslated = sorted(key for key, text in texts.items() if not text)
    assert untranslated == [], "keys without a text (or fuzzy)"
    differ = {
        key: (sorted(_placeholders(base[key])), sorted(_placeholders(text)))
        for key, text in texts.items()
        if _placeholders(text) != _placeholders(base[key])
    }
    assert differ == {}, "placeholders differ from Vietnamese"


def test_the_code_uses_only_keys_of_the_catalogue_and_every_key_is_used() -> None:
    used = _keys_in_code()
    known = set(read_catalogues()["vi"])
    assert {key: where for key, where in used.items() if key not in known} == {}, "keys missing from the catalogue"
    # A key no code names would be marked obsolete by `make messages`: list computed keys with N_().
    assert sorted(known - set(used)) == [], "keys no code uses"


def test_the_template_is_up_to_date() -> None:
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    assert template == set(_keys_in_code()), "run `make messages`"


def test_a_new_catalogue_is_a_new_language(tmp_path: Path) -> None:
    shutil.copytree(LOCALE_DIR, tmp_path, dirs_exist_ok=True)
    french = tmp_path / "fr" / "LC_MESSAGES"
    french.mkdir(parents=True)
    po = (LOCALE_DIR / "en" / "LC_MESSAGES" / f"{DOMAIN}.po").read_text(encoding="utf-8")
    po = po.replace('"Language: en\\n"', '"Language: fr\\n"')
    po = re.sub(r'msgid "login.title"\nmsgstr ".*"', 'msgid "login.title"\nmsgstr "Connexion"', po)
    po = re.sub(r'msgid "login.submit"\nmsgstr ".*"', 'msgid "login.submit"\nmsgstr ""', po)
    (french / f"{DOMAIN}.po").write_text(po, encoding="utf-8")
    catalogues = read_catalogues(tmp_path)
    assert set(catalogues) == {"vi", "en", "fr"}
    assert catalogues["fr"]["login.title"] == "Connexion"
    assert "login.submit" not in catalogues["fr"]  # an empty text is left out: the Vietnamese one stands in


def test_a_catalogue_of_a_language_babel_does_not_know_stops_the_program(tmp_path: Path) -> None:
    shutil.copytree(LOCALE_DIR, tmp_path, dirs_exist_ok=True)
    shutil.copytree(tmp_path / "en", tmp_path / "zz")
    with pytest.raises(RuntimeError, match="zz"):
        read_catalogues(tmp_path)


def test_numbers_and_dates_follow_each_language() -> None:
    assert LOCALES["vi"] == "vi_VN"
    assert LOCALES["en"] == "en_GB"
