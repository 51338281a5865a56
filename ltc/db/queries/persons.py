"""The person search's conditions as stored: a name prefix (index ``person_name_prefix`` of
migration 0016), the blind indexes of id number and phone, and the care and level filters,
each a condition on ``person`` so that keyset paging by id stays one indexed query."""

from __future__ import annotations

from datetime import datetime

from piccolo.columns.combination import Where
from piccolo.custom_types import Combinable

from ltc.db.engine import current_engine, is_sqlite
from ltc.db.tables import (
    Application,
    Assessment,
    Assignment,
    AuditEntry,
    CarePlan,
    Conclusion,
    Person,
    SettlementLine,
    Town,
    Visit,
    VisitException,
)
from ltc.domain.person_search import like_prefix

# Applications still on their way to a conclusion.
OPEN_APPLICATION_STATUSES = ("submitted", "accepted", "assessed", "publicised", "objected", "reassessing")


def name_starts_with(prefix: str) -> Combinable:
    """SQLite compares text bytewise (UTF-8 keeps code point order), so a range is exact
    and uses the index; PostgreSQL's collation is not bytewise, its index serves LIKE."""
    if is_sqlite(current_engine()):
        return (Person.name >= prefix) & (Person.name < prefix + "\U0010ffff")
    return Person.name.like(like_prefix(prefix))


def in_town(code: str) -> Where:
    return Person.town.is_in(Town.select(Town.id).where(Town.code == code))


def in_care_status(status: str) -> Where:
    """``beneficiary``: placed with a provider; ``waiting``: entitled, but no provider could
    take them; ``applying``: an application on its way to a conclusion."""
    if status == "beneficiary":
        return Person.id.is_in(
            Assignment.select(Assignment.person).where(
                Assignment.current_key.is_not_null() & (Assignment.status == "active")
            )
        )
    if status == "waiting":
        return Person.id.is_in(
            Assignment.select(Assignment.person).where(
                Assignment.current_key.is_not_null() & (Assignment.status == "unassigned")
            )
        )
    return Person.id.is_in(
        Application.select(Application.person).where(Application.status.is_in(list(OPEN_APPLICATION_STATUSES)))
    )


def with_level(level: int) -> Where:
    """Holds an active conclusion of ``level``."""
    return Person.id.is_in(
        Conclusion.select(Conclusion.person).where((Conclusion.status == "active") & (Conclusion.level == level))
    )


# --------------------------------------------------------------------------- the record's parts


async def visits_of_person(person_id: int, start: datetime, end: datetime, provider_id: int | None) -> list[dict]:
    """The person's visits planned in [start, end), of one provider or of all."""
    query = (
        Visit.select(
            Visit.id,
            Visit.provider.as_alias("provider_id"),
            Visit.caregiver.name.as_alias("caregiver_name"),
            Visit.planned_start,
            Visit.planned_end,
            Visit.status,
            Visit.checked_in_at,
            Visit.checked_out_at,
            Visit.flags,
        )
        .where((Visit.person == person_id) & (Visit.planned_start >= start) & (Visit.planned_start < end))
        .order_by(Visit.planned_start)
        .output(load_json=True)
    )
    if provider_id is not None:
        query = query.where(Visit.provider == provider_id)
    return await query


async def settlement_lines_of_person(person_id: int, provider_id: int | None, limit: int) -> list[dict]:
    """The person's settlement lines, the latest month first."""
    query = (
        SettlementLine.select(
            SettlementLine.id,
            SettlementLine.settlement.as_alias("settlement_id"),
            SettlementLine.settlement.period.as_alias("period"),
            SettlementLine.settlement.status.as_alias("settlement_status"),
            SettlementLine.settlement.provider.name.as_alias("provider_name"),
            SettlementLine.kind,
            SettlementLine.level,
            SettlementLine.quantity,
            SettlementLine.unit,
            SettlementLine.gross_fen,
            SettlementLine.fund_fen,
            SettlementLine.relief_fen,
            SettlementLine.personal_fen,
            SettlementLine.note,
        )
        .where(SettlementLine.person == person_id)
        .order_by(SettlementLine.settlement.period, ascending=False)
        .order_by(SettlementLine.id)
        .limit(limit)
    )
    if provider_id is not None:
        query = query.where(SettlementLine.settlement.provider == provider_id)
    return await query


async def exceptions_of_person(person_id: int, provider_id: int | None, limit: int) -> list[dict]:
    """The exceptions raised on the person's visits, the newest first (the columns of the
    exception lists)."""
    query = (
        VisitException.select(
            VisitException.id,
            VisitException.visit.as_alias("visit_id"),
            VisitException.provider.as_alias("provider_id"),
            VisitException.provider.name.as_alias("provider_name"),
            VisitException.code,
            VisitException.status,
            VisitException.opened_at,
            VisitException.reason_code,
            VisitException.explanation,
            VisitException.explained_at,
            VisitException.resolution_code,
            VisitException.resolution_note,
            VisitException.resolved_at,
            VisitException.visit.person.name.as_alias("person_name"),
            VisitException.visit.caregiver.name.as_alias("caregiver_name"),
            VisitException.visit.planned_start.as_alias("planned_start"),
        )
        .where(VisitException.visit.person == person_id)
        .order_by(VisitException.opened_at, ascending=False)
        .limit(limit)
    )
    if provider_id is not None:
        query = query.where(VisitException.provider == provider_id)
    return await query


async def audit_of_person(person_id: int, limit: int) -> list[dict]:
    """The audit entries about the person and the records that are theirs (applications,
    assessments, care plans), the newest first."""
    applications = [r["id"] for r in await Application.select(Application.id).where(Application.person == person_id)]
    assessments = [
        r["id"]
        for r in await Assessment.select(Assessment.id).where(Assessment.application.is_in(applications or [-1]))
    ]
    plans = [r["id"] for r in await CarePlan.select(CarePlan.id).where(CarePlan.person == person_id)]

    def about(entity: str, ids: list[int]) -> Combinable:
        return (AuditEntry.entity == entity) & AuditEntry.entity_id.is_in([str(i) for i in ids] or ["-"])

    condition = (
        about("person", [person_id])
        | about("application", applications)
        | about("assessment", assessments)
        | about("care_plan", plans)
    )
    return (
        await AuditEntry.select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.actor_name,
            AuditEntry.action,
            AuditEntry.entity,
            AuditEntry.entity_id,
            AuditEntry.reason,
        )
        .where(condition)
        .order_by(AuditEntry.id, ascending=False)
        .limit(limit)
    )


async def assessment_position(assessment_id: int) -> dict | None:
    """When and where an assessment was recorded, its stored result and the person's home."""
    return (
        await Assessment.select(
            Assessment.started_at,
            Assessment.finished_at,
            Assessment.lat,
            Assessment.lon,
            Assessment.result,
            Assessment.application.person.lat.as_alias("home_lat"),
            Assessment.application.person.lon.as_alias("home_lon"),
        )
        .where(Assessment.id == assessment_id)
        .output(load_json=True)
        .first()
    )
