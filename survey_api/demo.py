"""A realistic demo province, Cà Mau, drawn from the seed articles: units, agencies, centres, counters,
staff, ~30 procedures and one login per role. Loading is idempotent (upsert by code)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.scope import Scope
from survey_api.accounts.services import AccountService
from survey_api.org.schemas import CatalogueDocument, CatalogueImportResult
from survey_api.org.services import CatalogueService

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


async def load_demo(session: AsyncSession) -> CatalogueImportResult:
    """Upsert the demo catalogue and create the demo logins that do not exist yet."""
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
    return result
