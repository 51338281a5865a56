"""A mixed workload at a multiple of the largest city's peak hour, against a real server, for a fixed time.

The peak is modelled from the city in DOMAIN.md (about 20,000 home visits a day, each a
check-in and a check-out): ``--peak-share`` of a day's visit events fall in its busiest hour,
and every event comes with ``--pages-per-event`` page views and ``--reads-per-event`` API reads
(agencies and caregivers looking at the day, officers at the month). ``--factor`` multiplies
it all (default 5). With the defaults that is about 3.5 check-ins, 3.5 check-outs, 35 page
views and 35 API reads a second.

Builds, untimed, a city in a fresh database (PostgreSQL when ``LTC_DATABASE_URL`` names a
server, else SQLite) with the seeding of ``ltc bench checkin``: ``--persons`` persons with a
confirmed home care plan, one caregiver each, one planned visit each starting five minutes
before the load (and one done earlier that day, with its events), agency users of
``--providers`` providers; then last month's done visits of every person
(``--month-visits-per-person``), so that the settlement build has a real month.

Then serves it as production does (``ltc serve`` in a subprocess; with ``LTC_REDIS_URL`` set,
that Redis and a separate ``ltc worker`` process, else the in-memory queue with the worker in
the web process) and sends, open loop, each request at its scheduled moment whatever the
others are doing, for ``--seconds``:

* ``check_in``: ``POST /api/v1/visits/{id}/check-in`` at the person's home, a visit each;
* ``check_out``: ``POST /api/v1/visits/{id}/check-out`` of a visit checked in at least
  ``--visit-seconds`` earlier in the run;
* ``page``: the agency's day page ``GET /visits`` (HTML) or the bureau's ``GET /settlements``;
* ``api_read``: ``GET /api/v1/visits?date=…`` (agency), ``GET /api/v1/settlements?period=…`` or
  ``GET /api/v1/fund`` (bureau);
* ``build``: two seconds in, the bureau starts last month's settlement build for every
  provider (``POST /api/v1/settlements/build``) and the run follows the job to its end.

Latency is from the scheduled moment to the answer (a server that falls behind counts against
itself). ``errors`` counts answers other than the expected 2xx per kind (a dropped
connection or a timeout is an error too); ``build.status`` must be ``done``.
Target (documented, not asserted): 0 errors, p99 per kind well under a second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from ltc.bench import peak_rss_mb
from ltc.bench.checkin import SERVER_SETTINGS, p99_ms, prepare_city, serve
from ltc.bench.scratch import Loader, scratch_database
from ltc.domain.periods import Period

VISITS_PER_DAY = 20_000  # the largest city's home visits a day (DOMAIN.md)
EVENTS_PER_VISIT = 2  # a check-in and a check-out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load")
    parser.add_argument("--factor", type=float, default=5.0, help="multiple of the peak hour")
    parser.add_argument("--visits-per-day", type=int, default=VISITS_PER_DAY, help="the city's visits a day")
    parser.add_argument("--peak-share", type=float, default=0.125, help="share of a day's events in the peak hour")
    parser.add_argument("--pages-per-event", type=float, default=5.0, help="page views per visit event")
    parser.add_argument("--reads-per-event", type=float, default=5.0, help="API reads per visit event")
    parser.add_argument("--persons", type=int, default=20_000, help="persons (one planned visit each)")
    parser.add_argument("--providers", type=int, default=359, help="providers (one agency user each)")
    parser.add_argument("--month-visits-per-person", type=int, default=20, help="last month's done visits a person")
    parser.add_argument("--visit-seconds", type=float, default=5.0, help="least time between a check-in and its out")
    parser.add_argument("--no-build", action="store_true", help="no settlement build during the load")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic city")
    parser.add_argument(
        "--in-process", action="store_true", help="serve from a thread of this process (quick start; for tests)"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    async with scratch_database("load") as url:
        return await _bench(url, args)


# --------------------------------------------------------------------------- the rates


@dataclass(frozen=True)
class Rates:
    """Requests a second of each kind."""

    check_in: float
    check_out: float
    page: float
    api_read: float

    @classmethod
    def of(cls, args: argparse.Namespace) -> Rates:
        events = args.visits_per_day * EVENTS_PER_VISIT * args.peak_share / 3600.0 * args.factor
        return cls(
            check_in=events / 2,
            check_out=events / 2,
            page=events * args.pages_per_event,
            api_read=events * args.reads_per_event,
        )


# --------------------------------------------------------------------------- last month


async def _seed_last_month(url: str, city: Any, persons: int, per_person: int, period: Period, zone: Any) -> int:
    """Done visits of every person in ``period``, 40–70 minutes between 07:00 and 20:00 local."""
    rng = random.Random(7)
    columns = (
        "id",
        "care_plan",
        "person",
        "provider",
        "slot_key",
        "planned_start",
        "planned_end",
        "source",
        "status",
        "checked_in_at",
        "checked_out_at",
        "created_at",
        "updated_at",
        "service_month",
    )
    first_local = datetime(period.year, period.month, 1, tzinfo=zone)
    async with Loader(url) as db:
        ((last_id,),) = await db.fetch("SELECT COALESCE(MAX(id), 0) FROM visit")  # after the city's own visits
        next_id = first_id = int(last_id) + 1
        await db.prepare_months(period.first_day, period.first_day)
        for start in range(0, persons, 2_000):
            rows = []
            for i in range(start, min(start + 2_000, persons)):
                provider = int(city.person_provider[i])
                for _ in range(per_person):
                    local = first_local + timedelta(days=rng.randrange(period.days()), minutes=rng.randrange(420, 1200))
                    planned = local.astimezone(UTC)
                    checked_in = planned + timedelta(seconds=rng.randrange(-300, 600))
                    checked_out = checked_in + timedelta(seconds=rng.randrange(40 * 60, 70 * 60))
                    rows.append(
                        (
                            next_id,
                            i + 1,
                            i + 1,
                            provider,
                            f"load:{next_id}",
                            planned,
                            planned + timedelta(minutes=60),
                            "schedule",
                            "done",
                            checked_in,
                            checked_out,
                            planned,
                            checked_out,
                            period.first_day,
                        )
                    )
                    next_id += 1
            await db.insert("visit", columns, rows)
        await db.finish(("visit",))
    return next_id - first_id


# --------------------------------------------------------------------------- the timeline


Request = tuple[str, str, dict[str, str], Callable[[], dict[str, Any] | None]]  # method, path, headers, body


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None


async def _send(client: Any, request: Request) -> tuple[int, str]:
    method, path, headers, body = request
    payload = body()
    async with client.request(method, path, json=payload, headers=headers) as response:
        text = await response.text()
        return response.status, text


@contextlib.asynccontextmanager
async def _worker_process(url: str, secret: str) -> AsyncIterator[None]:
    """``ltc worker`` beside the server when a real Redis is configured."""
    redis_url = os.environ.get("LTC_REDIS_URL", "")
    if not redis_url:
        yield
        return
    env = {**os.environ, "LTC_DATABASE_URL": url, "LTC_SECRET_KEY": secret, "LTC_WORKER_CRON": "false"}
    env["LTC_ALLOW_DEVELOPMENT_KEYS"] = "true"  # a scratch database of synthetic persons
    env["LTC_LOG_LEVEL"] = "WARNING"
    process = subprocess.Popen(
        [sys.executable, "-m", "ltc.cli", "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield
    finally:
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, 30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _bench(url: str, args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    from ltc.domain.access import Role
    from ltc.runtime import open_runtime
    from ltc.services import users
    from ltc.settings import load_settings

    rates = Rates.of(args)
    settings = load_settings(database_url=url, redis_url="", worker_cron=False)
    zone = settings.zone
    start = datetime.now(UTC) - timedelta(minutes=5)
    today = start.astimezone(zone).date()
    last_month = Period.of(today).previous()
    check_ins = int(rates.check_in * args.seconds) + 1
    persons = max(args.persons, check_ins)

    seeding = time.perf_counter()
    seed_args = argparse.Namespace(providers=args.providers, seed=args.seed)
    prepared = await prepare_city(url, seed_args, persons, start)
    city = prepared["city"]
    async with open_runtime(settings) as runtime:  # its engine makes the month's partitions
        month_visits = await _seed_last_month(url, city, persons, args.month_visits_per_person, last_month, zone)
        await users.create_user(
            runtime.services,
            actor=None,
            username="bench-bureau",
            password=prepared["password"],
            role=Role.BUREAU,
        )
    seed_seconds = time.perf_counter() - seeding

    secret = secrets.token_urlsafe(32)
    server_settings = {**SERVER_SETTINGS, "redis_url": os.environ.get("LTC_REDIS_URL", "")}
    outcomes = {kind: Outcome() for kind in ("check_in", "check_out", "page", "api_read")}
    build: dict[str, Any] = {"status": "not started"}
    async with (
        _worker_process(url, secret),
        serve(url, secret, in_process=args.in_process, settings=server_settings) as base,
    ):
        connector = aiohttp.TCPConnector(limit=256)
        timeout = aiohttp.ClientTimeout(total=30.0)
        async with aiohttp.ClientSession(base_url=base, connector=connector, timeout=timeout) as client:
            tokens = {}
            for username in [*prepared["usernames"], "bench-bureau"]:
                async with client.post(
                    "/api/v1/auth/token", json={"username": username, "password": prepared["password"]}
                ) as response:
                    answer = await response.json()
                    if response.status != 200:
                        raise RuntimeError(f"sign-in failed: {response.status} {answer}")
                tokens[username] = {"Authorization": f"Bearer {answer['access_token']}"}
            bureau = tokens["bench-bureau"]

            def agency(provider: int) -> dict[str, str]:
                return tokens[f"bench-agency-{provider}"]

            def event(visit: int, *, out: bool) -> Request:
                i = visit - 1
                lat, lon = float(city.person_lat[i]), float(city.person_lon[i])

                def body() -> dict[str, Any]:
                    at = datetime.now(UTC) - timedelta(seconds=1)
                    values: dict[str, Any] = {
                        "event_id": str(uuid.uuid4()),
                        "at": at.isoformat(),
                        "lat": lat,
                        "lon": lon,
                        "accuracy_m": 10,
                    }
                    if out:
                        values["items"] = ["B01"]
                    return values

                kind = "check-out" if out else "check-in"
                return "POST", f"/api/v1/visits/{visit}/{kind}", agency(int(city.person_provider[i])), body

            rng = random.Random(args.seed)
            providers = len(prepared["usernames"])

            def page() -> Request:
                if rng.random() < 0.8:
                    return "GET", f"/visits?date={today}", agency(rng.randrange(providers) + 1), lambda: None
                return "GET", f"/settlements?period={last_month}", bureau, lambda: None

            def api_read() -> Request:
                roll = rng.random()
                if roll < 0.7:
                    return "GET", f"/api/v1/visits?date={today}", agency(rng.randrange(providers) + 1), lambda: None
                if roll < 0.9:
                    return "GET", f"/api/v1/settlements?period={last_month}", bureau, lambda: None
                return "GET", "/api/v1/fund", bureau, lambda: None

            # The timeline: (due, kind, request); check-outs follow their check-ins.
            timeline: list[tuple[float, str, Request]] = []
            for n in range(check_ins):
                due = n / rates.check_in
                if due >= args.seconds:
                    break
                timeline.append((due, "check_in", event(n + 1, out=False)))
                out_due = due + args.visit_seconds
                if out_due < args.seconds:
                    timeline.append((out_due, "check_out", event(n + 1, out=True)))
            for kind, rate, make in (("page", rates.page, page), ("api_read", rates.api_read, api_read)):
                for n in range(int(rate * args.seconds)):
                    timeline.append((n / rate, kind, make()))
            timeline.sort(key=lambda item: item[0])

            async def one(due: float, kind: str, request: Request) -> None:
                outcome = outcomes[kind]
                try:
                    status, text = await _send(client, request)
                except Exception as error:  # a timeout or a dropped connection is an error, not a crash
                    status, text = -1, repr(error)
                outcome.latencies.append(time.perf_counter() - due)
                if not 200 <= status < 300:
                    outcome.errors += 1
                    outcome.first_error = outcome.first_error or f"{request[1]} → {status}: {text[:300]}"

            async def follow_build(started: float) -> None:
                await asyncio.sleep(max(0.0, started + 2.0 - time.perf_counter()))
                began = time.perf_counter()
                async with client.post(
                    "/api/v1/settlements/build", json={"period": str(last_month)}, headers=bureau
                ) as response:
                    answer = await response.json(content_type=None)
                if response.status != 202:
                    build.update(status=f"refused {response.status}", answer=str(answer)[:300])
                    return
                job = answer["job_id"]
                while True:
                    await asyncio.sleep(1.0)
                    async with client.get(f"/api/v1/jobs/{job}", headers=bureau) as response:
                        view = await response.json(content_type=None)
                    if view.get("status") in {"done", "failed"}:
                        build.update(
                            status=view["status"],
                            seconds=round(time.perf_counter() - began, 1),
                            error=view.get("error") or None,
                            settlements=(view.get("result") or {}).get("providers"),
                        )
                        return

            started = time.perf_counter()
            builder = None if args.no_build else asyncio.create_task(follow_build(started))
            tasks = []
            for offset, kind, request in timeline:
                due = started + offset
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(due, kind, request)))
            await asyncio.gather(*tasks)
            load_seconds = time.perf_counter() - started
            if builder is not None:
                await builder

    kinds = {}
    for kind, outcome in outcomes.items():
        latencies = outcome.latencies
        kinds[kind] = {
            "requests": len(latencies),
            "rate": round(getattr(rates, kind), 2),
            "errors": outcome.errors,
            "p50_ms": round(float(np.median(latencies)) * 1000.0, 1) if latencies else None,
            "p99_ms": p99_ms(latencies),
            "max_ms": round(max(latencies) * 1000.0, 1) if latencies else None,
        }
        if outcome.first_error:
            kinds[kind]["first_error"] = outcome.first_error
    return {
        "db": "sqlite" if url.startswith("sqlite://") else "postgres",
        "queue": "redis" if os.environ.get("LTC_REDIS_URL") else "in-memory",
        "seconds": round(load_seconds, 1),
        "factor": args.factor,
        "requests": sum(k["requests"] for k in kinds.values()),
        "errors": sum(k["errors"] for k in kinds.values()),
        "kinds": kinds,
        "build": build,
        "persons": persons,
        "providers": providers,
        "month_visits": month_visits,
        "seed_seconds": round(seed_seconds, 1),
        "peak_rss_mb": peak_rss_mb(),
    }
