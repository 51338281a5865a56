"""The gates an application must pass (DOMAIN §2), each a small named rule whose name is
the error code a refusal carries, and the rules for an assessment team."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from ltc.domain.conclusions import add_months
from ltc.domain.errors import InvalidInput
from ltc.domain.identity import age_on
from ltc.domain.policy import Policy


@dataclass(frozen=True, slots=True)
class ApplicationFacts:
    birth_date: date
    insured: bool
    insured_since: date | None
    applied_on: date
    disabled_since: date | None
    self_eval_grade: str


@dataclass(frozen=True, slots=True)
class Gate:
    code: str
    passes: Callable[[ApplicationFacts, Policy], bool]
    explain: Callable[[ApplicationFacts, Policy], str]


def months_between(start: date, end: date) -> int:
    """Whole months from start to end: the most ``n`` with ``add_months(start, n) <= end``
    (1 March → 31 August is 5; → 1 September is 6). A day of the month the end month does
    not have is reached on its last day, as :func:`add_months` counts a month: 31 August →
    28 February is 6."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if add_months(start, months) > end else 0)


# Each gate's rule and its explanation, one named function each (limits inclusive: insured
# from the day of application, exactly the minimum age, exactly the minimum months pass).


def _insured(f: ApplicationFacts, p: Policy) -> bool:
    return f.insured and (f.insured_since is None or f.insured_since <= f.applied_on)


def _explain_insured(f: ApplicationFacts, p: Policy) -> str:
    return "申请人未参加长期护理保险，或参保尚未生效"


def _old_enough(f: ApplicationFacts, p: Policy) -> bool:
    return age_on(f.birth_date, f.applied_on) >= p.minimum_age


def _explain_age(f: ApplicationFacts, p: Policy) -> str:
    return f"申请日年龄 {age_on(f.birth_date, f.applied_on)} 岁，未满 {p.minimum_age} 岁"


def _disabled_long_enough(f: ApplicationFacts, p: Policy) -> bool:
    return (
        f.disabled_since is not None
        and f.disabled_since <= f.applied_on
        and months_between(f.disabled_since, f.applied_on) >= p.minimum_months_disabled
    )


def _explain_disability(f: ApplicationFacts, p: Policy) -> str:
    return f"失能状态须持续满 {p.minimum_months_disabled} 个月"


def _grade_eligible(f: ApplicationFacts, p: Policy) -> bool:
    return f.self_eval_grade in p.eligible_self_eval_grades


def _explain_grade(f: ApplicationFacts, p: Policy) -> str:
    return f"自评等级为 {f.self_eval_grade}，{'/'.join(p.eligible_self_eval_grades)} 级方可申请评估"


GATES: tuple[Gate, ...] = (
    Gate("not_insured", _insured, _explain_insured),
    Gate("age_below_minimum", _old_enough, _explain_age),
    Gate("disability_too_recent", _disabled_long_enough, _explain_disability),
    Gate("self_eval_grade_too_low", _grade_eligible, _explain_grade),
)


def check_application(facts: ApplicationFacts, policy: Policy, gates: Sequence[Gate] = GATES) -> None:
    """Raise for the first gate that fails, naming it; every failing gate is listed."""
    failed = [gate for gate in gates if not gate.passes(facts, policy)]
    if failed:
        first = failed[0]
        raise InvalidInput(
            first.explain(facts, policy),
            code=first.code,
            errors=[{"code": g.code, "message": g.explain(facts, policy)} for g in failed],
        )


@dataclass(frozen=True, slots=True)
class TeamMember:
    user_id: int
    role: str  # assessor | expert
    active: bool
    employer_provider_id: int | None


def check_team(
    members: Sequence[TeamMember],
    *,
    person_provider_ids: set[int],
    earlier_member_ids: set[int],
    policy: Policy,
) -> None:
    """At least the policy's number of assessors, one of them an expert, none employed by
    the person's care provider; a re-assessment team shares no one with earlier rounds."""
    ids = [m.user_id for m in members]
    if len(set(ids)) != len(ids):
        raise InvalidInput("同一评估员不能重复指派", code="duplicate_assessor")
    not_assessors = [m.user_id for m in members if m.role not in ("assessor", "expert") or not m.active]
    if not_assessors:
        raise InvalidInput("被指派的用户不是在岗评估员", code="not_an_assessor", errors=[{"user_ids": not_assessors}])
    if len(members) < policy.minimum_assessors:
        raise InvalidInput(f"至少需要 {policy.minimum_assessors} 名评估员", code="too_few_assessors")
    if not any(m.role == "expert" for m in members):
        raise InvalidInput("至少需要 1 名评估专家", code="expert_required")
    conflicted = [m.user_id for m in members if m.employer_provider_id in person_provider_ids]
    if conflicted:
        raise InvalidInput(
            "评估员受雇于申请人的护理机构，存在利益冲突",
            code="assessor_conflict_of_interest",
            errors=[{"user_ids": conflicted}],
        )
    repeated = sorted(set(ids) & earlier_member_ids)
    if repeated:
        raise InvalidInput(
            "复评须由不同的评估员进行", code="reassessors_not_different", errors=[{"user_ids": repeated}]
        )
