"""A flagged visit's exceptions: listed, explained by the agency with a reason code, resolved
by the bureau (accepted or rejected). Their states, codes and checks are the domain's
(``ltc.domain.visit_exceptions``); every change writes an audit row."""

from __future__ import annotations

from collections.abc import Callable

from piccolo.columns import Column

from ltc.db.engine import write_transaction
from ltc.db.queries import lists
from ltc.db.queries import visits as queries
from ltc.db.queries.paging import Page
from ltc.db.tables import VisitException
from ltc.domain.access import Action, Actor, require, require_provider_visible
from ltc.domain.errors import NotFound
from ltc.domain.visit_exceptions import ExceptionStatus, check_explanation, check_resolution
from ltc.geo.distance import distance_km
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.visits.reads import reading_scope, visible
from ltc.services.visits.values import EvidenceRef, ExceptionRecord, VisitExceptionOut


async def exception_page(
    ctx: ServiceContext,
    actor: Actor,
    *,
    status: str | None = None,
    code: str | None = None,
    provider_id: int | None = None,
    after: str | None,
    limit: int,
) -> Page[VisitExceptionOut]:
    """A page of the exceptions, newest first, of a status, a flag and a provider (agencies:
    their own)."""
    if provider_id is not None:
        require_provider_visible(actor, provider_id)
    query = lists.exceptions_query(
        queries.EXCEPTION_COLUMNS, provider=reading_scope(actor, provider_id), status=status, code=code
    )
    page = await lists.page_of(query, lists.EXCEPTION_ORDER, after, limit)
    items = await with_check_in_facts([VisitExceptionOut.model_validate(r) for r in page.items])
    return Page(items=items, next_after=page.next_after)


async def with_check_in_facts(exceptions: list[VisitExceptionOut]) -> list[VisitExceptionOut]:
    """The exceptions with their visit's check-in position, its distance from home and the
    visit's length."""
    facts = await queries.check_in_facts(sorted({e.visit_id for e in exceptions}))
    out = []
    for exception in exceptions:
        visit = facts.get(exception.visit_id, {})
        at, home = (
            (visit.get("check_in_lat"), visit.get("check_in_lon")),
            (visit.get("home_lat"), visit.get("home_lon")),
        )
        distance = None
        if None not in at and None not in home:
            distance = round(distance_km(at, home) * 1000)  # type: ignore[arg-type]
        checked_in, checked_out = visit.get("checked_in_at"), visit.get("checked_out_at")
        minutes = int((checked_out - checked_in).total_seconds() // 60) if checked_in and checked_out else None
        out.append(
            exception.model_copy(
                update={
                    "person_id": visit.get("person_id"),
                    "check_in_lat": at[0],
                    "check_in_lon": at[1],
                    "check_in_accuracy_m": visit.get("check_in_accuracy_m"),
                    "distance_from_home_m": distance,
                    "duration_minutes": minutes,
                    "check_in_presence": visit.get("check_in_presence"),
                    "evidence": [EvidenceRef.model_validate(e) for e in visit.get("evidence", [])],
                }
            )
        )
    return out


async def explain(ctx: ServiceContext, actor: Actor, exception_id: int, reason_code: str, text: str) -> ExceptionRecord:
    """The agency's reason for a flag (again, until the bureau has resolved it)."""
    require(actor, Action.EXPLAIN_EXCEPTION)
    return await _move(
        ctx,
        actor,
        exception_id,
        check=lambda status: check_explanation(status, reason_code, text),
        to=ExceptionStatus.EXPLAINED,
        columns={
            VisitException.reason_code: reason_code,
            VisitException.explanation: text.strip(),
            VisitException.explained_by: actor.user_id,
        },
        stamp=VisitException.explained_at,
        audit=("visit_exception.explain", {"reason_code": reason_code}),
    )


async def resolve(
    ctx: ServiceContext, actor: Actor, exception_id: int, resolution_code: str, note: str
) -> ExceptionRecord:
    """The bureau accepts or rejects the agency's explanation."""
    require(actor, Action.RESOLVE_EXCEPTION)
    return await _move(
        ctx,
        actor,
        exception_id,
        check=lambda status: check_resolution(status, resolution_code),
        to=ExceptionStatus.RESOLVED,
        columns={
            VisitException.resolution_code: resolution_code,
            VisitException.resolution_note: note.strip(),
            VisitException.resolved_by: actor.user_id,
        },
        stamp=VisitException.resolved_at,
        audit=("visit_exception.resolve", {"resolution_code": resolution_code}),
    )


async def _exception(actor: Actor, exception_id: int) -> ExceptionRecord:
    row = await queries.exception_row(exception_id)
    if row is None or not visible(actor, row["provider"]):
        raise NotFound("没有该异常", code="exception_not_found")
    return ExceptionRecord.model_validate(row)


async def _move(
    ctx: ServiceContext,
    actor: Actor,
    exception_id: int,
    *,
    check: Callable[[str], None],
    to: ExceptionStatus,
    columns: dict[Column | str, object],
    stamp: Column,
    audit: tuple[str, dict[str, str]],
) -> ExceptionRecord:
    """Move the exception to status ``to`` if ``check`` allows it from where it stands, setting
    ``columns`` and the time column ``stamp``, with an audit row; returns it as it then is."""
    now = ctx.clock.now()
    action, after = audit
    async with write_transaction():
        before = await _exception(actor, exception_id)
        check(before.status)
        await VisitException.update({VisitException.status: to, stamp: now, **columns}).where(
            VisitException.id == exception_id
        )
        await record_change(
            actor=actor,
            at=now,
            action=action,
            entity="visit_exception",
            entity_id=exception_id,
            before={"status": before.status},
            after={"status": to, **after},
        )
    return await _exception(actor, exception_id)
