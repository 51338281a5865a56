"""The month's done visits summed per provider, person and caregiver in the database, for the
risk scores: a month of the largest city is millions of visits, its groups a few hundred
thousand. Durations are compared in whole microseconds, as the settlement counts them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from ltc.db.engine import aggregating, current_engine, fetch_rows, is_sqlite
from ltc.db.queries import months
from ltc.domain.periods import Period


@dataclass(frozen=True, slots=True)
class VisitTally:
    """One (provider, person, caregiver) of the month: its done visits, the verification flags
    on them, how many have an exception (not withdrawn) and how many were short."""

    provider: int
    person: int
    caregiver: int | None
    visits: int
    flags: int
    with_exception: int
    short: int


def _microseconds(sqlite: bool, start: str, end: str) -> str:
    if sqlite:  # Piccolo's UTC text: whole seconds through julianday, the fraction from the text

        def seconds(column: str) -> str:
            return f"CAST(round((julianday(substr({column}, 1, 19)) - 2440587.5) * 86400) AS INTEGER)"

        def fraction(column: str) -> str:
            return f"(CASE WHEN substr({column}, 20, 1) = '.' THEN CAST(substr({column}, 21, 6) AS INTEGER) ELSE 0 END)"

        return f"(({seconds(end)} - {seconds(start)}) * 1000000 + {fraction(end)} - {fraction(start)})"
    return f"round(date_part('epoch', {end} - {start}) * 1000000)::bigint"


def _tallies_sql(sqlite: bool, bounds: months.MonthBounds, minimum_share: float) -> str:
    planned = _microseconds(sqlite, "v.planned_start", "v.planned_end")
    done = (
        "CASE WHEN v.checked_in_at IS NOT NULL AND v.checked_out_at IS NOT NULL"
        f" THEN {_microseconds(sqlite, 'v.checked_in_at', 'v.checked_out_at')} ELSE {planned} END"
    )
    return f"""
SELECT v.provider, v.person, v.caregiver, COUNT(*) AS visits,
       SUM(COALESCE(json_array_length(v.flags), 0)) AS flags,
       SUM(CASE WHEN x.visit IS NULL THEN 0 ELSE 1 END) AS with_exception,
       SUM(CASE WHEN ({done}) < {minimum_share!r} * ({planned}) THEN 1 ELSE 0 END) AS short
FROM visit v
LEFT JOIN (SELECT DISTINCT visit FROM visit_exception
           WHERE status <> 'withdrawn' AND {bounds.sql()}) x ON x.visit = v.id
WHERE v.status = 'done' AND v.planned_start >= {{}} AND v.planned_start < {{}} AND {bounds.sql("v")}
GROUP BY v.provider, v.person, v.caregiver"""


async def month_visit_tallies(period: Period, zone: tzinfo, minimum_share: float) -> list[VisitTally]:
    """The done visits planned to start in the month, in groups (see ``VisitTally``); a visit
    is short when its checked-in time (the planned one without both events) is below
    ``minimum_share`` of the planned time."""
    start, end = period.start_utc(zone), period.end_utc(zone)
    sql = _tallies_sql(is_sqlite(current_engine()), months.of_planned(start, end, zone), float(minimum_share))
    async with aggregating():
        rows = await fetch_rows(sql, start, end)
    return [
        VisitTally(provider, person, caregiver, int(visits), int(flags or 0), int(with_exception or 0), int(short or 0))
        for provider, person, caregiver, visits, flags, with_exception, short in rows
    ]
