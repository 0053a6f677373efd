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
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from survey_api.accounts.scope import Scope
from survey_api.caches import AppCaches
from survey_api.dossiers.models import Dossier
from survey_api.errors import InvalidInput
from survey_api.i18n import N_, translate
from survey_api.integrity import statistics
from survey_api.integrity.models import Finding, FindingKind
from survey_api.integrity.schemas import (
    CentreIntegrity,
    FindingRead,
    IntegrityReport,
    KindCount,
    MonthCount,
    StatisticalFinding,
)
from survey_api.org.models import Centre, Counter, Staff
from survey_api.reports.query import ReportQuery
from survey_api.reports.schemas import ReportRow
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
    FindingKind.IMPROBABLE_TOP_SHARE: N_("integrity.kind.improbable_top_share"),
    FindingKind.NO_LOW_RATINGS: N_("integrity.kind.no_low_ratings"),
}
"""Each kind's message key (its name in the page's language)."""
DATE_KINDS = (FindingKind.DUE_MOVED, FindingKind.RESOLVED_MOVED, FindingKind.LATE_TO_ON_TIME)
"""The kinds that say a dossier's dates were changed after they were recorded."""
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000


STORED_KINDS = frozenset(KIND_NAMES) - {FindingKind.IMPROBABLE_TOP_SHARE, FindingKind.NO_LOW_RATINGS}
"""The kinds stored as findings (the statistical ones are tests of a period's figures, shown beside the centre)."""


def kind_name(kind: str, lang: str) -> str:
    """A kind's name in ``lang`` (the code itself for a kind this version does not know)."""
    key = KIND_NAMES.get(kind)  # type: ignore[call-overload]
    return translate(key, lang) if key else kind


@dataclass(frozen=True, slots=True)
class Improbable:
    kind: str
    centre_code: str
    ratings: int
    share_pct: float
    peers_pct: float
    p_value: float


def improbable(rows: Sequence[ReportRow], min_ratings: int, false_alarm_rate: float) -> list[Improbable]:
    """The statistical findings of the period (``survey_api.integrity.statistics``): each centre with at least
    ``min_ratings`` ratings against the other such centres of its province in the same report."""
    tested = [row for row in rows if row.ratings >= min_ratings]
    by_province: dict[str, list[ReportRow]] = defaultdict(list)
    for row in tested:
        by_province[row.key[0]].append(row)

    def top(row: ReportRow) -> int:
        return row.levels["5"]

    def low(row: ReportRow) -> int:
        return row.levels["1"] + row.levels["2"]

    candidates: list[tuple[str, ReportRow, float, float]] = []
    for peers_of in by_province.values():
        for row in peers_of:
            others = [r for r in peers_of if r is not row]
            for kind, count in ((FindingKind.IMPROBABLE_TOP_SHARE, top), (FindingKind.NO_LOW_RATINGS, low)):
                peers = statistics.fit([(count(r), r.ratings) for r in others])
                if peers is None:
                    continue
                if kind == FindingKind.NO_LOW_RATINGS:
                    if low(row) == 0:
                        candidates.append((kind, row, statistics.none_of(row.ratings, peers), peers.p))
                elif top(row) / row.ratings > peers.p:
                    candidates.append((kind, row, statistics.upper_tail(top(row), row.ratings, peers), peers.p))
    found = []
    for kind in (FindingKind.IMPROBABLE_TOP_SHARE, FindingKind.NO_LOW_RATINGS):
        # every centre tested for the kind counts in the Bonferroni division, flagged or not
        tests = sum(1 for peers_of in by_province.values() if len(peers_of) > statistics.MIN_PEERS for _ in peers_of)
        threshold = false_alarm_rate / max(1, tests)
        for kind_of, row, p_value, peers_share in candidates:
            if kind_of == kind and p_value < threshold:
                share = (top(row) if kind == FindingKind.IMPROBABLE_TOP_SHARE else low(row)) / row.ratings
                found.append(
                    Improbable(
                        kind=kind,
                        centre_code=row.key[1],
                        ratings=row.ratings,
                        share_pct=round(100 * share, 2),
                        peers_pct=round(100 * peers_share, 2),
                        p_value=p_value,
                    )
                )
    return found


class IntegrityService:
    def __init__(self, session: AsyncSession, settings: Settings, scope: Scope, caches: AppCaches) -> None:
        self.session = session
        self.settings = settings
        self.reports = ReportService(session, settings, scope, caches)

    async def report(
        self, query: ReportQuery, kind: str | None = None, limit: int = 100, offset: int = 0
    ) -> IntegrityReport:
        if kind is not None and kind not in STORED_KINDS:
            raise InvalidInput(f"Unknown kind {kind!r}; use one of {', '.join(sorted(STORED_KINDS))}", field="kind")
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
        if not 0 <= offset <= MAX_OFFSET:
            raise InvalidInput(f"offset must be between 0 and {MAX_OFFSET}", field="offset")
        # The satisfaction report of the same query checks the period, the unit and the centre against the scope
        # and gives each centre's records.
        by_centre = await self.reports.satisfaction(dataclasses.replace(query, group_by=("province", "centre")))
        records = {row.key[1]: row.ratings + row.dossiers_resolved + row.overdue_open for row in by_centre.rows}
        names = {row.key[1]: row.name[1] for row in by_centre.rows}
        tests = improbable(
            by_centre.rows, self.settings.integrity_min_ratings, self.settings.integrity_false_alarm_rate
        )
        where = [Finding.day >= query.date_from, Finding.day <= query.date_to]
        where += self.reports.covering(Finding.centre_id)
        # Each centre's findings per kind and day: the reasons, the months and the total from one statement.
        counted = (
            await self.session.execute(
                select(Finding.centre_id, Finding.kind, Finding.day, func.count().label("n"))
                .where(*where)
                .group_by(Finding.centre_id, Finding.kind, Finding.day)
            )
        ).all()
        centres = await self._centres(query, where, counted, records, names, tests)
        months: Tally[tuple[str, str]] = Tally()
        for row in counted:
            day = row.day if isinstance(row.day, date) else date.fromisoformat(str(row.day))
            months[(f"{day:%Y-%m}", row.kind)] += row.n
        total = sum(row.n for row in counted if kind is None or row.kind == kind)
        page = await self._page(where + ([Finding.kind == kind] if kind else []), limit, offset, query.lang)
        return IntegrityReport(
            date_from=query.date_from,
            date_to=query.date_to,
            method=translate("integrity.method", query.lang),
            centres=centres,
            months=[MonthCount(month=m, kind=k, count=n) for (m, k), n in sorted(months.items())],
            findings=page,
            total=total,
            limit=limit,
            offset=offset,
        )

    async def _centres(
        self,
        query: ReportQuery,
        where: list[Any],
        counted: Sequence[Any],
        records: dict[str, int],
        names: dict[str, str],
        tests: list[Improbable],
    ) -> list[CentreIntegrity]:
        """Each centre's score, reasons and dates changed (by whom); centres with records and no finding too."""
        reasons: dict[uuid.UUID, Tally[str]] = defaultdict(Tally)
        for row in counted:
            reasons[row.centre_id][row.kind] += row.n
        flagged_by: dict[uuid.UUID, int] = {}
        changed_by: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
        codes: dict[uuid.UUID, tuple[str, str]] = {}
        if reasons:
            flagged = await self.session.execute(
                select(
                    Finding.centre_id,
                    func.count(distinct(Finding.dossier_id)).label("dossiers"),
                    func.count(distinct(Finding.rating_id)).label("ratings"),
                )
                .where(*where)
                .group_by(Finding.centre_id)
            )
            flagged_by = {row.centre_id: row.dossiers + row.ratings for row in flagged}
            changed = await self.session.execute(
                select(Finding.centre_id, Finding.recorded_by, func.count(distinct(Finding.dossier_id)).label("n"))
                .where(*where, Finding.kind.in_(list(DATE_KINDS)))
                .group_by(Finding.centre_id, Finding.recorded_by)
            )
            for row in changed:
                changed_by[row.centre_id][row.recorded_by or ""] = row.n
            found = await self.session.execute(
                select(Centre.id, Centre.code, Centre.name).where(Centre.id.in_(list(reasons)))
            )
            codes = {row.id: (row.code, row.name) for row in found}
        by_code = {codes[centre_id][0]: centre_id for centre_id in reasons}
        names.update({code: name for code, name in codes.values() if code not in names})
        out = []
        for centre_code in sorted(set(records) | set(by_code)):
            centre_id = by_code.get(centre_code)
            count, bad = records.get(centre_code, 0), flagged_by.get(centre_id, 0) if centre_id else 0
            score = None if count == 0 and bad == 0 else round(100 * max(0.0, 1 - bad / max(count, bad)), 1)
            kinds = reasons.get(centre_id, Tally()) if centre_id else Tally()
            out.append(
                CentreIntegrity(
                    centre_code=centre_code,
                    centre_name=names.get(centre_code, centre_code),
                    score=score,
                    records=count,
                    flagged=bad,
                    dossiers_with_dates_changed=sum(changed_by[centre_id].values()) if centre_id else 0,
                    changed_by=changed_by[centre_id] if centre_id else {},
                    reasons=[
                        KindCount(kind=k, name=kind_name(k, query.lang), count=n)
                        for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))
                    ],
                    statistics=[
                        StatisticalFinding(
                            kind=t.kind,
                            name=kind_name(t.kind, query.lang),
                            ratings=t.ratings,
                            share_pct=t.share_pct,
                            peers_pct=t.peers_pct,
                            p_value=t.p_value,
                        )
                        for t in tests
                        if t.centre_code == centre_code
                    ],
                )
            )
        return sorted(out, key=lambda c: (c.score is None, c.score if c.score is not None else 0, c.centre_code))

    async def _page(self, where: list[Any], limit: int, offset: int, lang: str) -> list[FindingRead]:
        """The findings of one page, newest day first, with the codes of what they are about."""
        counter, staff, dossier = aliased(Counter), aliased(Staff), aliased(Dossier)
        rows = await self.session.execute(
            select(
                Finding,
                Centre.code.label("centre_code"),
                counter.code.label("counter_code"),
                staff.code.label("staff_code"),
                dossier.code.label("dossier_code"),
            )
            .join(Centre, Centre.id == Finding.centre_id)
            .outerjoin(counter, counter.id == Finding.counter_id)
            .outerjoin(staff, staff.id == Finding.staff_id)
            .outerjoin(dossier, dossier.id == Finding.dossier_id)
            .where(*where)
            .order_by(Finding.day.desc(), Finding.kind, Finding.found_at, Finding.id)
            .limit(limit)
            .offset(offset)
        )
        return [
            FindingRead(
                kind=row.Finding.kind,
                name=kind_name(row.Finding.kind, lang),
                centre_code=row.centre_code,
                counter_code=row.counter_code,
                staff_code=row.staff_code,
                kiosk_id=row.Finding.kiosk_id,
                dossier_code=row.dossier_code,
                rating_id=row.Finding.rating_id,
                day=row.Finding.day,
                detail=row.Finding.detail,
                recorded_by=row.Finding.recorded_by,
            )
            for row in rows
        ]
