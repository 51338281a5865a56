"""A month's risk facts summed in the database: each visit counted once per subject, the
short ones to the microsecond against the policy's share, exceptions but withdrawn ones,
the month's edges in the city's time zone."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ltc.db.tables import Caregiver, Person, Provider, Settlement, SettlementLine, Visit, VisitException
from ltc.domain import risk
from ltc.domain.periods import Period, service_month
from ltc.services.reference import policy_book
from ltc.services.supervision import risk as risk_service
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


async def test_persons_at_the_cap_in_each_of_the_policys_months(services) -> None:
    """At the cap: a home line of the person at the provider with the level's cap of minutes or
    more in each of the months in a row that end with the month (any one line a month)."""
    policy = policy_book(services.settings).in_force(date(2041, 4, 1))
    assert policy.risk_cap_months == 3
    cap = policy.home_hours(3) * 60
    assert cap > 0 and policy.home_hours(2) == 0
    providers = []
    for _ in range(2):
        code = f"R{uuid.uuid4().hex[:10]}"
        provider = Provider(code=code, name=code, kind="home", lat=29.6, lon=121.4, created_at=NOW)
        await provider.save()
        providers.append(provider.id)
    p, other = providers
    persons = []
    for _ in range(6):
        person = Person(
            id_number=uuid.uuid4().hex[:18], name="测试", sex="F", birth_date=date(1940, 1, 1), created_at=NOW
        )
        await person.save()
        persons.append(person.id)
    every, gap, no_cap, late, two_lines, elsewhere = persons
    lines: dict[
        tuple[int, str], list[tuple[int, int, int, str]]
    ] = {}  # (provider, period): (person, level, minutes, kind)

    def line(provider: int, period: str, person: int, level: int, minutes: int, kind: str = "home") -> None:
        lines.setdefault((provider, period), []).append((person, level, minutes, kind))

    for period in ("2041-02", "2041-03", "2041-04"):
        line(p, period, every, 3, cap)  # exactly the cap, every month
        line(p, period, gap, 3, cap - 1 if period == "2041-03" else cap + 60)
        line(p, period, no_cap, 2, 10_000)  # a level without a cap
        line(p, period, elsewhere, 3, cap, "institutional" if period == "2041-03" else "home")
    for period in ("2041-03", "2041-04"):
        line(p, period, late, 3, cap)
        line(other, period, every, 3, cap)  # another provider: its own months
    line(p, "2041-02", two_lines, 4, policy.home_hours(4) * 60)
    line(p, "2041-03", two_lines, 4, 0)
    line(p, "2041-03", two_lines, 4, policy.home_hours(4) * 60)
    line(p, "2041-04", two_lines, 4, policy.home_hours(4) * 60 + 1)
    line(p, "2041-05", gap, 3, 0)  # after the month: not read
    for (provider, period), rows in lines.items():
        settlement = Settlement(
            provider=provider,
            period=period,
            settlement_key=f"{provider}:{period}",
            status="draft",
            built_at=NOW,
        )
        await settlement.save()
        first = Period.parse(period).first_day
        await SettlementLine.insert(
            *(
                SettlementLine(
                    settlement=settlement.id,
                    line_no=n,
                    kind=kind,
                    person=person,
                    level=level,
                    verified_minutes=minutes,
                    service_month=first,
                )
                for n, (person, level, minutes, kind) in enumerate(rows, start=1)
            )
        )

    at_cap = {key for key in await risk_service._persons_at_cap(Period(2041, 4), policy) if key[0] in providers}
    assert at_cap == {(p, every), (p, two_lines)}
    at_cap_before = await risk_service._persons_at_cap(Period(2041, 3), policy)
    assert not {key for key in at_cap_before if key[0] in providers}  # two months only
