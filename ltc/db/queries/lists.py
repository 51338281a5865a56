"""The lists read in pages: applications, conclusions, providers, visits, visit exceptions,
visit alerts and settlements. Each is a Piccolo select with its filters and an order whose
last column is unique (``Order``), read a page at a time from the key of the last row seen
(keyset paging): the page after a key starts where the index of the order says (migration
0020, ``LIST_INDEXES``), however deep it is, and rows inserted meanwhile neither repeat nor
push rows off the following pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from piccolo.columns import Column
from piccolo.query import Select
from piccolo.query.functions.aggregate import Sum

from ltc.db.queries import months
from ltc.db.queries.paging import Key, Page, PageRequest, after_key, decode_cursor
from ltc.db.queries.paging import page_of as paged
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

    def ordered(self, query: Select) -> Select:
        for key in self.keys:
            query = query.order_by(key.column, ascending=not key.descending)
        return query

    def after(self, query: Select, key: Key) -> Select:
        columns = [k.column for k in self.keys]
        return query.where(after_key(columns, key, descending=[k.descending for k in self.keys]))


async def page_of(query: Select, order: Order, after: str | None, limit: int) -> Page[dict[str, Any]]:
    """``limit`` rows of ``query`` in ``order`` after the cursor ``after`` (None: from the
    start; one of another list or tampered: ``invalid_cursor``), and the next page's cursor."""
    request = PageRequest(limit=limit, after=decode_cursor(after, len(order.keys)) if after else None)
    if request.after is not None:
        query = order.after(query, request.after)
    rows = await order.ordered(query).limit(limit + 1)
    return paged(rows, request, order.key_of)


async def town_id(code: str | None) -> int | None:
    """The id of the town a filter names by its code (None: no town filter); an unknown code
    is refused with ``unknown_town``."""
    if not code:
        return None
    row = await Town.select(Town.id).where(Town.code == code).first()
    if row is None:
        raise InvalidInput("没有该乡镇", code="unknown_town")
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
    zone: tzinfo,
    provider: int | None,
    caregiver: int | None,
    status: str | None,
) -> Select:
    """The visits planned to start in [start, end), of a provider, a caregiver and a status
    (without a status: all but the cancelled ones), in the order they are planned; only the
    partitions of the range's months are read."""
    query = (
        Visit.select(*columns)
        .where((Visit.planned_start >= start) & (Visit.planned_start < end))
        .where(months.of_planned(start, end, zone).where(Visit.service_month))
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


async def settlement_totals(*, period: str | None, provider: int | None, status: str | None) -> dict[str, int]:
    """The sums of every settlement the filters pass (not only a page's): gross, fund, person."""
    query = Settlement.select(
        Sum(Settlement.gross_fen, alias="gross_fen"),
        Sum(Settlement.fund_fen, alias="fund_fen"),
        Sum(Settlement.personal_fen, alias="personal_fen"),
    )
    if period:
        query = query.where(Settlement.period == period)
    if provider is not None:
        query = query.where(Settlement.provider == provider)
    if status:
        query = query.where(Settlement.status == status)
    row = await query.first() or {}
    return {name: int(row.get(name) or 0) for name in ("gross_fen", "fund_fen", "personal_fen")}
