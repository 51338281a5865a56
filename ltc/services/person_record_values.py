"""The parts of a person's record as the record page shows them. A part the reader's role may
not see is None (absent), which is not the same as an empty list (nothing on record)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from ltc.services.assessment.evidence import EvidenceOut
from ltc.services.assessment.in_words import AssessmentInWords
from ltc.services.assessment.values import ApplicationBasics, ConclusionOut, TeamMemberOut
from ltc.services.assignments import AssignmentOut
from ltc.services.audit import AuditEntryOut
from ltc.services.care_plans import CarePlanOut
from ltc.services.persons import PersonOut
from ltc.services.visits.values import VisitExceptionOut


class ApplicationOnRecord(BaseModel):
    application: ApplicationBasics
    team: list[TeamMemberOut]
    assessments: list[AssessmentInWords]
    evidence: list[EvidenceOut]


class PlacementOnRecord(BaseModel):
    """The current assignment, with the names of the provider (or of the nearest one that
    could not take the person)."""

    assignment: AssignmentOut
    provider_name: str | None
    nearest_provider_name: str | None


class VisitOnCalendar(BaseModel):
    id: int
    start: str  # HH:MM in the city's time zone
    end: str
    status: str
    flags: list[str]
    caregiver_name: str | None
    minutes: int | None  # checked in to checked out


class CalendarDay(BaseModel):
    day: date
    in_month: bool
    visits: list[VisitOnCalendar]


class VisitCalendar(BaseModel):
    """One month of the person's visits, Monday-first weeks."""

    month: str  # YYYY-MM
    previous: str
    next: str
    weeks: list[list[CalendarDay]]
    count: int


class SettlementLineOnRecord(BaseModel):
    id: int
    settlement_id: int
    period: str
    settlement_status: str
    provider_name: str | None
    kind: str
    level: int | None
    quantity: int
    unit: str
    gross_fen: int
    fund_fen: int
    personal_fen: int
    note: str
    relief_fen: int = 0  # of personal_fen, paid by the relief fund


class PersonRecord(BaseModel):
    person: PersonOut
    applications: list[ApplicationOnRecord]
    conclusions: list[ConclusionOut] | None
    placement: PlacementOnRecord | None
    placement_visible: bool
    care_plans: list[CarePlanOut] | None
    calendar: VisitCalendar | None
    settlement_lines: list[SettlementLineOnRecord] | None
    exceptions: list[VisitExceptionOut] | None
    audit: list[AuditEntryOut] | None
