"""The month's aggregate for the settlement build, as plain SQL for SQLite and PostgreSQL, and
the read views of the settlement pages.

The month is aggregated in SQL, for one provider or for every provider at once. Per
provider and person, of the done visits with a care plan checked in during the month: per
policy run the count and the sum of the minutes (each the floor of its exact duration,
never below 0), and the visits' ids keyed by their local check-in day; then, from the
exceptions, the few visits that are kept out (``BLOCKS_PAYMENT_SQL``), which the build takes
off again in Python. The texts use ``{}`` for their parameters, as Piccolo's ``raw`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import TypeGuard

import numpy as np
import numpy.typing as npt
from piccolo.query.functions.aggregate import Count

from ltc.db.queries import months
from ltc.db.tables import Application, Assessment, Conclusion, Visit, VisitException
from ltc.domain.periods import Period
from ltc.domain.visit_exceptions import BLOCKS_PAYMENT_SQL


def month_visits(period: Period, zone: tzinfo) -> str:
    """The period's done visits: checked in within its bounds (two parameters, UTC), read in
    the partitions of the months such a visit can belong to."""
    return f"v.status = 'done' AND {months.of_checked_in_period(period, zone).sql('v')} AND v.checked_in_at >= {{}} AND v.checked_in_at < {{}}"


DAY_BITS = 40  # a counted visit's key in SQL: (local day − the 1st) << 40 | visit id
ID_MASK = (1 << DAY_BITS) - 1
_EPOCH = date(1970, 1, 1)
# The visits of one provider that an exception keeps out of pay (the per-visit path).
PROVIDER_BLOCKED_VISITS = (
    f"SELECT e.visit AS visit FROM visit_exception e WHERE e.provider = {{}} AND {BLOCKS_PAYMENT_SQL}"
)


@lru_cache(maxsize=64)
def utc_offsets(zone: tzinfo, period: Period) -> tuple[tuple[int, int], ...]:
    """The zone's UTC offset in seconds as pieces ``(from epoch second, offset)``, exact from
    two days before the month to two days after it (the first piece also stands for what lies
    before, the last for what lies after: a check-in that far out is outside the month anyway)."""
    start = int((period.start_utc(zone) - timedelta(days=2)).timestamp())
    end = int((period.end_utc(zone) + timedelta(days=2)).timestamp())

    def offset(second: int) -> int:
        local = datetime.fromtimestamp(second, UTC).astimezone(zone)
        return int((local.utcoffset() or timedelta()).total_seconds())

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


def times_sql(sqlite: bool, period: Period, zone: tzinfo) -> tuple[str, str, str, str]:
    """How a visit's local day (counted from the 1st) and minutes (the floor of its exact
    duration, never below 0) are computed: ``(columns, day, minutes, materialized)`` — the
    columns an inner query gives (over ``visit v``), the two expressions over them, and what
    ends the inner query. The UTC offsets are the zone's (``utc_offsets``)."""
    pieces = utc_offsets(zone, period)
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


def home_sql(
    sqlite: bool, period: Period, zone: tzinfo, runs: list[tuple[int, str | None]], one: bool, part: tuple[int, int]
) -> str:
    """Per provider and person, of the month's done visits with a care plan (those without
    one only make the provider's presence): the lowest and highest plan and the level of the
    lowest (a person under one plan has its level; the others are looked up apart), the keys (local day << 40 | id), how many lack a time, the largest id, and per policy run the
    count and the sum of minutes. ``part``: (n, of) — the providers whose id is n modulo ``of``."""
    columns, day, minutes, materialized = times_sql(sqlite, period, zone)
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
    key = f"{day} * {1 << DAY_BITS} + id"
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
                WHERE {month_visits(period, zone)} {"AND v.provider = {}" if one else ""} {f"AND v.provider % {of} = {n}" if of > 1 else ""}
                {materialized}
            ) month
            GROUP BY provider, person
        ) m
        LEFT JOIN care_plan low ON low.id = m.plan_low"""


def blocked_sql(sqlite: bool, period: Period, zone: tzinfo, one: bool) -> str:
    """The month's visits with a care plan that an exception keeps out: id, provider, person,
    local day, minutes, and whether a time is missing (looked up from the exceptions, a few:
    the planners would otherwise scan the month's visits to join them)."""
    columns, day, minutes, materialized = times_sql(sqlite, period, zone)
    if sqlite:  # CROSS JOIN: SQLite takes the tables in this order
        source = f"""(SELECT DISTINCT e.visit, e.provider FROM visit_exception e WHERE {BLOCKS_PAYMENT_SQL}) e
            CROSS JOIN visit v
            WHERE v.id = e.visit AND v.provider = e.provider"""
    else:
        source = f"""visit v
            WHERE v.id = ANY(ARRAY(SELECT e.visit FROM visit_exception e WHERE {BLOCKS_PAYMENT_SQL}))
                AND EXISTS (
                    SELECT 1 FROM visit_exception e
                    WHERE e.visit = v.id AND e.provider = v.provider AND {BLOCKS_PAYMENT_SQL}
                )"""
    return f"""
        SELECT id, provider, person, {day} AS day, {minutes} AS minutes, incomplete FROM (
            SELECT v.id AS id, v.provider AS provider, v.person AS person,
                CASE WHEN v.checked_in_at IS NULL OR v.checked_out_at IS NULL THEN 1 ELSE 0 END AS incomplete,
                {columns}
            FROM {source}
                AND v.care_plan IS NOT NULL AND {month_visits(period, zone)} {"AND v.provider = {}" if one else ""}
            {materialized}
        ) blocked"""


def census_sql(sqlite: bool, one: bool) -> str:
    """The month's census days per provider, person and status (the month's first and last day,
    and the provider when ``one``)."""
    return f"""SELECT provider, person, status, {"group_concat" if sqlite else "array_agg"}(day) AS days
        FROM census_entry WHERE day >= {{}} AND day <= {{}} {"AND provider = {}" if one else ""}
        GROUP BY provider, person, status"""


def plan_levels_sql(period: Period, zone: tzinfo, persons: int) -> str:
    """The highest level among the care plans of the given persons' month (a person whose
    visits name more than one plan)."""
    marks = ", ".join("{}" for _ in range(persons))
    return f"""
        SELECT v.provider AS provider, v.person AS person, MAX(cp.level) AS level
        FROM visit v JOIN care_plan cp ON cp.id = v.care_plan
        WHERE {month_visits(period, zone)} AND v.person IN ({marks})
        GROUP BY v.provider, v.person"""


def key_array(values: Sequence[bytes | str | None]) -> tuple[npt.NDArray[np.int64], list[int]]:
    """The keys aggregated for each row, all in one array (row after row), and how many each
    row has: 8-byte big-endian integers (PostgreSQL) or text (SQLite's group_concat)."""
    if _all_bytes(values):
        blobs = [value or b"" for value in values]
        return np.frombuffer(b"".join(blobs), dtype=">i8").astype(np.int64), [len(b) >> 3 for b in blobs]
    texts = [value or "" for value in values if not isinstance(value, bytes)]  # one dialect: all text
    counts = [text.count(",") + 1 if text else 0 for text in texts]
    joined = ",".join(text for text in texts if text)
    return np.fromiter(map(int, joined.split(",")) if joined else (), dtype=np.int64, count=sum(counts)), counts


def _all_bytes(values: Sequence[bytes | str | None]) -> TypeGuard[Sequence[bytes | None]]:
    return all(value is None or isinstance(value, bytes) for value in values)


# --------------------------------------------------------------------------- read views


@dataclass(frozen=True)
class LineVisitException:
    code: str
    status: str
    reason_code: str
    resolution_code: str


@dataclass(frozen=True)
class LineVisit:
    """A visit a settlement line counts or leaves out, as the drill-down shows it."""

    id: int
    planned_start: datetime
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    flags: list[str]
    caregiver_name: str | None
    minutes: int | None  # whole minutes checked in, None without both times
    exceptions: tuple[LineVisitException, ...]


async def line_visits(ids: Sequence[int]) -> dict[int, LineVisit]:
    """The given visits with their exceptions, by id."""
    if not ids:
        return {}
    rows = (
        await Visit.select(
            Visit.id,
            Visit.planned_start,
            Visit.checked_in_at,
            Visit.checked_out_at,
            Visit.flags,
            Visit.caregiver.name.as_alias("caregiver_name"),
        )
        .where(Visit.id.is_in(list(ids)))
        .output(load_json=True)
    )
    exceptions: dict[int, list[LineVisitException]] = {}
    for e in await VisitException.select(
        VisitException.visit,
        VisitException.code,
        VisitException.status,
        VisitException.reason_code,
        VisitException.resolution_code,
    ).where(VisitException.visit.is_in(list(ids))):
        exceptions.setdefault(e["visit"], []).append(
            LineVisitException(e["code"], e["status"], e["reason_code"], e["resolution_code"])
        )
    out = {}
    for row in rows:
        minutes = None
        if row["checked_in_at"] and row["checked_out_at"]:
            minutes = int((row["checked_out_at"] - row["checked_in_at"]).total_seconds() // 60)
        out[row["id"]] = LineVisit(
            id=row["id"],
            planned_start=row["planned_start"],
            checked_in_at=row["checked_in_at"],
            checked_out_at=row["checked_out_at"],
            flags=row["flags"],
            caregiver_name=row["caregiver_name"],
            minutes=minutes,
            exceptions=tuple(exceptions.get(row["id"], [])),
        )
    return out


@dataclass(frozen=True)
class CaseFigures:
    """The district's casework as the fund dashboard counts it."""

    applications: int
    assessed: int
    severe: int  # persons with an active conclusion of severe disability
    conclusions_by_level: dict[int, int]  # active conclusions


async def case_figures() -> CaseFigures:
    active = Conclusion.status == "active"
    levels = await Conclusion.select(Conclusion.level, Count(alias="n")).where(active).group_by(Conclusion.level)
    return CaseFigures(
        applications=await Application.count(),
        assessed=await Assessment.count(),
        severe=await Conclusion.count().where(active & (Conclusion.severe == True)),
        conclusions_by_level={r["level"]: r["n"] for r in levels},
    )
