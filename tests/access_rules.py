"""Who may call what: the one table behind the access test and the access table of docs/security.md.

Each rule names an endpoint as the app declares it, the answer each kind of caller gets, and how to make the
call. ``tests/integration/test_access_rules.py`` makes every call as every caller and compares;
``python -m tests.access_rules`` (``make docs-access``) writes the table into docs/security.md, and
``tests/unit/test_access_doc.py`` fails when the document and this table differ or when an endpoint of the app is
missing here.

Every call acts on a record of the province centre (TTPVHCC-96, unit 96), where the staff member and the
supervisor work; the director of another centre heads Bộ phận Một cửa TP Cà Mau (MC-964) and the viewer reads the
district of Cái Nước (969). A call that changes something acts on a record made for it, so the callers never
disturb one another.
"""

from __future__ import annotations

import itertools
import re
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survey_api.demo import DEMO_PASSWORD

CALLERS = ("anonymous", "kiosk", "integration", "staff", "supervisor", "other_director", "province", "viewer", "admin")
HEADINGS = ("Anonymous", "Kiosk", "Integration key", "Staff", "Supervisor", "Director, other centre", "Province",
            "Viewer", "Admin")  # fmt: skip
PEOPLE = {
    "staff": "canbo",
    "supervisor": "giamsat",
    "other_director": "giamdoc964",
    "province": "tinh",
    "viewer": "xem",
    "admin": "admin",
}
ALLOWED, REFUSED, HIDDEN = "✓", "✗", "∅"
LEGEND = {
    ALLOWED: "allowed (2xx, a redirect onwards, or 409 when the record's state forbids the step)",
    REFUSED: "refused: 401 without a credential that may call it, 403 with one that may not, or the login page",
    HIDDEN: "not found: the record exists but lies outside the caller's scope (404; 422 naming the field when the "
    "body names it)",
}
CENTRE, COUNTER, STAFF = "TTPVHCC-96", "TT96-Q01", "CB-001"
DOC_START = "<!-- access-rules:start (written by `make docs-access` from tests/access_rules.py) -->"
DOC_END = "<!-- access-rules:end -->"
DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "security.md"


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    url: str
    json: Any = None
    data: dict[str, Any] | None = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    refers: tuple[str, ...] = ()
    """Body fields naming a record (a form's page: the error it shows): a 422 naming one of them means the caller
    may not see that record."""


class World:
    """The demo province seen by the nine callers, with helpers that make fresh records to act on."""

    def __init__(self, client: Any, run_in_session: Any, headers: dict[str, dict[str, str]]) -> None:
        self.client = client
        self.run_in_session = run_in_session
        self.headers = headers
        self._n = itertools.count(1)

    def n(self) -> int:
        return next(self._n)

    @property
    def admin(self) -> dict[str, str]:
        return self.headers["admin"]

    async def ok(self, method: str, url: str, **kwargs: Any) -> Any:
        answer = await self.client.request(method, url, **kwargs)
        assert answer.status_code < 300, (method, url, answer.status_code, answer.text)
        self.client.cookies.clear()
        return answer.json() if answer.headers.get("content-type", "").startswith("application/json") else None

    async def dossier(self) -> tuple[str, str]:
        """A dossier returned at the province centre: its code and its rating token."""
        from tests.helpers import returned_dossier

        code = f"000.00.16.H12-260615-9{self.n():03d}"
        read = await self.ok(
            "POST", "/api/v1/dossiers", json=returned_dossier(code), headers=self.headers["integration"]
        )
        return code, read["rating_url"].rsplit("/", 1)[1]

    async def complaint(self) -> dict[str, Any]:
        """A complaint about the staff member at the province centre: flag id, tracking code and secret."""
        from sqlalchemy import select

        from survey_api.complaints.models import Flag

        body = {"id": str(uuid.uuid4()), "centre_code": CENTRE, "staff_code": STAFF, "category": "rude",
                "text": "Cán bộ không hướng dẫn, nói trống không.", "phone": "0912 345 678", "consent": True,
                "language": "vi"}  # fmt: skip
        created = await self.ok("POST", "/api/v1/complaints", json=body)
        flag_id = await self.run_in_session(
            lambda s: s.scalar(select(Flag.id).where(Flag.complaint_id == uuid.UUID(created["id"])))
        )
        return {"flag": str(flag_id), "tracking_code": created["tracking_code"], "secret": created["secret"]}

    async def answered_complaint(self) -> dict[str, Any]:
        filed = await self.complaint()
        await self.ok("POST", f"/api/v1/flags/{filed['flag']}/status", headers=self.admin,
                      json={"status": "answered", "text": "Đã nhắc nhở cán bộ, xin lỗi ông/bà."})  # fmt: skip
        return filed

    async def asked_complaint(self) -> dict[str, Any]:
        filed = await self.complaint()
        await self.ok("POST", f"/api/v1/flags/{filed['flag']}/info-request", headers=self.admin,
                      json={"text": "Ông/Bà cho biết ngày giờ cụ thể?"})  # fmt: skip
        return filed

    async def kiosk(self) -> str:
        read = await self.ok("POST", "/api/v1/admin/kiosks", json={"centre_code": CENTRE, "counter_code": COUNTER},
                             headers=self.admin)  # fmt: skip
        return str(read["id"])

    async def login(self) -> str:
        """A staff login at the province centre."""
        from survey_api.accounts.services import AccountService

        username = f"canbo{self.n()}"
        await self.run_in_session(
            lambda s: AccountService(s).create_user(
                username=username, password=DEMO_PASSWORD, role="staff", scope_code=CENTRE
            )
        )
        return username

    async def catalogue_item(self, kind: str) -> str:
        """A new active row of ``kind`` under the province (unit 96) or in the province centre."""
        code = f"ACL-{self.n()}"
        await self.ok("POST", f"/api/v1/admin/{kind}", json=new_row(kind, code), headers=self.admin)
        return code


def new_row(kind: str, code: str) -> dict[str, Any]:
    return {
        "units": {"code": code, "name": "Xã Thử Nghiệm", "level": "commune", "parent_code": "96"},
        "agencies": {"code": code, "name": "Sở Thử nghiệm", "unit_code": "96"},
        "centres": {"code": code, "name": "Bộ phận Một cửa thử nghiệm", "unit_code": "96"},
        "counters": {"code": code, "name": "Quầy thử nghiệm", "centre_code": CENTRE},
        "staff": {"code": code, "full_name": "Lê Thị Thử", "centre_code": CENTRE},
        "procedures": {"code": code, "name": "Thủ tục thử nghiệm", "field": "Thử nghiệm", "statutory_days": 5},
    }[kind]


CATALOGUE_TARGETS = {"units": "96", "agencies": "VPDKDD", "centres": CENTRE, "counters": COUNTER, "staff": STAFF,
                     "procedures": "1.004227"}  # fmt: skip
CATALOGUE_PATCHES = {kind: {"active": True} for kind in CATALOGUE_TARGETS} | {"units": {"name": "Tỉnh Cà Mau"}}

Make = Callable[[World, str], Awaitable[Call]]


@dataclass(frozen=True, slots=True)
class Rule:
    method: str
    path: str
    """As the app declares it: ``/api/v1/flags/{flag_id:uuid}``."""
    expect: str
    """One symbol per caller, in the order of ``CALLERS`` (spaces are for reading)."""
    scope: str
    """What an allowed caller reaches."""
    make: Make

    @property
    def answers(self) -> tuple[str, ...]:
        symbols = tuple(self.expect.replace(" ", ""))
        assert len(symbols) == len(CALLERS), (self.method, self.path, self.expect)
        return symbols


def fixed(method: str, url: str, **kwargs: Any) -> Make:
    async def make(world: World, caller: str) -> Call:
        return Call(method, url, **kwargs)

    return make


PUBLIC = "✓✓✓ ✓✓✓✓✓✓"
PEOPLE_ONLY = "✗✗✗ ✓✓✓✓✓✓"
DEVICE_ONLY = "✗✓✗ ✗✗✗✗✗✗"
REPORT_READERS = "✗✗✗ ✗✓✓✓✓✓"
FLAG_READERS = "✗✗✗ ✓✓∅✓∅✓"
HANDLERS = "✗✗✗ ✗✓∅✓∅✓"
KIOSK_MANAGERS = "✗✗✗ ✗✓∅✓✗✓"
ADMIN_ONLY = "✗✗✗ ✗✗✗✗✗✓"


# -- the rules, by area --------------------------------------------------------------------------------------------
def _catalogue_rules() -> list[Rule]:
    rules = []
    for kind, target in CATALOGUE_TARGETS.items():
        base = f"/api/v1/admin/{kind}"

        async def create(world: World, caller: str, kind: str = kind) -> Call:
            return Call("POST", f"/api/v1/admin/{kind}", json=new_row(kind, f"ACL-NEW-{world.n()}"))

        async def deactivate(world: World, caller: str, kind: str = kind) -> Call:
            return Call("POST", f"/api/v1/admin/{kind}/{await world.catalogue_item(kind)}/deactivate")

        reads = {
            "units": "the caller's units, with those above them",
            "agencies": "agencies of the caller's units, with those above them",
            "procedures": "every procedure (one national list)",
        }.get(kind, "the rows of the caller's centres")
        one = "✗✗✗ ✓✓∅✓∅✓" if kind in ("centres", "counters", "staff") else "✗✗✗ ✓✓✓✓✓✓"
        writers, writes = "✗✗✗ ✗✗✗✓✗✓", "admin anywhere; province under its own units"
        if kind == "procedures":
            writers, writes = ADMIN_ONLY, "admin only: the national list of procedures"
        rules += [
            Rule("GET", base, PEOPLE_ONLY, reads, fixed("GET", base)),
            Rule("GET", f"{base}/{{code:str}}", one, f"one of {reads}", fixed("GET", f"{base}/{target}")),
            Rule("POST", base, writers, writes, create),
            Rule("PATCH", f"{base}/{{code:str}}", writers, writes,
                 fixed("PATCH", f"{base}/{target}", json=CATALOGUE_PATCHES[kind])),
            Rule("POST", f"{base}/{{code:str}}/deactivate", writers, writes, deactivate),
        ]  # fmt: skip

    async def import_catalogue(world: World, caller: str) -> Call:
        return Call("POST", "/api/v1/admin/catalogue", json={"agencies": [new_row("agencies", f"ACL-IMP-{world.n()}")]})

    rules.append(Rule("POST", "/api/v1/admin/catalogue", "✗✗✗ ✗✗✗✓✗✓", "admin anywhere; province under its own units",
                      import_catalogue))  # fmt: skip
    return rules


async def _pair(world: World, caller: str) -> Call:
    return Call(
        "POST",
        "/api/v1/admin/kiosks",
        json={"centre_code": CENTRE, "counter_code": "TT96-Q02"},
        refers=("centre_code",),
    )


async def _duty(world: World, caller: str) -> Call:
    return Call("POST", f"/api/v1/admin/kiosks/{await world.kiosk()}/duty", json={"staff_code": STAFF})


async def _unpair(world: World, caller: str) -> Call:
    return Call("POST", f"/api/v1/admin/kiosks/{await world.kiosk()}/deactivate")


async def _logout(world: World, caller: str) -> Call:
    """With a token of its own, so that the caller's other calls keep theirs."""
    headers = world.headers[caller]
    if caller in PEOPLE:
        from tests.helpers import bearer_for

        headers = await bearer_for(world.run_in_session, PEOPLE[caller])
    return Call("POST", "/api/v1/auth/logout", headers=headers)


async def _revoke(world: World, caller: str) -> Call:
    token_id = str(uuid.uuid4())
    if caller in PEOPLE:
        made = await world.ok("POST", "/api/v1/auth/tokens", json={"name": "thử"}, headers=world.headers[caller])
        token_id = made["id"]
    return Call("DELETE", f"/api/v1/auth/tokens/{token_id}")


async def _rate(world: World, caller: str) -> Call:
    _, token = await world.dossier()
    body: dict[str, Any] = {"id": str(uuid.uuid4()), "overall": 5}
    return Call("POST", "/api/v1/ratings", json=body if caller == "kiosk" else {**body, "token": token})


async def _validate(world: World, caller: str) -> Call:
    _, token = await world.dossier()
    body: dict[str, Any] = {"id": str(uuid.uuid4()), "overall": 5}
    return Call("POST", "/api/v1/ratings/validate", json=body if caller == "kiosk" else {**body, "token": token})


async def _file(world: World, caller: str) -> Call:
    return Call("POST", "/api/v1/complaints", json={"id": str(uuid.uuid4()), "centre_code": CENTRE,
                "category": "rude", "text": "Chờ lâu mà không ai hướng dẫn.", "language": "vi"})  # fmt: skip


def _citizen(step: str, path: str, extra: dict[str, Any]) -> Make:
    async def make(world: World, caller: str) -> Call:
        filed = await (world.answered_complaint() if step == "answered" else world.asked_complaint()
                       if step == "asked" else world.complaint())  # fmt: skip
        return Call("POST", path, json={"tracking_code": filed["tracking_code"], "secret": filed["secret"], **extra})

    return make


def _flag(method: str, suffix: str = "", body: Any = None) -> Make:
    async def make(world: World, caller: str) -> Call:
        return Call(method, f"/api/v1/flags/{(await world.complaint())['flag']}{suffix}", json=body)

    return make


async def _integrity_dossier(world: World, caller: str) -> Call:
    code, _ = await world.dossier()
    return Call("GET", f"/dashboard/integrity/dossiers/{code}")


def _dossier(suffix: str) -> Make:
    async def make(world: World, caller: str) -> Call:
        code, _ = await world.dossier()
        return Call("GET", f"/api/v1/dossiers/{code}{suffix}")

    return make


async def _push(world: World, caller: str) -> Call:
    from tests.helpers import returned_dossier

    return Call("POST", "/api/v1/dossiers", json=returned_dossier(f"000.00.16.H12-260615-8{world.n():03d}"))


async def _import(world: World, caller: str) -> Call:
    csv = (
        "Mã hồ sơ,Mã thủ tục,Mã trung tâm,Kênh,Trạng thái,Ngày tiếp nhận,Hạn trả kết quả\n"
        f"H12-ACL-{world.n()},1.004227,{CENTRE},Trực tiếp,Đang giải quyết,01/06/2026 08:00,15/06/2026 17:00\n"
    )
    return Call("POST", "/api/v1/dossiers/import", content=csv.encode(), headers={"content-type": "text/csv"})


def _inbox(suffix: str = "", data: dict[str, Any] | None = None) -> Make:
    async def make(world: World, caller: str) -> Call:
        flag = (await world.complaint())["flag"]
        return Call("POST" if data else "GET", f"/dashboard/inbox/{flag}{suffix}", data=data)

    return make


async def _dashboard_pair(world: World, caller: str) -> Call:
    return Call(
        "POST",
        "/dashboard/kiosks",
        data={"centre_code": CENTRE, "counter_code": "TT96-Q02"},
        refers=(f"không có trung tâm mã {CENTRE} trong phạm vi",),
    )


async def _dashboard_duty(world: World, caller: str) -> Call:
    return Call("POST", f"/dashboard/kiosks/{await world.kiosk()}/duty", data={"staff_code": STAFF})


async def _new_login(world: World, caller: str) -> Call:
    return Call("POST", "/dashboard/users", data={"username": f"moi{world.n()}", "full_name": "Cán bộ mới",
                "role": "staff", "scope": CENTRE, "password": "Ca-Mau-2026-thu"})  # fmt: skip


async def _set_password(world: World, caller: str) -> Call:
    return Call("POST", f"/dashboard/users/{await world.login()}/password", data={"password": "Ca-Mau-2026-moi"})


async def _deactivate_login(world: World, caller: str) -> Call:
    return Call("POST", f"/dashboard/users/{await world.login()}/active", data={"active": "0"})


async def _phone_page(world: World, caller: str) -> Call:
    _, token = await world.dossier()
    return Call("GET", f"/r/{token}")


async def _phone_submit(world: World, caller: str) -> Call:
    _, token = await world.dossier()
    return Call("POST", f"/r/{token}", data={"id": str(uuid.uuid4()), "overall": "5"})


async def _complaint_page_submit(world: World, caller: str) -> Call:
    return Call("POST", "/phan-anh", data={"id": str(uuid.uuid4()), "centre_code": CENTRE, "category": "rude",
                "text": "Chờ lâu mà không ai hướng dẫn."})  # fmt: skip


def _track_page(path: str, step: str, extra: dict[str, Any]) -> Make:
    api = _citizen(step, path, extra)

    async def make(world: World, caller: str) -> Call:
        call = await api(world, caller)
        return Call("POST", path, data={k: str(v) for k, v in call.json.items()})

    return make


RULES: list[Rule] = [
    # the citizen's and the public's pages
    Rule("GET", "/", PUBLIC, "the start page", fixed("GET", "/")),
    Rule("GET", "/health", PUBLIC, "liveness and the database's answer", fixed("GET", "/health")),
    Rule("GET", "/lang/{lang:str}", PUBLIC, "the language cookie", fixed("GET", "/lang/en")),
    Rule("GET", "/login", PUBLIC, "the login page", fixed("GET", "/login")),
    Rule("POST", "/login", PUBLIC, "a session for the right password",
         fixed("POST", "/login", data={"username": "xem", "password": DEMO_PASSWORD})),
    Rule("POST", "/logout", "✗✓✓ ✓✓✓✓✓✓", "ends the caller's session, if any", fixed("POST", "/logout")),
    Rule("GET", "/schema", PUBLIC, "the API description", fixed("GET", "/schema")),
    Rule("GET", "/schema/openapi.json", PUBLIC, "the API description", fixed("GET", "/schema/openapi.json")),
    Rule("GET", "/static/{file_path:path}", PUBLIC, "style sheets", fixed("GET", "/static/app.css")),
    Rule("HEAD", "/static/{file_path:path}", PUBLIC, "style sheets", fixed("HEAD", "/static/app.css")),
    Rule("GET", "/kiosk", PUBLIC, "the kiosk page (it pairs with a code)", fixed("GET", "/kiosk")),
    Rule("GET", "/kiosk/sw.js", PUBLIC, "the kiosk's offline worker", fixed("GET", "/kiosk/sw.js")),
    Rule("GET", "/r/{token:str}", PUBLIC, "the dossier named by the QR link's token", _phone_page),
    Rule("POST", "/r/{token:str}", PUBLIC, "one rating for the dossier of the token", _phone_submit),
    Rule("GET", "/phan-anh", PUBLIC, "the complaint form", fixed("GET", "/phan-anh")),
    Rule("POST", "/phan-anh", PUBLIC, "files a complaint", _complaint_page_submit),
    Rule("GET", "/tra-cuu", PUBLIC, "the tracking form", fixed("GET", "/tra-cuu")),
    Rule("POST", "/tra-cuu", PUBLIC, "the complaint of the code and secret", _track_page("/tra-cuu", "filed", {})),
    Rule("POST", "/tra-cuu/bo-sung", PUBLIC, "answers a handler's question (code and secret)",
         _track_page("/tra-cuu/bo-sung", "asked", {"text": "Sáng 12/6, khoảng 9 giờ."})),
    Rule("POST", "/tra-cuu/danh-gia", PUBLIC, "says whether the answer satisfied (code and secret)",
         _track_page("/tra-cuu/danh-gia", "answered", {"satisfied": "true"})),
    # citizens and kiosks through the API
    Rule("POST", "/api/v1/ratings", "✓✓✗ ✗✗✗✗✗✗",
         "with a QR link's token (no credential), or as a paired kiosk; any other Bearer is refused", _rate),
    Rule("POST", "/api/v1/ratings/validate", DEVICE_ONLY, "a paired kiosk checks a rating, storing nothing",
         _validate),
    Rule("POST", "/api/v1/complaints", "✓✓✗ ✗✗✗✗✗✗",
         "citizens, and paired kiosks; any other Bearer is refused", _file),
    Rule("POST", "/api/v1/complaints/track", PUBLIC, "the complaint of the code and secret",
         _citizen("filed", "/api/v1/complaints/track", {})),
    Rule("POST", "/api/v1/complaints/feedback", PUBLIC, "the complaint of the code and secret",
         _citizen("answered", "/api/v1/complaints/feedback", {"satisfied": True})),
    Rule("POST", "/api/v1/complaints/reply", PUBLIC, "the complaint of the code and secret",
         _citizen("asked", "/api/v1/complaints/reply", {"text": "Sáng 12/6, khoảng 9 giờ."})),
    Rule("GET", "/api/v1/kiosk/config", DEVICE_ONLY, "the kiosk's own centre, counter and survey",
         fixed("GET", "/api/v1/kiosk/config")),
    Rule("POST", "/api/v1/kiosk/heartbeat", DEVICE_ONLY, "the kiosk's own status",
         fixed("POST", "/api/v1/kiosk/heartbeat", json={"queued": 0, "held": 0})),
    # the one-stop information system
    Rule("POST", "/api/v1/dossiers", "✗✗✓ ✗✗✗✗✗✓", "integration keys and admin", _push),
    Rule("POST", "/api/v1/dossiers/import", "✗✗✓ ✗✗✗✗✗✓", "integration keys and admin", _import),
    Rule("GET", "/api/v1/dossiers/{code:str}", "✗✗✓ ✓✓∅✓∅✓", "a dossier in the caller's scope", _dossier("")),
    Rule("GET", "/api/v1/dossiers/{code:str}/qr", "✗✗✓ ✓✓∅✓∅✓", "a dossier in the caller's scope", _dossier("/qr")),
    Rule("GET", "/api/v1/dossiers/{code:str}/slip", "✗✗✓ ✓✓∅✓∅✓", "a dossier in the caller's scope",
         _dossier("/slip")),
    # people: their own account
    Rule("POST", "/api/v1/auth/login", PUBLIC, "a session for the right password",
         fixed("POST", "/api/v1/auth/login", json={"username": "xem", "password": DEMO_PASSWORD})),
    Rule("POST", "/api/v1/auth/logout", PEOPLE_ONLY, "ends the caller's own session or token", _logout),
    Rule("GET", "/api/v1/auth/me", PEOPLE_ONLY, "the caller", fixed("GET", "/api/v1/auth/me")),
    Rule("GET", "/api/v1/auth/tokens", PEOPLE_ONLY, "the caller's own tokens", fixed("GET", "/api/v1/auth/tokens")),
    Rule("POST", "/api/v1/auth/tokens", PEOPLE_ONLY, "a token for the caller",
         fixed("POST", "/api/v1/auth/tokens", json={"name": "báo cáo"})),
    Rule("DELETE", "/api/v1/auth/tokens/{token_id:uuid}", PEOPLE_ONLY, "the caller's own tokens", _revoke),
    # the catalogue
    *_catalogue_rules(),
    # kiosks
    Rule("GET", "/api/v1/admin/kiosks", PEOPLE_ONLY, "the kiosks of the caller's centres",
         fixed("GET", "/api/v1/admin/kiosks")),
    Rule("POST", "/api/v1/admin/kiosks", KIOSK_MANAGERS, "managers of the kiosk's centre", _pair),
    Rule("POST", "/api/v1/admin/kiosks/{kiosk_id:uuid}/duty", "✗✗✗ ✓✓∅✓∅✓",
         "managers of the kiosk's centre; a staff member puts themself on duty", _duty),
    Rule("POST", "/api/v1/admin/kiosks/{kiosk_id:uuid}/deactivate", "✗✗✗ ✗✓∅✓∅✓", "managers of the kiosk's centre",
         _unpair),
    # flagged feedback
    Rule("GET", "/api/v1/flags", PEOPLE_ONLY, "flags of the caller's scope; staff: the flags about them",
         fixed("GET", "/api/v1/flags")),
    Rule("GET", "/api/v1/flags/{flag_id:uuid}", FLAG_READERS, "a flag of the caller's scope; staff: about them",
         _flag("GET")),
    Rule("GET", "/api/v1/flags/{flag_id:uuid}/contact", HANDLERS, "handlers of the flag's centre (audited)",
         _flag("GET", "/contact")),
    Rule("POST", "/api/v1/flags/{flag_id:uuid}/assign", HANDLERS, "handlers of the flag's centre",
         _flag("POST", "/assign", {"username": "giamsat"})),
    Rule("POST", "/api/v1/flags/{flag_id:uuid}/status", HANDLERS, "handlers of the flag's centre",
         _flag("POST", "/status", {"status": "acknowledged"})),
    Rule("POST", "/api/v1/flags/{flag_id:uuid}/explanation", "✗✗✗ ✓✗∅✗∅✗", "the staff member the flag is about",
         _flag("POST", "/explanation", {"text": "Tôi đã hướng dẫn đúng quy trình."})),
    Rule("POST", "/api/v1/flags/{flag_id:uuid}/info-request", HANDLERS, "handlers of the flag's centre",
         _flag("POST", "/info-request", {"text": "Ông/Bà cho biết ngày giờ cụ thể?"})),
    Rule("POST", "/api/v1/flags/{flag_id:uuid}/notes", HANDLERS, "handlers of the flag's centre",
         _flag("POST", "/notes", {"text": "Đã gọi điện cho công dân."})),
    # reports
    Rule("GET", "/api/v1/reports/satisfaction", REPORT_READERS, "figures of the caller's scope",
         fixed("GET", "/api/v1/reports/satisfaction")),
    Rule("GET", "/api/v1/reports/integrity", REPORT_READERS, "integrity scores and findings of the caller's scope",
         fixed("GET", "/api/v1/reports/integrity")),
    # the dashboard
    Rule("GET", "/dashboard", PEOPLE_ONLY, "the caller's scope; staff: their own figures and flags",
         fixed("GET", "/dashboard")),
    Rule("GET", "/dashboard/assets/plotly.min.js", "✗✓✓ ✓✓✓✓✓✓", "the chart library",
         fixed("GET", "/dashboard/assets/plotly.min.js")),
    Rule("GET", "/dashboard/centres/{code:str}", "✗✗✗ ✓✓∅✓∅✓",
         "a centre of the caller's scope; staff get their own page instead",
         fixed("GET", f"/dashboard/centres/{CENTRE}")),
    Rule("GET", "/dashboard/report", PEOPLE_ONLY,
         "the printable report of the caller's scope; staff get their own page instead",
         fixed("GET", "/dashboard/report")),
    Rule("GET", "/dashboard/integrity", PEOPLE_ONLY,
         "as GET /api/v1/reports/integrity; staff get their own page instead", fixed("GET", "/dashboard/integrity")),
    Rule("GET", "/dashboard/integrity/dossiers/{code:str}", "✗✗✗ ✓✓∅✓∅✓",
         "the history of a dossier in the caller's scope; staff get their own page instead", _integrity_dossier),
    Rule("GET", "/dashboard/inbox", PEOPLE_ONLY, "as GET /api/v1/flags", fixed("GET", "/dashboard/inbox")),
    Rule("GET", "/dashboard/inbox/{flag_id:uuid}", FLAG_READERS, "as GET /api/v1/flags/{id}", _inbox()),
    Rule("POST", "/dashboard/inbox/{flag_id:uuid}/{action:str}", HANDLERS,
         "each action as its API call (shown: notes)", _inbox("/notes", {"text": "Đã gọi điện cho công dân."})),
    Rule("GET", "/dashboard/kiosks", PEOPLE_ONLY, "the kiosks of the caller's centres",
         fixed("GET", "/dashboard/kiosks")),
    Rule("POST", "/dashboard/kiosks", KIOSK_MANAGERS, "as POST /api/v1/admin/kiosks", _dashboard_pair),
    Rule("POST", "/dashboard/kiosks/{kiosk_id:uuid}/duty", "✗✗✗ ✓✓∅✓∅✓", "as the API's duty call", _dashboard_duty),
    Rule("GET", "/dashboard/users", ADMIN_ONLY, "every login", fixed("GET", "/dashboard/users")),
    Rule("POST", "/dashboard/users", ADMIN_ONLY, "creates a login", _new_login),
    Rule("POST", "/dashboard/users/{username:str}/password", ADMIN_ONLY, "sets a login's password", _set_password),
    Rule("POST", "/dashboard/users/{username:str}/active", ADMIN_ONLY, "deactivates or reactivates a login",
         _deactivate_login),
    Rule("GET", "/dashboard/audit", ADMIN_ONLY, "the audit trail", fixed("GET", "/dashboard/audit")),
]  # fmt: skip

NOT_IN_TABLE = {
    ("GET", "/schema/{path:str}"): "the framework's answer for a schema page that does not exist (404)",
}


# -- classifying an answer and writing the document ----------------------------------------------------------------
def outcome(call: Call, status: int, location: str | None, body: Any) -> str:
    """The symbol for an answer; ``?`` for one the table has no symbol for (a bad request, a server error)."""
    if status in (401, 403):
        return REFUSED
    if 300 <= status < 400 and call.method == "GET" and (location or "").split("?")[0].endswith("/login"):
        return REFUSED
    if status == 404:
        return HIDDEN
    if status == 422 and call.refers:
        if isinstance(body, dict) and {item.get("field") for item in body.get("errors", [])} & set(call.refers):
            return HIDDEN
        if isinstance(body, str) and any(marker in body for marker in call.refers):  # a form's page says which
            return HIDDEN
    if 200 <= status < 400 or status == 409:
        return ALLOWED
    return "?"


def markdown() -> str:
    head = "| Endpoint | " + " | ".join(HEADINGS) + " | Reach |"
    rule = "|---|" + "---|" * len(HEADINGS) + "---|"
    rows = [
        f"| `{r.method} {re.sub(r':[a-z]+}', '}', r.path)}` | " + " | ".join(r.answers) + f" | {r.scope} |"
        for r in RULES
    ]
    legend = "; ".join(f"{symbol} {meaning}" for symbol, meaning in LEGEND.items())
    return "\n".join([DOC_START, "", legend + ".", "", head, rule, *rows, "", DOC_END])


def document_with_table(text: str) -> str:
    start, end = text.index(DOC_START), text.index(DOC_END) + len(DOC_END)
    return text[:start] + markdown() + text[end:]


def main(argv: list[str]) -> int:
    text = DOC_PATH.read_text(encoding="utf-8")
    written = document_with_table(text)
    if "--check" in argv:
        return 0 if written == text else 1
    DOC_PATH.write_text(written, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
