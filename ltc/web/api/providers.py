from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath

from ltc.services import providers
from ltc.web.dependencies import CurrentActor
from ltc.web.schemas import CaregiverOut, ProviderOut
from ltc.web.security import signed_in


class ProvidersController(Controller):
    path = "/api/v1/providers"
    tags = ["providers"]
    guards = [signed_in]

    @get("/", summary="Designated providers (an agency sees only its own)")
    async def list_providers(self, actor: CurrentActor) -> list[ProviderOut]:
        return [ProviderOut.model_validate(row) for row in await providers.list_providers(actor)]

    @get("/{provider_id:int}", summary="One provider")
    async def provider(self, provider_id: FromPath[int], actor: CurrentActor) -> ProviderOut:
        return ProviderOut.model_validate(await providers.get_provider(actor, provider_id))

    @get("/{provider_id:int}/caregivers", summary="A provider's caregivers")
    async def caregivers(self, provider_id: FromPath[int], actor: CurrentActor) -> list[CaregiverOut]:
        rows = await providers.list_caregivers(actor, provider_id)
        return [CaregiverOut.model_validate({**row, "provider_id": row["provider"]}) for row in rows]
