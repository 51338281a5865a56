"""The annual evaluation (年度考核) by indicators: the provider's self-evaluation (自查自评),
the bureau's scoring, follow-up calls (回访), and the year's score and grade
(rules: ``ltc.domain.evaluation``)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from piccolo.columns import Column
from pydantic import BaseModel, ConfigDict, Field

from ltc.db.engine import write_transaction
from ltc.db.tables import EvaluationScore, FinalAccount, FollowUpCall, Person
from ltc.domain import evaluation as rules
from ltc.domain.access import Action, Actor, require, require_provider_visible
from ltc.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from ltc.domain.policy import Policy
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId
from ltc.services.providers import get_provider
from ltc.services.reference import policy_book
from ltc.services.supervision.indicators import derived_scores

FIRST_YEAR = 2000
Score = Field(ge=0, le=100)
Answer = Literal["satisfied", "neutral", "dissatisfied"]


class IndicatorScoreIn(Input):
    indicator: str = Field(min_length=1, max_length=32)
    score: int = Score
    note: str = Field(default="", max_length=2000)


class FollowUpIn(Input):
    person_id: RecordId
    answer: Answer
    note: str = Field(default="", max_length=2000)


class FollowUpOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    provider_id: int
    person_id: int
    year: int
    answer: Answer


class IndicatorOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    indicator: str
    derived: bool
    weight: int
    score: int | None  # what counts: the derived score or the bureau's; None: no data or not scored yet
    self_score: int | None = None
    self_note: str = ""
    bureau_score: int | None = None
    bureau_note: str = ""


class EvaluationOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    provider_id: int
    provider_name: str
    year: int
    by_indicators: bool  # False: the year is evaluated by the single score of the provider registry
    indicators: list[IndicatorOut]
    scored: bool  # the bureau has scored every scored indicator
    score: int | None
    grade: str | None
    closed: bool  # the year's final account is booked: nothing changes any more


def check_year(ctx: ServiceContext, year: int) -> int:
    """A year from 2000 to this year."""
    if not FIRST_YEAR <= year <= local_today(ctx.clock, ctx.settings.zone).year:
        raise InvalidInput("考核年度无效", code="invalid_year", errors=[{"field": "year"}])
    return year


def year_policy(ctx: ServiceContext, year: int) -> Policy:
    """The policy in force at the year's end decides how the year is evaluated."""
    return policy_book(ctx.settings).in_force(date(year, 12, 31))


def _require_reader(actor: Actor, provider_id: int) -> None:
    if not (
        actor.may(Action.SELF_EVALUATE) or actor.may(Action.SCORE_EVALUATION) or actor.may(Action.READ_SUPERVISION)
    ):
        raise Forbidden(f"role {actor.role} may not do this", code="role_not_allowed")
    require_provider_visible(actor, provider_id)


async def get_evaluation(ctx: ServiceContext, actor: Actor, provider_id: int, year: int) -> EvaluationOut:
    """The provider's year indicator by indicator, with its score and grade so far."""
    _require_reader(actor, provider_id)
    provider = await get_provider(actor, provider_id)
    check_year(ctx, year)
    policy = year_policy(ctx, year)
    closed = await FinalAccount.exists().where(FinalAccount.account_key == f"{year}:{provider_id}")
    if not rules.evaluation_in_force(policy):
        return EvaluationOut(
            provider_id=provider_id, provider_name=provider.name, year=year, by_indicators=False,
            indicators=[], scored=False, score=None, grade=None, closed=closed,
        )  # fmt: skip
    derived_codes = tuple(c for c in policy.evaluation_weights if c in rules.DERIVED_INDICATORS)
    derived = await derived_scores(derived_codes, provider_id, year, ctx.settings.zone)
    rows = {
        r["indicator"]: r
        for r in await EvaluationScore.select().where(
            (EvaluationScore.provider == provider_id) & (EvaluationScore.year == year)
        )
    }
    indicators = []
    for code, weight in policy.evaluation_weights.items():
        if code in derived:
            indicators.append(IndicatorOut(indicator=code, derived=True, weight=weight, score=derived[code]))
            continue
        row = rows.get(code, {})
        indicators.append(
            IndicatorOut(
                indicator=code,
                derived=False,
                weight=weight,
                score=row.get("bureau_score"),
                self_score=row.get("self_score"),
                self_note=row.get("self_note", ""),
                bureau_score=row.get("bureau_score"),
                bureau_note=row.get("bureau_note", ""),
            )
        )
    scored = all(i.bureau_score is not None for i in indicators if not i.derived)
    score = rules.weighted_score(policy, {i.indicator: i.score for i in indicators}) if scored else None
    return EvaluationOut(
        provider_id=provider_id,
        provider_name=provider.name,
        year=year,
        by_indicators=True,
        indicators=indicators,
        scored=scored,
        score=score,
        grade=rules.grade_of(policy, score) if score is not None else None,
        closed=closed,
    )


async def _open_year(ctx: ServiceContext, actor: Actor, provider_id: int, year: int, indicator: str) -> None:
    """The year is evaluated by indicators, ``indicator`` is scored, and no final account closed it."""
    await get_provider(actor, provider_id)
    check_year(ctx, year)
    policy = year_policy(ctx, year)
    if not rules.evaluation_in_force(policy):
        raise Conflict("该年度按单一分数考核", code="evaluation_by_single_score", errors=[{"field": "year"}])
    rules.check_indicator(policy, indicator)
    if await FinalAccount.exists().where(FinalAccount.account_key == f"{year}:{provider_id}"):
        raise Conflict("该年度已决算，考核不再修改", code="evaluation_closed")


async def _save_score(
    ctx: ServiceContext, actor: Actor, provider_id: int, year: int, data: IndicatorScoreIn, *, by_bureau: bool
) -> None:
    now = ctx.clock.now()
    key = f"{provider_id}:{year}:{data.indicator}"
    values: dict[Column | str, Any] = (
        {"bureau_score": data.score, "bureau_note": data.note, "scored_by": actor.user_id, "scored_at": now}
        if by_bureau
        else {"self_score": data.score, "self_note": data.note, "self_by": actor.user_id, "self_at": now}
    )
    async with write_transaction():
        await _open_year(ctx, actor, provider_id, year, data.indicator)
        before = await EvaluationScore.select().where(EvaluationScore.score_key == key).first()
        if before is None:
            await EvaluationScore.insert(
                EvaluationScore(provider=provider_id, year=year, indicator=data.indicator, score_key=key)
            )
        await EvaluationScore.update(values).where(EvaluationScore.score_key == key)
        await record_change(
            actor=actor,
            at=now,
            action="evaluation.score" if by_bureau else "evaluation.self",
            entity="provider",
            entity_id=provider_id,
            before=None if before is None else {k: before[k] for k in ("self_score", "bureau_score")},
            after={"year": year, "indicator": data.indicator, "score": data.score, "note": data.note},
        )


async def self_evaluate(
    ctx: ServiceContext, actor: Actor, provider_id: int, year: int, data: IndicatorScoreIn
) -> EvaluationOut:
    """The provider scores itself on one indicator, with a note (自查自评)."""
    require(actor, Action.SELF_EVALUATE)
    require_provider_visible(actor, provider_id)
    await _save_score(ctx, actor, provider_id, year, data, by_bureau=False)
    return await get_evaluation(ctx, actor, provider_id, year)


async def score_indicator(
    ctx: ServiceContext, actor: Actor, provider_id: int, year: int, data: IndicatorScoreIn
) -> EvaluationOut:
    """The bureau's score of one indicator: the one that counts."""
    require(actor, Action.SCORE_EVALUATION)
    await _save_score(ctx, actor, provider_id, year, data, by_bureau=True)
    return await get_evaluation(ctx, actor, provider_id, year)


async def record_follow_up(ctx: ServiceContext, actor: Actor, provider_id: int, data: FollowUpIn) -> FollowUpOut:
    """A follow-up call (回访) to a beneficiary about the provider's care, with the answer."""
    require(actor, Action.SCORE_EVALUATION)
    await get_provider(actor, provider_id)
    if not await Person.exists().where(Person.id == data.person_id):
        raise NotFound("没有该参保人", code="person_not_found")
    now = ctx.clock.now()
    year = now.astimezone(ctx.settings.zone).year
    async with write_transaction():
        row = FollowUpCall(
            provider=provider_id,
            person=data.person_id,
            year=year,
            called_at=now,
            answer=data.answer,
            note=data.note,
            recorded_by=actor.user_id,
        )
        await row.save()
        await record_change(
            actor=actor,
            at=now,
            action="evaluation.follow_up",
            entity="provider",
            entity_id=provider_id,
            after={"person_id": data.person_id, "answer": data.answer, "note": data.note},
        )
    return FollowUpOut(id=row.id, provider_id=provider_id, person_id=data.person_id, year=year, answer=data.answer)
