"""Settle a synthetic month of home visits for every provider (the real build, in a real database).

Builds a month in a fresh database — a temporary database on the PostgreSQL server of
``LTC_DATABASE_URL`` when it names one (dropped afterwards), else a temporary SQLite file —
with bulk inserts that are not timed: providers (some with an agreed hourly price, some on
the policy's), persons with a confirmed home care plan (levels 3–5), and ``--visits`` done
visits spread over the month in random id order (40–70 minutes with seconds and
microseconds, a few crossing local midnight, some over the person's monthly cap). About 2%
of the visits carry exceptions: open, explained or rejected ones keep the visit out of the
month, accepted or withdrawn ones do not.

Timed: the job body ``build_settlements`` for the whole month (``seconds``) and, separately,
a raw SQL aggregation of the same visits — minutes and count per provider and person, the
blocked visits left out, with the same exact minute arithmetic (``raw_sql_seconds``). Then,
untimed, every draft is submitted by an agency user of its provider and approved by a bureau
officer through ``settlements.act``, and ``ledger_imbalance_fen`` is sum(debits) −
sum(credits) over the whole ledger (must be 0). ``checks`` compares the drafts with the raw
aggregation: the counted visits and verified minutes must agree.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from ltc.bench import fanout, peak_rss_mb
from ltc.bench.scratch import Loader, scratch_database
from ltc.domain.periods import Period

# (status, resolution_code, blocks the visit)
EXCEPTION_KINDS = (
    ("open", "", True),
    ("explained", "", True),
    ("resolved", "rejected", True),
    ("resolved", "accepted", False),
    ("withdrawn", "", False),
)


# What grows with the city (`ltc bench growth` multiplies these flags by the size) and the
# figures whose growth it fits.
SCALES = ("visits", "providers")
GROWTH_FIGURES = ("seconds", "raw_sql_seconds")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--visits", type=int, default=1_500_000, help="done home visits in the month")
    parser.add_argument("--providers", type=int, default=359, help="home care providers")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic month")
    parser.add_argument("--period", default="2026-03", help="the month settled (YYYY-MM)")
    parser.add_argument("--visits-per-person", type=int, default=22, help="average visits of a person in the month")
    fanout.add_arguments(parser)


def run(args: argparse.Namespace) -> dict[str, Any]:
    return asyncio.run(_run(args))


# --------------------------------------------------------------------------- the database


async def _ready_for_the_build(db: Loader, tables: Sequence[str]) -> None:
    """Move the id sequences past the explicit ids; on PostgreSQL vacuum and gather planner
    statistics, as autovacuum would after a load (else the build, the first to read the
    month, would pay for setting every row's hint bits, and the raw query after it would not).
    SQLite is left as loaded."""
    if db.sqlite:
        return
    await db.move_sequences(tables)
    await db.conn.execute("VACUUM ANALYZE")


# --------------------------------------------------------------------------- the synthetic month


def _pick(values: dict[str, Any], names: Sequence[str]) -> tuple[Any, ...]:
    return tuple(values[name] for name in names)


async def _seed(url: str, args: argparse.Namespace, period: Period, zone: Any) -> dict[str, Any]:
    from ltc.db.personal_data import PersonSecrets, sealed_values
    from ltc.settings import load_settings

    rng = random.Random(args.seed)
    now = period.start_utc(zone) - timedelta(days=40)
    providers = max(1, args.providers)
    persons = max(1, min(args.visits, round(args.visits / max(args.visits_per_person, 1)))) if args.visits else 0
    async with Loader(url) as db:
        hourly = [rng.choice((0, 0, 5500, 6000, 6500)) for _ in range(providers)]
        await db.insert(
            "provider",
            (
                "id",
                "code",
                "name",
                "name_en",
                "kind",
                "status",
                "lat",
                "lon",
                "capacity",
                "hourly_price_fen",
                "daily_price_fen",
                "created_at",
                "credit_code",
            ),
            (
                (
                    p,
                    f"B{p:05d}",
                    f"基准机构{p}",
                    f"Bench provider {p}",
                    "home",
                    "active",
                    29.6,
                    121.4,
                    500,
                    hourly[p - 1],
                    0,
                    now,
                    f"BENCH{p:013d}",
                )
                for p in range(1, providers + 1)
            ),
        )
        users = [(1, "bench-bureau", "bureau", None)]
        users += [(p + 1, f"bench-agency-{p}", "agency", p) for p in range(1, providers + 1)]
        await db.insert(
            "app_user",
            ("id", "username", "display_name", "password_hash", "role", "provider", "active", "created_at"),
            ((i, name, name, "!", role, provider, True, now) for i, name, role, provider in users),
        )
        provider_of = [p % providers + 1 if p < providers else rng.randrange(providers) + 1 for p in range(persons)]
        levels = [rng.choice((3, 4, 5)) for _ in range(persons)]
        keyring = load_settings(database_url=url).keyring
        sealed = ("id_number", "id_number_enc", "id_number_index", "data_key_id")
        await db.insert(
            "person",
            ("id", *sealed, "name", "sex", "birth_date", "insured", "created_at"),
            (
                (
                    i,
                    *_pick(sealed_values(keyring, i, PersonSecrets(f"BENCH{i:013d}", "", "")), sealed),
                    f"受益人{i}",
                    "F" if i % 2 else "M",
                    date(1940, 1, 1),
                    True,
                    now,
                )
                for i in range(1, persons + 1)
            ),
        )
        await db.insert(
            "care_plan",
            (
                "id",
                "person",
                "provider",
                "version",
                "version_key",
                "current_key",
                "level",
                "care_mode",
                "monthly_hours",
                "visit_minutes",
                "policy_version",
                "status",
                "confirmed_at",
                "created_at",
            ),
            (
                (
                    i,
                    i,
                    provider_of[i - 1],
                    1,
                    f"{i}:1",
                    f"person:{i}",
                    levels[i - 1],
                    "home",
                    25,
                    60,
                    "bench",
                    "confirmed",
                    now,
                    now,
                )
                for i in range(1, persons + 1)
            ),
        )
        await db.prepare_months(period.first_day, period.first_day)
        month_visits = _MonthVisits(args.visits, persons, period, zone, np.array(provider_of), args.seed)
        crossing = exceptions = 0
        for visits, blocked in month_visits.chunks():
            await db.insert_arrays("visit", visits)
            if blocked["id"].size:
                await db.insert_arrays("visit_exception", blocked)
            crossing += month_visits.crossing
            exceptions += int(blocked["id"].size)
        await _ready_for_the_build(db, ("provider", "app_user", "person", "care_plan", "visit", "visit_exception"))
    return {"persons": persons, "crossing_midnight": crossing, "exceptions": exceptions}


CHUNK = 100_000  # visits generated and copied at a time (their text for COPY is a few times their size)


class _MonthVisits:
    """The month's done visits, drawn with numpy a chunk at a time (ids in random day order):
    each person's share of the visits, a start between 07:00 and 20:00 local (0.5 % between
    23:00 and 23:40, some of which end after midnight), checked in from 5 minutes early to
    10 late (never early for the late ones), 40–70 minutes long to the microsecond; 2 % with an
    exception (a tenth of those with two), of a kind from ``EXCEPTION_KINDS``."""

    def __init__(self, visits: int, persons: int, period: Period, zone: Any, provider_of: np.ndarray, seed: int):
        self.rng = np.random.default_rng(seed)
        self.visits, self.period, self.provider_of = visits, period, provider_of
        self.month = np.datetime64(period.first_day, "D")
        # Each person's visits, in random order across the whole month.
        counts = np.full(persons, visits // persons, dtype=np.int64)
        counts[: visits % persons] += 1
        self.person = self.rng.permutation(np.repeat(np.arange(1, persons + 1, dtype=np.int64), counts))
        # Local midnights in UTC of the month's days and the two after (for the visits past midnight).
        first = datetime(period.year, period.month, 1, tzinfo=zone)
        self.midnights = np.array(
            [_utc_micros(first + timedelta(days=d)) for d in range(period.days() + 2)], dtype="datetime64[us]"
        )
        self.crossing = 0  # of the chunk last drawn
        self._exceptions_so_far = 0

    def chunks(self) -> Iterator[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]:
        rng, minute_us, second_us = self.rng, 60_000_000, 1_000_000
        for start in range(0, self.visits, CHUNK):
            person = self.person[start : start + CHUNK]
            n = person.size
            ids = np.arange(start + 1, start + n + 1, dtype=np.int64)
            provider = self.provider_of[person - 1]
            day = rng.integers(0, self.period.days(), n)
            late = rng.random(n) < 0.005
            minute = np.where(late, rng.integers(23 * 60, 23 * 60 + 40, n), rng.integers(7 * 60, 20 * 60, n))
            planned = self.midnights[day] + (minute * minute_us).astype("timedelta64[us]")
            early = np.where(late, 0, -300)
            delay = rng.integers(early, 600, n) * second_us + rng.integers(0, second_us, n)
            checked_in = planned + delay.astype("timedelta64[us]")
            length = rng.integers(40 * 60, 70 * 60, n) * second_us + rng.integers(0, second_us, n)
            checked_out = checked_in + length.astype("timedelta64[us]")
            local_day_in = np.searchsorted(self.midnights, checked_in, side="right")
            local_day_out = np.searchsorted(self.midnights, checked_out, side="right")
            self.crossing = int(np.count_nonzero(local_day_in != local_day_out))
            visits = {
                "id": ids,
                "care_plan": person,
                "person": person,
                "provider": provider,
                "slot_key": np.array([f"bench:{i}" for i in ids.tolist()], dtype=object),
                "planned_start": planned,
                "planned_end": planned + np.timedelta64(60, "m"),
                "source": np.full(n, "schedule", dtype=object),
                "status": np.full(n, "done", dtype=object),
                "checked_in_at": checked_in,
                "checked_out_at": checked_out,
                "created_at": planned,
                "updated_at": checked_out,
                "service_month": np.full(n, self.month),
            }
            yield visits, self._exceptions(ids, provider, checked_out)

    def _exceptions(self, ids: np.ndarray, provider: np.ndarray, checked_out: np.ndarray) -> dict[str, np.ndarray]:
        rng, n = self.rng, ids.size
        excepted = np.flatnonzero(rng.random(n) < 0.02)
        twice = excepted[rng.random(excepted.size) < 0.1]
        at = np.concatenate([excepted, twice])
        code = np.array(["too_short"] * excepted.size + ["off_site"] * twice.size, dtype=object)
        kind = rng.integers(0, len(EXCEPTION_KINDS), at.size)
        status = np.array([k[0] for k in EXCEPTION_KINDS], dtype=object)[kind]
        resolution = np.array([k[1] for k in EXCEPTION_KINDS], dtype=object)[kind]
        visit = ids[at]
        return {
            "id": np.arange(1, at.size + 1, dtype=np.int64) + self._next_exception(at.size),
            "visit": visit,
            "provider": provider[at],
            "code": code,
            "exception_key": np.array(
                [f"{v}:{c}" for v, c in zip(visit.tolist(), code.tolist(), strict=True)], dtype=object
            ),
            "status": status,
            "opened_at": checked_out[at],
            "resolution_code": resolution,
            "service_month": np.full(at.size, self.month),
        }

    def _next_exception(self, count: int) -> int:
        """The id before this chunk's first exception."""
        before = self._exceptions_so_far
        self._exceptions_so_far += count
        return before


def _utc_micros(moment: datetime) -> np.datetime64:
    """An aware moment as a UTC numpy datetime (numpy's are naive)."""
    return np.datetime64(moment.astimezone(UTC).replace(tzinfo=None), "us")


# --------------------------------------------------------------------------- the raw aggregation


def raw_aggregation_sql(sqlite: bool) -> str:
    """Minutes (the floor of each exact duration, never below 0) and count per provider and
    person of the month's done visits with a care plan, visits with a blocking exception left
    out: the same arithmetic as the build, written plainly."""
    if sqlite:
        # Timestamptz is stored as text 'YYYY-MM-DD HH:MM:SS[.ffffff]+00:00' (UTC): whole
        # seconds through julianday (rounded: its double is far finer than a second), and the
        # microseconds from the text.
        def micros(column: str) -> str:
            return (
                f"(CAST(round((julianday(substr({column}, 1, 19)) - 2440587.5) * 86400) AS INTEGER) * 1000000"
                f" + CASE WHEN substr({column}, 20, 1) = '.' THEN CAST(substr({column}, 21, 6) AS INTEGER) ELSE 0 END)"
            )

        minutes = f"MAX({micros('v.checked_out_at')} - {micros('v.checked_in_at')}, 0) / 60000000"
    else:
        minutes = "GREATEST((EXTRACT(EPOCH FROM v.checked_out_at - v.checked_in_at) * 1000000)::bigint, 0) / 60000000"
    return f"""
        SELECT v.provider AS provider, v.person AS person, SUM({minutes}) AS minutes, COUNT(*) AS visits
        FROM visit v
        LEFT JOIN (
            SELECT DISTINCT e.visit, e.provider FROM visit_exception e
            WHERE e.status IN ('open', 'explained') OR (e.status = 'resolved' AND e.resolution_code = 'rejected')
        ) blocked ON blocked.visit = v.id AND blocked.provider = v.provider
        WHERE v.status = 'done' AND v.planned_start >= {{}} AND v.planned_start < {{}}
          AND v.care_plan IS NOT NULL AND blocked.visit IS NULL
        GROUP BY v.provider, v.person"""


# --------------------------------------------------------------------------- the run


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    redis_url = fanout.require_server_and_queue() if args.worker_processes else ""
    async with scratch_database("settle") as url:
        return await _bench(url, args, redis_url)


async def _with_workers(ctx: Any, url: str, args: argparse.Namespace, redis_url: str, period: Period) -> dict[str, Any]:
    """After the build in one job (``seconds``): the month built again by the fanned-out job
    once per count of worker processes, each from no drafts (removed untimed before each run)."""
    from ltc.services.settlements.values import BuildSettlementsParams

    async def reset() -> None:
        async with Loader(url) as db:
            for table in ("review_sample", "settlement_line", "settlement"):
                await db.conn.execute(f"DELETE FROM {table}")
            await db.conn.execute("VACUUM ANALYZE")

    params = BuildSettlementsParams(period=str(period), parts=args.parts)
    runs = []
    async for count, row in fanout.runs_per_worker_count(
        args, ctx, "build_settlements", params, database_url=url, redis_url=redis_url, reset=reset
    ):
        runs.append(
            {
                "worker_processes": count,
                "seconds": row["seconds"],
                "settlements": row["result"]["providers"],
                "parts": row["parts"],
            }
        )
    return {
        "parts": args.parts,
        "worker_max_jobs": args.worker_max_jobs,
        "runs": runs,
        "model": fanout.amdahl_model({run["worker_processes"]: run["seconds"] for run in runs}),
    }


async def _bench(url: str, args: argparse.Namespace, redis_url: str = "") -> dict[str, Any]:
    from ltc.db import engine as db_engine
    from ltc.db.migrate import apply_migrations
    from ltc.db.tables import LedgerPosting, Settlement, SettlementLine, Visit
    from ltc.domain.access import Actor, Role
    from ltc.runtime import build_service_context, connect_redis
    from ltc.services.clock import FixedClock
    from ltc.services.settlements import build, workflow
    from ltc.services.settlements.values import BuildSettlementsParams
    from ltc.services.supervision import review
    from ltc.settings import load_settings

    settings = load_settings(
        database_url=url,
        redis_url=redis_url,
        **({"queue_name": fanout.queue_name(), "job_parts": args.parts} if redis_url else {}),
    )
    period = Period.parse(args.period)
    zone = settings.zone
    engine = db_engine.configure_engine(url)
    await db_engine.start(engine)
    redis = connect_redis(settings)
    try:
        await apply_migrations()
        seeded = await _seed(url, args, period, zone)
        ctx = build_service_context(settings, redis, FixedClock(period.end_utc(zone) + timedelta(days=1, hours=2)))

        async def progress(_: float) -> None:
            return None

        started = time.perf_counter()
        built = await build.build_in_one_job(ctx, BuildSettlementsParams(period=str(period)), progress)
        seconds = time.perf_counter() - started
        with_workers = await _with_workers(ctx, url, args, redis_url, period) if args.worker_processes else {}

        started = time.perf_counter()
        raw = await Visit.raw(
            raw_aggregation_sql(db_engine.is_sqlite(engine)), period.start_utc(zone), period.end_utc(zone)
        )
        raw_sql_seconds = time.perf_counter() - started
        peak = peak_rss_mb()

        # Untimed: the drafts agree with the raw aggregation, then every one is approved.
        (lines,) = await SettlementLine.raw(
            "SELECT COUNT(*) AS n, COALESCE(SUM(json_array_length(visit_ids)), 0) AS counted,"
            " COALESCE(SUM(verified_minutes), 0) AS verified FROM settlement_line"
        )
        checks = {
            "counted_visits": int(lines["counted"]),
            "raw_visits": sum(int(r["visits"]) for r in raw),
            "verified_minutes": int(lines["verified"]),
            "raw_minutes": sum(int(r["minutes"] or 0) for r in raw),
        }
        drafts = await Settlement.select(Settlement.id, Settlement.provider, Settlement.version).order_by(Settlement.id)
        bureau = Actor(user_id=1, username="bench-bureau", role=Role.BUREAU)
        supervisor = Actor(user_id=1, username="bench-supervisor", role=Role.SUPERVISOR)
        for row in drafts:
            # the lines drawn for review are confirmed first: approval waits for them
            sample = await review.sample_page(ctx, supervisor, settlement_id=row["id"], status="pending", limit=1000)
            for drawn in sample.items:
                await review.decide(ctx, supervisor, drawn.id, review.DecisionIn(outcome="confirmed"))
            agency = Actor(
                user_id=row["provider"] + 1,
                username=f"bench-agency-{row['provider']}",
                role=Role.AGENCY,
                provider_id=row["provider"],
            )
            submitted = await workflow.act(ctx, agency, row["id"], "submit", seen_version=row["version"])
            await workflow.act(ctx, bureau, row["id"], "approve", seen_version=submitted.version)
        (totals,) = await LedgerPosting.raw(
            "SELECT COALESCE(SUM(debit_fen), 0) AS debit, COALESCE(SUM(credit_fen), 0) AS credit FROM ledger_posting"
        )
        (fund,) = await Settlement.raw(
            "SELECT COALESCE(SUM(fund_fen), 0) AS fund, COUNT(*) AS n FROM settlement WHERE status = 'approved'"
        )
        return {
            "visits": args.visits,
            "providers": args.providers,
            "seconds": round(seconds, 3),
            "raw_sql_seconds": round(raw_sql_seconds, 3),
            "ratio": round(seconds / raw_sql_seconds, 2) if raw_sql_seconds else None,
            "peak_rss_mb": peak,
            "ledger_imbalance_fen": int(totals["debit"]) - int(totals["credit"]),
            "db": "sqlite" if db_engine.is_sqlite(engine) else "postgresql",
            "period": str(period),
            "settlements": built.providers,
            "approved": int(fund["n"]),
            "lines": int(lines["n"]),
            "fund_fen": int(fund["fund"]),
            "persons": seeded["persons"],
            "exceptions": seeded["exceptions"],
            "crossing_midnight": seeded["crossing_midnight"],
            "checks": checks,
            **with_workers,
        }
    finally:
        await redis.aclose()
        await db_engine.stop(engine)
