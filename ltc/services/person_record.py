"""A person's record, gathered in one call for the record page: identity, applications and
assessments read in words, conclusions, placement, care plan versions, a month of visits,
settlement lines, exceptions and the audit trail. Each part is read only when the access
table lets the reader see it, and only as far as their scope reaches (an agency: its own
provider's plans, visits, money and exceptions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ltc.db.queries import persons as queries
from ltc.db.tables import Application, Conclusion, Provider
from ltc.domain.access import Action, Actor
from ltc.domain.errors import NotFound
from ltc.domain.month_calendar import month_weeks
from ltc.domain.periods import Period
from ltc.services.assessment.applications import get_application
from ltc.services.assessment.evidence import list_evidence
from ltc.services.assessment.in_words import assessment_in_words
from ltc.services.assessment.values import ApplicationBasics, ConclusionOut
from ltc.services.assignments import get_assignment
from ltc.services.audit import AuditEntryOut
from ltc.services.care_plans import plans_of_person
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.person_record_values import (
    ApplicationOnRecord,
    CalendarDay,
    PersonRecord,
    PlacementOnRecord,
    SettlementLineOnRecord,
    VisitCalendar,
    VisitOnCalendar,
)
from ltc.services.persons import PersonOut, get_person
from ltc.services.visits.exceptions import with_check_in_facts
from ltc.services.visits.values import VisitExceptionOut

RECENT_LINES = 60
RECENT_EXCEPTIONS = 50
RECENT_AUDIT = 50
# Reading the record is itself audited (person.view_identity); the trail shown leaves those
# reads out, or each visit to the page would push the changes down.
NOT_SHOWN_IN_TRAIL = frozenset({"person.view_identity"})


async def _applications(ctx: ServiceContext, actor: Actor, person_id: int) -> list[ApplicationOnRecord]:
    """The person's applications the reader may see (an assessor: the ones on their teams)."""
    ids = [
        r["id"]
        for r in await Application.select(Application.id)
        .where(Application.person == person_id)
        .order_by(Application.id, ascending=False)
    ]
    out = []
    for application_id in ids:
        try:
            application = await get_application(ctx, actor, application_id)
        except NotFound:
            continue
        out.append(
            ApplicationOnRecord(
                application=ApplicationBasics.model_validate(application.model_dump()),
                team=application.team,
                assessments=[await assessment_in_words(ctx, actor, a.id) for a in application.assessments],
                evidence=await list_evidence(ctx, actor, application_id),
            )
        )
    return out


async def _conclusions(person_id: int) -> list[ConclusionOut]:
    rows = (
        await Conclusion.select(
            Conclusion.id,
            Conclusion.person,
            Conclusion.person.name.as_alias("person_name"),
            Conclusion.level,
            Conclusion.severe,
            Conclusion.care_mode,
            Conclusion.valid_from,
            Conclusion.valid_until,
            Conclusion.status,
            Conclusion.application,
            Conclusion.assessment,
        )
        .where(Conclusion.person == person_id)
        .order_by(Conclusion.id, ascending=False)
    )
    return [ConclusionOut.model_validate(r) for r in rows]


async def _placement(ctx: ServiceContext, actor: Actor, person_id: int) -> PlacementOnRecord | None:
    try:
        assignment = await get_assignment(ctx, actor, person_id)
    except NotFound:
        return None
    named = [i for i in (assignment.provider_id, assignment.nearest_provider_id) if i is not None]
    names = {
        r["id"]: r["name"]
        for r in await Provider.select(Provider.id, Provider.name).where(Provider.id.is_in(named or [-1]))
    }
    return PlacementOnRecord(
        assignment=assignment,
        provider_name=names.get(assignment.provider_id) if assignment.provider_id else None,
        nearest_provider_name=names.get(assignment.nearest_provider_id) if assignment.nearest_provider_id else None,
    )


def _minutes(start: datetime | None, end: datetime | None) -> int | None:
    return int((end - start).total_seconds() // 60) if start and end else None


async def _calendar(ctx: ServiceContext, actor: Actor, person_id: int, month: Period) -> VisitCalendar:
    zone = ctx.settings.zone
    rows = await queries.visits_of_person(person_id, month.start_utc(zone), month.end_utc(zone), actor.provider_scope)
    by_day: dict[Any, list[VisitOnCalendar]] = {}
    for r in rows:
        start = r["planned_start"].astimezone(zone)
        by_day.setdefault(start.date(), []).append(
            VisitOnCalendar(
                id=r["id"],
                start=start.strftime("%H:%M"),
                end=r["planned_end"].astimezone(zone).strftime("%H:%M"),
                status=r["status"],
                flags=list(r["flags"] or []),
                caregiver_name=r["caregiver_name"],
                minutes=_minutes(r["checked_in_at"], r["checked_out_at"]),
            )
        )
    weeks = [
        [
            CalendarDay(
                day=d, in_month=Period.of(d) == month, visits=by_day.get(d, []) if Period.of(d) == month else []
            )
            for d in week
        ]
        for week in month_weeks(month)
    ]
    return VisitCalendar(
        month=str(month), previous=str(month.previous()), next=str(month.next()), weeks=weeks, count=len(rows)
    )


async def _audit(person_id: int) -> list[AuditEntryOut]:
    rows = await queries.audit_of_person(person_id, RECENT_AUDIT + 50)
    shown = [r for r in rows if r["action"] not in NOT_SHOWN_IN_TRAIL][:RECENT_AUDIT]
    return [AuditEntryOut.model_validate(r | {"before": None, "after": None}) for r in shown]


async def person_record(ctx: ServiceContext, actor: Actor, person_id: int, month: Period | None = None) -> PersonRecord:
    """The record of a person the reader may see (404 otherwise); ``month``: the month of
    visits the calendar shows, by default the current one."""
    person: PersonOut = await get_person(ctx, actor, person_id, audit=True)
    month = month or Period.of(local_today(ctx.clock, ctx.settings.zone))
    scope = actor.provider_scope
    care_records = actor.may(Action.READ_CARE_RECORDS)
    plans = None
    if actor.may(Action.READ_CARE_PLAN):
        try:
            plans = list(reversed(await plans_of_person(ctx, actor, person_id)))
        except NotFound:  # an agency with none of the person's plans
            plans = []
    exceptions: list[VisitExceptionOut] | None = None
    if care_records:
        rows = await queries.exceptions_of_person(person_id, scope, RECENT_EXCEPTIONS)
        exceptions = await with_check_in_facts([VisitExceptionOut.model_validate(r) for r in rows])
    placement_visible = actor.may(Action.READ_CARE_PLAN)
    return PersonRecord(
        person=person,
        applications=await _applications(ctx, actor, person_id),
        conclusions=await _conclusions(person_id) if actor.may(Action.READ_CONCLUSIONS) else None,
        placement=await _placement(ctx, actor, person_id) if placement_visible else None,
        placement_visible=placement_visible,
        care_plans=plans,
        calendar=await _calendar(ctx, actor, person_id, month) if care_records else None,
        settlement_lines=[
            SettlementLineOnRecord.model_validate(r)
            for r in await queries.settlement_lines_of_person(person_id, scope, RECENT_LINES)
        ]
        if actor.may(Action.READ_SETTLEMENTS)
        else None,
        exceptions=exceptions,
        audit=await _audit(person_id) if actor.may(Action.READ_AUDIT) else None,
    )
