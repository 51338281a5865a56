"""The month's build aggregates the visits in SQL: it must give the drafts the per-visit path
gives (same lines, same visits named, same content hash), count a visit on its local
check-in day to the microsecond, and leave to the per-visit path what it cannot vouch for."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ltc.db.queries.settlements import key_array
from ltc.db.queries.visits import month_of_visit
from ltc.db.tables import CarePlan, Person, Provider, ReviewSample, Settlement, SettlementLine, Visit, VisitException
from ltc.domain import settlement as rules
from ltc.domain.periods import Period, service_month
from ltc.services.clock import FixedClock
from ltc.services.context import ServiceContext
from ltc.services.reference import policy_book
from ltc.services.settlements import build, gathering, pricing
from ltc.services.settlements.storing import StoredDraft
from ltc.services.settlements.values import BuildResult, BuildSettlementsParams

SHANGHAI = ZoneInfo("Asia/Shanghai")

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CREATED: dict[str, list[int]] = {"providers": [], "persons": []}


@pytest.fixture(autouse=True)
async def remove_what_the_test_made():
    """The session's database is shared: what a test here made is gone after it."""
    yield
    providers, persons = CREATED["providers"], CREATED["persons"]
    if providers:
        built = Settlement.select(Settlement.id).where(Settlement.provider.is_in(providers))
        await ReviewSample.delete().where(ReviewSample.settlement.is_in(built))
        await SettlementLine.delete().where(SettlementLine.settlement.is_in(built))
        await Settlement.delete().where(Settlement.provider.is_in(providers))
        await VisitException.delete().where(VisitException.provider.is_in(providers))
        await Visit.delete().where(Visit.provider.is_in(providers))
        await CarePlan.delete().where(CarePlan.provider.is_in(providers))
        await Provider.delete().where(Provider.id.is_in(providers))
    if persons:
        await Person.delete().where(Person.id.is_in(persons))
    providers.clear()
    persons.clear()


def with_policy_change(services: ServiceContext, tmp_path: Path, effective: date, period: Period) -> ServiceContext:
    """The services with a second policy version from ``effective`` (a dearer hour, a
    smaller level-3 cap), and a clock after the month."""
    raw = json.loads(services.settings.policy_file.read_text(encoding="utf-8"))
    latest = raw["versions"][-1]
    raw["versions"].append(
        latest
        | {
            "version": f"test-{effective.isoformat()}",
            "effective_from": effective.isoformat(),
            "home_hourly_price_fen": 7000,
            "home_hours_by_level": latest["home_hours_by_level"] | {"3": 10},
            "quality_reserve_share": "0",  # the lines here are the visits' alone
        }
    )
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    settings = services.settings.model_copy(update={"policy_file": path})
    return replace(services, settings=settings, clock=FixedClock(period.end_utc(settings.zone) + timedelta(days=2)))


async def provider(hourly: int = 0) -> int:
    code = f"T{uuid.uuid4().hex[:12]}"
    row = Provider(code=code, name=code, kind="home", lat=29.6, lon=121.4, hourly_price_fen=hourly, created_at=NOW)
    await row.save()
    CREATED["providers"].append(row.id)
    return row.id


async def person_with_plan(provider_id: int, level: int) -> tuple[int, int]:
    person = Person(id_number=uuid.uuid4().hex[:18], name="测试", sex="F", birth_date=date(1940, 1, 1), created_at=NOW)
    await person.save()
    CREATED["persons"].append(person.id)
    plan = CarePlan(
        person=person.id,
        provider=provider_id,
        version=1,
        version_key=f"{person.id}:1",
        current_key=f"person:{person.id}",
        level=level,
        care_mode="home",
        policy_version="test",
        status="confirmed",
        created_at=NOW,
    )
    await plan.save()
    return person.id, plan.id


async def one_person(
    services: ServiceContext, tmp_path: Path, period: Period, change: date, level: int, hourly: int = 0
) -> tuple[ServiceContext, tzinfo, int, int, int]:
    """A month with a policy change on ``change``, and one provider with one person under a
    care plan of ``level``: (services, zone, provider, person, plan)."""
    ctx = with_policy_change(services, tmp_path, change, period)
    provider_id = await provider(hourly)
    person_id, plan_id = await person_with_plan(provider_id, level)
    return ctx, ctx.settings.zone, provider_id, person_id, plan_id


async def visit(
    provider_id: int, person_id: int, plan_id: int | None, checked_in: datetime | None, length: timedelta | None
) -> int:
    planned = (checked_in or NOW).replace(second=0, microsecond=0)
    row = Visit(
        care_plan=plan_id,
        person=person_id,
        provider=provider_id,
        slot_key=f"test:{uuid.uuid4().hex}",
        planned_start=planned,
        service_month=service_month(planned, SHANGHAI),
        planned_end=planned + timedelta(hours=1),
        status="done",
        checked_in_at=checked_in,
        checked_out_at=None if checked_in is None or length is None else checked_in + length,
        created_at=NOW,
        updated_at=NOW,
    )
    await row.save()
    return row.id


async def exception(visit_id: int, provider_id: int, status: str, resolution: str = "") -> None:
    await VisitException(
        visit=visit_id,
        service_month=await month_of_visit(visit_id),
        provider=provider_id,
        code="too_short",
        exception_key=f"{visit_id}:too_short",
        status=status,
        opened_at=NOW,
        resolution_code=resolution,
    ).save()


async def per_visit_draft(ctx: ServiceContext, provider_id: int, period: Period) -> rules.SettlementDraft:
    """The draft as the build made it before: every visit read and handed to the rules."""
    hourly = (await Provider.select(Provider.hourly_price_fen).where(Provider.id == provider_id).first())[
        "hourly_price_fen"
    ]
    home = await pricing.home_inputs_per_visit(ctx, provider_id, period, hourly or None)
    return rules.build_settlement(provider_id, period, home, [], policy_for=policy_book(ctx.settings).in_force)


async def stored(provider_id: int, period: Period) -> tuple[dict, list[dict]]:
    row = await Settlement.select().where(Settlement.settlement_key == f"{provider_id}:{period}").first()
    lines = (
        await SettlementLine.select()
        .where(SettlementLine.settlement == row["id"])
        .order_by(SettlementLine.line_no)
        .output(load_json=True)
    )
    return row, lines


async def build_month(ctx: ServiceContext, period: Period, monkeypatch, **params) -> tuple[BuildResult, int]:
    """The job body for the month; how often it fell back to the per-visit path."""
    real = pricing.home_inputs_per_visit
    calls = []

    async def counted(*args, **kwargs):
        calls.append(args)
        return await real(*args, **kwargs)

    async def progress(_: float) -> None:
        return None

    monkeypatch.setattr(pricing, "home_inputs_per_visit", counted)
    try:
        result = await build.build_in_one_job(ctx, BuildSettlementsParams(period=str(period), **params), progress)
    finally:
        monkeypatch.setattr(pricing, "home_inputs_per_visit", real)
    return result, len(calls)


async def test_the_sql_build_gives_the_per_visit_drafts_for_several_providers(services, tmp_path, monkeypatch) -> None:
    period = Period(2031, 7)
    ctx = with_policy_change(services, tmp_path, date(2031, 7, 16), period)
    zone = ctx.settings.zone
    rng = random.Random(7)
    providers = [await provider(hourly) for hourly in (0, 6500, 5800)]
    planned: list[tuple[int, int, int | None, datetime | None, timedelta | None, str | None]] = []
    for provider_id in providers:
        for n in range(6):
            person_id, plan_id = await person_with_plan(provider_id, 3 + n % 3)
            for _ in range(rng.randrange(4, 16)):  # level 3 under the new version: over its cap
                local = datetime(2031, 7, 1 + rng.randrange(31), rng.randrange(7, 23), rng.randrange(60), tzinfo=zone)
                checked_in = local.astimezone(UTC) + timedelta(
                    seconds=rng.randrange(60), microseconds=rng.randrange(10**6)
                )
                length = rng.choice(
                    [
                        timedelta(minutes=58),
                        timedelta(minutes=58, microseconds=-1),  # 57 whole minutes
                        timedelta(seconds=rng.randrange(40 * 60, 75 * 60), microseconds=rng.randrange(10**6)),
                        timedelta(minutes=-5),  # checked out before in: 0 minutes
                    ]
                )
                blocking = rng.choice([None] * 8 + ["open", "explained", "rejected", "accepted", "withdrawn"])
                planned.append((provider_id, person_id, plan_id, checked_in, length, blocking))
        only_excluded, plan_id = await person_with_plan(provider_id, 4)
        planned.append((provider_id, only_excluded, plan_id, datetime(2031, 7, 3, 2, tzinfo=UTC), None, "open"))
        planned.append(
            (provider_id, only_excluded, None, datetime(2031, 7, 4, 2, tzinfo=UTC), timedelta(hours=1), None)
        )
    rng.shuffle(planned)  # visit ids in no particular day order
    for provider_id, person_id, plan_id, checked_in, length, blocking in planned:
        visit_id = await visit(provider_id, person_id, plan_id, checked_in, length)
        if blocking:
            status, resolution = {"rejected": ("resolved", "rejected"), "accepted": ("resolved", "accepted")}.get(
                blocking, (blocking, "")
            )
            await exception(visit_id, provider_id, status, resolution)

    result, fallbacks = await build_month(ctx, period, monkeypatch)
    assert fallbacks == 0, "the month was priced from the SQL aggregate"
    drafted = await Settlement.select(Settlement.provider).where(Settlement.id.is_in(result.settlement_ids))
    # Every provider of the city is built: another test's provider owing a recovery has a draft
    # in a month without care (the recovery is netted), so ours are among the drafted.
    assert set(providers) <= {r["provider"] for r in drafted}
    versions = set()
    for provider_id in providers:
        expected = await per_visit_draft(ctx, provider_id, period)
        row, lines = await stored(provider_id, period)
        assert row["content_hash"] == expected.content_hash()
        assert (row["gross_fen"], row["fund_fen"]) == (expected.gross_fen, expected.fund_fen)
        assert [(x["person"], x["policy_version"], x["visit_ids"], x["excluded_visit_ids"]) for x in lines] == [
            (x.person_id, x.policy_version, list(x.visit_ids), list(x.excluded_visit_ids)) for x in expected.lines
        ]
        versions |= {x.policy_version for x in expected.lines}
    assert len(versions) == 2, "the month spans both policy versions"

    # One provider on its own gathers the same month: the same draft, not rebuilt.
    again, fallbacks = await build_month(ctx, period, monkeypatch, provider_id=providers[1])
    assert fallbacks == 0 and again.rebuilt == 0


async def test_a_visit_counts_on_its_local_check_in_day(services, tmp_path, monkeypatch) -> None:
    period = Period(2031, 10)
    change = date(2031, 10, 16)
    ctx, zone, provider_id, person_id, plan_id = await one_person(services, tmp_path, period, change, 5, 6000)
    midnight = datetime(change.year, change.month, change.day, tzinfo=zone)  # 16:00 UTC the day before
    late = await visit(provider_id, person_id, plan_id, midnight - timedelta(minutes=10), timedelta(minutes=50))
    last = await visit(provider_id, person_id, plan_id, midnight - timedelta(microseconds=1), timedelta(minutes=45))
    first = await visit(provider_id, person_id, plan_id, midnight, timedelta(minutes=45))
    # In UTC all three fall on the 15th: only the local day tells the versions apart.
    assert {v.astimezone(UTC).date() for v in (midnight - timedelta(minutes=10), midnight)} == {date(2031, 10, 15)}
    old = policy_book(ctx.settings).in_force(change - timedelta(days=1)).version

    _, fallbacks = await build_month(ctx, period, monkeypatch)
    assert fallbacks == 0
    _, lines = await stored(provider_id, period)
    assert [(x["policy_version"], x["visit_ids"], x["verified_minutes"]) for x in lines] == [
        (old, [late, last], 95),  # crossing local midnight: its check-in day, the old version
        (f"test-{change.isoformat()}", [first], 45),
    ]
    expected = await per_visit_draft(ctx, provider_id, period)
    row, _ = await stored(provider_id, period)
    assert row["content_hash"] == expected.content_hash()


async def test_a_visit_counts_in_the_month_it_was_checked_in(services, tmp_path, monkeypatch) -> None:
    period = Period(2031, 12)
    ctx, zone, provider_id, person_id, plan_id = await one_person(services, tmp_path, period, date(2032, 1, 1), 4)
    await visit(provider_id, person_id, plan_id, datetime(2031, 12, 5, 9, tzinfo=zone), timedelta(minutes=60))
    # Planned late on the 31st (the row's planned start is its check-in's minute), checked in after midnight.
    late = await visit(provider_id, person_id, plan_id, datetime(2032, 1, 1, 0, 5, tzinfo=zone), timedelta(hours=1))
    await Visit.update({Visit.planned_start: datetime(2031, 12, 31, 23, 55, tzinfo=zone)}).where(Visit.id == late)

    # Planned on the 31st, delivered after midnight: it belongs to January, and December builds without it.
    december, _ = await build_month(ctx, period, monkeypatch, provider_id=provider_id)
    january, _ = await build_month(ctx, period.next(), monkeypatch, provider_id=provider_id)
    ids = {}
    for name, outcome in (("december", december), ("january", january)):
        (settlement_id,) = outcome.settlement_ids
        lines = (
            await SettlementLine.select(SettlementLine.visit_ids)
            .where(SettlementLine.settlement == settlement_id)
            .output(load_json=True)
        )
        ids[name] = {v for line in lines for v in line["visit_ids"]}
    assert late not in ids["december"] and late in ids["january"]


async def test_a_person_seen_under_two_plans_is_billed_at_the_higher_level(services, tmp_path, monkeypatch) -> None:
    period = Period(2032, 3)
    ctx, zone, provider_id, person_id, first_plan = await one_person(
        services, tmp_path, period, date(2032, 3, 16), 3, 6000
    )
    raised = CarePlan(
        person=person_id,
        provider=provider_id,
        version=2,
        version_key=f"{person_id}:2",
        level=5,
        care_mode="home",
        policy_version="test",
        status="confirmed",
        created_at=NOW,
    )
    await raised.save()
    other, other_plan = await person_with_plan(provider_id, 4)
    for day, plan in ((2, first_plan), (9, first_plan), (20, raised.id), (25, first_plan)):
        at = datetime(2032, 3, day, 10, tzinfo=zone)
        await visit(provider_id, person_id, plan, at, timedelta(hours=9))  # well over level 3's cap
        await visit(provider_id, other, other_plan, at, timedelta(minutes=50))

    _, fallbacks = await build_month(ctx, period, monkeypatch)
    assert fallbacks == 0
    expected = await per_visit_draft(ctx, provider_id, period)
    row, lines = await stored(provider_id, period)
    assert row["content_hash"] == expected.content_hash()
    assert {(x["person"], x["level"]) for x in lines} == {(person_id, 5), (other, 4)}


async def test_changed_months_are_rebuilt_batch_by_batch(services, tmp_path, monkeypatch) -> None:
    period = Period(2032, 5)
    ctx = with_policy_change(services, tmp_path, date(2032, 5, 16), period)
    zone = ctx.settings.zone
    monkeypatch.setattr(build, "BATCH_SIZE", 1)  # a transaction per provider, stored while the next is priced
    providers = [await provider(hourly) for hourly in (0, 6200, 0, 5900)]
    persons = {}
    for n, provider_id in enumerate(providers):
        persons[provider_id] = await person_with_plan(provider_id, 3 + n % 3)
        for day in (3, 11, 17, 30):
            at = datetime(2032, 5, day, 9 + n, 7, 30, 250, tzinfo=zone)
            await visit(provider_id, persons[provider_id][0], persons[provider_id][1], at, timedelta(minutes=55 + n))

    first, fallbacks = await build_month(ctx, period, monkeypatch)
    # Each of ours built (another test's provider owing a recovery may have a draft too).
    assert fallbacks == 0 and first.rebuilt >= len(providers)
    versions = {p: (await stored(p, period))[0]["version"] for p in providers}
    assert set(versions.values()) == {1}

    # New facts for two providers; a third one's draft was rejected meanwhile.
    changed, blocked, rejected, same = providers
    person_id, plan_id = persons[changed]
    await visit(changed, person_id, plan_id, datetime(2032, 5, 12, 8, tzinfo=zone), timedelta(minutes=45))
    row, lines = await stored(blocked, period)
    await exception(lines[0]["visit_ids"][0], blocked, "open")
    await Settlement.update({Settlement.status: rules.REJECTED, Settlement.version: 2}).where(
        Settlement.settlement_key == f"{rejected}:{period}"
    )

    again, fallbacks = await build_month(ctx, period, monkeypatch)
    assert fallbacks == 0 and again.rebuilt == 3
    assert again.settlement_ids == first.settlement_ids, "the same settlements, rebuilt in place"
    for provider_id, version in ((changed, 2), (blocked, 2), (rejected, 3), (same, 1)):
        expected = await per_visit_draft(ctx, provider_id, period)
        row, lines = await stored(provider_id, period)
        assert (row["status"], row["version"], row["content_hash"]) == ("draft", version, expected.content_hash())
        assert [(x["line_no"], x["visit_ids"], x["excluded_visit_ids"], x["fund_fen"]) for x in lines] == [
            (n, list(x.visit_ids), list(x.excluded_visit_ids), x.fund_fen)
            for n, x in enumerate(expected.lines, start=1)
        ]
    assert len((await stored(blocked, period))[1][0]["excluded_visit_ids"]) == 1


async def test_a_visit_kept_out_may_lack_its_check_out(services, tmp_path, monkeypatch) -> None:
    period = Period(2032, 7)
    ctx, zone, provider_id, person_id, plan_id = await one_person(services, tmp_path, period, date(2032, 7, 16), 4)
    counted = await visit(provider_id, person_id, plan_id, datetime(2032, 7, 20, 9, tzinfo=zone), timedelta(hours=1))
    open_ended = await visit(provider_id, person_id, plan_id, datetime(2032, 7, 21, 9, tzinfo=zone), None)
    await exception(open_ended, provider_id, "explained")

    _, fallbacks = await build_month(ctx, period, monkeypatch)
    assert fallbacks == 0
    expected = await per_visit_draft(ctx, provider_id, period)
    row, lines = await stored(provider_id, period)
    assert row["content_hash"] == expected.content_hash()
    assert [(x["visit_ids"], x["excluded_visit_ids"], x["verified_minutes"]) for x in lines] == [
        ([counted], [open_ended], 60)
    ]


def test_the_aggregated_keys_read_alike_from_bytes_and_from_text() -> None:
    rows = [[3, (5 << 40) | 7, 1 << 44], [], [2]]
    as_bytes = [b"".join(k.to_bytes(8, "big") for k in keys) if keys else None for keys in rows]
    as_text = [",".join(map(str, keys)) if keys else None for keys in rows]
    for values in (as_bytes, as_text):
        keys, counts = key_array(values)
        assert keys.tolist() == [k for row in rows for k in row]
        assert counts == [3, 0, 1]
    keys, counts = key_array([None, ""])
    assert keys.tolist() == [] and counts == [0, 0]


def test_the_cycle_collector_is_back_on_after_a_build_even_a_failed_one() -> None:
    import gc

    assert gc.isenabled()
    with pytest.raises(RuntimeError), build._collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with build._collector_paused():
            pass
        assert not gc.isenabled(), "left as it was found"
    finally:
        gc.enable()


async def test_the_last_providers_are_stored_in_batches_shrinking_to_the_end(services, monkeypatch) -> None:
    period = Period(2032, 8)
    batches: list[int] = []

    async def draft(ctx, provider_id, period, month):  # 100 lines and visits a provider
        line = rules.SettlementLine(rules.HOME, 1, 3, 0, "minute", 0, 0, 0, 0, visit_ids=tuple(range(99)))
        return rules.SettlementDraft.of(provider_id, period, [line])

    async def store(ctx, period, ready):
        batches.append(len(ready))
        return [StoredDraft(item.draft.provider_id, 0, rules.DRAFT, rebuilt=True) for item in ready]

    async def progress(_: float) -> None:
        return None

    monkeypatch.setattr(build, "draft", draft)
    monkeypatch.setattr(build, "store", store)
    monkeypatch.setattr(build, "BATCH_SIZE", 3200)
    storing = build._Storing(services, period, progress)
    month = gathering.Month()
    await storing.price(month, list(range(1, 101)))
    await storing.price(month, list(range(101, 201)), last=True)
    stored = await storing.finish(200)
    assert sorted(r.provider_id for r in stored) == list(range(1, 201))
    assert batches[:3] == [32, 32, 32]
    assert batches == sorted(batches, reverse=True) and batches[-1] <= 2, batches
