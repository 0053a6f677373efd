"""The demo's feedback (flags for recent low ratings, complaints in the seed articles' words) and rating links
to try."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.caches import AppCaches
from survey_api.complaints.flags import flag_ratings
from survey_api.complaints.models import Flag
from survey_api.complaints.schemas import ComplaintCreate
from survey_api.complaints.services import ComplaintService
from survey_api.demo.activity import ACTIVITY_MARK, ACTIVITY_TO, LOCAL
from survey_api.dossiers.models import Dossier, RatingToken
from survey_api.dossiers.services import DossierService
from survey_api.org.models import Centre
from survey_api.ratings.models import Rating
from survey_api.settings import Settings
from survey_api.subscribers import default_subscribers

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
    since = datetime(FLAGGED_SINCE.year, FLAGGED_SINCE.month, FLAGGED_SINCE.day, tzinfo=LOCAL)
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
