"""Check in to home visits over HTTP against a real server, beside a bare one-row insert on the same stack.

Builds a small city in a fresh database (a temporary database on the PostgreSQL server of
``LTC_DATABASE_URL`` when it names one, dropped afterwards, else a temporary SQLite file)
with the bulk inserts of ``ltc bench schedule``: ``--providers`` providers, each with an
agency user made by ``users.create_user``; one person (home, active assignment, confirmed
home care plan) and one caregiver per visit; and a planned visit per check-in to come,
started five minutes before the load begins. None of that is timed.

Then starts ``ltc serve`` in a subprocess on a free loopback port, as production runs it
(one uvicorn process; the settings from the environment: this database, the in-memory queue
with its in-process worker, ``LTC_WORKER_CRON=false`` so that the alert sweep does not run
in the middle, ``LTC_LOG_LEVEL=WARNING`` so that no access log is written, and
``LTC_BENCH_ENDPOINTS=true``), signs every agency user in through ``/api/v1/auth/token``,
and drives it with an ``aiohttp`` client (its C parser keeps the load generator, which shares
the machine, light) from ``--concurrency`` connections (a closed loop:
each sends its next request when the previous answer is in):

* the baseline: ``--requests`` × ``POST /api/v1/bench/insert`` (``ltc.bench.endpoint``: the
  check-in body stored as one audit row, no checks);
* the subject: ``--requests`` × ``POST /api/v1/visits/{id}/check-in``, each on its own visit,
  the device time just before sending, at the person's home with 10 m accuracy, so that the
  events are valid (``flagged`` counts answers with any flag; expected 0).

The two run in ``--rounds`` slices (8), a slice of inserts then one of check-ins, so that a
slower stretch of a shared machine falls on both rather than on whichever ran then.

Both carry the agency's bearer token, so both pay for the token check. ``rps`` is requests
over the phase's wall time, ``p99_ms`` the 99th percentile of each request's time from send
to answer; ``errors`` counts check-ins not answered 201 (``baseline_errors`` the same for
the inserts). A few warm-up requests of each kind go first and are not counted.

``--rate R`` adds an open-loop phase: ``R`` check-ins a second for ``--rate-seconds``, each
sent at its scheduled moment whatever the earlier ones are doing; ``rate_p99_ms`` is measured
from the scheduled moment (so a client that falls behind counts against the result). The bare
insert runs the same fixed-rate phase just before (``baseline_rate_p99_ms``,
``baseline_rate_achieved``): what the stack and this machine allow at that rate at all.

``--web-processes N`` serves with ``ltc serve --workers N`` (uvicorn's N processes on one
port; the queue is then the Redis of ``LTC_REDIS_URL``, which ``ltc serve`` needs for more than
one process), and both phases run against those same processes.

The peak rate (``--peak``, and the default ``--rate`` when ``--web-processes`` > 1) is the
largest city's busiest moment, from Shanghai's figures: about 8.7 million home visits a month,
each a check-in and a check-out, so 17.4 million visit events a month. Home care is booked on
working days, so a month is taken as 22 days of visits (the busiest reading: the same visits
on fewer days): 790,909 events a day. Most of them fall in the daytime, crowded into the
morning's busiest hour (caregivers start their first visit at eight): half of a day's events
in that hour is 395,455 events, **109.8 a second, rounded up to 110**. The check-in is the
dearer event (the check-out reuses its facts), so the bench sends check-ins alone at that rate.

Target (documented, not asserted): check-ins at no less than half the bare insert's
throughput (0.6× with two web processes), p99 ≤ 100 ms at the peak rate (and at 200 requests a
second with one process), no errors. The load generator shares
the machine with the server (on two cores it takes a good part of one). ``--in-process``
serves from a thread of the bench's own process instead (no second interpreter to start;
for the smoke test, its figures are not comparable).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import numpy as np

from ltc.bench import peak_rss_mb
from ltc.bench.schedule import seed_city
from ltc.bench.scratch import Loader, scratch_database

AGENCY_PASSWORD_BYTES = 18

# The peak rate's figures (the module's docstring derives it).
SHANGHAI_VISITS_PER_MONTH = 8_700_000
EVENTS_PER_VISIT = 2  # a check-in and a check-out
SERVICE_DAYS_PER_MONTH = 22  # working days: the same visits on fewer days is the busier reading
PEAK_HOUR_SHARE = 0.5  # of a day's events, in the morning's busiest hour
EARLIER_VISIT_BEFORE = timedelta(hours=3)  # each person's visit done earlier that day (see _earlier_visits)


def peak_rate(
    visits_per_month: int = SHANGHAI_VISITS_PER_MONTH,
    days: int = SERVICE_DAYS_PER_MONTH,
    peak_hour_share: float = PEAK_HOUR_SHARE,
) -> int:
    """Visit events a second in the busiest hour, rounded up."""
    return math.ceil(visits_per_month * EVENTS_PER_VISIT / days * peak_hour_share / 3600)


PEAK_RATE = peak_rate()


# What grows with the city (`ltc bench growth` multiplies these flags by the size) and the
# figures whose growth it fits.
SCALES = ("requests", "providers")
GROWTH_FIGURES = ("p99_ms", "rps")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--requests", type=int, default=2_000, help="check-ins (and baseline inserts) measured")
    parser.add_argument("--concurrency", type=int, default=32, help="connections sending at once")
    parser.add_argument("--providers", type=int, default=4, help="providers (one agency user each)")
    parser.add_argument(
        "--rate",
        type=int,
        default=None,
        help=f"also send check-ins at this fixed rate a second (default: none; {PEAK_RATE} with --web-processes > 1)",
    )
    parser.add_argument(
        "--peak", action="store_true", help=f"the fixed rate is Shanghai's peak: {PEAK_RATE} check-ins a second"
    )
    parser.add_argument(
        "--web-processes", type=int, default=1, help="web processes serving (ltc serve --workers N; N > 1 needs Redis)"
    )
    parser.add_argument("--rate-seconds", type=float, default=10.0, help="length of the fixed-rate phase")
    parser.add_argument("--warmup", type=int, default=50, help="uncounted requests of each kind sent first")
    parser.add_argument(
        "--rounds", type=int, default=8, help="slices the two closed loops alternate in (a slowdown falls on both)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic city")
    parser.add_argument(
        "--in-process", action="store_true", help="serve from a thread of this process (quick start; for tests)"
    )


def fixed_rate(args: argparse.Namespace) -> int:
    """The open-loop phase's rate: the one asked for, else the peak when asked for or when
    several web processes serve (the scale-out's target), else none."""
    if args.rate is not None:
        return max(0, args.rate)
    return PEAK_RATE if args.peak or args.web_processes > 1 else 0


def server_settings(web_processes: int) -> dict[str, Any]:
    """One process keeps the embedded in-memory queue; several share the queue through Redis."""
    if web_processes == 1:
        return SERVER_SETTINGS
    redis_url = os.environ.get("LTC_REDIS_URL", "")
    if not redis_url:
        raise SystemExit("--web-processes > 1 serves as production does: set LTC_REDIS_URL")
    return {**SERVER_SETTINGS, "redis_url": redis_url, "queue_name": f"ltc:bench:{uuid.uuid4().hex[:8]}"}


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.web_processes < 1:
        raise SystemExit("--web-processes must be at least 1")
    if args.web_processes > 1 and args.in_process:
        raise SystemExit("--in-process serves from one thread: it cannot be several web processes")
    return asyncio.run(_run(args))


# --------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# A scratch database of synthetic persons may use the development data keys.
BENCH_KEYS = {"LTC_ALLOW_DEVELOPMENT_KEYS": "true"}
SERVE_COMMAND = (sys.executable, "-m", "ltc.cli", "serve", "--host", "127.0.0.1")
# What `ltc serve` reads from the environment besides the database and the secret.
SERVER_SETTINGS = {"redis_url": "", "worker_cron": False, "log_level": "WARNING", "bench_endpoints": True}


@contextlib.asynccontextmanager
async def serve(
    url: str,
    secret: str,
    *,
    in_process: bool = False,
    settings: dict[str, Any] = SERVER_SETTINGS,
    web_processes: int = 1,
) -> AsyncIterator[str]:
    """``ltc serve`` (``--workers web_processes``) in a subprocess on a free loopback port (or,
    ``in_process``, the same app under uvicorn in a thread of this process: quick to start, but
    it shares this process's GIL with the load); yields its base URL once ``/healthz`` answers."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        if in_process:
            server, thread = _serve_in_thread(url, secret, port, settings)

            def alive() -> bool:
                return thread.is_alive()

        else:
            env = {f"LTC_{k.upper()}": str(v).lower() if isinstance(v, bool) else v for k, v in settings.items()}
            process = subprocess.Popen(
                [*SERVE_COMMAND, "--port", str(port), "--workers", str(web_processes)],
                env={**os.environ, **env, **BENCH_KEYS, "LTC_DATABASE_URL": url, "LTC_SECRET_KEY": secret},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

            def alive() -> bool:
                return process.poll() is None

        try:
            if not await _answers(base, alive):
                log.seek(0)
                raise RuntimeError(f"the server did not start:\n{log.read().decode(errors='replace')[-3000:]}")
            yield base
        finally:
            if in_process:
                server.should_exit = True
                await asyncio.to_thread(thread.join, 20)
            else:
                process.terminate()
                try:
                    await asyncio.to_thread(process.wait, 20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _serve_in_thread(url: str, secret: str, port: int, overrides: dict[str, Any]) -> tuple[Any, threading.Thread]:
    import uvicorn

    from ltc.settings import load_settings
    from ltc.web.app import create_app

    settings = load_settings(database_url=url, secret_key=secret, **overrides)
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, proxy_headers=True, log_level=settings.log_level.lower()
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="ltc-bench-server", daemon=True)
    thread.start()
    return server, thread


async def _answers(base: str, alive: Callable[[], bool], seconds: float = 120.0) -> bool:
    import httpx

    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, timeout=2.0) as client:
        while alive() and time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/healthz")).status_code == 200:
                    return True
            await asyncio.sleep(0.1)
    return False


# --------------------------------------------------------------------------- the city and its visits


async def prepare_city(url: str, args: argparse.Namespace, visits: int, start: datetime) -> dict[str, Any]:
    """Seed persons, caregivers and one planned visit each; create the agency users."""
    from piccolo.utils.encoding import dump_json

    from ltc.domain.access import Role
    from ltc.domain.periods import service_month
    from ltc.runtime import open_runtime
    from ltc.services import users
    from ltc.services.reference import policy_book
    from ltc.services.visits.storage import INSERT_COLUMNS, slot_key
    from ltc.settings import load_settings

    settings = load_settings(database_url=url, redis_url="", worker_cron=False)
    now = datetime.now(UTC)
    window_minutes = policy_book(settings).in_force(now.date()).visit_window_minutes
    providers = max(1, min(args.providers, visits))
    async with open_runtime(settings, migrate=True) as runtime:
        async with Loader(url) as db:
            city = await seed_city(
                db,
                settings,
                beneficiaries=visits,
                caregivers=visits,
                providers=providers,
                weekly_hours=40,
                seed=args.seed,
                now=now,
                day=start.astimezone(settings.zone).date(),
                caregiver_per_person=True,
            )
            # Person i (1-based) gets the next caregiver of its provider: nobody has two visits.
            first = np.concatenate(([1], 1 + np.cumsum(np.bincount(city.caregiver_provider - 1, minlength=providers))))
            taken = np.zeros(providers, dtype=np.int64)
            items = dump_json(["B01", "B07"])
            rows = []
            for i in range(visits):
                p = int(city.person_provider[i]) - 1
                caregiver = int(first[p] + taken[p])
                taken[p] += 1
                values = {
                    "care_plan": i + 1,
                    "person": i + 1,
                    "provider": p + 1,
                    "caregiver": caregiver,
                    "slot_key": slot_key(i + 1, start),
                    "planned_start": start,
                    "planned_end": start + timedelta(minutes=60),
                    "window_opens": start,  # the slot's start, its window as the policy's
                    "window_closes": start + timedelta(minutes=window_minutes),
                    "items": items,
                    "source": "schedule",
                    "status": "planned",
                    "checked_in_at": None,
                    "checked_out_at": None,
                    "done_items": "[]",
                    "flags": "[]",
                    "alerts": "[]",
                    "created_at": now,
                    "updated_at": now,
                    "person_confirmation": "",
                    "service_month": service_month(start, settings.zone),
                }
                rows.append(tuple(values[c] for c in INSERT_COLUMNS))
            await db.insert("visit", ("id", *INSERT_COLUMNS), [(i + 1, *r) for i, r in enumerate(rows)])
            await _earlier_visits(db, rows, city, settings.zone)
            await db.finish(("provider", "person", "assignment", "care_plan", "caregiver", "visit", "visit_event"))
        password = "Pw-1" + secrets.token_urlsafe(AGENCY_PASSWORD_BYTES)  # the policy asks for 3 classes
        usernames = []
        for p in range(providers):
            username = f"bench-agency-{p + 1}"
            await users.create_user(
                runtime.services, actor=None, username=username, password=password, role=Role.AGENCY, provider_id=p + 1
            )
            usernames.append(username)
    return {
        "city": city,
        "usernames": usernames,
        "password": password,
    }


async def _earlier_visits(db: Loader, rows: list[tuple[Any, ...]], city: Any, zone: tzinfo) -> None:
    """Each person's visit earlier that day, done, with its check-in and check-out: the month's
    event partition is then not empty when the run starts, and the planner's statistics (taken
    by ``finish``) describe it as a busy hour after the month's first would find it. Without
    them, each server connection plans the check-in's read of the events once, for a partition
    it believes empty (a sequential scan), and keeps that plan as the run fills it; in
    production autoanalyze re-plans within about a minute of a month's start. The earlier
    visit ends two hours before the run's, at the same home, so it raises no flag."""
    from ltc.db.queries.visits import EVENT_COLUMNS
    from ltc.domain.periods import service_month
    from ltc.services.visits.storage import INSERT_COLUMNS, slot_key

    column = {name: n for n, name in enumerate(INSERT_COLUMNS)}
    earlier_rows, events = [], []
    for i, row in enumerate(rows):
        start = row[column["planned_start"]] - EARLIER_VISIT_BEFORE
        end = start + timedelta(minutes=60)
        values = dict(zip(INSERT_COLUMNS, row, strict=True)) | {
            "slot_key": slot_key(row[column["care_plan"]], start),
            "planned_start": start,
            "planned_end": end,
            "window_opens": start,
            "window_closes": start + (row[column["window_closes"]] - row[column["window_opens"]]),
            "status": "done",
            "checked_in_at": start,
            "checked_out_at": end,
            "done_items": row[column["items"]],
            "service_month": service_month(start, zone),
        }
        visit_id = len(rows) + i + 1
        lat, lon = float(city.person_lat[i]), float(city.person_lon[i])
        earlier_rows.append((visit_id, *(values[c] for c in INSERT_COLUMNS)))
        for kind, at in (("check_in", start), ("check_out", end)):
            event = {
                "visit": visit_id,
                "event_id": str(uuid.uuid4()),
                "kind": kind,
                "at": at,
                "server_received_at": at,
                "lat": lat,
                "lon": lon,
                "accuracy_m": 10.0,
                "items": values["items"] if kind == "check_out" else "[]",
                "recorded_by": None,
                "outcome": "recorded",
                "person_confirmation": "",
                "presence": "",
                "performed_by": None,
                "evidence": "[]",
                "service_month": values["service_month"],
            }
            events.append(tuple(event[c] for c in EVENT_COLUMNS))
    await db.insert("visit", ("id", *INSERT_COLUMNS), earlier_rows)
    await db.insert("visit_event", EVENT_COLUMNS, events)


# --------------------------------------------------------------------------- the load


async def _post(client: Any, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
    async with client.post(path, json=body, headers=headers) as response:
        return response.status, (await response.json(content_type=None) if response.status < 500 else None)


async def closed_loop(
    client: Any, requests: list[tuple[str, dict[str, str], Callable[[], dict[str, Any]]]], concurrency: int
) -> dict[str, Any]:
    """Every request from ``concurrency`` workers, each sending its next one when the last
    answer is in. Returns wall time, latencies (s) and the answers' status codes and bodies."""
    latencies = [0.0] * len(requests)
    statuses = [0] * len(requests)
    bodies: list[Any] = [None] * len(requests)
    position = iter(range(len(requests)))

    async def worker() -> None:
        for i in position:
            path, headers, body = requests[i]
            sent = time.perf_counter()
            try:
                statuses[i], bodies[i] = await _post(client, path, body(), headers)
            except Exception as error:  # a timeout or a dropped connection is an error, not a crash
                statuses[i] = -1
                bodies[i] = repr(error)
            latencies[i] = time.perf_counter() - sent

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return {"seconds": time.perf_counter() - started, "latencies": latencies, "statuses": statuses, "bodies": bodies}


async def alternating(
    client: Any,
    baseline: list[tuple[str, dict[str, str], Callable[[], dict[str, Any]]]],
    subject: list[tuple[str, dict[str, str], Callable[[], dict[str, Any]]]],
    concurrency: int,
    rounds: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both closed loops in ``rounds`` slices, a slice of the baseline then one of the subject,
    so that a slower stretch of a shared machine falls on both; each phase's wall time is the
    sum of its slices'."""
    results: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
    for n in range(max(1, rounds)):
        for requests, kept in ((baseline, results[0]), (subject, results[1])):
            part = requests[n * len(requests) // rounds : (n + 1) * len(requests) // rounds]
            kept.append(await closed_loop(client, part, concurrency))

    def joined(slices: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "seconds": sum(s["seconds"] for s in slices),
            **{key: [x for s in slices for x in s[key]] for key in ("latencies", "statuses", "bodies")},
        }

    return joined(results[0]), joined(results[1])


async def open_loop(
    client: Any, requests: list[tuple[str, dict[str, str], Callable[[], dict[str, Any]]]], rate: float
) -> dict[str, Any]:
    """Request i sent at start + i / rate whatever the others are doing; latency from that moment."""
    latencies = [0.0] * len(requests)
    statuses = [0] * len(requests)

    async def one(i: int, due: float) -> None:
        path, headers, body = requests[i]
        try:
            statuses[i], _ = await _post(client, path, body(), headers)
        except Exception:
            statuses[i] = -1
        latencies[i] = time.perf_counter() - due

    tasks = []
    started = time.perf_counter()
    for i in range(len(requests)):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    sent = time.perf_counter() - started
    await asyncio.gather(*tasks)
    return {
        "seconds": time.perf_counter() - started,
        "send_seconds": sent,
        "latencies": latencies,
        "statuses": statuses,
    }


def p99_ms(latencies: list[float]) -> float | None:
    return round(float(np.percentile(np.array(latencies) * 1000.0, 99)), 2) if latencies else None


# --------------------------------------------------------------------------- the run


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    async with scratch_database("checkin") as url:
        return await _bench(url, args)


async def _bench(url: str, args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    rate = fixed_rate(args)
    rate_requests = round(rate * args.rate_seconds) if rate > 0 else 0
    total = args.warmup + args.requests + rate_requests
    start = datetime.now(UTC) - timedelta(minutes=5)
    seeding = time.perf_counter()
    prepared = await prepare_city(url, args, total, start)
    seed_seconds = time.perf_counter() - seeding
    city = prepared["city"]
    secret = secrets.token_urlsafe(32)

    settings = server_settings(args.web_processes)
    async with serve(
        url, secret, in_process=args.in_process, settings=settings, web_processes=args.web_processes
    ) as base:
        connector = aiohttp.TCPConnector(limit=max(args.concurrency, 64 if rate_requests else 1))
        timeout = aiohttp.ClientTimeout(total=30.0)
        async with aiohttp.ClientSession(base_url=base, connector=connector, timeout=timeout) as client:
            tokens = {}
            for p, username in enumerate(prepared["usernames"]):
                status, answer = await _post(
                    client, "/api/v1/auth/token", {"username": username, "password": prepared["password"]}, {}
                )
                if status != 200:
                    raise RuntimeError(f"sign-in failed: {status} {answer}")
                tokens[p + 1] = {"Authorization": f"Bearer {answer['access_token']}"}

            def check_in(visit: int) -> tuple[str, dict[str, str], Callable[[], dict[str, Any]]]:
                i = visit - 1
                lat, lon = float(city.person_lat[i]), float(city.person_lon[i])

                def body() -> dict[str, Any]:
                    at = datetime.now(UTC) - timedelta(seconds=1)
                    return {
                        "event_id": str(uuid.uuid4()),
                        "at": at.isoformat(),
                        "lat": lat,
                        "lon": lon,
                        "accuracy_m": 10,
                    }

                return f"/api/v1/visits/{visit}/check-in", tokens[int(city.person_provider[i])], body

            def bare(visit: int) -> tuple[str, dict[str, str], Callable[[], dict[str, Any]]]:
                _, headers, body = check_in(visit)
                return "/api/v1/bench/insert", headers, body

            visits = list(range(1, total + 1))
            warm, measured, paced = (
                visits[: args.warmup],
                visits[args.warmup : args.warmup + args.requests],
                visits[args.warmup + args.requests :],
            )
            await closed_loop(client, [bare(v) for v in warm], args.concurrency)
            await closed_loop(client, [check_in(v) for v in warm], args.concurrency)
            baseline, subject = await alternating(
                client, [bare(v) for v in measured], [check_in(v) for v in measured], args.concurrency, args.rounds
            )
            # The same fixed rate on the bare insert first: what the stack itself allows here.
            paced_baseline = await open_loop(client, [bare(v) for v in paced], rate) if paced else None
            paced_result = await open_loop(client, [check_in(v) for v in paced], rate) if paced else None

    errors = sum(1 for s in subject["statuses"] if s != 201)
    flagged = sum(1 for b in subject["bodies"] if isinstance(b, dict) and b.get("flags"))
    first_error = next(
        (f"{s}: {str(b)[:300]}" for s, b in zip(subject["statuses"], subject["bodies"], strict=True) if s != 201), None
    )
    rps = len(measured) / subject["seconds"] if subject["seconds"] else 0.0
    baseline_rps = len(measured) / baseline["seconds"] if baseline["seconds"] else 0.0
    out: dict[str, Any] = {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "rps": round(rps, 1),
        "p99_ms": p99_ms(subject["latencies"]),
        "baseline_rps": round(baseline_rps, 1),
        "baseline_p99_ms": p99_ms(baseline["latencies"]),
        "errors": errors,
        "db": "sqlite" if url.startswith("sqlite://") else "postgres",
        "ratio": round(rps / baseline_rps, 3) if baseline_rps else None,
        "p50_ms": round(float(np.median(subject["latencies"])) * 1000.0, 2),
        "baseline_p50_ms": round(float(np.median(baseline["latencies"])) * 1000.0, 2),
        "baseline_errors": sum(1 for s in baseline["statuses"] if s != 201),
        "flagged": flagged,
        "providers": len(prepared["usernames"]),
        "server": "in-process" if args.in_process else "subprocess",
        "web_processes": args.web_processes,
        "seed_seconds": round(seed_seconds, 3),
        "peak_rss_mb": peak_rss_mb(),
    }
    if first_error:
        out["first_error"] = first_error
    if paced_result is not None:
        out.update(
            {
                "rate": rate,
                "rate_is_peak": rate == PEAK_RATE,
                "rate_requests": len(paced),
                "rate_achieved": round(len(paced) / paced_result["send_seconds"], 1)
                if paced_result["send_seconds"]
                else None,
                "rate_p99_ms": p99_ms(paced_result["latencies"]),
                "rate_p50_ms": round(float(np.median(paced_result["latencies"])) * 1000.0, 2),
                "rate_errors": sum(1 for s in paced_result["statuses"] if s != 201),
                "baseline_rate_p99_ms": p99_ms(paced_baseline["latencies"]),
                "baseline_rate_achieved": round(len(paced) / paced_baseline["send_seconds"], 1)
                if paced_baseline["send_seconds"]
                else None,
            }
        )
    return out
