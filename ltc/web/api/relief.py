"""Relief of the personal share (一站式): the civil-affairs list of hardship groups, the relief
fund's monthly statements and their reimbursement."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import MultipartBody, Parameter

from ltc.domain.access import Action
from ltc.services.data_subject import stamp_export
from ltc.services.relief import registry, statement
from ltc.services.relief.values import MonthSummary, Reimbursement, ReliefStatement, ReliefUploaded
from ltc.services.settlements.values import PERIOD_PATTERN
from ltc.web import relief_exports
from ltc.web.api.assessments import REGISTRY_BODY_LIMIT, RegistryForm, read_registry_upload
from ltc.web.api.settlements import CSV, XLSX
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.language import export_language
from ltc.web.security import allowed, signed_in

PeriodPath = Annotated[str, Parameter(pattern=PERIOD_PATTERN, description="the month, YYYY-MM")]


class ReliefController(Controller):
    path = "/api/v1/relief"
    tags = ["relief"]
    guards = [signed_in]

    @post(
        "/enrolments/import",
        status_code=202,
        guards=[allowed(Action.MANAGE_RELIEF)],
        request_max_body_size=REGISTRY_BODY_LIMIT,
        summary="Import the civil-affairs list of hardship groups (CSV or XLSX, multipart field `file`; columns"
        " id_number, name, group, from, to): a job, idempotent; persons matched by id number",
    )
    async def import_enrolments(
        self, data: MultipartBody[RegistryForm], actor: CurrentActor, services: Services
    ) -> ReliefUploaded:
        filename, content = await read_registry_upload(data)
        return await registry.upload_relief_registry(services, actor, filename, content)

    @get("/statements", guards=[allowed(Action.READ_RELIEF)], summary="Every month with relief due, latest first")
    async def months(self, actor: CurrentActor) -> list[MonthSummary]:
        return await statement.statement_months(actor)

    @get(
        "/statements/{period:str}",
        guards=[allowed(Action.READ_RELIEF)],
        summary="The relief fund's statement of a month: the relieved lines of its approved and paid settlements"
        " (id numbers masked but for the bureau), totals, and the reimbursement if recorded",
    )
    async def one(self, period: PeriodPath, actor: CurrentActor, services: Services) -> ReliefStatement:
        head, _ = await statement.statement(services, actor, period)
        return head

    @post(
        "/statements/{period:str}/reimbursement",
        status_code=201,
        guards=[allowed(Action.MANAGE_RELIEF)],
        summary="Record the relief fund's reimbursement of what the month's relief came to beyond what it reimbursed"
        " (either sign; 409 relief_nothing_due when nothing; amount_fen, the amount confirmed, else 409"
        " relief_amount_changed)",
    )
    async def reimburse(
        self,
        period: PeriodPath,
        actor: CurrentActor,
        services: Services,
        amount_fen: Annotated[int | None, Parameter(ge=-(10**14), le=10**14)] = None,
    ) -> Reimbursement:
        return await statement.record_reimbursement(services, actor, period, amount_fen)

    @get(
        "/statements/{period:str}/export.csv",
        media_type=CSV,
        guards=[allowed(Action.READ_RELIEF)],
        summary="The month's statement as CSV (UTF-8 with BOM), in the language of the language cookie, else of"
        " Accept-Language",
    )
    async def export_csv(
        self, request: Request, period: PeriodPath, actor: CurrentActor, services: Services
    ) -> Response[bytes]:
        head, _ = await statement.statement(services, actor, period)
        stamp = await stamp_export(services, actor, entity="relief_statement", entity_id=period, file_format="csv")
        with export_language(request):
            content = relief_exports.csv_bytes(head, stamp)
        return _download(content, period, "csv", CSV)

    @get(
        "/statements/{period:str}/export.xlsx",
        media_type=XLSX,
        guards=[allowed(Action.READ_RELIEF)],
        summary="The month's statement as an Excel workbook, in the reader's language",
    )
    async def export_xlsx(
        self, request: Request, period: PeriodPath, actor: CurrentActor, services: Services
    ) -> Response[bytes]:
        head, _ = await statement.statement(services, actor, period)
        stamp = await stamp_export(services, actor, entity="relief_statement", entity_id=period, file_format="xlsx")
        with export_language(request):
            content = relief_exports.xlsx_bytes(head, stamp)
        return _download(content, period, "xlsx", XLSX)


def _download(content: bytes, period: str, suffix: str, media_type: str) -> Response[bytes]:
    name = f"relief-statement-{period}.{suffix}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})
