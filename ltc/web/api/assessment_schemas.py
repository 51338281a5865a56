"""API schemas of instruments, persons, applications and assessments (API.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from ltc.web.schemas import CoordinateSystem, Schema

Answer = int | str


class InstrumentSummary(BaseModel):
    code: str
    version: str
    name: str
    name_en: str


class ScoreRequest(Schema):
    answers: dict[str, Answer] = Field(max_length=200)


class PersonIn(Schema):
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


class SelfEval(Schema):
    answers: dict[str, Answer] = Field(max_length=50)


class ApplicationIn(Schema):
    person_id: int = Field(ge=1)
    applied_on: date
    disabled_since: date | None = None
    care_mode: Literal["home", "institutional"]
    self_eval: SelfEval


class TeamMemberOut(BaseModel):
    round: int
    user_id: int
    display_name: str
    role: str


class AssessmentBrief(BaseModel):
    id: int
    round: int
    status: str
    level: int
    severe: bool
    instrument_code: str
    instrument_version: str
    submitted_at: datetime
    published_on: date | None
    notice_until: date | None
    valid_until: date | None


class ApplicationOut(BaseModel):
    id: int
    person_id: int
    person: PersonOut
    kind: str
    applied_on: date
    disabled_since: date | None
    care_mode: str
    self_eval_grade: str
    policy_version: str
    status: str
    round: int
    team: list[TeamMemberOut]
    assessments: list[AssessmentBrief]
    draft: dict[str, Any] | None
    created_at: datetime


class ApplicationRow(BaseModel):
    id: int
    person: int
    person_name: str
    town_name: str | None
    kind: str
    applied_on: date
    care_mode: str
    self_eval_grade: str
    status: str
    round: int


class AcceptIn(Schema):
    assessor_ids: list[int] = Field(min_length=1, max_length=10)


class DraftIn(Schema):
    answers: dict[str, Answer] = Field(max_length=200)
    saved_at: AwareDatetime | None = Field(
        default=None, description="device time of this copy; older copies never overwrite newer"
    )


class DraftOut(BaseModel):
    saved: bool
    stale: bool
    preview: dict[str, Any]


class AssessmentIn(Schema):
    event_id: UUID | None = Field(default=None, description="client-generated; the same event twice is recorded once")
    application_id: int = Field(ge=1)
    instrument: str = Field(min_length=1, max_length=32)
    instrument_version: str | None = Field(default=None, max_length=16)
    answers: dict[str, Answer] = Field(max_length=200)
    assessor_ids: list[int] = Field(min_length=1, max_length=10)
    started_at: AwareDatetime
    finished_at: AwareDatetime
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    coordinate_system: CoordinateSystem = "wgs84"


class AssessmentOut(BaseModel):
    id: int
    application_id: int
    round: int
    status: str
    instrument: str
    instrument_version: str
    level: int
    level_label: str | None
    severe: bool
    dimensions: dict[str, Any] | None
    published_on: date | None
    notice_until: date | None
    valid_until: date | None
    objection_reason: str
    submitted_at: datetime
    answers: dict[str, Any] | None = None
    assessor_ids: list[int] | None = None


class PublishIn(Schema):
    published_on: date | None = None


class ObjectionIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class ConclusionOut(BaseModel):
    id: int
    person: int
    person_name: str
    level: int
    severe: bool
    care_mode: str
    valid_from: date
    valid_until: date
    status: str
    application: int
    assessment: int
