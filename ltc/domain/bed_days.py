"""Bed-day checks (DOMAIN §8): an institution's census day against the person's hospital stays
and death. A day the census counts as a bed-day (present, admitted) is flagged

* ``bed_day_while_inpatient`` when a hospital stay covers it: from the admission day up to the
  day before discharge (the discharge day is back in the institution), or onwards while the
  stay is open;
* ``bed_day_after_death`` when it is after the person's death.

A flagged day is not settled until the agency explains it and the bureau accepts it (like a
visit exception); a refused one is never settled; a flag whose cause is gone (the day
corrected, the stay or death corrected) is withdrawn. A month whose settlement is approved or
paid keeps its census as it is (:func:`check_census_open`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ltc.domain.errors import Conflict, InvalidInput

BED_DAY_WHILE_INPATIENT = "bed_day_while_inpatient"
BED_DAY_AFTER_DEATH = "bed_day_after_death"
BED_DAY_FLAGS = (BED_DAY_WHILE_INPATIENT, BED_DAY_AFTER_DEATH)
BILLABLE_STATUSES = ("present", "admitted")  # the census statuses settled as bed-days

OPEN, EXPLAINED, RESOLVED, WITHDRAWN = "open", "explained", "resolved", "withdrawn"
FLAG_STATUSES = (OPEN, EXPLAINED, RESOLVED, WITHDRAWN)
ACCEPTED, REFUSED = "accepted", "refused"
RESOLUTIONS = (ACCEPTED, REFUSED)


@dataclass(frozen=True, slots=True)
class Stay:
    admitted_on: date
    discharged_on: date | None = None

    def covers(self, day: date) -> bool:
        return self.admitted_on <= day and (self.discharged_on is None or day < self.discharged_on)


def bed_day_flags(day: date, status: str, stays: Iterable[Stay], deceased_on: date | None) -> tuple[str, ...]:
    """The flags a census day earns (none for a day not counted as a bed-day)."""
    if status not in BILLABLE_STATUSES:
        return ()
    flags: list[str] = []
    if any(stay.covers(day) for stay in stays):
        flags.append(BED_DAY_WHILE_INPATIENT)
    if deceased_on is not None and day > deceased_on:
        flags.append(BED_DAY_AFTER_DEATH)
    return tuple(flags)


def day_is_settled(flag_states: Iterable[tuple[str, str]]) -> bool:
    """Whether a census day counts, from its flags' ``(status, resolution)``: each flag withdrawn
    or resolved as accepted (a day without flags counts)."""
    return all(
        status == WITHDRAWN or (status == RESOLVED and resolution == ACCEPTED) for status, resolution in flag_states
    )


def next_flag_status(current: str, step: str) -> str:
    """explain: an open or explained flag becomes explained (the agency may say more); resolve:
    an explained flag (or an open one, the bureau acting on its own checks) becomes resolved."""
    allowed = {"explain": (OPEN, EXPLAINED), "resolve": (OPEN, EXPLAINED)}
    if step not in allowed:
        raise InvalidInput(f"unknown step {step}", code="invalid_transition")
    if current not in allowed[step]:
        raise Conflict(f"a {current} flag cannot be {step}ed", code="invalid_transition")
    return EXPLAINED if step == "explain" else RESOLVED


def check_resolution(resolution: str) -> str:
    if resolution not in RESOLUTIONS:
        raise InvalidInput("accepted or refused", code="unknown_resolution", errors=[{"field": "resolution"}])
    return resolution


def check_census_open(settled: bool, month: str) -> None:
    """A month with an approved or paid settlement keeps its census."""
    if settled:
        raise Conflict(f"{month} 的结算已审核，在院登记不能再改", code="census_period_settled")
