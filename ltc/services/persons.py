"""Registering persons and reading them, scoped by who asks: the bureau sees everyone with
full id numbers; others see masked numbers and only the persons that concern them.

Id numbers, phones and addresses are stored sealed (``ltc.db.personal_data``): a read
opens them, a lookup or a duplicate check goes through the blind index, and each read of
full id numbers by the bureau leaves one audit entry (``person.view_identity``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Literal

from piccolo.custom_types import Combinable
from pydantic import BaseModel, Field

from ltc.db.engine import write_transaction
from ltc.db.personal_data import (
    PersonSecrets,
    open_person,
    person_ids_by_id_number,
    reserve_person_ids,
    sealed_values,
)
from ltc.db.queries import persons as person_queries
from ltc.db.queries.paging import Page, PageRequest, after_key, page_of
from ltc.db.tables import AssessorAssignment, Assignment, CarePlan, Person, Town
from ltc.domain.access import Action, Actor, check_own_town, require
from ltc.domain.coordinates import check_in_china
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.domain.identity import age_on, mask_id_number, parse_id_number
from ltc.domain.person_search import SearchKey, SearchTerm, classify_search
from ltc.domain.personal_data import id_number_index, phone_index
from ltc.domain.registry import check_identity_claims, check_phone
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
    sex: Literal["M", "F"] | None = Field(default=None, description="checked against the id number when given")
    birth_date: date | None = Field(default=None, description="checked against the id number when given")


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
    town_name_en: str | None = None
    lat: float | None
    lon: float | None
    geocoded_by: str
    insured: bool
    insured_since: date | None
    registered_by_provider: int | None
    deceased_on: date | None


_COLUMNS = (
    Person.id,
    Person.id_number_enc,
    Person.name,
    Person.sex,
    Person.birth_date,
    Person.phone_enc,
    Person.address_enc,
    Person.town.code.as_alias("town"),
    Person.town.name.as_alias("town_name"),
    Person.town.name_en.as_alias("town_name_en"),
    Person.lat,
    Person.lon,
    Person.geocoded_by,
    Person.insured,
    Person.insured_since,
    Person.registered_by_provider,
    Person.deceased_on,
)


def _present(ctx: ServiceContext, actor: Actor, row: dict[str, Any], today: date) -> PersonOut:
    secrets = open_person(ctx.settings.keyring, row)
    id_number = secrets.id_number if actor.sees_full_id_numbers else mask_id_number(secrets.id_number)
    fields = {k: v for k, v in row.items() if not k.endswith("_enc")}
    return PersonOut.model_validate(
        fields
        | {
            "id_number": id_number,
            "phone": secrets.phone,
            "address": secrets.address,
            "age": age_on(row["birth_date"], today),
        }
    )


async def audit_identity_view(ctx: ServiceContext, actor: Actor, entity_id: object, *, after: Any = None) -> None:
    """One entry for a read that showed the bureau full id numbers (a person, or a list)."""
    if actor.sees_full_id_numbers:
        await record_change(
            actor=actor,
            at=ctx.clock.now(),
            action="person.view_identity",
            entity="person",
            entity_id=entity_id,
            after=after,
        )


async def _resolve_town(value: str) -> dict[str, Any]:
    text = (value or "").strip()
    row = await Town.select(Town.id, Town.code, Town.name).where((Town.code == text) | (Town.name == text)).first()
    if row is None:
        raise InvalidInput(f"未知的乡镇（街道）：{text}", code="unknown_town", errors=[{"field": "town"}])
    return row


async def _already_registered(ctx: ServiceContext, actor: Actor, person_id: int) -> Conflict:
    """The refusal of a second registration; it names the person registered when the caller
    may see them (to open their record instead), and only then."""
    error: dict[str, Any] = {"field": "id_number", "code": "duplicate_id_number"}
    try:
        await get_person(ctx, actor, person_id)
        error["person_id"] = person_id
    except NotFound:
        pass
    return Conflict("该身份证号码已登记", code="duplicate_id_number", errors=[error])


@cache
def _gazetteer() -> GazetteerGeocoder:
    return GazetteerGeocoder(load_towns())


def gazetteer_position(town_name: str, address: str) -> tuple[float | None, float | None, str]:
    """Where the offline gazetteer places a person of this town and address (their town; a
    survey or the online geocoder can refine it): lat, lon and "gazetteer", or nothing."""
    location = _gazetteer().geocode(f"{town_name} {address}")
    return (location.latitude, location.longitude, "gazetteer") if location else (None, None, "")


async def register_person(ctx: ServiceContext, actor: Actor, data: PersonIn) -> PersonOut:
    require(actor, Action.REGISTER_PERSON)
    position = to_wgs84(data.lat, data.lon, data.coordinate_system)
    today = local_today(ctx.clock, ctx.settings.zone)
    identity = parse_id_number(data.id_number, today=today)
    check_identity_claims(identity, sex=data.sex, birth_date=data.birth_date)
    phone = check_phone(data.phone)
    if data.insured_since is not None and data.insured_since > today:
        raise InvalidInput(
            "参保日期不能晚于今天", code="insured_since_in_future", errors=[{"field": "insured_since", "message": ""}]
        )
    town = await _resolve_town(data.town)
    check_own_town(actor, town["id"])
    lat, lon = position
    if (lat is None) != (lon is None):
        raise InvalidInput("lat 和 lon 须同时提供", code="coordinates_incomplete")
    geocoded_by = "device"
    if lat is None or lon is None:
        lat, lon, geocoded_by = gazetteer_position(town["name"], data.address)
    else:
        check_in_china(lat, lon)
    now = ctx.clock.now()
    keyring = ctx.settings.keyring
    async with write_transaction():
        taken = await person_ids_by_id_number(keyring, [identity.value])
        if taken:
            raise await _already_registered(ctx, actor, taken[identity.value])
        (person_id,) = await reserve_person_ids(1)
        secrets = PersonSecrets(id_number=identity.value, phone=phone, address=data.address)
        person = Person(
            id=person_id,
            **sealed_values(keyring, person_id, secrets),
            name=data.name.strip(),
            sex=identity.sex,
            birth_date=identity.birth_date,
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
    town = actor.town_scope
    if town is not None:
        return Person.town == town  # a town agent: the people of their own town
    scope = actor.provider_scope
    if scope is not None:
        # An agency's own people: those it registered, places with it now, or has cared for.
        return (
            (Person.registered_by_provider == scope)
            | Person.id.is_in(
                Assignment.select(Assignment.person).where(
                    (Assignment.provider == scope) & Assignment.current_key.is_not_null()
                )
            )
            | Person.id.is_in(CarePlan.select(CarePlan.person).where(CarePlan.provider == scope))
        )
    return Person.id == -1


async def get_person(ctx: ServiceContext, actor: Actor, person_id: int, *, audit: bool = False) -> PersonOut:
    """One person as ``actor`` may see them; ``audit``: this read shows them to a user (an
    API or page read), so a full id number shown to the bureau is audited."""
    query = Person.select(*_COLUMNS).where(Person.id == person_id)
    scope = await visible_person_filter(actor)
    if scope is not None:
        query = query.where(scope)
    row = await query.first()
    if row is None:
        raise NotFound("没有该人员", code="person_not_found")
    if audit:
        await audit_identity_view(ctx, actor, person_id)
    return _present(ctx, actor, row, local_today(ctx.clock, ctx.settings.zone))


CareStatus = Literal["beneficiary", "waiting", "applying"]
CARE_STATUSES: tuple[str, ...] = ("beneficiary", "waiting", "applying")


class PersonQuery(Input):
    """A person search: the text of the search box (an id number, a phone or the start of a
    name) and filters."""

    q: str = Field(default="", max_length=64)
    town: str | None = Field(default=None, max_length=12, description="town code")
    insured: bool | None = None
    care_status: CareStatus | None = None
    level: int | None = Field(default=None, ge=0, le=5)


@dataclass(frozen=True)
class PersonSearch:
    """A page of the persons found, and the key the search text was taken for."""

    page: Page[PersonOut]
    searched_by: SearchKey | None


async def _search_condition(ctx: ServiceContext, actor: Actor, term: SearchTerm) -> Combinable:
    keyring = ctx.settings.keyring
    if term.key == SearchKey.ID_NUMBER:
        # The full number is a key only for those who see full numbers; to others it finds no one.
        if not actor.sees_full_id_numbers:
            return Person.id == -1
        return Person.id_number_index == id_number_index(keyring, term.value)
    if term.key == SearchKey.PHONE:
        return Person.phone_index == phone_index(keyring, term.value)
    return person_queries.name_starts_with(term.value)


async def search_persons(
    ctx: ServiceContext, actor: Actor, query: PersonQuery, page: PageRequest, *, offset: int = 0
) -> PersonSearch:
    """One page of the persons ``actor`` may see that match ``query``, in id order (keyset:
    the page after ``page.after``; ``offset`` only for the list API's callers from before)."""
    select = Person.select(*_COLUMNS).order_by(Person.id).limit(page.limit + 1)
    if offset:
        select = select.offset(offset)
    scope = await visible_person_filter(actor)
    if scope is not None:
        select = select.where(scope)
    term = classify_search(query.q)
    if term is not None:
        select = select.where(await _search_condition(ctx, actor, term))
    if query.town:
        select = select.where(person_queries.in_town(query.town))
    if query.insured is not None:
        select = select.where(Person.insured == query.insured)
    if query.care_status:
        select = select.where(person_queries.in_care_status(query.care_status))
    if query.level is not None:
        select = select.where(person_queries.with_level(query.level))
    if page.after is not None:
        select = select.where(after_key([Person.id], page.after))
    rows = page_of(await select, page, lambda row: (row["id"],))
    today = local_today(ctx.clock, ctx.settings.zone)
    if rows.items:
        await audit_identity_view(
            ctx, actor, "list", after={"count": len(rows), "page": bool(page.after), "searched": term is not None}
        )
    found = Page(items=[_present(ctx, actor, row, today) for row in rows.items], next_after=rows.next_after)
    return PersonSearch(page=found, searched_by=term.key if term else None)


class TownChoice(BaseModel):
    code: str
    name: str
    name_en: str


async def town_choices() -> list[TownChoice]:
    """The towns a person list can be filtered by."""
    rows = await Town.select(Town.code, Town.name, Town.name_en).order_by(Town.code)
    return [TownChoice.model_validate(r) for r in rows]
