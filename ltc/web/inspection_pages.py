"""Pages of inspection cases (稽核): the list (filters, pages), opening a case, the case with
its findings and evidence, the outcomes the ladder allows now, the rectifications with their
deadlines, answers and follow-ups, and the closing. The supervisor works at a desk; the
agency reads its own cases and answers its rectifications (phone or desk)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action, Actor
from ltc.domain.errors import InvalidInput, NotFound
from ltc.domain.inspection_outcomes import overdue
from ltc.domain.money import format_yuan, parse_yuan
from ltc.services import providers
from ltc.services.clock import local_today
from ltc.services.reference import policy_book
from ltc.services.settlements.values import PERIOD_PATTERN
from ltc.services.supervision import findings, outcomes
from ltc.services.supervision.findings import FindingIn
from ltc.services.supervision.inspections import (
    INSPECTION_KINDS,
    InspectionIn,
    InspectionKind,
    list_inspections,
    open_inspection,
)
from ltc.services.supervision.outcomes import ClosingIn, FollowUpIn, OutcomeIn, ResponseIn
from ltc.web.api.inspections import inspection_detail
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.forms import FORM_REFUSALS, FormState, error_message, form_page, read_form
from ltc.web.i18n import gettext as _
from ltc.web.pages import actions_of
from ltc.web.paging import After, Limit, page_request
from ltc.web.schemas import PathId, QueryId
from ltc.web.security import allowed
from ltc.web.vocabulary import (
    FINDING_CATEGORIES,
    INSPECTION_STATUSES,
    OUTCOME_ACTIONS,
    OUTCOME_STATUSES,
    REFERRALS,
)
from ltc.web.vocabulary import (
    INSPECTION_KINDS as KIND_WORDS,
)

WORDS = {
    "kinds": KIND_WORDS,
    "statuses": INSPECTION_STATUSES,
    "categories": FINDING_CATEGORIES,
    "actions": OUTCOME_ACTIONS,
    "outcome_statuses": OUTCOME_STATUSES,
    "referrals": REFERRALS,
}
# A rule's field (API name) → the form's field, so a refusal shows beside what was typed.
FINDING_FIELDS = {
    "amount_fen": "amount",
    "person_ids": "person_ids",
    "caregiver_ids": "caregiver_ids",
    "category": "category",
}
OUTCOME_FIELDS = {
    "amount_fen": "outcome_amount",
    "deadline": "deadline",
    "bar_years": "bar_years",
    "referred_to": "referred_to",
    "caregiver_ids": "bar_caregiver_ids",
}


class OpenForm(BaseModel):
    kind: InspectionKind
    provider_id: int
    period_from: str = Field(pattern=PERIOD_PATTERN)
    period_to: str = Field(pattern=PERIOD_PATTERN)
    reason: str = Field(min_length=1, max_length=2000)


class FindingForm(BaseModel):
    category: str = Field(min_length=1, max_length=32)
    description: str = Field(min_length=1, max_length=4000)


class OutcomeForm(BaseModel):
    action: str = Field(min_length=1, max_length=16)
    deadline: date | None = None
    note: str = Field(default="", max_length=4000)
    referred_to: Literal["police", "discipline", ""] = ""
    bar_years: int | None = Field(default=None, ge=1, le=5)


def _amount(state: FormState, name: str) -> int | None:
    text = str(state.value(name, "")).strip()
    if not text:
        return None
    try:
        fen = parse_yuan(text)
    except InvalidInput:
        state.refuse(name, _("Enter an amount in yuan with at most two decimals (whole fen), e.g. 1234.50."))
        return None
    if fen <= 0:
        state.refuse(name, _("The amount must be more than 0."))
        return None
    return fen


def _ids(state: FormState, name: str) -> list[int] | None:
    text = str(state.value(name, "")).replace("，", ",")
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        state.refuse(name, _("Enter record numbers separated by commas."))
        return None


def _refused(state: FormState, error: Any, fields: dict[str, str] | None = None) -> FormState:
    named = False
    for item in error.errors:
        name = (fields or {}).get(str(item.get("field", ""))) if isinstance(item, dict) else None
        if name:
            state.refuse(name, str(_refusal(error)))
            named = True
    return state if named else state.refused(error)


def _refusal(error: Any) -> str:
    return error_message(error)


class InspectionPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.READ_INSPECTIONS)]

    @get("/inspections")
    async def cases(
        self,
        actor: CurrentActor,
        services: Services,
        status: FromQuery[Literal["open", "closed"] | None] = None,
        kind: FromQuery[InspectionKind | None] = None,
        provider_id: QueryId = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        found = await list_inspections(
            actor, status=status, kind=kind, provider_id=provider_id, page=page_request(limit, after, 1)
        )
        choose_provider = actor.provider_scope is None
        return form_page(
            "inspections/list.html",
            FormState.of(status=status or "", kind=kind or "", provider_id=provider_id or ""),
            cases=found.items,
            page=found,
            kinds=INSPECTION_KINDS,
            providers=await providers.list_providers(actor) if choose_provider else [],
            choose_provider=choose_provider,
            names=await _provider_names(actor),
            words=WORDS,
            **actions_of(actor),
        )

    @get("/inspections/new", guards=[allowed(Action.RUN_INSPECTIONS)])
    async def new(self, actor: CurrentActor, services: Services, provider_id: QueryId = None) -> Template:
        return await _new_page(actor, FormState.of(provider_id=provider_id or "", kind="unannounced"))

    @post("/inspections/new", guards=[allowed(Action.RUN_INSPECTIONS)])
    async def open(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        data = state.parse(OpenForm)
        if data is None:
            return await _new_page(actor, state)
        try:
            case = await open_inspection(services, actor, InspectionIn(**data.model_dump()))
        except FORM_REFUSALS as error:
            return await _new_page(actor, _refused(state, error, {"period_to": "period_to"}))
        return Redirect(path=f"/inspections/{case.id}")

    @get("/inspections/{inspection_id:int}")
    async def case(self, inspection_id: PathId, actor: CurrentActor, services: Services) -> Template:
        return await _case_page(services, actor, inspection_id, FormState.of())

    @get("/inspections/{inspection_id:int}/files/{file_id:int}")
    async def file(self, inspection_id: PathId, file_id: PathId, actor: CurrentActor) -> Response[bytes]:
        meta, body = await findings.file_content(actor, inspection_id, file_id)
        return Response(
            body,
            media_type=meta.content_type,
            headers={"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff"},
        )

    @post("/inspections/{inspection_id:int}/findings", guards=[allowed(Action.RUN_INSPECTIONS)])
    async def finding(
        self, request: Request, inspection_id: PathId, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        data = state.parse(FindingForm)
        amount = _amount(state, "amount")
        persons, caregivers = _ids(state, "person_ids"), _ids(state, "caregiver_ids")
        if data is None or state.has_errors or persons is None or caregivers is None:
            return await _case_page(services, actor, inspection_id, state)
        upload = (await request.form()).get("file")
        try:
            done = await findings.record_finding(
                services,
                actor,
                inspection_id,
                FindingIn(
                    category=data.category,
                    description=data.description,
                    amount_fen=amount,
                    person_ids=persons,
                    caregiver_ids=caregivers,
                    hold_payment=state.value("hold_payment") == "true",
                ),
            )
            if isinstance(upload, UploadFile) and upload.filename:
                content = await upload.read(services.settings.evidence_max_bytes + 1)
                await findings.add_file(
                    services,
                    actor,
                    inspection_id,
                    filename=upload.filename,
                    content_type=upload.content_type or "",
                    content=content,
                    finding_id=done.id,
                )
        except FORM_REFUSALS as error:
            return await _case_page(services, actor, inspection_id, _refused(state, error, FINDING_FIELDS))
        return Redirect(path=f"/inspections/{inspection_id}#findings")

    @post("/inspections/{inspection_id:int}/outcomes", guards=[allowed(Action.RUN_INSPECTIONS)])
    async def outcome(
        self, request: Request, inspection_id: PathId, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        for empty in ("deadline", "bar_years"):
            if state.value(empty) == "":
                state.values.pop(empty, None)
        data = state.parse(OutcomeForm)
        amount = _amount(state, "outcome_amount")
        caregivers = _ids(state, "bar_caregiver_ids")
        if data is None or state.has_errors or caregivers is None:
            return await _case_page(services, actor, inspection_id, state)
        try:
            request_in = OutcomeIn.model_validate(
                data.model_dump() | {"amount_fen": amount, "caregiver_ids": caregivers}
            )
            await outcomes.take_outcome(services, actor, inspection_id, request_in)
        except FORM_REFUSALS as error:
            return await _case_page(services, actor, inspection_id, _refused(state, error, OUTCOME_FIELDS))
        except ValueError:
            return await _case_page(services, actor, inspection_id, state.refuse("action", _("Choose an outcome.")))
        return Redirect(path=f"/inspections/{inspection_id}#outcomes")

    @post(
        "/inspections/{inspection_id:int}/outcomes/{outcome_id:int}/follow-up", guards=[allowed(Action.RUN_INSPECTIONS)]
    )
    async def follow_up(
        self,
        request: Request,
        inspection_id: PathId,
        outcome_id: PathId,
        actor: CurrentActor,
        services: Services,
    ) -> Template | Redirect:
        state = await read_form(request)
        note = str(state.value("follow_up_note", "")).strip()
        if not note:
            return await _case_page(
                services, actor, inspection_id, state.refuse("follow_up_note", _("Please fill this in."))
            )
        try:
            await _of_case(actor, inspection_id, outcome_id)
            data = FollowUpIn(passed=state.value("passed") == "true", note=note)
            await outcomes.follow_up(services, actor, outcome_id, data)
        except FORM_REFUSALS as error:
            return await _case_page(services, actor, inspection_id, state.refused(error))
        return Redirect(path=f"/inspections/{inspection_id}#outcomes")

    @post(
        "/inspections/{inspection_id:int}/outcomes/{outcome_id:int}/response",
        guards=[allowed(Action.RESPOND_TO_INSPECTION)],
    )
    async def response(
        self,
        request: Request,
        inspection_id: PathId,
        outcome_id: PathId,
        actor: CurrentActor,
        services: Services,
    ) -> Template | Redirect:
        state = await read_form(request)
        note = str(state.value("response_note", "")).strip()
        if not note:
            return await _case_page(
                services, actor, inspection_id, state.refuse("response_note", _("Please fill this in."))
            )
        upload = (await request.form()).get("file")
        try:
            await _of_case(actor, inspection_id, outcome_id)
            await outcomes.respond(services, actor, outcome_id, ResponseIn(note=note))
            if isinstance(upload, UploadFile) and upload.filename:
                content = await upload.read(services.settings.evidence_max_bytes + 1)
                await findings.add_file(
                    services,
                    actor,
                    inspection_id,
                    filename=upload.filename,
                    content_type=upload.content_type or "",
                    content=content,
                    outcome_id=outcome_id,
                )
        except FORM_REFUSALS as error:
            return await _case_page(services, actor, inspection_id, state.refused(error))
        return Redirect(path=f"/inspections/{inspection_id}#outcomes")

    @post("/inspections/{inspection_id:int}/holds/{hold_id:int}/lift", guards=[allowed(Action.RUN_INSPECTIONS)])
    async def lift(
        self, inspection_id: PathId, hold_id: PathId, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        try:
            await findings.lift_hold(services, actor, inspection_id, hold_id)
        except FORM_REFUSALS as error:
            return await _case_page(services, actor, inspection_id, FormState.of().refused(error))
        return Redirect(path=f"/inspections/{inspection_id}#holds")

    @post("/inspections/{inspection_id:int}/close", guards=[allowed(Action.RUN_INSPECTIONS)])
    async def close(
        self, request: Request, inspection_id: PathId, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        summary = str(state.value("summary", "")).strip()
        if not summary:
            return await _case_page(services, actor, inspection_id, state.refuse("summary", _("Please fill this in.")))
        try:
            await outcomes.close_inspection(services, actor, inspection_id, ClosingIn(summary=summary))
        except FORM_REFUSALS as error:
            return await _case_page(services, actor, inspection_id, state.refused(error))
        return Redirect(path=f"/inspections/{inspection_id}")


async def _of_case(actor: Actor, inspection_id: int, outcome_id: int) -> None:
    if (await outcomes.get_outcome(actor, outcome_id)).inspection_id != inspection_id:
        raise NotFound("no such outcome", code="outcome_not_found")


async def _provider_names(actor: Actor) -> dict[int, str]:
    return {p.id: f"{p.code} {p.name}" for p in await providers.list_providers(actor)}


async def _new_page(actor: Actor, state: FormState) -> Template:
    return form_page(
        "inspections/new.html",
        state,
        kinds=[(k, _(KIND_WORDS[k])) for k in INSPECTION_KINDS],
        providers=[(p.id, f"{p.code} {p.name}") for p in await providers.list_providers(actor)],
    )


async def _case_page(services: Services, actor: Actor, inspection_id: int, state: FormState) -> Template:
    detail = await inspection_detail(actor, inspection_id)
    today = local_today(services.clock, services.settings.zone)
    names = await _provider_names(actor)
    return form_page(
        "inspections/case.html",
        state,
        d=detail,
        c=detail.inspection,
        provider_name=names.get(detail.inspection.provider_id, ""),
        yuan=format_yuan,
        overdue=lambda o: overdue(o.deadline, o.status, today),
        categories=[(k, _(FINDING_CATEGORIES.get(k, k))) for k in _categories(services, today)],
        actions=[(a, _(OUTCOME_ACTIONS[a])) for a in detail.available_actions],
        referrals=[(k, _(v)) for k, v in REFERRALS.items()],
        words=WORDS,
        **actions_of(actor),
    )


def _categories(services: Services, today: date) -> list[str]:
    return list(policy_book(services.settings).in_force(today).finding_credit_points)
