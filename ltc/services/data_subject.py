"""A person's rights over their data and the bureau's duties with it: the report of what is
held about them, anonymisation once no retention duty applies, and the stamp and audit
entry of every file that carries personal data out of the system."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from ltc.db.engine import write_transaction
from ltc.db.personal_data import PersonSecrets, sealed_columns
from ltc.db.tables import (
    Application,
    Assessment,
    CarePlan,
    Conclusion,
    HospitalStay,
    LedgerEntry,
    Person,
    SettlementLine,
    Visit,
    VisitEvidence,
)
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import Conflict
from ltc.domain.personal_data import RetentionFacts, anonymised_id_number, retention_duty
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.persons import PersonOut, get_person
from ltc.services.reference import policy_book

# --------------------------------------------------------------------------- exports


class ExportStamp(BaseModel):
    """Who exported a file with personal data, and when: written into the file itself."""

    exported_by: str
    exported_at: datetime


async def stamp_export(
    ctx: ServiceContext, actor: Actor, *, entity: str, entity_id: object, file_format: str
) -> ExportStamp:
    """The audit entry (``export.personal_data``) of a file about to be handed out, and the
    stamp the file carries."""
    now = ctx.clock.now()
    await record_change(
        actor=actor,
        at=now,
        action="export.personal_data",
        entity=entity,
        entity_id=entity_id,
        after={"format": file_format},
    )
    return ExportStamp(exported_by=actor.display_name or actor.username, exported_at=now)


# --------------------------------------------------------------------------- the report


class ApplicationHeld(BaseModel):
    id: int
    kind: str
    applied_on: date
    care_mode: str
    status: str


class AssessmentHeld(BaseModel):
    id: int
    application_id: int
    round: int
    instrument_code: str
    level: int
    status: str
    submitted_at: datetime


class ConclusionHeld(BaseModel):
    id: int
    level: int
    care_mode: str
    valid_from: date
    valid_until: date
    status: str


class CarePlanHeld(BaseModel):
    id: int
    version: int
    provider_id: int
    level: int
    care_mode: str
    status: str
    created_at: datetime


class SettlementLineHeld(BaseModel):
    settlement_id: int
    period: str
    kind: str
    quantity: int
    gross_fen: int
    fund_fen: int
    personal_fen: int


class PersonDataReport(BaseModel):
    """Everything the system holds about one person (个人信息查阅)."""

    generated_at: datetime
    generated_by: str
    person: PersonOut
    applications: list[ApplicationHeld]
    assessments: list[AssessmentHeld]
    conclusions: list[ConclusionHeld]
    care_plans: list[CarePlanHeld]
    visits: int = Field(description="home visits planned or made for the person")
    hospital_stays: int
    settlement_lines: list[SettlementLineHeld]
    retention_duty: str | None = Field(description="why the data must still be kept (a code), or null")


async def _retention_facts(person_id: int) -> RetentionFacts:
    last = (
        await SettlementLine.select(SettlementLine.settlement.period.as_alias("period"))
        .where(SettlementLine.person == person_id)
        .order_by(SettlementLine.settlement.period, ascending=False)
        .first()
    )
    settlements = [
        r["settlement"]
        for r in await SettlementLine.select(SettlementLine.settlement).where(SettlementLine.person == person_id)
    ]
    posted = (
        await LedgerEntry.select(LedgerEntry.posted_at)
        .where(LedgerEntry.settlement.is_in(settlements or [-1]))
        .order_by(LedgerEntry.posted_at, ascending=False)
        .first()
    )
    live = await CarePlan.count().where(
        (CarePlan.person == person_id) & CarePlan.current_key.is_not_null() & (CarePlan.status != "superseded")
    )
    return RetentionFacts(
        last_settled_period=last["period"] if last else None,
        last_posting_on=posted["posted_at"].date() if posted else None,
        live_care_plans=live,
    )


async def _duty(ctx: ServiceContext, person_id: int) -> str | None:
    today = local_today(ctx.clock, ctx.settings.zone)
    years = policy_book(ctx.settings).in_force(today).personal_data_retention_years
    return retention_duty(await _retention_facts(person_id), today, years)


async def person_data_report(ctx: ServiceContext, actor: Actor, person_id: int) -> PersonDataReport:
    require(actor, Action.REPORT_PERSONAL_DATA)
    person = await get_person(ctx, actor, person_id)
    applications = await Application.select(
        Application.id, Application.kind, Application.applied_on, Application.care_mode, Application.status
    ).where(Application.person == person_id)
    assessments = await Assessment.select(
        Assessment.id,
        Assessment.application.as_alias("application_id"),
        Assessment.round,
        Assessment.instrument_code,
        Assessment.level,
        Assessment.status,
        Assessment.submitted_at,
    ).where(Assessment.application.person == person_id)
    conclusions = await Conclusion.select(
        Conclusion.id,
        Conclusion.level,
        Conclusion.care_mode,
        Conclusion.valid_from,
        Conclusion.valid_until,
        Conclusion.status,
    ).where(Conclusion.person == person_id)
    plans = await CarePlan.select(
        CarePlan.id,
        CarePlan.version,
        CarePlan.provider.as_alias("provider_id"),
        CarePlan.level,
        CarePlan.care_mode,
        CarePlan.status,
        CarePlan.created_at,
    ).where(CarePlan.person == person_id)
    lines = await SettlementLine.select(
        SettlementLine.settlement.as_alias("settlement_id"),
        SettlementLine.settlement.period.as_alias("period"),
        SettlementLine.kind,
        SettlementLine.quantity,
        SettlementLine.gross_fen,
        SettlementLine.fund_fen,
        SettlementLine.personal_fen,
    ).where(SettlementLine.person == person_id)
    now = ctx.clock.now()
    report = PersonDataReport(
        generated_at=now,
        generated_by=actor.username,
        person=person,
        applications=[ApplicationHeld.model_validate(r) for r in applications],
        assessments=[AssessmentHeld.model_validate(r) for r in assessments],
        conclusions=[ConclusionHeld.model_validate(r) for r in conclusions],
        care_plans=[CarePlanHeld.model_validate(r) for r in plans],
        visits=await Visit.count().where(Visit.person == person_id),
        hospital_stays=await HospitalStay.count().where(HospitalStay.person == person_id),
        settlement_lines=[SettlementLineHeld.model_validate(r) for r in lines],
        retention_duty=await _duty(ctx, person_id),
    )
    await record_change(actor=actor, at=now, action="person.data_report", entity="person", entity_id=person_id)
    return report


# --------------------------------------------------------------------------- anonymisation


class Anonymised(BaseModel):
    person_id: int
    status: Literal["anonymised"] = "anonymised"
    anonymised_at: datetime


async def anonymise_person(ctx: ServiceContext, actor: Actor, person_id: int) -> Anonymised:
    """Replace the person's name, id number, phone and address (and position) with values
    that identify nobody; their applications, visits and money records stay as they are.
    Refused with the duty's code (409) while a retention duty applies."""
    require(actor, Action.ANONYMISE_PERSON)
    await get_person(ctx, actor, person_id)
    now = ctx.clock.now()
    async with write_transaction():
        duty = await _duty(ctx, person_id)
        if duty is not None:
            raise Conflict("该人员的资料仍在保存期限内，不能匿名化", code=duty)
        anonymous = PersonSecrets(id_number=anonymised_id_number(person_id), phone="", address="")
        values = sealed_columns(ctx.settings.keyring, person_id, anonymous)
        values |= {Person.name: f"已匿名{person_id}", Person.lat: None, Person.lon: None, Person.geocoded_by: ""}
        await Person.update(values).where(Person.id == person_id)
        # The photos of the home and the family's signatures identify them too; the visits'
        # events still say that evidence was given.
        of_person = VisitEvidence.visit.is_in(Visit.select(Visit.id).where(Visit.person == person_id))
        pictures = await VisitEvidence.count().where(of_person)
        await VisitEvidence.delete().where(of_person)
        await record_change(
            actor=actor,
            at=now,
            action="person.anonymise",
            entity="person",
            entity_id=person_id,
            after={"evidence_removed": pictures},
            reason="no retention duty",
        )
    return Anonymised(person_id=person_id, anonymised_at=now)
