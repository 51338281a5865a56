"""Settlements, corrections, exports and the fund (API.md "Settlements and the fund")."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody
from pydantic import BaseModel, Field

from ltc.domain.access import Role
from ltc.domain.money import format_yuan
from ltc.services import settlements
from ltc.services.jobs import start_job
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import JobAccepted, Schema
from ltc.web.security import roles, signed_in

BUREAU = roles(Role.BUREAU, Role.ADMIN)
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"


class BuildIn(Schema):
    period: str = Field(pattern=PERIOD)
    provider_id: int | None = None


class PayIn(Schema):
    period: str = Field(pattern=PERIOD)


class ActionIn(Schema):
    reason: str = Field(default="", max_length=2000)


class CorrectionIn(Schema):
    provider_id: int = Field(ge=1)
    corrects_period: str = Field(pattern=PERIOD)
    person_id: int | None = None
    amount_fen: int = Field(ge=-(10**12), le=10**12, description="change to the gross amount, in fen")
    fund_fen: int | None = Field(default=None, ge=-(10**12), le=10**12)
    reason: str = Field(min_length=1, max_length=2000)


class ContributionIn(Schema):
    source_id: str = Field(min_length=1, max_length=60, description="unique id of the transfer: posted once")
    amount_fen: int = Field(ge=1, le=10**13)


class SettlementSummary(BaseModel):
    id: int
    provider_id: int
    provider_name: str | None = None
    provider_code: str | None = None
    period: str
    status: str
    version: int
    gross_fen: int
    fund_fen: int
    personal_fen: int
    content_hash: str
    built_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    rejection_reason: str
    paid_at: datetime | None


class SettlementOut(SettlementSummary):
    lines: list[dict[str, Any]]


def _with_etag(settlement: dict[str, Any], status_code: int = 200) -> Response[SettlementOut]:
    return Response(
        SettlementOut.model_validate(settlement),
        status_code=status_code,
        headers={"ETag": f'"{settlement["version"]}"'},
    )


class SettlementsController(Controller):
    path = "/api/v1/settlements"
    tags = ["settlements"]
    guards = [signed_in]

    @post("/build", status_code=202, summary="Build the month's drafts (a job): one provider, or all")
    async def build(self, data: JSONBody[BuildIn], actor: CurrentActor, services: Services) -> JobAccepted:
        provider_id = data.provider_id
        if actor.role == Role.AGENCY:
            provider_id = actor.provider_id
        params: dict[str, Any] = {"period": data.period}
        if provider_id is not None:
            params["provider_id"] = provider_id
        job_id = await start_job(services, actor, "build_settlements", params, provider_id=provider_id)
        return JobAccepted(job_id=job_id)

    @post("/pay", status_code=202, guards=[BUREAU], summary="Pay every approved settlement of a month (a job)")
    async def pay(self, data: JSONBody[PayIn], actor: CurrentActor, services: Services) -> JobAccepted:
        return JobAccepted(job_id=await settlements.start_payment(services, actor, data.period))

    @get("/", summary="Settlements of a month (agencies: their own)")
    async def list_settlements(
        self, actor: CurrentActor, services: Services, period: FromQuery[str | None] = None
    ) -> list[SettlementSummary]:
        return [
            SettlementSummary.model_validate(r) for r in await settlements.list_settlements(services, actor, period)
        ]

    @get("/{settlement_id:int}", summary="One settlement with its lines; the ETag is its version")
    async def one(
        self, settlement_id: FromPath[int], actor: CurrentActor, services: Services
    ) -> Response[SettlementOut]:
        return _with_etag(await settlements.get_settlement(services, actor, settlement_id))

    @post(
        "/{settlement_id:int}/{action:str}",
        status_code=200,
        summary="submit | approve | reject | pay, with If-Match: <version>; a stale version is 409 version_conflict",
    )
    async def act(
        self,
        settlement_id: FromPath[int],
        action: FromPath[Literal["submit", "approve", "reject", "pay"]],
        actor: CurrentActor,
        services: Services,
        if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
        data: JSONBody[ActionIn | None] = None,
    ) -> Response[SettlementOut]:
        reason = data.reason if data else ""
        result = await settlements.act(services, actor, settlement_id, action, if_match=if_match, reason=reason)
        return _with_etag(result)

    @get("/{settlement_id:int}/export.csv", summary="The settlement's lines as CSV (UTF-8 with BOM, for Excel)")
    async def export_csv(
        self, settlement_id: FromPath[int], actor: CurrentActor, services: Services
    ) -> Response[bytes]:
        settlement = await settlements.get_settlement(services, actor, settlement_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADER)
        for line in settlement["lines"]:
            writer.writerow(_line_cells(line))
        writer.writerow(
            [
                "合计",
                "",
                "",
                "",
                "",
                "",
                format_yuan(settlement["gross_fen"]),
                format_yuan(settlement["fund_fen"]),
                format_yuan(settlement["personal_fen"]),
                "",
                "",
            ]
        )
        name = f"settlement-{settlement['provider_code']}-{settlement['period']}.csv"
        return Response(
            ("\ufeff" + buffer.getvalue()).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @get("/{settlement_id:int}/export.xlsx", summary="The settlement's lines as an Excel workbook")
    async def export_xlsx(
        self, settlement_id: FromPath[int], actor: CurrentActor, services: Services
    ) -> Response[bytes]:
        from openpyxl import Workbook

        settlement = await settlements.get_settlement(services, actor, settlement_id)
        book = Workbook()
        sheet = book.active
        sheet.title = settlement["period"]
        sheet.append([f"{settlement['provider_name']} {settlement['period']} 长期护理保险结算单"])
        sheet.append(HEADER)
        for line in settlement["lines"]:
            sheet.append(_line_cells(line, as_numbers=True))
        sheet.append(
            [
                "合计",
                "",
                "",
                "",
                "",
                "",
                settlement["gross_fen"] / 100,
                settlement["fund_fen"] / 100,
                settlement["personal_fen"] / 100,
                "",
                "",
            ]
        )
        out = io.BytesIO()
        book.save(out)
        name = f"settlement-{settlement['provider_code']}-{settlement['period']}.xlsx"
        return Response(
            out.getvalue(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


HEADER = [
    "行",
    "类别",
    "人员",
    "等级",
    "数量",
    "单位",
    "金额（元）",
    "基金支付（元）",
    "个人支付（元）",
    "计入服务",
    "说明",
]
KINDS = {"home": "居家护理", "institutional": "机构护理", "adjustment": "调整", "deduction": "考核扣减"}
UNITS = {"minute": "分钟", "day": "床日", "score": "分", "": ""}


def _line_cells(line: dict[str, Any], as_numbers: bool = False) -> list[Any]:
    money = (lambda fen: fen / 100) if as_numbers else format_yuan
    counted = line["visit_ids"] or line["days"]
    return [
        line["line_no"],
        KINDS.get(line["kind"], line["kind"]),
        line.get("person_name") or "",
        line["level"] or "",
        line["quantity"],
        UNITS.get(line["unit"], line["unit"]),
        money(line["gross_fen"]),
        money(line["fund_fen"]),
        money(line["personal_fen"]),
        " ".join(map(str, counted)),
        line["note"],
    ]


class FundController(Controller):
    path = "/api/v1"
    tags = ["settlements"]
    guards = [BUREAU]

    @get("/fund", summary="Balance, this month's spend and the months the balance can pay (可支付月数)")
    async def fund(self, actor: CurrentActor, services: Services) -> dict[str, Any]:
        return await settlements.fund_position(services, actor)

    @post("/fund/contributions", status_code=200, summary="Money paid into the fund (posted once per source id)")
    async def contribution(
        self, data: JSONBody[ContributionIn], actor: CurrentActor, services: Services
    ) -> dict[str, Any]:
        return await settlements.record_contribution(services, actor, data.source_id, data.amount_fen)

    @post(
        "/settlement-corrections", status_code=201, summary="Correct an approved month (an adjustment line next time)"
    )
    async def correction(self, data: JSONBody[CorrectionIn], actor: CurrentActor, services: Services) -> dict[str, Any]:
        return await settlements.add_correction(services, actor, data.model_dump())
