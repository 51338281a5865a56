"""What the re-planning job takes and gives back (shared by the services that start it and
the page that tells its outcome)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from ltc.services.jobs import JobParams


class ReplanParams(JobParams):
    caregiver_id: int
    starts_at: datetime
    ends_at: datetime | None = None  # None: every visit ahead (a deactivation)
    absence_id: int | None = None
    cause: Literal["absence", "deactivation"] = "absence"


class MovedTo(BaseModel):
    caregiver_id: int
    name: str
    visits: int


class LeftVisit(BaseModel):
    visit_id: int
    person_name: str
    planned_start: datetime
    reason: str


class ReplanResult(BaseModel):
    caregiver_id: int
    caregiver_name: str
    cause: str
    moved: int
    moved_to: list[MovedTo]
    unscheduled: int
    by_reason: dict[str, int]
    unscheduled_visits: list[LeftVisit]  # the first few, for the page
    kept_checked_in: int
    notices: int
    sms_sent: int
    sms_failed: int
