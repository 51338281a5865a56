"""Read views of the towns: each town of the district and its figures (residents, applications,
beneficiaries, placements, the uncovered, the fund's spend), each figure one GROUP BY over
the whole district, never a query per town."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from piccolo.query.functions.aggregate import Count, Max, Sum

from ltc.db.queries.remote_benefits import uncovered_beneficiaries
from ltc.db.tables import Application, Assignment, Conclusion, Person, Settlement, SettlementLine, Town

SETTLED = ("approved", "paid")  # a month is settled once its settlement is approved


@dataclass(frozen=True, slots=True)
class TownRow:
    id: int
    code: str
    name: str
    name_en: str


@dataclass(slots=True)
class TownFigures:
    """One town's figures (or a phase's, summed)."""

    residents: int = 0
    applications: int = 0
    beneficiaries: int = 0
    placed: int = 0
    uncovered: int = 0
    fund_fen: int = 0  # the fund's amount in the last settled month

    def add(self, other: TownFigures) -> None:
        self.residents += other.residents
        self.applications += other.applications
        self.beneficiaries += other.beneficiaries
        self.placed += other.placed
        self.uncovered += other.uncovered
        self.fund_fen += other.fund_fen


@dataclass(frozen=True, slots=True)
class DistrictFigures:
    by_town: dict[int, TownFigures] = field(default_factory=dict)  # town id → figures
    settled_period: str | None = None  # the last settled month, YYYY-MM


async def towns() -> list[TownRow]:
    rows = await Town.select(Town.id, Town.code, Town.name, Town.name_en).order_by(Town.code)
    return [TownRow(**row) for row in rows]


def _counts(rows: list[dict[str, Any]], value: str = "n") -> dict[int, int]:
    return {row["town"]: int(row[value] or 0) for row in rows if row["town"] is not None}


async def last_settled_period() -> str | None:
    row = (
        await Settlement.select(Max(Settlement.period, alias="period")).where(Settlement.status.is_in(SETTLED)).first()
    )
    return row["period"] if row else None


async def figures_by_town() -> DistrictFigures:
    """Every town's figures, each one aggregate query grouped by the person's town."""
    residents = _counts(await Person.select(Person.town, Count(alias="n")).group_by(Person.town))
    town_of_application = Application.person.town
    applications = _counts(
        await Application.select(town_of_application.as_alias("town"), Count(alias="n")).group_by(town_of_application)
    )
    town_of_conclusion = Conclusion.person.town
    beneficiaries = _counts(
        await Conclusion.select(town_of_conclusion.as_alias("town"), Count(alias="n"))
        .where((Conclusion.status == "active") & (Conclusion.severe == True))
        .group_by(town_of_conclusion)
    )
    town_of_assignment = Assignment.person.town
    placed = _counts(
        await Assignment.select(town_of_assignment.as_alias("town"), Count(alias="n"))
        .where(Assignment.status == "active")
        .group_by(town_of_assignment)
    )
    uncovered = _counts(
        await Assignment.select(town_of_assignment.as_alias("town"), Count(alias="n"))
        .where(await uncovered_beneficiaries())
        .group_by(town_of_assignment)
    )
    period = await last_settled_period()
    fund: dict[int, int] = {}
    if period is not None:
        town_of_line = SettlementLine.person.town
        fund = _counts(
            await SettlementLine.select(town_of_line.as_alias("town"), Sum(SettlementLine.fund_fen, alias="fund"))
            .where(
                (SettlementLine.settlement.period == period)
                & SettlementLine.settlement.status.is_in(SETTLED)
                & SettlementLine.person.is_not_null()
            )
            .group_by(town_of_line),
            "fund",
        )
    ids = set(residents) | set(applications) | set(beneficiaries) | set(placed) | set(uncovered) | set(fund)
    return DistrictFigures(
        by_town={
            town: TownFigures(
                residents=residents.get(town, 0),
                applications=applications.get(town, 0),
                beneficiaries=beneficiaries.get(town, 0),
                placed=placed.get(town, 0),
                uncovered=uncovered.get(town, 0),
                fund_fen=fund.get(town, 0),
            )
            for town in ids
        },
        settled_period=period,
    )
