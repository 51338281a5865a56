"""The care agency's desk reads: its people and their care plans, its institution's residents,
the slots no caregiver could take, and the counts of what waits for the agency. Plain SQL
with keyset paging (``after`` the last row's key, ``limit`` + 1 rows to tell whether another
page follows), each backed by an index of migration 0017."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ltc.db.queries.paging import InvalidCursor, Key
from ltc.db.tables import Assignment, CarePlan, CensusEntry, UnscheduledSlot


def int_key(after: Key | None) -> int:
    """The id a one-part cursor names (0: from the start)."""
    if after is None:
        return 0
    (value,) = after
    if not isinstance(value, int):
        raise InvalidCursor("the cursor cannot be read")
    return value


def moment_key(after: Key | None) -> tuple[datetime, int] | None:
    """The (moment, id) a two-part cursor names."""
    if after is None:
        return None
    moment, row_id = after
    try:
        when = datetime.fromisoformat(str(moment))
    except ValueError:
        raise InvalidCursor("the cursor cannot be read") from None
    if when.tzinfo is None or not isinstance(row_id, int):
        raise InvalidCursor("the cursor cannot be read")
    return when, row_id


# A person's current plan is the one whose current_key names them (unique, so one index probe).
_ROSTER_SQL = """
SELECT a.person AS person_id, p.name AS person_name, a.care_mode, c.level AS level,
       cp.id AS plan_id, cp.status AS plan_status, cp.version AS plan_version
FROM assignment a
JOIN person p ON p.id = a.person
LEFT JOIN conclusion c ON c.id = a.conclusion
LEFT JOIN care_plan cp ON cp.current_key = 'person:' || CAST(a.person AS VARCHAR(20))
WHERE a.status = 'active' AND a.provider = {} AND a.person > {}"""

ROSTER_STATES = {
    "needs_plan": " AND cp.id IS NULL",
    "awaiting_confirmation": " AND cp.status = 'draft'",
    "confirmed": " AND cp.status = 'confirmed'",
}


async def roster_rows(
    provider_id: int, *, state: str | None, care_mode: str | None, name: str | None, after: int, limit: int
) -> list[dict[str, Any]]:
    """The provider's assigned people in id order after ``after``, with their current plan."""
    sql = _ROSTER_SQL + ROSTER_STATES.get(state or "", "")
    args: list[Any] = [provider_id, after]
    if care_mode:
        sql += " AND a.care_mode = {}"
        args.append(care_mode)
    if name:
        sql += " AND p.name LIKE {}"
        args.append(f"%{name}%")
    sql += " ORDER BY a.person LIMIT {}"
    args.append(limit + 1)
    return list(await Assignment.raw(sql, *args))


async def roster_row(provider_id: int, person_id: int) -> dict[str, Any] | None:
    """One of the provider's assigned people, as the roster shows them (None: not its own)."""
    rows = await Assignment.raw(_ROSTER_SQL + " AND a.person = {}", provider_id, 0, person_id)
    return rows[0] if rows else None


async def plans_awaiting_confirmation(provider_id: int) -> int:
    return await CarePlan.count().where(
        (CarePlan.provider == provider_id) & (CarePlan.status == "draft") & CarePlan.current_key.is_not_null()
    )


async def resident_rows(provider_id: int, day: date) -> list[dict[str, Any]]:
    """The institution's residents (active institutional assignments) with the status the
    census of ``day`` recorded for them, if any."""
    residents = await Assignment.raw(
        """
SELECT a.person AS person_id, p.name AS person_name, e.status AS status, e.recorded_at AS recorded_at
FROM assignment a
JOIN person p ON p.id = a.person
LEFT JOIN census_entry e ON e.person = a.person AND e.provider = a.provider AND e.day = {}
WHERE a.status = 'active' AND a.provider = {} AND a.care_mode = 'institutional'
ORDER BY p.name, a.person""",
        day,
        provider_id,
    )
    return list(residents)


async def census_days(provider_id: int, before: date, limit: int) -> list[dict[str, Any]]:
    """The latest days (before ``before``) the institution recorded, with how many entries."""
    rows = await CensusEntry.raw(
        """
SELECT day, COUNT(*) AS entries FROM census_entry
WHERE provider = {} AND day < {} GROUP BY day ORDER BY day DESC LIMIT {}""",
        provider_id,
        before,
        limit,
    )
    return list(rows)


_UNSCHEDULED_SQL = """
SELECT u.id, u.care_plan, cp.person AS person_id, p.name AS person_name, u.provider,
       u.slot_start, u.slot_end, u.reason
FROM unscheduled_slot u
JOIN care_plan cp ON cp.id = u.care_plan
JOIN person p ON p.id = cp.person
WHERE 1 = 1"""


async def unscheduled_rows(
    provider_id: int | None,
    *,
    reason: str | None,
    start_from: datetime | None,
    start_before: datetime | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Unscheduled slots in (start, id) order after the ``after`` key, filtered."""
    sql = _UNSCHEDULED_SQL
    args: list[Any] = []
    if provider_id is not None:
        sql += " AND u.provider = {}"
        args.append(provider_id)
    if reason:
        sql += " AND u.reason = {}"
        args.append(reason)
    if start_from is not None:
        sql += " AND u.slot_start >= {}"
        args.append(start_from)
    if start_before is not None:
        sql += " AND u.slot_start < {}"
        args.append(start_before)
    if after is not None:
        sql += " AND (u.slot_start > {} OR (u.slot_start = {} AND u.id > {}))"
        args += [after[0], after[0], after[1]]
    sql += " ORDER BY u.slot_start, u.id LIMIT {}"
    args.append(limit + 1)
    return list(await UnscheduledSlot.raw(sql, *args))
