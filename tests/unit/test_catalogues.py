"""The gettext catalogues: every key translated in every language, the same placeholders, no key missing or unused."""

from __future__ import annotations

import os
import re
import shutil
import string
import subprocess
import sys
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


THIRD_LANGUAGE_CHECK = """
import json
import re

import msgspec
from litestar.testing import TestClient
from survey_api.app import create_app
from survey_api.i18n import LANGUAGES
from survey_api.ratings.schemas import RatingCreate
from survey_api.settings import Settings

assert LANGUAGES == ("vi", "en", "fr"), LANGUAGES
rating = msgspec.convert({"id": "7f1c1f8e-4a52-4f1e-9a51-0d7a1b5e3c11", "overall": 5, "language": "fr"}, RatingCreate)
assert rating.language == "fr"
settings = Settings.from_env({}, database_url="sqlite+aiosqlite:///unused.db", secret_key="x" * 40,
                             data_key="y" * 44, var_dir="var", default_language="fr")
with TestClient(create_app(settings)) as client:
    french, vietnamese = client.get("/login").text, client.get("/login?lang=vi").text
    kiosk = client.get("/kiosk/").text
boot = json.loads(re.search(r'id="kiosk-boot">(.*?)</script>', kiosk, re.S)[1])
assert boot["language_names"] == {"vi": "Tiếng Việt", "en": "English", "fr": "Français"}, boot["language_names"]
print("Connexion" in french, 'lang="vi">Tiếng Việt</a>' in french, 'lang="en">English</a>' in french,
      'lang="fr">Français</a>' in vietnamese, 'lang="en">English</a>' in vietnamese)
"""


def test_a_third_language_is_offered_and_accepted_everywhere(tmp_path: Path) -> None:
    """A catalogue dropped in, no code touched: pages link to it, settings and request bodies accept its code."""
    for package in ("survey_api", "kiosk", "dashboard"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    french = tmp_path / "survey_api" / "locale" / "fr" / "LC_MESSAGES"
    french.mkdir(parents=True)
    po = (LOCALE_DIR / "en" / "LC_MESSAGES" / f"{DOMAIN}.po").read_text(encoding="utf-8")
    po = po.replace('"Language: en\\n"', '"Language: fr\\n"')
    po = re.sub(r'msgid "login.title"\nmsgstr ".*"', 'msgid "login.title"\nmsgstr "Connexion"', po)
    po = re.sub(r'msgid "lang.name"\nmsgstr ".*"', 'msgid "lang.name"\nmsgstr "Français"', po)
    (french / f"{DOMAIN}.po").write_text(po, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env = {k: v for k, v in env.items() if not k.startswith("SURVEY_")}
    done = subprocess.run(
        [sys.executable, "-c", THIRD_LANGUAGE_CHECK], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["True"] * 5, done.stdout
