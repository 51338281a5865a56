"""Pages of the monthly settlement: the bureau's month by provider, a settlement with its
lines (down to the visits and their exceptions), the workflow forms, a printable statement,
and the fund dashboard; agencies see and submit their own."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from piccolo.query.functions.aggregate import Count
from pydantic import BaseModel, Field

from ltc.db.tables import Application, Assessment, Conclusion, Visit, VisitException
from ltc.domain.access import Role
from ltc.domain.money import format_yuan
from ltc.domain.periods import Period
from ltc.services import settlements
from ltc.services.clock import local_today
from ltc.services.district import district_summary
from ltc.services.jobs import start_job
from ltc.web.charts import bars
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.pages import page
from ltc.web.security import roles

SETTLING = roles(Role.BUREAU, Role.ADMIN, Role.AGENCY)
BUREAU = roles(Role.BUREAU, Role.ADMIN)


class ActionForm(BaseModel):
    version: int
    reason: str = Field(default="", max_length=2000)


class BuildForm(BaseModel):
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


def _this_month(services: Services) -> str:
    return str(Period.of(local_today(services.clock, services.settings.zone)))


async def _line_visits(settlement: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The visits the lines count or leave out, with their exceptions, for the drill-down."""
    ids = sorted({v for line in settlement["lines"] for v in [*line["visit_ids"], *line["excluded_visit_ids"]]})
    if not ids:
        return {}
    rows = (
        await Visit.select(
            Visit.id,
            Visit.planned_start,
            Visit.checked_in_at,
            Visit.checked_out_at,
            Visit.flags,
            Visit.caregiver.name.as_alias("caregiver_name"),
        )
        .where(Visit.id.is_in(ids))
        .output(load_json=True)
    )
    exceptions: dict[int, list[dict[str, Any]]] = {}
    for e in await VisitException.select(
        VisitException.visit,
        VisitException.code,
        VisitException.status,
        VisitException.reason_code,
        VisitException.resolution_code,
    ).where(VisitException.visit.is_in(ids)):
        exceptions.setdefault(e["visit"], []).append(e)
    out = {}
    for row in rows:
        minutes = None
        if row["checked_in_at"] and row["checked_out_at"]:
            minutes = int((row["checked_out_at"] - row["checked_in_at"]).total_seconds() // 60)
        out[row["id"]] = row | {"minutes": minutes, "exceptions": exceptions.get(row["id"], [])}
    return out


class SettlementPages(Controller):
    include_in_schema = False
    guards = [SETTLING]

    @get("/settlements")
    async def month(self, actor: CurrentActor, services: Services, period: FromQuery[str | None] = None) -> Template:
        chosen = str(Period.parse(period)) if period else _this_month(services)
        rows = await settlements.list_settlements(services, actor, chosen)
        totals = {key: sum(r[key] for r in rows) for key in ("gross_fen", "fund_fen", "personal_fen")}
        current = Period.parse(chosen)
        return page(
            "settlements/month.html",
            period=chosen,
            previous=str(current.previous()),
            next=str(current.next()),
            settlements=rows,
            totals=totals,
            yuan=format_yuan,
            is_bureau=actor.role in (Role.BUREAU, Role.ADMIN),
        )

    @post("/settlements/build", guards=[SETTLING])
    async def build(self, data: URLEncodedBody[BuildForm], actor: CurrentActor, services: Services) -> Redirect:
        params: dict[str, Any] = {"period": data.period}
        if actor.role == Role.AGENCY:
            params["provider_id"] = actor.provider_id
        job_id = await start_job(services, actor, "build_settlements", params, provider_id=params.get("provider_id"))
        return Redirect(path=f"/jobs/{job_id}?then=/settlements?period={data.period}")

    @post("/settlements/pay", guards=[BUREAU])
    async def pay(self, data: URLEncodedBody[BuildForm], actor: CurrentActor, services: Services) -> Redirect:
        job_id = await settlements.start_payment(services, actor, data.period)
        return Redirect(path=f"/jobs/{job_id}?then=/settlements?period={data.period}")

    @get("/settlements/{settlement_id:int}")
    async def detail(self, settlement_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        settlement = await settlements.get_settlement(services, actor, settlement_id)
        return page(
            "settlements/detail.html",
            s=settlement,
            visits=await _line_visits(settlement),
            yuan=format_yuan,
            can_submit=actor.role in (Role.AGENCY, Role.BUREAU) and settlement["status"] in ("draft", "rejected"),
            can_decide=actor.role in (Role.BUREAU, Role.ADMIN) and settlement["status"] == "submitted",
            can_pay=actor.role in (Role.BUREAU, Role.ADMIN) and settlement["status"] == "approved",
        )

    @get("/settlements/{settlement_id:int}/print")
    async def statement(self, settlement_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        settlement = await settlements.get_settlement(services, actor, settlement_id)
        return page("settlements/print.html", s=settlement, yuan=format_yuan, printed_at=services.clock.now())

    @post("/settlements/{settlement_id:int}/{action:str}")
    async def act(
        self,
        settlement_id: FromPath[int],
        action: FromPath[str],
        data: URLEncodedBody[ActionForm],
        actor: CurrentActor,
        services: Services,
    ) -> Redirect:
        if action not in ("submit", "approve", "reject", "pay"):
            from ltc.domain.errors import NotFound

            raise NotFound("没有该操作", code="unknown_action")
        await settlements.act(services, actor, settlement_id, action, if_match=str(data.version), reason=data.reason)
        return Redirect(path=f"/settlements/{settlement_id}")


class FundPages(Controller):
    include_in_schema = False
    guards = [BUREAU]

    @get("/fund")
    async def dashboard(self, actor: CurrentActor, services: Services) -> Template:
        fund = await settlements.fund_position(services, actor)
        spend = fund["spend_by_period"]
        months = sorted(spend)[-12:]
        chart = bars(months, [spend[m] for m in months])
        balances = fund["balance_by_period"]
        balance_months = sorted(balances)[-12:]
        balance_chart = bars(balance_months, [balances[m] for m in balance_months])
        district = await district_summary()
        figures = {
            "residents": district.residents,
            "applications": await Application.count(),
            "assessed": await Assessment.count(),
            "severe": await Conclusion.count().where((Conclusion.status == "active") & (Conclusion.severe == True)),
            "providers_by_kind": district.providers_by_kind,
            "conclusions_by_level": {
                r["level"]: r["n"]
                for r in await Conclusion.select(Conclusion.level, Count(alias="n"))
                .where(Conclusion.status == "active")
                .group_by(Conclusion.level)
            },
        }
        return page(
            "settlements/fund.html",
            fund=fund,
            chart=chart,
            balance_chart=balance_chart,
            yuan=format_yuan,
            figures=figures,
        )
