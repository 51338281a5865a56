"""Geocoding persons who were registered with an address but no position."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ltc.db.engine import write_transaction
from ltc.db.tables import Person, Town
from ltc.domain.access import Role
from ltc.geo.gazetteer import GazetteerGeocoder
from ltc.geo.towns import load_towns
from ltc.services.context import ServiceContext
from ltc.services.jobs import Progress, register_job_kind

BATCH = 200


@register_job_kind("geocode_persons", roles={Role.BUREAU, Role.ADMIN})
async def geocode_persons(ctx: ServiceContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Give every person without a position the centroid of the town their address names.
    Idempotent: only persons still without a position are touched."""
    geocoder = GazetteerGeocoder(load_towns())
    town_ids = {row["code"]: row["id"] for row in await Town.select(Town.id, Town.code)}
    pending = await Person.select(Person.id, Person.address).where(Person.lat.is_null()).order_by(Person.id)
    resolved, unresolved = 0, []
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        by_town: dict[str, list[int]] = defaultdict(list)
        positions: dict[str, tuple[float, float]] = {}
        for person in batch:
            location = geocoder.geocode(person["address"])
            if location is None:
                unresolved.append(person["id"])
                continue
            code = location.raw["town_code"]
            by_town[code].append(person["id"])
            positions[code] = (location.latitude, location.longitude)
        async with write_transaction():
            for code, person_ids in by_town.items():
                lat, lon = positions[code]
                await Person.update(
                    {Person.lat: lat, Person.lon: lon, Person.town: town_ids.get(code), Person.geocoded_by: "gazetteer"}
                ).where(Person.id.is_in(person_ids) & Person.lat.is_null())
                resolved += len(person_ids)
        await progress((start + len(batch)) / len(pending))
    return {"candidates": len(pending), "geocoded": resolved, "unresolved_person_ids": unresolved}
