"""Remote benefits (远郊模式): the bureau grants and ends them for people no designated provider
reaches; the town's agent records the month's check of a family-care household."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import JSONBody, QueryParameter

from ltc.domain.access import Action
from ltc.domain.periods import Period
from ltc.services import remote_benefits
from ltc.services.clock import local_today
from ltc.services.remote_benefits import (
    CheckIn,
    EndIn,
    GrantIn,
    Household,
    RemoteBenefitOut,
    RemoteCheckOut,
    UncoveredPerson,
)
from ltc.services.settlements.values import PERIOD_PATTERN
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import PathId
from ltc.web.security import allowed, signed_in


class RemoteBenefitsController(Controller):
    path = "/api/v1/remote-benefits"
    tags = ["remote villages"]
    guards = [signed_in]

    @get(
        "/",
        guards=[allowed(Action.READ_REMOTE_BENEFITS)],
        summary="Remote benefits (town agents: their own town's), open ones unless all are asked for",
    )
    async def list_benefits(
        self, actor: CurrentActor, all: Annotated[bool, QueryParameter(description="also the ended ones")] = False
    ) -> list[RemoteBenefitOut]:
        return await remote_benefits.list_benefits(actor, open_only=not all)

    @post(
        "/",
        status_code=201,
        guards=[allowed(Action.GRANT_REMOTE_BENEFIT)],
        summary="Grant a family-care allowance or grouped visits to a beneficiary no designated provider reaches",
    )
    async def grant(self, data: JSONBody[GrantIn], actor: CurrentActor, services: Services) -> RemoteBenefitOut:
        return await remote_benefits.grant(services, actor, data)

    @get(
        "/uncovered",
        guards=[allowed(Action.GRANT_REMOTE_BENEFIT)],
        summary="Beneficiaries no designated provider reaches, without an open remote benefit",
    )
    async def uncovered(self, actor: CurrentActor) -> list[UncoveredPerson]:
        return await remote_benefits.list_uncovered(actor)

    @get(
        "/households",
        guards=[allowed(Action.READ_REMOTE_BENEFITS)],
        summary="The month's family-care households (town agents: their own town's) and their checks",
    )
    async def households(
        self,
        actor: CurrentActor,
        services: Services,
        period: Annotated[str | None, QueryParameter(pattern=PERIOD_PATTERN, description="the month, YYYY-MM")] = None,
    ) -> list[Household]:
        month = Period.parse(period) if period else Period.of(local_today(services.clock, services.settings.zone))
        return await remote_benefits.households(actor, month)

    @post(
        "/{benefit_id:int}/end",
        status_code=200,
        guards=[allowed(Action.GRANT_REMOTE_BENEFIT)],
        summary="End a remote benefit on its last day (default today)",
    )
    async def end(
        self, benefit_id: PathId, data: JSONBody[EndIn], actor: CurrentActor, services: Services
    ) -> RemoteBenefitOut:
        return await remote_benefits.end(services, actor, benefit_id, data)

    @post(
        "/{benefit_id:int}/checks",
        status_code=201,
        guards=[allowed(Action.RECORD_REMOTE_CHECK)],
        summary="The town agent records the month's check (a visit or a call) of a family-care household",
    )
    async def record_check(
        self, benefit_id: PathId, data: JSONBody[CheckIn], actor: CurrentActor, services: Services
    ) -> RemoteCheckOut:
        return await remote_benefits.record_check(services, actor, benefit_id, data)
