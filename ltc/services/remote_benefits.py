"""Remote benefits (远郊模式): the bureau grants a family-care allowance or grouped visits to a
beneficiary no designated provider reaches, and ends it; the town's agent records the month's
check of each family-care household (rules: ``ltc.domain.remote_benefits``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from piccolo.columns.combination import Combinable
from piccolo.query import Select
from pydantic import BaseModel, Field

from ltc.db.engine import is_unique_violation, write_transaction
from ltc.db.queries.remote_benefits import open_on, runs_in, uncovered_beneficiaries
from ltc.db.tables import Assignment, Conclusion, Person, Provider, RemoteBenefit, RemoteCheck
from ltc.domain import remote_benefits as rules
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import Conflict, NotFound
from ltc.domain.periods import Period
from ltc.services import assignments
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId
from ltc.services.reference import policy_book
from ltc.services.settlements.values import PERIOD_PATTERN

BenefitKind = Literal["family_care_allowance", "grouped_visits"]
CheckKind = Literal["visit", "call"]
Finding = Literal["ok", "not_at_home", "care_lacking", "died", "moved"]


class GrantIn(Input):
    person_id: RecordId
    kind: BenefitKind
    # grouped visits: the provider who visits; family care: the one supervising the family caregiver
    provider_id: RecordId | None = None
    from_day: date | None = None  # default: today
    note: str = Field(default="", max_length=500)


class EndIn(Input):
    to_day: date | None = None  # the benefit's last day; default: today
    note: str = Field(default="", max_length=500)


class CheckIn(Input):
    period: str = Field(pattern=PERIOD_PATTERN)
    kind: CheckKind
    checked_on: date | None = None  # default: today
    finding: Finding
    note: str = Field(default="", max_length=500)


class RemoteBenefitOut(BaseModel):
    id: int
    person_id: int
    person_name: str
    town_code: str | None
    kind: str
    provider_id: int | None
    provider_name: str | None
    from_day: date
    to_day: date | None
    note: str
    created_at: datetime


class RemoteCheckOut(BaseModel):
    id: int
    benefit_id: int
    person_id: int
    period: str
    kind: str
    checked_on: date
    finding: str
    note: str


class UncoveredPerson(BaseModel):
    """A beneficiary no designated provider reaches, without an open remote benefit."""

    person_id: int
    person_name: str
    town_code: str | None
    care_mode: str
    nearest_provider_id: int | None
    nearest_provider_name: str | None
    nearest_distance_km: float | None


class Household(BaseModel):
    """A family-care household on the town agent's list for a month, and its check if done."""

    benefit: RemoteBenefitOut
    check: RemoteCheckOut | None


def _benefit_rows() -> Select:
    return RemoteBenefit.select(
        RemoteBenefit.id,
        RemoteBenefit.person.as_alias("person_id"),
        RemoteBenefit.person.name.as_alias("person_name"),
        RemoteBenefit.person._.town._.code.as_alias("town_code"),
        RemoteBenefit.kind,
        RemoteBenefit.provider.as_alias("provider_id"),
        RemoteBenefit.provider.name.as_alias("provider_name"),
        RemoteBenefit.from_day,
        RemoteBenefit.to_day,
        RemoteBenefit.note,
        RemoteBenefit.created_at,
    )


def _check_out(row: dict[str, Any]) -> RemoteCheckOut:
    return RemoteCheckOut(
        id=row["id"],
        benefit_id=row["benefit"],
        person_id=row["person"],
        period=row["period"],
        kind=row["kind"],
        checked_on=row["checked_on"],
        finding=row["finding"],
        note=row["note"],
    )


def _in_town(actor: Actor) -> Combinable | None:
    """A town agent reads only the benefits of their own town's people."""
    town = actor.town_scope
    return None if town is None else RemoteBenefit.person.town == town


async def list_uncovered(actor: Actor) -> list[UncoveredPerson]:
    """The beneficiaries no designated provider reaches and who have no open remote benefit."""
    require(actor, Action.GRANT_REMOTE_BENEFIT)
    rows = (
        await Assignment.select(
            Assignment.person.as_alias("person_id"),
            Assignment.person.name.as_alias("person_name"),
            Assignment.person._.town._.code.as_alias("town_code"),
            Assignment.care_mode,
            Assignment.nearest_provider.as_alias("nearest_provider_id"),
            Assignment.nearest_provider.name.as_alias("nearest_provider_name"),
            Assignment.nearest_distance_km,
        )
        .where(await uncovered_beneficiaries())
        .order_by(Assignment.person)
    )
    return [UncoveredPerson.model_validate(r) for r in rows]


async def provider_choices(actor: Actor) -> list[tuple[int, str]]:
    """The active providers a grant may name: (id, "code name")."""
    require(actor, Action.GRANT_REMOTE_BENEFIT)
    rows = (
        await Provider.select(Provider.id, Provider.code, Provider.name)
        .where(Provider.status == "active")
        .order_by(Provider.code)
    )
    return [(r["id"], f"{r['code']} {r['name']}") for r in rows]


async def list_benefits(actor: Actor, *, open_only: bool = True) -> list[RemoteBenefitOut]:
    require(actor, Action.READ_REMOTE_BENEFITS)
    query = _benefit_rows()
    if open_only:
        query = query.where(RemoteBenefit.to_day.is_null())
    scope = _in_town(actor)
    if scope is not None:
        query = query.where(scope)
    return [RemoteBenefitOut.model_validate(r) for r in await query.order_by(RemoteBenefit.id)]


async def get_benefit(actor: Actor, benefit_id: int) -> RemoteBenefitOut:
    require(actor, Action.READ_REMOTE_BENEFITS)
    query = _benefit_rows().where(RemoteBenefit.id == benefit_id)
    scope = _in_town(actor)
    if scope is not None:
        query = query.where(scope)
    row = await query.first()
    if row is None:
        raise NotFound("no such remote benefit", code="remote_benefit_not_found")
    return RemoteBenefitOut.model_validate(row)


async def _grant_facts(person_id: int, from_day: date) -> rules.GrantFacts:
    person = (
        await Person.select(Person.id, Person.town.code.as_alias("town_code")).where(Person.id == person_id).first()
    )
    if person is None:
        raise NotFound("no such person", code="person_not_found")
    beneficiary = await Conclusion.exists().where(
        (Conclusion.person == person_id) & (Conclusion.status == "active") & (Conclusion.severe == True)
    )
    uncovered = await Assignment.exists().where(
        (Assignment.person == person_id)
        & (Assignment.status == "unassigned")
        & (Assignment.reason == rules.UNCOVERED_REASON)
    )
    has_open = await RemoteBenefit.exists().where((RemoteBenefit.person == person_id) & open_on(from_day))
    return rules.GrantFacts(person["town_code"], beneficiary, uncovered, has_open)


async def grant(ctx: ServiceContext, actor: Actor, data: GrantIn) -> RemoteBenefitOut:
    """The bureau grants a remote benefit (see ``ltc.domain.remote_benefits``)."""
    require(actor, Action.GRANT_REMOTE_BENEFIT)
    today = local_today(ctx.clock, ctx.settings.zone)
    from_day = data.from_day or today
    policy = policy_book(ctx.settings).in_force(from_day)
    async with write_transaction():
        facts = await _grant_facts(data.person_id, from_day)
        rules.check_grant(policy, facts, data.kind, data.provider_id)
        provider = await Provider.select(Provider.status).where(Provider.id == data.provider_id).first()
        if provider is None:
            raise NotFound("no such provider", code="provider_not_found")
        if provider["status"] != "active":
            raise Conflict("the provider is not active", code="provider_not_active", errors=[{"field": "provider_id"}])
        now = ctx.clock.now()
        row = RemoteBenefit(
            person=data.person_id,
            kind=data.kind,
            provider=data.provider_id,
            from_day=from_day,
            to_day=None,
            granted_by=actor.user_id,
            note=data.note,
            created_at=now,
        )
        try:
            await row.save()
        except Exception as error:  # a grant at the same moment (a double click) holds the open slot
            if not is_unique_violation(error):
                raise
            raise Conflict("the person already has an open remote benefit", code="remote_benefit_open") from error
        if data.kind == rules.GROUPED_VISITS:  # the visiting provider takes the person: a care plan follows
            await assignments.place_with(actor, data.person_id, row.provider, rules.GROUPED_VISITS, now)
        await record_change(
            actor=actor,
            at=now,
            action="remote_benefit.grant",
            entity="remote_benefit",
            entity_id=row.id,
            after={
                "person_id": data.person_id,
                "kind": data.kind,
                "provider_id": data.provider_id,
                "from_day": str(from_day),
            },
            reason=data.note,
        )
    return await get_benefit(actor, row.id)


async def end(ctx: ServiceContext, actor: Actor, benefit_id: int, data: EndIn) -> RemoteBenefitOut:
    """The bureau ends a remote benefit on its last day."""
    require(actor, Action.GRANT_REMOTE_BENEFIT)
    end_on = data.to_day or local_today(ctx.clock, ctx.settings.zone)
    async with write_transaction():
        row = (
            await RemoteBenefit.select(
                RemoteBenefit.from_day, RemoteBenefit.to_day, RemoteBenefit.kind, RemoteBenefit.person
            )
            .where(RemoteBenefit.id == benefit_id)
            .first()
        )
        if row is None:
            raise NotFound("no such remote benefit", code="remote_benefit_not_found")
        rules.check_end(row["from_day"], row["to_day"], end_on)
        await RemoteBenefit.update({RemoteBenefit.to_day: end_on}).where(RemoteBenefit.id == benefit_id)
        if row["kind"] == rules.GROUPED_VISITS:  # placed again by the rules (listed as uncovered)
            placed = (
                await Assignment.select(Assignment.care_mode, Assignment.conclusion)
                .where((Assignment.person == row["person"]) & Assignment.current_key.is_not_null())
                .first()
            )
            if placed is not None:
                await assignments.assign_person(
                    ctx,
                    actor,
                    row["person"],
                    conclusion_id=placed["conclusion"],
                    care_mode=placed["care_mode"],
                    now=ctx.clock.now(),
                )
        await record_change(
            actor=actor,
            at=ctx.clock.now(),
            action="remote_benefit.end",
            entity="remote_benefit",
            entity_id=benefit_id,
            before={"to_day": None},
            after={"to_day": str(end_on)},
            reason=data.note,
        )
    return await get_benefit(actor, benefit_id)


async def households(actor: Actor, period: Period) -> list[Household]:
    """The month's family-care households the actor may see (a town agent: their town's), each
    with the month's check when it is on record."""
    require(actor, Action.READ_REMOTE_BENEFITS)
    query = _benefit_rows().where((RemoteBenefit.kind == rules.FAMILY_CARE_ALLOWANCE) & runs_in(period))
    scope = _in_town(actor)
    if scope is not None:
        query = query.where(scope)
    benefits = [RemoteBenefitOut.model_validate(r) for r in await query.order_by(RemoteBenefit.person.name)]
    checks = {}
    if benefits:
        for r in await RemoteCheck.select().where(
            (RemoteCheck.period == str(period)) & RemoteCheck.benefit.is_in([b.id for b in benefits])
        ):
            checks[r["benefit"]] = _check_out(r)
    return [Household(benefit=b, check=checks.get(b.id)) for b in benefits]


async def checks_due(actor: Actor, period: Period) -> int:
    """How many of the month's family-care households the actor sees have no check yet."""
    return sum(1 for h in await households(actor, period) if h.check is None)


async def record_check(ctx: ServiceContext, actor: Actor, benefit_id: int, data: CheckIn) -> RemoteCheckOut:
    """The town's agent records the month's check of a family-care household of their town."""
    require(actor, Action.RECORD_REMOTE_CHECK)
    benefit = await get_benefit(actor, benefit_id)  # another town's: not found
    if benefit.kind != rules.FAMILY_CARE_ALLOWANCE:
        raise Conflict("only a family-care allowance is checked monthly", code="check_not_needed")
    period = Period.parse(data.period)
    today = local_today(ctx.clock, ctx.settings.zone)
    checked_on = data.checked_on or today
    rules.check_record(period, checked_on, today, benefit.from_day, benefit.to_day)
    key = f"{benefit_id}:{period}"
    async with write_transaction():
        if await RemoteCheck.exists().where(RemoteCheck.check_key == key):
            raise Conflict("the month's check is on record", code="check_recorded")
        now = ctx.clock.now()
        row = RemoteCheck(
            benefit=benefit_id,
            person=benefit.person_id,
            period=str(period),
            check_key=key,
            kind=data.kind,
            checked_on=checked_on,
            checked_by=actor.user_id,
            finding=data.finding,
            note=data.note,
            created_at=now,
        )
        await row.save()
        await record_change(
            actor=actor,
            at=now,
            action="remote_check.record",
            entity="remote_benefit",
            entity_id=benefit_id,
            after={"period": str(period), "kind": data.kind, "checked_on": str(checked_on), "finding": data.finding},
            reason=data.note,
        )
    stored = await RemoteCheck.select().where(RemoteCheck.id == row.id).first()
    assert stored is not None  # written just now
    return _check_out(stored)
