"""The typed values of the assessment process: what its services take (validated as the
API's request bodies) and what they return (the API's responses, the pages' rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from ltc.domain.instruments import Answer
from ltc.services.assessment.instruments import DimensionScore, ScorePreview
from ltc.services.inputs import Input, RecordId
from ltc.services.persons import PersonOut
from ltc.services.positions import CoordinateSystem

# ---------------------------------------------------------------- applications


class SelfEval(Input):
    answers: dict[str, Answer] = Field(max_length=50)


class ApplicationIn(Input):
    person_id: RecordId
    applied_on: date
    disabled_since: date | None = None
    care_mode: Literal["home", "institutional"]
    self_eval: SelfEval


class AcceptIn(Input):
    assessor_ids: list[RecordId] = Field(min_length=1, max_length=10)


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


class DraftCopy(BaseModel):
    """The answers saved so far in the current round."""

    answers: dict[str, Answer]
    updated_at: datetime


class ApplicationBasics(BaseModel):
    """An application's own columns."""

    id: int
    person_id: int
    kind: str
    applied_on: date
    disabled_since: date | None
    care_mode: str
    self_eval_grade: str
    policy_version: str
    status: str
    round: int
    created_at: datetime
    reference: str | None = None  # what the family quotes to follow it (none on older applications)


class ApplicationOut(ApplicationBasics):
    """An application with its person, teams, assessments and the current round's draft."""

    person: PersonOut
    team: list[TeamMemberOut]
    assessments: list[AssessmentBrief]
    draft: DraftCopy | None


class ApplicationRow(BaseModel):
    id: int
    person: int
    person_name: str
    town_id: int | None = None
    town_code: str | None = None
    town_name: str | None
    town_name_en: str | None = None
    kind: str
    applied_on: date
    care_mode: str
    self_eval_grade: str
    status: str
    round: int


@dataclass(frozen=True, slots=True)
class ApplicationFilters:
    """What the application list may be narrowed to: a status, the applicant's town, the
    days applied between (both included)."""

    status: str | None = None
    town: str | None = None  # its code
    applied_from: date | None = None
    applied_to: date | None = None


# ---------------------------------------------------------------- on-site assessment


class DraftIn(Input):
    answers: dict[str, Answer] = Field(max_length=200)
    saved_at: AwareDatetime | None = Field(
        default=None, description="device time of this copy; older copies never overwrite newer"
    )


class DraftOut(BaseModel):
    saved: bool
    stale: bool
    preview: ScorePreview


class AssessmentIn(Input):
    event_id: UUID | None = Field(default=None, description="client-generated; the same event twice is recorded once")
    application_id: RecordId
    instrument: str = Field(min_length=1, max_length=32)
    instrument_version: str | None = Field(default=None, max_length=16)
    answers: dict[str, Answer] = Field(max_length=200)
    assessor_ids: list[RecordId] = Field(min_length=1, max_length=10)
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
    dimensions: dict[str, DimensionScore] | None
    published_on: date | None
    notice_until: date | None
    valid_until: date | None
    objection_reason: str
    submitted_at: datetime
    answers: dict[str, Answer] | None = None
    assessor_ids: list[int] | None = None


# ---------------------------------------------------------------- notice and conclusion


class PublishIn(Input):
    published_on: date | None = None


class ObjectionIn(Input):
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


class RenewalSweep(BaseModel):
    """One run of the daily renewal sweep: how many conclusions were due, and the
    renewal applications it opened (none on a rerun)."""

    due: int
    created: list[int]
