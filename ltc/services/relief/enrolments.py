"""Reading the hardship registry: the enrolments a settlement build or a person's record needs."""

from __future__ import annotations

from datetime import date

from ltc.db.tables import ReliefEnrolment
from ltc.domain.relief import Enrolment, as_day


async def enrolments_until(last_day: date) -> dict[int, list[Enrolment]]:
    """Every person's enrolments begun by ``last_day`` (a month's, or an earlier one a
    correction adjusts), by person: the registry is the district's hardship groups, small
    beside a month's care, read in one query."""
    rows = await ReliefEnrolment.select(
        ReliefEnrolment.person, ReliefEnrolment.group, ReliefEnrolment.from_day, ReliefEnrolment.to_day
    ).where(ReliefEnrolment.from_day <= last_day)
    out: dict[int, list[Enrolment]] = {}
    for row in rows:
        out.setdefault(row["person"], []).append(
            Enrolment(row["group"], as_day(row["from_day"]) or last_day, as_day(row["to_day"]))
        )
    return out


async def person_enrolments(person_id: int) -> list[Enrolment]:
    """A person's enrolments, the latest first (the caller has checked the person is visible)."""
    rows = (
        await ReliefEnrolment.select(ReliefEnrolment.group, ReliefEnrolment.from_day, ReliefEnrolment.to_day)
        .where(ReliefEnrolment.person == person_id)
        .order_by(ReliefEnrolment.from_day, ascending=False)
    )
    return [Enrolment(r["group"], as_day(r["from_day"]) or date.min, as_day(r["to_day"])) for r in rows]
