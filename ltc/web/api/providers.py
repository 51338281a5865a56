"""The provider registry: providers, their agreement lifecycle, evaluations and caregivers."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action
from ltc.services import caregivers, providers
from ltc.services.caregivers import (
    CaregiverAccountIn,
    CaregiverAccountOut,
    CaregiverChanges,
    CaregiverIn,
    CaregiverOut,
)
from ltc.services.providers import (
    AgreementEventOut,
    AgreementState,
    AgreementStepIn,
    EvaluationIn,
    EvaluationOut,
    ProviderChanges,
    ProviderFilters,
    ProviderIn,
    ProviderKind,
    ProviderOut,
)
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.paging import LINK_HEADER, After, Limit, page_response
from ltc.web.schemas import PathId
from ltc.web.security import allowed, signed_in

MANAGE_PROVIDERS = allowed(Action.MANAGE_PROVIDERS)


class ProvidersController(Controller):
    path = "/api/v1/providers"
    tags = ["providers"]
    guards = [signed_in]

    @get(
        "/",
        summary="Designated providers by code, of a state, a kind and a town (an agency sees only its own), in pages",
        response_headers=LINK_HEADER,
    )
    async def list_providers(
        self,
        request: Request,
        actor: CurrentActor,
        status: Annotated[AgreementState | None, QueryParameter(description="agreement state")] = None,
        kind: Annotated[ProviderKind | None, QueryParameter(description="home, institutional or both")] = None,
        town: Annotated[str | None, QueryParameter(max_length=12, description="the town (its code)")] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[ProviderOut]]:
        filters = ProviderFilters(status=status or None, kind=kind or None, town=town or None)
        return page_response(request, await providers.provider_page(actor, filters, after=after, limit=limit))

    @post("/", status_code=201, guards=[MANAGE_PROVIDERS], summary="Register a provider's application for designation")
    async def create(self, data: JSONBody[ProviderIn], actor: CurrentActor, services: Services) -> ProviderOut:
        return await providers.create_provider(services, actor, data)

    @get("/{provider_id:int}", summary="One provider")
    async def provider(self, provider_id: PathId, actor: CurrentActor) -> ProviderOut:
        return await providers.get_provider(actor, provider_id)

    @patch("/{provider_id:int}", guards=[MANAGE_PROVIDERS], summary="Change location, radius, capacity or prices")
    async def update(
        self, provider_id: PathId, data: JSONBody[ProviderChanges], actor: CurrentActor, services: Services
    ) -> ProviderOut:
        return await providers.update_provider(services, actor, provider_id, data)

    @post(
        "/{provider_id:int}/{action:str}",
        status_code=200,
        guards=[MANAGE_PROVIDERS],
        summary="Agreement step: designate, activate, suspend, reinstate or terminate (with reason)",
    )
    async def agreement_step(
        self,
        provider_id: PathId,
        action: FromPath[str],
        data: JSONBody[AgreementStepIn],
        actor: CurrentActor,
        services: Services,
    ) -> ProviderOut:
        return await providers.change_agreement(
            services, actor, provider_id, action, reason=data.reason, batch=data.batch, effective_on=data.effective_on
        )

    @get("/{provider_id:int}/agreement", summary="The agreement history")
    async def agreement(self, provider_id: PathId, actor: CurrentActor) -> list[AgreementEventOut]:
        return await providers.agreement_history(actor, provider_id)

    @get("/{provider_id:int}/evaluations", summary="Annual evaluation scores")
    async def evaluations(self, provider_id: PathId, actor: CurrentActor) -> list[EvaluationOut]:
        return await providers.evaluations(actor, provider_id)

    @post(
        "/{provider_id:int}/evaluations",
        status_code=201,
        guards=[MANAGE_PROVIDERS],
        summary="Record a year's evaluation",
    )
    async def record_evaluation(
        self, provider_id: PathId, data: JSONBody[EvaluationIn], actor: CurrentActor, services: Services
    ) -> EvaluationOut:
        return await providers.record_evaluation(services, actor, provider_id, data)

    @get("/{provider_id:int}/caregivers", summary="A provider's caregivers")
    async def caregivers(self, provider_id: PathId, actor: CurrentActor) -> list[CaregiverOut]:
        return await caregivers.list_caregivers(actor, provider_id)

    @post(
        "/{provider_id:int}/caregivers",
        status_code=201,
        summary="Add a caregiver (the bureau, or the agency itself)",
        guards=[allowed(Action.MANAGE_CAREGIVERS)],
    )
    async def add_caregiver(
        self, provider_id: PathId, data: JSONBody[CaregiverIn], actor: CurrentActor, services: Services
    ) -> CaregiverOut:
        return await caregivers.add_caregiver(services, actor, provider_id, data)


class CaregiversController(Controller):
    path = "/api/v1/caregivers"
    tags = ["providers"]
    guards = [signed_in, allowed(Action.MANAGE_CAREGIVERS)]

    @get("/{caregiver_id:int}", summary="One caregiver (an agency: its own)")
    async def caregiver(self, caregiver_id: PathId, actor: CurrentActor, services: Services) -> CaregiverOut:
        return await caregivers.get_caregiver(services, actor, caregiver_id)

    @patch(
        "/{caregiver_id:int}",
        summary="Edit a caregiver; {active: false, reason} deactivates, {active: true} takes back",
    )
    async def update(
        self, caregiver_id: PathId, data: JSONBody[CaregiverChanges], actor: CurrentActor, services: Services
    ) -> CaregiverOut:
        return await caregivers.update_caregiver(services, actor, caregiver_id, data)

    @post(
        "/{caregiver_id:int}/account",
        status_code=201,
        summary="Open the caregiver's own sign-in (role caregiver), by their agency",
    )
    async def open_account(
        self, caregiver_id: PathId, data: JSONBody[CaregiverAccountIn], actor: CurrentActor, services: Services
    ) -> CaregiverAccountOut:
        return await caregivers.open_account(services, actor, caregiver_id, data)
