"""The lists read in pages: applications, conclusions, providers, visits, visit exceptions,
visit alerts and settlements. Each is a Piccolo select with its filters and an order whose
last column is unique (``Order``), read a page at a time from the key of the last row seen
(keyset paging): the page after a key starts where the index of the order says (migration
0020, ``LIST_INDEXES``), however deep it is, and rows inserted meanwhile neither repeat nor
push rows off the following pages."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from piccolo.columns import Column, Date, Timestamptz, Varchar
from piccolo.query import Select, WhereRaw

from ltc.db.tables import (
    Application,
    AssessorAssignment,
    Conclusion,
    Provider,
    Settlement,
    Town,
    Visit,
    VisitAlert,
    VisitException,
)
from ltc.domain.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class OrderKey:
    """A column a list is ordered by: the column, the name it has in the rows, the direction."""

    column: Column
    alias: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Order:
    """A list's order; its last key is unique, so a key names one place in the list."""

    keys: tuple[OrderKey, ...]

    def key_of(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row[k.alias] for k in self.keys)

    def kinds(self) -> tuple[type, ...]:
        """The Python type of each key's value (what a cursor must hold)."""
        return tuple(_kind(k.column) for k in self.keys)

    def ordered(self, query: Select) -> Select:
        for key in self.keys:
            query = query.order_by(key.column, ascending=not key.descending)
        return query

    def after(self, query: Select, key: Sequence[Any]) -> Select:
        """The rows after ``key`` in this order. One direction: a row-value comparison, which
        both databases answer from the index; mixed: the first column's range and the rest."""
        names = [k.column._meta.get_full_name(with_alias=False) for k in self.keys]
        if len({k.descending for k in self.keys}) == 1:
            sign = "<" if self.keys[0].descending else ">"
            marks = ", ".join("{}" for _ in names)
            return query.where(WhereRaw(f"({', '.join(names)}) {sign} ({marks})", *key))
        first = self.keys[0]
        inclusive = "<=" if first.descending else ">="
        conditions, values = [], []
        for i, later in enumerate(self.keys):
            equal = " AND ".join(f"{names[j]} = {{}}" for j in range(i))
            step = f"{names[i]} {'<' if later.descending else '>'} {{}}"
            conditions.append(f"({equal} AND {step})" if equal else step)
            values += [*key[:i], key[i]]
        sql = f"{names[0]} {inclusive} {{}} AND ({' OR '.join(conditions)})"
        return query.where(WhereRaw(sql, key[0], *values))


def _kind(column: Column) -> type:
    if isinstance(column, Timestamptz):
        return datetime
    if isinstance(column, Date):
        return date
    if isinstance(column, Varchar):
        return str
    return int


T = TypeVar("T")
MAX_CURSOR_LENGTH = 400
MAX_INT = 2**31 - 1  # the ids are 32-bit on PostgreSQL


def encode_cursor(key: Sequence[Any]) -> str:
    """The opaque ``after`` of a page: the key of the last row before it."""
    values = [v.isoformat() if isinstance(v, date | datetime) else v for v in key]
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _bad_cursor() -> InvalidInput:
    return InvalidInput("the page cursor is not one this list gave", code="invalid_cursor")


def decode_cursor(cursor: str, kinds: Sequence[type]) -> tuple[Any, ...]:
    """The key an ``after`` holds, each value of the type the list's order has; anything else
    (tampered, cut, of another list) is refused with ``invalid_cursor``."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise _bad_cursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc
    if not isinstance(values, list) or len(values) != len(kinds):
        raise _bad_cursor()
    return tuple(_value(v, kind) for v, kind in zip(values, kinds, strict=True))


def _value(value: Any, kind: type) -> Any:
    if kind is int and type(value) is int and -MAX_INT <= value <= MAX_INT:
        return value
    if kind is str and isinstance(value, str) and "\x00" not in value:
        return value
    if kind in (date, datetime) and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value) if kind is datetime else date.fromisoformat(value)
        except ValueError as exc:
            raise _bad_cursor() from exc
        if isinstance(parsed, datetime) and parsed.tzinfo is None:
            raise _bad_cursor()
        return parsed
    raise _bad_cursor()


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A page of a list and the ``after`` of the next page (None: this is the last)."""

    items: list[T]
    next_after: str | None


async def page_of(query: Select, order: Order, after: str | None, limit: int) -> Page[dict[str, Any]]:
    """``limit`` rows of ``query`` in ``order`` after the cursor ``after`` (None: from the
    start), and the cursor of the next page when more rows follow."""
    if after is not None:
        query = order.after(query, decode_cursor(after, order.kinds()))
    rows = await order.ordered(query).limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_after=encode_cursor(order.key_of(rows[-1])) if more and rows else None)


async def town_id(code: str | None) -> int | None:
    """The id of the town a filter names by its code (None: no town filter); an unknown code
    is refused with ``unknown_town``."""
    if not code:
        return None
    row = await Town.select(Town.id).where(Town.code == code).first()
    if row is None:
        raise InvalidInput("no such town", code="unknown_town")
    return row["id"]


# --------------------------------------------------------------------------- applications

APPLICATION_ORDER = Order((OrderKey(Application.id, "id", descending=True),))


def applications_query(
    *,
    status: str | None,
    town: int | None,
    applied_from: date | None,
    applied_to: date | None,
    assessor: int | None,
    provider: int | None,
) -> Select:
    """The applications (newest first) of a status, the applicant's town and applied between
    two days; ``assessor``: only those the assessor is on the team of; ``provider``: only
    those the agency registered."""
    query = Application.select(
        Application.id,
        Application.person,
        Application.person.name.as_alias("person_name"),
        Application.person._.town.as_alias("town_id"),
        Application.person._.town._.code.as_alias("town_code"),
        Application.person._.town._.name.as_alias("town_name"),
        Application.person._.town._.name_en.as_alias("town_name_en"),
        Application.kind,
        Application.applied_on,
        Application.care_mode,
        Application.self_eval_grade,
        Application.status,
        Application.round,
    )
    if status:
        query = query.where(Application.status == status)
    if town is not None:
        query = query.where(Application.person._.town == town)
    if applied_from is not None:
        query = query.where(Application.applied_on >= applied_from)
    if applied_to is not None:
        query = query.where(Application.applied_on <= applied_to)
    if assessor is not None:
        query = query.where(
            Application.id.is_in(
                AssessorAssignment.select(AssessorAssignment.application).where(AssessorAssignment.assessor == assessor)
            )
        )
    if provider is not None:
        query = query.where(Application.registered_by_provider == provider)
    return query


# --------------------------------------------------------------------------- conclusions

CONCLUSION_ORDER = Order((OrderKey(Conclusion.valid_until, "valid_until"), OrderKey(Conclusion.id, "id")))


def conclusions_query(*, status: str, level: int | None) -> Select:
    """The conclusions of a status (and a level), the first to expire first."""
    query = Conclusion.select(
        Conclusion.id,
        Conclusion.person,
        Conclusion.person.name.as_alias("person_name"),
        Conclusion.level,
        Conclusion.severe,
        Conclusion.care_mode,
        Conclusion.valid_from,
        Conclusion.valid_until,
        Conclusion.status,
        Conclusion.application,
        Conclusion.assessment,
    ).where(Conclusion.status == status)
    if level is not None:
        query = query.where(Conclusion.level == level)
    return query


# --------------------------------------------------------------------------- providers

PROVIDER_ORDER = Order((OrderKey(Provider.code, "code"),))


def providers_query(
    columns: Sequence[Column], *, status: str | None, kind: str | None, town: int | None, only: int | None
) -> Select:
    """The providers by code, of an agreement state, a kind and a town; ``only``: that one."""
    query = Provider.select(*columns)
    if status:
        query = query.where(Provider.status == status)
    if kind:
        query = query.where(Provider.kind == kind)
    if town is not None:
        query = query.where(Provider.town == town)
    if only is not None:
        query = query.where(Provider.id == only)
    return query


# --------------------------------------------------------------------------- visits

VISIT_ORDER = Order((OrderKey(Visit.planned_start, "planned_start"), OrderKey(Visit.id, "id")))


def visits_query(
    columns: Sequence[Column],
    *,
    start: datetime,
    end: datetime,
    provider: int | None,
    caregiver: int | None,
    status: str | None,
) -> Select:
    """The visits planned to start in [start, end), of a provider, a caregiver and a status
    (without a status: all but the cancelled ones), in the order they are planned."""
    query = (
        Visit.select(*columns)
        .where((Visit.planned_start >= start) & (Visit.planned_start < end))
        .output(load_json=True)
    )
    query = query.where(Visit.status == status) if status else query.where(Visit.status != "cancelled")
    if provider is not None:
        query = query.where(Visit.provider == provider)
    if caregiver is not None:
        query = query.where(Visit.caregiver == caregiver)
    return query


# --------------------------------------------------------------------------- exceptions and alerts

EXCEPTION_ORDER = Order(
    (
        OrderKey(VisitException.opened_at, "opened_at", descending=True),
        OrderKey(VisitException.id, "id", descending=True),
    )
)


def exceptions_query(
    columns: Sequence[Column], *, provider: int | None, status: str | None, code: str | None
) -> Select:
    """The verification exceptions, newest first, of a provider, a status and a flag."""
    query = VisitException.select(*columns)
    if provider is not None:
        query = query.where(VisitException.provider == provider)
    if status:
        query = query.where(VisitException.status == status)
    if code:
        query = query.where(VisitException.code == code)
    return query


ALERT_ORDER = Order(
    (OrderKey(VisitAlert.raised_at, "raised_at", descending=True), OrderKey(VisitAlert.id, "id", descending=True))
)


def alerts_query(columns: Sequence[Column], *, provider: int | None, kind: str | None, open_only: bool) -> Select:
    """The alerts, newest first, of a provider and a kind; ``open_only``: not cleared yet."""
    query = VisitAlert.select(*columns)
    if provider is not None:
        query = query.where(VisitAlert.provider == provider)
    if kind:
        query = query.where(VisitAlert.kind == kind)
    if open_only:
        query = query.where(VisitAlert.cleared_at.is_null())
    return query


# --------------------------------------------------------------------------- settlements

SETTLEMENT_ORDER = Order(
    (OrderKey(Settlement.period, "period", descending=True), OrderKey(Settlement.provider.code, "provider_code"))
)


def settlements_query(
    columns: Sequence[Column], *, period: str | None, provider: int | None, status: str | None
) -> Select:
    """The settlements, the newest month first and by provider code within a month."""
    query = Settlement.select(*columns)
    if period:
        query = query.where(Settlement.period == period)
    if provider is not None:
        query = query.where(Settlement.provider == provider)
    if status:
        query = query.where(Settlement.status == status)
    return query
