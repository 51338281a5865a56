"""Which remote benefits count when: the ones open on a day (a new grant may not overlap them)
and the ones running in a month, written once for every reader."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from piccolo.columns.combination import Combinable

from ltc.db.tables import Assignment, RemoteBenefit
from ltc.domain.periods import Period
from ltc.domain.remote_benefits import UNCOVERED_REASON


def open_on(day: date) -> Combinable:
    """Benefits not ended before ``day``: a grant from ``day`` would overlap them."""
    return RemoteBenefit.to_day.is_null() | (RemoteBenefit.to_day >= day)


def runs_in(period: Period) -> Combinable:
    """Benefits running on at least one day of the month."""
    return (RemoteBenefit.from_day <= period.last_day) & open_on(period.first_day)


async def unended_by_person(person_ids: Sequence[int] | None = None) -> dict[int, tuple[str, int | None]]:
    """Person → (kind, provider) of their remote benefit not ended: the bureau placed them
    (grouped visits with the visiting provider, the family-care allowance with none), so the
    rules and the optimiser leave them where they are until the benefit ends."""
    query = RemoteBenefit.select(RemoteBenefit.person, RemoteBenefit.kind, RemoteBenefit.provider).where(
        RemoteBenefit.to_day.is_null()
    )
    if person_ids is not None:
        if not person_ids:
            return {}
        query = query.where(RemoteBenefit.person.is_in(list(person_ids)))
    return {r["person"]: (r["kind"], r["provider"]) for r in await query}


async def uncovered_beneficiaries() -> Combinable:
    """The current assignments of the beneficiaries no designated provider reaches and whom no
    remote benefit serves yet: the one reading of "uncovered" for the towns' figures, the
    bureau's grant list and the siting of new providers."""
    where = (
        Assignment.current_key.is_not_null()
        & (Assignment.status == "unassigned")
        & (Assignment.reason == UNCOVERED_REASON)
    )
    served = sorted(await unended_by_person())
    return where & Assignment.person.not_in(served) if served else where
