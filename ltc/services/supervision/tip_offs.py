"""Tip-offs (举报): filed by anyone on the public form (no sign-in, a limit per client), or
taken by the bureau on its hotline or from a social supervisor; triaged by a fund supervisor
into a new inspection case, joined to an open one, or closed with a reason; a reward recorded
when one led to a finding. The contact is personal data: sealed, opened for the bureau and
the supervisors only. Every step is audited."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Literal

from piccolo.columns.combination import Combinable
from pydantic import BaseModel, Field

from ltc.db.engine import write_transaction
from ltc.db.queries.paging import Page, PageRequest, after_key, decode_cursor, page_of
from ltc.db.tables import Inspection, TipOff
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import Conflict, InvalidInput, NotFound, TooManyAttempts
from ltc.domain.personal_data import blind_index, location, open_envelope, seal
from ltc.domain.sign_in import ThrottlePolicy, retry_after, retry_after_seconds
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId
from ltc.services.settlements.values import PERIOD_PATTERN
from ltc.services.supervision.inspections import InspectionIn, open_inspection

Channel = Literal["public", "hotline", "social_supervisor", "family"]
TipOffStatus = Literal["new", "case_opened", "joined", "closed"]
CHANNELS: tuple[Channel, ...] = ("public", "hotline", "social_supervisor", "family")
# Channels citizens file on themselves; the bureau records the others.
SELF_FILED: tuple[Channel, ...] = ("public", "family")
TIP_OFF_STATUSES: tuple[TipOffStatus, ...] = ("new", "case_opened", "joined", "closed")
# The public form: this many tip-offs a client address in the window, then 429 with Retry-After.
PUBLIC_LIMIT = ThrottlePolicy(max_failures=5, window=timedelta(hours=1))
# A reference a citizen can read out on the phone: no 0/O, 1/I/L.
REFERENCE_LETTERS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class TipOffIn(Input):
    about: str = Field(min_length=1, max_length=300, description="whom or what it is about")
    description: str = Field(min_length=1, max_length=5000)
    contact: str | None = Field(default=None, max_length=200, description="how to reach the person, if they wish")


class HotlineTipOffIn(TipOffIn):
    channel: Channel = "hotline"


class TipOffFiled(BaseModel):
    reference: str


class TipOffOut(BaseModel):
    id: int
    reference: str
    channel: Channel
    about: str
    description: str
    contact: str
    status: TipOffStatus
    inspection_id: int | None
    close_reason: str
    reward_fen: int | None
    reward_note: str
    received_at: datetime
    triaged_at: datetime | None


class TriageIn(Input):
    """open_case: a new case about the provider; join: an open case; close: with a reason."""

    action: Literal["open_case", "join", "close"]
    provider_id: RecordId | None = None
    period_from: str | None = Field(default=None, pattern=PERIOD_PATTERN)
    period_to: str | None = Field(default=None, pattern=PERIOD_PATTERN)
    inspection_id: RecordId | None = None
    reason: str = Field(default="", max_length=2000)


class RewardIn(Input):
    amount_fen: int = Field(ge=1, le=10**9)
    note: str = Field(min_length=1, max_length=2000)


def _not_found() -> NotFound:
    return NotFound("没有该举报", code="tip_off_not_found")


def new_reference(now: datetime) -> str:
    """``JB`` + the day + eight letters a caller can read out: unguessable, unlike the row id."""
    return f"JB{now:%y%m%d}" + "".join(secrets.choice(REFERENCE_LETTERS) for _ in range(8))


async def _check_public_limit(ctx: ServiceContext, client_key: str, now: datetime) -> None:
    if not client_key:
        return
    rows = (
        await TipOff.select(TipOff.received_at)
        .where((TipOff.client_key == client_key) & (TipOff.received_at > now - PUBLIC_LIMIT.window))
        .order_by(TipOff.received_at, ascending=False)
        .limit(PUBLIC_LIMIT.max_failures)
    )
    wait = retry_after([r["received_at"] for r in rows], now, PUBLIC_LIMIT)
    if wait is not None:
        seconds = retry_after_seconds(wait)
        raise TooManyAttempts(seconds, f"举报提交过于频繁，请 {seconds} 秒后再试", code="too_many_tip_offs")


async def _file(
    ctx: ServiceContext, data: TipOffIn, channel: Channel, actor: Actor | None, client_key: str
) -> TipOffFiled:
    now = ctx.clock.now()
    keyring = ctx.settings.keyring
    reference = new_reference(now)
    async with write_transaction():
        if actor is None:
            await _check_public_limit(ctx, client_key, now)
        row = TipOff(
            reference=reference,
            channel=channel,
            about=data.about,
            description=data.description,
            data_key_id=keyring.active,
            client_key=client_key,
            status="new",
            received_at=now,
            recorded_by=actor.user_id if actor else None,
        )
        await row.save()
        contact = seal(
            keyring, (data.contact or "").strip(), location("tip_off", "contact", row.id)
        )  # bound to the row
        await TipOff.update({TipOff.contact_enc: contact}).where(TipOff.id == row.id)
        await record_change(
            actor=actor,
            at=now,
            action="tip_off.file",
            entity="tip_off",
            entity_id=row.id,
            after={
                "reference": reference,
                "channel": channel,
                "about": data.about,
                "contact_given": bool(data.contact),
            },
        )
    return TipOffFiled(reference=reference)


async def file_public(ctx: ServiceContext, data: TipOffIn, client_address: str) -> TipOffFiled:
    """A tip-off from the public form, without sign-in: limited per client address (kept only
    as a keyed hash)."""
    key = blind_index(ctx.settings.keyring.index_key, "tip_off:client", client_address) if client_address else ""
    return await _file(ctx, data, "public", None, key)


async def file_from_family(ctx: ServiceContext, data: TipOffIn, client_address: str) -> TipOffFiled:
    """A complaint from a family's follow page: counted against the client with the public form's."""
    key = blind_index(ctx.settings.keyring.index_key, "tip_off:client", client_address) if client_address else ""
    return await _file(ctx, data, "family", None, key)


async def record_tip_off(ctx: ServiceContext, actor: Actor, data: HotlineTipOffIn) -> TipOffFiled:
    """A tip-off taken by the bureau: on the hotline or from a social supervisor (社会监督员)."""
    require(actor, Action.RECORD_TIP_OFF)
    return await _file(ctx, data, data.channel, actor, "")


_COLUMNS = (
    TipOff.id,
    TipOff.reference,
    TipOff.channel,
    TipOff.about,
    TipOff.description,
    TipOff.contact_enc,
    TipOff.status,
    TipOff.inspection.as_alias("inspection_id"),
    TipOff.close_reason,
    TipOff.reward_fen,
    TipOff.reward_note,
    TipOff.received_at,
    TipOff.triaged_at,
)


def _out(ctx: ServiceContext, row: dict) -> TipOffOut:
    envelope = row.pop("contact_enc") or ""
    where = location("tip_off", "contact", row["id"])
    return TipOffOut.model_validate(row | {"contact": open_envelope(ctx.settings.keyring, envelope, where)})


async def tip_off_page(
    ctx: ServiceContext, actor: Actor, *, status: str | None = None, after: str | None = None, limit: int = 50
) -> Page[TipOffOut]:
    """The tip-offs, the newest first."""
    require(actor, Action.READ_SUPERVISION)
    where: Combinable = TipOff.id > 0
    if status:
        if status not in TIP_OFF_STATUSES:
            raise InvalidInput("未知的举报状态", code="invalid_status", errors=[{"field": "status"}])
        where &= TipOff.status == status
    request = PageRequest(limit=limit, after=decode_cursor(after, 1) if after else None)
    if request.after is not None:
        where &= after_key([TipOff.id], request.after, descending=True)
    rows = await TipOff.select(*_COLUMNS).where(where).order_by(TipOff.id, ascending=False).limit(request.limit + 1)
    page = page_of(rows, request, lambda r: (r["id"],))
    return Page(items=[_out(ctx, r) for r in page.items], next_after=page.next_after)


async def get_tip_off(ctx: ServiceContext, actor: Actor, tip_off_id: int) -> TipOffOut:
    require(actor, Action.READ_SUPERVISION)
    row = await TipOff.select(*_COLUMNS).where(TipOff.id == tip_off_id).first()
    if row is None:
        raise _not_found()
    return _out(ctx, row)


async def new_count(actor: Actor) -> int:
    """Tip-offs waiting for triage."""
    if not actor.may(Action.RUN_INSPECTIONS):
        return 0
    return await TipOff.count().where(TipOff.status == "new")


async def triage(ctx: ServiceContext, actor: Actor, tip_off_id: int, data: TriageIn) -> TipOffOut:
    """Open a case from the tip-off, join it to an open case, or close it with a reason."""
    require(actor, Action.RUN_INSPECTIONS)
    before = await get_tip_off(ctx, actor, tip_off_id)
    if before.status != "new":
        raise Conflict("该举报已处理", code="tip_off_triaged")
    if data.action == "open_case":
        if data.provider_id is None or not data.period_from or not data.period_to:
            raise InvalidInput(
                "立案须选定机构和检查期间", code="case_scope_required", errors=[{"field": "provider_id"}]
            )
        # The provider reads its cases: by default the reason names no one and quotes nothing.
        reason = data.reason or "依举报立案"
        case = await open_inspection(
            ctx,
            actor,
            InspectionIn(
                kind="special",
                provider_id=data.provider_id,
                period_from=data.period_from,
                period_to=data.period_to,
                reason=reason,
            ),
        )
        inspection_id: int | None = case.id
        status: TipOffStatus = "case_opened"
    elif data.action == "join":
        if data.inspection_id is None:
            raise InvalidInput("须选定要并入的案件", code="inspection_required", errors=[{"field": "inspection_id"}])
        case_row = await Inspection.select(Inspection.status).where(Inspection.id == data.inspection_id).first()
        if case_row is None:
            raise NotFound("no such inspection", code="inspection_not_found")
        if case_row["status"] != "open":
            raise Conflict("该案件已结案", code="inspection_closed")
        inspection_id, status = data.inspection_id, "joined"
    else:
        if not data.reason:
            raise InvalidInput("不予立案须说明理由", code="reason_required", errors=[{"field": "reason"}])
        inspection_id, status = None, "closed"
    now = ctx.clock.now()
    async with write_transaction():
        await TipOff.update(
            {
                TipOff.status: status,
                TipOff.inspection: inspection_id,
                TipOff.close_reason: data.reason if status == "closed" else "",
                TipOff.triaged_by: actor.user_id,
                TipOff.triaged_at: now,
            }
        ).where((TipOff.id == tip_off_id) & (TipOff.status == "new"))
        await record_change(
            actor=actor,
            at=now,
            action=f"tip_off.{data.action}",
            entity="tip_off",
            entity_id=tip_off_id,
            before={"status": before.status},
            after={"status": status, "inspection_id": inspection_id},
            reason=data.reason,
        )
    return await get_tip_off(ctx, actor, tip_off_id)


async def record_reward(ctx: ServiceContext, actor: Actor, tip_off_id: int, data: RewardIn) -> TipOffOut:
    """The reward (举报奖励) for a tip-off whose case led to a finding."""
    require(actor, Action.RECORD_TIP_OFF)
    before = await get_tip_off(ctx, actor, tip_off_id)
    if before.inspection_id is None:
        raise Conflict("举报未立案或并案，不能记录奖励", code="tip_off_without_case")
    now = ctx.clock.now()
    async with write_transaction():
        await TipOff.update({TipOff.reward_fen: data.amount_fen, TipOff.reward_note: data.note}).where(
            TipOff.id == tip_off_id
        )
        await record_change(
            actor=actor,
            at=now,
            action="tip_off.reward",
            entity="tip_off",
            entity_id=tip_off_id,
            before={"reward_fen": before.reward_fen},
            after={"reward_fen": data.amount_fen},
            reason=data.note,
        )
    return await get_tip_off(ctx, actor, tip_off_id)


async def open_cases(actor: Actor) -> list[tuple[int, str]]:
    """The open inspection cases a tip-off may join: (id, provider and months), newest first."""
    require(actor, Action.RUN_INSPECTIONS)
    rows = (
        await Inspection.select(
            Inspection.id,
            Inspection.provider.name.as_alias("provider_name"),
            Inspection.period_from,
            Inspection.period_to,
        )
        .where(Inspection.status == "open")
        .order_by(Inspection.id, ascending=False)
    )
    return [(r["id"], f"#{r['id']} {r['provider_name']} {r['period_from']}–{r['period_to']}") for r in rows]
