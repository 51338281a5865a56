"""Pages of the provider network: the registry with agreement history, the map (SVG drawn
on the server from coordinates) and the re-optimisation preview."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from ltc.db.tables import Town
from ltc.domain.access import Role
from ltc.services import assignments, jobs, providers
from ltc.web.charts import Projection
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.pages import page
from ltc.web.security import roles, signed_in

BUREAU = roles(Role.BUREAU, Role.ADMIN)


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
        loads = await assignments.map_data()
        load_by_id = {p["id"]: p["load"] for p in loads["providers"]}
        return page("providers/list.html", providers=rows, loads=load_by_id)

    @get("/providers/{provider_id:int}", guards=[signed_in])
    async def detail(self, provider_id: FromPath[int], actor: CurrentActor) -> Template:
        return page(
            "providers/detail.html",
            provider=await providers.get_provider(actor, provider_id),
            history=await providers.agreement_history(actor, provider_id),
            evaluations=await providers.evaluations(actor, provider_id),
            caregivers=await providers.list_caregivers(actor, provider_id),
            load=await providers.current_load(provider_id),
        )

    @post("/providers/{provider_id:int}/agreement", guards=[BUREAU])
    async def agreement(
        self, provider_id: FromPath[int], data: URLEncodedBody[AgreementForm], actor: CurrentActor, services: Services
    ) -> Redirect:
        result = await providers.change_agreement(
            services, actor, provider_id, data.action, reason=data.reason, batch=data.batch
        )
        if result.get("reassignment_job_id"):
            return Redirect(path=f"/jobs/{result['reassignment_job_id']}")
        return Redirect(path=f"/providers/{provider_id}")

    @get("/map", guards=[BUREAU])
    async def district_map(self) -> Template:
        data = await assignments.map_data()
        towns = await Town.select(Town.name, Town.name_en, Town.lat, Town.lon)
        points = [(t["lat"], t["lon"]) for t in towns] + [(p["lat"], p["lon"]) for p in data["providers"]]
        projection = Projection.fit(points)
        by_id = {p["id"]: p for p in data["providers"]}
        people: list[dict[str, Any]] = []
        for person in data["people"]:
            if person["lat"] is None:
                continue
            x, y = projection.xy(person["lat"], person["lon"])
            line = None
            provider = by_id.get(person["provider"])
            if provider is not None:
                line = projection.xy(provider["lat"], provider["lon"])
            people.append({"x": x, "y": y, "status": person["status"], "line": line})
        return page(
            "providers/map.html",
            projection=projection,
            towns=[{**t, "xy": projection.xy(t["lat"], t["lon"])} for t in towns],
            providers=[
                {**p, "xy": projection.xy(p["lat"], p["lon"]), "r": projection.radius_px(p["service_radius_km"])}
                for p in data["providers"]
            ],
            people=people,
            uncovered=sum(1 for p in data["people"] if p["status"] == "unassigned"),
        )

    @get("/assignment", guards=[BUREAU])
    async def assignment_page(self, actor: CurrentActor, preview: FromQuery[str | None] = None) -> Template:
        job = await jobs.get_job(actor, UUID(preview)) if preview else None
        return page("providers/assignment.html", uncovered=await assignments.list_uncovered(actor), preview=job)

    @post("/assignment/preview", guards=[BUREAU])
    async def start_preview(self, actor: CurrentActor, services: Services) -> Redirect:
        job_id = await jobs.start_job(services, actor, "reoptimise_preview")
        return Redirect(path=f"/jobs/{job_id}?then=/assignment?preview={job_id}")

    @post("/assignment/apply", guards=[BUREAU])
    async def apply(self, data: URLEncodedBody[ApplyForm], actor: CurrentActor, services: Services) -> Redirect:
        job_id = await jobs.start_job(services, actor, "reoptimise_apply", {"preview_job_id": str(data.preview_job_id)})
        return Redirect(path=f"/jobs/{job_id}")
