"""Remote benefits (远郊模式, DOMAIN §9): what the bureau may grant a beneficiary no designated
provider reaches, and the monthly check (核查) of a family-care household by the town's agent.

Rules
-----
* **Grant.** Only to a beneficiary (a final, severe conclusion) whom no designated provider
  reaches (the assignment's reading ``no_provider_in_range``); only of a kind the policy offers
  where no provider reaches (``policy.remote_benefits``) AND in the person's town
  (``policy.benefits_in``); one open benefit per person. Both kinds name a designated provider:
  grouped visits the provider who visits, the family-care allowance the provider that registers
  and supervises the family caregiver (家属护理员) and settles the allowance each month.
* **Grouped visits** place the person with the visiting provider (assignment reason
  ``grouped_visits``), whose agency then plans their care as for anyone it takes; ending them
  places the person again by the rules.
* **End.** A benefit ends on a day not before it began; an ended benefit stays ended.
* **Check.** One a month per family-care benefit, a visit or a call, on a day of that month not
  after today and within the benefit's days.
* **Payment.** The month's allowance is held (not paid) when the policy asks for a check and the
  month has none, or the check found the person died, moved or the care lacking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.periods import Period
from ltc.domain.policy import FAMILY_CARE_ALLOWANCE, GROUPED_VISITS, Policy

KINDS = (FAMILY_CARE_ALLOWANCE, GROUPED_VISITS)
CHECK_KINDS = ("visit", "call")
OK = "ok"
NOT_AT_HOME = "not_at_home"
CARE_LACKING = "care_lacking"
DIED = "died"
MOVED = "moved"
FINDINGS = (OK, NOT_AT_HOME, CARE_LACKING, DIED, MOVED)
# Findings after which the month's allowance is not paid.
STOPPING_FINDINGS = frozenset({CARE_LACKING, DIED, MOVED})
CHECK_MISSING = "check_missing"  # the month's allowance held: no check on record
NO_CONCLUSION = "no_conclusion"  # held: no conclusion valid on the benefit's days gives a level
HOLDS = frozenset({CHECK_MISSING, NO_CONCLUSION, *STOPPING_FINDINGS})  # the reasons a month's allowance is held
UNCOVERED_REASON = "no_provider_in_range"


@dataclass(frozen=True, slots=True)
class GrantFacts:
    """What the service read about the person before a grant."""

    town_code: str | None
    beneficiary: bool  # a final conclusion of a severe level
    uncovered: bool  # the assignment finds no designated provider in range
    has_open_benefit: bool


def check_grant(policy: Policy, facts: GrantFacts, kind: str, provider_id: int | None) -> None:
    """Refuses a grant the rules do not allow (see the module's doc)."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown remote benefit {kind}", code="unknown_benefit", errors=[{"field": "kind"}])
    if not facts.beneficiary:
        raise Conflict("only a beneficiary gets a remote benefit", code="not_a_beneficiary")
    if not facts.uncovered:
        raise Conflict("a designated provider reaches this person", code="person_not_uncovered")
    if kind not in policy.remote_benefits or kind not in policy.benefits_in(facts.town_code):
        raise Conflict(
            f"{kind} is not offered in this person's town", code="benefit_not_offered", errors=[{"field": "kind"}]
        )
    if provider_id is None:
        raise InvalidInput(
            "a remote benefit names its provider", code="provider_required", errors=[{"field": "provider_id"}]
        )
    if facts.has_open_benefit:
        raise Conflict("the person already has an open remote benefit", code="remote_benefit_open")


def check_end(from_day: date, to_day: date | None, end_on: date) -> None:
    if to_day is not None:
        raise Conflict("the benefit has ended", code="remote_benefit_ended")
    if end_on < from_day:
        raise InvalidInput(
            "a benefit cannot end before it began", code="end_before_start", errors=[{"field": "to_day"}]
        )


def days_in_month(period: Period, from_day: date, to_day: date | None) -> int:
    """The days of the month the benefit runs (``to_day`` its last day, None: open)."""
    first = max(period.first_day, from_day)
    last = period.last_day if to_day is None else min(period.last_day, to_day)
    return max(0, (last - first).days + 1)


def check_record(period: Period, checked_on: date, today: date, from_day: date, to_day: date | None) -> None:
    """A month's check: on a day of that month, not after today, while the benefit runs."""
    if not period.contains(checked_on):
        raise InvalidInput(
            "the check's day is not in its month", code="check_outside_period", errors=[{"field": "checked_on"}]
        )
    if checked_on > today:
        raise InvalidInput("a check cannot be recorded ahead", code="check_in_future", errors=[{"field": "checked_on"}])
    if (
        not days_in_month(Period.parse(f"{checked_on:%Y-%m}"), from_day, to_day)
        or checked_on < from_day
        or (to_day is not None and checked_on > to_day)
    ):
        raise Conflict(
            "the benefit did not run on that day", code="benefit_not_running", errors=[{"field": "checked_on"}]
        )


def payment_hold(policy: Policy, finding: str | None) -> str | None:
    """Why the month's family-care allowance is held, or None when it is paid: the check's
    stopping finding, or ``check_missing`` when the policy asks for a check and there is none."""
    if finding in STOPPING_FINDINGS:
        return finding
    if finding is None and policy.family_care_check_required:
        return CHECK_MISSING
    return None
