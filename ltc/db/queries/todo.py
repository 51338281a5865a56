"""Counts of the work waiting for someone, read on every page for the navigation: each is
one indexed count."""

from __future__ import annotations

from datetime import date, datetime

from ltc.db.tables import (
    Application,
    AssessorAssignment,
    CarePlan,
    InspectionOutcome,
    Settlement,
    Visit,
    VisitAlert,
    VisitException,
)


async def applications_in(status: str) -> int:
    return await Application.count().where(Application.status == status)


async def applications_to_assess(user_id: int) -> int:
    """Applications on the user's team in the round now being assessed (the first round
    once accepted, the second once sent for re-assessment)."""
    application = AssessorAssignment.application
    return await AssessorAssignment.count().where(
        (AssessorAssignment.assessor == user_id)
        & (
            ((application.status == "accepted") & (AssessorAssignment.round == 1))
            | ((application.status == "reassessing") & (AssessorAssignment.round == 2))
        )
    )


async def exceptions_in(status: str, provider_id: int | None = None) -> int:
    query = VisitException.count().where(VisitException.status == status)
    if provider_id is not None:
        query = query.where(VisitException.provider == provider_id)
    return await query


async def open_alerts(provider_id: int) -> int:
    return await VisitAlert.count().where((VisitAlert.provider == provider_id) & VisitAlert.cleared_at.is_null())


async def settlements_in(status: str, provider_id: int | None = None) -> int:
    query = Settlement.count().where(Settlement.status == status)
    if provider_id is not None:
        query = query.where(Settlement.provider == provider_id)
    return await query


async def visits_to_do(provider_id: int, start: datetime, end: datetime) -> int:
    """The provider's visits of the day not yet done (planned or under way)."""
    return await Visit.count().where(
        (Visit.provider == provider_id)
        & (Visit.planned_start >= start)
        & (Visit.planned_start < end)
        & Visit.status.is_in(["planned", "in_progress"])
    )


async def plans_in(status: str, provider_id: int) -> int:
    """The provider's current care plans in a status (draft: awaiting the family's confirmation)."""
    return await CarePlan.count().where(
        (CarePlan.provider == provider_id) & (CarePlan.status == status) & CarePlan.current_key.is_not_null()
    )


async def rectifications_overdue(today: date) -> int:
    """Rectifications past their deadline that still await the supervisor's follow-up."""
    return await InspectionOutcome.count().where(
        (InspectionOutcome.status == "awaiting") & (InspectionOutcome.deadline < today)
    )


async def rectifications_to_answer(provider_id: int) -> int:
    """The provider's rectifications awaiting a follow-up that it has not answered yet."""
    return await InspectionOutcome.count().where(
        (InspectionOutcome.provider == provider_id)
        & (InspectionOutcome.status == "awaiting")
        & InspectionOutcome.responded_at.is_null()
    )
