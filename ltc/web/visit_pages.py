"""Pages of home-care visits on a phone: the caregiver's today and tomorrow (the phone app's
home, kept for use with no signal by static/sw.js), the day's visits per caregiver, one visit
with big check-in and check-out buttons (static/visit.js puts the events in the phone's one
outbox, static/outbox.js, which sends them whenever the network is there), the open alerts,
and the verification exceptions the agency explains and the bureau resolves. A page shows the
actions the access table allows the signed-in role."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action, Actor
from ltc.domain.errors import NotFound
from ltc.domain.periods import require_day_in_range
from ltc.domain.visit_exceptions import EXPLANATION_CODES, ExceptionStatus
from ltc.services import care_plans, caregivers, providers
from ltc.services.caregivers import CaregiverOut
from ltc.services.clock import local_today
from ltc.services.reference import policy_book, service_catalogue
from ltc.services.visits import events, reads
from ltc.services.visits import exceptions as visit_exceptions
from ltc.services.visits.values import AlertKind, CheckIn, CheckOut, VisitFilters, VisitOut, VisitStatus
from ltc.web.api.visits import event_response
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.i18n import current_language
from ltc.web.i18n import gettext as _
from ltc.web.pages import page
from ltc.web.paging import After, Limit
from ltc.web.schemas import QueryId
from ltc.web.security import allowed
from ltc.web.vocabulary import PRESENCE_OUTCOMES, RESOLUTIONS, VISIT_ALERTS, VISIT_FLAGS, VISIT_STATUSES


class ExplainForm(BaseModel):
    reason_code: str = Field(default="", max_length=40)
    explanation: str = Field(default="", max_length=2000)


class ResolveForm(BaseModel):
    resolution_code: str = Field(default="", max_length=16)
    note: str = Field(default="", max_length=2000)


class VisitOnPage(VisitOut):
    """A visit with its times as the page shows them, in the city's time zone."""

    day: str
    start_time: str
    end_time: str
    checked_in_time: str
    checked_out_time: str


@dataclass
class CaregiverDay:
    caregiver_id: int | None
    caregiver_name: str | None
    visits: list[VisitOnPage] = field(default_factory=list)


def _clock(services: Services, moment: datetime | None) -> str:
    return moment.astimezone(services.settings.zone).strftime("%H:%M") if moment else ""


def _on_page(services: Services, visit: VisitOut) -> VisitOnPage:
    return VisitOnPage(
        **dict(visit),
        day=visit.planned_start.astimezone(services.settings.zone).date().isoformat(),
        start_time=_clock(services, visit.planned_start),
        end_time=_clock(services, visit.planned_end),
        checked_in_time=_clock(services, visit.checked_in_at),
        checked_out_time=_clock(services, visit.checked_out_at),
    )


def _by_caregiver(visits: Iterable[VisitOnPage]) -> list[CaregiverDay]:
    groups: dict[int | None, CaregiverDay] = {}
    for visit in visits:
        group = groups.setdefault(visit.caregiver_id, CaregiverDay(visit.caregiver_id, visit.caregiver_name))
        group.visits.append(visit)
    return sorted(groups.values(), key=lambda g: (g.caregiver_name is None, g.caregiver_name or ""))


async def _caregivers_of(actor: Actor, provider_id: int | None) -> list[CaregiverOut]:
    """The caregivers a day's list may be narrowed to: the agency's own, or the chosen
    provider's for the roles that manage caregivers (none for the others)."""
    provider = actor.provider_scope or provider_id
    if provider is None or not actor.may(Action.MANAGE_CAREGIVERS):
        return []
    return await caregivers.list_caregivers(actor, provider)


def _words(codes: Iterable[str]) -> dict[str, str]:
    return {code: _(code) for code in codes}


def _item_names(services: Services, codes: Iterable[str]) -> list[dict[str, str]]:
    catalogue = service_catalogue(services.settings)
    english = current_language() == "en"
    out = []
    for code in codes:
        item = catalogue.get(code)
        name = (item.name_en if english else item.name) if item else code
        out.append({"code": code, "name": name})
    return out


# How many visits of a day the phone app lists (and keeps for offline use): a caregiver has a
# handful; an agency with more reads the full, paged day list.
APP_DAY_LIMIT = 60
# How many visit pages the phone keeps for use offline, the soonest first (a caregiver's two
# days fit many times over; an agency's whole list would be a long download on one bar).
APP_KEEP_LIMIT = 30
APP_USER_HEADER = "X-LTC-User"  # static/sw.js reads it
# What the policy may ask of an event besides its position (the page asks for them when set).
EVIDENCE_POLICY = ("presence_code_required", "photo_required_at_check_in", "signature_required_at_check_out")
# What an event may carry besides its position, sent only when the server's event takes it.
EVIDENCE_FIELDS = ("presence_code", "photo", "signature")


@dataclass
class AppDay:
    day: date
    visits: list[VisitOnPage]
    more: bool  # more visits than the app lists: the full day list has them


class PageEvidence(BaseModel):
    """What the visit page asks at check-in and check-out (the policy's booleans, by field
    name) and which fields the server's events take (by event kind)."""

    asks: dict[str, bool]
    takes: dict[str, list[str]]


def _evidence(services: Services, visit: VisitOut) -> PageEvidence:
    """A policy without these fields (an older policy book) asks for none of them."""
    policy = policy_book(services.settings).in_force(visit.planned_start.astimezone(services.settings.zone).date())
    return PageEvidence(
        asks={name: bool(getattr(policy, name, False)) for name in EVIDENCE_POLICY},
        takes={
            "check_in": [f for f in EVIDENCE_FIELDS if f in CheckIn.model_fields],
            "check_out": [f for f in EVIDENCE_FIELDS if f in CheckOut.model_fields],
        },
    )


def _app_page(actor: Actor, name: str, **context: object) -> Template:
    """A page of the phone app, marked with the user it was made for: the service worker keeps
    it for that user only."""
    shown = page(name, user_id=actor.user_id, **context)
    shown.headers[APP_USER_HEADER] = str(actor.user_id)
    return shown


class VisitPages(Controller):
    include_in_schema = False

    @get("/visits", guards=[allowed(Action.READ_CARE_RECORDS, Action.READ_OWN_VISITS)])
    async def day(
        self,
        actor: CurrentActor,
        services: Services,
        day: Annotated[date | None, QueryParameter(name="date")] = None,
        provider_id: QueryId = None,
        caregiver_id: QueryId = None,
        status: FromQuery[VisitStatus | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        chosen = day or local_today(services.clock, services.settings.zone)
        require_day_in_range(chosen, "date")
        filters = VisitFilters(day=chosen, provider_id=provider_id, caregiver_id=caregiver_id, status=status)
        visits = await reads.visit_page(services, actor, filters, after=after, limit=limit)
        choose_provider = actor.provider_scope is None
        return page(
            "visits/day.html",
            day=chosen,
            today=local_today(services.clock, services.settings.zone),
            previous=chosen - timedelta(days=1),
            next=chosen + timedelta(days=1),
            groups=_by_caregiver(_on_page(services, v) for v in visits.items),
            count=len(visits.items),
            may_record=actor.may(Action.RECORD_VISIT),
            may_check=actor.may(Action.CHECK_IN_OUT),
            choose_provider=choose_provider,
            provider_id=provider_id if choose_provider else None,
            caregiver_id=caregiver_id,
            status=status or "",
            statuses=VISIT_STATUSES,
            providers=await providers.list_providers(actor) if choose_provider else [],
            caregivers=await _caregivers_of(actor, provider_id),
            page=visits,
        )

    @get("/visits/day", guards=[allowed(Action.CHECK_IN_OUT)])
    async def app_day(self, actor: CurrentActor, services: Services) -> Template:
        """The phone app's home: today's and tomorrow's visits the reader records."""
        today = local_today(services.clock, services.settings.zone)
        days = []
        for day in (today, today + timedelta(days=1)):
            found = await reads.visit_page(services, actor, VisitFilters(day=day), after=None, limit=APP_DAY_LIMIT)
            days.append(AppDay(day, [_on_page(services, v) for v in found.items], found.next_after is not None))
        kept = ["/visits/day", *(f"/visits/{v.id}" for d in days for v in d.visits)][: 1 + APP_KEEP_LIMIT]
        return _app_page(actor, "visits/app_day.html", days=days, today=today, pages=kept, words=_words(VISIT_STATUSES))

    @get("/visits/{visit_id:int}", guards=[allowed(Action.CHECK_IN_OUT)])
    async def one(self, visit_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        visit = await reads.get_visit(services, actor, visit_id)
        codes = list(visit.items)
        if visit.care_plan_id is not None:
            try:
                plan_items = (await care_plans.get_plan(services, actor, visit.care_plan_id)).items
            except NotFound:  # an ad-hoc visit may point at a plan of another provider
                plan_items = []
            codes += [c for c in plan_items if c not in codes]
        codes += [c for c in visit.done_items if c not in codes]
        return _app_page(
            actor,
            "visits/visit.html",
            visit=_on_page(services, visit),
            visit_json=visit.model_dump(mode="json"),
            items=_item_names(services, codes),
            planned_items=_item_names(services, visit.items),
            zone=services.settings.timezone,
            evidence=_evidence(services, visit),
            words={
                "statuses": _words(VISIT_STATUSES),
                "flags": _words(VISIT_FLAGS),
                "alerts": _words(VISIT_ALERTS),
            },
        )

    @post("/visits/{visit_id:int}/check-in", guards=[allowed(Action.CHECK_IN_OUT)])
    async def check_in(
        self, visit_id: FromPath[int], data: JSONBody[CheckIn], actor: CurrentActor, services: Services
    ) -> Response[VisitOut]:
        return event_response(await events.record_event(services, actor, visit_id, "check_in", data))

    @post("/visits/{visit_id:int}/check-out", guards=[allowed(Action.CHECK_IN_OUT)])
    async def check_out(
        self, visit_id: FromPath[int], data: JSONBody[CheckOut], actor: CurrentActor, services: Services
    ) -> Response[VisitOut]:
        return event_response(await events.record_event(services, actor, visit_id, "check_out", data))

    @get("/visit-alerts", guards=[allowed(Action.RECORD_VISIT)])
    async def alerts(
        self,
        actor: CurrentActor,
        services: Services,
        kind: FromQuery[AlertKind | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        alerts = await reads.alert_page(services, actor, kind=kind, after=after, limit=limit)
        zone = services.settings.zone
        return page(
            "visits/alerts.html",
            alerts=alerts.items,
            kind=kind or "",
            kinds=VISIT_ALERTS,
            planned={
                a.id: a.planned_start.astimezone(zone).strftime("%m-%d %H:%M") for a in alerts.items if a.planned_start
            },
            page=alerts,
        )

    @get("/visit-exceptions", guards=[allowed(Action.READ_CARE_RECORDS)])
    async def exceptions(
        self,
        actor: CurrentActor,
        services: Services,
        status: FromQuery[Literal["", "open", "explained", "resolved", "withdrawn"] | None] = None,
        code: Annotated[str | None, QueryParameter(max_length=40)] = None,
        provider_id: QueryId = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        may_explain = actor.may(Action.EXPLAIN_EXCEPTION)
        if status is None:
            status = ExceptionStatus.OPEN if may_explain else ExceptionStatus.EXPLAINED
        choose_provider = actor.provider_scope is None
        found = await visit_exceptions.exception_page(
            services,
            actor,
            status=status or None,
            code=code or None,
            provider_id=provider_id,
            after=after,
            limit=limit,
        )
        return page(
            "visits/exceptions.html",
            exceptions=found.items,
            status=status,
            statuses=[*ExceptionStatus, ""],
            Status=ExceptionStatus,
            code=code or "",
            flags=VISIT_FLAGS,
            choose_provider=choose_provider,
            provider_id=provider_id if choose_provider else None,
            providers=await providers.list_providers(actor) if choose_provider else [],
            may_explain=may_explain,
            may_resolve=actor.may(Action.RESOLVE_EXCEPTION),
            may_record=actor.may(Action.RECORD_VISIT),
            reason_codes=EXPLANATION_CODES,
            resolutions=RESOLUTIONS,
            presence_words=PRESENCE_OUTCOMES,
            page=found,
        )

    @post("/visit-exceptions/{exception_id:int}/explain", guards=[allowed(Action.EXPLAIN_EXCEPTION)])
    async def explain(
        self, exception_id: FromPath[int], data: URLEncodedBody[ExplainForm], actor: CurrentActor, services: Services
    ) -> Redirect:
        await visit_exceptions.explain(services, actor, exception_id, data.reason_code, data.explanation)
        return Redirect(path="/visit-exceptions")

    @post("/visit-exceptions/{exception_id:int}/resolve", guards=[allowed(Action.RESOLVE_EXCEPTION)])
    async def resolve(
        self, exception_id: FromPath[int], data: URLEncodedBody[ResolveForm], actor: CurrentActor, services: Services
    ) -> Redirect:
        await visit_exceptions.resolve(services, actor, exception_id, data.resolution_code, data.note)
        return Redirect(path="/visit-exceptions")
