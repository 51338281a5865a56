"""Records from outside and the institutions' census (API.md "Visits"): inpatient stays and
deaths imported by the bureau, an institution's daily census of its residents."""

from __future__ import annotations

from datetime import date

from litestar import Controller, get, post
from litestar.params import FromQuery, JSONBody

from ltc.domain.access import Action
from ltc.services import census
from ltc.services.census import CensusEntryOut, CensusIn, CensusRecorded
from ltc.services.visits import records
from ltc.services.visits.values import DeathsIn, DeathsRecorded, StaysImported, StaysIn
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import QueryId
from ltc.web.security import allowed, signed_in


class RecordsController(Controller):
    path = "/api/v1"
    tags = ["visits"]
    guards = [signed_in]

    @post(
        "/hospital-stays",
        status_code=200,
        guards=[allowed(Action.IMPORT_RECORDS)],
        summary="Import inpatient stays (by id number)",
    )
    async def stays(self, data: JSONBody[StaysIn], actor: CurrentActor, services: Services) -> StaysImported:
        return await records.import_hospital_stays(services, actor, data.stays)

    @post("/deaths", status_code=200, guards=[allowed(Action.IMPORT_RECORDS)], summary="Record deaths (by id number)")
    async def deaths(self, data: JSONBody[DeathsIn], actor: CurrentActor, services: Services) -> DeathsRecorded:
        return await records.record_deaths(services, actor, data.records)

    @post(
        "/census",
        status_code=200,
        guards=[allowed(Action.RECORD_CENSUS)],
        summary="An institution's daily census of its residents",
    )
    async def record_census(self, data: JSONBody[CensusIn], actor: CurrentActor, services: Services) -> CensusRecorded:
        return await census.record_census(services, actor, data.day, data.entries)

    @get("/census", summary="The census of a day")
    async def census_day(
        self, actor: CurrentActor, services: Services, day: FromQuery[date], provider_id: QueryId = None
    ) -> list[CensusEntryOut]:
        return await census.census_of(services, actor, provider_id, day)
