"""The typed values of visits: what the API and the pages send in (validated here, once) and
what the services give back. The web uses these same models as bodies and responses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import AliasChoices, AwareDatetime, BaseModel, Field, field_validator

from ltc.domain.errors import DomainError
from ltc.domain.event_evidence import MAX_PHOTO_BYTES, MAX_PHOTO_URL, MAX_SIGNATURE_BYTES, MAX_SIGNATURE_URL
from ltc.domain.periods import MAX_YEAR, MIN_YEAR, year_in_range
from ltc.domain.visit_exceptions import ExceptionStatus
from ltc.services.inputs import Input, RecordId
from ltc.services.jobs import JobParams

# --------------------------------------------------------------------------- visits


VisitStatus = Literal["planned", "in_progress", "done", "cancelled"]
AlertKind = Literal["late", "missed", "missing_checkout"]


@dataclass(frozen=True, slots=True)
class VisitFilters:
    """What a day's visit list may be narrowed to (no day: today)."""

    day: date | None = None
    provider_id: int | None = None
    caregiver_id: int | None = None
    status: str | None = None


class VisitOut(BaseModel):
    id: int
    care_plan_id: int | None
    person_id: int
    person_name: str | None = None
    person_address: str | None = None
    person_lat: float | None = None
    person_lon: float | None = None
    provider_id: int
    caregiver_id: int | None
    caregiver_name: str | None = None
    planned_start: datetime
    planned_end: datetime
    items: list[str]
    source: str
    status: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    done_items: list[str]
    flags: list[str]
    alerts: list[str]
    person_confirmation: str = ""


class VisitToVerify(VisitOut):
    """A visit with what verification needs besides, never shown: the person's death, the
    caregiver's qualification and the plan's items (the check-in reads them with the visit)."""

    deceased_on: date | None = Field(exclude=True)
    qualification: str | None = Field(exclude=True)
    plan_items: list[str] | None = Field(exclude=True)
    certificate_expires_on: date | None = Field(default=None, exclude=True)  # the planned caregiver's
    service_month: date = Field(exclude=True)  # the month its events and flags are kept under
    inpatient_stays: list[tuple[date, date | None]] = Field(default_factory=list, exclude=True)  # the person's


class VisitIn(Input):
    person_id: RecordId
    caregiver_id: RecordId
    planned_start: AwareDatetime
    planned_end: AwareDatetime
    items: list[str] = Field(default_factory=list, max_length=42)


class UnscheduledSlotOut(BaseModel):
    """A visit no caregiver could take, with the reason."""

    id: int
    care_plan: int
    person_id: int
    person_name: str | None
    provider: int
    slot_start: datetime
    slot_end: datetime
    reason: str


# --------------------------------------------------------------------------- check-in, check-out


class CheckIn(Input):
    event_id: UUID
    at: AwareDatetime = Field(description="device time")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(default=0, ge=0, le=100_000)
    presence_code: str | None = Field(
        default=None,
        pattern=r"^[0-9]{6}$",
        description="the 6 digits of the home's presence card: the time code the app computed for `at` "
        "from the scanned QR, or the printed household code; verified for `at`, never stored",
    )
    caregiver_id: RecordId | None = Field(
        default=None,
        description="who performed it, when the agency records it for a caregiver of its own "
        "(default: the visit's planned caregiver; a caregiver's own sign-in records as themselves)",
    )
    photo: str | None = Field(
        default=None,
        max_length=MAX_PHOTO_URL,
        description=f"a JPEG data URL (data:image/jpeg;base64,…) of at most {MAX_PHOTO_BYTES} bytes, "
        "kept with the event's time and position (asked for at check-in)",
    )
    signature: str | None = Field(
        default=None,
        max_length=MAX_SIGNATURE_URL,
        description=f"the family's signature as a PNG data URL of at most {MAX_SIGNATURE_BYTES} bytes "
        "(asked for at check-out)",
    )


class CheckOut(CheckIn):
    items: list[str] = Field(default_factory=list, max_length=42)
    person_confirmation: str = Field(
        default="", max_length=100, description="how the person or family confirmed the service (本人签字, 家属确认 …)"
    )


class BatchEvent(CheckOut):
    visit_id: RecordId
    kind: Literal["check_in", "check_out"]


class BatchIn(Input):
    events: list[BatchEvent] = Field(min_length=1, max_length=500)


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """What a check-in or check-out did (``outcome``, e.g. ``recorded``, ``replayed``,
    ``pending_check_in``) and the visit after it."""

    event_id: UUID
    outcome: str
    visit: VisitOut

    @property
    def replayed(self) -> bool:
        return self.outcome == "replayed"


@dataclass(frozen=True, slots=True)
class RefusedEvent:
    """An event of a batch that was refused, with the domain's reason."""

    event_id: UUID
    error: DomainError


# --------------------------------------------------------------------------- alerts, exceptions


class VisitAlertOut(BaseModel):
    id: int
    visit_id: int
    provider_id: int
    kind: str
    raised_at: datetime
    cleared_at: datetime | None
    person_name: str | None
    caregiver_name: str | None
    planned_start: datetime | None


class EvidenceRef(BaseModel):
    """A photo or signature kept with one of the visit's events (its bytes are read apart)."""

    id: int
    kind: str  # photo | signature


class VisitExceptionOut(BaseModel):
    """An exception as the lists show it, with the visit's person, caregiver and time."""

    id: int
    visit_id: int
    provider_id: int
    provider_name: str | None
    code: str
    status: ExceptionStatus
    opened_at: datetime
    reason_code: str
    explanation: str
    explained_at: datetime | None
    resolution_code: str
    resolution_note: str
    resolved_at: datetime | None
    person_name: str | None
    caregiver_name: str | None
    planned_start: datetime | None
    # What the bureau weighs the flag by: where the check-in was sent from, how far that is
    # from the person's home, and how long the visit lasted.
    person_id: int | None = None
    check_in_lat: float | None = None
    check_in_lon: float | None = None
    check_in_accuracy_m: float | None = None
    distance_from_home_m: int | None = None
    duration_minutes: int | None = None
    check_in_presence: str | None = None  # what the check-in's presence code proved (None: no code)
    evidence: list[EvidenceRef] = Field(default_factory=list)  # the visit's photos and signatures


class ExceptionRecord(BaseModel):
    """An exception as it is stored (the answer to an explanation or a resolution)."""

    id: int
    visit: int
    provider: int
    code: str
    exception_key: str
    status: ExceptionStatus
    opened_at: datetime
    reason_code: str
    explanation: str
    explained_by: int | None
    explained_at: datetime | None
    resolution_code: str
    resolution_note: str
    resolved_by: int | None
    resolved_at: datetime | None


class ExplainIn(Input):
    reason_code: str = Field(min_length=1, max_length=40)
    explanation: str = Field(default="", max_length=2000)


class ResolveIn(Input):
    resolution_code: Literal["accepted", "rejected"]
    note: str = Field(default="", max_length=2000)


# --------------------------------------------------------------------------- hospital stays, deaths


class StayIn(Input):
    id_number: str = Field(min_length=18, max_length=18)
    admitted_on: date
    discharged_on: date | None = None
    hospital: str = Field(default="", max_length=200)


class StaysIn(Input):
    stays: list[StayIn] = Field(min_length=1, max_length=5000)


class StaysImported(BaseModel):
    stays: int
    persons: int
    visits_verified_again: int
    # Many persons touched: their visits are verified again by this job (counted in its result).
    reverification_job_id: UUID | None = None


class DeathIn(Input):
    id_number: str = Field(min_length=18, max_length=18)
    died_on: date


class DeathsIn(Input):
    records: list[DeathIn] = Field(min_length=1, max_length=5000)


class DeathsRecorded(BaseModel):
    persons: int
    visits_verified_again: int
    reverification_job_id: UUID | None = None  # as for stays


# --------------------------------------------------------------------------- the jobs


class GenerateVisitsParams(JobParams):
    """The window to generate: from a day (default today) for some days (default the policy's
    window), for one provider or all."""

    provider_id: RecordId | None = None
    from_day: date | None = Field(
        default=None,
        validation_alias=AliasChoices("from_day", "from"),  # "from": jobs queued before the name was typed
        description="first day of the window (default today)",
    )
    days: int | None = Field(default=None, ge=1, le=62)
    # The whole city in this many parts for any number of workers (default the setting).
    parts: int | None = Field(default=None, ge=1, le=256)

    @field_validator("from_day")
    @classmethod
    def _from_a_plausible_day(cls, day: date | None) -> date | None:
        if day is not None and not year_in_range(day.year):
            raise ValueError(f"a day from {MIN_YEAR} to {MAX_YEAR}")
        return day


class GenerateVisitsPartParams(JobParams):
    """A part of the whole city's generation: a batch of providers, over the parent's window."""

    provider_ids: list[RecordId] = Field(min_length=1)
    from_day: date
    days: int = Field(ge=1, le=62)


class PersonToReverify(BaseModel):
    person_id: RecordId
    since: date | None = None  # the visits planned from this day on (None: all)


class ReverifyPersonsParams(JobParams):
    """Persons whose checked-in visits are verified again (hospital stays or deaths became
    known), as the whole job or as one of its parts."""

    persons: list[PersonToReverify] = Field(min_length=1)


class ReverifyResult(BaseModel):
    persons: int
    visits_verified_again: int


class GenerateVisitsResult(BaseModel):
    plans: int
    visits: int
    unscheduled: int
    by_reason: dict[str, int]
    skipped_existing: int
    continuity: int
    window: tuple[date, date]


class SweepResult(BaseModel):
    visits: int
    raised: int
    cleared: int
