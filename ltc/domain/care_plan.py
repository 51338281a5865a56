"""Care plans (护理计划, DOMAIN §5): what a beneficiary is entitled to, derived from the
level and the care mode, and the agency's adjustments within the policy's limits.

Home care is an entitlement in hours per month (``policy.home_hours(level)``), delivered
in visits of ``policy.visit_minutes`` on a weekly pattern of slots (weekday + local start
time inside the working day). A weekly pattern meets months of different lengths, so the
pattern is chosen so that *no calendar month* holds more visits than the monthly hours
allow: a 31-day month has three weekdays that occur five times, and the pattern's worst
month (``max_visits_in_a_month``) must stay within ``visits_per_month``. Shorter months
deliver a little less; the monthly hours are a ceiling, never a quota.

Institutional care is paid per bed-day (each day in residence, capped at the level's
``policy.bed_day_cap_fen``): it has no visits and no slots.

Levels are the national 0–5; 3, 4, 5 are 重度Ⅰ, Ⅱ, Ⅲ. A level the policy gives no hours
(or no bed-day cap) is not entitled (``level_not_entitled``).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import time
from typing import Any, Literal

from ltc.domain.catalogue import ServiceCatalogue
from ltc.domain.errors import InvalidInput
from ltc.domain.policy import Policy
from ltc.domain.rollout import WeeklyPattern, check_benefit_offered, weekly_pattern_in

CareMode = Literal["home", "institutional"]
CARE_MODES: tuple[str, ...] = ("home", "institutional")
LEVELS: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
# Derived slots start on this grid (minutes). It is presentation, not policy: agencies may
# adjust a slot to any minute inside the working day.
SLOT_GRID_MINUTES = 30
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ANY_DAY = WeeklyPattern()  # no town pattern: any day, as many visits a week as the hours allow
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::00)?$")


@functools.total_ordering
@dataclass(frozen=True, slots=True)
class VisitSlot:
    """A weekly visit slot: ISO weekday index (0 = Monday … 6 = Sunday), a local start time,
    and its time window: the visit may start at any minute from ``start`` to ``start`` plus
    ``window_minutes`` (both included). ``None`` takes the policy's ``visit_window_minutes``;
    0 pins the visit to ``start``. The slot's key is its ``start`` whatever the window."""

    weekday: int
    start: time
    window_minutes: int | None = field(default=None)

    @property
    def start_minute(self) -> int:
        return self.start.hour * 60 + self.start.minute

    def window(self, policy: Policy) -> int:
        """Minutes after ``start`` the visit may still start."""
        return policy.visit_window_minutes if self.window_minutes is None else self.window_minutes

    def _order(self) -> tuple[int, time, int]:
        return (self.weekday, self.start, -1 if self.window_minutes is None else self.window_minutes)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, VisitSlot):
            return NotImplemented
        return self._order() < other._order()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"weekday": self.weekday, "start": self.start.strftime("%H:%M")}
        if self.window_minutes is not None:
            out["window_minutes"] = self.window_minutes
        return out

    def __str__(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]} {self.start.strftime('%H:%M')}"


@dataclass(frozen=True, slots=True)
class CarePlanDraft:
    level: int
    care_mode: str
    policy_version: str
    items: tuple[str, ...]
    needs_nurse: bool
    # home care
    monthly_hours: int = 0
    visit_minutes: int = 0
    visits_per_month: int = 0
    slots: tuple[VisitSlot, ...] = ()
    # institutional care
    bed_day_cap_fen: int = 0

    @property
    def weekly_visits(self) -> int:
        return len(self.slots)

    @property
    def max_visits_in_a_month(self) -> int:
        return max_visits_in_a_month(self.slots)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "care_mode": self.care_mode,
            "policy_version": self.policy_version,
            "items": list(self.items),
            "needs_nurse": self.needs_nurse,
            "monthly_hours": self.monthly_hours,
            "visit_minutes": self.visit_minutes,
            "visits_per_month": self.visits_per_month,
            "slots": [s.to_dict() for s in self.slots],
            "bed_day_cap_fen": self.bed_day_cap_fen,
        }


def max_visits_in_a_month(slots: Iterable[VisitSlot]) -> int:
    """The most visits the weekly pattern puts into any calendar month (≤ 31 days): a
    31-day month starting on weekday f has five of weekdays f, f+1, f+2 and four of the rest."""
    per_day = [0] * 7
    for slot in slots:
        per_day[slot.weekday] += 1
    total = sum(per_day)
    if total == 0:
        return 0
    extra = max(per_day[f] + per_day[(f + 1) % 7] + per_day[(f + 2) % 7] for f in range(7))
    return 4 * total + extra


def _start_grid(policy: Policy, visit_minutes: int) -> list[int]:
    first = policy.working_day_start_hour * 60
    last = policy.working_day_end_hour * 60 - visit_minutes
    return list(range(first, last + 1, SLOT_GRID_MINUTES))


def _weekly_pattern(
    visits_per_month: int,
    visit_minutes: int,
    policy: Policy,
    base_minute: int,
    pattern: WeeklyPattern = ANY_DAY,
) -> tuple[VisitSlot, ...]:
    """The densest evenly spread weekly pattern whose worst month fits ``visits_per_month``;
    every visit of the day at a regular time (``base_minute`` for the first of the day). A
    town's own pattern keeps the visits on its weekdays and to its visits a week."""
    grid = _start_grid(policy, visit_minutes)
    if not grid:
        raise InvalidInput("a visit does not fit into the working day", code="slot_outside_working_hours")
    step = -(-visit_minutes // SLOT_GRID_MINUTES) + 1  # grid positions between two visits of a day
    base = min(range(len(grid)), key=lambda i: (abs(grid[i] - base_minute), i))
    days = pattern.weekdays
    most = visits_per_month if pattern.visits_per_week is None else min(visits_per_month, pattern.visits_per_week)
    for k in range(most, 0, -1):
        weekdays = [days[(i * len(days)) // k] for i in range(k)]
        if max_visits_in_a_month(VisitSlot(d, time(0)) for d in weekdays) > visits_per_month:
            continue
        per_day = max(weekdays.count(d) for d in set(weekdays))
        if (per_day - 1) * step >= len(grid):
            continue  # that many visits a day do not fit; try fewer
        first = min(base, len(grid) - 1 - (per_day - 1) * step)
        slots = []
        nth: dict[int, int] = {}
        for d in weekdays:
            j = nth.get(d, 0)
            nth[d] = j + 1
            minute = grid[first + j * step]
            slots.append(VisitSlot(d, time(minute // 60, minute % 60)))
        return tuple(sorted(slots))
    return ()


def _check_level(level: int) -> None:
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        raise InvalidInput(f"level {level!r} is not one of 0–5", code="invalid_level")


def _item_errors(items: Sequence[str], catalogue: ServiceCatalogue) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    if isinstance(items, str):
        items = [items]
    cleaned = tuple(dict.fromkeys(str(i) for i in items))
    errors: list[dict[str, Any]] = []
    if not cleaned:
        errors.append({"code": "no_service_items", "field": "items", "detail": "至少选择一项服务项目"})
    unknown = catalogue.unknown(cleaned)
    if unknown:
        errors.append(
            {
                "code": "unknown_service_item",
                "field": "items",
                "items": unknown,
                "detail": f"服务目录中没有项目 {', '.join(unknown)}",
            }
        )
    return cleaned, errors


def _raise(errors: list[dict[str, Any]]) -> None:
    if errors:
        raise InvalidInput("; ".join(e["detail"] for e in errors), code=errors[0]["code"], errors=errors)


def derive_plan(
    level: int,
    care_mode: str,
    policy: Policy,
    items: Sequence[str],
    catalogue: ServiceCatalogue,
    *,
    stagger: int = 0,
    town: str | None = None,
) -> CarePlanDraft:
    """The plan a level and care mode entitle a person to under ``policy``, with the rules
    of the person's ``town`` (its code) in force: the benefits it offers, its visit length
    and its weekly pattern.

    ``stagger`` (e.g. the person's id) rotates the derived start time over the working day
    so that a provider's plans do not all start at the same minute; it never changes the
    entitlement. The same arguments always give the same plan."""
    _check_level(level)
    if care_mode not in CARE_MODES:
        raise InvalidInput(f"care mode {care_mode!r} is not home or institutional", code="invalid_care_mode")
    check_benefit_offered(policy, town, care_mode)
    cleaned, errors = _item_errors(items, catalogue)
    _raise(errors)
    needs_nurse = catalogue.needs_nurse(cleaned)
    if care_mode == "institutional":
        cap = policy.bed_day_cap_fen(level)
        if cap <= 0:
            raise InvalidInput(f"level {level} is not entitled to institutional care", code="level_not_entitled")
        return CarePlanDraft(
            level=level,
            care_mode="institutional",
            policy_version=policy.version,
            items=cleaned,
            needs_nurse=needs_nurse,
            bed_day_cap_fen=cap,
        )
    hours = policy.home_hours(level)
    if hours <= 0:
        raise InvalidInput(f"level {level} is not entitled to home care", code="level_not_entitled")
    visit_minutes = policy.visit_minutes_in(town)
    visits = (hours * 60) // visit_minutes
    grid = _start_grid(policy, visit_minutes)
    base_minute = grid[stagger % len(grid)] if grid else 0
    slots = _weekly_pattern(visits, visit_minutes, policy, base_minute, weekly_pattern_in(policy, town))
    return CarePlanDraft(
        level=level,
        care_mode="home",
        policy_version=policy.version,
        items=cleaned,
        needs_nurse=needs_nurse,
        monthly_hours=hours,
        visit_minutes=visit_minutes,
        visits_per_month=visits,
        slots=slots,
    )


MAX_WINDOW_MINUTES = 240  # a window longer than half a working day is no appointment


def parse_slot(raw: Any) -> VisitSlot:
    """A slot from a ``VisitSlot``, ``{"weekday": 0, "start": "09:30", "window_minutes": 60}``
    (the window optional) or ``(0, "09:30")``."""
    weekday: Any
    start: Any
    window: Any = None
    if isinstance(raw, VisitSlot):
        weekday, start, window = raw.weekday, raw.start, raw.window_minutes
    elif isinstance(raw, Mapping):
        weekday, start, window = raw.get("weekday"), raw.get("start"), raw.get("window_minutes")
    elif isinstance(raw, (tuple, list)) and len(raw) == 2:
        weekday, start = raw
    else:
        raise InvalidInput(f"{raw!r} is not a visit slot", code="invalid_slot")
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise InvalidInput(f"weekday {weekday!r} is not 0 (Monday) – 6 (Sunday)", code="invalid_slot")
    if isinstance(start, str):
        match = _TIME.match(start)
        if not match:
            raise InvalidInput(f"start {start!r} is not HH:MM", code="invalid_slot")
        start = time(int(match.group(1)), int(match.group(2)))
    if not isinstance(start, time) or start.tzinfo is not None or start.second or start.microsecond:
        raise InvalidInput(f"start {start!r} is not a local HH:MM time", code="invalid_slot")
    if window is not None and (
        isinstance(window, bool) or not isinstance(window, int) or not 0 <= window <= MAX_WINDOW_MINUTES
    ):
        raise InvalidInput(f"window {window!r} is not 0–{MAX_WINDOW_MINUTES} minutes", code="invalid_slot_window")
    return VisitSlot(weekday, start, window)


def slot_errors(
    slots: Sequence[VisitSlot], visit_minutes: int, monthly_hours: int, policy: Policy
) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if not slots:
        errors.append({"code": "no_visit_slots", "field": "slots", "detail": "居家护理计划至少需要一个上门时段"})
        return errors
    day_start = policy.working_day_start_hour * 60
    day_end = policy.working_day_end_hour * 60
    outside = [str(s) for s in slots if s.start_minute < day_start or s.start_minute + visit_minutes > day_end]
    if outside:
        errors.append(
            {
                "code": "slot_outside_working_hours",
                "field": "slots",
                "slots": outside,
                "detail": f"上门时段须在 {policy.working_day_start_hour}:00–{policy.working_day_end_hour}:00 之内",
            }
        )
    ordered = sorted(slots)
    clashes = [
        f"{a} / {b}"
        for a, b in itertools.pairwise(ordered)
        if a.weekday == b.weekday and b.start_minute - a.start_minute < visit_minutes
    ]
    if clashes:
        errors.append(
            {"code": "overlapping_slots", "field": "slots", "slots": clashes, "detail": "同一天的上门时段重叠"}
        )
    worst = max_visits_in_a_month(slots)
    if worst * visit_minutes > monthly_hours * 60:
        errors.append(
            {
                "code": "slots_exceed_monthly_hours",
                "field": "slots",
                "max_visits_in_a_month": worst,
                "detail": f"每周时段在最长的月份有 {worst} 次上门，超过每月 {monthly_hours} 小时",
            }
        )
    return errors


ADJUSTABLE = ("monthly_hours", "items", "slots")


def town_pattern_errors(slots: Sequence[VisitSlot], pattern: WeeklyPattern) -> list[dict[str, Any]]:
    """Slots off the town's visit days, or more a week than the town's pattern holds."""
    off_days = [str(s) for s in slots if s.weekday not in pattern.weekdays]
    too_many = pattern.visits_per_week is not None and len(slots) > pattern.visits_per_week
    if not off_days and not too_many:
        return []
    return [
        {
            "code": "slots_off_town_pattern",
            "field": "slots",
            "detail": f"该乡镇（街道）上门日为 {'/'.join(WEEKDAY_NAMES[d] for d in pattern.weekdays)}"
            + (f"，每周至多 {pattern.visits_per_week} 次" if pattern.visits_per_week is not None else ""),
        }
    ]


def adjust_plan(
    plan: CarePlanDraft,
    changes: Mapping[str, Any],
    policy: Policy,
    catalogue: ServiceCatalogue,
    *,
    town: str | None = None,
) -> CarePlanDraft:
    """An agency's adjustment of a plan, checked against the policy in force: monthly hours
    positive and not above the level's hours, items from the catalogue (at least one), slots
    inside the working day, not overlapping, and no month holding more visits than the hours.
    Every broken rule is listed in ``errors``; the first one's code is the error's code.
    Changing the hours without giving slots re-derives the pattern at the plan's usual time.
    The person's ``town`` (its code) keeps the slots on its weekdays and visits a week."""
    errors: list[dict[str, Any]] = []
    unknown = sorted(set(changes) - set(ADJUSTABLE))
    if unknown:
        errors.append({"code": "unknown_change", "fields": unknown, "detail": f"不可调整的字段: {', '.join(unknown)}"})
    home = plan.care_mode == "home"
    if not home and ("monthly_hours" in changes or "slots" in changes):
        errors.append(
            {"code": "not_a_home_plan", "field": "care_mode", "detail": "机构护理计划按床日结算，没有小时与上门时段"}
        )
        _raise(errors)

    items = plan.items
    if "items" in changes:
        raw_items = changes["items"]
        if raw_items is None or isinstance(raw_items, (str, bytes)) or not isinstance(raw_items, Iterable):
            raw_items = [] if raw_items is None else [raw_items]
        items, item_errors = _item_errors(list(raw_items), catalogue)
        errors += item_errors
    if not home:
        _raise(errors)
        return replace(plan, items=items, needs_nurse=catalogue.needs_nurse(items), policy_version=policy.version)

    visit_minutes = plan.visit_minutes or policy.visit_minutes
    hours = plan.monthly_hours
    hours_ok = True
    if "monthly_hours" in changes:
        raw_hours = changes["monthly_hours"]
        if isinstance(raw_hours, bool) or not isinstance(raw_hours, int) or raw_hours * 60 < visit_minutes:
            errors.append(
                {"code": "invalid_hours", "field": "monthly_hours", "detail": "每月小时数须为正整数且至少够一次上门"}
            )
            hours_ok = False
        elif raw_hours > policy.home_hours(plan.level):
            errors.append(
                {
                    "code": "hours_above_policy",
                    "field": "monthly_hours",
                    "limit": policy.home_hours(plan.level),
                    "detail": f"每月 {raw_hours} 小时超过该等级的政策上限 {policy.home_hours(plan.level)} 小时",
                }
            )
            hours_ok = False
        else:
            hours = raw_hours
    visits = (hours * 60) // visit_minutes

    slots = plan.slots
    if "slots" in changes:
        raw_slots = changes["slots"]
        parsed: list[VisitSlot] = []
        bad = False
        for raw in raw_slots if isinstance(raw_slots, (list, tuple)) else [raw_slots]:
            try:
                parsed.append(parse_slot(raw))
            except InvalidInput as exc:
                errors.append({"code": exc.code, "field": "slots", "detail": exc.detail})
                bad = True
        # one slot per weekday and start (the last given wins), so windows never decide the order
        slots = tuple(sorted({(s.weekday, s.start): s for s in parsed}.values()))
        if not bad and hours_ok:
            errors += slot_errors(slots, visit_minutes, hours, policy)
            errors += town_pattern_errors(slots, weekly_pattern_in(policy, town))
    elif "monthly_hours" in changes and hours_ok:
        usual = min((s.start_minute for s in plan.slots), default=policy.working_day_start_hour * 60)
        slots = _weekly_pattern(visits, visit_minutes, policy, usual, weekly_pattern_in(policy, town))
    _raise(errors)
    return replace(
        plan,
        items=items,
        needs_nurse=catalogue.needs_nurse(items),
        monthly_hours=hours,
        visit_minutes=visit_minutes,
        visits_per_month=visits,
        slots=slots,
        policy_version=policy.version,
    )


@dataclass(frozen=True, slots=True)
class PlanBounds:
    """The policy's limits on a plan of this level and care mode, shown beside the fields that
    an adjustment may change (the same limits ``adjust_plan`` checks)."""

    level: int
    care_mode: str
    policy_version: str
    max_monthly_hours: int
    min_monthly_hours: int
    visit_minutes: int
    day_start_hour: int
    day_end_hour: int
    bed_day_cap_fen: int
    visit_window_minutes: int = 0  # a slot's window when it sets none
    max_window_minutes: int = 0

    @property
    def earliest_start(self) -> str:
        return f"{self.day_start_hour:02d}:00"

    @property
    def latest_start(self) -> str:
        """The last start time of a visit that still ends within the working day."""
        minute = self.day_end_hour * 60 - self.visit_minutes
        return f"{minute // 60:02d}:{minute % 60:02d}"


def plan_bounds(level: int, care_mode: str, policy: Policy, town: str | None = None) -> PlanBounds:
    """What ``adjust_plan`` allows a plan of ``level`` under ``policy``: at most the level's
    hours, at least one visit's worth, slots inside the working day."""
    _check_level(level)
    home = care_mode == "home"
    visit_minutes = policy.visit_minutes_in(town) if home else 0
    return PlanBounds(
        level=level,
        care_mode=care_mode,
        policy_version=policy.version,
        max_monthly_hours=policy.home_hours(level) if home else 0,
        min_monthly_hours=-(-visit_minutes // 60) if home else 0,
        visit_minutes=visit_minutes,
        day_start_hour=policy.working_day_start_hour,
        day_end_hour=policy.working_day_end_hour,
        bed_day_cap_fen=0 if home else policy.bed_day_cap_fen(level),
        visit_window_minutes=policy.visit_window_minutes if home else 0,
        max_window_minutes=MAX_WINDOW_MINUTES if home else 0,
    )


COMPARED = (
    "level",
    "care_mode",
    "monthly_hours",
    "visits_per_month",
    "slots",
    "items",
    "needs_nurse",
    "bed_day_cap_fen",
    "policy_version",
)


def changed_fields(earlier: CarePlanDraft, later: CarePlanDraft) -> frozenset[str]:
    """The fields of ``COMPARED`` in which a later version differs from an earlier one
    (items and slots compared as sets: their order means nothing)."""
    changed = set()
    for name in COMPARED:
        before, after = getattr(earlier, name), getattr(later, name)
        if name in ("items", "slots"):
            before, after = set(before), set(after)
        if before != after:
            changed.add(name)
    return frozenset(changed)
