"""The district at a glance: towns, residents and providers (set-based counts)."""

from __future__ import annotations

from piccolo.query.functions.aggregate import Count
from pydantic import BaseModel

from ltc.db.tables import Person, Provider, Town


class TownSummary(BaseModel):
    id: int
    code: str
    name: str
    name_en: str
    terrain: str
    residents: int


class DistrictSummary(BaseModel):
    towns: list[TownSummary]
    residents: int
    residents_without_position: int
    providers_by_kind: dict[str, int]


async def district_summary() -> DistrictSummary:
    towns = await Town.select(Town.id, Town.code, Town.name, Town.name_en, Town.terrain).order_by(Town.code)
    persons = await Person.select(Person.town, Count(alias="n")).group_by(Person.town)
    providers = await Provider.select(Provider.kind, Count(alias="n")).group_by(Provider.kind)
    per_town = {row["town"]: row["n"] for row in persons}
    ungeocoded = await Person.count().where(Person.lat.is_null())
    return DistrictSummary(
        towns=[TownSummary(**town, residents=per_town.get(town["id"], 0)) for town in towns],
        residents=sum(per_town.values()),
        residents_without_position=ungeocoded,
        providers_by_kind={row["kind"]: row["n"] for row in providers},
    )
