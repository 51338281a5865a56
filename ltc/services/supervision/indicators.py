"""The derived indicators of the annual evaluation: each code's source, an async function of
the provider and the year giving a score from 0 to 100 or None ("no data"). A new source is
one function registered here with :func:`indicator_source`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from ltc.db.queries import months
from ltc.db.tables import FollowUpCall, InspectionFinding, TipOff, Visit, VisitException
from ltc.domain import evaluation as rules

Source = Callable[[int, int, ZoneInfo], Awaitable[int | None]]
SOURCES: dict[str, Source] = {}


def indicator_source(code: str) -> Callable[[Source], Source]:
    def register(source: Source) -> Source:
        SOURCES[code] = source
        return source

    return register


def year_span(year: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The year's first instant and the next year's, in the city's zone."""
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


@indicator_source(rules.EXCEPTION_RATE)
async def exception_rate(provider_id: int, year: int, zone: ZoneInfo) -> int | None:
    """The share of the year's done visits with a flag not withdrawn, as points lost."""
    start, end = year_span(year, zone)
    year_months = months.of_planned(start, end, zone)
    in_year = (Visit.planned_start >= start) & (Visit.planned_start < end) & year_months.where(Visit.service_month)
    visits = await Visit.count().where((Visit.provider == provider_id) & (Visit.status == "done") & in_year)
    flagged = await (
        VisitException.select(VisitException.visit)
        .where(
            (VisitException.provider == provider_id)
            & (VisitException.status != "withdrawn")
            & (VisitException.visit.status == "done")
            & (VisitException.visit.planned_start >= start)
            & (VisitException.visit.planned_start < end)
            & year_months.where(VisitException.visit.service_month)
        )
        .distinct()
    )
    return rules.exception_rate_score(visits, len(flagged))


@indicator_source(rules.SATISFACTION)
async def satisfaction(provider_id: int, year: int, zone: ZoneInfo) -> int | None:
    """The mean points of the year's follow-up calls (回访) about the provider."""
    rows = await FollowUpCall.select(FollowUpCall.answer).where(
        (FollowUpCall.provider == provider_id) & (FollowUpCall.year == year)
    )
    answers: dict[str, int] = {}
    for row in rows:
        answers[row["answer"]] = answers.get(row["answer"], 0) + 1
    return rules.satisfaction_score(answers)


@indicator_source(rules.COMPLAINTS)
async def complaints(provider_id: int, year: int, zone: ZoneInfo) -> int | None:
    """Tip-offs (举报) received in the year that became or joined a case about the provider."""
    start, end = year_span(year, zone)
    count = await TipOff.count().where(
        (TipOff.inspection.provider == provider_id) & (TipOff.received_at >= start) & (TipOff.received_at < end)
    )
    return rules.complaints_score(count)


@indicator_source(rules.INSPECTION_FINDINGS)
async def inspection_findings(provider_id: int, year: int, zone: ZoneInfo) -> int | None:
    """The credit points the year's inspection findings (稽核) about the provider deducted."""
    start, end = year_span(year, zone)
    rows = await InspectionFinding.select(InspectionFinding.points).where(
        (InspectionFinding.inspection.provider == provider_id)
        & (InspectionFinding.recorded_at >= start)
        & (InspectionFinding.recorded_at < end)
    )
    return rules.findings_score(sum(r["points"] for r in rows))


async def derived_scores(codes: tuple[str, ...], provider_id: int, year: int, zone: ZoneInfo) -> dict[str, int | None]:
    """Each derived indicator's score; a code without a source has no data."""
    out: dict[str, int | None] = {}
    for code in codes:
        source = SOURCES.get(code)
        out[code] = await source(provider_id, year, zone) if source is not None else None
    return out
