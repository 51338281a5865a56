"""What-if (测算): a draft policy version re-prices the settled months and projects the fund
under it, beside the policy in force. Pure: the service hands in what the settled lines
record and the counts of persons; nothing settled is ever changed.

What a draft may change (:data:`DRAFT_FIELDS`): the home care price an hour, the fund's shares
of home and institutional care, the home hours by level and the bed-day caps by level. The
levels the scheme covers are the levels with home hours or a bed-day cap: a draft that gives
hours to level 2 (中度失能) opens the scheme to it.

Re-pricing a settled line (:func:`reprice_line`), from what it records:

* **home**: ``min(verified minutes, the draft's hours for the level × 60)`` billable minutes
  at the line's hourly price — an agreement's price stays the agreement's, the policy's
  default price (the line's price equals the version's) becomes the draft's — split by the
  draft's home share, by :func:`ltc.domain.settlement._home_amounts`'s arithmetic.
* **institutional**: the bed-days × ``min(the line's daily price, the draft's cap)``, split by
  the draft's institutional share. The line records the price after the old cap, so a cap
  raised above it cannot be known to raise the price: the estimate never invents a higher
  agreed price.
* a level the draft does not cover pays nothing;
* every other line (adjustments, deductions, recoveries, advances, reserves) keeps its fund
  amount: it is money already decided, not care priced.

Newly covered levels (:func:`new_level_estimate`): persons holding a valid conclusion at a
level the policy in force does not cover, each assumed to use home care at the share of the
monthly cap that today's home recipients used in the same months (their verified minutes ÷
their caps), priced at the draft's hourly price and home share. A month's estimate is the
same for every month (the persons assessed now).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from ltc.domain import settlement as rules
from ltc.domain.errors import InvalidInput
from ltc.domain.money import check_fen, round_half_up, share_fen, split
from ltc.domain.policy import Policy

DRAFT_FIELDS = (
    "home_hourly_price_fen",
    "fund_share_home",
    "fund_share_institutional",
    "home_hours_by_level",
    "bed_day_cap_fen_by_level",
)
LEVELS = range(1, 6)  # the national scale's levels 1–5 (0 is not disabled)
MAX_HOURS = 744  # a month of hours
MAX_PRICE_FEN = 10_000_000


def _share(value: Any, name: str) -> Decimal:
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{name} is not a share", code="invalid_draft", errors=[{"field": name}]) from None
    if not Decimal(0) <= share <= Decimal(1):
        raise InvalidInput(f"{name} must be between 0 and 1", code="invalid_draft", errors=[{"field": name}])
    return share


def _by_level(value: Any, name: str, top: int) -> dict[int, int]:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{name} is a table by level", code="invalid_draft", errors=[{"field": name}])
    out: dict[int, int] = {}
    for level, amount in value.items():
        try:
            level_n, amount_n = int(level), int(amount)
        except (TypeError, ValueError):
            raise InvalidInput(f"{name} needs whole numbers", code="invalid_draft", errors=[{"field": name}]) from None
        if level_n not in LEVELS or not 0 <= amount_n <= top:
            raise InvalidInput(f"{name} is out of range", code="invalid_draft", errors=[{"field": name}])
        if amount_n:
            out[level_n] = amount_n
    return out


def draft_policy(in_force: Policy, changes: Mapping[str, Any], name: str = "what-if") -> Policy:
    """The policy in force with the draft's changes (checked; other fields stay as they are)."""
    unknown = sorted(set(changes) - set(DRAFT_FIELDS))
    if unknown:
        raise InvalidInput(f"a draft cannot change {', '.join(unknown)}", code="invalid_draft")
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "home_hourly_price_fen":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_PRICE_FEN:
                raise InvalidInput("the hourly price is out of range", code="invalid_draft", errors=[{"field": key}])
            values[key] = value
        elif key in ("fund_share_home", "fund_share_institutional"):
            values[key] = _share(value, key)
        elif key == "home_hours_by_level":
            values[key] = _by_level(value, key, MAX_HOURS)
        else:
            values[key] = _by_level(value, key, MAX_PRICE_FEN)
    return replace(in_force, version=name, **values)


def covered_levels(policy: Policy) -> set[int]:
    return set(policy.home_hours_by_level) | set(policy.bed_day_cap_fen_by_level)


@dataclass(frozen=True, slots=True)
class SettledLine:
    """What a settled (approved or paid) line records, as the re-pricing needs it."""

    period: str
    kind: str
    level: int | None
    quantity: int  # home: billable minutes; institutional: bed-days
    unit_price_fen: int | None  # home: per hour; institutional: per day after the cap
    verified_minutes: int
    fund_fen: int
    default_price: bool = False  # home: priced at the policy's default hourly price (no agreement)


def reprice_line(line: SettledLine, draft: Policy) -> int:
    """The line's fund amount under the draft (see the module doc)."""
    if line.kind == rules.HOME:
        if line.level is None or line.level not in draft.home_hours_by_level:
            return 0
        hourly = draft.home_hourly_price_fen if line.default_price or not line.unit_price_fen else line.unit_price_fen
        minutes = min(line.verified_minutes, draft.home_hours(line.level) * 60)
        gross = share_fen(hourly, Fraction(minutes, 60))
        return split(gross, draft.fund_share_home)[0]
    if line.kind == rules.INSTITUTIONAL:
        cap = draft.bed_day_cap_fen(line.level) if line.level is not None else 0
        if cap <= 0:
            return 0
        daily = min(line.unit_price_fen or cap, cap)
        return split(line.quantity * daily, draft.fund_share_institutional)[0]
    return line.fund_fen


def reprice_months(lines: Iterable[SettledLine], draft: Policy) -> dict[str, tuple[int, int]]:
    """``{period: (fund as settled, fund under the draft)}``."""
    out: dict[str, tuple[int, int]] = {}
    for line in lines:
        settled, drafted = out.get(line.period, (0, 0))
        out[line.period] = (settled + line.fund_fen, drafted + reprice_line(line, draft))
    return dict(sorted(out.items()))


def cap_use(lines: Iterable[SettledLine], policy_for_level: Policy) -> Fraction:
    """The share of their monthly cap today's home recipients used: verified minutes ÷ caps."""
    used = capped = 0
    for line in lines:
        if line.kind == rules.HOME and line.level is not None and policy_for_level.home_hours(line.level):
            used += min(line.verified_minutes, policy_for_level.home_hours(line.level) * 60)
            capped += policy_for_level.home_hours(line.level) * 60
    return Fraction(used, capped) if capped else Fraction(0)


def new_level_estimate(persons_by_level: Mapping[int, int], in_force: Policy, draft: Policy, use: Fraction) -> int:
    """A month's fund spend on persons at levels the draft covers and the policy in force
    does not: each uses ``use`` of the draft's monthly home hours for the level."""
    total = 0
    newly = covered_levels(draft) - covered_levels(in_force)
    for level, persons in sorted(persons_by_level.items()):
        if level not in newly or persons <= 0:
            continue
        amount = Fraction(draft.home_hourly_price_fen) * draft.home_hours(level) * use * persons
        total += split(check_fen(round_half_up(amount.numerator, amount.denominator)), draft.fund_share_home)[0]
    return total


def changed_fields(in_force: Policy, draft: Policy) -> list[str]:
    return [f for f in DRAFT_FIELDS if getattr(in_force, f) != getattr(draft, f)]
