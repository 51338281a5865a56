"""Verifying a visit: every rule of ``ltc.domain.verification`` on the visit as its events
leave it, the flags it raises kept as the visit's exceptions (opened, reopened, withdrawn), and
a person's visits verified again when their hospital stays or death become known."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from ltc.db.engine import write_transaction
from ltc.db.queries import months
from ltc.db.queries import visits as queries
from ltc.db.tables import Visit, VisitException
from ltc.domain.verification import CaregiverVisit, VerificationContext, verify
from ltc.domain.visit_events import VisitEvent, VisitState, derive
from ltc.domain.visit_exceptions import ExceptionStatus
from ltc.services.context import ServiceContext
from ltc.services.reference import policy_book, service_catalogue
from ltc.services.visits.values import VisitToVerify

OVERLAP_RANGE = timedelta(days=1)  # the caregiver's other visits checked in this near are compared


async def flags_of(
    ctx: ServiceContext, visit: VisitToVerify, state: VisitState, nearby: queries.NearbyEvents | None = None
) -> list[str] | None:
    """Every verification rule on the visit as ``state`` stands; None while it cannot be verified
    (not checked in, or the home has no position). ``nearby``: the caregiver's other visits
    already read, used when read around the moment the visit counts as checked in."""
    if state.checked_in_at is None or visit.person_lat is None or visit.person_lon is None:
        return None
    zone = ctx.settings.zone
    policy = policy_book(ctx.settings).in_force(state.checked_in_at.astimezone(zone).date())
    plan_items = None
    if visit.care_plan_id is not None:
        plan_items = frozenset(visit.plan_items or ()) | frozenset(visit.items)
    context = VerificationContext.from_state(
        state,
        policy=policy,
        zone=zone,
        home_lat=visit.person_lat,
        home_lon=visit.person_lon,
        planned_start=visit.planned_start,
        planned_end=visit.planned_end,
        plan_items=plan_items,
        clinical_codes=service_catalogue(ctx.settings).clinical_codes,
        caregiver_qualification=visit.qualification or "",
        caregiver_visits=await _caregiver_visits(visit, state.checked_in_at, ctx.settings.zone, nearby),
        inpatient_stays=tuple(visit.inpatient_stays),
        date_of_death=visit.deceased_on,
        planned_caregiver_id=visit.caregiver_id,
        certificates_expire_on=await _certificates(visit, state),
    )
    return verify(context)


async def _certificates(visit: VisitToVerify, state: VisitState) -> dict[int, date | None]:
    """When the certificates of who performed the deciding events expire: the planned
    caregiver's came with the visit; another performer's costs a query."""
    known = {visit.caregiver_id: visit.certificate_expires_on} if visit.caregiver_id is not None else {}
    deciding = (state.event(i) for i in (state.check_in_event_id, state.check_out_event_id) if i is not None)
    others = {e.performed_by for e in deciding if e is not None and e.performed_by is not None} - set(known)
    return known | (await queries.certificates_expire_on(others) if others else {})


async def _caregiver_visits(
    visit: VisitToVerify, checked_in_at: datetime, zone: tzinfo, nearby: queries.NearbyEvents | None
) -> tuple[CaregiverVisit, ...]:
    """The caregiver's other visits checked in about then, as their events leave them."""
    if visit.caregiver_id is None:
        return ()
    if nearby is not None and nearby.around == checked_in_at and nearby.reach == OVERLAP_RANGE:
        stored_events = nearby.events
    else:
        stored_events = await queries.caregiver_events(
            visit.caregiver_id,
            visit.id,
            checked_in_at.astimezone(UTC) - OVERLAP_RANGE,
            checked_in_at.astimezone(UTC) + OVERLAP_RANGE,
            zone,
        )
    others: dict[int, list[VisitEvent]] = defaultdict(list)
    for stored in stored_events:
        others[stored.visit].append(stored.event)
    visits = []
    for other_id, events in others.items():
        s = derive(events)
        visits.append(
            CaregiverVisit(other_id, s.checked_in_at, s.check_in_position, s.checked_out_at, s.check_out_position)
        )
    return tuple(visits)


async def record_exceptions(visit: VisitToVerify, flags: list[str], now: datetime) -> None:
    """Open an exception per new flag (or reopen a withdrawn one) and withdraw the open ones whose
    rule no longer fires. A visit never flagged has no exceptions: nothing to read."""
    if not flags and not visit.flags:
        return
    existing = {
        r["code"]: r
        for r in await VisitException.select(VisitException.id, VisitException.code, VisitException.status).where(
            VisitException.visit == visit.id
        )
    }
    for code in flags:
        if code not in existing:
            await VisitException.insert(
                VisitException(
                    visit=visit.id,
                    service_month=visit.service_month,
                    provider=visit.provider_id,
                    code=code,
                    exception_key=f"{visit.id}:{code}",
                    status=ExceptionStatus.OPEN,
                    opened_at=now,
                )
            )
        elif existing[code]["status"] == ExceptionStatus.WITHDRAWN:
            await VisitException.update(
                {VisitException.status: ExceptionStatus.OPEN, VisitException.opened_at: now}
            ).where(VisitException.id == existing[code]["id"])
    stale = [r["id"] for code, r in existing.items() if code not in flags and r["status"] == ExceptionStatus.OPEN]
    if stale:
        await VisitException.update({VisitException.status: ExceptionStatus.WITHDRAWN}).where(
            VisitException.id.is_in(stale)
        )


async def _verify_again(ctx: ServiceContext, visit_id: int, now: datetime) -> None:
    """Verify a stored visit again from its recorded events. Runs in the caller's write
    transaction."""
    row = await queries.visit_for_event(visit_id)
    if row is None:
        return
    visit = VisitToVerify.model_validate(row)
    flags = await flags_of(ctx, visit, derive((await queries.events_of_visits([visit_id]))[visit_id]))
    if flags is None:
        return
    if flags != visit.flags:
        await Visit.update({Visit.flags: flags}).where(
            (Visit.id == visit_id) & (Visit.service_month == row["service_month"])
        )
    await record_exceptions(visit, flags, now)


async def reverify_person(ctx: ServiceContext, person_id: int, since: date | None = None) -> int:
    """Verify again a person's checked-in visits (after hospital stays or a death were imported)."""
    query = Visit.select(Visit.id).where((Visit.person == person_id) & Visit.checked_in_at.is_not_null())
    if since is not None:
        start = datetime.combine(since, time(0), ctx.settings.zone)
        query = query.where(
            (Visit.planned_start >= start)
            & months.of_planned(start, None, ctx.settings.zone).where(Visit.service_month)
        )
    ids = [r["id"] for r in await query]
    now = ctx.clock.now()
    for visit_id in ids:
        async with write_transaction():
            await _verify_again(ctx, visit_id, now)
    return len(ids)
