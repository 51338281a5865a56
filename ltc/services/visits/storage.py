"""Storing what visit generation produces: the visits and unscheduled slots as rows (plain
tuples, in column order, for the one bulk writer ``ltc.db.bulk.insert_rows``), a chunk of
visits inserted so that a concurrent or earlier run's keys are skipped, and the window's
unscheduled slots replaced."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from piccolo.utils.encoding import dump_json

from ltc.db.bulk import insert_rows
from ltc.db.engine import is_unique_violation, write_transaction
from ltc.db.parameters import in_parts
from ltc.db.tables import UnscheduledSlot, Visit
from ltc.domain import scheduling
from ltc.domain.periods import service_month

# A generated visit as `insert_new` takes it: a plain tuple in this column order (JSON columns
# as the JSON text Piccolo would write, times aware), every column given as `Visit(...)` would.
INSERT_COLUMNS = (
    "care_plan",
    "person",
    "provider",
    "caregiver",
    "slot_key",
    "planned_start",
    "planned_end",
    "window_opens",
    "window_closes",
    "items",
    "source",
    "status",
    "checked_in_at",
    "checked_out_at",
    "done_items",
    "flags",
    "alerts",
    "created_at",
    "updated_at",
    "person_confirmation",
    "service_month",
)
_SLOT_KEY = INSERT_COLUMNS.index("slot_key")
UNSCHEDULED_COLUMNS = ("care_plan", "provider", "slot_key", "slot_start", "slot_end", "reason", "reported_at")

Row = tuple[Any, ...]


def slot_key(plan_id: Hashable, start: datetime) -> str:
    return f"{plan_id}:{_utc_iso(start)}"


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def service_months(zone: tzinfo) -> Callable[[datetime], date]:
    """service_month() in ``zone``, each distinct slot start converted once."""
    months: dict[datetime, date] = {}

    def month_of(start: datetime) -> date:
        month = months.get(start)
        if month is None:
            month = months[start] = service_month(start, zone)
        return month

    return month_of


def slot_keys() -> Callable[[Hashable, datetime], str]:
    """slot_key(), with each distinct start converted once (astimezone costs microseconds)."""
    utc_text: dict[datetime, str] = {}

    def key_of(plan_id: Hashable, start: datetime) -> str:
        text = utc_text.get(start)
        if text is None:
            text = utc_text[start] = _utc_iso(start)
        return f"{plan_id}:{text}"

    return key_of


@dataclass(frozen=True)
class GeneratedRows:
    """The scheduler's visits and unscheduled slots as rows to insert: tuples in
    ``INSERT_COLUMNS`` and ``UNSCHEDULED_COLUMNS`` order."""

    provider_of: dict[Hashable, Hashable]
    items_of: dict[Hashable, str]
    now: datetime
    key_of: Callable[[Hashable, datetime], str]
    month_of: Callable[[datetime], date]  # a visit's month: its slot's (the key's start)

    def visits(self, visits: Sequence[scheduling.PlannedVisit]) -> list[Row]:
        provider_of, items_of, key_of, month_of, now = (
            self.provider_of,
            self.items_of,
            self.key_of,
            self.month_of,
            self.now,
        )
        empty = dump_json([])
        return [
            (
                v.plan_id,
                v.person_id,
                provider_of[v.plan_id],
                v.caregiver_id,
                key_of(*v.key),
                v.slot_start,
                v.slot_end,
                v.window_opens,
                v.window_closes,
                items_of[v.plan_id],
                "schedule",
                "planned",
                None,
                None,
                empty,
                empty,
                empty,
                now,
                now,
                "",
                month_of(v.key[1]),
            )
            for v in visits
        ]

    def unscheduled(self, slots: Sequence[scheduling.UnscheduledVisit]) -> list[Row]:
        return [
            (
                u.plan_id,
                self.provider_of[u.plan_id],
                self.key_of(u.plan_id, u.slot_start),
                u.slot_start,
                u.slot_end,
                u.reason,
                self.now,
            )
            for u in slots
        ]


async def insert_new(rows: list[Row]) -> int:
    """Insert a chunk (tuples in ``INSERT_COLUMNS`` order) in one transaction; if another run
    stored some of these keys meanwhile, insert only the ones still missing."""
    try:
        async with write_transaction() as transaction:
            await insert_rows(transaction, Visit, INSERT_COLUMNS, rows)
        return len(rows)
    except Exception as error:
        if not is_unique_violation(error):
            raise
    keys = [r[_SLOT_KEY] for r in rows]
    async with write_transaction() as transaction:
        stored: set[str] = set()
        for part in in_parts(keys):
            stored.update(r["slot_key"] for r in await Visit.select(Visit.slot_key).where(Visit.slot_key.is_in(part)))
        missing = [r for r in rows if r[_SLOT_KEY] not in stored]
        if missing:
            await insert_rows(transaction, Visit, INSERT_COLUMNS, missing)
    return len(missing)


async def replace_unscheduled(provider_ids: list[int], start: datetime, end: datetime, rows: list[Row]) -> None:
    """The unscheduled slots of these providers starting in [start, end), as a run found them
    (rows in ``UNSCHEDULED_COLUMNS`` order)."""
    async with write_transaction() as transaction:
        await UnscheduledSlot.delete().where(
            UnscheduledSlot.provider.is_in(provider_ids)
            & (UnscheduledSlot.slot_start >= start)
            & (UnscheduledSlot.slot_start < end)
        )
        if rows:
            await insert_rows(transaction, UnscheduledSlot, UNSCHEDULED_COLUMNS, rows)
