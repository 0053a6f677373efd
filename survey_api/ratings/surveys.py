"""The active survey instrument and checks of answers against it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.caches import Memo
from survey_api.errors import ErrorItem, InvalidInput, NotFound
from survey_api.ratings.models import Survey

DEFAULT_CODE = "default"


@dataclass(frozen=True, slots=True)
class Instrument:
    id: Any
    code: str
    version: int
    definition: dict[str, Any]
    options: dict[str, frozenset[int]] = field(init=False)
    """Allowed values per question code (0, "không áp dụng", where N/A is allowed)."""
    reason_codes: frozenset[str] = field(init=False)
    conduct_reasons: frozenset[str] = field(init=False)
    """Reasons that name staff conduct: a rating giving one is flagged."""

    def __post_init__(self) -> None:
        questions = self.definition["questions"]
        reasons = self.definition["reasons"]
        options = {
            q["code"]: frozenset({o["value"] for o in q["options"]} | ({0} if q.get("na_allowed") else set()))
            for q in questions
        }
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "reason_codes", frozenset(r["code"] for r in reasons))
        object.__setattr__(self, "conduct_reasons", frozenset(r["code"] for r in reasons if r.get("conduct")))

    def check(self, answers: dict[str, int], reasons: list[str]) -> None:
        """Raise InvalidInput naming each unknown question, out-of-scale answer or unknown reason."""
        errors: list[ErrorItem] = []
        options = self.options
        for code, value in answers.items():
            if code not in options:
                errors.append(ErrorItem(field=f"answers.{code}", message=f"Unknown question {code!r}"))
            elif value not in options[code]:
                allowed = ", ".join(str(v) for v in sorted(options[code]))
                errors.append(ErrorItem(field=f"answers.{code}", message=f"Must be one of {allowed}"))
        known = self.reason_codes
        for index, reason in enumerate(reasons):
            if reason not in known:
                errors.append(ErrorItem(field=f"reasons.{index}", message=f"Unknown reason {reason!r}"))
        if len(set(reasons)) != len(reasons):
            errors.append(ErrorItem(field="reasons", message="A reason is given twice"))
        if errors:
            raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)

    def sift(self, answers: dict[str, int], reasons: list[str]) -> tuple[dict[str, int], list[str], dict[str, Any]]:
        """Split what this version knows from what it does not (a rating queued on a kiosk before a revision removed
        a question or a reason): (answers it knows, reasons it knows, the rest as ``{"answers", "reasons"}``)."""
        options = self.options
        known_answers = {code: value for code, value in answers.items() if value in options.get(code, ())}
        known_reasons = list(dict.fromkeys(reason for reason in reasons if reason in self.reason_codes))
        rest: dict[str, Any] = {}
        if len(known_answers) != len(answers):
            rest["answers"] = {code: value for code, value in answers.items() if code not in known_answers}
        unknown = [reason for reason in dict.fromkeys(reasons) if reason not in self.reason_codes]
        if unknown:
            rest["reasons"] = unknown
        return known_answers, known_reasons, rest


async def active_instrument(session: AsyncSession, code: str = DEFAULT_CODE) -> Instrument:
    """The newest active version of the instrument ``code``, read now."""
    row = await session.scalar(
        select(Survey).where(Survey.code == code, Survey.active.is_(True)).order_by(Survey.version.desc()).limit(1)
    )
    if row is None:
        raise NotFound(f"No active survey {code!r}")
    return Instrument(row.id, row.code, row.version, row.definition)


async def cached_instrument(
    session: AsyncSession | Callable[[], AsyncSession], remembered: Memo[str, Instrument], code: str = DEFAULT_CODE
) -> Instrument:
    """``active_instrument`` remembered by the app (``remembered``: its ``caches.instruments``) for half a minute:
    the hot path asks on every rating. ``session`` may be a factory, called only when the app does not remember."""
    return await remembered.fill(
        code, lambda: active_instrument(session if isinstance(session, AsyncSession) else session(), code)
    )
