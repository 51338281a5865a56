"""Counts of the work waiting for someone, read on every page for the navigation: each is
one indexed count."""

from __future__ import annotations

from ltc.db.tables import Application, AssessorAssignment, Settlement, VisitAlert, VisitException


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
