"""The rules of an inspection case (稽核, DOMAIN §8): which outcomes may be taken on it now
(the sanctions ladder), what each needs, and the credit (信用) of providers and caregivers.

The ladder, from the mildest rung: interview (约谈) → rectify (限期整改: a deadline, the
agency's answer, a follow-up check) → suspend (暂停协议) → terminate (解除协议). A supervisor
may start on any rung (serious fraud is not first met with an interview), but:

* nothing is taken on a closed case (``inspection_closed``);
* one rectification at a time: another, and the case's closing, wait for the follow-up of
  the one under way (``rectification_pending``);
* a failed follow-up calls for the next rung (:func:`next_rung`): the rungs below it are no
  longer offered (``rung_passed``);
* suspend once, terminate once (``already_taken``);
* recover (追回) and penalty (违约金) need an amount; what is recovered on a case never
  exceeds what its findings found wrongly paid (``recovery_exceeds_findings``);
* refer names where (police or the discipline inspection commission); bar (黑名单) 1–5 years.

Credit: everyone starts from the policy's points; each event adds its (negative) points;
never below 0. The level is the first of the policy's levels whose least points are reached,
else ``LOWEST_LEVEL``. A bar lasts to the same day ``years`` later (29 February → 28th)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from ltc.domain.errors import Conflict, InvalidInput

OutcomeAction = Literal["interview", "rectify", "suspend", "terminate", "recover", "penalty", "refer", "bar"]
OUTCOME_ACTIONS: tuple[OutcomeAction, ...] = (
    "interview",
    "rectify",
    "suspend",
    "terminate",
    "recover",
    "penalty",
    "refer",
    "bar",
)
LADDER: tuple[OutcomeAction, ...] = ("interview", "rectify", "suspend", "terminate")
ONCE: frozenset[str] = frozenset({"suspend", "terminate"})
NETTED: frozenset[str] = frozenset({"recover", "penalty"})  # ledger entries, netted in a settlement
REFERRALS = ("police", "discipline")
BAR_YEARS = range(1, 6)
LOWEST_LEVEL = "D"

# The state of an outcome: a rectification awaits its follow-up, which passes or fails.
AWAITING, PASSED, FAILED, DONE = "awaiting", "passed", "failed", "done"


@dataclass(frozen=True, slots=True)
class OutcomeTaken:
    """An outcome already on the case, as the rules need it."""

    action: str
    status: str = DONE
    amount_fen: int | None = None


@dataclass(frozen=True, slots=True)
class OutcomeRequest:
    action: str
    deadline: date | None = None
    amount_fen: int | None = None
    referred_to: str = ""
    bar_years: int | None = None


def next_rung(taken: Iterable[OutcomeTaken]) -> str | None:
    """The rung a failed follow-up calls for: the one above the highest ladder rung taken,
    when the latest rectification failed; else None."""
    taken = list(taken)
    rectifications = [o for o in taken if o.action == "rectify"]
    if not rectifications or rectifications[-1].status != FAILED:
        return None
    highest = max(LADDER.index(o.action) for o in taken if o.action in LADDER)
    return LADDER[min(highest + 1, len(LADDER) - 1)]


def pending_rectification(taken: Iterable[OutcomeTaken]) -> bool:
    return any(o.action == "rectify" and o.status == AWAITING for o in taken)


def available_actions(case_open: bool, taken: Sequence[OutcomeTaken]) -> list[str]:
    """The outcomes that may be taken on the case now (what the case page offers)."""
    if not case_open:
        return []
    out: list[str] = []
    for action in OUTCOME_ACTIONS:
        try:
            _check_rung(action, taken)
        except (Conflict, InvalidInput):
            continue
        out.append(action)
    return out


def _check_rung(action: str, taken: Sequence[OutcomeTaken]) -> None:
    if action not in OUTCOME_ACTIONS:
        raise InvalidInput(f"unknown outcome {action!r}", code="invalid_outcome", errors=[{"field": "action"}])
    if action == "rectify" and pending_rectification(taken):
        raise Conflict("a rectification awaits its follow-up", code="rectification_pending")
    if action in ONCE and any(o.action == action for o in taken):
        raise Conflict(f"{action} was already taken on this case", code="already_taken")
    due = next_rung(taken)
    if due is not None and action in LADDER and LADDER.index(action) < LADDER.index(due):
        raise Conflict(f"a failed follow-up calls for {due}", code="rung_passed")


def check_outcome(
    request: OutcomeRequest, *, case_open: bool, taken: Sequence[OutcomeTaken], found_fen: int, today: date
) -> None:
    """Refuse an outcome the case cannot take now (see the module doc). ``found_fen``: what
    the case's findings found wrongly paid."""
    if not case_open:
        raise Conflict("the case is closed", code="inspection_closed")
    _check_rung(request.action, taken)
    if request.action == "rectify":
        if request.deadline is None:
            raise InvalidInput(
                "a rectification needs a deadline", code="deadline_required", errors=[{"field": "deadline"}]
            )
        if request.deadline <= today:
            raise InvalidInput(
                "the deadline must be after today", code="deadline_not_future", errors=[{"field": "deadline"}]
            )
    if request.action in NETTED:
        if request.amount_fen is None or request.amount_fen <= 0:
            raise InvalidInput("an amount is needed", code="amount_required", errors=[{"field": "amount_fen"}])
    if request.action == "recover":
        recovered = sum(o.amount_fen or 0 for o in taken if o.action == "recover")
        if recovered + (request.amount_fen or 0) > found_fen:
            raise InvalidInput(
                f"recoveries {recovered + (request.amount_fen or 0)} exceed the findings' {found_fen}",
                code="recovery_exceeds_findings",
                errors=[{"field": "amount_fen"}],
            )
    if request.action == "refer" and request.referred_to not in REFERRALS:
        raise InvalidInput("say where it is referred", code="referral_required", errors=[{"field": "referred_to"}])
    if request.action == "bar" and request.bar_years not in BAR_YEARS:
        raise InvalidInput("a bar lasts 1 to 5 years", code="bar_years_invalid", errors=[{"field": "bar_years"}])


def check_follow_up(taken: OutcomeTaken, *, case_open: bool) -> None:
    """Only an open case's rectification awaiting its follow-up is checked."""
    if not case_open:
        raise Conflict("the case is closed", code="inspection_closed")
    if taken.action != "rectify" or taken.status != AWAITING:
        raise Conflict("nothing awaits a follow-up here", code="no_follow_up_due")


def check_closing(case_open: bool, taken: Sequence[OutcomeTaken], summary: str) -> None:
    if not case_open:
        raise Conflict("the case is closed", code="inspection_closed")
    if not summary.strip():
        raise InvalidInput("a closing needs a summary", code="summary_required", errors=[{"field": "summary"}])
    if pending_rectification(taken):
        raise Conflict("a rectification awaits its follow-up", code="rectification_pending")


def overdue(deadline: date | None, status: str, today: date) -> bool:
    """A rectification still awaiting its follow-up after its deadline."""
    return status == AWAITING and deadline is not None and deadline < today


# ---------------------------------------------------------------------------- credit


def finding_points(category: str, table: Mapping[str, int]) -> int:
    """The credit points a finding of the category deducts (the policy's table)."""
    if category not in table:
        raise InvalidInput(
            f"unknown finding category {category!r}", code="invalid_category", errors=[{"field": "category"}]
        )
    return table[category]


def credit_points(start: int, changes: Iterable[int]) -> int:
    return max(0, start + sum(changes))


def credit_level(points: int, least_points: Mapping[str, int]) -> str:
    """The first level (highest least points first) whose least points are reached."""
    for level, least in sorted(least_points.items(), key=lambda item: -item[1]):
        if points >= least:
            return level
    return LOWEST_LEVEL


def bar_until(day: date, years: int) -> date:
    if years not in BAR_YEARS:
        raise InvalidInput("a bar lasts 1 to 5 years", code="bar_years_invalid", errors=[{"field": "bar_years"}])
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def barred(barred_until: Iterable[date | None], today: date) -> date | None:
    """The last day of the longest bar still running, or None."""
    running = [d for d in barred_until if d is not None and d >= today]
    return max(running) if running else None
