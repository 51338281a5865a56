"""Visit verification (上门服务核验, DOMAIN §5): small named rules over what a visit's
events say, each rule's name the flag code it raises. A flag never rejects an event: the
visit is recorded and flagged, the agency explains, the bureau decides.

Every threshold comes from the policy in force on the visit day. Conventions:

* ``outside_geofence``: a check-in or check-out farther from the person's home than
  ``policy.geofence_m`` plus the position's reported accuracy (exactly at the edge is in).
* ``too_short``: checked-out duration below ``policy.minimum_duration_share`` × planned
  length (exactly the share is enough). Not judged while the visit is still open.
* ``caregiver_overlap``: the visit's actual interval [check-in, check-out) overlaps another
  visit's of the same caregiver; an open visit counts as the instant of its check-in, and
  two visits checked in at the same instant overlap. Touching intervals do not.
* ``impossible_travel``: between this visit's events and the caregiver's events just
  before and after them (all visits' check-ins and check-outs in time order), the speed is
  above ``policy.impossible_speed_kmh``. The distance is reduced by both reported
  accuracies (never below zero), so GPS noise alone never flags; a distance beyond the
  accuracies in zero time does. Exactly the limit is possible.
* ``person_inpatient``: the visit day (local date of the check-in, else of the planned
  start) falls in a hospital stay counted as hospitals count inpatient days: from the
  admission day up to, not including, the discharge day (the person is home on the day of
  discharge); a stay with no discharge day is still open.
* ``person_deceased``: the visit day is after the date of death (the day itself is not).
* ``item_not_in_plan``: a logged item is not among the care plan's items.
* ``clinical_item_without_nurse``: a clinical item logged by a caregiver who is not a nurse.
* ``presence_code_invalid``: the deciding check-in or check-out carried a presence code that
  did not verify for the event's own time (see ``ltc.domain.presence``).
* ``presence_code_missing``: the policy requires a code (``presence_code_required``) and the
  deciding check-in, or the deciding check-out once there is one, carried none. An invalid
  code is not a missing one.
* ``start_far_from_plan``: the check-in is more than ``policy.start_far_minutes`` before or
  after the planned start (exactly that far is near enough).
* ``no_items_recorded``: checked out with no service item.
* ``caregiver_substituted``: a deciding event was performed by another caregiver than the
  visit's planned one (an event naming no performer was performed by the planned one).
* ``caregiver_certificate_expired``: a performer's certificate expired before the visit day
  (expiring on the day itself is still valid); no expiry date known: not judged.
* ``photo_missing`` and ``signature_missing``: where the policy asks for a photo at check-in
  (``photo_required_at_check_in``) or the family's signature at check-out
  (``signature_required_at_check_out``), the deciding event came without it.

:func:`classify_alerts` is the sweep that needs no event: ``late`` (no check-in by planned
start + ``late_after_minutes``, or a check-in after it), ``missed`` (no check-in by planned
end + ``missed_after_end_minutes``; it replaces ``late``), ``missing_checkout`` (checked in,
not out, by planned end + ``missing_checkout_after_end_minutes``). "By" includes the
deadline itself: an alert starts strictly after it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from ltc.domain import presence
from ltc.domain.policy import Policy
from ltc.domain.scheduling import haversine_km
from ltc.domain.visit_events import Position, VisitState


@dataclass(frozen=True, slots=True)
class CaregiverVisit:
    """Another visit of the same caregiver, as far as its events go."""

    visit_id: Hashable
    checked_in_at: datetime | None
    check_in: Position | None = None
    checked_out_at: datetime | None = None
    check_out: Position | None = None


@dataclass(frozen=True, slots=True)
class HospitalStay:
    admitted_on: date
    discharged_on: date | None = None  # None: still in hospital

    def covers(self, day: date) -> bool:
        return self.admitted_on <= day and (self.discharged_on is None or day < self.discharged_on)


@dataclass(frozen=True, slots=True)
class VerificationContext:
    policy: Policy
    zone: tzinfo
    home_lat: float
    home_lon: float
    planned_start: datetime
    planned_end: datetime
    checked_in_at: datetime | None = None
    check_in: Position | None = None
    checked_out_at: datetime | None = None
    check_out: Position | None = None
    items: tuple[str, ...] = ()
    plan_items: frozenset[str] | None = None  # None: no plan to compare with
    clinical_codes: frozenset[str] = frozenset()
    caregiver_qualification: str = "elderly_carer"
    caregiver_visits: tuple[CaregiverVisit, ...] = ()  # the caregiver's *other* visits
    inpatient_stays: tuple[HospitalStay | tuple[date, date | None], ...] = ()
    date_of_death: date | None = None
    # What the deciding check-in and check-out proved and carried (ltc.domain.presence codes).
    check_in_presence: str = presence.NO_CODE
    check_out_presence: str = presence.NO_CODE
    check_in_photo: bool = False
    check_out_signature: bool = False
    planned_caregiver_id: int | None = None
    performers: tuple[int, ...] = ()  # who performed the deciding events
    certificates_expire_on: Mapping[int, date | None] = field(default_factory=dict)  # by caregiver

    @classmethod
    def from_state(cls, state: VisitState, **fields: object) -> VerificationContext:
        check_in = state.event(state.check_in_event_id) if state.check_in_event_id else None
        check_out = state.event(state.check_out_event_id) if state.check_out_event_id else None
        planned = fields.get("planned_caregiver_id")
        performers = tuple(
            e.performed_by if e.performed_by is not None else planned for e in (check_in, check_out) if e is not None
        )
        return cls(
            checked_in_at=state.checked_in_at,
            check_in=state.check_in_position,
            checked_out_at=state.checked_out_at,
            check_out=state.check_out_position,
            items=state.items,
            check_in_presence=check_in.presence if check_in else presence.NO_CODE,
            check_out_presence=check_out.presence if check_out else presence.NO_CODE,
            check_in_photo=check_in is not None and "photo" in check_in.evidence,
            check_out_signature=check_out is not None and "signature" in check_out.evidence,
            performers=tuple(p for p in performers if isinstance(p, int)),
            **fields,  # type: ignore[arg-type]
        )

    @property
    def visit_day(self) -> date:
        moment = self.checked_in_at if self.checked_in_at is not None else self.planned_start
        return moment.astimezone(self.zone).date()

    def stays(self) -> list[HospitalStay]:
        return [s if isinstance(s, HospitalStay) else HospitalStay(s[0], s[1]) for s in self.inpatient_stays]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    description: str
    check: Callable[[VerificationContext], bool]  # True: the visit breaks the rule (flag it)


def _outside(ctx: VerificationContext, pos: Position | None) -> bool:
    if pos is None:
        return False
    meters = haversine_km(ctx.home_lat, ctx.home_lon, pos.lat, pos.lon) * 1000.0
    return meters > ctx.policy.geofence_m + pos.accuracy_m


def outside_geofence(ctx: VerificationContext) -> bool:
    return _outside(ctx, ctx.check_in) or _outside(ctx, ctx.check_out)


def _micros(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def too_short(ctx: VerificationContext) -> bool:
    if ctx.checked_in_at is None or ctx.checked_out_at is None:
        return False
    actual = Decimal(_micros(ctx.checked_out_at - ctx.checked_in_at))
    planned = Decimal(_micros(ctx.planned_end - ctx.planned_start))
    return actual < ctx.policy.minimum_duration_share * planned


def _interval(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime] | None:
    if start is None:
        return None
    return (start, end if end is not None and end >= start else start)


def caregiver_overlap(ctx: VerificationContext) -> bool:
    mine = _interval(ctx.checked_in_at, ctx.checked_out_at)
    if mine is None:
        return False
    for other in ctx.caregiver_visits:
        theirs = _interval(other.checked_in_at, other.checked_out_at)
        if theirs is None:
            continue
        if mine[0] == theirs[0] or (mine[0] < theirs[1] and theirs[0] < mine[1]):
            return True
    return False


def _too_fast(a: tuple[datetime, Position], b: tuple[datetime, Position], limit_kmh: float) -> bool:
    km = haversine_km(a[1].lat, a[1].lon, b[1].lat, b[1].lon)
    km = max(0.0, km - (a[1].accuracy_m + b[1].accuracy_m) / 1000.0)
    if km == 0.0:
        return False
    hours = abs((b[0] - a[0]).total_seconds()) / 3600.0
    return hours == 0.0 or km / hours > limit_kmh


def impossible_travel(ctx: VerificationContext) -> bool:
    timeline: list[tuple[datetime, int, Position]] = []  # (time, 1 if this visit's, position)
    for at, pos in ((ctx.checked_in_at, ctx.check_in), (ctx.checked_out_at, ctx.check_out)):
        if at is not None and pos is not None:
            timeline.append((at, 1, pos))
    if not timeline:
        return False
    for other in ctx.caregiver_visits:
        for at, pos in ((other.checked_in_at, other.check_in), (other.checked_out_at, other.check_out)):
            if at is not None and pos is not None:
                timeline.append((at, 0, pos))
    timeline.sort(key=lambda t: t[0])
    limit = ctx.policy.impossible_speed_kmh
    for (t1, mine1, p1), (t2, mine2, p2) in itertools.pairwise(timeline):
        if (mine1 or mine2) and _too_fast((t1, p1), (t2, p2), limit):
            return True
    return False


def person_inpatient(ctx: VerificationContext) -> bool:
    day = ctx.visit_day
    return any(stay.covers(day) for stay in ctx.stays())


def person_deceased(ctx: VerificationContext) -> bool:
    return ctx.date_of_death is not None and ctx.visit_day > ctx.date_of_death


def item_not_in_plan(ctx: VerificationContext) -> bool:
    return ctx.plan_items is not None and any(item not in ctx.plan_items for item in ctx.items)


def clinical_item_without_nurse(ctx: VerificationContext) -> bool:
    return ctx.caregiver_qualification != "nurse" and any(item in ctx.clinical_codes for item in ctx.items)


def presence_code_invalid(ctx: VerificationContext) -> bool:
    judged = [ctx.check_in_presence] if ctx.checked_in_at is not None else []
    if ctx.checked_out_at is not None:
        judged.append(ctx.check_out_presence)
    return presence.INVALID in judged


def presence_code_missing(ctx: VerificationContext) -> bool:
    if not ctx.policy.presence_code_required or ctx.checked_in_at is None:
        return False
    return ctx.check_in_presence == presence.NO_CODE or (
        ctx.checked_out_at is not None and ctx.check_out_presence == presence.NO_CODE
    )


def start_far_from_plan(ctx: VerificationContext) -> bool:
    if ctx.checked_in_at is None:
        return False
    return abs(ctx.checked_in_at - ctx.planned_start) > timedelta(minutes=ctx.policy.start_far_minutes)


def no_items_recorded(ctx: VerificationContext) -> bool:
    return ctx.checked_out_at is not None and not ctx.items


def caregiver_substituted(ctx: VerificationContext) -> bool:
    return ctx.planned_caregiver_id is not None and any(p != ctx.planned_caregiver_id for p in ctx.performers)


def caregiver_certificate_expired(ctx: VerificationContext) -> bool:
    if ctx.checked_in_at is None:
        return False
    performers = ctx.performers or ((ctx.planned_caregiver_id,) if ctx.planned_caregiver_id is not None else ())
    day = ctx.visit_day
    for caregiver in performers:
        expires_on = ctx.certificates_expire_on.get(caregiver)
        if expires_on is not None and expires_on < day:
            return True
    return False


def photo_missing(ctx: VerificationContext) -> bool:
    return ctx.policy.photo_required_at_check_in and ctx.checked_in_at is not None and not ctx.check_in_photo


def signature_missing(ctx: VerificationContext) -> bool:
    return ctx.policy.signature_required_at_check_out and ctx.checked_out_at is not None and not ctx.check_out_signature


ALL_RULES: tuple[Rule, ...] = (
    Rule("outside_geofence", "签到或签退位置不在服务对象住址的电子围栏内", outside_geofence),
    Rule("too_short", "服务时长不足计划时长的政策比例", too_short),
    Rule("caregiver_overlap", "同一护理人员的两次服务时间重叠", caregiver_overlap),
    Rule("impossible_travel", "相邻两次打卡之间的移动速度不可能达到", impossible_travel),
    Rule("person_inpatient", "服务当天服务对象在住院", person_inpatient),
    Rule("person_deceased", "服务日期在服务对象死亡之后", person_deceased),
    Rule("item_not_in_plan", "服务项目不在护理计划内", item_not_in_plan),
    Rule("clinical_item_without_nurse", "医疗护理项目须由护士提供", clinical_item_without_nurse),
    Rule("presence_code_invalid", "在场码与服务时间不符", presence_code_invalid),
    Rule("presence_code_missing", "政策要求在场码，但签到或签退未提供", presence_code_missing),
    Rule("start_far_from_plan", "签到时间与计划开始时间相差超过政策分钟数", start_far_from_plan),
    Rule("no_items_recorded", "签退时未记录任何服务项目", no_items_recorded),
    Rule("caregiver_substituted", "实际服务的护理人员不是计划的护理人员", caregiver_substituted),
    Rule("caregiver_certificate_expired", "服务当天护理人员的证书已过期", caregiver_certificate_expired),
    Rule("photo_missing", "政策要求签到照片，但签到未附照片", photo_missing),
    Rule("signature_missing", "政策要求家属签字，但签退未附签字", signature_missing),
)
RULES_BY_CODE: dict[str, Rule] = {r.code: r for r in ALL_RULES}


def verify(ctx: VerificationContext, rules: Sequence[Rule] = ALL_RULES) -> list[str]:
    """The codes of the rules the visit breaks, sorted."""
    return sorted({rule.code for rule in rules if rule.check(ctx)})


ALERTS: tuple[str, ...] = ("late", "missed", "missing_checkout")


def classify_alerts(
    planned_start: datetime,
    planned_end: datetime,
    checked_in_at: datetime | None,
    checked_out_at: datetime | None,
    now: datetime,
    policy: Policy,
) -> set[str]:
    """The sweep's alerts for a visit at ``now`` (see the module docstring)."""
    alerts: set[str] = set()
    late_after = planned_start + timedelta(minutes=policy.late_after_minutes)
    if checked_in_at is None:
        if now > planned_end + timedelta(minutes=policy.missed_after_end_minutes):
            alerts.add("missed")
        elif now > late_after:
            alerts.add("late")
        return alerts
    if checked_in_at > late_after:
        alerts.add("late")
    if checked_out_at is None and now > planned_end + timedelta(minutes=policy.missing_checkout_after_end_minutes):
        alerts.add("missing_checkout")
    return alerts
