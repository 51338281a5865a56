"""Intake at the bureau's desk (and an agency's, where it may register): register a person,
apply with the self-assessment and follow the application's steps, import the enrolment
registry and read its report. Forms keep what was typed and say what is wrong beside it."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal
from uuid import UUID

from babel.lists import format_list
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field, model_validator

from ltc.domain.access import Action, Actor
from ltc.domain.errors import DomainError, InvalidInput
from ltc.services import persons
from ltc.services.assessment import applications
from ltc.services.assessment.values import ApplicationIn, SelfEval
from ltc.services.context import ServiceContext
from ltc.services.intake import applying, registry_import
from ltc.services.intake.values import RegistryImportResult
from ltc.services.jobs import get_job
from ltc.web.api.assessments import REGISTRY_BODY_LIMIT, RegistryForm, read_registry_upload
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.errors import status_for
from ltc.web.forms import FORM_REFUSALS, FormState, error_message, form_page, read_form
from ltc.web.i18n import current_language
from ltc.web.i18n import gettext as _
from ltc.web.pages import page
from ltc.web.paging import After, Limit, page_request
from ltc.web.refusal_words import ERROR_MESSAGES, REGISTRY_REFUSALS
from ltc.web.rollout_words import scheme_opens
from ltc.web.security import allowed
from ltc.web.vocabulary import APPLICATION_STEPS, REGISTRY_FIELDS, SEXES

MAY_REGISTER = allowed(Action.REGISTER_PERSON)
MAY_APPLY = allowed(Action.FILE_APPLICATION)
MAY_IMPORT = allowed(Action.IMPORT_RECORDS)
# Where a gate's refusal of an application is said: beside the field it is about.
GATE_FIELDS = {
    "disability_too_recent": "disabled_since",
    "applied_on_in_future": "applied_on",
    "self_eval_grade_too_low": "self_eval",
    "missing_items": "self_eval",
    "unknown_option": "self_eval",
}
ANSWER_PREFIX = "answer_"


class _Form(BaseModel):
    """A form as posted: a blank optional field is absent (None), not a value to refuse."""

    @model_validator(mode="before")
    @classmethod
    def _blanks_are_none(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        optional = {name for name, info in cls.model_fields.items() if not info.is_required() and info.default is None}
        return {key: None if key in optional and value == "" else value for key, value in values.items()}


class RegisterForm(_Form):
    """The registration form as typed; the service applies the rules of registration."""

    id_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)
    sex: Literal["M", "F"] | None = None
    birth_date: date | None = None
    phone: str = Field(default="", max_length=20)
    address: str = Field(default="", max_length=300)
    town: str = Field(min_length=1, max_length=64)
    insured: Literal["yes", "no"] = "yes"
    insured_since: date | None = None


class ApplyForm(_Form):
    applied_on: date
    disabled_since: date | None = None
    care_mode: Literal["home", "institutional"]


def refused(state: FormState, error: DomainError, field_of_code: Mapping[str, str] | None = None) -> FormState:
    """A refusal beside its fields, each in the words for its own code where the error names
    one per field (a sex and a birth date that both disagree with the id number); a refusal
    naming no field goes beside the field ``field_of_code`` gives its code, else above the form."""
    places = field_of_code or {}
    named = False
    for item in error.errors:
        name = str(item.get("field") or places.get(error.code, ""))
        code = str(item.get("reason") or item.get("code") or error.code)
        words = REGISTRY_REFUSALS.get(code) or ERROR_MESSAGES.get(code)
        if name in state.values or name in places.values():
            state.errors.setdefault(name, _(words) if words else error_message(error))
            named = True
    if not named and error.code in places:
        state.errors.setdefault(places[error.code], error_message(error))
        named = True
    if not named:
        state.general.append(error_message(error))
    state.status = status_for(error)
    return state


async def _register_page(state: FormState, duplicate_of: int | None = None) -> Template:
    en = current_language() == "en"
    return form_page(
        "intake/register.html",
        state,
        town_options=[(t.code, t.name_en if en else t.name) for t in await registry_import.town_choices()],
        sex_options=[(code, _(words)) for code, words in SEXES.items()],
        duplicate_of=duplicate_of,
    )


def self_assessment_context(services: ServiceContext) -> dict[str, Any]:
    """What a form with the self-assessment draws: the instrument and its live grading."""
    form = applying.self_assessment_form(services)
    en = current_language() == "en"
    grading = None
    if form.grading is not None:
        grading = {
            "dimensions": form.grading.dimensions,
            "rows": form.grading.rows,
            "columns": form.grading.columns,
            "table": form.grading.table,
            "items": [item.model_dump(mode="json") for item in form.instrument.items],
            "labels": {str(lv.level): lv.label_en if en else lv.label for lv in form.instrument.levels},
            "eligible": form.eligible_grades,
            "words": {
                "incomplete": _("Answer every item to see the grade."),
                "eligible": _("This grade may apply for a formal assessment."),
                "ineligible": _("This grade may not apply: only grades {grades} are assessed.").format(
                    grades=format_list(form.eligible_grades, locale="en" if en else "zh_CN")
                ),
            },
        }
    return {"instrument": form.instrument, "grading": grading, "en": en}


async def _apply_page(
    services: ServiceContext, actor: Actor, person_id: int, state: FormState, **extra: Any
) -> Template:
    person = await persons.get_person(services, actor, person_id, audit=True)
    return form_page("intake/apply.html", state, person=person, **self_assessment_context(services), **extra)


class IntakePages(Controller):
    include_in_schema = False

    # ------------------------------------------------------------------ registration

    @get("/intake/register", guards=[MAY_REGISTER])
    async def register_form(self) -> Template:
        return await _register_page(FormState.of(insured="yes"))

    @post("/intake/register", guards=[MAY_REGISTER])
    async def register(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(RegisterForm)
        if form is None:
            return await _register_page(state)
        try:
            person = await persons.register_person(
                services,
                actor,
                persons.PersonIn(
                    id_number=form.id_number,
                    name=form.name,
                    phone=form.phone,
                    address=form.address,
                    town=form.town,
                    insured=form.insured == "yes",
                    insured_since=form.insured_since,
                    sex=form.sex,
                    birth_date=form.birth_date,
                ),
            )
        except FORM_REFUSALS as exc:
            duplicate_of = next((e.get("person_id") for e in exc.errors if e.get("person_id")), None)
            return await _register_page(refused(state, exc), duplicate_of=duplicate_of)
        return Redirect(path=f"/intake/apply/{person.id}?registered=1")

    # ------------------------------------------------------------------ applying

    @get("/intake/apply/{person_id:int}", guards=[MAY_APPLY])
    async def apply_form(
        self, person_id: FromPath[int], actor: CurrentActor, services: Services, registered: FromQuery[bool] = False
    ) -> Template:
        today = applying.self_assessment_form(services).today
        state = FormState.of(applied_on=today.isoformat(), care_mode="home")
        return await _apply_page(services, actor, person_id, state, registered=registered)

    @post("/intake/apply/{person_id:int}", guards=[MAY_APPLY])
    async def apply(
        self, person_id: FromPath[int], request: Request, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(ApplyForm)
        answers = {
            key.removeprefix(ANSWER_PREFIX): value
            for key, value in state.values.items()
            if key.startswith(ANSWER_PREFIX) and isinstance(value, str)
        }
        if form is None:
            return await _apply_page(services, actor, person_id, state)
        try:
            application = await applications.apply(
                services,
                actor,
                ApplicationIn(
                    person_id=person_id,
                    applied_on=form.applied_on,
                    disabled_since=form.disabled_since,
                    care_mode=form.care_mode,
                    self_eval=SelfEval(answers=answers),
                ),
            )
        except FORM_REFUSALS as exc:
            state = refused(state, exc, GATE_FIELDS)
            opens = scheme_opens(exc)
            if opens:
                state.errors["applied_on"] = opens
            return await _apply_page(services, actor, person_id, state)
        return Redirect(path=f"/intake/applications/{application.id}")

    @get("/intake/applications/{application_id:int}", guards=[MAY_APPLY])
    async def application_status(
        self, application_id: FromPath[int], actor: CurrentActor, services: Services
    ) -> Template:
        status = await applying.application_status(services, actor, application_id)
        return page(
            "intake/application.html",
            application=status.application,
            steps=status.steps,
            step_words=APPLICATION_STEPS,
            en=current_language() == "en",
            may_accept=actor.may(Action.ACCEPT_APPLICATION),
        )

    # ------------------------------------------------------------------ the registry

    @get("/intake/import", guards=[MAY_IMPORT])
    async def import_form(self) -> Template:
        return form_page("intake/import.html", FormState(), fields=REGISTRY_FIELDS)

    @post("/intake/import", guards=[MAY_IMPORT], request_max_body_size=REGISTRY_BODY_LIMIT)
    async def start_import(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = FormState()
        upload = (await request.form()).get("file")
        try:
            filename, content = await read_registry_upload(
                RegistryForm(file=upload if isinstance(upload, UploadFile) else None)
            )
            if not content:
                raise InvalidInput("请选择名册文件", code="registry_file_missing", errors=[{"field": "file"}])
            started = await registry_import.upload_registry(services, actor, filename, content)
        except InvalidInput as exc:
            state.values["file"] = ""
            return form_page("intake/import.html", refused(state, exc), fields=REGISTRY_FIELDS)
        return Redirect(path=f"/intake/import/{started.job_id}")

    @get("/intake/import/{job_id:uuid}", guards=[MAY_IMPORT])
    async def import_job(
        self,
        job_id: FromPath[UUID],
        request: Request,
        actor: CurrentActor,
        limit: Limit = 100,
        after: After = None,
        field: FromQuery[str | None] = None,
    ) -> Template:
        job = await get_job(actor, job_id)
        result = await registry_import.import_result(actor, job_id)
        refusals = None
        if result is not None:
            chosen = field if field in REGISTRY_FIELDS else None
            refusals = registry_import.refusal_page(
                result, field=chosen, after=page_request(limit, after, 2).after, limit=limit
            )
        return page(
            "intake/import_job.html",
            job=job,
            result=result,
            refusals=refusals,
            field=field or "",
            fields=REGISTRY_FIELDS,
            reasons=REGISTRY_REFUSALS,
        )

    @get("/intake/import/{job_id:uuid}/refusals.csv", guards=[MAY_IMPORT])
    async def refusals_csv(self, job_id: FromPath[UUID], actor: CurrentActor) -> Response[bytes]:
        result = await registry_import.import_result(actor, job_id)
        return Response(
            refusal_report(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="registry-refusals-{job_id}.csv"'},
        )


def refusal_report(result: RegistryImportResult | None) -> bytes:
    """The refused rows as a CSV in the page's language (with a byte-order mark, so a
    spreadsheet opens the Chinese text as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Row"), _("Field"), _("Reason")])
    for refusal in result.refused if result is not None else []:
        field_words = REGISTRY_FIELDS.get(refusal.field)
        reason_words = REGISTRY_REFUSALS.get(refusal.code)
        writer.writerow(
            [
                refusal.row,
                _(field_words) if field_words else refusal.field,
                _(reason_words) if reason_words else refusal.code,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
