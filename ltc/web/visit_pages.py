"""Pages of home-care visits for the care agency on a phone: the day's visits per caregiver,
one visit with big check-in and check-out buttons (static/visit.js sends the events with the
phone's position, keeping unsent ones on the phone), the open alerts, and the verification
exceptions the agency explains and the bureau resolves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from ltc.domain.access import Role
from ltc.domain.errors import NotFound
from ltc.services import care_plans, providers, visits
from ltc.services.clock import local_today
from ltc.services.reference import service_catalogue
from ltc.web.api.visits import CheckIn, CheckOut, VisitOut
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.i18n import current_language
from ltc.web.i18n import gettext as _
from ltc.web.pages import page
from ltc.web.security import roles
from ltc.web.vocabulary import RESOLUTIONS, VISIT_ALERTS, VISIT_FLAGS, VISIT_STATUSES

AGENCY = roles(Role.AGENCY)
BUREAU = roles(Role.BUREAU, Role.ADMIN)
ANYONE_WATCHING = roles(Role.AGENCY, Role.BUREAU, Role.ADMIN)


class ExplainForm(BaseModel):
    reason_code: str = Field(default="", max_length=40)
    explanation: str = Field(default="", max_length=2000)


class ResolveForm(BaseModel):
    resolution_code: str = Field(default="", max_length=16)
    note: str = Field(default="", max_length=2000)


def _clock(services: Services, moment: Any) -> str:
    return moment.astimezone(services.settings.zone).strftime("%H:%M") if moment else ""


def _with_times(services: Services, visit: dict[str, Any]) -> dict[str, Any]:
    return visit | {
        "day": visit["planned_start"].astimezone(services.settings.zone).date().isoformat(),
        "start_time": _clock(services, visit["planned_start"]),
        "end_time": _clock(services, visit["planned_end"]),
        "checked_in_time": _clock(services, visit["checked_in_at"]),
        "checked_out_time": _clock(services, visit["checked_out_at"]),
    }


def _by_caregiver(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[Any, dict[str, Any]] = {}
    for row in rows:
        key = row["caregiver_id"]
        groups.setdefault(key, {"caregiver_id": key, "caregiver_name": row["caregiver_name"], "visits": []})
        groups[key]["visits"].append(row)
    return sorted(groups.values(), key=lambda g: (g["caregiver_name"] is None, g["caregiver_name"] or ""))


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


class VisitPages(Controller):
    include_in_schema = False

    @get("/visits", guards=[ANYONE_WATCHING])
    async def day(
        self,
        actor: CurrentActor,
        services: Services,
        day: Annotated[date | None, QueryParameter(name="date")] = None,
        provider_id: FromQuery[int | None] = None,
    ) -> Template:
        chosen = day or local_today(services.clock, services.settings.zone)
        rows = await visits.list_visits(services, actor, provider_id=provider_id, day=chosen)
        is_agency = actor.role == Role.AGENCY
        return page(
            "visits/day.html",
            day=chosen,
            today=local_today(services.clock, services.settings.zone),
            previous=chosen - timedelta(days=1),
            next=chosen + timedelta(days=1),
            groups=_by_caregiver(_with_times(services, r) for r in rows),
            count=len(rows),
            is_agency=is_agency,
            provider_id=None if is_agency else provider_id,
            providers=[] if is_agency else await providers.list_providers(actor),
        )

    @get("/visits/{visit_id:int}", guards=[AGENCY])
    async def one(self, visit_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        visit = await visits.get_visit(services, actor, visit_id)
        codes = list(visit["items"])
        if visit["care_plan_id"] is not None:
            try:
                plan = await care_plans.get_plan(services, actor, visit["care_plan_id"])
            except NotFound:  # an ad-hoc visit may point at a plan of another provider
                plan = {"items": []}
            codes += [c for c in plan["items"] if c not in codes]
        codes += [c for c in visit["done_items"] if c not in codes]
        return page(
            "visits/visit.html",
            visit=_with_times(services, visit),
            visit_json=VisitOut.model_validate(visit).model_dump(mode="json"),
            items=_item_names(services, codes),
            planned_items=_item_names(services, visit["items"]),
            zone=services.settings.timezone,
            words={
                "statuses": _words(VISIT_STATUSES),
                "flags": _words(VISIT_FLAGS),
                "alerts": _words(VISIT_ALERTS),
            },
        )

    @post("/visits/{visit_id:int}/check-in", guards=[AGENCY])
    async def check_in(
        self, visit_id: FromPath[int], data: JSONBody[CheckIn], actor: CurrentActor, services: Services
    ) -> Response[VisitOut]:
        visit, outcome = await visits.record_event(services, actor, visit_id, "check_in", data.model_dump())
        return Response(VisitOut.model_validate(visit), status_code=200 if outcome == "replayed" else 201)

    @post("/visits/{visit_id:int}/check-out", guards=[AGENCY])
    async def check_out(
        self, visit_id: FromPath[int], data: JSONBody[CheckOut], actor: CurrentActor, services: Services
    ) -> Response[VisitOut]:
        visit, outcome = await visits.record_event(services, actor, visit_id, "check_out", data.model_dump())
        return Response(VisitOut.model_validate(visit), status_code=200 if outcome == "replayed" else 201)

    @get("/visit-alerts", guards=[AGENCY])
    async def alerts(self, actor: CurrentActor, services: Services) -> Template:
        rows = await visits.list_alerts(services, actor)
        zone = services.settings.zone
        return page(
            "visits/alerts.html",
            alerts=[
                a
                | {"planned": a["planned_start"].astimezone(zone).strftime("%m-%d %H:%M") if a["planned_start"] else ""}
                for a in rows
            ],
        )

    @get("/visit-exceptions", guards=[ANYONE_WATCHING])
    async def exceptions(
        self, actor: CurrentActor, services: Services, status: FromQuery[str | None] = None
    ) -> Template:
        is_agency = actor.role == Role.AGENCY
        if status is None:
            status = "open" if is_agency else "explained"
        rows = await visits.list_exceptions(services, actor, status=status or None)
        return page(
            "visits/exceptions.html",
            exceptions=rows,
            status=status,
            statuses=["open", "explained", "resolved", "withdrawn", ""],
            is_agency=is_agency,
            provider_names={} if is_agency else {p.id: p.name for p in await providers.list_providers(actor)},
            reason_codes=visits.EXPLANATION_CODES,
            resolutions=RESOLUTIONS,
        )

    @post("/visit-exceptions/{exception_id:int}/explain", guards=[AGENCY])
    async def explain(
        self, exception_id: FromPath[int], data: URLEncodedBody[ExplainForm], actor: CurrentActor, services: Services
    ) -> Redirect:
        await visits.explain(services, actor, exception_id, data.reason_code, data.explanation)
        return Redirect(path="/visit-exceptions")

    @post("/visit-exceptions/{exception_id:int}/resolve", guards=[BUREAU])
    async def resolve(
        self, exception_id: FromPath[int], data: URLEncodedBody[ResolveForm], actor: CurrentActor, services: Services
    ) -> Redirect:
        await visits.resolve(services, actor, exception_id, data.resolution_code, data.note)
        return Redirect(path="/visit-exceptions")
