"""Six months of demo dossiers and ratings, deterministic, in the spirit of the seed articles."""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.demo.catalogue import COUNTERS, PROCEDURES, STAFF, STAFF_NAMES
from survey_api.dossiers.models import Dossier
from survey_api.org.models import Agency, Centre, Counter, Procedure, Staff
from survey_api.ratings.models import Rating, Survey
from survey_api.reports.rebuild import rebuild

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
LOCAL = timezone(timedelta(hours=7))  # Vietnam: UTC+7 all year


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
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=LOCAL)


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
        for (counter_code, _agency, _name), staff in zip(STAFF_NAMES, STAFF, strict=True):
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
            due = datetime(due_day.year, due_day.month, due_day.day, 17, 0, tzinfo=LOCAL)
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
