"""Reading visits: one visit, a day's visits, the slots no caregiver could take and the open
alerts. An agency reads its own provider's; the region-wide roles read every provider's; a
caregiver reads their own visits and nothing else."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from ltc.db.personal_data import with_person_address
from ltc.db.queries import agency as desk
from ltc.db.queries import lists
from ltc.db.queries import visits as queries
from ltc.db.queries.agency import moment_key
from ltc.db.queries.paging import Page, PageRequest, page_of
from ltc.domain.access import Action, Actor, require, require_provider_visible
from ltc.domain.errors import InvalidInput, NotFound
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.visits.values import UnscheduledSlotOut, VisitAlertOut, VisitFilters, VisitOut


def visible(actor: Actor, provider_id: int, caregiver_id: int | None = None) -> bool:
    """Whether the actor may read this provider's care record, of this caregiver (if not, it
    is 'not found'): a caregiver only their own visits."""
    own = actor.caregiver_scope
    if own is not None:
        return actor.may(Action.READ_OWN_VISITS) and caregiver_id == own and actor.provider_scope == provider_id
    scope = actor.provider_scope
    return actor.may(Action.READ_CARE_RECORDS) and (scope is None or scope == provider_id)


def visit_scope(actor: Actor, provider_id: int | None, caregiver_id: int | None) -> tuple[int | None, int | None]:
    """The provider and caregiver a list of visits is limited to: a caregiver's own, whatever
    was asked; an agency's own provider; else what was asked for (None: all)."""
    if actor.caregiver_scope is not None:
        require(actor, Action.READ_OWN_VISITS)
        return actor.provider_scope, actor.caregiver_scope
    return reading_scope(actor, provider_id), caregiver_id


def reading_scope(actor: Actor, provider_id: int | None = None) -> int | None:
    """The provider a list of care records is limited to: the agency's own whatever was asked,
    else the one asked for (None: all). Refuses the roles that read no care records."""
    require(actor, Action.READ_CARE_RECORDS)
    scope = actor.provider_scope
    return provider_id if scope is None else scope


async def get_visit(ctx: ServiceContext, actor: Actor, visit_id: int) -> VisitOut:
    row = await queries.visit_row(visit_id)
    if row is None or not visible(actor, row["provider_id"], row["caregiver_id"]):
        raise NotFound("没有该上门服务", code="visit_not_found")
    return VisitOut.model_validate(with_person_address(ctx.settings.keyring, row))


async def list_visits(
    ctx: ServiceContext, actor: Actor, *, provider_id: int | None, day: date | None, caregiver_id: int | None = None
) -> list[VisitOut]:
    """The visits (not cancelled) of a day, default today, in the order they are planned."""
    if provider_id is not None:
        require_provider_visible(actor, provider_id)
    provider, caregiver = visit_scope(actor, provider_id, caregiver_id)
    day = day or local_today(ctx.clock, ctx.settings.zone)
    start = datetime.combine(day, time(0), ctx.settings.zone)
    rows = await queries.visit_rows(
        start, start + timedelta(days=1), ctx.settings.zone, provider_id=provider, caregiver_id=caregiver
    )
    keyring = ctx.settings.keyring
    return [VisitOut.model_validate(with_person_address(keyring, r)) for r in rows]


async def visit_page(
    ctx: ServiceContext, actor: Actor, filters: VisitFilters, *, after: str | None, limit: int
) -> Page[VisitOut]:
    """A page of a day's visits (default today) in the order they are planned, of a provider,
    a caregiver and a status (without one: all but the cancelled)."""
    if filters.provider_id is not None:
        require_provider_visible(actor, filters.provider_id)
    provider, caregiver = visit_scope(actor, filters.provider_id, filters.caregiver_id)
    day = filters.day or local_today(ctx.clock, ctx.settings.zone)
    start = datetime.combine(day, time(0), ctx.settings.zone)
    query = lists.visits_query(
        queries.VISIT_COLUMNS,
        start=start,
        end=start + timedelta(days=1),
        zone=ctx.settings.zone,
        provider=provider,
        caregiver=caregiver,
        status=filters.status,
    )
    page = await lists.page_of(query, lists.VISIT_ORDER, after, limit)
    keyring = ctx.settings.keyring
    return Page(
        items=[VisitOut.model_validate(with_person_address(keyring, r)) for r in page.items],
        next_after=page.next_after,
    )


UNSCHEDULED_REASONS = ("no_qualified_caregiver", "no_caregiver_free", "weekly_hours_exceeded")
FIRST_PAGE = PageRequest()


async def unscheduled_slots(
    ctx: ServiceContext,
    actor: Actor,
    provider_id: int | None,
    *,
    reason: str | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    page: PageRequest = FIRST_PAGE,
) -> Page[UnscheduledSlotOut]:
    """The slots no caregiver could take, in time order, from ``day_from`` to ``day_to``
    (local days, both included), of one reason if given."""
    if reason is not None and reason not in UNSCHEDULED_REASONS:
        raise InvalidInput("未知的原因", code="unknown_reason", errors=[{"field": "reason"}])
    if provider_id is not None:
        require_provider_visible(actor, provider_id)
    zone = ctx.settings.zone
    rows = await desk.unscheduled_rows(
        reading_scope(actor, provider_id),
        reason=reason,
        start_from=datetime.combine(day_from, time(0), zone) if day_from else None,
        start_before=datetime.combine(day_to + timedelta(days=1), time(0), zone) if day_to else None,
        after=moment_key(page.after),
        limit=page.limit,
    )
    slots = [UnscheduledSlotOut.model_validate(r) for r in rows]
    return page_of(slots, page, lambda u: (u.slot_start, u.id))


async def alert_page(
    ctx: ServiceContext,
    actor: Actor,
    *,
    provider_id: int | None = None,
    kind: str | None = None,
    open_only: bool = True,
    after: str | None,
    limit: int,
) -> Page[VisitAlertOut]:
    """A page of the alerts (the open ones, by default), newest first, of a provider and a kind."""
    if provider_id is not None:
        require_provider_visible(actor, provider_id)
    query = lists.alerts_query(
        queries.ALERT_COLUMNS, provider=reading_scope(actor, provider_id), kind=kind, open_only=open_only
    )
    page = await lists.page_of(query, lists.ALERT_ORDER, after, limit)
    return Page(items=[VisitAlertOut.model_validate(r) for r in page.items], next_after=page.next_after)
