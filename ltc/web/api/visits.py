"""Care plans, visits (check-in, check-out, batches), exceptions, alerts, hospital stays,
deaths and the institutional census (API.md "Visits")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from pydantic import AwareDatetime, BaseModel, Field

from ltc.domain.access import Role
from ltc.services import care_plans, census, visits
from ltc.services.jobs import start_job
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import JobAccepted, Schema
from ltc.web.security import roles, signed_in

BUREAU = roles(Role.BUREAU, Role.ADMIN)
AGENCY = roles(Role.AGENCY)


class Slot(Schema):
    weekday: int = Field(ge=0, le=6)
    start: str = Field(pattern=r"^\d{1,2}:\d{2}$")


class CarePlanIn(Schema):
    person_id: int = Field(ge=1)
    items: list[str] = Field(min_length=1, max_length=42)
    slots: list[Slot] | None = Field(default=None, max_length=28)


class CarePlanChanges(Schema):
    reason: str = Field(min_length=1, max_length=2000)
    monthly_hours: int | None = Field(default=None, ge=1, le=744)
    items: list[str] | None = Field(default=None, max_length=42)
    slots: list[Slot] | None = Field(default=None, max_length=28)


class ConfirmIn(Schema):
    confirmed_by: str = Field(min_length=1, max_length=64, description="the person or family member who confirmed")


class CarePlanOut(BaseModel):
    id: int
    person_id: int
    provider_id: int
    version: int
    status: str
    current: bool
    level: int
    care_mode: str
    items: list[str]
    needs_nurse: bool
    monthly_hours: int
    visit_minutes: int
    visits_per_month: int
    slots: list[dict[str, Any]]
    bed_day_cap_fen: int
    policy_version: str
    reason: str
    confirmed_by: str
    confirmed_at: datetime | None
    created_at: datetime


class VisitOut(BaseModel):
    id: int
    care_plan_id: int | None
    person_id: int
    person_name: str | None = None
    person_address: str | None = None
    person_lat: float | None = None
    person_lon: float | None = None
    provider_id: int
    caregiver_id: int | None
    caregiver_name: str | None = None
    planned_start: datetime
    planned_end: datetime
    items: list[str]
    source: str
    status: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    done_items: list[str]
    flags: list[str]
    alerts: list[str]
    person_confirmation: str = ""


class VisitIn(Schema):
    person_id: int = Field(ge=1)
    caregiver_id: int = Field(ge=1)
    planned_start: AwareDatetime
    planned_end: AwareDatetime
    items: list[str] = Field(default_factory=list, max_length=42)


class CheckIn(Schema):
    event_id: UUID
    at: AwareDatetime = Field(description="device time")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(default=0, ge=0, le=100_000)


class CheckOut(CheckIn):
    items: list[str] = Field(default_factory=list, max_length=42)
    person_confirmation: str = Field(
        default="", max_length=100, description="how the person or family confirmed the service (本人签字, 家属确认 …)"
    )


class BatchEvent(CheckOut):
    visit_id: int = Field(ge=1)
    kind: Literal["check_in", "check_out"]


class BatchIn(Schema):
    events: list[BatchEvent] = Field(min_length=1, max_length=500)


class BatchResult(BaseModel):
    event_id: str
    status: int
    outcome: str | None = None
    code: str | None = None
    detail: str | None = None
    visit: VisitOut | None = None


class GenerateIn(Schema):
    provider_id: int | None = None
    from_day: date | None = Field(default=None, description="first day of the window (default today)")
    days: int | None = Field(default=None, ge=1, le=62)


class ExplainIn(Schema):
    reason_code: str = Field(min_length=1, max_length=40)
    explanation: str = Field(default="", max_length=2000)


class ResolveIn(Schema):
    resolution_code: Literal["accepted", "rejected"]
    note: str = Field(default="", max_length=2000)


class StayIn(Schema):
    id_number: str = Field(min_length=18, max_length=18)
    admitted_on: date
    discharged_on: date | None = None
    hospital: str = Field(default="", max_length=200)


class StaysIn(Schema):
    stays: list[StayIn] = Field(min_length=1, max_length=5000)


class DeathIn(Schema):
    id_number: str = Field(min_length=18, max_length=18)
    died_on: date


class DeathsIn(Schema):
    records: list[DeathIn] = Field(min_length=1, max_length=5000)


class CensusEntryIn(Schema):
    person_id: int = Field(ge=1)
    status: str = Field(min_length=1, max_length=16)


class CensusIn(Schema):
    day: date
    entries: list[CensusEntryIn] = Field(min_length=1, max_length=2000)


class CarePlansController(Controller):
    path = "/api/v1"
    tags = ["care plans"]
    guards = [signed_in]

    @post("/care-plans", status_code=201, summary="The first care plan of a beneficiary (derived from the level)")
    async def create(self, data: JSONBody[CarePlanIn], actor: CurrentActor, services: Services) -> CarePlanOut:
        slots = [s.model_dump() for s in data.slots] if data.slots is not None else None
        return CarePlanOut.model_validate(
            await care_plans.create_plan(services, actor, data.person_id, data.items, slots)
        )

    @get("/care-plans/{plan_id:int}", summary="One version of a care plan")
    async def one(self, plan_id: FromPath[int], actor: CurrentActor, services: Services) -> CarePlanOut:
        return CarePlanOut.model_validate(await care_plans.get_plan(services, actor, plan_id))

    @patch("/care-plans/{plan_id:int}", summary="Adjust within the policy: a new draft version, the old one kept")
    async def adjust(
        self, plan_id: FromPath[int], data: JSONBody[CarePlanChanges], actor: CurrentActor, services: Services
    ) -> CarePlanOut:
        changes = data.model_dump(exclude_unset=True, exclude={"reason"})
        return CarePlanOut.model_validate(await care_plans.adjust(services, actor, plan_id, changes, data.reason))

    @post("/care-plans/{plan_id:int}/confirm", status_code=200, summary="The person or family confirms the draft")
    async def confirm(
        self, plan_id: FromPath[int], data: JSONBody[ConfirmIn], actor: CurrentActor, services: Services
    ) -> CarePlanOut:
        return CarePlanOut.model_validate(await care_plans.confirm(services, actor, plan_id, data.confirmed_by))

    @get("/persons/{person_id:int}/care-plans", summary="Every version of a person's care plan")
    async def of_person(self, person_id: FromPath[int], actor: CurrentActor, services: Services) -> list[CarePlanOut]:
        return [CarePlanOut.model_validate(p) for p in await care_plans.plans_of_person(services, actor, person_id)]


class VisitsController(Controller):
    path = "/api/v1/visits"
    tags = ["visits"]
    guards = [signed_in]

    @get("/", summary="Visits of a provider on a day (agencies: their own)")
    async def list_visits(
        self,
        actor: CurrentActor,
        services: Services,
        provider_id: FromQuery[int | None] = None,
        day: Annotated[date | None, QueryParameter(name="date")] = None,
        caregiver_id: FromQuery[int | None] = None,
    ) -> list[VisitOut]:
        rows = await visits.list_visits(services, actor, provider_id=provider_id, day=day, caregiver_id=caregiver_id)
        return [VisitOut.model_validate(r) for r in rows]

    @post("/", status_code=201, summary="An unscheduled or replacement visit, added by the agency")
    async def add(self, data: JSONBody[VisitIn], actor: CurrentActor, services: Services) -> VisitOut:
        return VisitOut.model_validate(await visits.add_visit(services, actor, data.model_dump()))

    @get("/{visit_id:int}", summary="One visit")
    async def one(self, visit_id: FromPath[int], actor: CurrentActor, services: Services) -> VisitOut:
        return VisitOut.model_validate(await visits.get_visit(services, actor, visit_id))

    @post("/{visit_id:int}/check-in", summary="Check in (flags never refuse; the same event_id twice is kept once)")
    async def check_in(
        self, visit_id: FromPath[int], data: JSONBody[CheckIn], actor: CurrentActor, services: Services
    ) -> Response[VisitOut]:
        visit, outcome = await visits.record_event(services, actor, visit_id, "check_in", data.model_dump())
        return Response(VisitOut.model_validate(visit), status_code=200 if outcome == "replayed" else 201)

    @post("/{visit_id:int}/check-out", summary="Check out with the items performed")
    async def check_out(
        self, visit_id: FromPath[int], data: JSONBody[CheckOut], actor: CurrentActor, services: Services
    ) -> Response[VisitOut]:
        visit, outcome = await visits.record_event(services, actor, visit_id, "check_out", data.model_dump())
        return Response(VisitOut.model_validate(visit), status_code=200 if outcome == "replayed" else 201)

    @post("/events", status_code=200, summary="Events kept by an offline phone: one result per event")
    async def batch(self, data: JSONBody[BatchIn], actor: CurrentActor, services: Services) -> list[BatchResult]:
        results = await visits.record_batch(services, actor, [e.model_dump() for e in data.events])
        return [BatchResult.model_validate(r) for r in results]

    @post("/generate", status_code=202, summary="Generate the rolling window's visits now (a job)")
    async def generate(self, data: JSONBody[GenerateIn], actor: CurrentActor, services: Services) -> JobAccepted:
        params: dict[str, Any] = {"days": data.days}
        provider_id = data.provider_id
        if actor.role == Role.AGENCY:
            provider_id = actor.provider_id
        if provider_id is not None:
            params["provider_id"] = provider_id
        if data.from_day is not None:
            params["from"] = data.from_day.isoformat()
        job_id = await start_job(services, actor, "generate_visits", params, provider_id=provider_id)
        return JobAccepted(job_id=job_id)

    @get("/unscheduled", summary="Visits no caregiver could take, with the reason")
    async def unscheduled(
        self, actor: CurrentActor, services: Services, provider_id: FromQuery[int | None] = None
    ) -> list[dict[str, Any]]:
        return await visits.unscheduled_slots(services, actor, provider_id)


class VisitExceptionsController(Controller):
    path = "/api/v1"
    tags = ["visits"]
    guards = [signed_in]

    @get("/visit-alerts", summary="Open alerts: late, missed, missing check-out")
    async def alerts(self, actor: CurrentActor, services: Services) -> list[dict[str, Any]]:
        return await visits.list_alerts(services, actor)

    @get("/visit-exceptions", summary="Verification exceptions (agencies: their own)")
    async def exceptions(
        self, actor: CurrentActor, services: Services, status: FromQuery[str | None] = None
    ) -> list[dict[str, Any]]:
        return await visits.list_exceptions(services, actor, status=status)

    @post(
        "/visit-exceptions/{exception_id:int}/explain",
        status_code=200,
        guards=[AGENCY],
        summary="The agency explains with a reason code",
    )
    async def explain(
        self, exception_id: FromPath[int], data: JSONBody[ExplainIn], actor: CurrentActor, services: Services
    ) -> dict[str, Any]:
        return await visits.explain(services, actor, exception_id, data.reason_code, data.explanation)

    @post(
        "/visit-exceptions/{exception_id:int}/resolve",
        status_code=200,
        guards=[BUREAU],
        summary="The bureau resolves with a resolution code",
    )
    async def resolve(
        self, exception_id: FromPath[int], data: JSONBody[ResolveIn], actor: CurrentActor, services: Services
    ) -> dict[str, Any]:
        return await visits.resolve(services, actor, exception_id, data.resolution_code, data.note)

    @post("/hospital-stays", status_code=200, guards=[BUREAU], summary="Import inpatient stays (by id number)")
    async def stays(self, data: JSONBody[StaysIn], actor: CurrentActor, services: Services) -> dict[str, Any]:
        return await visits.import_hospital_stays(services, actor, [s.model_dump() for s in data.stays])

    @post("/deaths", status_code=200, guards=[BUREAU], summary="Record deaths (by id number)")
    async def deaths(self, data: JSONBody[DeathsIn], actor: CurrentActor, services: Services) -> dict[str, Any]:
        return await visits.record_deaths(services, actor, [r.model_dump() for r in data.records])

    @post("/census", status_code=200, guards=[AGENCY], summary="An institution's daily census of its residents")
    async def record_census(self, data: JSONBody[CensusIn], actor: CurrentActor, services: Services) -> dict[str, Any]:
        return await census.record_census(services, actor, data.day, [e.model_dump() for e in data.entries])

    @get("/census", summary="The census of a day")
    async def census_day(
        self, actor: CurrentActor, services: Services, day: FromQuery[date], provider_id: FromQuery[int | None] = None
    ) -> list[dict[str, Any]]:
        return await census.census_of(services, actor, provider_id, day)
