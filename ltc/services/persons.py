"""Registering persons and reading them, scoped by who asks: the bureau sees everyone with
full id numbers; others see masked numbers and only the persons that concern them."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from piccolo.custom_types import Combinable
from pydantic import BaseModel, Field

from ltc.db.engine import write_transaction
from ltc.db.tables import AssessorAssignment, Person, Town
from ltc.domain.access import Action, Actor, require
from ltc.domain.coordinates import check_in_china
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.domain.identity import age_on, mask_id_number, parse_id_number
from ltc.geo.gazetteer import GazetteerGeocoder
from ltc.geo.towns import load_towns
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input
from ltc.services.positions import CoordinateSystem, to_wgs84


class PersonIn(Input):
    id_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(default="", max_length=20)
    address: str = Field(default="", max_length=300)
    town: str = Field(min_length=1, max_length=64, description="town code or Chinese name")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    coordinate_system: CoordinateSystem = "wgs84"
    insured: bool = True
    insured_since: date | None = None


class PersonOut(BaseModel):
    id: int
    id_number: str = Field(description="masked (3302**********1234) for everyone but the bureau")
    name: str
    sex: Literal["M", "F"]
    birth_date: date
    age: int
    phone: str
    address: str
    town: str | None
    town_name: str | None
    lat: float | None
    lon: float | None
    geocoded_by: str
    insured: bool
    insured_since: date | None
    registered_by_provider: int | None
    deceased_on: date | None


_COLUMNS = (
    Person.id,
    Person.id_number,
    Person.name,
    Person.sex,
    Person.birth_date,
    Person.phone,
    Person.address,
    Person.town.code.as_alias("town"),
    Person.town.name.as_alias("town_name"),
    Person.lat,
    Person.lon,
    Person.geocoded_by,
    Person.insured,
    Person.insured_since,
    Person.registered_by_provider,
    Person.deceased_on,
)


def _present(actor: Actor, row: dict[str, Any], today: date) -> PersonOut:
    id_number = row["id_number"] if actor.sees_full_id_numbers else mask_id_number(row["id_number"])
    return PersonOut.model_validate(row | {"id_number": id_number, "age": age_on(row["birth_date"], today)})


async def _resolve_town(value: str) -> dict[str, Any]:
    text = (value or "").strip()
    row = await Town.select(Town.id, Town.code, Town.name).where((Town.code == text) | (Town.name == text)).first()
    if row is None:
        raise InvalidInput(f"未知的乡镇（街道）：{text}", code="unknown_town", errors=[{"field": "town"}])
    return row


async def register_person(ctx: ServiceContext, actor: Actor, data: PersonIn) -> PersonOut:
    require(actor, Action.REGISTER_PERSON)
    position = to_wgs84(data.lat, data.lon, data.coordinate_system)
    today = local_today(ctx.clock, ctx.settings.zone)
    identity = parse_id_number(data.id_number, today=today)
    if data.insured_since is not None and data.insured_since > today:
        raise InvalidInput(
            "参保日期不能晚于今天", code="insured_since_in_future", errors=[{"field": "insured_since", "message": ""}]
        )
    town = await _resolve_town(data.town)
    lat, lon = position
    if (lat is None) != (lon is None):
        raise InvalidInput("lat 和 lon 须同时提供", code="coordinates_incomplete")
    geocoded_by = "device"
    if lat is None or lon is None:
        # The offline gazetteer places the person at their town; a survey can refine it.
        location = GazetteerGeocoder(load_towns()).geocode(f"{town['name']} {data.address}")
        lat, lon, geocoded_by = (location.latitude, location.longitude, "gazetteer") if location else (None, None, "")
    else:
        check_in_china(lat, lon)
    now = ctx.clock.now()
    async with write_transaction():
        if await Person.exists().where(Person.id_number == identity.value):
            raise Conflict("该身份证号码已登记", code="duplicate_id_number")
        person = Person(
            id_number=identity.value,
            name=data.name.strip(),
            sex=identity.sex,
            birth_date=identity.birth_date,
            phone=data.phone,
            address=data.address,
            town=town["id"],
            lat=lat,
            lon=lon,
            geocoded_by=geocoded_by,
            insured=data.insured,
            insured_since=data.insured_since,
            registered_by_provider=actor.provider_scope or None,
            created_at=now,
        )
        await person.save()
        await record_change(
            actor=actor,
            at=now,
            action="person.register",
            entity="person",
            entity_id=person.id,
            after={"id_number": mask_id_number(identity.value), "name": person.name, "town": town["code"]},
        )
    if ctx.settings.geocoder_url and geocoded_by != "device":
        from ltc.services.geocoding import GeocodeParams  # the online geocoder runs only in a worker
        from ltc.services.jobs import start_job

        await start_job(ctx, None, "geocode_persons", GeocodeParams(person_ids=(person.id,)))
    return await get_person(ctx, actor, person.id)


async def visible_person_filter(actor: Actor) -> Combinable | None:
    """A where-clause for the persons this actor may see (None = all)."""
    if actor.sees_whole_region:
        return None
    if actor.may(Action.ASSESS):
        assigned = await AssessorAssignment.select(AssessorAssignment.application.person.as_alias("p")).where(
            AssessorAssignment.assessor == actor.user_id
        )
        return Person.id.is_in([row["p"] for row in assigned] or [-1])
    scope = actor.provider_scope
    if scope is not None:
        return Person.registered_by_provider == scope
    return Person.id == -1


async def get_person(ctx: ServiceContext, actor: Actor, person_id: int) -> PersonOut:
    query = Person.select(*_COLUMNS).where(Person.id == person_id)
    scope = await visible_person_filter(actor)
    if scope is not None:
        query = query.where(scope)
    row = await query.first()
    if row is None:
        raise NotFound("没有该人员", code="person_not_found")
    return _present(actor, row, local_today(ctx.clock, ctx.settings.zone))


async def list_persons(
    ctx: ServiceContext, actor: Actor, *, search: str = "", limit: int = 50, offset: int = 0
) -> list[PersonOut]:
    query = Person.select(*_COLUMNS).order_by(Person.id).limit(limit).offset(offset)
    scope = await visible_person_filter(actor)
    if scope is not None:
        query = query.where(scope)
    if search:
        # Searching by id number is a bureau lookup; others search by name only.
        if actor.sees_full_id_numbers:
            query = query.where(Person.name.like(f"%{search}%") | (Person.id_number == search.upper()))
        else:
            query = query.where(Person.name.like(f"%{search}%"))
    today = local_today(ctx.clock, ctx.settings.zone)
    return [_present(actor, row, today) for row in await query]
