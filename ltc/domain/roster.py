"""Who works when: a caregiver's working days and hours minus their absences (leave,
sickness, training), per local day, and an absence told to the scheduler as the time it
takes out of the caregiver's working days."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from ltc.domain.errors import InvalidInput
from ltc.domain.scheduling import Booking, CaregiverInput

ABSENCE_REASONS: tuple[str, ...] = ("sick", "leave", "training", "other")
LONGEST_ABSENCE = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class Absence:
    """A caregiver away from ``start`` (inclusive) to ``end`` (exclusive)."""

    caregiver_id: Hashable
    start: datetime
    end: datetime
    reason: str = "other"

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


def check_absence(start: datetime, end: datetime, reason: str) -> None:
    """An absence must be aware, end after it starts, last at most a year, have a known reason."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("时间须带时区", code="absence_without_zone", errors=[{"field": "from"}])
    if end <= start:
        raise InvalidInput("结束时间须晚于开始时间", code="absence_backwards", errors=[{"field": "to"}])
    if end - start > LONGEST_ABSENCE:
        raise InvalidInput("一次缺勤不超过一年", code="absence_too_long", errors=[{"field": "to"}])
    if reason not in ABSENCE_REASONS:
        raise InvalidInput("未知的缺勤原因", code="unknown_absence_reason", errors=[{"field": "reason"}])


def working_span(caregiver: CaregiverInput, day: date, zone: tzinfo) -> tuple[datetime, datetime] | None:
    """The caregiver's working hours on a local day, or None on a day off."""
    if day.weekday() not in caregiver.working_days or caregiver.work_end <= caregiver.work_start:
        return None
    return datetime.combine(day, caregiver.work_start, zone), datetime.combine(day, caregiver.work_end, zone)


def _local_days(start: datetime, end: datetime, zone: tzinfo) -> Iterable[date]:
    day = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def absence_bookings(absences: Iterable[Absence], caregivers: Sequence[CaregiverInput], zone: tzinfo) -> list[Booking]:
    """Each absence as bookings of its caregiver over the working hours it covers, one per
    working day, placed at their home base: the scheduler then gives them no visit in that
    time, and the leave counts against the week's hours as a day of leave counts in a
    working week. Absences of caregivers not given are left out."""
    by_id = {c.caregiver_id: c for c in caregivers}
    bookings: list[Booking] = []
    for absence in absences:
        caregiver = by_id.get(absence.caregiver_id)
        if caregiver is None:
            continue
        for day in _local_days(absence.start, absence.end, zone):
            span = working_span(caregiver, day, zone)
            if span is None:
                continue
            start, end = max(span[0], absence.start), min(span[1], absence.end)
            if start < end:
                bookings.append(Booking(caregiver.caregiver_id, start, end, caregiver.lat, caregiver.lon))
    return bookings


@dataclass(frozen=True, slots=True)
class RosterDay:
    """One caregiver on one local day: working or not, absent (and why) or not, and visits."""

    day: date
    working: bool
    absence_reason: str | None
    visits: int

    @property
    def state(self) -> str:
        if self.absence_reason is not None:
            return "absent"
        return "working" if self.working else "day_off"


def roster_days(
    caregiver: CaregiverInput,
    days: Sequence[date],
    absences: Sequence[Absence],
    visit_starts: Sequence[datetime],
    zone: tzinfo,
) -> list[RosterDay]:
    """The caregiver's days: an absence covering any of the day's working hours (or, on a
    day off, any of the day) marks the day absent; visits are counted by local start day."""
    counts: dict[date, int] = {}
    for start in visit_starts:
        local = start.astimezone(zone).date()
        counts[local] = counts.get(local, 0) + 1
    out: list[RosterDay] = []
    for day in days:
        span = working_span(caregiver, day, zone)
        whole = (datetime.combine(day, time(0), zone), datetime.combine(day + timedelta(days=1), time(0), zone))
        window = span or whole
        reason = next((a.reason for a in absences if a.overlaps(*window)), None)
        out.append(RosterDay(day=day, working=span is not None, absence_reason=reason, visits=counts.get(day, 0)))
    return out
