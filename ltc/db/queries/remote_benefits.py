"""Which remote benefits count when: the ones open on a day (a new grant may not overlap them)
and the ones running in a month, written once for every reader."""

from __future__ import annotations

from datetime import date

from piccolo.columns.combination import Combinable

from ltc.db.tables import RemoteBenefit
from ltc.domain.periods import Period


def open_on(day: date) -> Combinable:
    """Benefits not ended before ``day``: a grant from ``day`` would overlap them."""
    return RemoteBenefit.to_day.is_null() | (RemoteBenefit.to_day >= day)


def runs_in(period: Period) -> Combinable:
    """Benefits running on at least one day of the month."""
    return (RemoteBenefit.from_day <= period.last_day) & open_on(period.first_day)
