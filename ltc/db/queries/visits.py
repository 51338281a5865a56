"""The visits' reads and the check-in's SQL.

The read views return rows as Piccolo gives them, named as the services' models are; the
check-in's queries are plain SQL written out: they run on every event of every agency's day,
and building them through the ORM (the joined selects above all) cost more than running them.
Its events come back as typed rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from uuid import UUID

from piccolo.columns import Column, ForeignKey
from piccolo.query.functions.aggregate import Count
from piccolo.utils.encoding import dump_json, load_json

from ltc.db.engine import current_engine, is_sqlite
from ltc.db.queries import lists, months
from ltc.db.queries.months import MonthBounds
from ltc.db.tables import (
    Caregiver,
    CarePlan,
    Visit,
    VisitAlert,
    VisitEventRecord,
    VisitEvidence,
    VisitException,
)
from ltc.domain.scheduling import Booking
from ltc.domain.visit_events import VisitEvent


def _foreign(column: Column | Any) -> ForeignKey:
    """A foreign key reached through another: Piccolo types a joined attribute ``Column | Any``
    (the join chain is built at run time), this says which it is."""
    if not isinstance(column, ForeignKey):
        raise TypeError(f"{column} is not a foreign key")
    return column


def _visit_facts(visit: ForeignKey) -> tuple[Column, Column, Column]:
    """The person's and the caregiver's names and the planned start of the visit a row is of."""
    return (
        _foreign(visit.person).name.as_alias("person_name"),
        _foreign(visit.caregiver).name.as_alias("caregiver_name"),
        visit.planned_start.as_alias("planned_start"),
    )


# --------------------------------------------------------------------------- read views

VISIT_COLUMNS = (
    Visit.id,
    Visit.care_plan.as_alias("care_plan_id"),
    Visit.person.as_alias("person_id"),
    Visit.person.name.as_alias("person_name"),
    Visit.person.address_enc.as_alias("person_address_enc"),
    Visit.person.lat.as_alias("person_lat"),
    Visit.person.lon.as_alias("person_lon"),
    Visit.provider.as_alias("provider_id"),
    Visit.caregiver.as_alias("caregiver_id"),
    Visit.caregiver.name.as_alias("caregiver_name"),
    Visit.planned_start,
    Visit.planned_end,
    Visit.items,
    Visit.source,
    Visit.status,
    Visit.checked_in_at,
    Visit.checked_out_at,
    Visit.done_items,
    Visit.flags,
    Visit.alerts,
    Visit.person_confirmation,
)


async def visit_row(visit_id: int) -> dict[str, Any] | None:
    return await Visit.select(*VISIT_COLUMNS).where(Visit.id == visit_id).output(load_json=True).first()


async def visit_rows(
    start: datetime, end: datetime, zone: tzinfo, *, provider_id: int | None, caregiver_id: int | None
) -> list[dict[str, Any]]:
    """The visits not cancelled planned to start in [start, end), in order."""
    query = lists.visits_query(
        VISIT_COLUMNS, start=start, end=end, zone=zone, provider=provider_id, caregiver=caregiver_id, status=None
    )
    return await lists.VISIT_ORDER.ordered(query)


ALERT_COLUMNS = (
    VisitAlert.id,
    VisitAlert.visit.as_alias("visit_id"),
    VisitAlert.provider.as_alias("provider_id"),
    VisitAlert.kind,
    VisitAlert.raised_at,
    VisitAlert.cleared_at,
    *_visit_facts(VisitAlert.visit),
)

EXCEPTION_COLUMNS = (
    VisitException.id,
    VisitException.visit.as_alias("visit_id"),
    VisitException.provider.as_alias("provider_id"),
    VisitException.provider.name.as_alias("provider_name"),
    VisitException.code,
    VisitException.status,
    VisitException.opened_at,
    VisitException.reason_code,
    VisitException.explanation,
    VisitException.explained_at,
    VisitException.resolution_code,
    VisitException.resolution_note,
    VisitException.resolved_at,
    *_visit_facts(VisitException.visit),
)


async def exception_row(exception_id: int) -> dict[str, Any] | None:
    return await VisitException.select().where(VisitException.id == exception_id).first()


# --------------------------------------------------------------------------- the check-in's SQL

# The person's hospital stays come with the visit as a JSON list of [admitted, discharged]
# pairs (one statement fewer on every check-in and check-out): {} is the dialect's aggregate.
_VISIT_FOR_EVENT_SQL = """
SELECT v.id, v.care_plan AS care_plan_id, v.person AS person_id, p.name AS person_name,
       p.address_enc AS person_address_enc, p.lat AS person_lat, p.lon AS person_lon, v.provider AS provider_id,
       v.caregiver AS caregiver_id, c.name AS caregiver_name,
       v.planned_start, v.planned_end, v.items, v.source, v.status, v.checked_in_at,
       v.checked_out_at, v.done_items, v.flags, v.alerts, v.person_confirmation,
       p.deceased_on, c.qualification, c.certificate_expires_on, cp.items AS plan_items, v.service_month,
       (SELECT {stays} FROM hospital_stay s WHERE s.person = v.person) AS inpatient_stays{event_lock}
FROM visit v
JOIN person p ON p.id = v.person
LEFT JOIN caregiver c ON c.id = v.caregiver
LEFT JOIN care_plan cp ON cp.id = v.care_plan
WHERE v.id = {{}}"""
_STAYS_AGGREGATE = {
    "postgres": "json_agg(json_build_array(s.admitted_on, s.discharged_on))",
    "sqlite": "json_group_array(json_array(s.admitted_on, s.discharged_on))",
}
EVENT_ID_LOCKS = 7301  # the advisory locks' first key: event ids (the second is the id's hash)
# One check-in or check-out at a time per event id, taken with the visit (PostgreSQL; SQLite
# has one writer): a partitioned table keeps an event id unique within a month only, so two
# visits of different months could otherwise each take the same id at the same moment.
_EVENT_LOCK = f", pg_advisory_xact_lock({EVENT_ID_LOCKS}, hashtext({{}})) AS event_locked"
_VISIT_JSON = ("items", "done_items", "flags", "alerts", "plan_items")
# The visit's events in its month's partition, and the event id in the months an event of its
# time may be recorded on: a resend carries its first time, so it finds the visit it was kept
# on, whatever that visit's month. The months are literals, so PostgreSQL plans (and locks)
# only those partitions, however many months are kept. An id sent again with another time,
# months from the first, is not looked for there: SQLite's unique event id refuses it when it
# is stored; PostgreSQL's, unique within a month, keeps it on the second visit too.
_EVENTS_SQL = "SELECT * FROM visit_event WHERE (visit = {{}} AND {own}) OR (event_id = {{}} AND {reach})"
# What a stored event gives, in ``store_event``'s order.
EVENT_COLUMNS = (
    "visit", "event_id", "kind", "at", "server_received_at", "lat", "lon", "accuracy_m", "items", "recorded_by",
    "outcome", "person_confirmation", "presence", "performed_by", "evidence", "service_month",
)  # fmt: skip
_INSERT_EVENT_SQL = (
    f"INSERT INTO visit_event ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('{}' for _ in EVENT_COLUMNS)})"
)
_UPDATE_VISIT_SQL = "UPDATE visit SET {changes} WHERE id = {{}} AND {month}"
# The event and the visit it leaves, in one statement on PostgreSQL.
_STORE_EVENT_SQL = """
WITH kept AS ({insert} RETURNING 1)
{update}"""
_CAREGIVER_EVENTS_SQL = """
SELECT e.* FROM visit_event e JOIN visit v ON v.id = e.visit AND v.service_month = e.service_month
WHERE v.caregiver = {{}} AND v.id <> {{}} AND v.checked_in_at >= {{}} AND v.checked_in_at <= {{}}
  AND {visits} AND {events}"""
# Both in one statement on the hot path (``nearby`` tells the two apart).
_EVENTS_AND_NEARBY_SQL = (
    _EVENTS_SQL.replace("SELECT *", "SELECT 0 AS nearby, *", 1)
    + "\nUNION ALL"
    + _CAREGIVER_EVENTS_SQL.replace("SELECT e.*", "SELECT 1 AS nearby, e.*", 1)
)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A recorded check-in or check-out, with the visit it belongs to."""

    visit: int
    event: VisitEvent
    person_confirmation: str


async def visit_for_event(
    visit_id: int, likely: MonthBounds | None = None, *, event_id: UUID | None = None
) -> dict[str, Any] | None:
    """The visit (the columns of ``VISIT_COLUMNS``), locked against other writers (on
    PostgreSQL; SQLite has one writer), with what verification needs besides: the person's
    death, the caregiver's qualification and the plan's items. ``likely``: the months to look
    in first (an id alone probes every month's partition); then everywhere. ``event_id``: the
    event about to be recorded, whose id is locked in the same statement."""
    postgres = not is_sqlite(current_engine())
    locking = postgres and event_id is not None
    sql = _VISIT_FOR_EVENT_SQL.format(
        stays=_STAYS_AGGREGATE["postgres" if postgres else "sqlite"], event_lock=_EVENT_LOCK if locking else ""
    )
    args = (str(event_id), visit_id) if locking else (visit_id,)
    row_lock = " FOR UPDATE OF v" if postgres else ""
    rows = await Visit.raw(f"{sql} AND {likely.sql('v')}{row_lock}", *args) if likely else []
    if not rows:
        rows = await Visit.raw(sql + row_lock, *args)
    if not rows:
        return None
    row = rows[0]
    row.pop("event_locked", None)
    for name in _VISIT_JSON:
        row[name] = load_json(row[name]) if isinstance(row[name], str) else row[name]
    row["inpatient_stays"] = _stays(row["inpatient_stays"])
    return row


def _stays(value: str | list[Any] | None) -> list[tuple[date, date | None]]:
    """The aggregated stays as (admitted, discharged) days (None: no stay; JSON text or parsed)."""
    pairs = load_json(value) if isinstance(value, str) else value or []
    return [(date.fromisoformat(a), date.fromisoformat(d) if d else None) for a, d in pairs]


def _event_of(row: dict[str, Any]) -> VisitEvent:
    return VisitEvent(
        event_id=row["event_id"] if isinstance(row["event_id"], UUID) else UUID(str(row["event_id"])),
        kind=row["kind"],
        at=row["at"],
        server_received_at=row["server_received_at"],
        lat=row["lat"],
        lon=row["lon"],
        accuracy_m=row["accuracy_m"],
        items=tuple(load_json(row["items"]) if isinstance(row["items"], str) else row["items"]),
        presence=row.get("presence") or "",
        performed_by=row.get("performed_by"),
        evidence=tuple(
            load_json(row["evidence"]) if isinstance(row.get("evidence"), str) else row.get("evidence") or ()
        ),
    )


def _stored_event(row: dict[str, Any]) -> StoredEvent:
    return StoredEvent(visit=row["visit"], event=_event_of(row), person_confirmation=row["person_confirmation"])


async def _stored_events(sql: str, *args: Any) -> list[StoredEvent]:
    return [_stored_event(row) for row in await VisitEventRecord.raw(sql, *args)]


@dataclass(frozen=True, slots=True)
class NearbyEvents:
    """The events of a caregiver's other visits checked in within ``reach`` of ``around``."""

    around: datetime
    reach: timedelta
    events: list[StoredEvent]


async def events_for(
    visit_id: int, service_month: date, event_id: UUID, event_months: MonthBounds
) -> list[StoredEvent]:
    """The visit's events, and the one stored under ``event_id`` on any visit of
    ``event_months`` (``months.of_event``: where an event of its time may be kept)."""
    return await _stored_events(events_sql(service_month, event_months), visit_id, event_id)


def events_sql(service_month: date, event_months: MonthBounds) -> str:
    """``events_for``'s statement (its arguments: the visit's id, the event id)."""
    return _EVENTS_SQL.format(own=months.of_month(service_month).sql(), reach=event_months.sql())


async def events_and_nearby(
    visit_id: int,
    service_month: date,
    event_id: UUID,
    event_months: MonthBounds,
    nearby_of: tuple[int, datetime, timedelta, tzinfo],
) -> tuple[list[StoredEvent], NearbyEvents]:
    """``events_for`` and, in the same statement, ``caregiver_events`` of the caregiver
    ``nearby_of`` names (caregiver, around, reach, zone) within reach of that moment."""
    caregiver_id, around, reach, zone = nearby_of
    since, until = around.astimezone(UTC) - reach, around.astimezone(UTC) + reach
    own = months.of_month(service_month).sql()
    sql = _near(_EVENTS_AND_NEARBY_SQL, since, until, zone, own=own, reach=event_months.sql())
    rows = await VisitEventRecord.raw(sql, visit_id, event_id, caregiver_id, visit_id, since, until)
    nearby = [_stored_event(r) for r in rows if r["nearby"]]
    return [_stored_event(r) for r in rows if not r["nearby"]], NearbyEvents(around, reach, nearby)


async def caregiver_events(
    caregiver_id: int, other_than: int, since: datetime, until: datetime, zone: tzinfo
) -> list[StoredEvent]:
    """The events of the caregiver's other visits checked in between ``since`` and ``until``
    (in the months those visits may be kept under)."""
    return await _stored_events(
        _near(_CAREGIVER_EVENTS_SQL, since, until, zone), caregiver_id, other_than, since, until
    )


def _near(sql: str, since: datetime, until: datetime, zone: tzinfo, **fields: str) -> str:
    """The caregiver-events template bounded to the months visits checked in then are kept
    under (``fields``: the template's other literals)."""
    bounds = months.of_checked_in(since, until, zone)
    return sql.format(visits=bounds.sql("v"), events=bounds.sql("e"), **fields)


async def certificates_expire_on(caregiver_ids: Iterable[int]) -> dict[int, date | None]:
    """When each caregiver's certificate expires (None: not recorded)."""
    ids = sorted(set(caregiver_ids))
    if not ids:
        return {}
    rows = await Caregiver.select(Caregiver.id, Caregiver.certificate_expires_on).where(Caregiver.id.is_in(ids))
    return {r["id"]: r["certificate_expires_on"] for r in rows}


async def store_event(
    visit_id: int,
    service_month: date,
    event: VisitEvent,
    *,
    recorded_by: int,
    outcome: str,
    person_confirmation: str,
    changes: dict[str, Any],
) -> None:
    """Insert the event and update the named columns of its visit (lists written as JSON), in
    the visit's month's partition: one statement on PostgreSQL, two on SQLite."""
    event_args = (
        visit_id,
        event.event_id,
        event.kind,
        event.at,
        event.server_received_at,
        event.lat,
        event.lon,
        event.accuracy_m,
        dump_json(list(event.items)),
        recorded_by,
        outcome,
        person_confirmation,
        event.presence,
        event.performed_by,
        dump_json(list(event.evidence)),
        service_month,
    )
    assignments = ", ".join(f"{name} = {{}}" for name in changes)
    update_args = (*(dump_json(v) if isinstance(v, list) else v for v in changes.values()), visit_id)
    # The month as a literal: PostgreSQL plans (and locks) the one partition the visit is in.
    update = _UPDATE_VISIT_SQL.format(changes=assignments, month=months.of_month(service_month).sql())
    if is_sqlite(current_engine()):
        await VisitEventRecord.raw(_INSERT_EVENT_SQL, *event_args)
        await Visit.raw(update, *update_args)
        return
    await Visit.raw(_STORE_EVENT_SQL.format(insert=_INSERT_EVENT_SQL.strip(), update=update), *event_args, *update_args)


async def events_of_visits(visit_ids: list[int]) -> dict[int, list[VisitEvent]]:
    by_visit: dict[int, list[VisitEvent]] = defaultdict(list)
    if not visit_ids:
        return by_visit
    rows = await VisitEventRecord.select().where(VisitEventRecord.visit.is_in(visit_ids)).output(load_json=True)
    for row in rows:
        by_visit[row["visit"]].append(_event_of(row))
    return by_visit


async def check_in_facts(visit_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per visit: its person and their home, its check-in and check-out times, and the
    position the first check-in was sent from (what the bureau weighs an exception by)."""
    if not visit_ids:
        return {}
    visits = await Visit.select(
        Visit.id,
        Visit.person.as_alias("person_id"),
        Visit.person.lat.as_alias("home_lat"),
        Visit.person.lon.as_alias("home_lon"),
        Visit.checked_in_at,
        Visit.checked_out_at,
    ).where(Visit.id.is_in(visit_ids))
    check_ins = (
        await VisitEventRecord.select(
            VisitEventRecord.visit,
            VisitEventRecord.lat,
            VisitEventRecord.lon,
            VisitEventRecord.accuracy_m,
            VisitEventRecord.presence,
        )
        .where(VisitEventRecord.visit.is_in(visit_ids) & (VisitEventRecord.kind == "check_in"))
        .order_by(VisitEventRecord.server_received_at, ascending=False)
    )
    first_check_in = {row["visit"]: row for row in check_ins}  # the earliest one wins (newest first above)
    evidence: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for kept in (
        await VisitEvidence.select(VisitEvidence.id, VisitEvidence.visit, VisitEvidence.kind)
        .where(VisitEvidence.visit.is_in(visit_ids))
        .order_by(VisitEvidence.id)
    ):
        evidence[kept["visit"]].append({"id": kept["id"], "kind": kept["kind"]})
    return {
        row["id"]: row
        | {
            "check_in_lat": first_check_in.get(row["id"], {}).get("lat"),
            "check_in_lon": first_check_in.get(row["id"], {}).get("lon"),
            "check_in_accuracy_m": first_check_in.get(row["id"], {}).get("accuracy_m"),
            "check_in_presence": first_check_in.get(row["id"], {}).get("presence") or None,
            "evidence": evidence.get(row["id"], []),
        }
        for row in visits
    }


async def bookings_between(
    start: datetime, end: datetime, *, provider_ids: list[int] | None = None, caregiver_ids: list[int] | None = None
) -> list[Booking]:
    """The visits not cancelled that start from ``start`` to before ``end``, of the providers or
    of the caregivers named, as the bookings that occupy caregivers and keep their slots' keys."""
    owner = (
        Visit.provider.is_in(provider_ids) if provider_ids is not None else Visit.caregiver.is_in(caregiver_ids or [])
    )
    if not (provider_ids or caregiver_ids):
        return []
    rows = await Visit.select(
        Visit.caregiver,
        Visit.planned_start,
        Visit.planned_end,
        Visit.window_opens,
        Visit.care_plan,
        Visit.person.lat.as_alias("lat"),
        Visit.person.lon.as_alias("lon"),
    ).where(owner & (Visit.status != "cancelled") & (Visit.planned_start >= start) & (Visit.planned_start < end))
    return [
        Booking(
            caregiver_id=r["caregiver"],
            start=r["planned_start"],
            end=r["planned_end"],
            lat=r["lat"] or 0.0,
            lon=r["lon"] or 0.0,
            plan_id=r["care_plan"],
            slot_start=r["window_opens"],
        )
        for r in rows
    ]


async def month_of_visit(visit_id: int) -> date | None:
    """The month a visit is kept under (None: no such visit)."""
    row = await Visit.select(Visit.service_month).where(Visit.id == visit_id).first()
    return None if row is None else row["service_month"]


async def home_plans_by_provider() -> dict[int, int]:
    """How many confirmed home-care plans each provider has: the weight of its share of the
    city's visit generation."""
    rows = await (
        CarePlan.select(CarePlan.provider, Count(alias="n"))
        .where((CarePlan.status == "confirmed") & (CarePlan.care_mode == "home"))
        .group_by(CarePlan.provider)
    )
    return {r["provider"]: r["n"] for r in rows}
