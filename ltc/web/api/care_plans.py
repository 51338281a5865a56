"""Care plans (API.md "Visits"): derived from the final level, adjusted within the policy as
new versions, confirmed by the person or family."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.params import JSONBody

from ltc.domain.access import Action
from ltc.services import care_plans
from ltc.services.care_plans import CarePlanChanges, CarePlanIn, CarePlanOut, ConfirmIn
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import PathId
from ltc.web.security import allowed, signed_in


class CarePlansController(Controller):
    path = "/api/v1"
    tags = ["care plans"]
    guards = [signed_in]

    @post(
        "/care-plans",
        status_code=201,
        summary="The first care plan of a beneficiary (derived from the level)",
        guards=[allowed(Action.WRITE_CARE_PLAN)],
    )
    async def create(self, data: JSONBody[CarePlanIn], actor: CurrentActor, services: Services) -> CarePlanOut:
        return await care_plans.create_plan(services, actor, data.person_id, data.items, data.slots)

    @get("/care-plans/{plan_id:int}", summary="One version of a care plan")
    async def one(self, plan_id: PathId, actor: CurrentActor, services: Services) -> CarePlanOut:
        return await care_plans.get_plan(services, actor, plan_id)

    @patch(
        "/care-plans/{plan_id:int}",
        summary="Adjust within the policy: a new draft version, the old one kept",
        guards=[allowed(Action.WRITE_CARE_PLAN)],
    )
    async def adjust(
        self, plan_id: PathId, data: JSONBody[CarePlanChanges], actor: CurrentActor, services: Services
    ) -> CarePlanOut:
        return await care_plans.adjust(services, actor, plan_id, data)

    @post(
        "/care-plans/{plan_id:int}/confirm",
        status_code=200,
        summary="The person or family confirms the draft",
        guards=[allowed(Action.WRITE_CARE_PLAN)],
    )
    async def confirm(
        self, plan_id: PathId, data: JSONBody[ConfirmIn], actor: CurrentActor, services: Services
    ) -> CarePlanOut:
        return await care_plans.confirm(services, actor, plan_id, data.confirmed_by)

    @get("/persons/{person_id:int}/care-plans", summary="Every version of a person's care plan")
    async def of_person(self, person_id: PathId, actor: CurrentActor, services: Services) -> list[CarePlanOut]:
        return await care_plans.plans_of_person(services, actor, person_id)
