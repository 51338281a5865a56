"""A family's view of an application, opened without an account by its reference and the
person's id number (both must match; any mismatch is one generic 'not found', counted
against the client), then by a short-lived signed token: where it stands, the notice's days,
the conclusion, the person's recent visits and each approved month's personal share. Only
that person's data, names masked. From there a complaint becomes a tip-off about the
person's provider, and a satisfaction answer (once a month) a follow-up the evaluation
counts. Every opening is audited."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from ltc.db.engine import write_transaction
from ltc.db.personal_data import open_person
from ltc.db.tables import Application, Assignment, FollowUpCall, Person, SettlementLine, Visit
from ltc.domain.errors import Conflict, NotFound
from ltc.domain.family_follow import (
    TOKEN_LIFETIME,
    FollowGrant,
    given_name,
    masked_name,
    monthly_answer_key,
    normalise_reference,
    read_grant,
    same_secret,
    sign_grant,
)
from ltc.domain.sign_in import ThrottlePolicy
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input
from ltc.services.intake.applying import ProgressStep, application_status
from ltc.services.intake.family import public_desk
from ltc.services.public_limits import PublicLimit, client_key, count_attempt, refuse_when_spent
from ltc.services.supervision.evaluation import Answer
from ltc.services.supervision.tip_offs import TipOffFiled, TipOffIn, file_from_family

# Wrong reference and id number pairs a client may try in the window before 429.
FOLLOW_LIMIT = PublicLimit(
    "follow", ThrottlePolicy(max_failures=10, window=timedelta(hours=1)), "too_many_follow_attempts"
)
VISIT_MONTHS = 3  # the visits shown: of about the last three months
SHARE_STATUSES = ("approved", "paid")  # the months whose settlement the bureau approved
_DUMMY_ID = "0" * 18  # compared when the reference is unknown, so both refusals take as long


class FollowIn(Input):
    reference: str = Field(min_length=1, max_length=32)
    id_number: str = Field(min_length=1, max_length=32)


class FollowConclusion(BaseModel):
    level: int
    level_label: str | None
    level_label_en: str | None
    valid_until: date | None


class FollowVisit(BaseModel):
    day: date
    caregiver: str  # the given name only
    outcome: Literal["done", "missed"]


class MonthlyShare(BaseModel):
    period: str  # YYYY-MM
    personal_fen: int  # what the person pays: the personal share less the relief fund's part


class FollowView(BaseModel):
    reference: str
    token: str = Field(description="opens this view again (GET ?token=) until it expires")
    token_expires: datetime
    person_name: str = Field(description="masked")
    id_number: str = Field(description="masked")
    town_name: str | None
    town_name_en: str | None
    applied_on: date
    care_mode: str
    status: str
    steps: list[ProgressStep]
    notice_from: date | None
    notice_until: date | None
    conclusion: FollowConclusion | None
    provider_name: str | None
    visits: list[FollowVisit]
    shares: list[MonthlyShare]
    answered_this_month: bool


class FollowComplaintIn(Input):
    token: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=5000)
    contact: str | None = Field(default=None, max_length=200)


class SatisfactionIn(Input):
    token: str = Field(min_length=1, max_length=200)
    answer: Answer


class SatisfactionOut(BaseModel):
    answer: Answer
    period: str


def _not_found() -> NotFound:
    return NotFound("没有该申请，或身份证号码不符", code="not_found")


def _token_key(ctx: ServiceContext) -> bytes:
    return hmac.new(ctx.settings.signing_key.encode("utf-8"), b"family-follow", hashlib.sha256).digest()


async def open_with_reference(ctx: ServiceContext, data: FollowIn, client_address: str) -> FollowView:
    key = client_key(ctx, FOLLOW_LIMIT, client_address)
    now = ctx.clock.now()
    await refuse_when_spent(FOLLOW_LIMIT, key, now)
    row = (
        await Application.select(Application.id, Application.person)
        .where(Application.reference == normalise_reference(data.reference))
        .first()
    )
    known = _DUMMY_ID
    if row is not None:
        person = (
            await Person.select(Person.id, Person.id_number_enc, Person.phone_enc, Person.address_enc)
            .where(Person.id == row["person"])
            .first()
        )
        known = open_person(ctx.settings.keyring, person).id_number if person else _DUMMY_ID
    matches = same_secret(data.id_number.strip().upper(), known)
    if row is None or not matches:
        async with write_transaction():
            await count_attempt(FOLLOW_LIMIT, key, now)
        raise _not_found()
    now = ctx.clock.now()
    token = sign_grant(_token_key(ctx), row["id"], now)
    return await _view(ctx, row["id"], "reference", token, now + TOKEN_LIFETIME)


def _grant(ctx: ServiceContext, token: str) -> FollowGrant:
    grant = read_grant(_token_key(ctx), token, ctx.clock.now())
    if grant is None:
        raise _not_found()
    return grant


async def _granted_application(ctx: ServiceContext, token: str) -> int:
    return _grant(ctx, token).application_id


async def open_with_token(ctx: ServiceContext, token: str) -> FollowView:
    """The view again, with the same token until it expires: only the reference and the
    id number sign a new one, so a token never outlives its half hour."""
    grant = _grant(ctx, token)
    return await _view(ctx, grant.application_id, "token", token, grant.expires)


async def _facts(application_id: int) -> dict:
    row = (
        await Application.select(
            Application.id,
            Application.reference,
            Application.person.as_alias("person_id"),
            Application.person.town.as_alias("town_id"),
        )
        .where(Application.id == application_id)
        .first()
    )
    if row is None or row["town_id"] is None:
        raise _not_found()
    return row


async def current_provider(person_id: int) -> tuple[int, str] | None:
    """The provider caring for the person now (their current assignment), id and name."""
    row = (
        await Assignment.select(Assignment.provider, Assignment.provider.name.as_alias("name"))
        .where(
            (Assignment.person == person_id) & Assignment.current_key.is_not_null() & Assignment.provider.is_not_null()
        )
        .first()
    )
    return (row["provider"], row["name"]) if row else None


async def _visits(ctx: ServiceContext, person_id: int, since: date, now: datetime) -> list[FollowVisit]:
    rows = (
        await Visit.select(
            Visit.planned_start, Visit.planned_end, Visit.status, Visit.caregiver.name.as_alias("caregiver")
        )
        .where(
            (Visit.person == person_id)
            & (Visit.planned_start >= now - timedelta(days=31 * VISIT_MONTHS))
            & (Visit.planned_start <= now)
            & (Visit.status != "cancelled")
        )
        .order_by(Visit.planned_start, ascending=False)
    )
    out = []
    for r in rows:
        if r["status"] != "done" and r["planned_end"] > now:
            continue  # under way or still ahead: neither done nor missed yet
        day = r["planned_start"].astimezone(ctx.settings.zone).date()
        if day < since:
            continue  # before this application: not the reference holder's to read
        out.append(
            FollowVisit(
                day=day,
                caregiver=given_name(r["caregiver"] or ""),
                outcome="done" if r["status"] == "done" else "missed",
            )
        )
    return out


async def _shares(person_id: int, since: date) -> list[MonthlyShare]:
    rows = await SettlementLine.select(
        SettlementLine.settlement.period.as_alias("period"), SettlementLine.personal_fen, SettlementLine.relief_fen
    ).where(
        (SettlementLine.person == person_id)
        & SettlementLine.settlement.status.is_in(list(SHARE_STATUSES))
        & (SettlementLine.settlement.period >= f"{since:%Y-%m}")
    )
    by_month: dict[str, int] = {}
    for r in rows:
        by_month[r["period"]] = by_month.get(r["period"], 0) + r["personal_fen"] - r["relief_fen"]
    return [MonthlyShare(period=p, personal_fen=fen) for p, fen in sorted(by_month.items(), reverse=True)]


async def _view(
    ctx: ServiceContext, application_id: int, opened_by: str, token: str, token_expires: datetime
) -> FollowView:
    facts = await _facts(application_id)
    desk = public_desk(facts["town_id"])
    status = await application_status(ctx, desk, application_id)
    application = status.application
    steps = {s.code: s for s in status.steps}
    final = steps.get("final")
    assessed = (
        steps.get("reassessed") if steps.get("reassessed") and steps["reassessed"].done else steps.get("assessed")
    )
    conclusion = None
    if final is not None and final.done and assessed is not None and assessed.level is not None:
        conclusion = FollowConclusion(
            level=assessed.level,
            level_label=assessed.level_label,
            level_label_en=assessed.level_label_en,
            valid_until=final.until,
        )
    notice = steps.get("publicised")
    now = ctx.clock.now()
    person_id = facts["person_id"]
    # The person's care is shown only under a final conclusion, and only from this filing on:
    # a reference is no key to what happened before it, nor to care while it is still decided.
    concluded = conclusion is not None
    provider = await current_provider(person_id) if concluded else None
    answered = await FollowUpCall.exists().where(
        FollowUpCall.answer_key == monthly_answer_key(person_id, now.astimezone(ctx.settings.zone).date())
    )
    await record_change(
        actor=None,
        at=now,
        action="application.follow",
        entity="application",
        entity_id=application_id,
        after={"opened_by": opened_by},
    )
    return FollowView(
        reference=facts["reference"] or "",
        token=token,
        token_expires=token_expires,
        person_name=masked_name(application.person.name),
        id_number=application.person.id_number,  # masked: the desk is no bureau
        town_name=application.person.town_name,
        town_name_en=application.person.town_name_en,
        applied_on=application.applied_on,
        care_mode=application.care_mode,
        status=application.status,
        steps=status.steps,
        notice_from=notice.on if notice else None,
        notice_until=notice.until if notice else None,
        conclusion=conclusion,
        provider_name=provider[1] if provider else None,
        visits=await _visits(ctx, person_id, application.applied_on, now) if concluded else [],
        shares=await _shares(person_id, application.applied_on) if concluded else [],
        answered_this_month=answered,
    )


async def complain(ctx: ServiceContext, data: FollowComplaintIn, client_address: str) -> TipOffFiled:
    """A complaint from the follow page: a tip-off (channel family) about the person's provider,
    for the fund supervisors to triage like any other."""
    facts = await _facts(await _granted_application(ctx, data.token))
    provider = await current_provider(facts["person_id"])
    about = f"{provider[1]} · {facts['reference']}" if provider else f"{facts['reference']}"
    return await file_from_family(
        ctx, TipOffIn(about=about, description=data.description, contact=data.contact), client_address
    )


async def answer_satisfaction(ctx: ServiceContext, data: SatisfactionIn) -> SatisfactionOut:
    """The family's satisfaction with the provider's care, counted by the evaluation's
    satisfaction indicator like a follow-up call; once per person and month."""
    facts = await _facts(await _granted_application(ctx, data.token))
    person_id = facts["person_id"]
    provider = await current_provider(person_id)
    if provider is None:
        raise Conflict("尚无护理机构，暂不能评价", code="no_provider_to_rate")
    now = ctx.clock.now()
    day = now.astimezone(ctx.settings.zone).date()
    answer_key = monthly_answer_key(person_id, day)
    async with write_transaction():
        if await FollowUpCall.exists().where(FollowUpCall.answer_key == answer_key):
            raise Conflict("本月已评价", code="satisfaction_already_answered")
        row = FollowUpCall(
            provider=provider[0],
            person=person_id,
            year=day.year,
            called_at=now,
            answer=data.answer,
            channel="family",
            answer_key=answer_key,
        )
        await row.save()
        await record_change(
            actor=None,
            at=now,
            action="evaluation.family_answer",
            entity="provider",
            entity_id=provider[0],
            after={"person_id": person_id, "answer": data.answer, "period": f"{day:%Y-%m}"},
        )
    return SatisfactionOut(answer=data.answer, period=f"{day:%Y-%m}")
