"""``IntegrityReport``: each centre's integrity score beside its findings, within the caller's scope.

The findings were stored as the data arrived (``survey_api.integrity.findings``); this only counts and lists them.
The records a score is a share of come from the satisfaction report of the same query, so the two always cover
the same centres and period.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.accounts.scope import Scope
from survey_api.caches import AppCaches
from survey_api.dossiers.models import Dossier
from survey_api.errors import InvalidInput
from survey_api.i18n import N_, translate
from survey_api.integrity.models import Finding, FindingKind
from survey_api.integrity.schemas import CentreIntegrity, FindingRead, IntegrityReport, KindCount, MonthCount
from survey_api.org.models import Centre, Counter, Staff
from survey_api.reports.query import ReportQuery
from survey_api.reports.services import ReportService
from survey_api.settings import Settings

KIND_NAMES = {
    FindingKind.ENTERED_LATE: N_("integrity.kind.entered_late"),
    FindingKind.TICKED_LATE: N_("integrity.kind.ticked_late"),
    FindingKind.DUE_MOVED: N_("integrity.kind.due_moved"),
    FindingKind.RESOLVED_MOVED: N_("integrity.kind.resolved_moved"),
    FindingKind.LATE_TO_ON_TIME: N_("integrity.kind.late_to_on_time"),
    FindingKind.RATED_BEFORE_RETURN: N_("integrity.kind.rated_before_return"),
    FindingKind.BACKDATED_RATING: N_("integrity.kind.backdated_rating"),
}
"""Each kind's message key (its name in the page's language)."""
DATE_KINDS = (FindingKind.DUE_MOVED, FindingKind.RESOLVED_MOVED, FindingKind.LATE_TO_ON_TIME)
"""The kinds that say a dossier's dates were changed after they were recorded."""
MAX_LIMIT = 500


def kind_name(kind: str, lang: str) -> str:
    key = KIND_NAMES.get(FindingKind(kind)) if kind in FindingKind._value2member_map_ else None
    return translate(key, lang) if key else kind


class IntegrityService:
    def __init__(self, session: AsyncSession, settings: Settings, scope: Scope, caches: AppCaches) -> None:
        self.session = session
        self.reports = ReportService(session, settings, scope, caches)

    async def report(
        self, query: ReportQuery, kind: str | None = None, limit: int = 100, offset: int = 0
    ) -> IntegrityReport:
        if kind is not None and kind not in FindingKind._value2member_map_:
            raise InvalidInput(f"Unknown kind {kind!r}; use one of {', '.join(FindingKind)}", field="kind")
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
        if offset < 0:
            raise InvalidInput("offset must not be negative", field="offset")
        # The satisfaction report of the same query checks the period, the unit and the centre against the scope
        # and gives each centre's records.
        by_centre = await self.reports.satisfaction(dataclasses.replace(query, group_by=("centre",)))
        records = {row.key[0]: row.ratings + row.dossiers_resolved + row.overdue_open for row in by_centre.rows}
        names = {row.key[0]: row.name[0] for row in by_centre.rows}
        where = [Finding.day >= query.date_from, Finding.day <= query.date_to]
        where += self.reports.covering(Finding.centre_id)
        centres = await self._centres(query, where, records, names)
        listed = where + ([Finding.kind == kind] if kind else [])
        total = await self.session.scalar(select(func.count()).select_from(Finding).where(*listed)) or 0
        page = (
            await self.session.execute(
                select(Finding, Centre.code.label("centre_code"))
                .join(Centre, Centre.id == Finding.centre_id)
                .where(*listed)
                .order_by(Finding.day.desc(), Finding.kind, Finding.found_at, Finding.id)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        return IntegrityReport(
            date_from=query.date_from,
            date_to=query.date_to,
            method=translate("integrity.method", query.lang),
            centres=centres,
            months=await self._months(where),
            findings=await self._read(page, query.lang),
            total=total,
            limit=limit,
            offset=offset,
        )

    async def _centres(
        self, query: ReportQuery, where: list[Any], records: dict[str, int], names: dict[str, str]
    ) -> list[CentreIntegrity]:
        code = Centre.code.label("code")
        joined = select(code).select_from(Finding).join(Centre, Centre.id == Finding.centre_id).where(*where)
        kinds = await self.session.execute(
            joined.add_columns(Finding.kind, func.count().label("n")).group_by(code, Finding.kind)
        )
        flagged = await self.session.execute(
            joined.add_columns(
                func.count(distinct(Finding.dossier_id)).label("dossiers"),
                func.count(distinct(Finding.rating_id)).label("ratings"),
            ).group_by(code)
        )
        changed = await self.session.execute(
            joined.add_columns(Finding.recorded_by, func.count(distinct(Finding.dossier_id)).label("n"))
            .where(Finding.kind.in_(list(DATE_KINDS)))
            .group_by(code, Finding.recorded_by)
        )
        reasons: dict[str, list[KindCount]] = defaultdict(list)
        for row in kinds:
            reasons[row.code].append(KindCount(kind=row.kind, name=kind_name(row.kind, query.lang), count=row.n))
        flagged_by = {row.code: row.dossiers + row.ratings for row in flagged}
        changed_by: dict[str, dict[str, int]] = defaultdict(dict)
        for row in changed:
            changed_by[row.code][row.recorded_by or ""] = row.n
        missing = [c for c in reasons if c not in names]
        if missing:
            found = await self.session.execute(select(Centre.code, Centre.name).where(Centre.code.in_(missing)))
            names.update({row.code: row.name for row in found})
        out = []
        for centre_code in sorted(set(records) | set(reasons)):
            count, bad = records.get(centre_code, 0), flagged_by.get(centre_code, 0)
            score = None if count == 0 and bad == 0 else round(100 * max(0.0, 1 - bad / max(count, bad)), 1)
            out.append(
                CentreIntegrity(
                    centre_code=centre_code,
                    centre_name=names.get(centre_code, centre_code),
                    score=score,
                    records=count,
                    flagged=bad,
                    dossiers_with_dates_changed=sum(changed_by[centre_code].values()),
                    changed_by=changed_by[centre_code],
                    reasons=sorted(reasons[centre_code], key=lambda r: (-r.count, r.kind)),
                )
            )
        return sorted(out, key=lambda c: (c.score is None, c.score if c.score is not None else 0, c.centre_code))

    async def _months(self, where: list[Any]) -> list[MonthCount]:
        rows = await self.session.execute(
            select(Finding.day, Finding.kind, func.count().label("n")).where(*where).group_by(Finding.day, Finding.kind)
        )
        months: Tally[tuple[str, str]] = Tally()
        for row in rows:
            day = row.day if isinstance(row.day, date) else date.fromisoformat(str(row.day))
            months[(f"{day:%Y-%m}", row.kind)] += row.n
        return [MonthCount(month=m, kind=k, count=n) for (m, k), n in sorted(months.items())]

    async def _read(self, page: Sequence[Any], lang: str) -> list[FindingRead]:
        findings = [row.Finding for row in page]

        async def codes(model: Any, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
            wanted = [i for i in ids if i is not None]
            if not wanted:
                return {}
            found = await self.session.execute(select(model.id, model.code).where(model.id.in_(wanted)))
            return {row.id: row.code for row in found}

        counters = await codes(Counter, {f.counter_id for f in findings})
        staff = await codes(Staff, {f.staff_id for f in findings})
        dossiers = await codes(Dossier, {f.dossier_id for f in findings})
        return [
            FindingRead(
                kind=f.kind,
                name=kind_name(f.kind, lang),
                centre_code=row.centre_code,
                counter_code=counters.get(f.counter_id) if f.counter_id else None,
                staff_code=staff.get(f.staff_id) if f.staff_id else None,
                kiosk_id=f.kiosk_id,
                dossier_code=dossiers.get(f.dossier_id) if f.dossier_id else None,
                rating_id=f.rating_id,
                day=f.day,
                detail=f.detail,
                recorded_by=f.recorded_by,
            )
            for row, f in zip(page, findings, strict=True)
        ]
