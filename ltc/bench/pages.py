"""Every list page and list API, in pages and with filters, over a database the size of the largest city.

Builds, timed apart (``generation_seconds``), a city in a fresh database (a temporary
database on the PostgreSQL server of ``LTC_DATABASE_URL`` when it names one, dropped
afterwards, else a temporary SQLite file) with bulk loads (COPY on PostgreSQL with the
foreign keys left to the generator, executemany in batches of 100,000 on SQLite; the visits'
secondary indexes dropped for the load and built after it): the district's towns,
``--providers`` providers of every kind and agreement state, ``--caregivers`` caregivers,
``--persons`` persons (their personal data sealed as the app seals it), applications of a
sixth of them with their assessments and conclusions, ``--visits`` visits of
``--beneficiaries`` beneficiaries over as many days as ``--visits-per-day`` (20,000) fill
(past ones done, cancelled or missed, the coming week planned), their verification
exceptions (about 2% of the done visits), alerts, and every provider's monthly settlements.

Then serves the app in this process (an in-process ASGI client: what is timed is the app and
the database, not a network) to a bureau officer and one agency, signed in as a browser (the
pages) and with a bearer token (the API), and asks each list ``--requests`` times in each of
these ways: its first page, a page 10,000 rows deep (or in the middle of a shorter list)
reached through the cursor of the ``Link`` headers, and its filters. ``endpoints`` holds, per
list and way, the median and 95th percentile in milliseconds, the rows on the page and the
statuses (every answer must be 200). Target (documented, not asserted): p95 ≤ 200 ms each on
PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ltc.bench import peak_rss_mb
from ltc.bench.scratch import Loader, scratch_database
from ltc.db.partitions import index_sql_for_parent

VISITS_PER_DAY = 20_000  # the largest city's home visits a day (DOMAIN.md)
CHUNK = 100_000  # rows a bulk insert
FLAGS = ("too_short", "outside_geofence", "caregiver_overlap", "impossible_travel", "presence_code_missing")
ALERTS = ("late", "missed", "missing_checkout")


# What grows with the city (`ltc bench growth` multiplies these flags by the size) and the
# figures whose growth it fits.
SCALES = ("persons", "visits", "visits_per_day", "beneficiaries", "caregivers")
GROWTH_FIGURES = ("worst_p95_ms", "generation_seconds")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--persons", type=int, default=400_000, help="persons registered")
    parser.add_argument("--visits", type=int, default=10_000_000, help="visits (20,000 a day: past and coming)")
    parser.add_argument("--visits-per-day", type=int, default=VISITS_PER_DAY, help="visits a day (fewer: more days)")
    parser.add_argument("--beneficiaries", type=int, default=50_000, help="persons with visits")
    parser.add_argument("--providers", type=int, default=359, help="designated providers")
    parser.add_argument("--caregivers", type=int, default=8_000, help="caregivers")
    parser.add_argument("--requests", type=int, default=30, help="requests of each list in each way")
    parser.add_argument("--limit", type=int, default=50, help="rows a page")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic city")


def run(args: argparse.Namespace) -> dict[str, Any]:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    async with scratch_database("pages") as url:
        return await _bench(url, args)


# --------------------------------------------------------------------------- the city


@dataclass
class City:
    """What the requests need to know of the generated city."""

    today: date
    days: int
    town_code: str  # the town the town filters ask for
    providers: int
    agency_provider: int
    counts: dict[str, int] = field(default_factory=dict)


def _utc(day: date, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock_time(minute // 60, minute % 60), zone).astimezone(UTC)


@contextlib.asynccontextmanager
async def _indexes_built_after(db: Loader, table: str) -> AsyncIterator[None]:
    """The table's secondary indexes dropped for the load and built again after it (one sort
    each instead of a random insert a row into each); the ones behind constraints stay."""
    if db.sqlite:
        rows = await db.fetch(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}'")
        kept = [(name, sql) for name, sql in rows if sql]
    else:
        kept = await db.fetch(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
            f" WHERE t.relname = '{table}' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)"
        )
    for name, _ in kept:
        await _execute(db, f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        for _, sql in kept:
            await _execute(db, index_sql_for_parent(sql))  # on every month's partition


async def _execute(db: Loader, sql: str) -> None:
    if db.sqlite:
        db.conn.execute(sql)
    else:
        await db.conn.execute(sql)


async def _insert(db: Loader, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await db.insert(table, columns, rows[start : start + CHUNK])


async def generate_city(url: str, args: argparse.Namespace, settings: Any, now: datetime) -> City:
    """The whole city, bulk loaded into the migrated, empty database at ``url``."""
    from piccolo.utils.encoding import dump_json

    from ltc.db.personal_data import PersonSecrets, sealed_values
    from ltc.domain.identity import make_id_number
    from ltc.domain.periods import Period
    from ltc.geo.towns import load_towns

    zone = settings.zone
    rng = np.random.default_rng(args.seed)
    today = now.astimezone(zone).date()
    days = max(1, -(-args.visits // max(args.visits_per_day, 1)))
    coming = min(7, days - 1)
    first_day = today - timedelta(days=days - 1 - coming)
    persons = max(1, args.persons)
    beneficiaries = max(1, min(args.beneficiaries, persons))
    providers = max(1, args.providers)
    caregivers = max(1, args.caregivers)
    towns = load_towns()
    city = City(today=today, days=days, town_code=towns[2 % len(towns)].code, providers=providers, agency_provider=1)

    async with Loader(url) as db:
        if not db.sqlite:  # the foreign keys are the generator's to keep: checking each row would double the load
            await db.conn.execute("SET session_replication_role = replica")
        await db.insert(
            "town",
            ("id", "code", "name", "name_en", "kind", "terrain", "lat", "lon", "share_60plus"),
            [
                (i + 1, t.code, t.name, t.name_en, t.kind, t.terrain, t.lat, t.lon, t.share_60plus)
                for i, t in enumerate(towns)
            ],
        )
        # Providers: every kind and agreement state; provider 1 is the agency that signs in.
        kinds = rng.choice(["home", "institutional", "both"], size=providers, p=[0.4, 0.45, 0.15])
        kinds[0] = "home"
        states = rng.choice(
            ["active", "suspended", "designated", "applied", "terminated"],
            size=providers,
            p=[0.88, 0.04, 0.03, 0.02, 0.03],
        )
        states[0] = "active"
        provider_town = rng.integers(1, len(towns) + 1, size=providers)
        await db.insert(
            "provider",
            "id code name name_en kind status town lat lon service_radius_km capacity hourly_price_fen"
            " daily_price_fen created_at credit_code".split(),
            [
                (
                    p + 1,
                    f"P{p + 1:04d}",
                    f"护理机构{p + 1}",
                    f"Care provider {p + 1}",
                    str(kinds[p]),
                    str(states[p]),
                    int(provider_town[p]),
                    29.6 + (p % 30) * 0.01,
                    121.4 + (p // 30) * 0.01,
                    8.0,
                    400,
                    6000,
                    12000,
                    now,
                    f"PAGES{p + 1:013d}",
                )
                for p in range(providers)
            ],
        )
        caregiver_provider = np.concatenate([np.arange(1, providers + 1), rng.integers(1, providers + 1, caregivers)])[
            :caregivers
        ]
        await db.insert(
            "caregiver",
            ("id", "provider", "name", "qualification", "lat", "lon", "weekly_hours", "active", "created_at", "skills"),
            [
                (c + 1, int(caregiver_provider[c]), f"护理员{c + 1}", "elderly_carer", 29.6, 121.4, 40, True, now, "[]")
                for c in range(caregivers)
            ],
        )
        by_provider: dict[int, list[int]] = {}
        for c, p in enumerate(caregiver_provider):
            by_provider.setdefault(int(p), []).append(c + 1)

        # Persons, their personal data sealed as the app seals it.
        weights = np.array([t.share_60plus for t in towns], dtype=float)
        person_town = rng.choice(len(towns), size=persons, p=weights / weights.sum()) + 1
        sealed = ("id_number", "id_number_enc", "id_number_index", "data_key_id", "address_enc")
        person_columns = ("id", *sealed, "name", "sex", "birth_date", "town", "insured", "insured_since", "created_at")
        keyring = settings.keyring
        for start in range(0, persons, CHUNK):
            rows = []
            for i in range(start, min(start + CHUNK, persons)):
                born = date(1925, 1, 1) + timedelta(days=i % 12_000)
                number = make_id_number("330283", born, 2 * (i // 12_000) + i % 2, "M" if i % 2 else "F")
                values = sealed_values(
                    keyring, i + 1, PersonSecrets(number, "", f"{towns[person_town[i] - 1].name}{i + 1}号")
                )
                rows.append(
                    (
                        i + 1,
                        *(values[name] for name in sealed),
                        f"居民{i + 1}",
                        "M" if i % 2 else "F",
                        born,
                        int(person_town[i]),
                        True,
                        date(2020, 1, 1),
                        now,
                    )
                )
            await db.insert("person", person_columns, rows)

        # Applications of a sixth of the persons; the final ones with an assessment and a conclusion.
        applications = max(1, persons // 6)
        applicant = rng.permutation(persons)[:applications] + 1
        statuses = rng.choice(
            ["final", "submitted", "accepted", "assessed", "publicised", "objected", "reassessing"],
            size=applications,
            p=[0.76, 0.08, 0.06, 0.04, 0.04, 0.01, 0.01],
        )
        applied = rng.integers(0, 3 * 365, size=applications)
        await _insert(
            db,
            "application",
            "id person kind applied_on care_mode self_eval_grade policy_version status round created_at".split(),
            [
                (
                    a + 1,
                    int(applicant[a]),
                    "initial",
                    today - timedelta(days=int(applied[a])),
                    "home" if a % 3 else "institutional",
                    "C",
                    "bench",
                    str(statuses[a]),
                    1,
                    now,
                )
                for a in range(applications)
            ],
        )
        final = [a for a in range(applications) if statuses[a] == "final"]
        levels = rng.choice([0, 1, 2, 3, 4, 5], size=len(final), p=[0.1, 0.2, 0.2, 0.25, 0.15, 0.1])
        await _insert(
            db,
            "assessment",
            "id application round round_key idempotency_key request_hash instrument_code instrument_version answers"
            " result level severe assessor_ids started_at finished_at status submitted_at".split(),
            [
                (
                    n + 1,
                    a + 1,
                    1,
                    f"{a + 1}:1",
                    f"bench:{a + 1}",
                    "",
                    "nhsa-2021",
                    "2021",
                    "{}",
                    "{}",
                    int(levels[n]),
                    bool(levels[n] >= 3),
                    "[]",
                    now,
                    now,
                    "final",
                    now,
                )
                for n, a in enumerate(final)
            ],
        )
        conclusion_status = rng.choice(["active", "expired", "superseded"], size=len(final), p=[0.8, 0.12, 0.08])
        valid_until = rng.integers(-365, 2 * 365, size=len(final))
        await _insert(
            db,
            "conclusion",
            "id person application assessment level severe care_mode valid_from valid_until status created_at".split(),
            [
                (
                    n + 1,
                    int(applicant[a]),
                    a + 1,
                    n + 1,
                    int(levels[n]),
                    bool(levels[n] >= 3),
                    "home",
                    today - timedelta(days=int(applied[a])),
                    today + timedelta(days=int(valid_until[n])),
                    str(conclusion_status[n]),
                    now,
                )
                for n, a in enumerate(final)
            ],
        )
        city.counts.update(
            towns=len(towns),
            providers=providers,
            caregivers=caregivers,
            persons=persons,
            applications=applications,
            conclusions=len(final),
        )

        # Visits: each beneficiary with one home provider (its caregivers take the visits). Drawn
        # a chunk at a time with numpy; the times are looked up from a grid of the days' slots.
        home = np.array([p + 1 for p in range(providers) if kinds[p] != "institutional"])
        person_provider = np.concatenate([home, rng.choice(home, size=beneficiaries)])[:beneficiaries]
        person_provider[0] = 1
        staff_of = [by_provider.get(p + 1, []) for p in range(providers)]
        staff_first = np.zeros(providers + 1, dtype=np.int64)
        staff_count = np.zeros(providers + 1, dtype=np.int64)
        flat_staff: list[int] = []
        for p, staff in enumerate(staff_of):
            staff_first[p + 1], staff_count[p + 1] = len(flat_staff), len(staff)
            flat_staff += staff
        staff_ids = np.array([*flat_staff, 0], dtype=np.int64)
        slots_a_day = 12 * 13  # every 5 minutes from 07:00 to 19:55
        # Times as numpy's UTC datetimes (naive, in microseconds), drawn by index.
        grid = np.array(
            [
                _utc(first_day + timedelta(days=d), 7 * 60 + 5 * m, zone).replace(tzinfo=None)
                for d in range(days)
                for m in range(slots_a_day)
            ],
            dtype="datetime64[us]",
        )
        shifts = np.arange(-300, 600).astype("timedelta64[s]").astype("timedelta64[us]")
        lengths = np.arange(35, 70).astype("timedelta64[m]").astype("timedelta64[us]")
        hour, two_hours = np.timedelta64(1, "h"), np.timedelta64(2, "h")
        not_a_time = np.datetime64("NaT", "us")
        now_utc = np.datetime64(now.astimezone(UTC).replace(tzinfo=None), "us")
        today_index = (today - first_day).days
        month_of_day = np.array(
            [(first_day + timedelta(days=d)).replace(day=1) for d in range(days)], dtype="datetime64[D]"
        )
        exception_states = np.array(["open", "open", "explained", "resolved", "withdrawn"])
        flags_json = np.array([dump_json([code]) for code in FLAGS], dtype=object)
        exception_id = alert_id = 0
        await db.prepare_months(first_day.replace(day=1), today.replace(day=1))
        async with _indexes_built_after(db, "visit"):
            for start in range(0, args.visits, CHUNK):
                ids = np.arange(start + 1, min(start + CHUNK, args.visits) + 1)
                n = ids.size
                person = rng.integers(0, beneficiaries, n)
                provider = person_provider[person]
                has_staff = staff_count[provider] > 0
                caregiver = np.where(
                    has_staff,
                    staff_ids[
                        staff_first[provider] + rng.integers(0, 1 << 30, n) % np.maximum(staff_count[provider], 1)
                    ],
                    0,
                )
                day = (ids - 1) * days // max(args.visits, 1)
                slot = day * slots_a_day + rng.integers(0, slots_a_day, n)
                roll = rng.random(n)
                past = day < today_index
                done = past & (roll >= 0.05)
                status = np.where(
                    ~past, "planned", np.where(roll < 0.03, "cancelled", np.where(done, "done", "planned"))
                )
                shift = rng.integers(0, len(shifts), n)
                length = rng.integers(0, len(lengths), n)
                flagged = done & (rng.random(n) < 0.02)
                flag = rng.integers(0, len(FLAGS), n)
                alerted = (day <= today_index) & (rng.random(n) < 0.005)
                alert_kind = rng.integers(0, len(ALERTS), n)
                cleared = rng.random(n) >= 0.3
                state = rng.integers(0, exception_states.size, n)
                begin = grid[slot]
                visit_json = np.where(done, '["B01"]', "[]").astype(object)
                await db.insert_arrays(
                    "visit",
                    {
                        "id": ids,
                        "person": person + 1,
                        "provider": provider,
                        "caregiver": np.where(caregiver > 0, caregiver, None).astype(object),
                        "slot_key": np.array([f"bench:{i}" for i in ids.tolist()], dtype=object),
                        "planned_start": begin,
                        "planned_end": begin + hour,
                        "items": np.full(n, '["B01"]', dtype=object),
                        "source": np.full(n, "schedule", dtype=object),
                        "status": status.astype(object),
                        "checked_in_at": np.where(done, begin + shifts[shift], not_a_time),
                        "checked_out_at": np.where(done, begin + shifts[shift] + lengths[length], not_a_time),
                        "done_items": visit_json,
                        "flags": np.where(flagged, flags_json[flag], "[]").astype(object),
                        "alerts": np.full(n, "[]", dtype=object),
                        "created_at": np.full(n, now_utc),
                        "updated_at": np.full(n, now_utc),
                        "person_confirmation": np.full(n, "", dtype=object),
                        "service_month": month_of_day[day],
                    },
                )
                at = np.flatnonzero(flagged)
                if at.size:
                    code = np.array(FLAGS, dtype=object)[flag[at]]
                    await db.insert_arrays(
                        "visit_exception",
                        {
                            "id": np.arange(exception_id + 1, exception_id + at.size + 1),
                            "visit": ids[at],
                            "provider": provider[at],
                            "code": code,
                            "exception_key": np.array(
                                [f"{v}:{c}" for v, c in zip(ids[at].tolist(), code.tolist(), strict=True)], dtype=object
                            ),
                            "status": exception_states[state[at]].astype(object),
                            "opened_at": begin[at] + shifts[shift[at]] + lengths[length[at]],
                            "service_month": month_of_day[day[at]],
                        },
                    )
                    exception_id += at.size
                at = np.flatnonzero(alerted)
                if at.size:
                    kind = np.array(ALERTS, dtype=object)[alert_kind[at]]
                    await db.insert_arrays(
                        "visit_alert",
                        {
                            "id": np.arange(alert_id + 1, alert_id + at.size + 1),
                            "visit": ids[at],
                            "provider": provider[at],
                            "kind": kind,
                            "alert_key": np.array(
                                [f"{v}:{k}" for v, k in zip(ids[at].tolist(), kind.tolist(), strict=True)], dtype=object
                            ),
                            "raised_at": begin[at],
                            "cleared_at": np.where(cleared[at], begin[at] + two_hours, not_a_time),
                            "service_month": month_of_day[day[at]],
                        },
                    )
                    alert_id += at.size
        city.counts.update(visits=args.visits, visit_exceptions=exception_id, visit_alerts=alert_id, days=days)

        # Every provider's settlement of every month the visits cover.
        months = []
        month = Period.of(first_day)
        while month.first_day <= today:
            months.append(month)
            month = month.next()
        settlement_states = ("paid", "approved", "submitted", "draft", "rejected")
        rows = []
        for m, period in enumerate(months):
            recent = len(months) - m
            for p in range(providers):
                settled = "paid" if recent > 2 else settlement_states[(p + recent) % len(settlement_states)]
                gross = 100_000 + (p * 7919 + m * 104_729) % 900_000
                rows.append(
                    (
                        len(rows) + 1,
                        p + 1,
                        str(period),
                        f"{p + 1}:{period}",
                        settled,
                        1,
                        gross,
                        gross * 7 // 10,
                        gross - gross * 7 // 10,
                        now,
                    )
                )
        await _insert(
            db,
            "settlement",
            "id provider period settlement_key status version gross_fen fund_fen personal_fen built_at".split(),
            rows,
        )
        city.counts.update(settlements=len(rows), months=len(months))
        tables = (
            "town",
            "provider",
            "caregiver",
            "person",
            "application",
            "assessment",
            "conclusion",
            "visit",
            "visit_exception",
            "visit_alert",
            "settlement",
        )
        if db.sqlite:
            await db.finish(tables)
        else:
            await db.move_sequences(tables)
            await db.conn.execute("VACUUM ANALYZE")
    return city


# --------------------------------------------------------------------------- the requests


@dataclass(frozen=True)
class Way:
    """One way of asking a list: its name (``first``, ``deep`` or a filter's) and the query."""

    name: str
    query: dict[str, Any]


@dataclass(frozen=True)
class Endpoint:
    """A list page or list API, who asks it, and the ways it is asked. ``cursor_from``: the
    list API whose cursor the page takes (the same order and key)."""

    name: str
    path: str
    who: str  # bureau | agency
    ways: tuple[Way, ...]
    api: bool
    cursor_from: str = ""

    def query(self, way: Way) -> dict[str, Any]:
        """The way's query as this endpoint takes it: the exceptions page reads no status as
        the reader's own queue, and an empty one as all (the API: no status)."""
        if not self.api and self.path == "/visit-exceptions" and "status" not in way.query:
            return {"status": "", **way.query}
        return dict(way.query)


def endpoints(city: City) -> list[Endpoint]:
    today = city.today.isoformat()
    yesterday = (city.today - timedelta(days=1)).isoformat()
    month = today[:7]
    previous_month = (city.today.replace(day=1) - timedelta(days=1)).isoformat()[:7]
    shapes: list[tuple[str, str, str, tuple[Way, ...]]] = [
        (
            "persons",
            "/persons",
            "bureau",
            (
                Way("first", {}),
                Way("name", {"q": "居民1234"}),  # a name's beginning: 居民1234, 居民12340 …
                Way("town", {"town": city.town_code}),
            ),
        ),
        (
            "applications",
            "/applications",
            "bureau",
            (
                Way("first", {}),
                Way("status", {"status": "submitted"}),
                Way("town", {"town": city.town_code}),
                Way("date", {"applied_from": (city.today - timedelta(days=30)).isoformat(), "applied_to": today}),
            ),
        ),
        (
            "conclusions",
            "/conclusions",
            "bureau",
            (Way("first", {"status": "active"}), Way("level", {"status": "active", "level": 4})),
        ),
        (
            "providers",
            "/providers",
            "bureau",
            (
                Way("first", {}),
                Way("status_kind", {"status": "active", "kind": "home"}),
                Way("town", {"town": city.town_code}),
            ),
        ),
        (
            "visits",
            "/visits",
            "bureau",
            (
                Way("first", {"date": today}),
                Way("provider", {"date": today, "provider_id": city.agency_provider}),
                Way("caregiver", {"date": yesterday, "caregiver_id": city.agency_provider}),
                Way("status", {"date": yesterday, "status": "done"}),
            ),
        ),
        (
            "visits_agency",
            "/visits",
            "agency",
            (Way("first", {"date": today}),),
        ),
        (
            "visit_exceptions",
            "/visit-exceptions",
            "bureau",
            (
                Way("first", {}),
                Way("status", {"status": "open"}),
                Way("flag", {"code": "too_short"}),
                Way("provider", {"provider_id": city.agency_provider}),
            ),
        ),
        (
            "visit_alerts",
            "/visit-alerts",
            "agency",
            (Way("first", {}), Way("kind", {"kind": "late"})),
        ),
        (
            "settlements",
            "/settlements",
            "bureau",
            (
                Way("first", {"period": month}),
                Way("status", {"period": previous_month, "status": "paid"}),
                Way("provider", {"provider_id": city.agency_provider}),
            ),
        ),
    ]
    out = []
    for name, path, who, ways in shapes:
        out.append(Endpoint(f"api:{name}", f"/api/v1{path}", who, ways, api=True))
        out.append(Endpoint(f"page:{name}", path, who, ways, api=False, cursor_from=f"api:{name}"))
    return out


def next_link(response: Any) -> str | None:
    """The address of the next page named by the ``Link`` header, if any."""
    for part in response.headers.get("link", "").split(","):
        if 'rel="next"' in part and "<" in part:
            return part[part.index("<") + 1 : part.index(">")]
    return None


def after_of(link: str) -> str | None:
    from urllib.parse import parse_qs, urlsplit

    values = parse_qs(urlsplit(link).query).get("after")
    return values[0] if values else None


async def deep_cursor(client: Any, path: str, query: dict[str, Any], headers: dict[str, str], depth: int) -> str | None:
    """The cursor after the first ``depth`` rows of the list (or after its middle when it is
    shorter), reached by following the ``Link`` headers in pages of the most a page holds
    (untimed)."""
    from ltc.db.queries.paging import MAX_LIMIT

    page_size, seen, cursors = MAX_LIMIT, 0, []
    link: str | None = path
    params: dict[str, Any] | None = {**query, "limit": page_size}
    while link and seen < depth:
        response = await client.get(link, params=params, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        seen += len(response.json())
        link, params = next_link(response), None
        if link:
            cursors.append((seen, after_of(link)))
    if not cursors:
        if seen < 2:
            return None
        # One page held it all: the cursor after its first half.
        halfway = next_link(await client.get(path, params={**query, "limit": seen // 2}, headers=headers))
        return after_of(halfway) if halfway else None
    if seen >= depth:
        return cursors[-1][1]
    middle = seen // 2
    return min(cursors, key=lambda c: abs(c[0] - middle))[1]


def percentile_ms(latencies: list[float], q: float) -> float | None:
    return round(float(np.percentile(latencies, q)) * 1000.0, 1) if latencies else None


async def measure(
    client: Any, path: str, query: dict[str, Any], headers: dict[str, str], requests: int, api: bool
) -> dict[str, Any]:
    latencies, statuses, rows = [], set(), 0
    for _ in range(requests):
        started = time.perf_counter()
        response = await client.get(path, params=query, headers=headers)
        latencies.append(time.perf_counter() - started)
        statuses.add(response.status_code)
        if api and response.status_code == 200:
            rows = len(response.json())
    out: dict[str, Any] = {
        "p50_ms": percentile_ms(latencies, 50),
        "p95_ms": percentile_ms(latencies, 95),
        "status": sorted(statuses),
    }
    if api:
        out["rows"] = rows
    return out


@contextlib.asynccontextmanager
async def signed_in(app: Any, username: str, password: str) -> AsyncIterator[tuple[Any, Any, dict[str, str]]]:
    """Two clients of the app in this process: a browser signed in through the login form, and
    one with a bearer token (its headers)."""
    import re

    import httpx

    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://bench") as browser,
        httpx.AsyncClient(transport=transport, base_url="http://bench") as api,
    ):
        html = {"Accept": "text/html"}
        form = await browser.get("/login", headers=html)
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
        answer = await browser.post(
            "/login",
            data={"username": username, "password": password, "_csrf_token": token.group(1) if token else ""},
            headers=html,
        )
        if answer.status_code not in {301, 302, 303}:
            raise RuntimeError(f"page sign-in of {username} failed: {answer.status_code}")
        issued = await api.post("/api/v1/auth/token", json={"username": username, "password": password})
        if issued.status_code != 200:
            raise RuntimeError(f"token of {username} failed: {issued.status_code} {issued.text[:200]}")
        yield browser, api, {"Authorization": f"Bearer {issued.json()['access_token']}"}


async def _bench(url: str, args: argparse.Namespace) -> dict[str, Any]:
    from ltc.domain.access import Role
    from ltc.services import users
    from ltc.settings import load_settings
    from ltc.web.app import create_app

    settings = load_settings(database_url=url, redis_url="", worker_cron=False, log_level="WARNING")
    app = create_app(settings, migrate=True, in_process_worker=False)
    password = "Pw-1" + secrets.token_urlsafe(12)  # the policy asks for three classes
    async with app.lifespan():
        started = time.perf_counter()
        city = await generate_city(url, args, settings, datetime.now(UTC))
        generation_seconds = time.perf_counter() - started
        services = app.state.services
        await users.create_user(services, actor=None, username="bench-bureau", password=password, role=Role.BUREAU)
        await users.create_user(
            services,
            actor=None,
            username="bench-agency",
            password=password,
            role=Role.AGENCY,
            provider_id=city.agency_provider,
        )
        results: dict[str, dict[str, Any]] = {}
        measuring = time.perf_counter()
        async with (
            signed_in(app, "bench-bureau", password) as bureau,
            signed_in(app, "bench-agency", password) as agency,
        ):
            cursors: dict[tuple[str, str], str | None] = {}
            for endpoint in endpoints(city):
                browser, api, token = bureau if endpoint.who == "bureau" else agency
                client, headers = (api, token) if endpoint.api else (browser, {"Accept": "text/html"})
                figures: dict[str, Any] = {}
                for way in endpoint.ways:
                    query = {**endpoint.query(way), "limit": args.limit}
                    figures[way.name] = await measure(
                        client, endpoint.path, query, headers, args.requests, endpoint.api
                    )
                first = endpoint.ways[0]
                key = (endpoint.cursor_from or endpoint.name, first.name)
                if key not in cursors:
                    api_path = endpoint.path if endpoint.api else f"/api/v1{endpoint.path}"
                    cursors[key] = await deep_cursor(api, api_path, first.query, token, 10_000)
                if cursors[key]:
                    query = {**endpoint.query(first), "limit": args.limit, "after": cursors[key]}
                    figures["deep"] = await measure(client, endpoint.path, query, headers, args.requests, endpoint.api)
                results[endpoint.name] = figures
        measuring_seconds = time.perf_counter() - measuring
    p95s = [w["p95_ms"] for figures in results.values() for w in figures.values() if w["p95_ms"] is not None]
    bad = sorted(
        f"{name}.{way}" for name, figures in results.items() for way, w in figures.items() if w["status"] != [200]
    )
    return {
        "db": "sqlite" if is_sqlite_url(url) else "postgresql",
        "persons": city.counts.get("persons"),
        "visits": city.counts.get("visits"),
        "generation_seconds": round(generation_seconds, 1),
        "measuring_seconds": round(measuring_seconds, 1),
        "requests_each": args.requests,
        "limit": args.limit,
        "worst_p95_ms": max(p95s) if p95s else None,
        "over_200_ms": sorted(
            f"{name}.{way}"
            for name, figures in results.items()
            for way, w in figures.items()
            if (w["p95_ms"] or 0) > 200
        ),
        "not_200": bad,
        "peak_rss_mb": peak_rss_mb(),
        "counts": city.counts,
        "endpoints": results,
    }


def is_sqlite_url(url: str) -> bool:
    return url.startswith("sqlite://")
