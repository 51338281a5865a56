"""The siting analysis pages (选址测算): the form (how many new sites, what a new provider
would be like, or an existing provider with a larger radius), the ranked candidate sites,
the best choice, the map, and the exports."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from pydantic import ValidationError

from ltc.domain.access import Action, Actor
from ltc.domain.errors import Conflict
from ltc.services import siting
from ltc.services.siting import SitingIn, SitingParams, SitingResult
from ltc.web import siting_words
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.i18n import current_language
from ltc.web.i18n import gettext as _
from ltc.web.security import allowed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = ("sites", "capacity", "radius_km", "kind", "provider_id", "provider_radius_km")


def _filled(params: SitingParams | siting.TypicalProvider) -> FormState:
    if isinstance(params, SitingParams):
        return FormState.of(**params.model_dump())
    return FormState.of(sites=1, capacity=params.capacity, radius_km=params.radius_km, kind="home")


def _number(state: FormState, name: str, kind: type, low: float, high: float, message: str) -> Any:
    text = str(state.value(name, "")).strip()
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not (low < value <= high if kind is float else low <= value <= high):
        state.refuse(name, message)
        return None
    return value


def _siting_in(state: FormState) -> SitingIn | None:
    sites = _number(state, "sites", int, 1, 2, _("Choose one or two sites."))
    capacity = _number(state, "capacity", int, 1, 5000, _("Enter whole places from 1 to 5000."))
    radius = _number(state, "radius_km", float, 0, 100, _("Enter a radius above 0 and up to 100 km."))
    provider = _number(state, "provider_id", int, 1, 2**31 - 1, _("Choose a provider from the list."))
    provider_radius = _number(state, "provider_radius_km", float, 0, 100, _("Enter a radius above 0 and up to 100 km."))
    if (provider is None) != (provider_radius is None) and not state.has_errors:
        missing = "provider_radius_km" if provider is not None else "provider_id"
        state.refuse(missing, _("A provider and its larger radius go together: fill in both, or neither."))
    kind = str(state.value("kind", "home"))
    if kind not in siting_words.PROVIDER_KINDS:
        state.refuse("kind", _("Choose from the list."))
    if state.has_errors:
        return None
    try:
        return SitingIn(
            sites=sites or 1,
            capacity=capacity,
            radius_km=radius,
            kind=kind,  # type: ignore[arg-type]
            provider_id=provider,
            provider_radius_km=provider_radius,
        )
    except ValidationError:  # pragma: no cover - every field was checked above
        state.refuse("sites", _("Choose one or two sites."))
        return None


class SitingPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.RUN_SITING)]

    async def _page(
        self,
        actor: Actor,
        state: FormState,
        result: SitingResult | None = None,
        job_id: UUID | None = None,
        **more: Any,
    ) -> Template:
        drawing = None
        if result is not None:
            network = await siting.siting_network(actor)
            drawing = siting_words.draw_siting(network, result, english=current_language() == "en")
        return form_page(
            "providers/siting.html",
            state,
            provider_options=[(p.id, f"{p.code} {p.name}") for p in await siting.active_providers(actor)],
            kinds=[(value, _(words)) for value, words in siting_words.PROVIDER_KINDS.items()],
            result=result,
            job_id=job_id,
            drawing=drawing,
            words=siting_words,
            **more,
        )

    @get("/siting")
    async def form(self, actor: CurrentActor) -> Template:
        return await self._page(actor, _filled(await siting.typical_provider()))

    @post("/siting")
    async def start(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        data = _siting_in(state)
        if data is None:
            return await self._page(actor, state)
        try:
            job_id = await siting.start_siting(services, actor, data)
        except FORM_REFUSALS as error:
            return await self._page(actor, state.refused(error))
        return Redirect(f"/jobs/{job_id}?then=/siting/{job_id}", status_code=303)

    @get("/siting/{job_id:uuid}")
    async def result(self, job_id: FromPath[UUID], actor: CurrentActor) -> Template | Redirect:
        view = await siting.get_siting(actor, job_id)
        if view.result is None:
            if view.status == "failed":
                return await self._page(actor, _filled(await siting.typical_provider()), failed=True)
            return Redirect(f"/jobs/{job_id}?then=/siting/{job_id}", status_code=303)
        return await self._page(actor, _filled(view.result.params), view.result, job_id)

    async def _done(self, actor: Actor, job_id: UUID) -> SitingResult:
        view = await siting.get_siting(actor, job_id)
        if view.result is None:
            raise Conflict("the analysis has not finished", code="siting_not_ready")
        return view.result

    @get("/siting/{job_id:uuid}/export.csv")
    async def export_csv(self, job_id: FromPath[UUID], actor: CurrentActor) -> Response[bytes]:
        result = await self._done(actor, job_id)
        return Response(
            siting_words.csv_bytes(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="siting-{job_id}.csv"'},
        )

    @get("/siting/{job_id:uuid}/export.xlsx")
    async def export_xlsx(self, job_id: FromPath[UUID], actor: CurrentActor) -> Response[bytes]:
        result = await self._done(actor, job_id)
        return Response(
            siting_words.xlsx_bytes(result),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="siting-{job_id}.xlsx"'},
        )
