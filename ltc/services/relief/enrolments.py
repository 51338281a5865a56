"""Reading the hardship registry: the enrolments a settlement build or a person's record needs."""

from __future__ import annotations

from datetime import date

from ltc.db.tables import ReliefEnrolment
from ltc.domain.relief import Enrolment


def _day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


async def enrolments_until(last_day: date) -> dict[int, list[Enrolment]]:
    """Every person's enrolments begun by ``last_day`` (a month's, or an earlier one a
    correction adjusts), by person: the registry is the district's hardship groups, small
    beside a month's care, read in one query."""
    rows = await ReliefEnrolment.select(
        ReliefEnrolment.person, ReliefEnrolment.group, ReliefEnrolment.from_day, ReliefEnrolment.to_day
    ).where(ReliefEnrolment.from_day <= last_day)
    out: dict[int, list[Enrolment]] = {}
    for row in rows:
        from_day = _day(row["from_day"])
        assert from_day is not None
        out.setdefault(row["person"], []).append(Enrolment(row["group"], from_day, _day(row["to_day"])))
    return out
