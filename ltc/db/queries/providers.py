"""Read views of the provider network: how many people each provider cares for, who is
placed where (the map), and the beneficiaries an assignment run considers."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.query.functions.aggregate import Count

from ltc.db.tables import Assignment, Conclusion, Person, Provider, Town


@dataclass(frozen=True, slots=True)
class ProviderOnMap:
    id: int
    code: str
    name: str
    kind: str
    status: str
    lat: float
    lon: float
    service_radius_km: float
    capacity: int
    load: int


@dataclass(frozen=True, slots=True)
class PlacementOnMap:
    """A person's current placement (or their being unplaced), where they live."""

    person_id: int
    provider_id: int | None
    status: str
    care_mode: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class TownOnMap:
    name: str
    name_en: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Beneficiary:
    """A person with an active severe conclusion and a position: whom assignment places."""

    conclusion_id: int
    person_id: int
    care_mode: str
    lat: float
    lon: float
    preferred_provider_id: int | None
    town_code: str | None = None


async def provider_loads(provider_ids: list[int] | None = None) -> dict[int, int]:
    """How many people each provider (of ``provider_ids``: those a page shows) cares for now
    (providers caring for nobody are absent)."""
    query = Assignment.select(Assignment.provider, Count(alias="n")).where(Assignment.status == "active")
    if provider_ids is not None:
        query = query.where(Assignment.provider.is_in(provider_ids or [-1]))
    rows = await query.group_by(Assignment.provider)
    return {row["provider"]: row["n"] for row in rows}


async def providers_on_map() -> list[ProviderOnMap]:
    """Every provider not terminated, with its current load."""
    rows = await Provider.select(
        Provider.id,
        Provider.code,
        Provider.name,
        Provider.kind,
        Provider.status,
        Provider.lat,
        Provider.lon,
        Provider.service_radius_km,
        Provider.capacity,
    ).where(Provider.status != "terminated")
    loads = await provider_loads()
    return [ProviderOnMap(**row, load=loads.get(row["id"], 0)) for row in rows]


async def placements_on_map() -> list[PlacementOnMap]:
    rows = await Assignment.select(
        Assignment.person.as_alias("person_id"),
        Assignment.provider.as_alias("provider_id"),
        Assignment.status,
        Assignment.care_mode,
        Assignment.person.lat.as_alias("lat"),
        Assignment.person.lon.as_alias("lon"),
    ).where(Assignment.current_key.is_not_null())
    return [PlacementOnMap(**row) for row in rows]


async def towns_on_map() -> list[TownOnMap]:
    return [TownOnMap(**row) for row in await Town.select(Town.name, Town.name_en, Town.lat, Town.lon)]


async def beneficiaries() -> list[Beneficiary]:
    """Everyone whose active conclusion is severe and who has a position."""
    rows = await Conclusion.select(
        Conclusion.id.as_alias("conclusion_id"),
        Conclusion.person.as_alias("person_id"),
        Conclusion.care_mode,
        Conclusion.person.lat.as_alias("lat"),
        Conclusion.person.lon.as_alias("lon"),
        Conclusion.person.preferred_provider.as_alias("preferred_provider_id"),
        Conclusion.person.town.code.as_alias("town_code"),
    ).where((Conclusion.status == "active") & (Conclusion.severe == True) & Conclusion.person.lat.is_not_null())
    return [Beneficiary(**row) for row in rows]


async def current_placements() -> dict[int, int | None]:
    """Each person with a current row, and the provider placing them (None: unplaced)."""
    rows = await Assignment.select(Assignment.person, Assignment.provider).where(Assignment.current_key.is_not_null())
    return {row["person"]: row["provider"] for row in rows}


@dataclass(frozen=True, slots=True)
class WaitingPlacement:
    """A person's current row when it places them nowhere, and why."""

    person_id: int
    reason: str
    nearest_provider_id: int | None

    def same_outcome(self, placed: dict[str, object]) -> bool:
        return placed.get("reason") == self.reason and placed.get("nearest_provider") == self.nearest_provider_id


async def waiting_placements() -> list[WaitingPlacement]:
    rows = await Assignment.select(
        Assignment.person.as_alias("person_id"),
        Assignment.reason,
        Assignment.nearest_provider.as_alias("nearest_provider_id"),
    ).where(Assignment.current_key.is_not_null() & (Assignment.status == "unassigned"))
    return [WaitingPlacement(**row) for row in rows]


async def person_positions() -> dict[int, tuple[float, float]]:
    """Where every person with a position lives."""
    rows = await Person.select(Person.id, Person.lat, Person.lon).where(Person.lat.is_not_null())
    return {row["id"]: (row["lat"], row["lon"]) for row in rows}
