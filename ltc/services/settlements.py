"""Monthly settlements against the fund and the fund's ledger.

A build gathers the month from the database (verified visits, the census, open
corrections, the annual evaluation), prices it with ``ltc.domain.settlement`` and stores
the draft; building again from the same facts gives the same draft (same content hash,
same version). The workflow uses optimistic locking: every step names the version it saw
(``If-Match``), so of two officers approving at once exactly one wins. Approval and
payment post balanced entries to the ledger, each under a unique source id, so a replayed
job never posts twice. Approved settlements and ledger entries are also protected by
database triggers (migration 0007).
"""

from __future__ import annotations

import asyncio
import gc
from bisect import bisect_right
from collections import defaultdict, deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

import numpy as np
from piccolo.utils.encoding import dump_json

from ltc.db.bulk import insert_rows
from ltc.db.engine import current_engine, is_sqlite, locked, write_transaction
from ltc.db.tables import (
    CarePlan,
    CensusEntry,
    LedgerEntry,
    LedgerPosting,
    Provider,
    ProviderEvaluation,
    Settlement,
    SettlementCorrection,
    SettlementLine,
    Visit,
    VisitException,
)
from ltc.domain import ledger
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, Role, require_role
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.domain.periods import Period, local_day
from ltc.services.audit import Change, record_change, record_changes
from ltc.services.context import ServiceContext
from ltc.services.jobs import Progress, register_job_kind
from ltc.services.reference import policy_book

BILLABLE_CENSUS = ("present", "admitted")
SUMMARY_COLUMNS = (
    Settlement.id,
    Settlement.provider,
    Settlement.provider.name.as_alias("provider_name"),
    Settlement.provider.code.as_alias("provider_code"),
    Settlement.period,
    Settlement.status,
    Settlement.version,
    Settlement.gross_fen,
    Settlement.fund_fen,
    Settlement.personal_fen,
    Settlement.content_hash,
    Settlement.built_at,
    Settlement.submitted_at,
    Settlement.decided_at,
    Settlement.rejection_reason,
    Settlement.paid_at,
)


def _period(text: str) -> Period:
    return Period.parse(text)


# --------------------------------------------------------------------------- gathering the month
#
# The month is aggregated in SQL, for one provider or for every provider at once. Per
# provider and person, of the done visits with a care plan checked in during the month: per
# policy run the count and the sum of the minutes (each the floor of its exact duration,
# never below 0), and the visits' ids keyed by their local check-in day; then, from the
# exceptions, the few visits that are kept out, which are taken off again in Python. Each
# (person, version) group of counted visits goes to the pricing rules as one ``VisitGroup``:
# its ids in (day, id) order, its first and last day, its minutes. What the aggregate cannot
# vouch for (a counted visit without both times, a check-in outside the month, a day with
# no policy in force) sends that provider through the per-visit path, which prices or fails
# exactly as the rules do.

BLOCKING_EXCEPTION = "(e.status IN ('open', 'explained') OR (e.status = 'resolved' AND e.resolution_code = 'rejected'))"
MONTH_VISITS = "v.status = 'done' AND v.checked_in_at >= {} AND v.checked_in_at < {}"  # the month's bounds, UTC
_DAY_BITS = 40  # a counted visit's key in SQL: (local day − the 1st) << 40 | visit id
_ID_MASK = (1 << _DAY_BITS) - 1
_EPOCH = date(1970, 1, 1)
LINE_COLUMNS = (  # settlement_line's columns as the build inserts them
    "settlement",
    "line_no",
    "kind",
    "person",
    "level",
    "quantity",
    "unit",
    "unit_price_fen",
    "gross_fen",
    "fund_fen",
    "personal_fen",
    "visit_ids",
    "excluded_visit_ids",
    "days",
    "leave_days",
    "verified_minutes",
    "policy_version",
    "adjusts_period",
    "note",
)
# A transaction stores the drafts of providers until this many lines and counted visits:
# a few transactions a month, none holding SQLite's one write lock for long.
BATCH_SIZE = 250_000
# The month's home visits for every provider are aggregated in shares of the providers (by id
# modulo the number of shares), each share priced as soon as it is there: (shares, queries at
# once). SQLite runs a query on one core, so both run at once on their own connections;
# PostgreSQL aggregates the next share while Python prices the one before.
HOME_SHARES = {"sqlite": (2, 2), "postgres": (2, 1)}


@lru_cache(maxsize=64)
def _utc_offsets(zone: tzinfo, period: Period) -> tuple[tuple[int, int], ...]:
    """The zone's UTC offset in seconds as pieces ``(from epoch second, offset)``, exact from
    two days before the month to two days after it (the first piece also stands for what lies
    before, the last for what lies after: a check-in that far out is outside the month anyway)."""
    start = int((period.start_utc(zone) - timedelta(days=2)).timestamp())
    end = int((period.end_utc(zone) + timedelta(days=2)).timestamp())

    def offset(second: int) -> int:
        return int(datetime.fromtimestamp(second, UTC).astimezone(zone).utcoffset().total_seconds())

    pieces = [(start, offset(start))]
    previous = start
    for sample in [*range(start + 3600, end, 3600), end]:
        if offset(sample) != pieces[-1][1]:
            low, high = previous, sample  # the change lies in (low, high]
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == pieces[-1][1] else (low, middle)
            pieces.append((high, offset(high)))
        previous = sample
    return tuple(pieces)


def _policy_runs(period: Period, policy_for: rules.PolicyFor) -> list[tuple[int, str | None]]:
    """``(first day index, policy version)`` of each run of the month's days under one
    version (None: no policy in force)."""
    runs: list[tuple[int, str | None]] = []
    for index, day in enumerate(period.dates()):
        try:
            version: str | None = policy_for(day).version
        except InvalidInput:
            version = None
        if not runs or runs[-1][1] != version:
            runs.append((index, version))
    return runs


def _times_sql(sqlite: bool, period: Period, zone: tzinfo) -> tuple[str, str, str, str]:
    """How a visit's local day (counted from the 1st) and minutes (the floor of its exact
    duration, never below 0) are computed: ``(columns, day, minutes, materialized)`` — the
    columns an inner query gives (over ``visit v``), the two expressions over them, and what
    ends the inner query. The UTC offsets are the zone's (``_utc_offsets``)."""
    pieces = _utc_offsets(zone, period)
    if sqlite:
        # Piccolo stores a Timestamptz as text 'YYYY-MM-DD HH:MM:SS[.ffffff]+00:00' (UTC): the
        # whole seconds through julianday (its double is far finer than a second: rounded),
        # the microseconds from the text, so nothing is lost to julianday's milliseconds. The
        # inner query reads each time once (LIMIT: its values computed once a row).
        def seconds(column: str) -> str:
            return f"CAST(round((julianday(substr({column}, 1, 19)) - 2440587.5) * 86400) AS INTEGER)"

        def fraction(column: str) -> str:
            return f"CASE WHEN substr({column}, 20, 1) = '.' THEN CAST(substr({column}, 21, 6) AS INTEGER) ELSE 0 END"

        columns = (
            f"{seconds('v.checked_in_at')} AS ci, {fraction('v.checked_in_at')} AS ci_f,"
            f" {seconds('v.checked_out_at')} AS co, {fraction('v.checked_out_at')} AS co_f"
        )
        offset = str(pieces[-1][1])
        if len(pieces) > 1:
            branches = " ".join(f"WHEN ci < {pieces[i][0]} THEN {pieces[i - 1][1]}" for i in range(1, len(pieces)))
            offset = f"(CASE {branches} ELSE {offset} END)"
        day = f"((ci + {offset}) / 86400 - {(period.first_day - _EPOCH).days})"
        return columns, day, "MAX((co - ci) * 1000000 + co_f - ci_f, 0) / 60000000", "LIMIT -1"

    # The times' epoch as a double is exact to the microsecond here (far below 2**53 µs).
    def shift(seconds: int) -> str:
        return f"INTERVAL '{int(seconds)} seconds'"

    offset = shift(pieces[-1][1])
    if len(pieces) > 1:
        branches = " ".join(
            f"WHEN v.checked_in_at < TIMESTAMPTZ '{datetime.fromtimestamp(pieces[i][0], UTC).isoformat()}'"
            f" THEN {shift(pieces[i - 1][1])}"
            for i in range(1, len(pieces))
        )
        offset = f"(CASE {branches} ELSE {offset} END)"
    columns = (
        "GREATEST(round(date_part('epoch', v.checked_out_at - v.checked_in_at) * 1000000)::bigint, 0)"
        f" / 60000000 AS minutes, ((v.checked_in_at AT TIME ZONE 'UTC') + {offset})::date"
        f" - DATE '{period.first_day.isoformat()}' AS day"
    )
    return columns, "day", "minutes", ""


def _home_sql(
    sqlite: bool, period: Period, zone: tzinfo, runs: list[tuple[int, str | None]], one: bool, part: tuple[int, int]
) -> str:
    """Per provider and person, of the month's done visits with a care plan (those without
    one only make the provider's presence): the lowest and highest plan and the level of the
    lowest (a person under one plan has its level; the others are looked up apart), the keys (local day << 40 | id), how many lack a time, the largest id, and per policy run the
    count and the sum of minutes. ``part``: (n, of) — the providers whose id is n modulo ``of``."""
    columns, day, minutes, materialized = _times_sql(sqlite, period, zone)
    per_run = []
    for n, (first, _) in enumerate(runs):
        planned = "care_plan IS NOT NULL"
        if n > 0:
            planned += f" AND {day} >= {first}"
        if n + 1 < len(runs):
            planned += f" AND {day} < {runs[n + 1][0]}"
        per_run.append(
            f"COUNT(*) FILTER (WHERE {planned}) AS n{n}, SUM({minutes}) FILTER (WHERE {planned}) AS minutes{n}"
        )
    n, of = part
    key = f"{day} * {1 << _DAY_BITS} + id"
    # SQLite: text; PostgreSQL: the keys as 8-byte big-endian integers, one string of bytes
    # (quicker to build there, to send, and to read here than an array).
    keys = f"group_concat({key})" if sqlite else f"string_agg(int8send({key}), ''::bytea)"
    return f"""
        SELECT m.*, low.level AS level_low FROM (
            SELECT provider, person, MIN(care_plan) AS plan_low, MAX(care_plan) AS plan_high,
                SUM(incomplete) FILTER (WHERE care_plan IS NOT NULL) AS incomplete,
                MAX(id) FILTER (WHERE care_plan IS NOT NULL) AS max_id, {", ".join(per_run)},
                {keys} FILTER (WHERE care_plan IS NOT NULL) AS keys
            FROM (
                SELECT v.id AS id, v.provider AS provider, v.person AS person, v.care_plan AS care_plan,
                    CASE WHEN v.checked_in_at IS NULL OR v.checked_out_at IS NULL THEN 1 ELSE 0 END AS incomplete,
                    {columns}
                FROM visit v
                WHERE {MONTH_VISITS} {"AND v.provider = {}" if one else ""} {f"AND v.provider % {of} = {n}" if of > 1 else ""}
                {materialized}
            ) month
            GROUP BY provider, person
        ) m
        LEFT JOIN care_plan low ON low.id = m.plan_low"""


def _blocked_sql(sqlite: bool, period: Period, zone: tzinfo, one: bool) -> str:
    """The month's visits with a care plan that an exception keeps out: id, provider, person,
    local day, minutes, and whether a time is missing (looked up from the exceptions, a few:
    the planners would otherwise scan the month's visits to join them)."""
    columns, day, minutes, materialized = _times_sql(sqlite, period, zone)
    if sqlite:  # CROSS JOIN: SQLite takes the tables in this order
        source = f"""(SELECT DISTINCT e.visit, e.provider FROM visit_exception e WHERE {BLOCKING_EXCEPTION}) e
            CROSS JOIN visit v
            WHERE v.id = e.visit AND v.provider = e.provider"""
    else:
        source = f"""visit v
            WHERE v.id = ANY(ARRAY(SELECT e.visit FROM visit_exception e WHERE {BLOCKING_EXCEPTION}))
                AND EXISTS (
                    SELECT 1 FROM visit_exception e
                    WHERE e.visit = v.id AND e.provider = v.provider AND {BLOCKING_EXCEPTION}
                )"""
    return f"""
        SELECT id, provider, person, {day} AS day, {minutes} AS minutes, incomplete FROM (
            SELECT v.id AS id, v.provider AS provider, v.person AS person,
                CASE WHEN v.checked_in_at IS NULL OR v.checked_out_at IS NULL THEN 1 ELSE 0 END AS incomplete,
                {columns}
            FROM {source}
                AND v.care_plan IS NOT NULL AND {MONTH_VISITS} {"AND v.provider = {}" if one else ""}
            {materialized}
        ) blocked"""


def _plan_levels_sql(persons: int) -> str:
    """The highest level among the care plans of the given persons' month (a person whose
    visits name more than one plan)."""
    marks = ", ".join("{}" for _ in range(persons))
    return f"""
        SELECT v.provider AS provider, v.person AS person, MAX(cp.level) AS level
        FROM visit v JOIN care_plan cp ON cp.id = v.care_plan
        WHERE {MONTH_VISITS} AND v.person IN ({marks})
        GROUP BY v.provider, v.person"""


def _dates(value: Any) -> list[date]:
    if value is None:
        return []
    if isinstance(value, str):
        return [date.fromisoformat(v) for v in value.split(",")] if value else []
    return list(value)


# A share of the month's home visits aggregated: the rows, and the levels of the persons seen
# under more than one care plan by (provider, person).
_HomePart = tuple[Sequence[Mapping[str, Any]], dict[tuple[int, int], int]]


@dataclass
class _Month:
    """What a build needs, fetched once for one provider or for all: home visit groups and
    census days by provider, institutional levels by provider and person, the providers'
    prices, open corrections by provider, December's evaluation scores by evaluation key,
    every provider with care to settle (a done visit or a census entry in the month), the
    month's policy runs, the visits exceptions keep out by provider and person, and the level
    of the persons seen under more than one care plan by (provider, person)."""

    home: dict[int, list[Mapping[str, Any]]] = field(default_factory=dict)
    census: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    levels: dict[int, dict[int, int]] = field(default_factory=dict)
    prices: dict[int, dict[str, Any]] = field(default_factory=dict)
    corrections: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    evaluations: dict[str, int] = field(default_factory=dict)
    providers: set[int] = field(default_factory=set)
    runs: list[tuple[int, str | None]] = field(default_factory=list)
    blocked: dict[int, dict[int, list[dict[str, Any]]]] = field(default_factory=dict)
    mixed_levels: dict[tuple[int, int], int] = field(default_factory=dict)

    def add_home(self, part: _HomePart) -> None:
        rows, levels = part
        for row in rows:
            self.home.setdefault(row["provider"], []).append(row)
            self.providers.add(row["provider"])
        self.mixed_levels |= levels


async def _home_part(
    ctx: ServiceContext, period: Period, runs: list[tuple[int, str | None]], one: tuple[int, ...], part: tuple[int, int]
) -> _HomePart:
    """The month's home visits aggregated per provider and person, for one provider or for the
    providers whose id is n modulo ``of`` (``part``: (n, of)); and the level of each of those
    persons whose visits name more than one care plan, by (provider, person)."""
    zone = ctx.settings.zone
    engine = current_engine()
    bounds = (period.start_utc(zone), period.end_utc(zone))
    sql = _home_sql(is_sqlite(engine), period, zone, runs, bool(one), part)
    rows: Sequence[Mapping[str, Any]]
    if is_sqlite(engine):
        rows = await Visit.raw(sql, *bounds, *one)
    else:  # the rows as asyncpg gives them (Piccolo would copy each into a dict)
        async with engine.transaction() as transaction:
            await transaction.connection.execute("SET LOCAL work_mem = '256MB'")  # aggregated in memory
            # The planner takes a share (provider % of = n) for a few rows and would sort them to
            # group them: hashed, a share takes half the time.
            await transaction.connection.execute("SET LOCAL enable_sort = off")
            numbered = sql.format(*(f"${n}" for n in range(1, 3 + len(one))))
            rows = await transaction.connection.fetch(numbered, *bounds, *one)
    mixed = sorted({row["person"] for row in rows if row["plan_low"] != row["plan_high"]})
    levels: dict[tuple[int, int], int] = {}
    for start in range(0, len(mixed), 500):
        chunk = mixed[start : start + 500]
        for row in await Visit.raw(_plan_levels_sql(len(chunk)), *bounds, *chunk):
            levels[(row["provider"], row["person"])] = row["level"]
    return rows, levels


async def _gather(ctx: ServiceContext, period: Period, provider_id: int | None = None, *, home: bool = True) -> _Month:
    """The month for one provider, or (None) for every provider: a handful of queries, whatever
    the number of providers, visits and census days. ``home``: False leaves the home visits'
    aggregate to the caller (``_HomeShares``)."""
    one = () if provider_id is None else (provider_id,)
    month = _Month(runs=_policy_runs(period, policy_book(ctx.settings).in_force))
    zone = ctx.settings.zone
    if home:
        month.add_home(await _home_part(ctx, period, month.runs, one, (0, 1)))
    sqlite = is_sqlite(current_engine())
    for row in await Visit.raw(
        _blocked_sql(sqlite, period, zone, bool(one)), period.start_utc(zone), period.end_utc(zone), *one
    ):
        month.blocked.setdefault(row["provider"], {}).setdefault(row["person"], []).append(row)
    census = await CensusEntry.raw(
        f"""SELECT provider, person, status, {"group_concat" if is_sqlite(current_engine()) else "array_agg"}(day) AS days
        FROM census_entry WHERE day >= {{}} AND day <= {{}} {"AND provider = {}" if one else ""}
        GROUP BY provider, person, status""",
        period.first_day,
        period.last_day,
        *one,
    )
    for row in census:
        month.providers.add(row["provider"])
        if row["status"] in (*BILLABLE_CENSUS, "leave"):
            month.census.setdefault(row["provider"], []).append(row)
    if census:
        plans = CarePlan.select(CarePlan.provider, CarePlan.person, CarePlan.level).where(
            (CarePlan.care_mode == "institutional") & (CarePlan.status == "confirmed")
        )
        if one:
            plans = plans.where(CarePlan.provider == provider_id)
        for row in await plans.order_by(CarePlan.id):
            month.levels.setdefault(row["provider"], {})[row["person"]] = row["level"]
    prices = Provider.select(Provider.id, Provider.hourly_price_fen, Provider.daily_price_fen)
    corrections = SettlementCorrection.select().where(SettlementCorrection.applied_in.is_null())
    evaluations = ProviderEvaluation.select(ProviderEvaluation.evaluation_key, ProviderEvaluation.score).where(
        ProviderEvaluation.evaluation_key.like(f"%:{period.year}")
    )
    if one:
        prices = prices.where(Provider.id == provider_id)
        corrections = corrections.where(SettlementCorrection.provider == provider_id)
        evaluations = evaluations.where(ProviderEvaluation.evaluation_key == f"{provider_id}:{period.year}")
    month.prices = {r["id"]: r for r in await prices}
    for row in await corrections.order_by(SettlementCorrection.id):
        month.corrections.setdefault(row["provider"], []).append(row)
    if period.month == 12:
        month.evaluations = {r["evaluation_key"]: r["score"] for r in await evaluations}
    return month


def _key_array(values: Sequence[Any]) -> tuple[np.ndarray, list[int]]:
    """The keys aggregated for each row, all in one array (row after row), and how many each
    row has: 8-byte big-endian integers (PostgreSQL) or text (SQLite's group_concat)."""
    if all(value is None or isinstance(value, bytes) for value in values):
        blobs = [value or b"" for value in values]
        return np.frombuffer(b"".join(blobs), dtype=">i8").astype(np.int64), [len(b) >> 3 for b in blobs]
    texts = [value or "" for value in values]
    counts = [text.count(",") + 1 if text else 0 for text in texts]
    joined = ",".join(text for text in texts if text)
    return np.fromiter(map(int, joined.split(",")) if joined else (), dtype=np.int64, count=sum(counts)), counts


def _home_month(
    rows: Sequence[Mapping[str, Any]],
    blocked: dict[int, list[dict[str, Any]]],
    mixed_levels: dict[tuple[int, int], int],
    period: Period,
    hourly: int | None,
    runs: list[tuple[int, str | None]],
) -> list[rules.HomeCareInput] | None:
    """The inputs from the provider's aggregated persons, less the visits an exception keeps
    out (by person); None when the per-visit path must decide."""
    days, mask, bits = period.days(), _ID_MASK, _DAY_BITS
    dates = period.dates()
    starts = [first for first, _ in runs]
    ends = [*starts[1:], days]  # each run's days: [its first, the next's first)
    names = [(f"n{n}", f"minutes{n}") for n in range(len(runs))]
    # Every person's keys at once (numpy): the kept-out visits taken off, each person's keys
    # sorted by day, then id.
    keys, aggregated = _key_array([row["keys"] for row in rows])
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), aggregated)
    if blocked:
        out_ids = np.fromiter((b["id"] for person in blocked.values() for b in person), dtype=np.int64)
        kept = ~np.isin(keys & mask, out_ids)
        keys, owner = keys[kept], owner[kept]
    if keys.size and (keys.min() < 0 or keys.max() >= days << bits):
        return None  # a check-in outside the month
    if len(rows) < 1 << (63 - _DAY_BITS - 5):  # the person's index above the key's 45 bits
        keys = np.sort(owner << (_DAY_BITS + 5) | keys) & ((1 << (_DAY_BITS + 5)) - 1)
    else:
        keys = keys[np.lexsort((keys, owner))]
    counts = np.bincount(owner, minlength=len(rows)).tolist()
    ordered = keys.tolist()
    ids = (keys & mask).tolist()
    inputs = []
    start = 0
    for row, row_aggregated, row_kept in zip(rows, aggregated, counts, strict=True):
        counted = [row[count] for count, _ in names]
        if row_aggregated != sum(counted):
            return None
        if not row_aggregated:
            continue  # planless visits only
        minutes = [row[total] or 0 for _, total in names]
        incomplete = row["incomplete"] or 0
        excluded: tuple[int, ...] = ()
        out = blocked.get(row["person"])
        if out:
            for b in out:
                if b["day"] is None or not 0 <= b["day"] < days:
                    return None
                n = bisect_right(starts, b["day"]) - 1
                counted[n] -= 1
                minutes[n] -= b["minutes"] or 0
                incomplete -= b["incomplete"]
            if min(counted) < 0:
                return None
            excluded = tuple(sorted({b["id"] for b in out}))
        if row_kept != sum(counted):
            return None
        groups = []
        if row_kept:
            if incomplete or row["max_id"] > mask:
                return None
            for n, (first, version) in enumerate(runs):
                if not counted[n]:
                    continue
                end = start + counted[n]
                low, high = ordered[start] >> bits, ordered[end - 1] >> bits
                if version is None or low < first or high >= ends[n]:
                    return None
                groups.append(rules.VisitGroup(tuple(ids[start:end]), dates[low], dates[high], int(minutes[n])))
                start = end
        if row["plan_low"] == row["plan_high"]:
            level = row["level_low"]
        else:
            level = mixed_levels.get((row["provider"], row["person"]))
        inputs.append(rules.HomeCareInput(row["person"], level or 0, (), excluded, hourly, tuple(groups)))
    return inputs


async def _home_inputs_per_visit(ctx: ServiceContext, provider_id: int, period: Period, hourly: int | None):
    """The provider's home care visit by visit (a row each): the exact path, for a month the
    aggregate cannot vouch for."""
    zone = ctx.settings.zone
    rows = await Visit.select(
        Visit.id,
        Visit.person,
        Visit.checked_in_at,
        Visit.checked_out_at,
        Visit.care_plan.level.as_alias("level"),
    ).where(
        (Visit.provider == provider_id)
        & (Visit.status == "done")
        & (Visit.checked_in_at >= period.start_utc(zone))
        & (Visit.checked_in_at < period.end_utc(zone))
        & Visit.care_plan.is_not_null()
    )
    # A visit counts once every exception on it is resolved and none was rejected.
    blocked = {
        r["visit"]
        for r in await VisitException.select(VisitException.visit).where(
            (VisitException.provider == provider_id)
            & (
                VisitException.status.is_in(["open", "explained"])
                | ((VisitException.status == "resolved") & (VisitException.resolution_code == "rejected"))
            )
        )
    }
    by_person: dict[int, dict[str, Any]] = defaultdict(lambda: {"visits": [], "excluded": [], "level": 0})
    for r in rows:
        entry = by_person[r["person"]]
        entry["level"] = max(entry["level"], r["level"] or 0)
        if r["id"] in blocked:
            entry["excluded"].append(r["id"])
            continue
        minutes = int((r["checked_out_at"] - r["checked_in_at"]).total_seconds() // 60)
        entry["visits"].append(rules.CountedVisit(r["id"], local_day(r["checked_in_at"], zone), max(minutes, 0)))
    return [
        rules.HomeCareInput(
            person_id=person,
            level=e["level"],
            visits=tuple(sorted(e["visits"], key=lambda v: v.visit_id)),
            excluded_visit_ids=tuple(sorted(e["excluded"])),
            hourly_price_fen=hourly,
        )
        for person, e in by_person.items()
    ]


def _institutional_inputs(provider_id: int, daily_price: int, month: _Month) -> list[rules.InstitutionalCareInput]:
    rows = month.census.get(provider_id, [])
    if not rows:
        return []
    levels = month.levels.get(provider_id, {})
    days: dict[int, list[date]] = defaultdict(list)
    leave: dict[int, list[date]] = defaultdict(list)
    for r in rows:
        (days if r["status"] in BILLABLE_CENSUS else leave)[r["person"]] += _dates(r["days"])
    persons = sorted((set(days) | set(leave)) & set(levels))
    return [
        rules.InstitutionalCareInput(
            person_id=p,
            level=levels[p],
            agreed_daily_price_fen=daily_price,
            days=tuple(sorted(days[p])),
            leave_days=tuple(sorted(leave[p])),
        )
        for p in persons
    ]


async def _draft(ctx: ServiceContext, provider_id: int, period: Period, month: _Month) -> rules.SettlementDraft:
    """The provider's draft for the month, priced by the rules from the gathered month."""
    provider = month.prices.get(provider_id)
    if provider is None:
        raise NotFound("没有该护理机构", code="provider_not_found")
    hourly = provider["hourly_price_fen"] or None
    home = _home_month(
        month.home.get(provider_id, []),
        month.blocked.get(provider_id, {}),
        month.mixed_levels,
        period,
        hourly,
        month.runs,
    )
    if home is None:
        home = await _home_inputs_per_visit(ctx, provider_id, period, hourly)
    institutional = _institutional_inputs(provider_id, provider["daily_price_fen"], month)
    adjustments = [
        rules.Adjustment(
            period=_period(c["corrects_period"]),
            person_id=c["person"],
            amount_fen=c["amount_fen"],
            reason=c["reason"],
            fund_fen=c["fund_fen"],
        )
        for c in month.corrections.get(provider_id, [])
    ]
    deduction = None
    if period.month == 12:  # the annual evaluation adjusts the year-end settlement
        score = month.evaluations.get(f"{provider_id}:{period.year}")
        if score is not None:
            deduction = rules.EvaluationDeduction(period.year, score)
    return rules.build_settlement(
        provider_id,
        period,
        home,
        institutional,
        adjustments,
        deduction,
        policy_for=policy_book(ctx.settings).in_force,
    )


# --------------------------------------------------------------------------- storing the drafts


def _json_ints(values: tuple[int, ...]) -> str:
    return f"[{','.join(map(str, values))}]" if values else "[]"


def _json_days(values: tuple[date, ...]) -> str:
    return dump_json([d.isoformat() for d in values]) if values else "[]"


def _line_rows(lines: Sequence[rules.SettlementLine], visit_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """The draft's lines as rows in ``LINE_COLUMNS`` order, but for the settlement's id
    (``visit_ids``: each line's visit ids already as JSON)."""
    return [
        (
            n,
            line.kind,
            line.person_id,
            line.level,
            line.quantity,
            line.unit,
            line.unit_price_fen,
            line.gross_fen,
            line.fund_fen,
            line.personal_fen,
            ids,
            _json_ints(line.excluded_visit_ids),
            _json_days(line.days),
            _json_days(line.leave_days),
            line.verified_minutes,
            line.policy_version,
            line.adjusts_period,
            line.note,
        )
        for n, (line, ids) in enumerate(zip(lines, visit_ids, strict=True), start=1)
    ]


@dataclass(frozen=True)
class _Ready:
    """A draft ready to store: its settlement key, content hash and line rows."""

    key: str
    draft: rules.SettlementDraft
    digest: str
    rows: list[tuple[Any, ...]]

    @classmethod
    def of(cls, draft: rules.SettlementDraft) -> _Ready:
        digest, visit_ids = draft.content_hash_and_visit_ids()
        return cls(f"{draft.provider_id}:{draft.period}", draft, digest, _line_rows(draft.lines, visit_ids))


async def _store(ctx: ServiceContext, period: Period, ready: Sequence[_Ready]) -> list[dict[str, Any]]:
    """Store the drafts in one transaction, each as its provider's draft for the month: a new
    settlement, or the old draft (or rejected one) rebuilt with the next version. A settlement
    already submitted, approved or paid, and a draft with the same content, are left as they are."""
    now = ctx.clock.now()
    results: list[dict[str, Any]] = []
    async with write_transaction() as transaction:
        current = {
            r["settlement_key"]: r
            for r in await locked(
                Settlement.select(
                    Settlement.id,
                    Settlement.settlement_key,
                    Settlement.status,
                    Settlement.version,
                    Settlement.content_hash,
                ).where(Settlement.settlement_key.is_in([r.key for r in ready]))
            )
        }
        built: list[_Ready] = []
        for item in ready:
            row = current.get(item.key)
            if row is not None and (
                row["status"] not in (rules.DRAFT, rules.REJECTED)
                or (row["status"] == rules.DRAFT and row["content_hash"] == item.digest)
            ):
                results.append(
                    {
                        "provider_id": item.draft.provider_id,
                        "settlement_id": row["id"],
                        "status": row["status"],
                        "rebuilt": False,
                    }
                )
                continue
            results.append(
                {"provider_id": item.draft.provider_id, "settlement_id": None, "status": rules.DRAFT, "rebuilt": True}
            )
            built.append(item)
        if not built:
            return results
        fresh = [
            Settlement(
                provider=item.draft.provider_id,
                period=str(period),
                settlement_key=item.key,
                status=rules.DRAFT,
                version=1,
                gross_fen=item.draft.gross_fen,
                fund_fen=item.draft.fund_fen,
                personal_fen=item.draft.personal_fen,
                content_hash=item.digest,
                built_at=now,
            )
            for item in built
            if item.key not in current
        ]
        if fresh:
            await Settlement.insert(*fresh)
        rebuilt = [current[item.key] for item in built if item.key in current]
        for item in built:
            if item.key in current:
                await Settlement.update(
                    {
                        Settlement.gross_fen: item.draft.gross_fen,
                        Settlement.fund_fen: item.draft.fund_fen,
                        Settlement.personal_fen: item.draft.personal_fen,
                        Settlement.content_hash: item.digest,
                        Settlement.built_at: now,
                        Settlement.status: rules.DRAFT,
                        Settlement.version: current[item.key]["version"] + 1,
                    }
                ).where(Settlement.id == current[item.key]["id"])
        if rebuilt:
            await SettlementLine.delete().where(SettlementLine.settlement.is_in([r["id"] for r in rebuilt]))
        ids = {
            r["settlement_key"]: r["id"]
            for r in await Settlement.select(Settlement.id, Settlement.settlement_key).where(
                Settlement.settlement_key.is_in([item.key for item in built])
            )
        }
        rows = [(ids[item.key], *row) for item in built for row in item.rows]
        if rows:
            await insert_rows(transaction, SettlementLine, LINE_COLUMNS, rows, foreign_keys_by_index=True)
        await record_changes(
            [
                Change(
                    actor=None,
                    at=now,
                    action="settlement.build",
                    entity="settlement",
                    entity_id=ids[item.key],
                    after={
                        "period": str(period),
                        "fund_fen": item.draft.fund_fen,
                        "lines": len(item.draft.lines),
                        "hash": item.digest,
                    },
                )
                for item in built
            ]
        )
    for result, item in zip(results, ready, strict=True):
        if result["settlement_id"] is None:
            result["settlement_id"] = ids[item.key]
    return results


async def build_one(
    ctx: ServiceContext, provider_id: int, period: Period, month: _Month | None = None
) -> dict[str, Any]:
    """Build (or rebuild) the provider's draft for the month. A settlement already submitted,
    approved or paid is left as it is. ``month``: the month already gathered for every provider."""
    if month is None:
        month = await _gather(ctx, period, provider_id)
    (result,) = await _store(ctx, period, [_Ready.of(await _draft(ctx, provider_id, period, month))])
    return result


class _HomeShares:
    """The month's home visits for every provider, aggregated in shares of the providers (by
    id modulo the number of shares, ``HOME_SHARES``): the first queries start at once, and
    taking a share starts the next one, aggregated while the share taken is priced."""

    def __init__(self, ctx: ServiceContext, period: Period, runs: list[tuple[int, str | None]]) -> None:
        self.count, at_once = HOME_SHARES["sqlite" if is_sqlite(current_engine()) else "postgres"]
        self._query = lambda share: _home_part(ctx, period, runs, (), (share, self.count))
        self._queries: deque[asyncio.Task[_HomePart]] = deque()
        self._started = 0
        for _ in range(min(at_once, self.count)):
            self._start()

    def _start(self) -> None:
        self._queries.append(asyncio.create_task(self._query(self._started)))
        self._started += 1

    async def take(self) -> _HomePart:
        rows = await self._queries.popleft()
        if self._started < self.count:
            self._start()
        return rows

    def cancel(self) -> None:
        for query in self._queries:
            query.cancel()


class _Storing:
    """Drafts priced one provider after another, stored a batch per transaction while the next
    providers are priced: one batch at a time on SQLite (one writer), two on PostgreSQL (whose
    foreign key checks take it longer than Python takes to price the lines)."""

    def __init__(self, ctx: ServiceContext, period: Period, progress: Progress) -> None:
        self.ctx, self.period, self.progress = ctx, period, progress
        self.in_flight = 1 if is_sqlite(current_engine()) else 2
        self.tasks: deque[asyncio.Task[list[dict[str, Any]]]] = deque()
        self.batch: list[_Ready] = []
        self.size = 0
        self.priced, self.priced_size = 0, 0
        self.stored: list[dict[str, Any]] = []
        self.shown = 0.0

    async def price(self, month: _Month, provider_ids: list[int], *, last: bool = False) -> None:
        """``last``: the last providers of the build, whose batches shrink towards the end (as
        big as what is left to price), so that little is left to store once all is priced."""
        for n, provider_id in enumerate(provider_ids, start=1):
            left = len(provider_ids) - n
            draft = await _draft(self.ctx, provider_id, self.period, month)
            month.home.pop(provider_id, None)  # what is priced is no longer needed
            month.blocked.pop(provider_id, None)
            month.census.pop(provider_id, None)
            self.batch.append(_Ready.of(draft))  # hashed and laid out here, while earlier batches are stored
            size = sum(1 + len(line.visit_ids) for line in draft.lines)
            self.size += size
            self.priced, self.priced_size = self.priced + 1, self.priced_size + size
            size_left = left * self.priced_size // self.priced if last else BATCH_SIZE
            if self.size >= min(BATCH_SIZE, max(BATCH_SIZE // 16, size_left)):
                await self._flush(last=False, total=len(month.providers))
            await asyncio.sleep(0)  # the batches being stored go on between the providers priced

    async def finish(self, total: int) -> list[dict[str, Any]]:
        await self._flush(last=True, total=total)
        return self.stored

    async def _flush(self, *, last: bool, total: int) -> None:
        if self.batch:
            if len(self.tasks) == self.in_flight:
                self.stored += await self.tasks.popleft()
            self.tasks.append(asyncio.create_task(_store(self.ctx, self.period, self.batch)))
            self.batch, self.size = [], 0
        while self.tasks and (last or self.tasks[0].done()):
            self.stored += await self.tasks.popleft()
        self.shown = max(self.shown, 1.0 if last else min(0.99, len(self.stored) / max(total, 1)))
        await self.progress(self.shown)

    async def abandon(self) -> None:
        """After a failure: the batches under way end as they would have."""
        if self.tasks:
            await asyncio.wait(self.tasks)
            for task in self.tasks:
                task.exception()  # retrieved: the first failure is the one raised


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cycle collector off for a while: a month's build makes millions of objects that
    form no cycles (freed as they go out of use), which it would scan again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@register_job_kind("build_settlements", action=Action.BUILD_SETTLEMENTS)
async def build_settlements(ctx: ServiceContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The month's drafts for one provider or for every provider with care to settle: the
    month gathered in shares of the providers, each share priced as it comes, the drafts
    stored a batch of providers per transaction while the next ones are priced."""
    period = _period(params["period"])
    storing = _Storing(ctx, period, progress)
    try:
        with _collector_paused():
            if params.get("provider_id"):
                provider_id = int(params["provider_id"])
                month = await _gather(ctx, period, provider_id)
                await storing.price(month, [provider_id])
            else:  # every provider with a done visit or a census entry in the month
                shares = _HomeShares(ctx, period, _policy_runs(period, policy_book(ctx.settings).in_force))
                try:
                    month = await _gather(ctx, period, home=False)  # while the first shares are aggregated
                    for share in range(shares.count):
                        month.add_home(await shares.take())
                        await storing.price(
                            month,
                            sorted(p for p in month.providers if p % shares.count == share),
                            last=share == shares.count - 1,
                        )
                finally:
                    shares.cancel()
            stored = await storing.finish(len(month.providers))
    except BaseException:
        await storing.abandon()
        raise
    results = {r["provider_id"]: r for r in stored}
    return {
        "period": str(period),
        "providers": len(results),
        "rebuilt": sum(1 for r in results.values() if r["rebuilt"]),
        "settlement_ids": [results[p]["settlement_id"] for p in sorted(results)],
    }


# --------------------------------------------------------------------------- reading


def _visible_filter(actor: Actor):
    if actor.role == Role.AGENCY:
        return Settlement.provider == actor.provider_id
    if actor.role in (Role.BUREAU, Role.ADMIN):
        return None
    raise NotFound("没有该结算单", code="settlement_not_found")


async def list_settlements(ctx: ServiceContext, actor: Actor, period: str | None) -> list[dict[str, Any]]:
    query = (
        Settlement.select(*SUMMARY_COLUMNS)
        .order_by(Settlement.period, ascending=False)
        .order_by(Settlement.provider.code)
    )
    visible = _visible_filter(actor)
    if visible is not None:
        query = query.where(visible)
    if period:
        query = query.where(Settlement.period == str(_period(period)))
    return [_summary(r) for r in await query]


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "provider_id": row.pop("provider")}


async def get_settlement(ctx: ServiceContext, actor: Actor, settlement_id: int) -> dict[str, Any]:
    row = await Settlement.select(*SUMMARY_COLUMNS).where(Settlement.id == settlement_id).first()
    if row is None or (actor.role == Role.AGENCY and row["provider"] != actor.provider_id):
        raise NotFound("没有该结算单", code="settlement_not_found")
    if actor.role not in (Role.AGENCY, Role.BUREAU, Role.ADMIN):
        raise NotFound("没有该结算单", code="settlement_not_found")
    lines = (
        await SettlementLine.select(
            *SettlementLine.all_columns(exclude=[SettlementLine.settlement]),
            SettlementLine.person.name.as_alias("person_name"),
        )
        .where(SettlementLine.settlement == settlement_id)
        .order_by(SettlementLine.line_no)
        .output(load_json=True)
    )
    for line in lines:
        line["person_id"] = line.pop("person")
    return _summary(row) | {"lines": lines}


# --------------------------------------------------------------------------- the workflow


async def act(
    ctx: ServiceContext, actor: Actor, settlement_id: int, action: str, *, if_match: str | None, reason: str = ""
) -> dict[str, Any]:
    """submit | approve | reject | pay, against the version the caller saw."""
    if if_match is None or not if_match.strip().strip('"').isdigit():
        raise InvalidInput("须在 If-Match 头中给出所见的结算单版本", code="if_match_required")
    seen = int(if_match.strip().strip('"'))
    await get_settlement(ctx, actor, settlement_id)  # 404 for what the caller may not see
    now = ctx.clock.now()
    async with write_transaction():
        row = await locked(Settlement.select().where(Settlement.id == settlement_id)).first()
        if row["version"] != seen:
            raise Conflict(
                f"结算单已被他人更新（当前版本 {row['version']}，您看到的是 {seen}），请刷新", code="version_conflict"
            )
        target = rules.transition(row["status"], action, str(actor.role), reason=reason)
        changes: dict[Any, Any] = {Settlement.status: target, Settlement.version: row["version"] + 1}
        if action == "submit":
            changes[Settlement.submitted_at] = now
        elif action in ("approve", "reject"):
            changes |= {Settlement.decided_at: now, Settlement.decided_by: actor.user_id}
            changes[Settlement.rejection_reason] = reason.strip() if action == "reject" else ""
        elif action == "pay":
            changes[Settlement.paid_at] = now
        await Settlement.update(changes).where(Settlement.id == settlement_id)
        if action == "approve":
            await post_entry(
                ledger.entry_for_approval(settlement_id, row["provider"], row["fund_fen"]),
                settlement_id=settlement_id,
                actor=actor,
                at=now,
            )
            await _mark_corrections_applied(settlement_id)
        elif action == "pay":
            await post_entry(
                ledger.entry_for_payment(settlement_id, row["provider"], row["fund_fen"]),
                settlement_id=settlement_id,
                actor=actor,
                at=now,
            )
        await record_change(
            actor=actor,
            at=now,
            action=f"settlement.{action}",
            entity="settlement",
            entity_id=settlement_id,
            before={"status": row["status"], "version": row["version"]},
            after={"status": target, "version": row["version"] + 1} | ({"reason": reason.strip()} if reason else {}),
        )
    return await get_settlement(ctx, actor, settlement_id)


async def _mark_corrections_applied(settlement_id: int) -> None:
    row = await Settlement.select(Settlement.provider).where(Settlement.id == settlement_id).first()
    carried = await SettlementLine.count().where(
        (SettlementLine.settlement == settlement_id) & (SettlementLine.kind == rules.ADJUSTMENT)
    )
    if carried:
        await SettlementCorrection.update({SettlementCorrection.applied_in: settlement_id}).where(
            (SettlementCorrection.provider == row["provider"]) & SettlementCorrection.applied_in.is_null()
        )


async def add_correction(ctx: ServiceContext, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """A correction to an approved month: it becomes an adjustment line of the next draft."""
    require_role(actor, Role.BUREAU, Role.ADMIN)
    period = _period(data["corrects_period"])
    approved = await Settlement.exists().where(
        (Settlement.settlement_key == f"{data['provider_id']}:{period}")
        & Settlement.status.is_in([rules.APPROVED, rules.PAID])
    )
    if not approved:
        raise Conflict("只能更正已审核通过的月份；未审核的请重新生成", code="period_not_approved")
    if not data["reason"].strip():
        raise InvalidInput("须说明更正原因", code="reason_required")
    now = ctx.clock.now()
    async with write_transaction():
        row = SettlementCorrection(
            provider=data["provider_id"],
            person=data.get("person_id"),
            corrects_period=str(period),
            amount_fen=data["amount_fen"],
            fund_fen=data.get("fund_fen"),
            reason=data["reason"].strip(),
            created_by=actor.user_id,
            created_at=now,
        )
        await row.save()
        await record_change(
            actor=actor,
            at=now,
            action="settlement.correction",
            entity="settlement_correction",
            entity_id=row.id,
            after={k: v for k, v in data.items() if k != "reason"},
        )
    return {
        "id": row.id,
        "provider_id": data["provider_id"],
        "corrects_period": str(period),
        "amount_fen": data["amount_fen"],
    }


# --------------------------------------------------------------------------- the ledger


async def post_entry(
    entry: ledger.JournalEntry, *, settlement_id: int | None, actor: Actor | None, at: datetime
) -> bool:
    """Post a balanced entry once: a second post of the same source id does nothing."""
    if await LedgerEntry.exists().where(LedgerEntry.source_id == entry.source_id):
        return False
    row = LedgerEntry(
        source_id=entry.source_id,
        kind=entry.kind,
        memo=entry.memo,
        settlement=settlement_id,
        posted_at=at,
        posted_by=actor.user_id if actor else None,
    )
    await row.save()
    await LedgerPosting.insert(
        *[
            LedgerPosting(entry=row.id, account=p.account, debit_fen=p.debit_fen, credit_fen=p.credit_fen)
            for p in entry.postings
        ]
    )
    return True


async def record_contribution(ctx: ServiceContext, actor: Actor, source_id: str, amount_fen: int) -> dict[str, Any]:
    require_role(actor, Role.BUREAU, Role.ADMIN)
    if amount_fen <= 0:
        raise InvalidInput("缴入金额须为正数（分）", code="invalid_amount")
    now = ctx.clock.now()
    async with write_transaction():
        posted = await post_entry(
            ledger.entry_for_contribution(f"contribution:{source_id}", amount_fen),
            settlement_id=None,
            actor=actor,
            at=now,
        )
        if posted:
            await record_change(
                actor=actor,
                at=now,
                action="fund.contribution",
                entity="ledger_entry",
                entity_id=source_id,
                after={"amount_fen": amount_fen},
            )
    return {"source_id": source_id, "posted": posted}


async def fund_position(ctx: ServiceContext, actor: Actor, as_of: Period | None = None) -> dict[str, Any]:
    require_role(actor, Role.BUREAU, Role.ADMIN)
    from piccolo.query.functions.aggregate import Sum

    sums = await LedgerPosting.select(
        LedgerPosting.account,
        Sum(LedgerPosting.debit_fen, alias="debit"),
        Sum(LedgerPosting.credit_fen, alias="credit"),
    ).group_by(LedgerPosting.account)
    by_account = {r["account"]: (int(r["debit"] or 0), int(r["credit"] or 0)) for r in sums}
    debit_total = sum(d for d, _ in by_account.values())
    credit_total = sum(c for _, c in by_account.values())
    cash = by_account.get(ledger.FUND_BANK, (0, 0))
    cash_fen = cash[0] - cash[1]
    payables_fen = sum(c - d for a, (d, c) in by_account.items() if a.startswith(ledger.PAYABLE_PREFIX))
    spend_rows = (
        await Settlement.select(Settlement.period, Sum(Settlement.fund_fen, alias="fund"))
        .where(Settlement.status.is_in([rules.APPROVED, rules.PAID]))
        .group_by(Settlement.period)
    )
    spend = {r["period"]: int(r["fund"] or 0) for r in spend_rows}
    as_of = as_of or Period.of(ctx.clock.now().astimezone(ctx.settings.zone).date())
    recent = sorted((p for p, v in spend.items() if v > 0 and _period(p) <= as_of), reverse=True)[:3]
    balance = cash_fen - payables_fen
    months = ledger.months_payable(balance, [spend[p] for p in recent])
    return {
        "balance_by_period": await _balance_by_period(ctx),
        "balance_fen": balance,
        "cash_fen": cash_fen,
        "payables_fen": payables_fen,
        "month_spend_fen": spend.get(str(as_of), 0),
        "months_payable": float(months) if months is not None else None,
        "period": str(as_of),
        "spend_by_period": dict(sorted(spend.items())),
        "ledger_imbalance_fen": debit_total - credit_total,
    }


async def _balance_by_period(ctx: ServiceContext) -> dict[str, int]:
    """The balance (cash − what is owed) at the end of each month that had ledger postings."""
    rows = await LedgerPosting.select(
        LedgerPosting.account,
        LedgerPosting.debit_fen,
        LedgerPosting.credit_fen,
        LedgerPosting.entry.posted_at.as_alias("posted_at"),
    ).where((LedgerPosting.account == ledger.FUND_BANK) | LedgerPosting.account.like(f"{ledger.PAYABLE_PREFIX}%"))
    change: dict[str, int] = defaultdict(int)
    for r in rows:
        month = str(Period.of(r["posted_at"].astimezone(ctx.settings.zone).date()))
        # cash counts up with debits; what is owed counts down the balance with credits
        change[month] += r["debit_fen"] - r["credit_fen"]
    running, out = 0, {}
    for month in sorted(change):
        running += change[month]
        out[month] = running
    return out


@register_job_kind("pay_settlements", action=Action.PAY_SETTLEMENTS)
async def pay_settlements(ctx: ServiceContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Pay every approved settlement of a month (after the treasury's transfer). Each payment
    is its own transaction and its ledger entry has a unique source id: a rerun after a crash
    pays what is left and posts nothing twice."""
    period = str(_period(params["period"]))
    actor = Actor(user_id=int(params["actor_id"]), username="", role=Role(params.get("actor_role", "bureau")))
    pending = (
        await Settlement.select(Settlement.id, Settlement.version)
        .where((Settlement.period == period) & (Settlement.status == rules.APPROVED))
        .order_by(Settlement.id)
    )
    for n, row in enumerate(pending, start=1):
        await act(ctx, actor, row["id"], "pay", if_match=str(row["version"]))
        await progress(n / len(pending))
    return {"period": period, "paid": len(pending), "settlement_ids": [r["id"] for r in pending]}


async def start_payment(ctx: ServiceContext, actor: Actor, period: str) -> Any:
    from ltc.services.jobs import start_job

    require_role(actor, Role.BUREAU, Role.ADMIN)
    return await start_job(
        ctx,
        actor,
        "pay_settlements",
        {"period": str(_period(period)), "actor_id": actor.user_id, "actor_role": str(actor.role)},
    )
