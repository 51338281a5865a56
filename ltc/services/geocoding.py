"""Placing persons registered with an address but no position.

Offline (the default), the gazetteer gives the centroid of the town the address names.
With ``LTC_GEOCODER_URL`` set, the online geocoder is asked first, at its rate limit,
with transient failures retried and every answer cached in the database; persons placed
only to their town are refined by it later. A person the service could not be asked
about (still failing after the retries) is left for the next run, never guessed.
"""

from __future__ import annotations

import hashlib

import anyio.to_thread
from geopy.exc import GeocoderServiceError
from piccolo.columns.combination import Combinable
from pydantic import BaseModel

from ltc.db.engine import is_unique_violation, write_transaction
from ltc.db.personal_data import open_field
from ltc.db.tables import GeocodeCache, Person, Town
from ltc.domain.access import Action
from ltc.domain.coordinates import check_coordinates
from ltc.domain.errors import InvalidInput
from ltc.geo import online
from ltc.geo.gazetteer import GazetteerGeocoder
from ltc.geo.towns import load_towns
from ltc.services.context import ServiceContext
from ltc.services.jobs import JobParams, Progress, register_job_kind

BATCH = 200


class GeocodeParams(JobParams):
    person_ids: tuple[int, ...] = ()  # none: everyone without a position


class GeocodeResult(BaseModel):
    candidates: int
    geocoded: int
    by_source: dict[str, int]  # online, gazetteer
    unresolved_person_ids: list[int]
    failed_person_ids: list[int]
    online_calls: int | None = None  # these two only when an online geocoder is configured
    cache_hits: int | None = None


def _query_key(service: str, query: str) -> str:
    normalised = " ".join(query.split())
    return hashlib.sha256(f"{service}\n{normalised}".encode()).hexdigest()


def _online_query(address: str, town_name: str) -> str:
    """The address, with its town appended when the address does not name it already."""
    address = " ".join((address or "").split())
    if town_name and town_name not in address:
        return f"{address} {town_name}".strip()
    return address


class CachedOnlineGeocoder:
    """The online geocoder behind the shared cache (a miss is cached as well)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.service = online.service_name(ctx.settings)
        self._call = online.rate_limited(online.nominatim(ctx.settings), ctx.settings)
        self._clock = ctx.clock
        self.calls = 0
        self.cache_hits = 0

    async def locate(self, query: str) -> tuple[float, float, str] | None:
        key = _query_key(self.service, query)
        cached = await GeocodeCache.select().where(GeocodeCache.query_key == key).first()
        if cached is not None:
            self.cache_hits += 1
            return None if cached["lat"] is None else (cached["lat"], cached["lon"], cached["display_name"])
        self.calls += 1
        # geopy is synchronous and the rate limiter sleeps: keep both off the event loop.
        location = await anyio.to_thread.run_sync(self._call, query)
        found = None
        if location is not None:
            try:
                check_coordinates(location.latitude, location.longitude)
                found = (location.latitude, location.longitude, location.address or "")
            except InvalidInput:
                found = None
        entry = GeocodeCache(
            query_key=key,
            query="",  # the address itself is personal data: the cache is found by its hash alone
            service=self.service,
            lat=found[0] if found else None,
            lon=found[1] if found else None,
            display_name=found[2] if found else "",
            fetched_at=self._clock.now(),
        )
        try:
            await entry.save()
        except Exception as error:
            # Another worker asked the same question meanwhile; its answer stands.
            if not is_unique_violation(error):
                raise
        return found


# Serial: the rate limiter spaces the calls of one process, so one such job at a time,
# whichever of the workers (on whichever machine) runs it, keeps the whole deployment at the
# service's rate.
@register_job_kind("geocode_persons", action=Action.GEOCODE_PERSONS, params=GeocodeParams, serial=True)
async def geocode_persons(ctx: ServiceContext, params: GeocodeParams, progress: Progress) -> GeocodeResult:
    """Place every person without a position (and, when online, refine town-level ones).
    Idempotent: each update is conditional on the person still being a candidate."""
    gazetteer = GazetteerGeocoder(load_towns())
    online_geocoder = CachedOnlineGeocoder(ctx) if ctx.settings.geocoder_url else None
    towns = {row["id"]: row for row in await Town.select(Town.id, Town.code, Town.name)}
    town_ids = {row["code"]: row["id"] for row in towns.values()}
    candidates: Combinable = Person.lat.is_null()
    if online_geocoder is not None:
        candidates = candidates | (Person.geocoded_by == "gazetteer")
    if params.person_ids:  # e.g. the person just registered
        candidates = candidates & Person.id.is_in(list(params.person_ids))
    pending = (
        await Person.select(Person.id, Person.address_enc, Person.town, Person.geocoded_by)
        .where(candidates)
        .order_by(Person.id)
    )
    keyring = ctx.settings.keyring
    for person in pending:  # only the persons to place, each address opened once
        person["address"] = open_field(keyring, person, "address")
    placed = {"online": 0, "gazetteer": 0}
    unresolved: list[int] = []
    failed: list[int] = []
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        updates: list[tuple[int, float, float, int | None, str, str]] = []
        for person in batch:
            town = towns.get(person["town"])
            if online_geocoder is not None:
                query = _online_query(person["address"], town["name"] if town else "")
                try:
                    found = await online_geocoder.locate(query)
                except GeocoderServiceError:
                    failed.append(person["id"])
                    continue
                if found is not None:
                    updates.append((person["id"], found[0], found[1], person["town"], "online", person["geocoded_by"]))
                    continue
            if person["geocoded_by"] == "gazetteer":
                continue  # already at its town; the online service knew nothing better
            location = gazetteer.geocode(" ".join(p for p in (town["name"] if town else "", person["address"]) if p))
            if location is None:
                unresolved.append(person["id"])
                continue
            town_id = town_ids.get(location.raw["town_code"])
            updates.append(
                (person["id"], location.latitude, location.longitude, town_id, "gazetteer", person["geocoded_by"])
            )
        async with write_transaction():
            for person_id, lat, lon, town_id, source, was in updates:
                still_candidate = Person.lat.is_null() if was != "gazetteer" else Person.geocoded_by == "gazetteer"
                await Person.update(
                    {Person.lat: lat, Person.lon: lon, Person.town: town_id, Person.geocoded_by: source}
                ).where((Person.id == person_id) & still_candidate)
                placed[source] += 1
        await progress((start + len(batch)) / len(pending))
    return GeocodeResult(
        candidates=len(pending),
        geocoded=placed["online"] + placed["gazetteer"],
        by_source=placed,
        unresolved_person_ids=unresolved,
        failed_person_ids=failed,
        online_calls=online_geocoder.calls if online_geocoder else None,
        cache_hits=online_geocoder.cache_hits if online_geocoder else None,
    )
