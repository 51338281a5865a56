"""Generate a synthetic city's home visits with the real job (scheduler + bulk inserts, in a real database).

Builds a city in a fresh database — a temporary database on the PostgreSQL server of
``LTC_DATABASE_URL`` when it names one (dropped afterwards), else a temporary SQLite file —
with bulk inserts that are not timed: ``--providers`` home-care providers (default 359 per
50,000 beneficiaries, as ``ltc bench assign``) placed around the district's towns
(``load_towns()``, weighted by their share of people aged 60+); ``--beneficiaries`` persons
living within a few km of their provider, each with an active home ``Assignment`` and a
confirmed home ``CarePlan`` derived by ``derive_plan`` (levels 3–5 drawn evenly; a tenth of
the plans hold a clinical item and so need a nurse); and ``--caregivers`` caregivers living
near their provider, shared out by the provider's weekly visit demand, with nurses in
proportion to its nurse visits.

Capacity: the policy gives levels 3/4/5 20/25/30 hours a month, which ``derive_plan`` turns
into 4/5/6 one-hour visits a week (no calendar month may exceed the hours), so 50,000
people hold ~1.1 million slots in 30 days (not 1.5 million). Caregivers work 08:00–18:00
every day with ``--weekly-hours`` (default 40, the app's default): 8,000 × 40 h = 320,000 h
a week against ~257,000 visit-hours, and the travel between a caregiver's visits adds about
5 % to those (``travel_hours`` beside ``visit_hours``; ``caregiver_hours`` is what the
caregivers may work in the window): the caregivers' hours exceed the visits plus the travel.
Slots start on a 30-minute grid spread over the day by ``derive_plan``'s stagger and each may
start up to the policy's ``visit_window_minutes`` (60) later, so a caregiver goes from one
home to the next as soon as the travel allows. What no caregiver can take is reported as
``unscheduled`` (and stored as unscheduled slots), not hidden.

``--compare-ortools N``: after the check, N provider-days drawn from the window are solved
again, by our scheduler and by OR-Tools' routing solver (``ltc.bench.ortools_day``) within
``--ortools-seconds`` each, with the weekly hours the stored schedule left each caregiver
that week outside that day; ``ortools`` holds each day's and the total visits placed, the
conflicts ``find_conflicts`` finds in each solution and the seconds each took.

Timed (``seconds``): the job body ``ltc.services.visits.generation.generate_visits`` for the window
``[--start, --start + --days)``, with a progress callback that updates a ``Job`` row as the
worker's does; ``load_seconds`` is the part up to its first progress mark (0.1, after the
reads), ``schedule_insert_seconds`` the rest: the scheduler runs provider batch by batch in
a thread while the previous batch is stored, so the two overlap (and the unscheduled-slot
report at the end is in it). ``peak_rss_mb`` is taken right after the job.

Untimed check: the visits are read back from the database, provider by provider, and given
to ``ltc.domain.scheduling.find_conflicts`` with the caregivers and plans read from their
tables (``conflicts``; by kind in ``conflict_kinds``); visits without a caregiver, or whose
provider or person differs from their plan's, count as conflicts too. ``slots_in_window``
is every slot of every plan in the window, recomputed from the stored slots: the stored
visits plus the stored unscheduled slots must add up to it (``accounted``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import numpy as np

from ltc.bench import peak_rss_mb
from ltc.bench.scratch import Loader, scratch_database

KM_PER_DEGREE = 111.195
PROVIDER_SPREAD_KM = {"urban": 2.0, "plain": 4.0, "hill": 5.0, "coastal": 5.0, "mountain": 6.0}
PERSON_SPREAD_KM = 1.5  # standard deviation of a home around its provider, on each axis
CAREGIVER_SPREAD_KM = 1.0
NURSE_PLAN_SHARE = 0.10
EVERY_DAY = "[0, 1, 2, 3, 4, 5, 6]"  # the city's caregivers work every day, within their weekly hours
# Service items of the synthetic plans (the catalogue's codes): care only, or with a clinical item.
CARE_ITEMS = (("B01", "B07"), ("B01", "B02", "B07"), ("B03", "B05", "B11"), ("B09", "B14"), ("B18", "B21"))
NURSE_ITEMS = (("B01", "B07", "C05"), ("B01", "C01"), ("B09", "C08"))


# What grows with the city (`ltc bench growth` multiplies these flags by the size) and the
# figures whose growth it fits.
SCALES = ("beneficiaries", "caregivers")
GROWTH_FIGURES = ("seconds", "load_seconds")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--beneficiaries", type=int, default=50_000, help="persons with a confirmed home care plan")
    parser.add_argument("--caregivers", type=int, default=8_000, help="caregivers, shared out over the providers")
    parser.add_argument("--providers", type=int, default=0, help="home care providers (default: 359 per 50,000)")
    parser.add_argument("--days", type=int, default=30, help="length of the window scheduled, in days")
    parser.add_argument("--start", default="2026-03-02", help="first local day of the window (YYYY-MM-DD)")
    parser.add_argument("--weekly-hours", type=int, default=40, help="weekly hours of every caregiver")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic city")
    parser.add_argument(
        "--compare-ortools",
        type=int,
        default=0,
        metavar="N",
        help="after the run, solve N sampled provider-days with our scheduler and with OR-Tools' routing solver",
    )
    parser.add_argument(
        "--ortools-seconds", type=float, default=10.0, help="OR-Tools' time limit per provider-day, in seconds"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    return asyncio.run(_run(args))


# --------------------------------------------------------------------------- the database


def timestamp_parser(sqlite: bool) -> Any:
    """Stored Timestamptz → aware datetime: SQLite hands back Piccolo's UTC text (parsed once
    per distinct value), asyncpg already a datetime."""
    if not sqlite:
        return lambda value: value
    cache: dict[str, datetime] = {}

    def parse(value: str) -> datetime:
        hit = cache.get(value)
        if hit is None:
            hit = cache[value] = datetime.fromisoformat(value)
        return hit

    return parse


# --------------------------------------------------------------------------- the synthetic city


@dataclass
class City:
    """What was seeded (ids are 1-based and equal to the array index + 1). Person i has care
    plan i and assignment i; caregivers of provider p are ``caregiver_provider == p``."""

    providers: int
    provider_lat: np.ndarray
    provider_lon: np.ndarray
    person_provider: np.ndarray
    person_lat: np.ndarray
    person_lon: np.ndarray
    levels: np.ndarray
    needs_nurse: np.ndarray
    weekly_visits: np.ndarray
    caregiver_provider: np.ndarray
    caregiver_qualification: list[str]

    @property
    def persons(self) -> int:
        return int(self.person_provider.size)

    @property
    def caregivers(self) -> int:
        return int(self.caregiver_provider.size)


def _near(
    rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, spread_km: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    dy = rng.normal(0.0, 1.0, lat.size) * spread_km
    dx = rng.normal(0.0, 1.0, lat.size) * spread_km
    return lat + dy / KM_PER_DEGREE, lon + dx / (KM_PER_DEGREE * np.cos(np.radians(lat)))


def _share_out(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` split in proportion to ``weights`` (largest remainders), integers summing to it."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(weights.size, dtype=np.int64)
    exact = total * weights / weights.sum()
    out = np.floor(exact).astype(np.int64)
    short = total - int(out.sum())
    if short:
        out[np.argsort(-(exact - out), kind="stable")[:short]] += 1
    return out


async def seed_city(
    db: Loader,
    settings: Any,
    *,
    beneficiaries: int,
    caregivers: int,
    providers: int,
    weekly_hours: int,
    seed: int,
    now: datetime,
    day: date,
    caregiver_per_person: bool = False,
) -> City:
    """Providers, persons, active home assignments, confirmed home care plans and caregivers,
    with bulk inserts and explicit ids into an empty database. ``caregiver_per_person``: as
    many caregivers at each provider as it has persons (``caregivers`` is then ignored)."""
    from ltc.db.personal_data import PersonSecrets, sealed_values
    from ltc.domain.care_plan import SLOT_GRID_MINUTES, derive_plan
    from ltc.domain.identity import make_id_number
    from ltc.geo.towns import load_towns
    from ltc.services.reference import policy_book, service_catalogue

    rng = np.random.default_rng(seed)
    towns = load_towns()
    weights = np.array([t.share_60plus for t in towns], dtype=float)
    town_of = rng.choice(len(towns), size=providers, p=weights / weights.sum())
    spread = np.array([PROVIDER_SPREAD_KM.get(towns[t].terrain, 4.0) for t in town_of])
    provider_lat, provider_lon = _near(
        rng, np.array([towns[t].lat for t in town_of]), np.array([towns[t].lon for t in town_of]), spread
    )
    await db.insert(
        "provider",
        "id code name name_en kind status address lat lon service_radius_km capacity hourly_price_fen"
        " daily_price_fen created_at designation_batch designated_on credit_code".split(),
        (
            (
                p + 1,
                f"S{p + 1:05d}",
                f"{towns[town_of[p]].name}居家护理站{p + 1}",
                f"{towns[town_of[p]].name_en} home care {p + 1}",
                "home",
                "active",
                f"{towns[town_of[p]].name}{p + 1}号",
                float(provider_lat[p]),
                float(provider_lon[p]),
                8.0,
                max(1, beneficiaries // max(providers, 1) * 2),
                0,
                0,
                now,
                "bench",
                day - timedelta(days=400),
                f"BENCH{p + 1:013d}",
            )
            for p in range(providers)
        ),
    )

    # Persons: a provider each (uneven sizes), a home near it, a level and their items.
    size = rng.gamma(8.0, 1.0, providers)
    person_provider = rng.choice(providers, size=beneficiaries, p=size / size.sum()) + 1
    person_lat, person_lon = _near(
        rng, provider_lat[person_provider - 1], provider_lon[person_provider - 1], PERSON_SPREAD_KM
    )
    levels = rng.integers(3, 6, size=beneficiaries)
    needs_nurse = rng.random(beneficiaries) < NURSE_PLAN_SHARE
    item_choice = rng.integers(0, 1 << 30, size=beneficiaries)
    keyring = settings.keyring
    sealed = ("id_number", "id_number_enc", "id_number_index", "data_key_id", "address", "address_enc")

    def sealed_person(i: int) -> tuple[Any, ...]:
        number = make_id_number(
            "330213", date(1930, 1, 1) + timedelta(days=i % 10_000), 2 * (i // 10_000) % 1000, "M" if i % 2 else "F"
        )
        values = sealed_values(keyring, i + 1, PersonSecrets(number, "", f"奉化区{i + 1}号"))
        return tuple(values[name] for name in sealed)

    await db.insert(
        "person",
        ["id", *sealed, *"name sex birth_date lat lon geocoded_by insured insured_since created_at".split()],
        (
            (
                i + 1,
                *sealed_person(i),
                f"受益人{i + 1}",
                "M" if i % 2 else "F",
                date(1930, 1, 1) + timedelta(days=i % 10_000),
                float(person_lat[i]),
                float(person_lon[i]),
                "bench",
                True,
                date(2020, 1, 1),
                now,
            )
            for i in range(beneficiaries)
        ),
    )
    await db.insert(
        "assignment",
        ("id", "person", "provider", "care_mode", "status", "distance_km", "reason", "current_key", "started_at"),
        (
            (i + 1, i + 1, int(person_provider[i]), "home", "active", None, "bench", f"person:{i + 1}", now)
            for i in range(beneficiaries)
        ),
    )

    # Care plans from derive_plan. Its slots depend on the level and on the stagger modulo the
    # start grid only, so drafts are derived once per (level, items, stagger mod grid) and
    # spot-checked against a direct derivation.
    policy = policy_book(settings).in_force(day)
    catalogue = service_catalogue(settings)
    grid = len(
        range(
            policy.working_day_start_hour * 60,
            policy.working_day_end_hour * 60 - policy.visit_minutes + 1,
            SLOT_GRID_MINUTES,
        )
    )
    drafts: dict[tuple[int, tuple[str, ...], int], Any] = {}

    def plan_of(i: int) -> Any:
        pool = NURSE_ITEMS if needs_nurse[i] else CARE_ITEMS
        items = pool[int(item_choice[i]) % len(pool)]
        key = (int(levels[i]), items, (i + 1) % max(grid, 1))
        draft = drafts.get(key)
        if draft is None:
            draft = drafts[key] = derive_plan(int(levels[i]), "home", policy, items, catalogue, stagger=i + 1)
        if i % 997 == 0:
            direct = derive_plan(int(levels[i]), "home", policy, items, catalogue, stagger=i + 1)
            if direct != draft:
                raise AssertionError("the care plan cache disagrees with derive_plan")
        return draft

    from piccolo.utils.encoding import dump_json

    plans = [plan_of(i) for i in range(beneficiaries)]
    weekly_visits = np.array([len(p.slots) for p in plans], dtype=np.int64)
    await db.insert(
        "care_plan",
        "id person provider version version_key current_key level care_mode items needs_nurse monthly_hours"
        " visit_minutes visits_per_month slots bed_day_cap_fen policy_version status reason confirmed_by"
        " confirmed_at created_at".split(),
        (
            (
                i + 1,
                i + 1,
                int(person_provider[i]),
                1,
                f"{i + 1}:1",
                f"person:{i + 1}",
                p.level,
                "home",
                dump_json(list(p.items)),
                p.needs_nurse,
                p.monthly_hours,
                p.visit_minutes,
                p.visits_per_month,
                dump_json([s.to_dict() for s in p.slots]),
                0,
                p.policy_version,
                "confirmed",
                "",
                "本人",
                now,
                now,
            )
            for i, p in enumerate(plans)
        ),
    )
    needs_nurse = np.array([p.needs_nurse for p in plans], dtype=bool)

    # Caregivers: shared out by weekly visit demand, nurses by nurse demand (at least one
    # where a nurse is needed), homes near their provider.
    demand = np.bincount(person_provider - 1, weights=weekly_visits, minlength=providers)
    nurse_demand = np.bincount(person_provider - 1, weights=weekly_visits * needs_nurse, minlength=providers)
    if caregiver_per_person:
        per_provider = np.bincount(person_provider - 1, minlength=providers).astype(np.int64)
    else:
        per_provider = _share_out(caregivers, demand)
    caregiver_provider = np.repeat(np.arange(1, providers + 1), per_provider)
    qualification: list[str] = []
    for p in range(providers):
        n = int(per_provider[p])
        nurses = 0
        if n and nurse_demand[p] > 0:
            nurses = min(n, max(1, int(np.ceil(1.25 * n * nurse_demand[p] / demand[p]))))
        qualification += ["nurse"] * nurses + ["elderly_carer", "medical_carer"] * ((n - nurses) // 2)
        qualification += ["elderly_carer"] * ((n - nurses) % 2)
    caregiver_lat, caregiver_lon = _near(
        rng, provider_lat[caregiver_provider - 1], provider_lon[caregiver_provider - 1], CAREGIVER_SPREAD_KM
    )
    await db.insert(
        "caregiver",
        (
            "id",
            "provider",
            "name",
            "qualification",
            "lat",
            "lon",
            "weekly_hours",
            "active",
            "created_at",
            "skills",
            "working_days",
            "work_start",
            "work_end",
        ),
        (
            (
                c + 1,
                int(caregiver_provider[c]),
                f"护理员{c + 1}",
                qualification[c],
                float(caregiver_lat[c]),
                float(caregiver_lon[c]),
                weekly_hours,
                True,
                now,
                "[]",
                EVERY_DAY,
                "08:00",
                "18:00",
            )
            for c in range(caregiver_provider.size)
        ),
    )
    return City(
        providers=providers,
        provider_lat=provider_lat,
        provider_lon=provider_lon,
        person_provider=person_provider,
        person_lat=person_lat,
        person_lon=person_lon,
        levels=levels,
        needs_nurse=needs_nurse,
        weekly_visits=weekly_visits,
        caregiver_provider=caregiver_provider,
        caregiver_qualification=qualification,
    )


# --------------------------------------------------------------------------- the independent check


@dataclass
class Inputs:
    """The city's plans and caregivers as the scheduler takes them, by provider."""

    plans_by_provider: dict[int, list[Any]]
    caregivers_by_provider: dict[int, list[Any]]
    slots_in_window: int


async def read_inputs(db: Loader, settings: Any, window_start: date, window_end: date) -> Inputs:
    from ltc.domain import scheduling
    from ltc.domain.care_plan import parse_slot
    from ltc.services.reference import policy_book

    policy = policy_book(settings).in_force(window_start)
    work_start, work_end = clock_time(policy.working_day_start_hour), clock_time(policy.working_day_end_hour)

    plans_by_provider: dict[int, list[scheduling.PlanInput]] = {}
    slots_in_window = 0
    weekdays = Counter((window_start + timedelta(days=d)).weekday() for d in range((window_end - window_start).days))
    for plan_id, person_id, provider_id, needs_nurse, minutes, slots, lat, lon in await db.fetch(
        "SELECT cp.id, cp.person, cp.provider, cp.needs_nurse, cp.visit_minutes, cp.slots, p.lat, p.lon"
        " FROM care_plan cp"
        " JOIN person p ON p.id = cp.person WHERE cp.status = 'confirmed' AND cp.care_mode = 'home'"
    ):
        parsed = tuple(parse_slot(s) for s in json.loads(slots))
        slots_in_window += sum(weekdays[day] for day, _ in {(s.weekday, s.start) for s in parsed})
        plans_by_provider.setdefault(provider_id, []).append(
            scheduling.PlanInput(plan_id, person_id, provider_id, lat, lon, parsed, minutes, bool(needs_nurse))
        )
    caregivers_by_provider: dict[int, list[scheduling.CaregiverInput]] = {}
    for cid, provider_id, qualification, lat, lon, hours, days, starts, ends in await db.fetch(
        "SELECT id, provider, qualification, lat, lon, weekly_hours, working_days, work_start, work_end FROM caregiver"
    ):
        caregivers_by_provider.setdefault(provider_id, []).append(
            scheduling.CaregiverInput(
                cid,
                provider_id,
                qualification,
                lat,
                lon,
                hours,
                clock_time.fromisoformat(starts) if starts else work_start,
                clock_time.fromisoformat(ends) if ends else work_end,
                frozenset(json.loads(days) if isinstance(days, str) else days),
            )
        )
    return Inputs(plans_by_provider, caregivers_by_provider, slots_in_window)


async def check_visits(db: Loader, settings: Any, window_start: date, window_end: date) -> dict[str, Any]:
    """Read the stored visits back and check them with ``find_conflicts``, provider by provider
    (a caregiver works for one provider, so nothing is missed between providers)."""
    from ltc.domain import scheduling
    from ltc.services.reference import policy_book

    zone = settings.zone
    policy = policy_book(settings).in_force(window_start)
    parse = timestamp_parser(db.sqlite)
    kinds: Counter[str] = Counter()
    inputs = await read_inputs(db, settings, window_start, window_end)
    plans_by_provider, caregivers_by_provider = inputs.plans_by_provider, inputs.caregivers_by_provider
    slots_in_window = inputs.slots_in_window

    checked = 0
    visit_seconds = travel_seconds = 0.0
    for provider_id, caregivers in sorted(caregivers_by_provider.items()):
        rows = await db.fetch(
            "SELECT v.care_plan, v.person, v.caregiver, v.planned_start, v.planned_end, p.lat, p.lon,"
            " v.window_opens, v.window_closes FROM visit v"
            " JOIN person p ON p.id = v.person"
            f" WHERE v.caregiver IN (SELECT id FROM caregiver WHERE provider = {int(provider_id)})"
        )
        visits = [
            scheduling.PlannedVisit(
                plan, person, caregiver, parse(start), parse(end), lat, lon, parse(opens), parse(closes)
            )
            for plan, person, caregiver, start, end, lat, lon, opens, closes in rows
        ]
        checked += len(visits)
        visit_seconds += sum((v.slot_end - v.slot_start).total_seconds() for v in visits)
        travel_seconds += _travel_between(visits, policy.travel_speed_kmh, zone)
        for conflict in scheduling.find_conflicts(
            visits, caregivers, policy, plans=plans_by_provider.get(provider_id, []), zone=zone
        ):
            kinds[conflict.kind] += 1
    ((no_caregiver,),) = await db.fetch("SELECT COUNT(*) FROM visit WHERE caregiver IS NULL")
    ((mismatched,),) = await db.fetch(
        "SELECT COUNT(*) FROM visit v JOIN care_plan cp ON cp.id = v.care_plan"
        " WHERE v.provider <> cp.provider OR v.person <> cp.person"
    )
    if no_caregiver:
        kinds["no_caregiver"] += no_caregiver
    if mismatched:
        kinds["not_the_plans_provider_or_person"] += mismatched
    ((stored,),) = await db.fetch("SELECT COUNT(*) FROM visit")
    ((unscheduled,),) = await db.fetch("SELECT COUNT(*) FROM unscheduled_slot")
    return {
        "conflicts": sum(kinds.values()),
        "conflict_kinds": dict(sorted(kinds.items())),
        "stored_visits": int(stored),
        "checked_visits": checked,
        "stored_unscheduled": int(unscheduled),
        "slots_in_window": slots_in_window,
        "accounted": int(stored) + int(unscheduled) == slots_in_window,
        # the stored visits' hours and the travel between a caregiver's consecutive visits of a day
        "visit_hours": round(visit_seconds / 3600),
        "travel_hours": round(travel_seconds / 3600),
    }


def _travel_between(visits: list[Any], speed_kmh: float, zone: Any) -> float:
    """Seconds of travel between each caregiver's consecutive visits of a local day."""
    from ltc.domain.coordinates import haversine_km

    days: dict[tuple[Any, date], list[Any]] = {}
    for v in visits:
        days.setdefault((v.caregiver_id, v.slot_start.astimezone(zone).date()), []).append(v)
    total = 0.0
    for day in days.values():
        day.sort(key=lambda v: v.slot_start)
        for a, b in itertools.pairwise(day):
            total += haversine_km(a.lat, a.lon, b.lat, b.lon) / speed_kmh * 3600.0
    return total


# --------------------------------------------------------------------------- against OR-Tools


async def compare_ortools(
    db: Loader, settings: Any, window_start: date, window_end: date, samples: int, seconds_each: float, seed: int
) -> dict[str, Any]:
    """``samples`` provider-days drawn at random from the window, each solved by our scheduler
    and by OR-Tools (``ltc.bench.ortools_day``) with the weekly hours the stored schedule left
    each caregiver that ISO week outside that day."""
    from ltc.bench.ortools_day import DayProblem, compare, remaining_week
    from ltc.services.reference import policy_book

    zone = settings.zone
    policy = policy_book(settings).in_force(window_start)
    parse = timestamp_parser(db.sqlite)
    inputs = await read_inputs(db, settings, window_start, window_end)
    providers = sorted(p for p in inputs.plans_by_provider if p in inputs.caregivers_by_provider)
    ndays = (window_end - window_start).days
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(providers) * ndays, size=min(samples, len(providers) * ndays), replace=False)
    rows = []
    for pick in sorted(int(p) for p in picks):
        provider = providers[pick // ndays]
        day = window_start + timedelta(days=pick % ndays)
        week_start = datetime.combine(day - timedelta(days=day.weekday()), clock_time(0), zone)
        day_start = datetime.combine(day, clock_time(0), zone)
        booked: Counter[int] = Counter()
        for caregiver, start, end in await db.fetch(
            "SELECT caregiver, planned_start, planned_end FROM visit"
            f" WHERE caregiver IN (SELECT id FROM caregiver WHERE provider = {int(provider)})"
        ):
            begins = parse(start)
            if week_start <= begins < week_start + timedelta(days=7) and not (
                day_start <= begins < day_start + timedelta(days=1)
            ):
                booked[caregiver] += (parse(end) - begins).total_seconds()
        problem = DayProblem(
            day,
            zone,
            policy,
            inputs.plans_by_provider[provider],
            remaining_week(inputs.caregivers_by_provider[provider], dict(booked)),
        )
        rows.append(compare(problem, seconds_each))
    ours = sum(r["ours_placed"] for r in rows)
    theirs = sum(r["ortools_placed"] for r in rows)
    return {
        "samples": len(rows),
        "ortools_seconds_limit": seconds_each,
        "visits": sum(r["visits"] for r in rows),
        "ours_placed": ours,
        "ortools_placed": theirs,
        "ours_conflicts": sum(r["ours_conflicts"] for r in rows),
        "ortools_conflicts": sum(r["ortools_conflicts"] for r in rows),
        "ours_seconds": round(sum(r["ours_seconds"] for r in rows), 3),
        "ortools_seconds": round(sum(r["ortools_seconds"] for r in rows), 3),
        "ours_at_least_as_many": ours >= theirs,
        "days": rows,
    }


# --------------------------------------------------------------------------- the run


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    async with scratch_database("schedule") as url:
        return await _bench(url, args)


async def _bench(url: str, args: argparse.Namespace) -> dict[str, Any]:
    from ltc.db.tables import Job
    from ltc.runtime import open_runtime
    from ltc.services.clock import FixedClock
    from ltc.services.visits.generation import generate_visits
    from ltc.services.visits.values import GenerateVisitsParams
    from ltc.settings import load_settings

    settings = load_settings(database_url=url, redis_url="", worker_cron=False)
    zone = settings.zone
    window_start = date.fromisoformat(args.start)
    window_end = window_start + timedelta(days=args.days)
    # The nightly job's hour (02:00 local) on the day before the window.
    clock = FixedClock(datetime.combine(window_start - timedelta(days=1), clock_time(2, 0), zone).astimezone(UTC))
    providers = args.providers or max(1, round(args.beneficiaries * 359 / 50_000))
    async with open_runtime(settings, clock=clock, migrate=True) as runtime:
        seeding = time.perf_counter()
        async with Loader(url) as db:
            city = await seed_city(
                db,
                settings,
                beneficiaries=args.beneficiaries,
                caregivers=args.caregivers,
                providers=providers,
                weekly_hours=args.weekly_hours,
                seed=args.seed,
                now=clock.now(),
                day=window_start,
            )
            await db.finish(("provider", "person", "assignment", "care_plan", "caregiver"))
        seed_seconds = time.perf_counter() - seeding

        job_id = uuid.uuid4()
        params = {"from": window_start.isoformat(), "days": args.days}
        await Job.insert(
            Job(id=job_id, kind="generate_visits", status="running", params=params, created_at=clock.now())
        )
        marks: list[tuple[float, float]] = []

        async def progress(fraction: float) -> None:
            marks.append((fraction, time.perf_counter()))
            await Job.update({Job.progress: max(0.0, min(1.0, fraction))}).where(Job.id == job_id)

        started = time.perf_counter()
        result = (
            await generate_visits(runtime.services, GenerateVisitsParams.model_validate(params), progress)
        ).model_dump(mode="json")
        seconds = time.perf_counter() - started
        peak = peak_rss_mb()

        def mark(fraction: float) -> float:
            return next((t for f, t in marks if f >= fraction), started + seconds)

        async with Loader(url) as db:
            check = await check_visits(db, settings, window_start, window_end)
            compared = (
                await compare_ortools(
                    db, settings, window_start, window_end, args.compare_ortools, args.ortools_seconds, args.seed
                )
                if args.compare_ortools
                else None
            )
    return {
        "beneficiaries": args.beneficiaries,
        "caregivers": city.caregivers,
        "providers": providers,
        "days": args.days,
        "visits": result["visits"],
        "seconds": round(seconds, 3),
        "peak_rss_mb": peak,
        "conflicts": check["conflicts"],
        "unscheduled": result["unscheduled"],
        "db": "sqlite" if url.startswith("sqlite://") else "postgres",
        "load_seconds": round(mark(0.1) - started, 3),
        "schedule_insert_seconds": round(started + seconds - mark(0.1), 3),
        "visits_per_second": round(result["visits"] / seconds) if seconds else None,
        "seed_seconds": round(seed_seconds, 3),
        "weekly_hours": args.weekly_hours,
        # what the caregivers may work in the window: weekly hours × weeks
        "caregiver_hours": round(city.caregivers * args.weekly_hours * args.days / 7),
        "by_reason": result["by_reason"],
        "continuity": result["continuity"],
        "nurse_plans": int(city.needs_nurse.sum()),
        "nurses": city.caregiver_qualification.count("nurse"),
        "window": result.get("window"),
        **{k: v for k, v in check.items() if k != "conflicts"},
        "peak_rss_mb_with_check": peak_rss_mb(),
        **({"ortools": compared} if compared is not None else {}),
    }
