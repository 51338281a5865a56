"""The bureau's pages of the provider registry: registering a provider, changing its
location, radius, capacity and prices, the agreement steps its current state allows (each
confirmed, with a reason), its annual evaluations, and placing the people waiting for one."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field, field_validator

from ltc.domain.access import Action, Actor
from ltc.domain.agreements import MAX_RADIUS_KM, REASON_REQUIRED, TRANSITIONS, allowed_actions
from ltc.domain.errors import InvalidInput
from ltc.domain.money import format_yuan, parse_yuan
from ltc.services import caregivers, jobs, providers
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.providers import EvaluationIn, ProviderChanges, ProviderIn
from ltc.services.supervision import credit
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.pages import actions_of, page
from ltc.web.security import allowed

MANAGE_PROVIDERS = allowed(Action.MANAGE_PROVIDERS)
KINDS = ("home", "institutional", "both")
_MAX_PRICE_FEN = 10_000_000


def _yuan_to_fen(value: object) -> object:
    """A price typed in yuan ("60", "60.5", "1,200.00") as fen; blank is no price."""
    if value in (None, ""):
        return 0
    if isinstance(value, str):
        try:
            fen = parse_yuan(value)
        except InvalidInput as exc:
            raise ValueError("not an amount in yuan with at most two decimals") from exc
        if not 0 <= fen <= _MAX_PRICE_FEN:
            raise ValueError("the price is out of range")
        return fen
    return value


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


class ProviderForm(BaseModel):
    """The registration form; prices in yuan."""

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    kind: Literal["home", "institutional", "both"]
    address: str = Field(default="", max_length=300)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    service_radius_km: float = Field(gt=0, le=MAX_RADIUS_KM)
    capacity: int = Field(ge=0, le=1_000_000)
    hourly_price: int = Field(default=0, ge=0)
    daily_price: int = Field(default=0, ge=0)
    credit_code: str = Field(default="", max_length=18)

    _prices = field_validator("hourly_price", "daily_price", mode="before")(_yuan_to_fen)

    def provider(self) -> ProviderIn:
        return ProviderIn(
            code=self.code,
            name=self.name,
            name_en=self.name_en,
            kind=self.kind,
            address=self.address,
            lat=self.lat,
            lon=self.lon,
            service_radius_km=self.service_radius_km,
            capacity=self.capacity,
            hourly_price_fen=self.hourly_price,
            daily_price_fen=self.daily_price,
            credit_code=self.credit_code,
        )


class ProviderEditForm(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=300)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    service_radius_km: float = Field(gt=0, le=MAX_RADIUS_KM)
    capacity: int = Field(ge=0, le=1_000_000)
    hourly_price: int = Field(default=0, ge=0)
    daily_price: int = Field(default=0, ge=0)

    _prices = field_validator("hourly_price", "daily_price", mode="before")(_yuan_to_fen)

    def changes(self) -> ProviderChanges:
        return ProviderChanges(
            name=self.name,
            address=self.address,
            lat=self.lat,
            lon=self.lon,
            service_radius_km=self.service_radius_km,
            capacity=self.capacity,
            hourly_price_fen=self.hourly_price,
            daily_price_fen=self.daily_price,
        )


class AgreementForm(BaseModel):
    reason: str = Field(default="", max_length=2000)
    batch: str = Field(default="", max_length=32)


class EvaluationForm(BaseModel):
    year: int = Field(ge=2000, le=2100)
    score: int = Field(ge=0, le=100)
    note: str = Field(default="", max_length=2000)


def _yuan(fen: int) -> str:
    return format_yuan(fen).replace(",", "")


def _edit_state(provider: providers.ProviderOut) -> FormState:
    return FormState.of(
        name=provider.name,
        address=provider.address,
        lat=provider.lat,
        lon=provider.lon,
        service_radius_km=f"{provider.service_radius_km:g}",
        capacity=provider.capacity,
        hourly_price=_yuan(provider.hourly_price_fen),
        daily_price=_yuan(provider.daily_price_fen),
    )


async def provider_detail_page(
    services: ServiceContext,
    actor: Actor,
    provider_id: int,
    *,
    status_code: int = 200,
    agreement_forms: dict[str, FormState] | None = None,
    evaluation_form: FormState | None = None,
) -> Template:
    """The provider's page: its facts and history, and for the bureau the agreement steps
    its state allows (forms keep what was typed after a refusal) and the evaluation form."""
    provider = await providers.get_provider(actor, provider_id)
    steps = allowed_actions(provider.status) if actor.may(Action.MANAGE_PROVIDERS) else ()
    forms = {action: FormState.of(reason="", batch="") for action in steps} | (agreement_forms or {})
    last_year = local_today(services.clock, services.settings.zone).year - 1
    return page(
        "providers/detail.html",
        status_code,
        provider=provider,
        history=await providers.agreement_history(actor, provider_id),
        evaluations=await providers.evaluations(actor, provider_id),
        caregivers=await caregivers.list_caregivers(actor, provider_id)
        if actor.may(Action.MANAGE_CAREGIVERS)
        else None,
        load=await providers.current_load(provider_id),
        agreement_steps=steps,
        agreement_forms=forms,
        reason_required=REASON_REQUIRED,
        evaluation_form=evaluation_form or FormState.of(year=last_year, score="", note=""),
        credit=await credit.provider_credit(services, actor, provider_id) if actor.may(Action.READ_CREDIT) else None,
        **actions_of(actor),
    )


class RegistryPages(Controller):
    include_in_schema = False

    @get("/providers/new", guards=[MANAGE_PROVIDERS])
    async def new_provider(self) -> Template:
        return form_page("providers/new.html", FormState.of(kind="home", service_radius_km="10"), kinds=KINDS)

    @post("/providers/new", guards=[MANAGE_PROVIDERS])
    async def register(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(ProviderForm)
        if form is None:
            return form_page("providers/new.html", state, kinds=KINDS)
        try:
            created = await providers.create_provider(services, actor, form.provider())
        except FORM_REFUSALS as exc:
            return form_page("providers/new.html", state.refused(exc), kinds=KINDS)
        return Redirect(path=f"/providers/{created.id}")

    @get("/providers/{provider_id:int}/edit", guards=[MANAGE_PROVIDERS])
    async def edit(self, provider_id: FromPath[int], actor: CurrentActor) -> Template:
        provider = await providers.get_provider(actor, provider_id)
        return form_page("providers/edit.html", _edit_state(provider), provider=provider)

    @post("/providers/{provider_id:int}/edit", guards=[MANAGE_PROVIDERS])
    async def save(
        self, request: Request, provider_id: FromPath[int], actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        provider = await providers.get_provider(actor, provider_id)
        state = await read_form(request)
        form = state.parse(ProviderEditForm)
        if form is None:
            return form_page("providers/edit.html", state, provider=provider)
        try:
            await providers.update_provider(services, actor, provider_id, form.changes())
        except FORM_REFUSALS as exc:
            return form_page("providers/edit.html", state.refused(exc), provider=provider)
        return Redirect(path=f"/providers/{provider_id}")

    @post("/providers/{provider_id:int}/agreement/{action:str}", guards=[MANAGE_PROVIDERS])
    async def agreement_step(
        self,
        request: Request,
        provider_id: FromPath[int],
        action: FromPath[str],
        actor: CurrentActor,
        services: Services,
    ) -> Template | Redirect:
        if action not in TRANSITIONS:
            raise InvalidInput(f"unknown agreement action {action}", code="unknown_action")
        state = await read_form(request)
        form = state.parse(AgreementForm)
        if form is not None:
            try:
                result = await providers.change_agreement(
                    services, actor, provider_id, action, reason=form.reason, batch=form.batch
                )
            except FORM_REFUSALS as exc:
                state.refused(exc)
            else:
                if result.reassignment_job_id:
                    return Redirect(path=f"/jobs/{result.reassignment_job_id}?then=/providers/{provider_id}")
                return Redirect(path=f"/providers/{provider_id}")
        return await provider_detail_page(
            services, actor, provider_id, status_code=state.status, agreement_forms={action: state}
        )

    @post("/providers/{provider_id:int}/evaluations", guards=[MANAGE_PROVIDERS])
    async def evaluate(
        self, request: Request, provider_id: FromPath[int], actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(EvaluationForm)
        if form is not None:
            try:
                await providers.record_evaluation(
                    services, actor, provider_id, EvaluationIn(year=form.year, score=form.score, note=form.note)
                )
            except FORM_REFUSALS as exc:
                state.refused(exc)
            else:
                return Redirect(path=f"/providers/{provider_id}#evaluations")
        return await provider_detail_page(services, actor, provider_id, status_code=state.status, evaluation_form=state)

    @post("/assignment/place-waiting", guards=[allowed(Action.ASSIGN)])
    async def place_waiting(self, actor: CurrentActor, services: Services) -> Redirect:
        job_id = await jobs.start_job(services, actor, "assign_beneficiaries", jobs.NoParams())
        return Redirect(path=f"/jobs/{job_id}?then=/assignment")
