"""The message catalogue (Vietnamese first, English second) and locale-aware number and date formats.

Every user-facing text lives in a gettext catalogue, ``survey_api/locale/<lang>/LC_MESSAGES/messages.po``: the
msgid is a key (``login.title``), the msgstr that language's text, ``{name}`` marking a value filled in. The
catalogues are read once, when this module is imported; every language with a catalogue there is offered. How to
add one: docs/translating.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
BASE_LANGUAGE = "vi"
"""The language every page starts in, and the text shown when another language lacks one."""
REGIONS = {"vi": "vi_VN", "en": "en_GB"}
"""The Babel locale of numbers and dates, for the languages whose own default is not the one wanted."""


def N_(key: str) -> str:
    """Mark a key the code picks at run time (``f"role.{role}"``) so extraction lists it; returns it unchanged."""
    return key


def read_catalogues(directory: Path = LOCALE_DIR) -> dict[str, dict[str, str]]:
    """Each language's ``{key: text}``, from ``<directory>/<lang>/LC_MESSAGES/messages.po``.

    Empty and fuzzy translations are left out (the Vietnamese text stands in); a language Babel does not know
    stops the program, naming the file.
    """
    catalogues: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        lang = path.parent.parent.name
        try:
            Locale.parse(REGIONS.get(lang, lang))
        except (ValueError, UnknownLocaleError) as exc:
            raise RuntimeError(f"{path}: {lang!r} is not a language Babel knows ({exc})") from exc
        with path.open("rb") as po:
            catalog = read_po(po)
        catalogues[lang] = {
            message.id: message.string
            for message in catalog
            if isinstance(message.id, str)
            and message.id
            and isinstance(message.string, str)
            and message.string
            and not message.fuzzy
        }
    if BASE_LANGUAGE not in catalogues:
        raise RuntimeError(f"{directory}: no {BASE_LANGUAGE}/LC_MESSAGES/{DOMAIN}.po")
    return catalogues


CATALOGUES = read_catalogues()
LANGUAGES = tuple(sorted(CATALOGUES, key=lambda lang: ({"vi": 0, "en": 1}.get(lang, 2), lang)))
"""Vietnamese, English, then every other language with a catalogue, by code."""
LOCALES = {lang: REGIONS.get(lang, lang) for lang in LANGUAGES}

if TYPE_CHECKING:
    Language = str
else:
    Language = Literal[LANGUAGES]
"""A language code with a catalogue: what settings and request bodies accept (a new catalogue widens it)."""


def translate(key: str, lang: str = BASE_LANGUAGE, **values: Any) -> str:
    """The text for ``key`` in ``lang`` (Vietnamese if the language has none), with ``{values}`` filled."""
    text = CATALOGUES.get(lang, {}).get(key) or CATALOGUES[BASE_LANGUAGE].get(key)
    if text is None:
        return key
    return text.format(**values) if values else text


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, **values: Any) -> str:
        return translate(key, lang, **values)

    return t


def messages_for(prefix: str, **values: Any) -> dict[str, dict[str, str]]:
    """Every language's texts of the keys starting with ``prefix`` (for pages that switch language by script).

    ``values`` fill the placeholders of the texts that have them; other placeholders stay for the script.
    """
    keys = sorted(key for key in CATALOGUES[BASE_LANGUAGE] if key.startswith(prefix))
    return {lang: {key: _fill(translate(key, lang), values) for key in keys} for lang in LANGUAGES}


def _fill(text: str, values: dict[str, Any]) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def format_int(value: int, lang: str = "vi") -> str:
    """1082 → ``1.082`` in Vietnamese, ``1,082`` in English."""
    return format_decimal(value, locale=LOCALES[lang])


def format_pct(value: Decimal | float | None, lang: str = "vi", digits: int = 2) -> str:
    """98.87 → ``98,87%`` in Vietnamese, ``98.87%`` in English; None → an em dash."""
    if value is None:
        return "—"
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=LOCALES[lang]) + "%"


def format_day(value: date | datetime, lang: str = "vi", tz: str = "Asia/Ho_Chi_Minh") -> str:
    """dd/mm/yyyy in both languages (the form Vietnamese offices use)."""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz)).date()
    return format_date(value, format="dd/MM/yyyy", locale=LOCALES[lang])


def format_moment(value: datetime, lang: str = "vi", tz: str = "Asia/Ho_Chi_Minh") -> str:
    """dd/mm/yyyy HH:mm in local time."""
    return format_datetime(value, format="dd/MM/yyyy HH:mm", tzinfo=ZoneInfo(tz), locale=LOCALES[lang])


def request_language(request: Any) -> str:
    """``?lang=`` first, then the ``lang`` cookie, then the configured default."""
    lang = request.query_params.get("lang")
    if lang in LANGUAGES:
        return str(lang)
    lang = request.cookies.get("lang")
    if lang in LANGUAGES:
        return str(lang)
    return str(request.app.state.settings.default_language)


def language_name(lang: str) -> str:
    """The language's name in itself ("Tiếng Việt", "English"), as a link to switch to it shows it."""
    return translate("lang.name", lang)


def page_context(request: Any) -> dict[str, Any]:
    """What every page template gets: language, the others to switch to, translator and formatters."""
    lang = request_language(request)
    return {
        "lang": lang,
        "other_languages": [(other, language_name(other)) for other in LANGUAGES if other != lang],
        "languages": LANGUAGES,
        "t": translator(lang),
        "fmt_int": lambda v: format_int(v, lang),
        "fmt_pct": lambda v: format_pct(v, lang),
        "fmt_day": lambda v: format_day(v, lang, request.app.state.settings.timezone),
        "user": getattr(request, "scope", {}).get("user"),
    }
