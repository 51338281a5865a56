"""The relief fund's pages (一站式): the months with relief due, a month's statement with its
export and the bureau's record of the relief fund's reimbursement, and the upload of the
civil-affairs list of hardship groups with its report."""

from __future__ import annotations

import re
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ltc.domain.access import Action, Actor
from ltc.domain.errors import DomainError, InvalidInput, NotFound
from ltc.domain.money import format_yuan
from ltc.services.context import ServiceContext
from ltc.services.jobs import get_job
from ltc.services.relief import registry, statement
from ltc.services.settlements.values import PERIOD_PATTERN
from ltc.web import relief_exports  # noqa: F401  (registers the import job's summary)
from ltc.web.api.assessments import REGISTRY_BODY_LIMIT, RegistryForm, read_registry_upload
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.forms import FormState, form_page
from ltc.web.pages import actions_of, page
from ltc.web.paging import After, Limit, page_request
from ltc.web.refusal_words import REGISTRY_REFUSALS
from ltc.web.security import allowed
from ltc.web.town_refusal_words import RELIEF_ROW_REFUSALS
from ltc.web.vocabulary import RELIEF_FIELDS, RELIEF_GROUPS

READ_RELIEF = allowed(Action.READ_RELIEF)
MANAGE_RELIEF = allowed(Action.MANAGE_RELIEF)


def _period(period: str) -> str:
    if not re.fullmatch(PERIOD_PATTERN, period):
        raise NotFound("没有该月份", code="not_found")
    return period


async def statement_page(
    services: ServiceContext,
    actor: Actor,
    period: str,
    *,
    limit: int = 50,
    after: str | None = None,
    form: FormState | None = None,
) -> Template:
    head, lines = await statement.statement(services, actor, _period(period), page_request(limit, after, 1))
    form = form or FormState()
    return page(
        "relief/statement.html",
        form.status if form.has_errors else 200,
        statement=head,
        lines=lines,
        groups=RELIEF_GROUPS,
        form=form,
        yuan=format_yuan,
        **actions_of(actor),
    )


class ReliefPages(Controller):
    include_in_schema = False

    @get("/relief", guards=[READ_RELIEF])
    async def months(self, actor: CurrentActor) -> Template:
        return page(
            "relief/index.html", months=await statement.statement_months(actor), yuan=format_yuan, **actions_of(actor)
        )

    @get("/relief/{period:str}", guards=[READ_RELIEF])
    async def month(
        self, period: FromPath[str], actor: CurrentActor, services: Services, limit: Limit = 50, after: After = None
    ) -> Template:
        return await statement_page(services, actor, period, limit=limit, after=after)

    @post("/relief/{period:str}/reimbursement", guards=[MANAGE_RELIEF])
    async def reimburse(
        self, request: Request, period: FromPath[str], actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        shown = str((await request.form()).get("amount_fen") or "")
        try:
            if not re.fullmatch(r"-?[0-9]{1,15}", shown):  # the amount the officer confirmed
                raise InvalidInput("amount_fen", code="relief_amount_changed")
            await statement.record_reimbursement(services, actor, _period(period), int(shown))
        except DomainError as exc:
            return await statement_page(services, actor, period, form=FormState().refused(exc))
        return Redirect(path=f"/relief/{period}")

    @get("/relief/import", guards=[MANAGE_RELIEF])
    async def import_form(self) -> Template:
        return form_page("relief/import.html", FormState(), fields=RELIEF_FIELDS, groups=RELIEF_GROUPS)

    @post("/relief/import", guards=[MANAGE_RELIEF], request_max_body_size=REGISTRY_BODY_LIMIT)
    async def start_import(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        upload = (await request.form()).get("file")
        state = FormState(values={"file": ""})
        try:
            filename, content = await read_registry_upload(
                RegistryForm(file=upload if isinstance(upload, UploadFile) else None)
            )
            started = await registry.upload_relief_registry(services, actor, filename, content)
        except InvalidInput as exc:
            return form_page("relief/import.html", state.refused(exc), fields=RELIEF_FIELDS, groups=RELIEF_GROUPS)
        return Redirect(path=f"/relief/import/{started.job_id}")

    @get("/relief/import/{job_id:uuid}", guards=[MANAGE_RELIEF])
    async def import_job(self, job_id: FromPath[UUID], actor: CurrentActor) -> Template:
        job = await get_job(actor, job_id)
        result = await registry.relief_import_result(actor, job_id)
        return page(
            "relief/import_job.html",
            job=job,
            result=result,
            fields=RELIEF_FIELDS,
            reasons=REGISTRY_REFUSALS | RELIEF_ROW_REFUSALS,
        )
