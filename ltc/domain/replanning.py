"""Re-planning an absent caregiver's visits onto colleagues of the same provider.

Each visit, in start order, goes to the first colleague who is qualified (a nurse where the
plan or an item needs one; within their listed skills, if they list any), working that day
and within their hours, not absent, free at that time given their bookings (and the visits
given out before in this run), reachable in time by travel from the booking before and to
the booking after (haversine at the policy's speed, as the scheduler reckons it), and within
the ISO week's hours. Colleagues are tried in this order: the plan's other usual caregivers
(most recent first), then the least booked that week, then the nearest to the person's home.

A visit no colleague can take is listed with the scheduler's reasons
(``scheduling.REASONS``); a visit already checked in is never moved (listed as kept)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import partial

from ltc.domain.coordinates import haversine_km
from ltc.domain.roster import Absence
from ltc.domain.scheduling import Booking, CaregiverInput, travel_seconds

KEPT_CHECKED_IN = "checked_in"


@dataclass(frozen=True, slots=True)
class VisitToMove:
    visit_id: Hashable
    plan_id: Hashable | None
    person_id: Hashable
    start: datetime
    end: datetime
    lat: float
    lon: float
    needs_nurse: bool = False
    items: frozenset[str] = frozenset()
    usual_caregiver_ids: tuple[Hashable, ...] = ()  # most recent first
    checked_in: bool = False


@dataclass(frozen=True, slots=True)
class Colleague:
    caregiver: CaregiverInput
    skills: frozenset[str] = frozenset()  # empty: any item


@dataclass(frozen=True, slots=True)
class Move:
    visit_id: Hashable
    caregiver_id: Hashable
    usual: bool  # one of the plan's usual caregivers


@dataclass(frozen=True, slots=True)
class Left:
    """A visit that stays where it was: unscheduled with a reason, or kept (checked in)."""

    visit_id: Hashable
    reason: str


@dataclass(slots=True)
class Replan:
    moves: list[Move] = field(default_factory=list)
    unscheduled: list[Left] = field(default_factory=list)
    kept: list[Left] = field(default_factory=list)


def qualified(colleague: Colleague, visit: VisitToMove) -> bool:
    if visit.needs_nurse and colleague.caregiver.qualification != "nurse":
        return False
    return not colleague.skills or visit.items <= colleague.skills


def _week(moment: datetime, zone: tzinfo) -> tuple[int, int]:
    year, week, _ = moment.astimezone(zone).isocalendar()
    return year, week


class _Diary:
    """One colleague's bookings (start, end, lat, lon) and booked seconds per ISO week."""

    def __init__(self, colleague: Colleague, absences: Sequence[Absence]) -> None:
        self.colleague = colleague
        self.absences = absences
        self.bookings: list[tuple[datetime, datetime, float, float]] = []
        self.weeks: dict[tuple[int, int], float] = defaultdict(float)

    def book(self, start: datetime, end: datetime, lat: float, lon: float, zone: tzinfo) -> None:
        self.bookings.append((start, end, lat, lon))
        self.weeks[_week(start, zone)] += (end - start).total_seconds()

    def on_duty(self, visit: VisitToMove, zone: tzinfo) -> bool:
        cg = self.colleague.caregiver
        start, end = visit.start.astimezone(zone), visit.end.astimezone(zone)
        return (
            start.weekday() in cg.working_days
            and start.date() == end.date()
            and start.timetz().replace(tzinfo=None) >= cg.work_start
            and end.timetz().replace(tzinfo=None) <= cg.work_end
            and not any(a.overlaps(visit.start, visit.end) for a in self.absences)
        )

    def time_free(self, visit: VisitToMove, speed_kmh: float) -> bool:
        """No overlap, and time to travel from every booking before and to every one after
        (rounded up to the second, with a second to spare, as the scheduler does)."""
        for start, end, lat, lon in self.bookings:
            if start < visit.end and visit.start < end:
                return False
            gap = math.ceil(travel_seconds(haversine_km(lat, lon, visit.lat, visit.lon), speed_kmh)) + 1
            if end <= visit.start and (visit.start - end).total_seconds() < gap:
                return False
            if visit.end <= start and (start - visit.end).total_seconds() < gap:
                return False
        return True

    def within_hours(self, visit: VisitToMove, zone: tzinfo) -> bool:
        booked = self.weeks.get(_week(visit.start, zone), 0.0)
        return booked + (visit.end - visit.start).total_seconds() <= self.colleague.caregiver.weekly_hours * 3600.0


def _preference(
    diary: _Diary, *, visit: VisitToMove, usual_rank: dict[Hashable, int], zone: tzinfo
) -> tuple[int, float, float, str]:
    """The plan's usual caregivers first, then the least booked that week, then the nearest."""
    cg = diary.colleague.caregiver
    return (
        usual_rank.get(cg.caregiver_id, len(usual_rank)),
        diary.weeks.get(_week(visit.start, zone), 0.0),
        haversine_km(cg.lat, cg.lon, visit.lat, visit.lon),
        str(cg.caregiver_id),
    )


def replan(
    visits: Sequence[VisitToMove],
    colleagues: Sequence[Colleague],
    *,
    bookings: Iterable[Booking],
    absences: Iterable[Absence],
    speed_kmh: float,
    zone: tzinfo,
) -> Replan:
    """Move each visit to a colleague or list it (see the module). ``colleagues`` are the
    provider's active caregivers other than the absent one; ``bookings`` their visits in the
    weeks concerned (not the visits being moved); ``absences`` theirs."""
    away: dict[Hashable, list[Absence]] = defaultdict(list)
    for absence in absences:
        away[absence.caregiver_id].append(absence)
    diaries = {c.caregiver.caregiver_id: _Diary(c, away[c.caregiver.caregiver_id]) for c in colleagues}
    for b in bookings:
        diary = diaries.get(b.caregiver_id)
        if diary is not None:
            diary.book(b.start, b.end, b.lat, b.lon, zone)
    result = Replan()
    for visit in sorted(visits, key=lambda v: (v.start, str(v.visit_id))):
        if visit.checked_in:
            result.kept.append(Left(visit.visit_id, KEPT_CHECKED_IN))
            continue
        able = [d for d in diaries.values() if qualified(d.colleague, visit)]
        if not able:
            result.unscheduled.append(Left(visit.visit_id, "no_qualified_caregiver"))
            continue
        usual_rank = {cid: rank for rank, cid in enumerate(visit.usual_caregiver_ids)}
        ranked = sorted(able, key=partial(_preference, visit=visit, usual_rank=usual_rank, zone=zone))
        chosen: _Diary | None = None
        hours_short = False
        for diary in ranked:
            if not diary.on_duty(visit, zone) or not diary.time_free(visit, speed_kmh):
                continue
            if not diary.within_hours(visit, zone):
                hours_short = True
                continue
            chosen = diary
            break
        if chosen is None:
            result.unscheduled.append(
                Left(visit.visit_id, "weekly_hours_exceeded" if hours_short else "no_caregiver_free")
            )
            continue
        chosen.book(visit.start, visit.end, visit.lat, visit.lon, zone)
        cid = chosen.colleague.caregiver.caregiver_id
        result.moves.append(Move(visit.visit_id, cid, cid in usual_rank))
    return result


def moved_to(result: Replan) -> Mapping[Hashable, int]:
    """How many visits each colleague was given."""
    counts: dict[Hashable, int] = defaultdict(int)
    for move in result.moves:
        counts[move.caregiver_id] += 1
    return dict(counts)
