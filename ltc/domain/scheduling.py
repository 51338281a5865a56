"""Visit scheduling (DOMAIN §5): the visits of a window generated from care plans' weekly
slots, each given a caregiver of the plan's provider who is qualified, working then, not
double-booked, reachable in time from the visit before and in time for the visit after
(haversine distance at ``policy.travel_speed_kmh``), and within weekly hours per ISO week.

Time windows: a slot's visit may start at any whole minute from the slot's start to the start
plus its window (``VisitSlot.window``: the slot's own or ``policy.visit_window_minutes``).
Each candidate caregiver is offered the earliest feasible start inside the window, given the
day's bookings and the travel to and from them; the visit keeps the slot's start as its key
(``window_opens``) and the last allowed start (``window_closes``).

Algorithm (per provider, since caregivers serve only their own provider's people):

1. Plans in a fixed order: those with a previous caregiver first (continuity is honoured
   before newcomers take the time), nurse-only plans next, then by ``plan_id``. Each plan has
   an order of candidates: non-nurse before nurse for plans that need no nurse, least booked
   time, nearest home.
2. The visits are placed day by day, earliest window first (plan order breaks ties), so a
   caregiver's day fills from the morning with each visit as early as its window allows. A
   visit goes to the plan's previous caregiver, then to caregivers already used for the plan
   in this run, then to the others in the plan's order: the first one free in the window
   whose week so far is within its pace (the share of its weekly hours its working days up
   to this one may take, so that the nearest caregivers do not spend their week by
   Wednesday), else the first one free and within the week's hours.
4. Repair, once a provider's plans are done: for a visit no-one could take, each visit of the
   same day booked near its window on a caregiver who would be free for it without that
   booking is tried elsewhere (its plan's caregivers, then the first ``REPAIR_TARGETS`` of its
   order, or the same caregiver at another time) at the earliest start of its own window; if
   it moves, the unplaced visit takes the freed time. If no single move does, a chain of two:
   the moved visit takes the place of a booking near its own window on one of its targets,
   and that booking moves on to one of its own (within ``REPAIR_BUDGET`` tries). Every
   tentative place is checked against the week's hours with the lifted bookings given back
   and the held times taken, so a chain never breaks a constraint the single move keeps.
3. Each caregiver keeps, per local day, a sorted list of bookings; a candidate slot is
   checked against its two neighbours only (bisect), so a visit costs O(log k + candidates
   tried), never O(visits). A visit no-one can take is reported with a reason:
   ``no_qualified_caregiver`` (the provider has nobody qualified), ``weekly_hours_exceeded``
   (someone qualified was free at that time but over the ISO week's hours) or
   ``no_caregiver_free``.

Keys: a visit is identified by ``(plan_id, slot start)``, the slot's nominal start (the
window's opening), whatever start the visit was given. Existing bookings carrying a
``plan_id`` are never generated again, so a re-run over the same window adds nothing; they
also count for double-booking, travel and weekly hours. To count weekly hours exactly, pass
the existing visits from the Monday of the window's first ISO week to the Sunday of its last.

Times: slots are local wall times in ``zone``; day boundaries and ISO weeks are local.
Travel time in the scheduler is rounded up to the whole second, so that the independent
checker :func:`find_conflicts` (exact float comparison) never disagrees with it.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, NamedTuple, TypeVar

import numpy as np

from ltc.domain.care_plan import VisitSlot
from ltc.domain.coordinates import EARTH_RADIUS_KM, haversine_km
from ltc.domain.errors import InvalidInput
from ltc.domain.policy import Policy

QUALIFICATIONS: tuple[str, ...] = ("elderly_carer", "medical_carer", "nurse")
REASONS: tuple[str, ...] = ("no_qualified_caregiver", "no_caregiver_free", "weekly_hours_exceeded")
ALL_DAYS = frozenset(range(7))
REPAIR_REACH_SECONDS = 3600
PACE_LOOKAHEAD = 6  # caregivers tried for one within pace once one over pace could take the visit
REPAIR_CANDIDATES = 12  # caregivers, first in the unplaced visit's order, whose day a repair looks into
REPAIR_TARGETS = 8  # caregivers a moved visit may go to besides its plan's own: the first in its order
REPAIR_DEPTH = 1  # visits a repair may move in a chain beyond the first: 1 = a chain of two
REPAIR_BUDGET = 200  # place calls the chain may spend on one unplaced visit (about 0.3 ms)


def travel_seconds(km: float, speed_kmh: float) -> float:
    return km / speed_kmh * 3600.0


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class PlanInput:
    plan_id: Hashable
    person_id: Hashable
    provider_id: Hashable
    lat: float
    lon: float
    slots: tuple[VisitSlot, ...]
    duration_minutes: int
    needs_nurse: bool = False
    previous_caregiver_id: Hashable | None = None
    active_from: date | None = None  # first day the plan runs (inclusive)
    active_until: date | None = None  # first day it no longer runs (exclusive)


@dataclass(frozen=True, slots=True)
class CaregiverInput:
    caregiver_id: Hashable
    provider_id: Hashable
    qualification: str  # elderly_carer | medical_carer | nurse
    lat: float
    lon: float
    weekly_hours: float
    work_start: time = time(8, 0)
    work_end: time = time(18, 0)
    working_days: frozenset[int] = ALL_DAYS  # ISO weekday index, 0 = Monday


@dataclass(frozen=True, slots=True)
class Booking:
    """A visit already booked: it occupies its caregiver, and ``(plan_id, start)`` is a key
    the scheduler must not generate again. ``caregiver_id`` None = not yet assigned."""

    caregiver_id: Hashable | None
    start: datetime
    end: datetime
    lat: float
    lon: float
    plan_id: Hashable | None = None
    slot_start: datetime | None = None  # the key's start (the window's opening); None = ``start``

    @property
    def key_start(self) -> datetime:
        return self.start if self.slot_start is None else self.slot_start


# --------------------------------------------------------------------------- outputs


class PlannedVisit(NamedTuple):
    """A visit given a caregiver: ``slot_start``/``slot_end`` are its planned times (where it was
    placed); ``window_opens`` (the slot's nominal start, the key) to ``window_closes`` (the
    last start allowed) is its window. Without a window the visit's start is its key."""

    plan_id: Hashable
    person_id: Hashable
    caregiver_id: Hashable
    slot_start: datetime
    slot_end: datetime
    lat: float
    lon: float
    window_opens: datetime | None = None
    window_closes: datetime | None = None

    @property
    def key(self) -> tuple[Hashable, datetime]:
        return (self.plan_id, self.slot_start if self.window_opens is None else self.window_opens)


class UnscheduledVisit(NamedTuple):
    plan_id: Hashable
    person_id: Hashable
    slot_start: datetime
    slot_end: datetime
    reason: str

    @property
    def key(self) -> tuple[Hashable, datetime]:
        return (self.plan_id, self.slot_start)


@dataclass(frozen=True, slots=True)
class Conflict:
    """A broken scheduling constraint found by :func:`find_conflicts`."""

    kind: str  # duplicate_key | existing_key | unknown_caregiver | wrong_provider | not_qualified
    #            | outside_working_hours | outside_window | not_a_slot | overlap | travel | weekly_hours
    caregiver_id: Hashable | None
    key: tuple[Hashable, datetime] | None
    other: tuple[Hashable, datetime] | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ScheduleStats:
    visits: int
    unscheduled: int
    conflicts: int
    by_reason: dict[str, int]
    skipped_existing: int
    continuity: int  # visits given to the plan's previous caregiver
    caregivers_used: int


@dataclass(slots=True)
class ScheduleResult:
    visits: list[PlannedVisit]
    unscheduled: list[UnscheduledVisit]
    skipped_existing: int = 0  # keys already booked, not generated again
    continuity: int = 0

    def by_reason(self) -> dict[str, int]:
        counts = dict.fromkeys(REASONS, 0)
        for u in self.unscheduled:
            counts[u.reason] = counts.get(u.reason, 0) + 1
        return counts

    def stats(
        self,
        caregivers: Sequence[CaregiverInput],
        policy: Policy,
        *,
        existing: Sequence[Booking] = (),
        plans: Sequence[PlanInput] | None = None,
        zone: tzinfo | None = None,
    ) -> ScheduleStats:
        conflicts = find_conflicts(self.visits, caregivers, policy, existing=existing, plans=plans, zone=zone)
        return ScheduleStats(
            visits=len(self.visits),
            unscheduled=len(self.unscheduled),
            conflicts=len(conflicts),
            by_reason=self.by_reason(),
            skipped_existing=self.skipped_existing,
            continuity=self.continuity,
            caregivers_used=len({v.caregiver_id for v in self.visits}),
        )


# --------------------------------------------------------------------------- the scheduler

_OK, _BUSY, _HOURS = 0, 1, 2


class _Calendar:
    """One caregiver's bookings: per local day index a list of (start, end, lat rad, lon rad, cos lat)
    tuples sorted by start (epoch seconds), and booked seconds per ISO week."""

    __slots__ = ("cid", "days", "days_off", "index", "limit", "nurse_penalty", "pace", "we", "weeks", "ws")

    def __init__(self, cg: CaregiverInput, index: int, nurse_penalty: int) -> None:
        self.cid = cg.caregiver_id
        self.index = index
        self.nurse_penalty = nurse_penalty
        self.limit = cg.weekly_hours * 3600.0
        self.ws = cg.work_start.hour * 60 + cg.work_start.minute
        self.we = cg.work_end.hour * 60 + cg.work_end.minute
        self.days_off = frozenset(range(7)) - frozenset(cg.working_days)
        # the weekly hours the week may have taken by the end of each weekday: its working days so far
        working = sorted(cg.working_days)
        self.pace = [self.limit * sum(1 for d in working if d <= w) / max(1, len(working)) for w in range(7)]
        self.days: dict[int, list[tuple[int, int, float, float, float, int]]] = {}
        self.weeks: dict[int, float] = {}


class _Provider:
    __slots__ = ("calendars", "lats", "load", "lons", "nurse_penalty", "nurses")

    def __init__(self) -> None:
        self.calendars: list[_Calendar] = []
        self.nurses: list[int] = []
        self.lats: Any = None
        self.lons: Any = None
        self.nurse_penalty: Any = None
        self.load: Any = None


class _PlanState:
    """A plan's place and caregivers during a run: its candidate order, the caregivers it used."""

    __slots__ = ("cals", "cp", "load", "lr", "order", "plan", "pr", "previous", "used", "used_set")

    def __init__(
        self,
        plan: PlanInput,
        pr: float,
        lr: float,
        cp: float,
        order: list[int],
        cals: list[_Calendar],
        load: Any,
        previous: _Calendar | None,
    ) -> None:
        self.plan = plan
        self.pr, self.lr, self.cp = pr, lr, cp
        self.order = order
        self.cals = cals
        self.load = load
        self.previous = previous
        self.used: list[_Calendar] = [] if previous is None else [previous]
        self.used_set: set[int] = set() if previous is None else {previous.index}


def _week_key(day: date) -> int:
    year, week, _ = day.isocalendar()
    return year * 100 + week


def _validate_caregiver(cg: CaregiverInput) -> None:
    if cg.qualification not in QUALIFICATIONS:
        raise InvalidInput(
            f"caregiver {cg.caregiver_id}: unknown qualification {cg.qualification!r}", code="invalid_qualification"
        )
    if cg.weekly_hours < 0:
        raise InvalidInput(f"caregiver {cg.caregiver_id}: negative weekly hours", code="invalid_weekly_hours")


def schedule(
    plans: Sequence[PlanInput],
    caregivers: Sequence[CaregiverInput],
    *,
    window_start: date,
    window_end: date,
    zone: tzinfo,
    policy: Policy,
    existing: Iterable[Booking] = (),
) -> ScheduleResult:
    """Visits for the local days ``[window_start, window_end)`` (see the module docstring)."""
    if window_end < window_start:
        raise InvalidInput("the window ends before it starts", code="invalid_window")
    if policy.travel_speed_kmh <= 0:
        raise InvalidInput("travel speed must be positive", code="invalid_policy")
    speed = policy.travel_speed_kmh
    ndays = (window_end - window_start).days
    days = [window_start + timedelta(days=i) for i in range(ndays)]
    weekday_of = [d.weekday() for d in days]
    week_of = [_week_key(d) for d in days]

    # caregivers, grouped by provider
    providers: dict[Hashable, _Provider] = {}
    calendar_of: dict[Hashable, _Calendar] = {}
    provider_of: dict[Hashable, Hashable] = {}
    for cg in caregivers:
        _validate_caregiver(cg)
        if cg.caregiver_id in calendar_of:
            raise InvalidInput(f"caregiver {cg.caregiver_id} given twice", code="duplicate_caregiver")
        prov = providers.get(cg.provider_id)
        if prov is None:
            prov = providers[cg.provider_id] = _Provider()
        cal = _Calendar(cg, len(prov.calendars), 1 if cg.qualification == "nurse" else 0)
        if cg.qualification == "nurse":
            prov.nurses.append(cal.index)
        prov.calendars.append(cal)
        calendar_of[cg.caregiver_id] = cal
        provider_of[cg.caregiver_id] = cg.provider_id
    coords: dict[Hashable, list[tuple[float, float]]] = defaultdict(list)
    for cg in caregivers:
        coords[cg.provider_id].append((cg.lat, cg.lon))
    for pid, prov in providers.items():
        arr = np.radians(np.array(coords[pid], dtype=float))
        prov.lats, prov.lons = arr[:, 0], arr[:, 1]
        prov.nurse_penalty = np.array([c.nurse_penalty for c in prov.calendars], dtype=float)
        prov.load = np.zeros(len(prov.calendars), dtype=float)

    # existing bookings: keys not to repeat, and time already taken (marked -1: not movable)
    existing_keys: dict[Hashable, set[int]] = defaultdict(set)
    for b in existing:
        s = int(b.start.timestamp())
        e = int(b.end.timestamp())
        if b.plan_id is not None:
            existing_keys[b.plan_id].add(int(b.key_start.timestamp()))
        booked = calendar_of.get(b.caregiver_id) if b.caregiver_id is not None else None
        if booked is None:
            continue
        first_day = b.start.astimezone(zone).date()
        last_day = b.end.astimezone(zone).date()
        day = first_day
        while day <= last_day:
            taken = booked.days.setdefault((day - window_start).days, [])
            br = math.radians(b.lat)
            bisect.insort(taken, (s, e, br, math.radians(b.lon), math.cos(br), -1))
            day += timedelta(days=1)
        wk = _week_key(first_day)
        booked.weeks[wk] = booked.weeks.get(wk, 0.0) + (e - s)
        providers[provider_of[b.caregiver_id]].load[booked.index] += e - s

    # local wall times → epoch seconds and datetimes, shared between visits
    start_cache: dict[tuple[int, int], tuple[int, datetime]] = {}
    dt_cache: dict[int, datetime] = {}

    def slot_start(di: int, minute: int) -> tuple[int, datetime]:
        hit = start_cache.get((di, minute))
        if hit is None:
            local = datetime.combine(days[di], time(minute // 60, minute % 60), tzinfo=zone)
            ts = int(local.timestamp())
            hit = start_cache[(di, minute)] = (ts, dt_cache.setdefault(ts, local))
        return hit

    # a day whose offset does not change (no DST switch) maps minute m to its midnight + 60 m
    midnight_ts: list[int] = []
    for d in days:
        first = datetime.combine(d, time(0), tzinfo=zone)
        last = datetime.combine(d, time(23, 59), tzinfo=zone)
        midnight_ts.append(int(first.timestamp()) if first.utcoffset() == last.utcoffset() else -1)

    def as_datetime(ts: int) -> datetime:
        dt = dt_cache.get(ts)
        if dt is None:
            dt = dt_cache[ts] = datetime.fromtimestamp(ts, zone)
        return dt

    # A plan's visits in the window depend only on its slots, duration and active days:
    # (day, slot minute, window minutes, duration s, week, nominal start ts, nominal start, nominal end)
    Pending = tuple[int, int, int, int, int, int, datetime, datetime]
    pattern_cache: dict[tuple[Any, ...], list[Pending]] = {}
    default_window = policy.visit_window_minutes

    def visits_of(plan: PlanInput) -> list[Pending]:
        lo = 0 if plan.active_from is None else max(0, (plan.active_from - window_start).days)
        hi = ndays if plan.active_until is None else min(ndays, (plan.active_until - window_start).days)
        key = (plan.slots, plan.duration_minutes, lo, hi)
        out = pattern_cache.get(key)
        if out is None:
            by_weekday: dict[int, dict[int, int]] = defaultdict(dict)
            for slot in plan.slots:
                window = default_window if slot.window_minutes is None else slot.window_minutes
                by_weekday[slot.weekday].setdefault(slot.start_minute, window)
            dur = plan.duration_minutes * 60
            out = []
            for di in range(lo, hi):
                for minute, window in sorted(by_weekday.get(weekday_of[di], {}).items()):
                    s, sdt = slot_start(di, minute)
                    out.append((di, minute, window, dur, week_of[di], s, sdt, as_datetime(s + dur)))
            pattern_cache[key] = out
        return out

    # travel seconds = K · asin(√a) for the haversine term a; one second of margin on top
    # of rounding up keeps the scheduler strictly inside what find_conflicts accepts.
    k_travel = 2 * EARTH_RADIUS_KM * 3600.0 / speed
    sin, sqrt, asin, ceil = math.sin, math.sqrt, math.asin, math.ceil
    bisect_left = bisect.bisect_left

    def earliest(
        lst: list[tuple[int, int, float, float, float, int]] | None,
        lo: int,
        hi: int,
        dur: int,
        pr: float,
        lr: float,
        cp: float,
    ) -> int:
        """The earliest whole-minute start in [lo, hi] at which a visit of ``dur`` seconds at
        (pr, lr) overlaps none of the day's bookings and leaves time to travel from the one
        before and to the one after; -1 if none. Bookings are (start, end, lat rad, lon rad,
        cos lat, id) sorted by start."""
        if not lst:
            return lo
        i = bisect_left(lst, (lo,))
        t = lo
        if i:
            p = lst[i - 1]
            free = p[1]
            if p[2] != pr or p[3] != lr:
                a = sin((pr - p[2]) * 0.5) ** 2 + cp * p[4] * sin((lr - p[3]) * 0.5) ** 2
                free += ceil(k_travel * asin(sqrt(a if a < 1.0 else 1.0))) + 1
            if free > t:
                t = -(-free // 60) * 60
        n_items = len(lst)
        while t <= hi:
            if i == n_items:
                return t
            n = lst[i]
            travel = 0
            if n[2] != pr or n[3] != lr:
                a = sin((n[2] - pr) * 0.5) ** 2 + cp * n[4] * sin((n[3] - lr) * 0.5) ** 2
                travel = ceil(k_travel * asin(sqrt(a if a < 1.0 else 1.0))) + 1
            if t + dur + travel <= n[0]:
                return t
            free = n[1] + travel  # the way back from n's home is as long as the way there
            if free > t:
                t = -(-free // 60) * 60
            i += 1
        return -1

    def place(cal: _Calendar, v: Pending, pr: float, lr: float, cp: float, *, hours: bool = True) -> int:
        """The earliest start ``cal`` can give visit ``v`` inside its window (epoch seconds),
        or ``-_BUSY`` / ``-_HOURS`` (free then, but over the week's hours)."""
        di, smin, window, dur, wk, _, _, _ = v
        if cal.days_off and weekday_of[di] in cal.days_off:
            return -_BUSY
        lo_min = smin if smin > cal.ws else cal.ws
        hi_min = smin + window
        last = cal.we - dur // 60
        if hi_min > last:
            hi_min = last
        if lo_min > hi_min:
            return -_BUSY
        base = midnight_ts[di]
        if base >= 0:
            lo, hi = base + lo_min * 60, base + hi_min * 60
        else:
            lo, hi = slot_start(di, lo_min)[0], slot_start(di, hi_min)[0]
        t = earliest(cal.days.get(di), lo, hi, dur, pr, lr, cp)
        if t < 0:
            return -_BUSY
        if hours and cal.weeks.get(wk, 0.0) + dur > cal.limit:
            return -_HOURS
        return t

    visits: list[PlannedVisit] = []
    unscheduled: list[UnscheduledVisit] = []
    skipped = 0
    continuity = 0
    # every placed visit by id (its index in ``visits``): its calendar and what re-placing it needs
    placed_on: list[_Calendar] = []
    placed_how: list[tuple[Pending, _PlanState]] = []

    def book(cal: _Calendar, v: Pending, st: _PlanState, t: int) -> None:
        di, _, window, dur, wk, _, sdt, _ = v
        vid = len(visits)
        entry = (t, t + dur, st.pr, st.lr, st.cp, vid)
        lst = cal.days.get(di)
        if lst is None:
            cal.days[di] = [entry]
        else:
            bisect.insort(lst, entry)
        cal.weeks[wk] = cal.weeks.get(wk, 0.0) + dur
        st.load[cal.index] += dur
        plan = st.plan
        visits.append(
            PlannedVisit(
                plan.plan_id,
                plan.person_id,
                cal.cid,
                as_datetime(t),
                as_datetime(t + dur),
                plan.lat,
                plan.lon,
                sdt,
                as_datetime(v[5] + window * 60),
            )
        )
        placed_on.append(cal)
        placed_how.append((v, st))

    def move(vid: int, cal: _Calendar, t: int) -> None:
        """Visit ``vid`` to ``cal`` at ``t`` (its old booking removed)."""
        nonlocal continuity
        v, st = placed_how[vid]
        di, _, _, dur, wk, _, _, _ = v
        old = placed_on[vid]
        lst = old.days[di]
        lst.pop(next(j for j, b in enumerate(lst) if b[5] == vid))
        old.weeks[wk] -= dur
        st.load[old.index] -= dur
        entry = (t, t + dur, st.pr, st.lr, st.cp, vid)
        bisect.insort(cal.days.setdefault(di, []), entry)
        cal.weeks[wk] = cal.weeks.get(wk, 0.0) + dur
        st.load[cal.index] += dur
        placed_on[vid] = cal
        continuity += (cal is st.previous) - (old is st.previous)
        visits[vid] = visits[vid]._replace(
            caregiver_id=cal.cid, slot_start=as_datetime(t), slot_end=as_datetime(t + dur)
        )

    def choose(v: Pending, st: _PlanState) -> tuple[_Calendar | None, int, list[_Calendar]]:
        """The caregiver for ``v`` and its start: the plan's caregivers first, then the others in
        order, the first who is free then and within the week's pace (the share of the weekly
        hours its days so far may take); else the first free then and within the week's hours;
        else None with those only the week's hours kept from it."""
        pr, lr, cp = st.pr, st.lr, st.cp
        dur, wk, weekday = v[3], v[4], weekday_of[v[0]]
        fallback: _Calendar | None = None
        fallback_t = -1
        hours_blocked: list[_Calendar] = []
        cals = st.cals
        used_set = st.used_set
        looked = 0
        for cal in itertools.chain(st.used, (cals[ci] for ci in st.order if ci not in used_set)):
            if fallback is not None:
                looked += 1
                if looked > PACE_LOOKAHEAD:
                    break
            t = place(cal, v, pr, lr, cp, hours=False)
            if t < 0:
                continue
            booked = cal.weeks.get(wk, 0.0) + dur
            if booked <= cal.pace[weekday]:
                fallback, fallback_t = cal, t
                break
            if booked <= cal.limit:
                if fallback is None:
                    fallback, fallback_t = cal, t
            else:
                hours_blocked.append(cal)
        if fallback is None:
            return None, -1, hours_blocked
        if fallback.index not in used_set:
            st.used.append(fallback)
            used_set.add(fallback.index)
        return fallback, fallback_t, []

    def near(
        lst: list[tuple[int, int, float, float, float, int]], v: Pending
    ) -> list[tuple[int, int, float, float, float, int]]:
        """The movable bookings of a day that can be in the way of ``v``: an hour's travel either
        side of its window."""
        near_from = v[5] - REPAIR_REACH_SECONDS
        near_to = v[5] + v[2] * 60 + v[3] + REPAIR_REACH_SECONDS
        return [b for b in lst if b[5] >= 0 and b[0] < near_to and b[1] > near_from]

    # Tentative changes during a repair keep each calendar's week exact: a booking lifted out
    # gives its seconds back, a held time takes them, so ``place`` checks the weekly hours.
    def lift(cal: _Calendar, di: int, wk: int, entry: tuple[int, int, float, float, float, int]) -> None:
        cal.days[di].remove(entry)
        cal.weeks[wk] -= entry[1] - entry[0]

    def hold(cal: _Calendar, di: int, wk: int, entry: tuple[int, int, float, float, float, int]) -> None:
        bisect.insort(cal.days.setdefault(di, []), entry)
        cal.weeks[wk] = cal.weeks.get(wk, 0.0) + entry[1] - entry[0]

    def relocate(
        vid: int, depth: int, budget: list[int], *, direct: bool = True
    ) -> list[tuple[int, _Calendar, int]] | None:
        """New places for visit ``vid`` (lifted out of its calendar): a caregiver free for it
        as it is (its plan's caregivers, then the first ``REPAIR_TARGETS`` of its order; not
        tried again if ``direct`` is False), or, ``depth`` more levels down, one who is free
        once a booking of theirs moves on in turn. The moves to make, the deepest last; None
        if none within ``budget`` place calls."""
        other, ost = placed_how[vid]
        di, dur, wk = other[0], other[3], other[4]
        targets = list(dict.fromkeys((*ost.used, *(ost.cals[cj] for cj in ost.order[:REPAIR_TARGETS]))))
        for alt in targets if direct else ():
            budget[0] -= 1
            if alt.weeks.get(wk, 0.0) + dur > alt.limit:
                continue  # over the week's hours whatever the time
            t = place(alt, other, ost.pr, ost.lr, ost.cp)
            if t >= 0:
                return [(vid, alt, t)]
        if depth == 0:
            return None
        for alt in targets:
            lst = alt.days.get(di)
            if not lst:
                continue
            week = alt.weeks.get(wk, 0.0) + dur
            for booking in near(lst, other):
                if budget[0] <= 0:
                    return None
                budget[0] -= 1
                if week - (booking[1] - booking[0]) > alt.limit:
                    continue
                lift(alt, di, wk, booking)
                t = place(alt, other, ost.pr, ost.lr, ost.cp)
                moves = None
                if t >= 0:
                    held = (t, t + dur, ost.pr, ost.lr, ost.cp, -2)
                    hold(alt, di, wk, held)
                    moves = relocate(booking[5], depth - 1, budget)
                    lift(alt, di, wk, held)
                hold(alt, di, wk, booking)
                if moves is not None:
                    return [(vid, alt, t), *moves]
        return None

    def repair(v: Pending, st: _PlanState) -> bool:
        """Place ``v`` by moving visits of that day out of its way (see the module docstring,
        step 4): one visit first, then a chain of two."""
        di, dur, wk = v[0], v[3], v[4]
        cals = st.cals
        for depth in range(REPAIR_DEPTH + 1):
            budget = [REPAIR_BUDGET if depth else 1 << 30]  # the single move as it always was
            for ci in st.order[:REPAIR_CANDIDATES]:
                cal = cals[ci]
                lst = cal.days.get(di)
                if not lst:
                    continue
                week = cal.weeks.get(wk, 0.0) + dur
                for booking in near(lst, v):
                    if budget[0] <= 0:
                        break
                    if week - (booking[1] - booking[0]) > cal.limit:
                        continue  # over the week's hours even without that booking
                    lift(cal, di, wk, booking)
                    t = place(cal, v, st.pr, st.lr, st.cp)
                    moves = None
                    if t >= 0:
                        # hold v's time on cal while the other visit looks for a new place
                        held = (t, t + dur, st.pr, st.lr, st.cp, -2)
                        hold(cal, di, wk, held)
                        # the direct places were tried at the depth before
                        moves = relocate(booking[5], depth, budget, direct=depth == 0)
                        lift(cal, di, wk, held)
                    hold(cal, di, wk, booking)
                    if moves is None:
                        continue
                    # the deepest move first: each frees the time the one before it takes
                    for vid, target, start in reversed(moves):
                        move(vid, target, start)
                    book(cal, v, st, t)
                    return True
        return False

    by_provider: dict[Hashable, list[PlanInput]] = defaultdict(list)
    for plan in plans:
        by_provider[plan.provider_id].append(plan)

    for pid, group in by_provider.items():
        prov = providers.get(pid)

        def previous_ok(plan: PlanInput, prov: _Provider | None = prov) -> bool:
            cal = calendar_of.get(plan.previous_caregiver_id) if plan.previous_caregiver_id is not None else None
            return (
                cal is not None
                and prov is not None
                and cal.index < len(prov.calendars)
                and prov.calendars[cal.index] is cal
                and (not plan.needs_nurse or cal.nurse_penalty == 1)
            )

        group.sort(key=lambda p: (0 if previous_ok(p) else 1, 0 if p.needs_nurse else 1, p.plan_id))
        failed: list[tuple[Pending, _PlanState]] = []
        queue: list[tuple[int, int, int, int, Pending, _PlanState]] = []
        for rank, plan in enumerate(group):
            ex = existing_keys.get(plan.plan_id)
            pending = visits_of(plan)
            if ex:
                before = len(pending)
                pending = [v for v in pending if v[5] not in ex]
                skipped += before - len(pending)
            if not pending:
                continue
            if prov is None or (plan.needs_nurse and not prov.nurses):
                for v in pending:
                    unscheduled.append(
                        UnscheduledVisit(plan.plan_id, plan.person_id, v[6], v[7], "no_qualified_caregiver")
                    )
                continue
            # candidate order: (nurse last unless needed, least booked, nearest)
            pr, lr = math.radians(plan.lat), math.radians(plan.lon)
            cp = math.cos(pr)
            a = np.sin((prov.lats - pr) / 2) ** 2 + cp * np.cos(prov.lats) * np.sin((prov.lons - lr) / 2) ** 2
            if plan.needs_nurse:
                idx = np.asarray(prov.nurses)
                order = idx[np.lexsort((a[idx], prov.load[idx]))].tolist()
            else:
                order = np.lexsort((a, prov.load, prov.nurse_penalty)).tolist()
            previous = calendar_of[plan.previous_caregiver_id] if previous_ok(plan) else None
            st = _PlanState(plan, pr, lr, cp, order, prov.calendars, prov.load, previous)
            queue.extend((v[0], v[1], v[1] + v[2], rank, v, st) for v in pending)
        # day by day, earliest window first (the plan order breaks ties): a caregiver's day
        # fills from the morning, each visit as early as its window allows
        queue.sort(key=lambda q: q[:4])
        for _, _, _, _, v, st in queue:
            chosen, t, hours_blocked = choose(v, st)
            if chosen is None:
                failed.append((v, st))
                continue
            if chosen is st.previous:
                continuity += 1
            book(chosen, v, st, t)
        # step 4: a second chance for what found no caregiver
        for v, st in failed:
            chosen, t, hours_blocked = choose(v, st)
            if chosen is not None:
                if chosen is st.previous:
                    continuity += 1
                book(chosen, v, st, t)
                continue
            if repair(v, st):
                continue
            reason = "weekly_hours_exceeded" if hours_blocked else "no_caregiver_free"
            unscheduled.append(UnscheduledVisit(st.plan.plan_id, st.plan.person_id, v[6], v[7], reason))
    return ScheduleResult(visits=visits, unscheduled=unscheduled, skipped_existing=skipped, continuity=continuity)


# --------------------------------------------------------------------------- the independent checker


def find_conflicts(
    visits: Iterable[PlannedVisit],
    caregivers: Sequence[CaregiverInput],
    policy: Policy,
    *,
    existing: Iterable[Booking] = (),
    plans: Sequence[PlanInput] | None = None,
    zone: tzinfo | None = None,
) -> list[Conflict]:
    """Every broken constraint in ``visits`` together with ``existing`` bookings, checked
    independently of the scheduler: sort each caregiver's intervals by start and compare each
    with the one before (overlap against the latest end so far, travel at the policy speed),
    sum each ISO week's hours, and check keys, working hours, provider and qualification.
    ``zone`` is the local zone for days and weeks (default: each time's own zone)."""
    conflicts: list[Conflict] = []
    by_id = {cg.caregiver_id: cg for cg in caregivers}
    plan_of = {p.plan_id: p for p in plans} if plans is not None else None
    speed = policy.travel_speed_kmh

    def local(dt: datetime) -> datetime:
        return dt.astimezone(zone) if zone is not None else dt

    existing_keys: set[tuple[Hashable, float]] = set()
    intervals: dict[Hashable, list[tuple[float, float, float, float, tuple[Hashable, datetime] | None]]] = defaultdict(
        list
    )
    weekly: dict[tuple[Hashable, int, int], float] = defaultdict(float)
    for b in existing:
        if b.plan_id is not None:
            existing_keys.add((b.plan_id, b.start.timestamp()))
        if b.caregiver_id is None:
            continue
        intervals[b.caregiver_id].append((b.start.timestamp(), b.end.timestamp(), b.lat, b.lon, None))
        y, w, _ = local(b.start).isocalendar()
        weekly[(b.caregiver_id, y, w)] += (b.end - b.start).total_seconds()

    seen: set[tuple[Hashable, float]] = set()
    for v in visits:
        start, end = v.slot_start.timestamp(), v.slot_end.timestamp()
        key = v.key
        tkey = (v.plan_id, key[1].timestamp())
        if tkey in seen:
            conflicts.append(Conflict("duplicate_key", v.caregiver_id, key))
        seen.add(tkey)
        if tkey in existing_keys:
            conflicts.append(Conflict("existing_key", v.caregiver_id, key))
        cg = by_id.get(v.caregiver_id)
        if cg is None:
            conflicts.append(Conflict("unknown_caregiver", v.caregiver_id, key))
            continue
        if v.window_opens is not None and not (
            v.window_opens <= v.slot_start <= (v.window_closes if v.window_closes is not None else v.window_opens)
        ):
            conflicts.append(Conflict("outside_window", v.caregiver_id, key))
        if plan_of is not None:
            plan = plan_of.get(v.plan_id)
            if plan is not None:
                if plan.provider_id != cg.provider_id:
                    conflicts.append(Conflict("wrong_provider", v.caregiver_id, key))
                if plan.needs_nurse and cg.qualification != "nurse":
                    conflicts.append(Conflict("not_qualified", v.caregiver_id, key))
                if v.window_opens is not None and not _is_window_of(plan, v, policy, local):
                    conflicts.append(Conflict("not_a_slot", v.caregiver_id, key))
        ls, le = local(v.slot_start), local(v.slot_end)
        if (
            ls.weekday() not in cg.working_days
            or le.date() != ls.date()
            or ls.timetz().replace(tzinfo=None) < cg.work_start
            or le.timetz().replace(tzinfo=None) > cg.work_end
        ):
            conflicts.append(Conflict("outside_working_hours", v.caregiver_id, key))
        intervals[v.caregiver_id].append((start, end, v.lat, v.lon, key))
        y, w, _ = ls.isocalendar()
        weekly[(v.caregiver_id, y, w)] += end - start

    for cid, items in intervals.items():
        items.sort(key=lambda t: (t[0], t[1]))
        latest = None  # the interval with the latest end so far
        for cur in items:
            if latest is not None:
                if cur[0] < latest[1]:
                    if cur[4] is not None or latest[4] is not None:
                        conflicts.append(Conflict("overlap", cid, cur[4], latest[4]))
                else:
                    km = haversine_km(latest[2], latest[3], cur[2], cur[3])
                    if latest[1] + travel_seconds(km, speed) > cur[0] and (cur[4] is not None or latest[4] is not None):
                        conflicts.append(
                            Conflict("travel", cid, cur[4], latest[4], f"{km:.2f} km in {cur[0] - latest[1]:.0f} s")
                        )
            if latest is None or cur[1] >= latest[1]:
                latest = cur
    for (cid, y, w), seconds in weekly.items():
        cg = by_id.get(cid)
        if cg is not None and seconds > cg.weekly_hours * 3600.0 + 1e-6:
            conflicts.append(Conflict("weekly_hours", cid, None, None, f"{y}-W{w:02d}: {seconds / 3600:.2f} h"))
    return conflicts


def _is_window_of(plan: PlanInput, v: PlannedVisit, policy: Policy, local: Any) -> bool:
    """The visit's window is one of the plan's slots: it opens at the slot's local start on
    the slot's weekday and closes the slot's window later."""
    assert v.window_opens is not None
    opens = local(v.window_opens)
    closes = v.window_closes if v.window_closes is not None else v.window_opens
    minutes = (closes - v.window_opens).total_seconds() / 60
    return any(
        slot.weekday == opens.weekday()
        and slot.start == opens.timetz().replace(tzinfo=None)
        and slot.window(policy) == minutes
        for slot in plan.slots
    )


ProviderKey = TypeVar("ProviderKey", bound=Hashable)


def provider_groups(plans_of: Mapping[ProviderKey, int], count: int) -> list[list[ProviderKey]]:
    """Providers (by their number of plans) in about ``count`` groups of similar size, in the
    order of their ids: each group filled up to the mean share before the next begins. No
    provider without plans; no empty group."""
    size = max(1, -(-sum(plans_of.values()) // max(1, count)))
    groups: list[list[ProviderKey]] = []
    filled = size
    for provider in sorted(plans_of):  # type: ignore[type-var]  # one kind of id, mutually ordered
        if not plans_of[provider]:
            continue
        if filled >= size:
            groups.append([])
            filled = 0
        groups[-1].append(provider)
        filled += plans_of[provider]
    return groups


def provider_batches(
    plans: list[PlanInput],
    caregivers: list[CaregiverInput],
    existing: list[Booking],
    count: int,
) -> list[tuple[list[PlanInput], list[CaregiverInput], list[Booking]]]:
    """Plans, caregivers and existing bookings split into about ``count`` groups of whole
    providers of similar size (a booking goes with its caregiver's and its plan's provider).
    Providers are scheduled independently, so scheduling the groups one by one gives what
    one run over everything gives; at least one group, maybe empty."""
    plans_of: dict[Hashable, list[PlanInput]] = defaultdict(list)
    for plan in plans:
        plans_of[plan.provider_id].append(plan)
    caregivers_of: dict[Hashable, list[CaregiverInput]] = defaultdict(list)
    for caregiver in caregivers:
        caregivers_of[caregiver.provider_id].append(caregiver)
    groups = provider_groups({provider: len(own) for provider, own in plans_of.items()}, count) or [[]]
    group_of = {provider: number for number, group in enumerate(groups) for provider in group}
    employer = {c.caregiver_id: c.provider_id for c in caregivers}
    plan_provider = {p.plan_id: p.provider_id for p in plans}
    bookings: list[list[Booking]] = [[] for _ in groups]
    for booking in existing:
        candidates = (
            group_of.get(employer.get(booking.caregiver_id, -1)),
            group_of.get(plan_provider.get(booking.plan_id, -1)),
        )
        targets = {group for group in candidates if group is not None}
        for target in targets:
            bookings[target].append(booking)
    return [
        (
            [p for provider in group for p in plans_of[provider]],
            [c for provider in group for c in caregivers_of[provider]],
            bookings[number],
        )
        for number, group in enumerate(groups)
    ]
