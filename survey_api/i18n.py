"""The message catalogue (Vietnamese first, English second) and locale-aware number and date formats."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LANGUAGES = ("vi", "en")
LOCALES = {"vi": "vi_VN", "en": "en_GB"}

# One catalogue for every user-facing string. Keys are grouped by page; kiosk and dashboard add theirs
# through ``register``.
MESSAGES: dict[str, dict[str, str]] = {
    "app.name": {"vi": "Hài Lòng", "en": "Hài Lòng"},
    "app.tagline": {
        "vi": "Đánh giá sự hài lòng của người dân, doanh nghiệp",
        "en": "Citizen and business satisfaction",
    },
    "lang.switch": {"vi": "English", "en": "Tiếng Việt"},
    "lang.other": {"vi": "en", "en": "vi"},
    "login.title": {"vi": "Đăng nhập", "en": "Sign in"},
    "login.username": {"vi": "Tên đăng nhập", "en": "User name"},
    "login.password": {"vi": "Mật khẩu", "en": "Password"},
    "login.submit": {"vi": "Đăng nhập", "en": "Sign in"},
    "login.failed": {
        "vi": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "en": "Wrong user name or password.",
    },
    "login.throttled": {
        "vi": "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút (lúc {time}).",
        "en": "Too many failed sign-ins. Please try again in {minutes} minutes (at {time}).",
    },
    "logout": {"vi": "Đăng xuất", "en": "Sign out"},
    "home.title": {"vi": "Trang quản trị", "en": "Administration"},
    "home.welcome": {"vi": "Xin chào, {name}", "en": "Welcome, {name}"},
    "home.role": {"vi": "Vai trò", "en": "Role"},
    "home.scope": {"vi": "Phạm vi", "en": "Scope"},
    "home.scope_all": {"vi": "Toàn hệ thống", "en": "Everything"},
    "home.catalogue": {"vi": "Danh mục", "en": "Catalogue"},
    "home.api": {"vi": "Tài liệu API (OpenAPI)", "en": "API description (OpenAPI)"},
    "kind.units": {"vi": "Đơn vị hành chính", "en": "Administrative units"},
    "kind.agencies": {"vi": "Cơ quan chuyên môn", "en": "Agencies"},
    "kind.centres": {"vi": "Trung tâm, Bộ phận Một cửa", "en": "Centres and one-stop offices"},
    "kind.counters": {"vi": "Quầy tiếp nhận", "en": "Counters"},
    "kind.staff": {"vi": "Cán bộ, công chức", "en": "Staff"},
    "kind.procedures": {"vi": "Thủ tục hành chính", "en": "Procedures"},
    "role.admin": {"vi": "Quản trị hệ thống", "en": "Administrator"},
    "role.province": {"vi": "Văn phòng UBND tỉnh", "en": "Province office"},
    "role.director": {"vi": "Giám đốc trung tâm", "en": "Centre director"},
    "role.supervisor": {"vi": "Trưởng bộ phận", "en": "Supervisor"},
    "role.staff": {"vi": "Cán bộ, công chức", "en": "Staff member"},
    "role.viewer": {"vi": "Người xem", "en": "Viewer"},
    "error.title": {"vi": "Có lỗi xảy ra", "en": "Something went wrong"},
    "error.404": {"vi": "Không tìm thấy trang bạn cần.", "en": "The page was not found."},
    "error.403": {"vi": "Bạn không có quyền xem trang này.", "en": "You may not see this page."},
    "error.503": {
        "vi": "Cơ sở dữ liệu tạm thời không sẵn sàng; thông tin vừa gửi (nếu có) chưa được lưu. "
        "Vui lòng thử lại sau ít phút.",
        "en": "The database is briefly unavailable; anything just sent was not saved. "
        "Please try again in a few minutes.",
    },
    "error.fields": {
        "vi": "Thông tin gửi lên chưa hợp lệ ở: {fields}. Vui lòng quay lại, sửa và gửi lại.",
        "en": "What was sent is not valid in: {fields}. Please go back, correct it and send it again.",
    },
    "error.generic": {
        "vi": "Yêu cầu không thực hiện được. Vui lòng thử lại.",
        "en": "The request could not be completed. Please try again.",
    },
    "error.home": {"vi": "Về trang chủ", "en": "Back to the start"},
}


def register(messages: Mapping[str, Mapping[str, str]]) -> None:
    """Add a package's messages to the catalogue (kiosk and dashboard call this at import)."""
    for key, texts in messages.items():
        MESSAGES[key] = dict(texts)


def translate(key: str, lang: str = "vi", **values: Any) -> str:
    """The text for ``key`` in ``lang`` (Vietnamese if the language has none), with ``{values}`` filled."""
    texts = MESSAGES.get(key)
    if texts is None:
        return key
    text = texts.get(lang) or texts["vi"]
    return text.format(**values) if values else text


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, **values: Any) -> str:
        return translate(key, lang, **values)

    return t


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


def page_context(request: Any) -> dict[str, Any]:
    """What every page template gets: language, translator and formatters."""
    lang = request_language(request)
    return {
        "lang": lang,
        "other_lang": translate("lang.other", lang),
        "t": translator(lang),
        "fmt_int": lambda v: format_int(v, lang),
        "fmt_pct": lambda v: format_pct(v, lang),
        "fmt_day": lambda v: format_day(v, lang, request.app.state.settings.timezone),
        "user": getattr(request, "scope", {}).get("user"),
    }
