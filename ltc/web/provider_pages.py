"""Pages of the provider network: the registry with agreement history, the map (SVG drawn
on the server from coordinates) and the re-optimisation preview."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from ltc.db.queries.providers import provider_loads
from ltc.domain.access import Action
from ltc.services import assignments, jobs, providers
from ltc.services.reoptimisation import ApplyParams
from ltc.web.charts import Projection
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.pages import actions_of, page
from ltc.web.registry_pages import provider_detail_page
from ltc.web.security import allowed, signed_in

ASSIGN = allowed(Action.ASSIGN)


class AgreementForm(BaseModel):
    action: str = Field(max_length=16)
    reason: str = Field(default="", max_length=2000)
    batch: str = Field(default="", max_length=32)


class ApplyForm(BaseModel):
    preview_job_id: UUID


class ProviderPages(Controller):
    include_in_schema = False

    @get("/providers", guards=[signed_in])
    async def registry(self, actor: CurrentActor) -> Template:
        rows = await providers.list_providers(actor)
        return page("providers/list.html", providers=rows, loads=await provider_loads(), **actions_of(actor))

    @get("/providers/{provider_id:int}", guards=[signed_in])
    async def detail(self, provider_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        return await provider_detail_page(services, actor, provider_id)

    @post("/providers/{provider_id:int}/agreement", guards=[allowed(Action.MANAGE_PROVIDERS)])
    async def agreement(
        self, provider_id: FromPath[int], data: URLEncodedBody[AgreementForm], actor: CurrentActor, services: Services
    ) -> Redirect:
        result = await providers.change_agreement(
            services, actor, provider_id, data.action, reason=data.reason, batch=data.batch
        )
        if result.reassignment_job_id:
            return Redirect(path=f"/jobs/{result.reassignment_job_id}")
        return Redirect(path=f"/providers/{provider_id}")

    @get("/map", guards=[ASSIGN])
    async def district_map(self, actor: CurrentActor) -> Template:
        network = await assignments.network_map(actor)
        points = [(t.lat, t.lon) for t in network.towns] + [(p.lat, p.lon) for p in network.providers]
        projection = Projection.fit(points)
        by_id = {p.id: p for p in network.providers}
        people: list[dict[str, Any]] = []
        for person in network.placements:
            if person.lat is None or person.lon is None:
                continue
            x, y = projection.xy(person.lat, person.lon)
            line = None
            provider = by_id.get(person.provider_id) if person.provider_id is not None else None
            if provider is not None:
                line = projection.xy(provider.lat, provider.lon)
            people.append({"x": x, "y": y, "status": person.status, "line": line})
        return page(
            "providers/map.html",
            projection=projection,
            towns=[{**asdict(t), "xy": projection.xy(t.lat, t.lon)} for t in network.towns],
            providers=[
                {**asdict(p), "xy": projection.xy(p.lat, p.lon), "r": projection.radius_px(p.service_radius_km)}
                for p in network.providers
            ],
            people=people,
            uncovered=sum(1 for p in network.placements if p.status == "unassigned"),
        )

    @get("/assignment", guards=[ASSIGN])
    async def assignment_page(self, actor: CurrentActor, preview: FromQuery[str | None] = None) -> Template:
        job = await jobs.get_job(actor, UUID(preview)) if preview else None
        return page("providers/assignment.html", uncovered=await assignments.list_uncovered(actor), preview=job)

    @post("/assignment/preview", guards=[ASSIGN])
    async def start_preview(self, actor: CurrentActor, services: Services) -> Redirect:
        job_id = await jobs.start_job(services, actor, "reoptimise_preview", jobs.NoParams())
        return Redirect(path=f"/jobs/{job_id}?then=/assignment?preview={job_id}")

    @post("/assignment/apply", guards=[ASSIGN])
    async def apply(self, data: URLEncodedBody[ApplyForm], actor: CurrentActor, services: Services) -> Redirect:
        params = ApplyParams(preview_job_id=data.preview_job_id)
        return Redirect(path=f"/jobs/{await jobs.start_job(services, actor, 'reoptimise_apply', params)}")
