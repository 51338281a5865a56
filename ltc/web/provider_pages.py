"""Pages of the provider network: the registry with agreement history, the map (SVG drawn
on the server from coordinates) and the re-optimisation preview."""

from __future__ import annotations

from typing import Annotated, get_args
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import BaseModel

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.db.queries.providers import provider_loads
from ltc.domain.access import Action
from ltc.services import assignments, jobs, providers, reoptimisation
from ltc.services.providers import AgreementState, ProviderFilters, ProviderKind
from ltc.services.reoptimisation import ApplyParams, PreviewResult
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.filters import town_choices
from ltc.web.i18n import current_language
from ltc.web.job_summaries import outcome_of
from ltc.web.network_map import draw_network, tile_layer
from ltc.web.pages import actions_of, page
from ltc.web.paging import After, Limit
from ltc.web.registry_pages import provider_detail_page
from ltc.web.security import allowed, signed_in

ASSIGN = allowed(Action.ASSIGN)


class ApplyForm(BaseModel):
    preview_job_id: UUID


class ProviderPages(Controller):
    include_in_schema = False

    @get("/providers", guards=[signed_in])
    async def registry(
        self,
        actor: CurrentActor,
        status: FromQuery[AgreementState | None] = None,
        kind: FromQuery[ProviderKind | None] = None,
        town: Annotated[str | None, QueryParameter(max_length=12)] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        filters = ProviderFilters(status=status, kind=kind, town=town or None)
        found = await providers.provider_page(actor, filters, after=after, limit=limit)
        return page(
            "providers/list.html",
            providers=found.items,
            page=found,
            loads=await provider_loads([p.id for p in found.items]),
            status=status or "",
            kind=kind or "",
            town=town or "",
            statuses=get_args(AgreementState),
            kinds=get_args(ProviderKind),
            towns=town_choices(),
            **actions_of(actor),
        )

    @get("/providers/{provider_id:int}", guards=[signed_in])
    async def detail(self, provider_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        return await provider_detail_page(services, actor, provider_id)

    @get("/map", guards=[ASSIGN])
    async def district_map(self, actor: CurrentActor, services: Services) -> Template:
        network = await assignments.network_map(actor)
        return page(
            "providers/map.html",
            drawing=draw_network(network, english=current_language() == "en"),
            tiles=tile_layer(services.settings, network),
        )

    @get("/assignment", guards=[ASSIGN])
    async def assignment_page(self, actor: CurrentActor, preview: FromQuery[str | None] = None) -> Template:
        job = await jobs.get_job(actor, UUID(preview)) if preview else None
        done = job is not None and job.status == "done" and job.kind == "reoptimise_preview"
        moves = (
            await reoptimisation.named_moves(PreviewResult.model_validate(job.result).sample_moves[:50]) if done else []
        )
        return page(
            "providers/assignment.html",
            uncovered=await assignments.list_uncovered(actor),
            preview=job if done else None,
            outcome=outcome_of(job) if done else None,
            moves=moves,
        )

    @post("/assignment/preview", guards=[ASSIGN])
    async def start_preview(self, actor: CurrentActor, services: Services) -> Redirect:
        job_id = await jobs.start_job(services, actor, "reoptimise_preview", jobs.NoParams())
        return Redirect(path=f"/jobs/{job_id}?then=/assignment?preview={job_id}")

    @post("/assignment/apply", guards=[ASSIGN])
    async def apply(self, data: URLEncodedBody[ApplyForm], actor: CurrentActor, services: Services) -> Redirect:
        params = ApplyParams(preview_job_id=data.preview_job_id)
        return Redirect(path=f"/jobs/{await jobs.start_job(services, actor, 'reoptimise_apply', params)}")
