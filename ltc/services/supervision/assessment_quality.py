"""Assessment quality for the fund supervisor (rules: ``ltc.domain.assessment_quality``): the
flagged assessments, the assessors' severe rates tested against their peers, and spot
re-assessments (抽查复评) drawn from a stored seed and followed to their result."""

from __future__ import annotations

import json
import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ltc.db.engine import write_transaction
from ltc.db.tables import AppUser, Assessment, Conclusion, Person, SpotCheck
from ltc.domain import assessment_quality as rules
from ltc.domain.access import Action, Actor, require
from ltc.domain.coordinates import haversine_km
from ltc.domain.errors import Conflict, NotFound
from ltc.domain.policy import Policy
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input
from ltc.services.reference import policy_book

REPORTED = 200  # the latest assessments listed with their flags


class FlaggedAssessment(BaseModel):
    model_config = ConfigDict(frozen=True)

    assessment_id: int
    application_id: int
    person_id: int
    level: int
    minutes: int
    distance_m: int | None
    flags: list[str]
    assessor_names: list[str]


class AssessorResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    assessor_id: int
    assessor_name: str
    severe: int
    total: int
    rate: float
    peer_rate: float
    p_value: float
    adjusted_p: float
    outlier: bool


class SpotCheckOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    conclusion_id: int
    person_id: int
    seed: int
    team: list[int]
    team_names: list[str]
    conclusion_level: int
    status: str
    spot_level: int | None
    outcome: str


class QualityReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    flagged: list[FlaggedAssessment]
    assessors: list[AssessorResult]
    spot_checks: list[SpotCheckOut]
    alpha: str


class SpotDrawIn(Input):
    seed: int | None = Field(default=None, ge=0, le=2**62)


class SpotResultIn(Input):
    level: int = Field(ge=0, le=5)
    note: str = Field(default="", max_length=2000)


def _ids(value: Any) -> list[int]:
    return [int(v) for v in (json.loads(value) if isinstance(value, str) else value or [])]


def _policy(ctx: ServiceContext) -> Policy:
    return policy_book(ctx.settings).in_force(local_today(ctx.clock, ctx.settings.zone))


async def _names() -> dict[int, str]:
    rows = await AppUser.select(AppUser.id, AppUser.display_name, AppUser.username).where(
        AppUser.role.is_in(["assessor", "expert"])
    )
    return {r["id"]: r["display_name"] or r["username"] for r in rows}


async def quality_report(ctx: ServiceContext, actor: Actor) -> QualityReport:
    require(actor, Action.READ_SUPERVISION)
    policy = _policy(ctx)
    names = await _names()
    rows = (
        await Assessment.select(
            Assessment.id,
            Assessment.application,
            Assessment.application.person.as_alias("person_id"),
            Assessment.level,
            Assessment.severe,
            Assessment.assessor_ids,
            Assessment.started_at,
            Assessment.finished_at,
            Assessment.lat,
            Assessment.lon,
        )
        .where(Assessment.status != "superseded")
        .order_by(Assessment.id, ascending=False)
    )
    person_ids = list({r["person_id"] for r in rows}) or [0]
    homes = {
        p["id"]: (p["lat"], p["lon"])
        for p in await Person.select(Person.id, Person.lat, Person.lon).where(Person.id.is_in(person_ids))
        if p["lat"] is not None and p["lon"] is not None
    }
    flagged: list[FlaggedAssessment] = []
    counts: dict[int, list[int]] = {}
    for r in rows:
        assessors = _ids(r["assessor_ids"])
        for assessor in assessors:
            tally = counts.setdefault(assessor, [0, 0])
            tally[0] += int(bool(r["severe"]))
            tally[1] += 1
        position = (r["lat"], r["lon"]) if r["lat"] is not None and r["lon"] is not None else None
        home = homes.get(r["person_id"])
        flags = rules.assessment_flags(policy, r["started_at"], r["finished_at"], position, home)
        if flags and len(flagged) < REPORTED:
            distance = None
            if position and home:
                distance = round(haversine_km(*position, *home) * 1000)
            flagged.append(
                FlaggedAssessment(
                    assessment_id=r["id"], application_id=r["application"], person_id=r["person_id"],
                    level=r["level"], minutes=int((r["finished_at"] - r["started_at"]).total_seconds() // 60),
                    distance_m=distance, flags=list(flags), assessor_names=[names.get(a, str(a)) for a in assessors],
                )
            )  # fmt: skip
    tests = rules.assessor_outliers(
        [rules.AssessorCounts(a, severe, total) for a, (severe, total) in sorted(counts.items())],
        policy.assessor_outlier_alpha,
    )
    results = [
        AssessorResult(
            assessor_id=t.assessor_id, assessor_name=names.get(t.assessor_id, str(t.assessor_id)), severe=t.severe,
            total=t.total, rate=t.rate, peer_rate=t.peer_rate, p_value=t.p_value, adjusted_p=t.adjusted_p,
            outlier=t.outlier,
        )
        for t in sorted(tests, key=lambda t: t.adjusted_p)
    ]  # fmt: skip
    return QualityReport(
        flagged=flagged,
        assessors=results,
        spot_checks=await spot_checks(actor),
        alpha=str(policy.assessor_outlier_alpha),
    )


async def spot_checks(actor: Actor) -> list[SpotCheckOut]:
    require(actor, Action.READ_SUPERVISION)
    names = await _names()
    rows = await SpotCheck.select(
        SpotCheck.id,
        SpotCheck.conclusion.as_alias("conclusion_id"),
        SpotCheck.conclusion.person.as_alias("person_id"),
        SpotCheck.seed,
        SpotCheck.team,
        SpotCheck.conclusion_level,
        SpotCheck.status,
        SpotCheck.spot_level,
        SpotCheck.outcome,
    ).order_by(SpotCheck.id, ascending=False)
    return [
        SpotCheckOut.model_validate(
            r | {"team": _ids(r["team"]), "team_names": [names.get(a, str(a)) for a in _ids(r["team"])]}
        )
        for r in rows
    ]


async def draw_spot_checks(ctx: ServiceContext, actor: Actor, data: SpotDrawIn) -> list[SpotCheckOut]:
    """Draw the policy's share of the active conclusions not drawn before, from ``seed`` (a new
    random one when none is given; either is stored with each drawn conclusion)."""
    require(actor, Action.REVIEW_SAMPLES)
    policy = _policy(ctx)
    seed = data.seed if data.seed is not None else secrets.randbelow(2**62)
    drawn_before = {r["conclusion"] for r in await SpotCheck.select(SpotCheck.conclusion)}
    conclusions = {
        r["id"]: r
        for r in await Conclusion.select(
            Conclusion.id, Conclusion.level, Conclusion.assessment.assessor_ids.as_alias("assessor_ids")
        ).where(Conclusion.status == "active")
        if r["id"] not in drawn_before
    }
    candidates = [
        r["id"]
        for r in await AppUser.select(AppUser.id).where(
            AppUser.role.is_in(["assessor", "expert"]) & (AppUser.active == True)
        )
    ]
    chosen = rules.spot_draw(conclusions, policy.spot_check_share, seed)
    now = ctx.clock.now()
    async with write_transaction():
        for conclusion_id in chosen:
            row = conclusions[conclusion_id]
            team = rules.spot_team(
                _ids(row["assessor_ids"]), candidates, policy.minimum_assessors, seed + conclusion_id
            )
            await SpotCheck.insert(
                SpotCheck(
                    conclusion=conclusion_id, spot_key=f"conclusion:{conclusion_id}", seed=seed, team=list(team),
                    conclusion_level=row["level"], status="drawn", drawn_by=actor.user_id, drawn_at=now,
                )
            )  # fmt: skip
        await record_change(
            actor=actor, at=now, action="spot_check.draw", entity="spot_check", entity_id=seed,
            after={"seed": seed, "share": str(policy.spot_check_share), "conclusions": chosen},
        )  # fmt: skip
    return [s for s in await spot_checks(actor) if s.conclusion_id in set(chosen)]


async def record_spot_result(ctx: ServiceContext, actor: Actor, spot_id: int, data: SpotResultIn) -> SpotCheckOut:
    """The spot team's level, compared with the conclusion's."""
    require(actor, Action.REVIEW_SAMPLES)
    now = ctx.clock.now()
    async with write_transaction():
        row = await SpotCheck.select().where(SpotCheck.id == spot_id).first()
        if row is None:
            raise NotFound("没有该抽查复评", code="spot_check_not_found")
        if row["status"] != "drawn":
            raise Conflict("该抽查复评已有结果", code="spot_check_done")
        outcome = rules.spot_outcome(row["conclusion_level"], data.level)
        await SpotCheck.update(
            {
                SpotCheck.status: "done",
                SpotCheck.spot_level: data.level,
                SpotCheck.outcome: outcome,
                SpotCheck.note: data.note,
                SpotCheck.recorded_by: actor.user_id,
                SpotCheck.recorded_at: now,
            }
        ).where(SpotCheck.id == spot_id)
        await record_change(
            actor=actor, at=now, action="spot_check.result", entity="spot_check", entity_id=spot_id,
            after={"level": data.level, "outcome": outcome}, reason=data.note,
        )  # fmt: skip
    return next(s for s in await spot_checks(actor) if s.id == spot_id)
