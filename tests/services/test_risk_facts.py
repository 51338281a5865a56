"""A month's risk facts summed in the database: each visit counted once per subject, the
short ones to the microsecond against the policy's share, exceptions but withdrawn ones,
the month's edges in the city's time zone."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ltc.db.tables import Caregiver, Person, Provider, Visit, VisitException
from ltc.domain import risk
from ltc.domain.periods import Period, service_month
from ltc.services.supervision.risk import month_facts

SHANGHAI = ZoneInfo("Asia/Shanghai")
PERIOD = Period(2041, 5)  # a month no other test has visits in
NOW = datetime(2041, 6, 3, tzinfo=UTC)


def local(day: int, hour: int, minute: int = 0, month: int = 5) -> datetime:
    return datetime(2041, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


async def _visit(provider: int, person: int, caregiver: int | None, start: datetime, **facts) -> int:
    row = Visit(
        person=person,
        provider=provider,
        caregiver=caregiver,
        slot_key=f"risk:{uuid.uuid4().hex}",
        planned_start=start,
        planned_end=start + timedelta(hours=1),
        service_month=service_month(start, SHANGHAI),
        status=facts.pop("status", "done"),
        created_at=NOW,
        updated_at=NOW,
        **facts,
    )
    await row.save()
    return row.id


async def _exception(visit: int, provider: int, code: str, status: str) -> None:
    await VisitException(
        visit=visit,
        service_month=PERIOD.first_day,
        provider=provider,
        code=code,
        exception_key=f"{visit}:{code}",
        status=status,
        opened_at=NOW,
    ).save()


async def test_the_months_facts_per_provider_caregiver_and_person(services) -> None:
    code = f"R{uuid.uuid4().hex[:10]}"
    provider = Provider(code=code, name=code, kind="home", lat=29.6, lon=121.4, created_at=NOW)
    await provider.save()
    p = provider.id
    a, b = [
        Person(id_number=uuid.uuid4().hex[:18], name="测试", sex="F", birth_date=date(1940, 1, 1), created_at=NOW)
        for _ in range(2)
    ]
    await a.save()
    await b.save()
    carer = Caregiver(provider=p, name="李", qualification="elderly_carer", lat=29.6, lon=121.4, created_at=NOW)
    await carer.save()
    c = carer.id
    # 45 of 60 minutes: exactly the policy's 0.75, not short; one flag
    start = local(3, 9)
    await _visit(p, a.id, c, start, checked_in_at=start, checked_out_at=start + timedelta(minutes=45), flags=["x"])
    # a microsecond less: short; an open exception
    start = local(4, 9)
    short = await _visit(
        p, a.id, c, start, checked_in_at=start, checked_out_at=start + timedelta(minutes=45, microseconds=-1)
    )
    await _exception(short, p, "too_short", "open")
    # no events: the planned time counts, not short; two flags, its only exception withdrawn
    start = local(5, 9)
    withdrawn = await _visit(p, a.id, None, start, flags=["x", "y"])
    await _exception(withdrawn, p, "too_short", "withdrawn")
    # 20 minutes: short; two exceptions on one visit count it once
    start = local(6, 10)
    twice = await _visit(p, b.id, c, start, checked_in_at=start, checked_out_at=start + timedelta(minutes=20))
    await _exception(twice, p, "too_short", "open")
    await _exception(twice, p, "outside_geofence", "resolved")
    # not counted: not done, or in the next month
    await _visit(p, b.id, c, local(7, 9), status="planned")
    await _visit(p, b.id, c, local(1, 9, month=6))
    # 00:30 on the 1st in Shanghai is still April in UTC: counted in May
    await _visit(p, a.id, c, local(1, 0, 30))

    facts = await month_facts(services, PERIOD)

    def counted(subject: risk.SubjectFacts) -> tuple[int, int, int, int, int]:
        return (subject.visits, subject.flags, subject.visits_with_exception, subject.short_visits, subject.persons)

    assert counted(facts.providers[p]) == (5, 3, 2, 2, 2)
    assert counted(facts.caregivers[c]) == (4, 1, 2, 2, 2)
    assert counted(facts.persons[(p, a.id)]) == (4, 3, 1, 1, 1)
    assert counted(facts.persons[(p, b.id)]) == (1, 0, 1, 1, 1)
