"""A realistic demo province, Cà Mau, drawn from the seed articles: units, agencies, centres, counters,
staff, ~30 procedures and one login per role, plus (optionally) six months of dossiers and ratings.
Loading is idempotent (upsert by code; the activity is added once)."""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.scope import Scope
from survey_api.accounts.services import AccountService
from survey_api.caches import AppCaches
from survey_api.complaints.flags import flag_ratings
from survey_api.complaints.models import Flag
from survey_api.complaints.schemas import ComplaintCreate
from survey_api.complaints.services import ComplaintService
from survey_api.dossiers.models import Dossier, RatingToken
from survey_api.dossiers.services import DossierService
from survey_api.org.models import Agency, Centre, Counter, Procedure, Staff
from survey_api.org.schemas import CatalogueDocument, CatalogueImportResult
from survey_api.org.services import CatalogueService
from survey_api.ratings.models import Rating, Survey
from survey_api.reports.rebuild import rebuild
from survey_api.settings import Settings
from survey_api.subscribers import default_subscribers

DEMO_PASSWORD = "hailong-demo"  # noqa: S105 - printed by make run; demo logins only

UNITS: list[dict[str, Any]] = [
    {"code": "96", "name": "Tỉnh Cà Mau", "level": "province"},
    {"code": "964", "name": "Thành phố Cà Mau", "level": "district", "parent_code": "96"},
    {"code": "969", "name": "Huyện Cái Nước", "level": "district", "parent_code": "96"},
    {"code": "971", "name": "Huyện Năm Căn", "level": "district", "parent_code": "96"},
    {"code": "32002", "name": "Phường 5", "level": "commune", "parent_code": "964"},
    {"code": "32014", "name": "Phường 9", "level": "commune", "parent_code": "964"},
    {"code": "32209", "name": "Thị trấn Cái Nước", "level": "commune", "parent_code": "969"},
    {"code": "32212", "name": "Xã Tân Hưng", "level": "commune", "parent_code": "969"},
    {"code": "32248", "name": "Thị trấn Năm Căn", "level": "commune", "parent_code": "971"},
    {"code": "32251", "name": "Xã Hàm Rồng", "level": "commune", "parent_code": "971"},
]

AGENCIES: list[dict[str, Any]] = [
    {"code": "STNMT", "name": "Sở Tài nguyên và Môi trường", "unit_code": "96"},
    {"code": "VPDKDD", "name": "Văn phòng Đăng ký đất đai tỉnh Cà Mau", "unit_code": "96"},
    {"code": "SKHDT", "name": "Sở Kế hoạch và Đầu tư", "unit_code": "96"},
    {"code": "STP", "name": "Sở Tư pháp", "unit_code": "96"},
    {"code": "SXD", "name": "Sở Xây dựng", "unit_code": "96"},
    {"code": "SLDTBXH", "name": "Sở Lao động - Thương binh và Xã hội", "unit_code": "96"},
    {"code": "SGTVT", "name": "Sở Giao thông vận tải", "unit_code": "96"},
    {"code": "CT", "name": "Cục Thuế tỉnh Cà Mau", "unit_code": "96"},
    {"code": "CA", "name": "Công an tỉnh Cà Mau", "unit_code": "96"},
    {"code": "CNVPDK-964", "name": "Chi nhánh Văn phòng Đăng ký đất đai TP Cà Mau", "unit_code": "964"},
    {"code": "CNVPDK-969", "name": "Chi nhánh Văn phòng Đăng ký đất đai huyện Cái Nước", "unit_code": "969"},
    {"code": "CNVPDK-971", "name": "Chi nhánh Văn phòng Đăng ký đất đai huyện Năm Căn", "unit_code": "971"},
    {"code": "PTP-964", "name": "Phòng Tư pháp TP Cà Mau", "unit_code": "964"},
    {"code": "PTP-969", "name": "Phòng Tư pháp huyện Cái Nước", "unit_code": "969"},
    {"code": "PTP-971", "name": "Phòng Tư pháp huyện Năm Căn", "unit_code": "971"},
    {"code": "PKT-964", "name": "Phòng Kinh tế TP Cà Mau", "unit_code": "964"},
    {"code": "PTCKH-969", "name": "Phòng Tài chính - Kế hoạch huyện Cái Nước", "unit_code": "969"},
    {"code": "PTCKH-971", "name": "Phòng Tài chính - Kế hoạch huyện Năm Căn", "unit_code": "971"},
]

CENTRES: list[dict[str, Any]] = [
    {
        "code": "TTPVHCC-96",
        "name": "Trung tâm Giải quyết thủ tục hành chính tỉnh Cà Mau",
        "unit_code": "96",
        "address": "Số 2 Hùng Vương, Phường 5, TP Cà Mau",
    },
    {"code": "MC-964", "name": "Bộ phận Một cửa TP Cà Mau", "unit_code": "964", "address": "Phường 5, TP Cà Mau"},
    {"code": "MC-969", "name": "Bộ phận Một cửa huyện Cái Nước", "unit_code": "969", "address": "Thị trấn Cái Nước"},
    {"code": "MC-971", "name": "Bộ phận Một cửa huyện Năm Căn", "unit_code": "971", "address": "Thị trấn Năm Căn"},
    {"code": "MC-32014", "name": "Bộ phận Một cửa UBND Phường 9", "unit_code": "32014"},
    {"code": "MC-32212", "name": "Bộ phận Một cửa UBND xã Tân Hưng", "unit_code": "32212"},
    {"code": "MC-32251", "name": "Bộ phận Một cửa UBND xã Hàm Rồng", "unit_code": "32251"},
]

COUNTERS: list[dict[str, Any]] = [
    {"code": "TT96-Q01", "name": "Quầy 1 - Đất đai", "centre_code": "TTPVHCC-96", "agency_code": "VPDKDD"},
    {
        "code": "TT96-Q02",
        "name": "Quầy 2 - Tài nguyên và Môi trường",
        "centre_code": "TTPVHCC-96",
        "agency_code": "STNMT",
    },
    {"code": "TT96-Q03", "name": "Quầy 3 - Đăng ký kinh doanh", "centre_code": "TTPVHCC-96", "agency_code": "SKHDT"},
    {"code": "TT96-Q04", "name": "Quầy 4 - Tư pháp", "centre_code": "TTPVHCC-96", "agency_code": "STP"},
    {"code": "TT96-Q05", "name": "Quầy 5 - Xây dựng", "centre_code": "TTPVHCC-96", "agency_code": "SXD"},
    {
        "code": "TT96-Q06",
        "name": "Quầy 6 - Lao động, Thương binh và Xã hội",
        "centre_code": "TTPVHCC-96",
        "agency_code": "SLDTBXH",
    },
    {"code": "TT96-Q07", "name": "Quầy 7 - Giao thông vận tải", "centre_code": "TTPVHCC-96", "agency_code": "SGTVT"},
    {"code": "TT96-Q08", "name": "Quầy 8 - Thuế", "centre_code": "TTPVHCC-96", "agency_code": "CT"},
    {"code": "MC964-Q01", "name": "Quầy 1 - Đất đai", "centre_code": "MC-964", "agency_code": "CNVPDK-964"},
    {"code": "MC964-Q02", "name": "Quầy 2 - Tư pháp, hộ tịch", "centre_code": "MC-964", "agency_code": "PTP-964"},
    {"code": "MC964-Q03", "name": "Quầy 3 - Kinh tế", "centre_code": "MC-964", "agency_code": "PKT-964"},
    {"code": "MC969-Q01", "name": "Quầy 1 - Đất đai", "centre_code": "MC-969", "agency_code": "CNVPDK-969"},
    {"code": "MC969-Q02", "name": "Quầy 2 - Tư pháp", "centre_code": "MC-969", "agency_code": "PTP-969"},
    {"code": "MC971-Q01", "name": "Quầy 1 - Đất đai", "centre_code": "MC-971", "agency_code": "CNVPDK-971"},
    {"code": "MC971-Q02", "name": "Quầy 2 - Tài chính - Kế hoạch", "centre_code": "MC-971", "agency_code": "PTCKH-971"},
    {"code": "MC32014-Q01", "name": "Quầy tiếp nhận", "centre_code": "MC-32014"},
    {"code": "MC32212-Q01", "name": "Quầy tiếp nhận", "centre_code": "MC-32212"},
    {"code": "MC32251-Q01", "name": "Quầy tiếp nhận", "centre_code": "MC-32251"},
]

_STAFF_NAMES = [
    ("TT96-Q01", "VPDKDD", "Nguyễn Văn Hùng"),
    ("TT96-Q01", "VPDKDD", "Trần Thị Thu Hà"),
    ("TT96-Q02", "STNMT", "Lê Minh Tuấn"),
    ("TT96-Q03", "SKHDT", "Phạm Thị Ngọc Lan"),
    ("TT96-Q04", "STP", "Huỳnh Văn Phúc"),
    ("TT96-Q05", "SXD", "Võ Thị Kim Ngân"),
    ("TT96-Q06", "SLDTBXH", "Đặng Quốc Bảo"),
    ("TT96-Q07", "SGTVT", "Bùi Thanh Tâm"),
    ("TT96-Q08", "CT", "Lý Thị Hồng Nhung"),
    ("MC964-Q01", "CNVPDK-964", "Dương Văn Khải"),
    ("MC964-Q02", "PTP-964", "Tô Thị Mỹ Linh"),
    ("MC964-Q03", "PKT-964", "Châu Minh Trí"),
    ("MC969-Q01", "CNVPDK-969", "Nguyễn Thị Bích Tuyền"),
    ("MC969-Q02", "PTP-969", "Trương Văn Lực"),
    ("MC971-Q01", "CNVPDK-971", "Phan Thanh Sang"),
    ("MC971-Q02", "PTCKH-971", "Lâm Thị Diễm My"),
    ("MC32014-Q01", None, "Quách Văn Toàn"),
    ("MC32212-Q01", None, "Mai Thị Cẩm Tú"),
    ("MC32251-Q01", None, "Hồ Văn Đức"),
]
_CENTRE_OF = {c["code"]: c["centre_code"] for c in COUNTERS}

STAFF: list[dict[str, Any]] = [
    {
        "code": f"CB-{i:03d}",
        "full_name": name,
        "centre_code": _CENTRE_OF[counter],
        "agency_code": agency,
        "title": "Công chức tiếp nhận và trả kết quả",
    }
    for i, (counter, agency, name) in enumerate(_STAFF_NAMES, start=1)
]

# National catalogue codes in the form 1.00xxxx / 2.00xxxx (illustrative, with real procedure names).
PROCEDURES: list[dict[str, Any]] = [
    {
        "code": "1.004227",
        "name": "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
        "field": "Đất đai",
        "statutory_days": 30,
    },
    {
        "code": "1.003003",
        "name": "Đăng ký biến động quyền sử dụng đất do chuyển nhượng, tặng cho, thừa kế",
        "field": "Đất đai",
        "statutory_days": 10,
    },
    {"code": "1.002255", "name": "Cấp đổi Giấy chứng nhận quyền sử dụng đất", "field": "Đất đai", "statutory_days": 7},
    {
        "code": "1.004203",
        "name": "Đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất",
        "field": "Đất đai",
        "statutory_days": 3,
    },
    {"code": "1.001990", "name": "Xóa đăng ký thế chấp quyền sử dụng đất", "field": "Đất đai", "statutory_days": 3},
    {"code": "1.004217", "name": "Tách thửa hoặc hợp thửa đất", "field": "Đất đai", "statutory_days": 15},
    {
        "code": "1.000798",
        "name": "Cấp giấy phép khai thác, sử dụng nước dưới đất",
        "field": "Tài nguyên nước",
        "statutory_days": 30,
    },
    {
        "code": "1.004249",
        "name": "Thẩm định, phê duyệt báo cáo đánh giá tác động môi trường",
        "field": "Môi trường",
        "statutory_days": 30,
    },
    {
        "code": "2.001610",
        "name": "Đăng ký thành lập doanh nghiệp tư nhân",
        "field": "Thành lập và hoạt động doanh nghiệp",
        "statutory_days": 3,
    },
    {
        "code": "2.002041",
        "name": "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên",
        "field": "Thành lập và hoạt động doanh nghiệp",
        "statutory_days": 3,
    },
    {
        "code": "2.001199",
        "name": "Đăng ký thay đổi nội dung đăng ký doanh nghiệp",
        "field": "Thành lập và hoạt động doanh nghiệp",
        "statutory_days": 3,
    },
    {
        "code": "1.001612",
        "name": "Đăng ký thành lập hộ kinh doanh",
        "field": "Thành lập và hoạt động hộ kinh doanh",
        "statutory_days": 3,
    },
    {
        "code": "2.000635",
        "name": "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        "field": "Lý lịch tư pháp",
        "statutory_days": 10,
    },
    {
        "code": "2.000815",
        "name": "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        "field": "Chứng thực",
        "statutory_days": 1,
    },
    {"code": "1.001193", "name": "Đăng ký khai sinh", "field": "Hộ tịch", "statutory_days": 1},
    {"code": "1.000894", "name": "Đăng ký kết hôn", "field": "Hộ tịch", "statutory_days": 1},
    {"code": "1.000656", "name": "Đăng ký khai tử", "field": "Hộ tịch", "statutory_days": 1},
    {"code": "1.004884", "name": "Cấp bản sao trích lục hộ tịch", "field": "Hộ tịch", "statutory_days": 1},
    {
        "code": "1.009972",
        "name": "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        "field": "Hoạt động xây dựng",
        "statutory_days": 15,
    },
    {
        "code": "1.009974",
        "name": "Cấp giấy phép sửa chữa, cải tạo công trình",
        "field": "Hoạt động xây dựng",
        "statutory_days": 20,
    },
    {"code": "1.001776", "name": "Giải quyết hưởng trợ cấp thất nghiệp", "field": "Việc làm", "statutory_days": 20},
    {
        "code": "1.001758",
        "name": "Cấp giấy phép lao động cho người lao động nước ngoài",
        "field": "Việc làm",
        "statutory_days": 5,
    },
    {
        "code": "2.000286",
        "name": "Trợ cấp xã hội hằng tháng đối với người cao tuổi",
        "field": "Bảo trợ xã hội",
        "statutory_days": 12,
    },
    {
        "code": "1.002835",
        "name": "Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        "field": "Đường bộ",
        "statutory_days": 5,
    },
    {
        "code": "1.002809",
        "name": "Đăng ký khai thác tuyến vận tải hành khách cố định",
        "field": "Đường bộ",
        "statutory_days": 5,
    },
    {"code": "1.007747", "name": "Khai lệ phí trước bạ nhà, đất", "field": "Thuế", "statutory_days": 5},
    {"code": "1.007815", "name": "Miễn, giảm tiền sử dụng đất", "field": "Thuế", "statutory_days": 10},
    {
        "code": "1.001255",
        "name": "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dịch vụ lữ hành nội địa",
        "field": "Du lịch",
        "statutory_days": 10,
    },
    {
        "code": "1.003624",
        "name": "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
        "field": "An toàn thực phẩm",
        "statutory_days": 15,
    },
    {"code": "2.002154", "name": "Giải quyết khiếu nại lần đầu", "field": "Giải quyết khiếu nại", "statutory_days": 30},
]

# One login per role (user name, role, scope code, full name, staff code).
USERS: list[tuple[str, str, str | None, str, str | None]] = [
    ("admin", "admin", None, "Quản trị hệ thống", None),
    ("tinh", "province", "96", "Văn phòng UBND tỉnh Cà Mau", None),
    ("giamdoc", "director", "TTPVHCC-96", "Giám đốc Trung tâm", None),
    ("giamsat", "supervisor", "TTPVHCC-96", "Trưởng bộ phận tiếp nhận", None),
    ("canbo", "staff", "TTPVHCC-96", "Nguyễn Văn Hùng", "CB-001"),
    ("xem", "viewer", "969", "Lãnh đạo huyện Cái Nước", None),
]


def catalogue_document() -> CatalogueDocument:
    return CatalogueDocument(
        units=UNITS, agencies=AGENCIES, centres=CENTRES, counters=COUNTERS, staff=STAFF, procedures=PROCEDURES
    )


async def load_demo(
    session: AsyncSession, settings: Settings | None = None, *, with_activity: bool = True, tz: str = "Asia/Ho_Chi_Minh"
) -> CatalogueImportResult:
    """Upsert the demo catalogue and create the demo logins that do not exist yet; with ``with_activity``
    also six months of dossiers and ratings (once), so the dashboard has figures to show, and, given the
    ``settings`` (deadlines, the complaints' secret), the feedback they call for: flags and complaints."""
    result = await CatalogueService(session, Scope(role="admin")).bulk_upsert(catalogue_document())
    accounts = AccountService(session)
    for username, role, scope, full_name, staff in USERS:
        if await accounts.by_username(username) is None:
            await accounts.create_user(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                scope_code=scope,
                full_name=full_name,
                staff_code=staff,
            )
    if with_activity:
        await load_demo_activity(session, tz)
        if settings is not None:
            await load_demo_feedback(session, settings)
            await load_demo_links(session, settings)
    return result


# -- demo activity: dossiers and ratings -------------------------------------------------------------------
# Six months of 2026 for the Cà Mau centres, in the spirit of the seed articles: the province centre around
# 99% satisfied, Cái Nước ~98.8%, Năm Căn ~98%, TP Cà Mau ~97.9%; dossiers mostly resolved early (~79%),
# on time (~18%) and a few late (~3%). Deterministic: the same seed gives the same rows every time.
ACTIVITY_SEED = 20260601
ACTIVITY_FROM = date(2026, 6, 1)
ACTIVITY_TO = date(2026, 11, 20)
ACTIVITY_MARK = "H12.DEMO-000001"
"""The code of the first demo dossier: present means the activity is loaded already."""

# centre code → (dossiers, share of returned dossiers rated by QR, kiosk ratings, % satisfied, % late, % on time)
_ACTIVITY: dict[str, tuple[int, float, int, float, float, float]] = {
    "TTPVHCC-96": (850, 0.62, 650, 98.9, 2.4, 17.5),
    "MC-964": (680, 0.58, 520, 97.9, 4.6, 19.5),
    "MC-969": (280, 0.66, 230, 98.8, 2.0, 16.0),
    "MC-971": (220, 0.64, 180, 98.0, 3.2, 18.5),
    "MC-32014": (80, 0.55, 40, 99.0, 1.5, 15.0),
    "MC-32212": (60, 0.60, 30, 99.0, 1.0, 14.0),
    "MC-32251": (55, 0.58, 30, 98.5, 2.5, 16.0),
}
# How busy each counter is (relative); quiet counters stay below the minimum group size in some months.
_COUNTER_WEIGHT = {"TT96-Q01": 6, "TT96-Q02": 2, "TT96-Q03": 4, "TT96-Q04": 3, "TT96-Q07": 0.15, "TT96-Q08": 2}
_FIELDS_OF_AGENCY = {
    "VPDKDD": ("Đất đai",),
    "STNMT": ("Tài nguyên nước", "Môi trường"),
    "SKHDT": ("Thành lập và hoạt động doanh nghiệp",),
    "STP": ("Lý lịch tư pháp", "Chứng thực"),
    "SXD": ("Hoạt động xây dựng",),
    "SLDTBXH": ("Việc làm", "Bảo trợ xã hội"),
    "SGTVT": ("Đường bộ",),
    "CT": ("Thuế",),
    "PKT-964": ("Thành lập và hoạt động hộ kinh doanh", "Du lịch", "An toàn thực phẩm"),
    "PTCKH-969": ("Thành lập và hoạt động hộ kinh doanh",),
    "PTCKH-971": ("Thành lập và hoạt động hộ kinh doanh",),
    None: ("Hộ tịch", "Chứng thực", "Bảo trợ xã hội"),
}
_GOOD_REASONS = ("fast", "friendly", "clear_guidance", "convenient")
_NEUTRAL_REASONS = ("long_wait", "slow", "many_trips", "unclear_guidance", "clear_guidance")
_BAD_REASONS = ("long_wait", "slow", "many_trips", "unclear_guidance", "rude")
_LOCAL = timezone(timedelta(hours=7))  # Vietnam: UTC+7 all year


def _fields_for(agency: str | None) -> tuple[str, ...]:
    if agency and agency.startswith("CNVPDK"):
        return _FIELDS_OF_AGENCY["VPDKDD"]
    if agency and agency.startswith("PTP"):
        return ("Hộ tịch", "Chứng thực")
    return _FIELDS_OF_AGENCY.get(agency, _FIELDS_OF_AGENCY[None])


def _quota(n: int, shares: list[tuple[Any, float]], rng: random.Random) -> list[Any]:
    """``n`` values with the given percentage shares (the last takes the rest), shuffled."""
    values: list[Any] = []
    for value, pct in shares[:-1]:
        values += [value] * round(n * pct / 100)
    values += [shares[-1][0]] * max(0, n - len(values))
    rng.shuffle(values)
    return values[:n]


def _levels(n: int, satisfied_pct: float, rng: random.Random) -> list[int]:
    unhappy = 100 - satisfied_pct
    return _quota(
        n,
        [(3, unhappy * 0.6), (2, unhappy * 0.3), (1, unhappy * 0.1), (5, satisfied_pct * 0.68), (4, 0.0)],
        rng,
    )


def _reasons(level: int, late: bool, rng: random.Random) -> list[str]:
    if level >= 4:
        return rng.sample(_GOOD_REASONS, rng.choice((1, 1, 2))) if rng.random() < 0.45 else []
    if level == 3:
        return ["slow"] if late and rng.random() < 0.6 else rng.sample(_NEUTRAL_REASONS, 1)
    reasons = rng.sample(_BAD_REASONS, rng.choice((1, 2)))
    if late:
        reasons.append("slow")
    if level <= 2 and rng.random() < 0.15:
        reasons.append("harassment")
    return sorted(set(reasons))


def _office_moment(day: date, rng: random.Random) -> datetime:
    minute = rng.randrange(7 * 60 + 30, 16 * 60 + 45)
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=_LOCAL)


def _working_days(start: date, end: date) -> list[date]:
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _next_working(day: date, offset: int) -> date:
    """The working day ``offset`` working days after ``day`` (before it when negative)."""
    step = 1 if offset >= 0 else -1
    while offset:
        day += timedelta(days=step)
        if day.weekday() < 5:
            offset -= step
    return day


async def load_demo_activity(session: AsyncSession, tz: str = "Asia/Ho_Chi_Minh") -> int:
    """Insert the demo dossiers and ratings (once) and rebuild the rollups of their months.

    Returns the number of ratings added (0 when the activity is there already).
    """
    if await session.scalar(select(Dossier.id).where(Dossier.code == ACTIVITY_MARK)) is not None:
        return 0
    survey_id = await session.scalar(select(Survey.id).where(Survey.active.is_(True)).order_by(Survey.version.desc()))
    if survey_id is None:
        return 0
    ids = {
        model: {code: row_id for code, row_id in await session.execute(select(model.code, model.id))}
        for model in (Centre, Counter, Staff, Agency, Procedure)
    }
    procedures = {p["code"]: p for p in PROCEDURES}
    rng = random.Random(ACTIVITY_SEED)  # noqa: S311 - demo data, reproducible on purpose
    days = _working_days(ACTIVITY_FROM, ACTIVITY_TO)
    now = datetime.now(UTC)
    dossiers: list[dict[str, Any]] = []
    ratings: list[dict[str, Any]] = []
    sequence = 0

    def new_id() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    for centre_code, (n_dossiers, rated_share, n_kiosk, satisfied, late_pct, on_time_pct) in _ACTIVITY.items():
        counters = [c for c in COUNTERS if c["centre_code"] == centre_code]
        weights = [_COUNTER_WEIGHT.get(c["code"], 1.0) for c in counters]
        staff_of: dict[str, list[str]] = {c["code"]: [] for c in counters}
        for (counter_code, _agency, _name), staff in zip(_STAFF_NAMES, STAFF, strict=True):
            if counter_code in staff_of:
                staff_of[counter_code].append(staff["code"])
        timeliness = _quota(n_dossiers, [("late", late_pct), ("on_time", on_time_pct), ("early", 0.0)], rng)
        # Open dossiers: about 3% still in hand, a few of them past due.
        open_flags = _quota(n_dossiers, [(True, 3.0), (False, 0.0)], rng)
        returned: list[tuple[dict[str, Any], str]] = []
        for index in range(n_dossiers):
            counter = rng.choices(counters, weights)[0]
            agency = counter.get("agency_code")
            fields = _fields_for(agency)
            procedure = rng.choice([p for p in PROCEDURES if p["field"] in fields])
            staff_code = rng.choice(staff_of[counter["code"]])
            received_day = rng.choice(days[:-3])
            received = _office_moment(received_day, rng)
            statutory = int(procedures[procedure["code"]]["statutory_days"])
            due_day = _next_working(received_day, statutory)
            due = datetime(due_day.year, due_day.month, due_day.day, 17, 0, tzinfo=_LOCAL)
            sequence += 1
            row: dict[str, Any] = {
                "id": new_id(),
                "code": ACTIVITY_MARK if sequence == 1 else f"H12.DEMO-{sequence:06d}",
                "procedure_id": ids[Procedure][procedure["code"]],
                "centre_id": ids[Centre][centre_code],
                "counter_id": ids[Counter][counter["code"]],
                "staff_id": ids[Staff][staff_code],
                "agency_id": ids[Agency].get(agency or ""),
                "channel": rng.choices(("counter", "online", "postal"), (70, 27, 3))[0],
                "received_at": received.astimezone(UTC),
                "due_at": due.astimezone(UTC),
                "resolved_at": None,
                "returned_at": None,
                "paused": [],
                "created_at": now,
                "updated_at": now,
            }
            judged = timeliness[index]
            if open_flags[index] and received_day >= days[-25]:
                row["status"] = "paused" if rng.random() < 0.3 else "in_progress"
                row["event_at"] = row["received_at"]
                dossiers.append(row)
                continue
            if judged == "early":
                earliest = received_day if statutory <= 1 else _next_working(received_day, 1)
                resolved_day = max(earliest, _next_working(due_day, -rng.randint(1, max(1, statutory - 1))))
                resolved_day = min(resolved_day, _next_working(due_day, -1))
                resolved_day = max(resolved_day, received_day)
            elif judged == "on_time":
                resolved_day = due_day
            else:
                resolved_day = _next_working(due_day, rng.randint(1, 4))
            resolved = _office_moment(resolved_day, rng)
            if resolved_day == received_day:
                resolved = max(resolved, received + timedelta(hours=1))
            returned_at = resolved + timedelta(hours=rng.randint(1, 40))
            if returned_at.date() > ACTIVITY_TO:
                row.update(status="resolved", resolved_at=resolved.astimezone(UTC), event_at=resolved.astimezone(UTC))
            else:
                row.update(
                    status="returned",
                    resolved_at=resolved.astimezone(UTC),
                    returned_at=returned_at.astimezone(UTC),
                    event_at=returned_at.astimezone(UTC),
                )
                returned.append((row, judged))
            dossiers.append(row)

        # Ratings: a share of returned dossiers by QR, plus anonymous kiosk taps at the counters.
        rated = [pair for pair in returned if rng.random() < rated_share]
        levels = _levels(len(rated) + n_kiosk, satisfied, rng)
        # Late dossiers draw the lower levels first: citizens notice delays.
        low_first = sorted(range(len(rated)), key=lambda i: (rated[i][1] != "late" or rng.random() < 0.5, rng.random()))
        ordered = sorted(levels)
        qr_levels = dict(zip(low_first, ordered[: len(rated)], strict=True))
        kiosk_levels = ordered[len(rated) :]
        rng.shuffle(kiosk_levels)
        for position, (dossier, judged) in enumerate(rated):
            level = qr_levels[position]
            ratings.append(
                _rating(
                    new_id(),
                    survey_id,
                    "qr",
                    dossier,
                    level,
                    _reasons(level, judged == "late", rng),
                    dossier["returned_at"] + timedelta(minutes=rng.randint(5, 600)),
                )
            )
        for level in kiosk_levels:
            counter = rng.choices(counters, weights)[0]
            moment = _office_moment(rng.choice(days), rng).astimezone(UTC)
            ratings.append(
                _rating(
                    new_id(),
                    survey_id,
                    "kiosk",
                    {
                        "id": None,
                        "centre_id": ids[Centre][centre_code],
                        "counter_id": ids[Counter][counter["code"]],
                        "staff_id": ids[Staff][rng.choice(staff_of[counter["code"]])],
                        "agency_id": ids[Agency].get(counter.get("agency_code") or ""),
                        "procedure_id": None,
                    },
                    level,
                    _reasons(level, False, rng),
                    moment,
                )
            )
    await session.execute(cast("Table", Dossier.__table__).insert(), dossiers)
    await session.execute(cast("Table", Rating.__table__).insert(), ratings)
    # All months, not only the demo's: exact either way.
    await rebuild(session, tz)
    return len(ratings)


def _rating(
    rating_id: uuid.UUID,
    survey_id: Any,
    channel: str,
    where: dict[str, Any],
    level: int,
    reasons: list[str],
    submitted: datetime,
) -> dict[str, Any]:
    return {
        "id": rating_id,
        "survey_id": survey_id,
        "channel": channel,
        "centre_id": where["centre_id"],
        "counter_id": where["counter_id"],
        "staff_id": where["staff_id"],
        "agency_id": where["agency_id"],
        "procedure_id": where["procedure_id"],
        "dossier_id": where["id"],
        "kiosk_id": None,
        "overall": level,
        "answers": {},
        "reasons": reasons,
        "comment": None,
        "language": "vi",
        "submitted_at": submitted,
        "received_at": submitted + timedelta(seconds=2),
        "suspected_repeat": False,
        "body_hash": hashlib.sha256(str(rating_id).encode()).hexdigest(),
    }


# -- demo feedback: flags and complaints -----------------------------------------------------------------------
FLAGGED_SINCE = ACTIVITY_TO - timedelta(days=30)
"""The demo's ratings from this day on open the flags the product's own rule calls for (the two lowest levels, or
a reason naming staff conduct); older ones stand for feedback handled before the inbox was in use."""

_COMPLAINT_IDS = uuid.UUID("6f1d2c1e-7a43-4c55-9d0e-3b8f5a2c9e10")
COMPLAINTS: list[dict[str, Any]] = [
    {
        "centre_code": "TTPVHCC-96",
        "staff_code": "CB-002",
        "category": "harassment",
        "text": "Tôi nộp hồ sơ đăng ký biến động đất đai, đến ngày hẹn lên nhận thì được yêu cầu bổ sung giấy tờ "
        "nhưng phiếu yêu cầu không ghi thời hạn. Hỏi lại thì cán bộ bảo cứ chờ, khi nào xong sẽ gọi. Đề nghị "
        "Trung tâm xem lại việc gây phiền hà này.",
        "name": "Lê Văn Tâm",
        "phone": "0123 456 789",  # no such number: 012x prefixes were withdrawn in 2018
        "consent": True,
    },
    {
        "centre_code": "TTPVHCC-96",
        "staff_code": "CB-001",
        "category": "delay",
        "text": "Hồ sơ của tôi đã quá hạn trả kết quả ba ngày nhưng tôi không nhận được văn bản xin lỗi và hẹn lại "
        "ngày trả kết quả như quy định.",
    },
    {
        "centre_code": "MC-964",
        "staff_code": "CB-010",
        "category": "rude",
        "text": "Cán bộ ở quầy đất đai trả lời cộc lốc, không hướng dẫn cụ thể nên tôi phải đi lại ba lần mới nộp "
        "được hồ sơ.",
    },
]
"""Complaints about staff conduct in the words of the seed articles, filed through the product's own service (once:
their ids are fixed, and filing one again is a replay)."""


async def load_demo_feedback(session: AsyncSession, settings: Settings) -> tuple[int, int]:
    """Open the flags the demo's recent ratings call for and file the demo complaints; returns (flags opened,
    complaints filed), (0, 0) when both are there already. The flags and complaints reach the inboxes of the staff
    concerned and their centres' supervisors and directors, with deadlines, like any others."""
    flagged = select(Flag.rating_id).where(Flag.rating_id.is_not(None))
    columns = (Rating.id, Rating.centre_id, Rating.staff_id, Rating.overall, Rating.reasons, Rating.comment)
    since = datetime(FLAGGED_SINCE.year, FLAGGED_SINCE.month, FLAGGED_SINCE.day, tzinfo=_LOCAL)
    recent = await session.execute(
        select(*columns, Rating.received_at, Rating.suspected_repeat).where(
            Rating.submitted_at >= since, Rating.id.not_in(flagged)
        )
    )
    flags = await flag_ratings(session, settings, [dict(row._mapping) for row in recent])
    service, filed = ComplaintService(session, settings), 0
    for number, complaint in enumerate(COMPLAINTS, start=1):
        data = ComplaintCreate(id=uuid.uuid5(_COMPLAINT_IDS, str(number)), **complaint)
        filed += (await service.create(data, channel="web"))[1]
    return flags, filed


# -- demo rating links: the phone page to try ------------------------------------------------------------------
DEMO_LINKS = 20
"""Unused rating links the demo keeps, so that the phone page can be tried at once: the province centre's latest
returned dossiers that nobody rated, each with its link as the one-stop system's slip would print it."""
DEMO_LINK_CENTRE = "TTPVHCC-96"


def _demo_tokens() -> Any:
    """The demo dossiers' rating links that can still be used."""
    return (
        select(RatingToken)
        .join(Dossier, Dossier.id == RatingToken.dossier_id)
        .where(
            Dossier.code.like("H12.DEMO-%"),
            RatingToken.used_at.is_(None),
            RatingToken.expires_at > datetime.now(UTC),
        )
    )


async def load_demo_links(session: AsyncSession, settings: Settings) -> int:
    """Give rating links to the province centre's latest returned, unrated demo dossiers until ``DEMO_LINKS``
    can be used; returns how many were made (0 when enough are left)."""
    usable = await session.scalar(select(func.count()).select_from(_demo_tokens().subquery()))
    wanted = DEMO_LINKS - (usable or 0)
    if wanted <= 0:
        return 0
    centre = select(Centre.id).where(Centre.code == DEMO_LINK_CENTRE).scalar_subquery()
    dossiers = await session.scalars(
        select(Dossier)
        .where(
            Dossier.centre_id == centre,
            Dossier.code.like("H12.DEMO-%"),
            Dossier.status == "returned",
            ~select(Rating.id).where(Rating.dossier_id == Dossier.id).exists(),
            ~select(RatingToken.id).where(RatingToken.dossier_id == Dossier.id).exists(),
        )
        .order_by(Dossier.returned_at.desc(), Dossier.code)
        .limit(wanted)
    )
    service, made = _dossiers(session, settings), 0
    for dossier in dossiers:
        await service.ensure_token(dossier)
        made += 1
    return made


def _dossiers(session: AsyncSession, settings: Settings) -> DossierService:
    """The dossier service as the app would have it (the demo only makes rating links with it)."""
    return DossierService(session, settings, default_subscribers(settings, AppCaches()))


async def demo_link(session: AsyncSession, settings: Settings) -> tuple[str, str] | None:
    """One demo dossier's code and unused rating link (the address its slip's QR opens), or None. Without the
    demo's first dossier (a production database) that is all it asks."""
    if await session.scalar(select(Dossier.id).where(Dossier.code == ACTIVITY_MARK)) is None:
        return None
    token = await session.scalar(_demo_tokens().order_by(Dossier.returned_at.desc(), Dossier.code).limit(1))
    if token is None:
        return None
    return token.dossier.code, _dossiers(session, settings).rating_url(token)
