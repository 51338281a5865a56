"""Monthly settlement against the fund (结算, DOMAIN §6): the arithmetic and the rules.

The service aggregates in SQL what happened in the month and hands the results here;
this module prices them, splits them between the fund and the person, and orders the
lines so that rebuilding a draft from the same inputs gives the same draft (and the same
:meth:`SettlementDraft.content_hash`). All money is integer fen, rounded only by
:func:`ltc.domain.money.share_fen` (half up to the fen).

Rules
-----
* **Policy per day.** ``policy_for(day)`` (e.g. ``PolicyBook.in_force``) gives the version
  in force on a day. A home visit is priced and capped by the version in force on its
  (local) visit day, a bed-day by the version in force on that day. A person's care in a
  month that spans two versions therefore gets one line per version, each saying which
  version (``policy_version``) and which visits or days it counts.
* **Home care, billable minutes.** The monthly cap is ``policy.home_hours(level) × 60``
  minutes. Versions are taken in the order they took effect; each bills
  ``min(its verified minutes, its own cap − minutes already billed this month)`` (never
  below 0): minutes billed under an earlier version stay billed, a later version's cap
  governs what can still be added. Billing is by the minute, not rounded to hours.
* **Home care, amount.** ``gross = share_fen(hourly_price_fen, Fraction(billable_minutes,
  60))`` — the hourly price × billable minutes ÷ 60, rounded once. The hourly price is the
  agreement's (``HomeCareInput.hourly_price_fen``), else the version's
  ``home_hourly_price_fen``. ``quantity`` is billable minutes; ``unit_price_fen`` is per hour.
* **Institutional care.** ``gross = bed-days × min(agreed daily price,
  policy.bed_day_cap_fen(level))`` — exact, no rounding. Leave days are not bed-days; they
  are only listed on the line (``leave_days``).
* **Shares.** ``split(gross, policy.fund_share_home | fund_share_institutional)``: the fund's
  share is rounded, the person pays the rest, so ``fund + personal == gross`` on every line.
* **Visits summed by the caller.** A :class:`VisitGroup` stands for counted visits already
  summed (in SQL): their ids in (day, id) order, their first and last day, their minutes. Its
  days must lie under one policy version (``policy_for`` gives versions over runs of
  consecutive days, as ``PolicyBook.in_force`` does, so the first and last day decide), and it
  must be the only thing a person has under that version; its line is the one the visits
  given one by one would make.
* **Excluded visits** (with unresolved exceptions) are not billed; they are listed in
  ``excluded_visit_ids`` on the person's first home line (a zero line if nothing counts).
* **Adjustments** correct earlier, approved months (an approved settlement never changes):
  each is its own line of kind ``adjustment`` naming the corrected period and the reason.
  ``amount_fen`` is the change to the gross amount; ``fund_fen`` its fund part (default:
  all of it); the person's part is the rest.
* **Corrections** (:func:`check_correction`): a month is corrected once it has ended and its
  settlement is approved or paid, for a person of the provider that month; afterwards the
  person's month stays within ``[0, month_ceiling]`` (gross and fund; the fund never above the
  gross). An adjustment line names its correction (``correction_id``); the approval of the
  settlement carrying it applies it, once (the database enforces it, migration 0010).
* **Periods.** A month is built from its first day (while it runs, as a preview), never
  before (``period_in_future``); it is submitted and approved only after its last day
  (``period_not_ended``).
* **Evaluation deduction.** When the settlement says the annual evaluation applies
  (``deduction`` given) and its score is below the ``evaluation_pass_score`` of the version
  in force on the period's last day, a ``deduction`` line takes
  ``share_fen(fund of this month's home and institutional lines, evaluation_deduction_share)``
  off the fund's payment (a negative fund amount; the person's share is unchanged;
  adjustments are not deducted again).
* **Nettings** (:class:`Netting`): a recovery or penalty imposed on an inspection case is a
  ``recovery`` line of −amount (fund and gross; the person's share is unchanged) naming its
  outcome; the approval carrying it settles the provider's receivable, once.
* **Held persons**: a person whose direct settlement an inspection suspended has no home or
  institutional line; a zero ``held`` line names them with the reason, until the hold is lifted.
* **Travel allowance** (``travel``): per person and policy version, the counted home visits
  (verified, no unresolved exception, whether or not the monthly cap bills their minutes) on
  days whose version gives the person's town a ``travel_allowance_fen``: quantity the visits,
  unit ``visit``, unit price the allowance, naming the visits it counts (each also on its home
  line); the fund pays all of it.
* **Family-care allowance** (``family_care``): one line a month per person, unit ``month``,
  unit price ``policy.family_care_allowance_fen(level)`` of the version in force on the month's
  last day, pro-rated by the days of the benefit within the month (``share_fen(price,
  days / month's days)``, rounded once); the fund pays all of it. Held (a zero line whose note
  is the reason code, ``ltc.domain.remote_benefits.payment_hold``) when the month's check is
  missing and the policy asks for one, or the check found the person died, moved or the care
  lacking, or ``no_conclusion`` when no conclusion valid on its days gives the level. A person's
  allowances in the month (one ended, another begun) make one line, their days counted together;
  a person with home or institutional lines that month has none. The quality reserve and the evaluation deduction are not taken from it.
* **Relief** (一站式, :mod:`ltc.domain.relief`): the home and institutional lines of a person
  enrolled in a hardship group on the month's last day carry ``relief_fen``, the relief
  fund's part of their personal share, by the version in force that day; an adjustment by the
  corrected month's. The settlement's ``relief_fen`` is the lines' sum.
* **Order.** Home lines by person then version's effective date, then institutional lines
  likewise, then travel lines likewise, then family-care lines by person, then adjustments by (period, person, amount, reason), then the deduction, then
  nettings by outcome.

Workflow (:func:`transition`): draft → submitted → approved | rejected; rejected → draft
(rebuilt) or submitted again; approved → paid. Submit: agency or bureau; approve, reject,
pay: bureau; a rejection needs a reason. Approved and paid settlements never change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache
from itertools import chain
from typing import Any

import msgspec

from ltc.domain import evaluation, ledger, relief, remote_benefits
from ltc.domain.access import Action, roles_allowed
from ltc.domain.errors import Conflict, Forbidden, InvalidInput
from ltc.domain.money import Rate, check_fen, format_yuan, share_fen, split
from ltc.domain.periods import Period
from ltc.domain.policy import Policy

HOME = "home"
INSTITUTIONAL = "institutional"
ADJUSTMENT = "adjustment"
DEDUCTION = "deduction"
# Lines that net against the care paid for what the provider owes the fund or what the fund
# keeps back: each settles a ledger account of its own when the settlement is approved.
RECOVERY = "recovery"  # 追回 and 违约金: the provider's receivable
ADVANCE_NETTING = "advance"  # 预拨: an advance paid earlier, now counted as paid
RESERVE = "reserve"  # 质量保证金: withheld until the year's final account
OFFSET_ACCOUNTS: dict[str, Callable[[int], str]] = {
    RECOVERY: ledger.receivable,
    ADVANCE_NETTING: ledger.advance,
    RESERVE: ledger.reserve,
}
LINE_KINDS: tuple[str, ...] = (HOME, INSTITUTIONAL, ADJUSTMENT, DEDUCTION, RECOVERY, ADVANCE_NETTING, RESERVE)
# A person whose direct settlement an inspection suspended: their care is held out of the
# settlement (a zero line says so, with the reason) until the hold is lifted.
HELD = "held"
LINE_KINDS = (*LINE_KINDS, HELD)
# Remote villages (DOMAIN §9): the travel allowance per verified home visit to a person whose
# town pays one, and the monthly family-care allowance settled by the supervising provider.
TRAVEL = "travel"
FAMILY_CARE = "family_care"
LINE_KINDS = (*LINE_KINDS, TRAVEL, FAMILY_CARE)

PolicyFor = Callable[[date], Policy]
PER_MINUTE = Fraction(1, 60)  # of an hourly price


# ---------------------------------------------------------------------------- inputs

# The inputs and outputs are immutable msgspec Structs, not frozen dataclasses: a month builds
# one of each per person (tens of thousands), and a Struct is made several times faster. They
# hold only values, never themselves, so the cycle collector need not track them (gc=False).


class CountedVisit(msgspec.Struct, frozen=True, gc=False):
    """A home visit that counts: verified, no unresolved exception."""

    visit_id: int
    day: date  # the local visit day (picks the policy version)
    minutes: int  # its actual, verified duration


class VisitGroup(msgspec.Struct, frozen=True, gc=False):
    """Counted visits the caller has already summed, all on days under one policy version."""

    visit_ids: tuple[int, ...]  # in (day, id) order
    first_day: date  # the earliest of their local visit days
    last_day: date  # the latest
    minutes: int  # the sum of their verified durations


class HomeCareInput(msgspec.Struct, frozen=True, gc=False):
    person_id: int
    level: int
    visits: tuple[CountedVisit, ...] = ()
    excluded_visit_ids: tuple[int, ...] = ()
    hourly_price_fen: int | None = None  # the agreement's price; None → each version's default
    groups: tuple[VisitGroup, ...] = ()  # visits summed by the caller, beside ``visits``

    @property
    def verified_minutes(self) -> int:
        return sum(v.minutes for v in self.visits) + sum(g.minutes for g in self.groups)


class InstitutionalCareInput(msgspec.Struct, frozen=True, gc=False):
    person_id: int
    level: int
    agreed_daily_price_fen: int
    days: tuple[date, ...]  # bed-days in the month; leave days already left out
    leave_days: tuple[date, ...] = ()  # only listed on the line
    excluded_days: tuple[date, ...] = ()  # held back by a bed-day check; only named in the note


class FamilyCareInput(msgspec.Struct, frozen=True, gc=False):
    """A family-care allowance running in the month, and the finding of the month's check."""

    person_id: int
    level: int
    from_day: date
    to_day: date | None = None  # its last day; None: open
    finding: str | None = None  # the month's check (None: no check on record)
    valid_until: date | None = None  # the last day of the conclusion giving ``level`` (level 0: none)


class Adjustment(msgspec.Struct, frozen=True, gc=False):
    """A correction to an earlier, approved month."""

    period: Period
    person_id: int | None
    amount_fen: int  # change to the gross amount (negative: money back to the fund)
    reason: str
    fund_fen: int | None = None  # the fund's part of it; None → all of it
    correction_id: int | None = None  # the recorded correction this carries


class Netting(msgspec.Struct, frozen=True, gc=False):
    """What a provider owes the fund from an inspection (a recovery 追回 or a penalty 违约金),
    netted once against a later settlement."""

    outcome_id: int
    amount_fen: int  # owed: positive
    note: str


class EvaluationDeduction(msgspec.Struct, frozen=True, gc=False):
    """The provider's annual evaluation, given only when it applies to this settlement."""

    year: int
    score: int


# ---------------------------------------------------------------------------- output


class SettlementLine(msgspec.Struct, frozen=True, gc=False):
    kind: str  # home | institutional | adjustment | deduction
    person_id: int | None
    level: int | None
    quantity: int  # home: billable minutes; institutional: bed-days; deduction: the score; else 0
    unit: str  # "minute" | "day" | "score" | ""
    unit_price_fen: int | None  # home: per hour; institutional: per day after the cap
    gross_fen: int
    fund_fen: int
    personal_fen: int
    visit_ids: tuple[int, ...] = ()
    excluded_visit_ids: tuple[int, ...] = ()
    days: tuple[date, ...] = ()
    leave_days: tuple[date, ...] = ()
    verified_minutes: int = 0  # home: minutes of the counted visits before the cap
    policy_version: str = ""
    adjusts_period: str | None = None  # adjustment: the corrected month
    note: str = ""
    correction_id: int | None = None  # adjustment: the correction it carries (applied by this approval)
    outcome_id: int | None = None  # recovery: the inspection outcome it nets (applied by this approval)
    relief_fen: int = 0  # the relief fund's part of personal_fen (一站式, ``ltc.domain.relief``)

    def __post_init__(self) -> None:
        if self.kind not in LINE_KINDS:
            raise InvalidInput(f"unknown line kind {self.kind}", code="invalid_line")
        check_fen(self.quantity, "quantity")
        check_fen(self.gross_fen, "gross_fen")
        check_fen(self.fund_fen, "fund_fen")
        check_fen(self.personal_fen, "personal_fen")
        check_fen(self.verified_minutes, "verified_minutes")
        if self.fund_fen + self.personal_fen != self.gross_fen:
            raise InvalidInput("fund and personal shares must add up to the gross amount", code="invalid_line")
        if self.relief_fen:
            relief.check_relief(self.personal_fen, check_fen(self.relief_fen, "relief_fen"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "person_id": self.person_id,
            "level": self.level,
            "quantity": self.quantity,
            "unit": self.unit,
            "unit_price_fen": self.unit_price_fen,
            "gross_fen": self.gross_fen,
            "fund_fen": self.fund_fen,
            "personal_fen": self.personal_fen,
            "visit_ids": list(self.visit_ids),
            "excluded_visit_ids": list(self.excluded_visit_ids),
            "days": [d.isoformat() for d in self.days],
            "leave_days": [d.isoformat() for d in self.leave_days],
            "verified_minutes": self.verified_minutes,
            "policy_version": self.policy_version,
            "adjusts_period": self.adjusts_period,
            "note": self.note,
            "correction_id": self.correction_id,
            "outcome_id": self.outcome_id,
            "relief_fen": self.relief_fen,
        }


class SettlementDraft(msgspec.Struct, frozen=True, gc=False):
    provider_id: int
    period: Period
    lines: tuple[SettlementLine, ...]
    gross_fen: int = 0
    fund_fen: int = 0
    personal_fen: int = 0
    relief_fen: int = 0  # of personal_fen, paid by the relief fund

    def __post_init__(self) -> None:
        totals = (
            sum(x.gross_fen for x in self.lines),
            sum(x.fund_fen for x in self.lines),
            sum(x.personal_fen for x in self.lines),
            sum(x.relief_fen for x in self.lines),
        )
        if (self.gross_fen, self.fund_fen, self.personal_fen, self.relief_fen) != totals:
            raise InvalidInput("settlement totals must be the sums of its lines", code="invalid_totals")

    @classmethod
    def of(cls, provider_id: int, period: Period, lines: Iterable[SettlementLine]) -> SettlementDraft:
        lines = tuple(lines)
        return cls(
            provider_id=provider_id,
            period=period,
            lines=lines,
            gross_fen=sum(x.gross_fen for x in lines),
            fund_fen=sum(x.fund_fen for x in lines),
            personal_fen=sum(x.personal_fen for x in lines),
            relief_fen=sum(x.relief_fen for x in lines),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider_id": self.provider_id,
            "period": str(self.period),
            "gross_fen": self.gross_fen,
            "fund_fen": self.fund_fen,
            "personal_fen": self.personal_fen,
            "relief_fen": self.relief_fen,
            "lines": [x.to_dict() for x in self.lines],
        }

    def _canonical_bytes(self) -> bytes:
        """:meth:`to_dict` as JSON, keys sorted, no spaces, UTF-8 (see ``_CANONICAL``)."""
        return _CANONICAL.encode(
            {
                "provider_id": self.provider_id,
                "period": str(self.period),
                "gross_fen": self.gross_fen,
                "fund_fen": self.fund_fen,
                "personal_fen": self.personal_fen,
                "relief_fen": self.relief_fen,
                "lines": self.lines,
            }
        )

    def canonical_json(self) -> str:
        """``to_dict()`` as JSON with sorted keys and no spaces: what the content hash is of."""
        return self._canonical_bytes().decode("utf-8")

    def content_hash(self) -> str:
        """sha256 (hex) of the canonical JSON: equal drafts, equal hashes."""
        return hashlib.sha256(self._canonical_bytes()).hexdigest()

    def content_hash_and_visit_ids(self) -> tuple[str, list[str]]:
        """The content hash, and each line's visit ids as the canonical JSON writes them (a
        JSON array): read off that text, so the many ids are encoded once for both."""
        data = self._canonical_bytes()
        # "visit_ids" is a line's last key, and the only key ending in a quote right after
        # "visit_ids" (a string value has its quotes escaped): one piece per line follows.
        pieces = data.split(b'"visit_ids":')[1:]
        if len(pieces) != len(self.lines):
            raise AssertionError("the canonical JSON must name each line's visit ids once")
        visit_ids = [piece[: piece.index(b"]") + 1].decode("ascii") for piece in pieces]
        return hashlib.sha256(data).hexdigest(), visit_ids


# The canonical JSON is ``json.dumps(to_dict(), sort_keys=True, separators=(",", ":"),
# ensure_ascii=False)`` (tested so), written by msgspec several times faster: a line's
# fields are its ``to_dict`` keys, written sorted; its days (dates) as ISO dates.
_CANONICAL = msgspec.json.Encoder(order="sorted")


# ---------------------------------------------------------------------------- building


def _group_by_policy(days: Iterable[tuple[date, Any]], policy_for: PolicyFor) -> list[tuple[Policy, list[Any]]]:
    """Items grouped by the policy version in force on their day, versions in effective order."""
    groups: dict[tuple[date, str], tuple[Policy, list[Any]]] = {}
    for day, item in days:
        policy = policy_for(day)
        groups.setdefault((policy.effective_from, policy.version), (policy, []))[1].append(item)
    return [groups[key] for key in sorted(groups)]


def _check_day(day: date, period: Period, what: str, ident: object = None) -> None:
    if not isinstance(day, date) or not period.contains(day):
        name = what if ident is None else f"{what} {ident}"
        raise InvalidInput(f"{name} {day} is not in {period}", code="day_outside_period")


def _check_unique_persons(inputs: Sequence[Any], kind: str) -> None:
    seen: set[Hashable] = set()
    for item in inputs:
        if item.person_id in seen:
            raise InvalidInput(f"person {item.person_id} has two {kind} inputs", code="duplicate_person")
        seen.add(item.person_id)


def _check_group(group: VisitGroup, person_id: int, period: Period, policy_for: PolicyFor) -> Policy:
    """The policy version the group's days lie under (refused unless it is one)."""
    if not group.visit_ids:
        raise InvalidInput(f"a visit group of person {person_id} counts no visit", code="invalid_group")
    _check_day(group.first_day, period, "visit", group.visit_ids[0])
    _check_day(group.last_day, period, "visit", group.visit_ids[-1])
    if group.last_day < group.first_day:
        raise InvalidInput(f"a visit group of person {person_id} ends before it starts", code="invalid_group")
    check_fen(group.minutes, "minutes")
    if group.minutes < 0:
        raise InvalidInput(f"a visit group of person {person_id} has negative minutes", code="invalid_minutes")
    first, last = policy_for(group.first_day), policy_for(group.last_day)
    if (first.effective_from, first.version) != (last.effective_from, last.version):
        raise InvalidInput(
            f"a visit group of person {person_id} spans policy versions {first.version} and {last.version}",
            code="group_spans_versions",
        )
    return first


def _memo(policy_for: PolicyFor) -> PolicyFor:
    """``policy_for`` asked once a day (a build asks for the same few days many times)."""
    known: dict[date, Policy] = {}

    def cached(day: date) -> Policy:
        policy = known.get(day)
        if policy is None:
            policy = known[day] = policy_for(day)
        return policy

    return cached


@lru_cache(maxsize=65536, typed=True)  # many persons of a month bill the same minutes at the same price
def _home_amounts(hourly_price_fen: int, billable_minutes: int, fund_share: Rate) -> tuple[int, int, int]:
    """``(gross, fund, personal)`` of billable minutes at an hourly price."""
    gross = share_fen(hourly_price_fen * billable_minutes, PER_MINUTE)  # price × minutes ÷ 60, rounded once
    fund, personal = split(gross, fund_share)
    return gross, fund, personal


def home_lines(item: HomeCareInput, period: Period, policy_for: PolicyFor) -> list[SettlementLine]:
    """One person's home care in the month: a line per policy version (see module doc)."""
    if item.hourly_price_fen is not None:
        check_fen(item.hourly_price_fen, "hourly_price_fen")
        if item.hourly_price_fen < 0:
            raise InvalidInput("an hourly price cannot be negative", code="invalid_price")
    for visit in item.visits:
        _check_day(visit.day, period, "visit", visit.visit_id)
        check_fen(visit.minutes, "minutes")
        if visit.minutes < 0:
            raise InvalidInput(f"visit {visit.visit_id} has negative minutes", code="invalid_minutes")
    versions: list[tuple[Policy, list[CountedVisit], list[VisitGroup]]]
    if not item.visits and len(item.groups) == 1:  # the usual month: one group, one version
        group = item.groups[0]
        versions = [(_check_group(group, item.person_id, period, policy_for), [], [group])]
    else:
        by_version: dict[tuple[date, str], tuple[Policy, list[CountedVisit], list[VisitGroup]]] = {}
        for visit in sorted(item.visits, key=lambda v: (v.day, v.visit_id)):
            policy = policy_for(visit.day)
            by_version.setdefault((policy.effective_from, policy.version), (policy, [], []))[1].append(visit)
        for group in item.groups:
            policy = _check_group(group, item.person_id, period, policy_for)
            by_version.setdefault((policy.effective_from, policy.version), (policy, [], []))[2].append(group)
        versions = [by_version[key] for key in sorted(by_version)]
    if not versions:
        if not item.excluded_visit_ids:
            return []
        versions = [(policy_for(period.first_day), [], [])]
    lines: list[SettlementLine] = []
    billed = 0
    for index, (policy, visits, summed) in enumerate(versions):
        if summed and (visits or len(summed) > 1):
            raise InvalidInput(
                f"person {item.person_id} has a visit group and other visits under policy {policy.version}",
                code="group_not_alone",
            )
        if summed:
            visit_ids, verified = summed[0].visit_ids, summed[0].minutes
        else:
            visit_ids, verified = tuple(v.visit_id for v in visits), sum(v.minutes for v in visits)
        cap = policy.home_hours(item.level) * 60
        billable = max(0, min(verified, cap - billed))
        billed += billable
        price = item.hourly_price_fen if item.hourly_price_fen is not None else policy.home_hourly_price_fen
        gross, fund, personal = _home_amounts(price, billable, policy.fund_share_home)
        excluded = tuple(sorted(item.excluded_visit_ids)) if index == 0 else ()
        note = f"{billable} of {verified} verified minutes billed (cap {cap} min/month) at {format_yuan(price)}/h"
        if excluded:
            note += f"; {len(excluded)} visit(s) excluded pending exceptions"
        lines.append(
            SettlementLine(
                kind=HOME,
                person_id=item.person_id,
                level=item.level,
                quantity=billable,
                unit="minute",
                unit_price_fen=price,
                gross_fen=gross,
                fund_fen=fund,
                personal_fen=personal,
                visit_ids=visit_ids,
                excluded_visit_ids=excluded,
                verified_minutes=verified,
                policy_version=policy.version,
                note=note,
            )
        )
    return lines


def institutional_lines(item: InstitutionalCareInput, period: Period, policy_for: PolicyFor) -> list[SettlementLine]:
    """One person's bed-days in the month: a line per policy version (see module doc)."""
    check_fen(item.agreed_daily_price_fen, "agreed_daily_price_fen")
    if item.agreed_daily_price_fen < 0:
        raise InvalidInput("a daily price cannot be negative", code="invalid_price")
    days = sorted(item.days)
    leave = tuple(sorted(set(item.leave_days)))
    for day in days:
        _check_day(day, period, "bed-day")
    for day in leave:
        _check_day(day, period, "leave day")
    if len(set(days)) != len(days):
        raise InvalidInput(f"person {item.person_id} has a bed-day twice", code="duplicate_day")
    if set(days) & set(leave):
        raise InvalidInput(f"person {item.person_id} has a day both in care and on leave", code="leave_day_billed")
    if set(days) & set(item.excluded_days):
        raise InvalidInput(f"person {item.person_id} has a held-back day billed", code="held_day_billed")
    groups = _group_by_policy(((d, d) for d in days), policy_for)
    if not groups:
        if not leave and not item.excluded_days:
            return []
        groups = [(policy_for(period.first_day), [])]
    lines: list[SettlementLine] = []
    for index, (policy, group_days) in enumerate(groups):
        cap = policy.bed_day_cap_fen(item.level)
        unit_price = min(item.agreed_daily_price_fen, cap)
        gross = len(group_days) * unit_price
        fund, personal = split(gross, policy.fund_share_institutional)
        capped = " (capped)" if unit_price < item.agreed_daily_price_fen else ""
        note = (
            f"{len(group_days)} bed-days at {format_yuan(unit_price)}/day{capped}; agreed "
            f"{format_yuan(item.agreed_daily_price_fen)}, cap {format_yuan(cap)}"
        )
        line_leave = leave if index == 0 else ()
        if line_leave:
            note += f"; {len(line_leave)} leave day(s) not counted"
        if index == 0 and item.excluded_days:
            held = ", ".join(d.isoformat() for d in item.excluded_days)
            note += f"; {len(item.excluded_days)} bed-day(s) held back by a hospital stay or death check: {held}"
        lines.append(
            SettlementLine(
                kind=INSTITUTIONAL,
                person_id=item.person_id,
                level=item.level,
                quantity=len(group_days),
                unit="day",
                unit_price_fen=unit_price,
                gross_fen=gross,
                fund_fen=fund,
                personal_fen=personal,
                days=tuple(group_days),
                leave_days=line_leave,
                policy_version=policy.version,
                note=note,
            )
        )
    return lines


def adjustment_line(adjustment: Adjustment, period: Period) -> SettlementLine:
    check_fen(adjustment.amount_fen, "amount_fen")
    if not adjustment.reason.strip():
        raise InvalidInput("an adjustment needs a reason", code="reason_required", errors=[{"field": "reason"}])
    if not adjustment.period < period:
        raise InvalidInput(
            f"an adjustment in {period} can only correct an earlier month, not {adjustment.period}",
            code="adjustment_not_earlier",
        )
    fund = adjustment.amount_fen if adjustment.fund_fen is None else check_fen(adjustment.fund_fen, "fund_fen")
    return SettlementLine(
        kind=ADJUSTMENT,
        person_id=adjustment.person_id,
        level=None,
        quantity=0,
        unit="",
        unit_price_fen=None,
        gross_fen=adjustment.amount_fen,
        fund_fen=fund,
        personal_fen=adjustment.amount_fen - fund,
        adjusts_period=str(adjustment.period),
        note=adjustment.reason.strip(),
        correction_id=adjustment.correction_id,
    )


def travel_lines(
    item: HomeCareInput, town_code: str | None, period: Period, policy_for: PolicyFor
) -> list[SettlementLine]:
    """The travel allowance of one person's counted visits in the month: a line per version
    whose rules for the person's town pay one (see module doc)."""
    counted: dict[tuple[date, str], tuple[Policy, list[int]]] = {}
    for visit in item.visits:
        policy = policy_for(visit.day)
        counted.setdefault((policy.effective_from, policy.version), (policy, []))[1].append(visit.visit_id)
    for group in item.groups:
        policy = _check_group(group, item.person_id, period, policy_for)
        counted.setdefault((policy.effective_from, policy.version), (policy, []))[1].extend(group.visit_ids)
    lines = []
    for key in sorted(counted):
        policy, visit_ids = counted[key]
        allowance = policy.town(town_code).travel_allowance_fen
        if allowance <= 0 or not visit_ids:
            continue
        gross = allowance * len(visit_ids)
        lines.append(
            SettlementLine(
                kind=TRAVEL,
                person_id=item.person_id,
                level=item.level,
                quantity=len(visit_ids),
                unit="visit",
                unit_price_fen=allowance,
                gross_fen=gross,
                fund_fen=gross,
                personal_fen=0,
                policy_version=policy.version,
                note=f"{len(visit_ids)} visit(s) at {format_yuan(allowance)} travel allowance",
                visit_ids=tuple(sorted(visit_ids)),  # the visits it counts (also on their home line)
            )
        )
    return lines


def family_care_line(
    items: FamilyCareInput | Sequence[FamilyCareInput], period: Period, policy_for: PolicyFor
) -> SettlementLine | None:
    """The month's family-care allowance of one person, from all their allowances running in
    the month (a grant ended and another begun: their days counted together, pro-rated once),
    or held (see module doc); None when no allowance runs in the month."""
    items = [items] if isinstance(items, FamilyCareInput) else list(items)
    if len({x.person_id for x in items}) != 1:
        raise InvalidInput("a family-care line is one person's", code="invalid_line")
    running = set(chain.from_iterable(_benefit_days(x, period) for x in items))
    if not running:
        return None
    covered = {
        day
        for x in items
        if x.level
        for day in _benefit_days(x, period)
        if x.valid_until is None or day <= x.valid_until
    }
    policy = policy_for(period.last_day)
    level = max(x.level for x in items)
    monthly = policy.family_care_allowance_fen(level) if level else 0
    hold = remote_benefits.NO_CONCLUSION if not covered else remote_benefits.payment_hold(policy, _month_finding(items))
    days = len(covered)
    gross = 0 if hold else share_fen(monthly, Fraction(days, period.days()))
    return SettlementLine(
        kind=FAMILY_CARE,
        person_id=items[0].person_id,
        level=level or None,
        quantity=1,
        unit="month",
        unit_price_fen=monthly,
        gross_fen=gross,
        fund_fen=gross,
        personal_fen=0,
        verified_minutes=0,
        policy_version=policy.version,
        note=hold or f"{days} of {period.days()} days",
    )


def _benefit_days(item: FamilyCareInput, period: Period) -> list[date]:
    first = max(period.first_day, item.from_day)
    return [first + timedelta(days=n) for n in range(remote_benefits.days_in_month(period, item.from_day, item.to_day))]


def _month_finding(items: Sequence[FamilyCareInput]) -> str | None:
    """The month's finding over a person's allowances: a stopping one wins, then any check."""
    findings = [x.finding for x in items if x.finding is not None]
    stopping = [f for f in findings if f in remote_benefits.STOPPING_FINDINGS]
    chosen = stopping or findings
    return chosen[0] if chosen else None


def held_line(person_id: int, reason: str) -> SettlementLine:
    """A zero line: the person's care this month is held out of the settlement, and why."""
    return SettlementLine(
        kind=HELD,
        person_id=person_id,
        level=None,
        quantity=0,
        unit="",
        unit_price_fen=None,
        gross_fen=0,
        fund_fen=0,
        personal_fen=0,
        note=reason,
    )


def netting_line(netting: Netting) -> SettlementLine:
    """A negative line of kind ``recovery`` taking what is owed off the fund's payment."""
    if check_fen(netting.amount_fen, "amount_fen") <= 0:
        raise InvalidInput("a netting takes a positive amount", code="invalid_line")
    return SettlementLine(
        kind=RECOVERY,
        person_id=None,
        level=None,
        quantity=0,
        unit="",
        unit_price_fen=None,
        gross_fen=-netting.amount_fen,
        fund_fen=-netting.amount_fen,
        personal_fen=0,
        note=netting.note,
        outcome_id=netting.outcome_id,
    )


def deduction_line(deduction: EvaluationDeduction, care_fund_fen: int, policy: Policy) -> SettlementLine | None:
    """The evaluation deduction, or None when the score passes (or nothing is deducted)."""
    if deduction.score >= policy.evaluation_pass_score or not policy.evaluation_deduction_share:
        return None
    amount = -share_fen(care_fund_fen, policy.evaluation_deduction_share)
    return SettlementLine(
        kind=DEDUCTION,
        person_id=None,
        level=None,
        quantity=deduction.score,
        unit="score",
        unit_price_fen=None,
        gross_fen=amount,
        fund_fen=amount,
        personal_fen=0,
        policy_version=policy.version,
        note=(
            f"{deduction.year} annual evaluation {deduction.score} < {policy.evaluation_pass_score}: "
            f"{policy.evaluation_deduction_share * 100:f}% of the fund amount {format_yuan(care_fund_fen)} deducted"
        ),
    )


def reserve_line(care_fund_fen: int, policy: Policy) -> SettlementLine | None:
    """The quality reserve (质量保证金) withheld from the month's fund amount for care, or None
    when the policy withholds none; released by grade in the year's final account."""
    amount = evaluation.reserve_fen(policy, care_fund_fen)
    if not amount:
        return None
    return SettlementLine(
        kind=RESERVE,
        person_id=None,
        level=None,
        quantity=0,
        unit="",
        unit_price_fen=None,
        gross_fen=-amount,
        fund_fen=-amount,
        personal_fen=0,
        policy_version=policy.version,
        note=(
            f"quality reserve {policy.quality_reserve_share * 100:f}% of the fund amount "
            f"{format_yuan(care_fund_fen)} withheld until the year's final account"
        ),
    )


def with_relief(
    line: SettlementLine, month: Period, enrolments: Mapping[int, Sequence[relief.Enrolment]], policy_for: PolicyFor
) -> SettlementLine:
    """The line with the relief fund's part of its personal share, when its person is enrolled
    in a hardship group on ``month``'s last day (see the module doc)."""
    if line.person_id is None or not line.personal_fen or line.person_id not in enrolments:
        return line
    policy = policy_for(month.last_day)
    if relief.month_relief_group(enrolments[line.person_id], month.last_day, policy) is None:
        return line
    return msgspec.structs.replace(line, relief_fen=relief.relief_fen(line.personal_fen, policy.relief_share))


def build_settlement(
    provider_id: int,
    period: Period,
    home_inputs: Sequence[HomeCareInput],
    institutional_inputs: Sequence[InstitutionalCareInput],
    adjustments: Sequence[Adjustment] = (),
    deduction: EvaluationDeduction | None = None,
    *,
    policy_for: PolicyFor,
    nettings: Sequence[Netting] = (),
    held: Mapping[int, str] | None = None,
    towns: Mapping[int, str] | None = None,
    family_care: Sequence[FamilyCareInput] = (),
    enrolments: Mapping[int, Sequence[relief.Enrolment]] | None = None,
) -> SettlementDraft:
    """The provider's settlement for ``period`` from already aggregated inputs; the care of
    the persons ``held`` (person → reason) is left out, a zero ``held`` line each saying why.
    ``towns``: the town code of each person with home care (for the travel allowance);
    ``family_care``: the family-care allowances the provider settles; the persons' hardship
    ``enrolments`` (person → enrolments) relieve their personal share."""
    period = Period.parse(period)
    _check_unique_persons(home_inputs, HOME)
    _check_unique_persons(institutional_inputs, INSTITUTIONAL)
    towns = towns or {}
    named = [
        *chain.from_iterable(group.visit_ids for item in home_inputs for group in item.groups),
        *chain.from_iterable(item.excluded_visit_ids for item in home_inputs),
        *(v.visit_id for item in home_inputs for v in item.visits),
    ]
    if len(set(named)) != len(named):
        raise InvalidInput("a visit appears twice in the settlement", code="duplicate_visit")
    policy_for = _memo(policy_for)
    held = held or {}
    cared = {x.person_id for x in home_inputs} | {x.person_id for x in institutional_inputs}
    cared |= {x.person_id for x in family_care}
    held_here = sorted(cared & set(held))
    home_inputs = [x for x in home_inputs if x.person_id not in held]
    institutional_inputs = [x for x in institutional_inputs if x.person_id not in held]
    lines: list[SettlementLine] = []
    for home in sorted(home_inputs, key=lambda x: x.person_id):
        lines += home_lines(home, period, policy_for)
    for inst in sorted(institutional_inputs, key=lambda x: x.person_id):
        lines += institutional_lines(inst, period, policy_for)
    for home in sorted(home_inputs, key=lambda x: x.person_id):
        lines += travel_lines(home, towns.get(home.person_id), period, policy_for)
    care_fund = sum(x.fund_fen for x in lines)  # the allowance paid on to a family is not the provider's care
    # A person placed with home or institutional care this month has no allowance besides.
    in_care = {x.person_id for x in home_inputs} | {x.person_id for x in institutional_inputs}
    allowances: dict[int, list[FamilyCareInput]] = {}
    for allowance in family_care:
        if allowance.person_id not in held and allowance.person_id not in in_care:
            allowances.setdefault(allowance.person_id, []).append(allowance)
    for person in sorted(allowances):
        line = family_care_line(allowances[person], period, policy_for)
        if line is not None:
            lines.append(line)
    if enrolments:
        lines = [with_relief(line, period, enrolments, policy_for) for line in lines]
    lines += [held_line(person, held[person]) for person in held_here]
    adjustment_lines = [adjustment_line(a, period) for a in adjustments]
    if enrolments:
        adjustment_lines = [
            with_relief(line, Period.parse(line.adjusts_period or str(period)), enrolments, policy_for)
            for line in adjustment_lines
        ]
    lines += sorted(
        adjustment_lines,
        key=lambda x: (
            x.adjusts_period,
            x.person_id is None,
            x.person_id or 0,
            x.gross_fen,
            x.fund_fen,
            x.note,
            x.correction_id or 0,
        ),
    )
    if deduction is not None:
        line = deduction_line(deduction, care_fund, policy_for(period.last_day))
        if line is not None:
            lines.append(line)
    lines += [netting_line(n) for n in sorted(nettings, key=lambda n: n.outcome_id)]
    reserve = reserve_line(care_fund, policy_for(period.last_day))
    if reserve is not None:
        lines.append(reserve)
    return SettlementDraft.of(provider_id, period, lines)


def adjustments_between(approved: SettlementDraft, corrected: SettlementDraft, reason: str) -> list[Adjustment]:
    """The adjustments that turn an approved month into its corrected rebuild: per person
    (and the provider-wide deduction, person None), the change in gross and fund amounts of
    the month's own lines (home, institutional, deduction). To be added to a later month."""
    if (approved.provider_id, approved.period) != (corrected.provider_id, corrected.period):
        raise InvalidInput("both settlements must be of the same provider and period", code="settlement_mismatch")

    def totals(draft: SettlementDraft) -> dict[int | None, tuple[int, int]]:
        out: dict[int | None, tuple[int, int]] = {}
        for x in draft.lines:
            if x.kind in (
                HOME,
                INSTITUTIONAL,
                TRAVEL,
                FAMILY_CARE,
                DEDUCTION,
            ):  # nettings are settled once, never re-adjusted
                gross, fund = out.get(x.person_id, (0, 0))
                out[x.person_id] = (gross + x.gross_fen, fund + x.fund_fen)
        return out

    before, after = totals(approved), totals(corrected)
    keys = sorted(set(before) | set(after), key=lambda p: (p is None, p or 0))
    result = []
    for person in keys:
        (g0, f0), (g1, f1) = before.get(person, (0, 0)), after.get(person, (0, 0))
        if (g0, f0) != (g1, f1):
            result.append(
                Adjustment(
                    period=approved.period, person_id=person, amount_fen=g1 - g0, reason=reason, fund_fen=f1 - f0
                )
            )
    return result


# ---------------------------------------------------------------------------- periods and corrections


def month_ended(period: Period, today: date) -> bool:
    """Whether the month is over on ``today`` (both local, Asia/Shanghai for the city)."""
    return today > period.last_day


def check_buildable(period: Period, today: date) -> None:
    """A month can be built once it has begun (while it runs, as a preview); a future month
    cannot: InvalidInput ``period_in_future``."""
    if period.first_day > today:
        raise InvalidInput(f"{period} has not begun: it cannot be built yet", code="period_in_future")


def check_month_ended(period: Period, today: date, what: str) -> None:
    """Submitting, approving and correcting wait for the month's end: Conflict ``period_not_ended``."""
    if not month_ended(period, today):
        raise Conflict(f"{period} has not ended: cannot {what} it before it ends", code="period_not_ended")


class PersonMonth(msgspec.Struct, frozen=True, gc=False):
    """What a person's month with a provider was and could have been, for bounding corrections.

    ``paid_*``: the person's lines (home, institutional, travel, family care) in the approved settlement plus
    every correction already recorded for that person and month; ``home_levels`` and
    ``institutional_levels``: the levels of the person's care in the month; ``hourly_prices``
    and ``daily_prices``: the prices their care was (or would be) settled at (empty: the
    policy's hourly price; no daily price, no institutional care)."""

    paid_gross_fen: int
    paid_fund_fen: int
    home_levels: tuple[int, ...] = ()
    institutional_levels: tuple[int, ...] = ()
    hourly_prices: tuple[int, ...] = ()
    daily_prices: tuple[int, ...] = ()
    # The allowances the fund pays whole: the person's family-care allowances running in the
    # month, and the days of their done visits with the person's town (travel allowance).
    family_care: tuple[FamilyCareInput, ...] = ()
    visit_days: tuple[date, ...] = ()
    town_code: str | None = None


def allowance_ceiling(person: PersonMonth, period: Period, policy_for: PolicyFor) -> int:
    """The most the month's travel and family-care allowances could pay for the person: every
    done visit at its day's travel allowance, and the family-care allowance of the benefit's
    days as if the month's check had found all well (what a correction may pay once it has)."""
    travel = 0
    for day in person.visit_days:
        try:
            travel += policy_for(day).town(person.town_code).travel_allowance_fen
        except InvalidInput:  # a day no version governs pays nothing
            continue
    family = 0
    if person.family_care:
        checked = [msgspec.structs.replace(x, finding=remote_benefits.OK) for x in person.family_care]
        line = family_care_line(checked, period, policy_for)
        family = line.gross_fen if line is not None else 0
    return travel + family


def month_ceiling(person: PersonMonth, period: Period, policy_for: PolicyFor) -> tuple[int, int]:
    """``(gross, fund)``: the most the month could have paid for the person.

    Home care: the largest monthly cap in minutes of any version in force in the month (for
    any of the person's levels) at the highest hourly price, rounded once; institutional care:
    every day of the month at the highest daily price, capped per day by the largest bed-day
    cap. The fund's part: each at the highest fund share of those versions. A bound, never
    below what the pricing rules give for any facts of that month."""
    policies: dict[tuple[date, str], Policy] = {}
    for day in period.dates():
        try:
            policy = policy_for(day)
        except InvalidInput:  # a day no version governs pays nothing
            continue
        policies[(policy.effective_from, policy.version)] = policy
    home_gross = home_fund = inst_gross = inst_fund = 0
    for policy in policies.values():
        price = max(person.hourly_prices, default=policy.home_hourly_price_fen)
        minutes = max((policy.home_hours(level) * 60 for level in person.home_levels), default=0)
        gross = share_fen(price * minutes, PER_MINUTE)
        home_gross = max(home_gross, gross)
        home_fund = max(home_fund, share_fen(gross, policy.fund_share_home))
        per_day = max(
            (
                min(price, policy.bed_day_cap_fen(level))
                for price in person.daily_prices
                for level in person.institutional_levels
            ),
            default=0,
        )
        gross = per_day * period.days()
        inst_gross = max(inst_gross, gross)
        inst_fund = max(inst_fund, share_fen(gross, policy.fund_share_institutional))
    allowances = allowance_ceiling(person, period, policy_for)  # the fund pays them whole
    return home_gross + inst_gross + allowances, home_fund + inst_fund + allowances


def check_correction(person: PersonMonth, amount_fen: int, fund_fen: int | None, ceiling: tuple[int, int]) -> None:
    """A correction keeps the person's month within what it could have paid.

    After the correction (and every earlier one of the same person and month) the month's
    gross for the person stays within ``[0, ceiling gross]``, the fund's part within
    ``[0, ceiling fund]`` and never above the gross (the person's own part never negative):
    a negative correction cannot take back more than was paid, a positive one cannot pay
    more than the month's caps. The fund's part defaults to the whole amount, as on the
    adjustment line. Refusals (InvalidInput): ``correction_zero``,
    ``correction_exceeds_paid``, ``correction_exceeds_ceiling``, ``correction_fund_share``."""
    check_fen(amount_fen, "amount_fen")
    fund = amount_fen if fund_fen is None else check_fen(fund_fen, "fund_fen")
    if amount_fen == 0 and fund == 0:
        raise InvalidInput("a correction of nothing", code="correction_zero", errors=[{"field": "amount_fen"}])
    gross_after = person.paid_gross_fen + amount_fen
    fund_after = person.paid_fund_fen + fund
    ceiling_gross, ceiling_fund = ceiling
    if gross_after < 0 or fund_after < 0:
        raise InvalidInput(
            f"the correction takes back more than the month paid for the person "
            f"({format_yuan(person.paid_gross_fen)}, fund {format_yuan(person.paid_fund_fen)})",
            code="correction_exceeds_paid",
            errors=[{"field": "amount_fen"}],
        )
    if gross_after > ceiling_gross or fund_after > ceiling_fund:
        raise InvalidInput(
            f"the correction pays more than the month could have paid for the person "
            f"({format_yuan(ceiling_gross)}, fund {format_yuan(ceiling_fund)})",
            code="correction_exceeds_ceiling",
            errors=[{"field": "amount_fen"}],
        )
    if fund_after > gross_after:
        raise InvalidInput(
            "the fund's part would exceed the gross amount of the person's month",
            code="correction_fund_share",
            errors=[{"field": "fund_fen"}],
        )


# ---------------------------------------------------------------------------- workflow

DRAFT = "draft"
SUBMITTED = "submitted"
APPROVED = "approved"
REJECTED = "rejected"
PAID = "paid"
STATUSES = (DRAFT, SUBMITTED, APPROVED, REJECTED, PAID)
LOCKED_STATUSES = frozenset({APPROVED, PAID})  # never change again; corrections are adjustments

# action → (statuses it may start from, status it leads to, the act in the access table)
TRANSITIONS: dict[str, tuple[frozenset[str], str, Action]] = {
    "rebuild": (frozenset({DRAFT, REJECTED}), DRAFT, Action.REBUILD_SETTLEMENT),
    "submit": (frozenset({DRAFT, REJECTED}), SUBMITTED, Action.SUBMIT_SETTLEMENT),
    "approve": (frozenset({SUBMITTED}), APPROVED, Action.APPROVE_SETTLEMENT),
    "reject": (frozenset({SUBMITTED}), REJECTED, Action.REJECT_SETTLEMENT),
    "pay": (frozenset({APPROVED}), PAID, Action.PAY_SETTLEMENTS),
}
REASON_REQUIRED = frozenset({"reject"})
AFTER_MONTH_END = frozenset({"submit", "approve"})  # a running month's draft is only a preview


def transition(current_status: str, action: str, actor_role: str, *, reason: str = "") -> str:
    """The status after ``action``. Unknown action → InvalidInput ``unknown_action``; a role
    that may not → Forbidden ``role_not_allowed``; not from this status → Conflict
    ``invalid_transition``; a rejection without a reason → InvalidInput ``reason_required``."""
    if action not in TRANSITIONS:
        raise InvalidInput(f"unknown settlement action {action}", code="unknown_action")
    sources, target, act = TRANSITIONS[action]
    if str(actor_role) not in roles_allowed(act):
        raise Forbidden(f"role {actor_role} may not {action} a settlement", code="role_not_allowed")
    if current_status not in sources:
        raise Conflict(f"cannot {action} a settlement that is {current_status}", code="invalid_transition")
    if action in REASON_REQUIRED and not reason.strip():
        raise InvalidInput("a rejection needs a reason", code="reason_required", errors=[{"field": "reason"}])
    return target


def available_actions(current_status: str, actor_role: str, *, ended: bool = True) -> list[str]:
    """The workflow actions ``actor_role`` may take on a settlement in ``current_status``
    (``ended``: whether its month has ended): what a page offers as buttons, by the same
    table ``transition`` enforces."""
    return [
        action
        for action, (sources, _, act) in TRANSITIONS.items()
        if current_status in sources
        and str(actor_role) in roles_allowed(act)
        and (ended or action not in AFTER_MONTH_END)
    ]


def approval_offsets(provider_id: int, lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    """The ledger accounts an approval settles besides the payable, from the settlement's
    ``(kind, fund_fen)`` lines: a netting line of −x fen settles x fen of its account."""
    offsets: dict[str, int] = {}
    for kind, fund_fen in lines:
        account_of = OFFSET_ACCOUNTS.get(kind)
        if account_of is not None and fund_fen:
            account = account_of(provider_id)
            offsets[account] = offsets.get(account, 0) - fund_fen
    return {account: amount for account, amount in offsets.items() if amount}
