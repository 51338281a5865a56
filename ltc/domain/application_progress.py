"""Where an application stands in the assessment process (DOMAIN §2), as the steps an
applicant and an officer follow: submitted → accepted → assessed → publicised → final, with
the objection's detour (objected → re-assessment accepted → re-assessed) when there was one.
Each step has its day once reached; the first step not reached is the one under way.

Pure: the facts of each round are arguments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class RoundFacts:
    """What happened in one round of an application (round 2 is the re-assessment)."""

    round: int
    team_on: date | None = None  # accepted: the team was assigned
    assessed_on: date | None = None
    level: int | None = None
    published_on: date | None = None
    notice_until: date | None = None
    objected_on: date | None = None
    finalized_on: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class Step:
    code: str
    on: date | None  # the day it happened (None: not yet)
    current: bool = False  # the step the application is waiting for
    until: date | None = None  # the notice's last day, or the conclusion's
    level: int | None = None  # the level an assessment found

    @property
    def done(self) -> bool:
        return self.on is not None


def application_steps(applied_on: date, rounds: Sequence[RoundFacts]) -> list[Step]:
    by_round = {facts.round: facts for facts in rounds}
    first = by_round.get(1, RoundFacts(round=1))
    second = by_round.get(2)
    objected = first.objected_on is not None or second is not None
    steps = [
        Step("submitted", applied_on),
        Step("accepted", first.team_on),
        Step("assessed", first.assessed_on, level=first.level),
        Step("publicised", first.published_on, until=first.notice_until),
    ]
    final_round = first
    if objected:
        again = second or RoundFacts(round=2)
        steps += [
            Step("objected", first.objected_on),
            Step("reassessing", again.team_on),
            Step("reassessed", again.assessed_on, level=again.level),
        ]
        final_round = again
    steps.append(Step("final", final_round.finalized_on, until=final_round.valid_until))
    # Under way: the first step not reached after the last one reached (a step passed over,
    # such as a notice a re-assessment made moot, stays without a day).
    reached = [i for i, step in enumerate(steps) if step.done]
    waiting = reached[-1] + 1 if reached[-1] + 1 < len(steps) else None
    if waiting is not None:
        step = steps[waiting]
        steps[waiting] = Step(step.code, step.on, current=True, until=step.until, level=step.level)
    return steps
