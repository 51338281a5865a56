"""Bed-day checks: census days flagged against hospital stays and deaths, explained by the
agency and resolved by the bureau."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import JSONBody, QueryParameter

from ltc.domain.access import Action
from ltc.services.supervision import bed_days
from ltc.services.supervision.bed_days import BedDayFlagOut, FlagExplanationIn, FlagResolutionIn, FlagStatus
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import PathId, QueryId
from ltc.web.security import allowed, signed_in


class BedDayFlagsController(Controller):
    path = "/api/v1/bed-day-flags"
    tags = ["supervision"]
    guards = [signed_in]

    @get(
        "/",
        guards=[allowed(Action.READ_CARE_RECORDS)],
        summary="Census days flagged by a hospital stay or a death (agencies: their own), newest day first",
    )
    async def list_flags(
        self,
        actor: CurrentActor,
        provider_id: QueryId = None,
        status: Annotated[
            FlagStatus | None, QueryParameter(description="open, explained, resolved or withdrawn")
        ] = None,
    ) -> list[BedDayFlagOut]:
        return await bed_days.list_flags(actor, provider_id, status)

    @post(
        "/{flag_id:int}/explain",
        status_code=200,
        guards=[allowed(Action.EXPLAIN_EXCEPTION)],
        summary="The agency explains a flagged bed-day",
    )
    async def explain(
        self, flag_id: PathId, data: JSONBody[FlagExplanationIn], actor: CurrentActor, services: Services
    ) -> BedDayFlagOut:
        return await bed_days.explain_flag(services, actor, flag_id, data)

    @post(
        "/{flag_id:int}/resolve",
        status_code=200,
        guards=[allowed(Action.RESOLVE_EXCEPTION)],
        summary="The bureau accepts a flagged bed-day (it is settled) or refuses it (it never is)",
    )
    async def resolve(
        self, flag_id: PathId, data: JSONBody[FlagResolutionIn], actor: CurrentActor, services: Services
    ) -> BedDayFlagOut:
        return await bed_days.resolve_flag(services, actor, flag_id, data)
