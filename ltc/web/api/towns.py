"""The towns of the district and when the scheme opens in each (API.md "Towns")."""

from __future__ import annotations

from litestar import Controller, get

from ltc.domain.access import Action
from ltc.services import towns
from ltc.services.towns import TownOut
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.security import allowed, signed_in


class TownsController(Controller):
    path = "/api/v1"
    tags = ["towns"]
    guards = [signed_in]

    @get(
        "/towns",
        guards=[allowed(Action.READ_TOWNS)],
        summary="Every town, the day the scheme opens there under the policy in force, and whether it is remote",
    )
    async def list_towns(self, actor: CurrentActor, services: Services) -> list[TownOut]:
        return await towns.list_towns(services, actor)
