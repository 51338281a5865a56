"""Settlements, corrections, exports and the fund (API.md "Settlements and the fund")."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action
from ltc.domain.errors import InvalidInput
from ltc.domain.instruments import Instrument
from ltc.domain.money import format_yuan
from ltc.services import ledger
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.data_subject import stamp_export
from ltc.services.ledger import ContributionPosted, ContributionRequest, FundPosition
from ltc.services.reference import instrument_catalog, policy_book
from ltc.services.settlements import corrections, workflow
from ltc.services.settlements.build import start_build
from ltc.services.settlements.values import (
    PERIOD_PATTERN,
    ActionRequest,
    BuildSettlementsParams,
    CorrectionRecorded,
    CorrectionRequest,
    PaymentRequest,
    SettlementDetail,
    SettlementStatus,
    SettlementSummary,
    WorkflowAction,
)
from ltc.web import exports
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.language import export_language
from ltc.web.paging import LINK_HEADER, After, Limit, page_response
from ltc.web.schemas import JobAccepted, PathId, QueryId
from ltc.web.security import allowed, signed_in

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ETAG = [ResponseHeader(name="ETag", description="the settlement's version, quoted", documentation_only=True)]


def seen_version(if_match: str | None) -> int:
    """The version named by an ``If-Match`` header (``"3"`` or ``3``)."""
    value = (if_match or "").strip().strip('"')
    if not value.isdigit():
        raise InvalidInput("须在 If-Match 头中给出所见的结算单版本", code="if_match_required")
    return int(value)


def _with_etag(settlement: SettlementDetail) -> Response[SettlementDetail]:
    return Response(settlement, status_code=200, headers={"ETag": f'"{settlement.version}"'})


class SettlementsController(Controller):
    path = "/api/v1/settlements"
    tags = ["settlements"]
    guards = [signed_in]

    @post(
        "/build",
        status_code=202,
        guards=[allowed(Action.BUILD_SETTLEMENTS)],
        summary="Build the month's drafts (a job): one provider, or all",
    )
    async def build(
        self, data: JSONBody[BuildSettlementsParams], actor: CurrentActor, services: Services
    ) -> JobAccepted:
        return JobAccepted(job_id=await start_build(services, actor, data))

    @post(
        "/pay",
        status_code=202,
        guards=[allowed(Action.PAY_SETTLEMENTS)],
        summary="Pay every approved settlement of a month (a job)",
    )
    async def pay(self, data: JSONBody[PaymentRequest], actor: CurrentActor, services: Services) -> JobAccepted:
        return JobAccepted(job_id=await workflow.start_payment(services, actor, data.period))

    @get(
        "/",
        summary="Settlements of a month, a provider, a status (agencies: their own), newest month first, in pages",
        response_headers=LINK_HEADER,
    )
    async def list_settlements(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        period: Annotated[str | None, QueryParameter(pattern=PERIOD_PATTERN, description="the month, YYYY-MM")] = None,
        provider_id: QueryId = None,
        status: Annotated[
            SettlementStatus | None, QueryParameter(description="draft, submitted, approved, rejected or paid")
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[SettlementSummary]]:
        page = await workflow.settlement_page(
            services, actor, period=period or None, provider_id=provider_id, status=status, after=after, limit=limit
        )
        return page_response(request, page)

    @get(
        "/{settlement_id:int}",
        response_headers=ETAG,
        summary="One settlement with its lines; the ETag is its version",
    )
    async def one(self, settlement_id: PathId, actor: CurrentActor, services: Services) -> Response[SettlementDetail]:
        return _with_etag(await workflow.get_settlement(services, actor, settlement_id))

    @post(
        "/{settlement_id:int}/{action:str}",
        status_code=200,
        response_headers=ETAG,
        summary="submit | approve | reject | pay, with If-Match: <version>; a stale version is 409 version_conflict",
    )
    async def act(
        self,
        settlement_id: PathId,
        action: FromPath[WorkflowAction],
        actor: CurrentActor,
        services: Services,
        if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
        data: JSONBody[ActionRequest | None] = None,
    ) -> Response[SettlementDetail]:
        version = seen_version(if_match)
        reason = data.reason if data else ""
        result = await workflow.act(services, actor, settlement_id, action, seen_version=version, reason=reason)
        return _with_etag(result)

    @get(
        "/{settlement_id:int}/export.csv",
        media_type=CSV,
        summary="The settlement's lines as CSV (UTF-8 with BOM, for Excel), in the language of the "
        "language cookie, else of Accept-Language (Chinese by default)",
    )
    async def export_csv(
        self, request: Request, settlement_id: PathId, actor: CurrentActor, services: Services
    ) -> Response[bytes]:
        settlement = await workflow.get_settlement(services, actor, settlement_id)
        stamp = await stamp_export(services, actor, entity="settlement", entity_id=settlement_id, file_format="csv")
        buffer = io.StringIO()
        with export_language(request):
            rows = exports.table(settlement, format_yuan, exports.level_names(_instrument(services)))
            csv.writer(buffer).writerows([*rows, exports.stamp_row(stamp)])
        return _download(("\ufeff" + buffer.getvalue()).encode("utf-8"), settlement, "csv", CSV)

    @get(
        "/{settlement_id:int}/export.xlsx",
        media_type=XLSX,
        summary="The settlement's lines as an Excel workbook, in the language of the language cookie, "
        "else of Accept-Language (Chinese by default)",
    )
    async def export_xlsx(
        self, request: Request, settlement_id: PathId, actor: CurrentActor, services: Services
    ) -> Response[bytes]:
        from openpyxl import Workbook
        from openpyxl.worksheet.worksheet import Worksheet

        settlement = await workflow.get_settlement(services, actor, settlement_id)
        stamp = await stamp_export(services, actor, entity="settlement", entity_id=settlement_id, file_format="xlsx")
        book = Workbook()
        sheet = book.active
        assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
        sheet.title = settlement.period
        with export_language(request):
            sheet.append([exports.title(settlement)])
            for row in exports.table(settlement, lambda fen: fen / 100, exports.level_names(_instrument(services))):
                sheet.append(row)
            sheet.append(exports.stamp_row(stamp))
        out = io.BytesIO()
        book.save(out)
        return _download(out.getvalue(), settlement, "xlsx", XLSX)


def _instrument(services: ServiceContext) -> Instrument:
    """The instrument whose level labels name the lines' levels (the policy's, today)."""
    policy = policy_book(services.settings).in_force(local_today(services.clock, services.settings.zone))
    return instrument_catalog(services.settings).get(policy.assessment_instrument)


def _download(content: bytes, settlement: SettlementDetail, suffix: str, media_type: str) -> Response[bytes]:
    name = f"settlement-{settlement.provider_code}-{settlement.period}.{suffix}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


class FundController(Controller):
    path = "/api/v1"
    tags = ["settlements"]

    @get(
        "/fund",
        guards=[allowed(Action.READ_FUND)],
        summary="Balance, this month's spend and the months the balance can pay (可支付月数)",
    )
    async def fund(self, actor: CurrentActor, services: Services) -> FundPosition:
        return await ledger.fund_position(services, actor)

    @post(
        "/fund/contributions",
        status_code=200,
        guards=[allowed(Action.RECORD_CONTRIBUTION)],
        summary="Money paid into the fund (posted once per source id)",
    )
    async def contribution(
        self, data: JSONBody[ContributionRequest], actor: CurrentActor, services: Services
    ) -> ContributionPosted:
        return await ledger.record_contribution(services, actor, data.source_id, data.amount_fen)

    @post(
        "/settlement-corrections",
        status_code=201,
        guards=[allowed(Action.CORRECT_SETTLEMENT)],
        summary="Correct an approved month (an adjustment line next time)",
    )
    async def correction(
        self, data: JSONBody[CorrectionRequest], actor: CurrentActor, services: Services
    ) -> CorrectionRecorded:
        return await corrections.add_correction(services, actor, data)
