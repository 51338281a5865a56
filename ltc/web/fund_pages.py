"""The bureau's pages of what flows into the fund's figures: contributions paid into the fund,
the hospitals' inpatient stays and deaths (one at a time, or a CSV file with a row-by-row
report of what was refused), and corrections to an approved month. Every form keeps what
was typed and says beside each field what is wrong; amounts are typed in yuan and turned into
fen exactly (``parse_yuan``), never through a float."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from pydantic import BaseModel, ConfigDict, Field

from ltc.domain import settlement as rules
from ltc.domain.access import Action
from ltc.domain.errors import Conflict, DomainError, InvalidInput
from ltc.domain.money import format_yuan, parse_yuan
from ltc.domain.periods import Period
from ltc.services import ledger
from ltc.services.clock import local_today
from ltc.services.settlements import corrections, workflow
from ltc.services.settlements.values import PERIOD_PATTERN, CorrectionRequest, SettlementDetail
from ltc.services.visits import record_files, records
from ltc.services.visits.values import DeathIn, StayIn
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.forms import FORM_REFUSALS, FormState, error_message, form_page, read_form
from ltc.web.i18n import gettext as _
from ltc.web.paging import After, Limit, page_request
from ltc.web.refusal_words import ROW_REFUSALS
from ltc.web.security import allowed
from ltc.web.vocabulary import FUND_WARNINGS, RECORD_COLUMNS

MAX_CONTRIBUTION_FEN = 10**13  # as the API bounds it
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _yuan_to_fen(state: FormState, name: str, *, required: bool = True, positive: bool = False) -> int | None:
    """The amount typed in yuan as exact fen, or None with the reason beside the field."""
    text = str(state.value(name, "")).strip()
    if not text:
        if required:
            state.refuse(name, _("Please fill this in."))
        return None
    try:
        fen = parse_yuan(text)
    except InvalidInput:
        state.refuse(name, _("Enter an amount in yuan with at most two decimals (whole fen), e.g. 1234.50."))
        return None
    if positive and fen <= 0:
        state.refuse(name, _("The amount must be more than 0."))
        return None
    if abs(fen) > MAX_CONTRIBUTION_FEN:
        state.refuse(name, _("The amount is too large."))
        return None
    return fen


def _refused_beside(state: FormState, error: DomainError, fields: dict[str, str]) -> FormState:
    """A rule's refusal beside the form's own field when the rule names it by its API name
    (``amount_fen`` is the form's ``amount`` in yuan)."""
    named = False
    for item in error.errors:
        if not isinstance(item, dict):
            continue
        # {"field": "amount_fen"}, or the value itself under its field's name ({"id_number": …})
        name = fields.get(str(item.get("field", ""))) or next((fields[key] for key in item if key in fields), None)
        if name:
            state.refuse(name, error_message(error))
            named = True
    return state if named else state.refused(error)


# --------------------------------------------------------------------------- contributions


class ContributionForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    source_id: str = Field(min_length=1, max_length=60)
    amount: str = Field(min_length=1, max_length=30)


class ContributionPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.RECORD_CONTRIBUTION)]

    async def _page(
        self,
        actor: CurrentActor,
        services: Services,
        state: FormState,
        period: str | None,
        limit: int,
        after: str | None,
        recorded: str | None = None,
    ) -> Template:
        month = Period.parse(period) if period else None
        listed = await ledger.list_contributions(services, actor, page_request(limit, after, 2), period=month)
        return form_page(
            "fund/contributions.html",
            state,
            contributions=listed,
            period=str(month) if month else "",
            yuan=format_yuan,
            recorded=recorded,
            fund=await ledger.fund_health(services, actor),
            fund_warnings=FUND_WARNINGS,
        )

    @get("/contributions")
    async def contributions(
        self,
        actor: CurrentActor,
        services: Services,
        period: FromQuery[str | None] = None,
        recorded: FromQuery[str | None] = None,
        limit: Limit = 50,
        after: After = None,
    ) -> Template:
        if period and not re.fullmatch(PERIOD_PATTERN, period):
            period = None  # a month that is not one shows every month
        return await self._page(actor, services, FormState.of(), period, limit, after, recorded)

    @post("/contributions")
    async def record(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(ContributionForm)
        fen = _yuan_to_fen(state, "amount", positive=True)
        if form is None or fen is None:
            return await self._page(actor, services, state, None, 50, None)
        try:
            done = await ledger.record_contribution(services, actor, form.source_id, fen)
        except FORM_REFUSALS as error:
            return await self._page(actor, services, state.refused(error), None, 50, None)
        if not done.posted:
            state.refuse("source_id", _("A transfer with this id was recorded before; nothing was posted again."), 409)
            return await self._page(actor, services, state, None, 50, None)
        return Redirect(path=f"/contributions?recorded={form.source_id}")


# --------------------------------------------------------------------------- stays and deaths


class StayForm(BaseModel):
    id_number: str = Field(min_length=18, max_length=18)
    admitted_on: date
    discharged_on: date | None = None
    hospital: str = Field(default="", max_length=200)


class DeathForm(BaseModel):
    id_number: str = Field(min_length=18, max_length=18)
    died_on: date


# The API's field names a refusal may name, and the form fields they are on.
STAY_FIELDS = {"id_number": "id_number", "admitted_on": "admitted_on", "discharged_on": "discharged_on"}
DEATH_FIELDS = {"id_number": "death_id_number", "died_on": "died_on"}


def _blank_to_none(state: FormState, *names: str) -> None:
    for name in names:
        if not str(state.value(name, "")).strip():
            state.values.pop(name, None)


class RecordPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.IMPORT_RECORDS)]

    def _page(
        self, services: Services, stay: FormState, death: FormState, *, status: int = 200, **context: Any
    ) -> Template:
        """The page with both forms, the upload and the last upload's report; the status is
        the first refusal's (422, 409, 413) so clients can tell."""
        for form in (stay, death):
            if form.has_errors:
                status = form.status
        context.setdefault("report", None)
        context.setdefault("upload_errors", [])
        context.setdefault("kind", "stays")
        template = form_page(
            "fund/records.html",
            stay,
            death_form=death,
            row_refusals=ROW_REFUSALS,
            column_names=RECORD_COLUMNS,
            today=local_today(services.clock, services.settings.zone),
            **context,
        )
        template.status_code = status
        return template

    @get("/hospital-stays")
    async def records_page(self, services: Services, done: FromQuery[str | None] = None) -> Template:
        return self._page(services, FormState.of(), FormState.of(), done=done)

    @post("/hospital-stays")
    async def record_stay(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        _blank_to_none(state, "discharged_on")
        form = state.parse(StayForm)
        if form is not None and form.discharged_on is not None and form.discharged_on < form.admitted_on:
            state.refuse("discharged_on", _("The discharge cannot be before the admission."))
            form = None
        if form is None:
            return self._page(services, state, FormState.of())
        try:
            await records.import_hospital_stays(
                services,
                actor,
                [
                    StayIn(
                        id_number=form.id_number.upper(),
                        admitted_on=form.admitted_on,
                        discharged_on=form.discharged_on,
                        hospital=form.hospital,
                    )
                ],
            )
        except FORM_REFUSALS as error:
            return self._page(services, _refused_beside(state, error, STAY_FIELDS), FormState.of())
        return Redirect(path="/hospital-stays?done=stay")

    @post("/hospital-stays/death")
    async def record_death(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        raw = FormState(values={"id_number": state.value("death_id_number"), "died_on": state.value("died_on")})
        form = raw.parse(DeathForm)
        for api_name, form_name in DEATH_FIELDS.items():
            if raw.error(api_name):
                state.refuse(form_name, raw.errors[api_name])
        if form is None:
            return self._page(services, FormState.of(), state)
        if form.died_on > local_today(services.clock, services.settings.zone):
            return self._page(
                services, FormState.of(), state.refuse("died_on", _("The day of death cannot be after today."))
            )
        try:
            await records.record_deaths(
                services, actor, [DeathIn(id_number=form.id_number.upper(), died_on=form.died_on)]
            )
        except FORM_REFUSALS as error:
            return self._page(services, FormState.of(), _refused_beside(state, error, DEATH_FIELDS))
        return Redirect(path="/hospital-stays?done=death")

    @post("/hospital-stays/upload")
    async def upload(self, request: Request, actor: CurrentActor, services: Services) -> Template:
        form = await request.form()
        kind = str(form.get("kind", ""))
        upload = form.get("file")
        problems: list[str] = []
        if kind not in ("stays", "deaths"):
            problems.append(_("Please choose what the file holds."))
        if not isinstance(upload, UploadFile) or not upload.filename:
            problems.append(_("Please choose a CSV file."))
        if problems or not isinstance(upload, UploadFile):
            return self._page(services, FormState.of(), FormState.of(), upload_errors=problems, kind=kind, status=422)
        content = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(content) > MAX_UPLOAD_BYTES:
            return self._page(
                services,
                FormState.of(),
                FormState.of(),
                upload_errors=[_("The file is larger than 5 MB.")],
                kind=kind,
                status=413,
            )
        importer = record_files.import_stays_file if kind == "stays" else record_files.import_deaths_file
        try:
            report = await importer(services, actor, content)
        except FORM_REFUSALS as error:
            return self._page(
                services, FormState.of(), FormState.of(), upload_errors=[error_message(error)], kind=kind, status=422
            )
        return self._page(services, FormState.of(), FormState.of(), report=report, kind=kind, filename=upload.filename)


# --------------------------------------------------------------------------- corrections


class CorrectionForm(BaseModel):
    person_id: int = Field(ge=1)
    amount: str = Field(min_length=1, max_length=30)
    fund_amount: str = Field(default="", max_length=30)
    reason: str = Field(min_length=1, max_length=2000)


CORRECTION_FIELDS = {"person_id": "person_id", "amount_fen": "amount", "fund_fen": "fund_amount", "reason": "reason"}


def _persons(settlement: SettlementDetail) -> list[tuple[int, str]]:
    """The persons the month paid for, as the form's choices."""
    seen: dict[int, str] = {}
    for line in settlement.lines:
        if line.person_id is not None and line.kind in (rules.HOME, rules.INSTITUTIONAL):
            seen.setdefault(line.person_id, line.person_name or f"#{line.person_id}")
    return sorted(seen.items(), key=lambda item: item[1])


class CorrectionPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.CORRECT_SETTLEMENT)]

    async def _settlement(self, services: Services, actor: CurrentActor, settlement_id: int) -> SettlementDetail:
        settlement = await workflow.get_settlement(services, actor, settlement_id)
        if settlement.status not in rules.LOCKED_STATUSES:
            raise Conflict("只能更正已审核通过的月份", code="period_not_approved")
        return settlement

    def _page(self, settlement: SettlementDetail, state: FormState) -> Template:
        return form_page(
            "settlements/correction.html", state, s=settlement, persons=_persons(settlement), yuan=format_yuan
        )

    @get("/settlements/{settlement_id:int}/corrections/new")
    async def new(self, settlement_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        return self._page(await self._settlement(services, actor, settlement_id), FormState.of())

    @post("/settlements/{settlement_id:int}/corrections/new")
    async def record(
        self, request: Request, settlement_id: FromPath[int], actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        settlement = await self._settlement(services, actor, settlement_id)
        state = await read_form(request)
        form = state.parse(CorrectionForm)
        amount = _yuan_to_fen(state, "amount")
        fund = _yuan_to_fen(state, "fund_amount", required=False)
        if form is None or amount is None or (form.fund_amount.strip() and fund is None):
            return self._page(settlement, state)
        try:
            done = await corrections.add_correction(
                services,
                actor,
                CorrectionRequest(
                    provider_id=settlement.provider_id,
                    corrects_period=settlement.period,
                    person_id=form.person_id,
                    amount_fen=amount,
                    fund_fen=fund,
                    reason=form.reason,
                ),
            )
        except FORM_REFUSALS as error:
            return self._page(settlement, _refused_beside(state, error, CORRECTION_FIELDS))
        return Redirect(path=f"/settlements/{settlement_id}?corrected={done.id}")


PAGES = [ContributionPages, RecordPages, CorrectionPages]
