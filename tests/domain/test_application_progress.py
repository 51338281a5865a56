"""Where an application stands: the steps reached with their days, the one under way, and the
objection's detour only when there was an objection."""

from __future__ import annotations

from datetime import date

from ltc.domain.application_progress import RoundFacts, application_steps

APPLIED = date(2026, 10, 1)


def summary(rounds: list[RoundFacts]) -> list[tuple[str, date | None, bool]]:
    return [(s.code, s.on, s.current) for s in application_steps(APPLIED, rounds)]


def test_a_new_application_is_submitted_and_waits_for_acceptance() -> None:
    assert summary([]) == [
        ("submitted", APPLIED, False),
        ("accepted", None, True),
        ("assessed", None, False),
        ("publicised", None, False),
        ("final", None, False),
    ]


def test_during_the_notice_the_step_under_way_is_the_conclusion_and_the_notice_shows_its_last_day() -> None:
    first = RoundFacts(
        round=1,
        team_on=date(2026, 10, 3),
        assessed_on=date(2026, 10, 10),
        level=4,
        published_on=date(2026, 10, 12),
        notice_until=date(2026, 10, 19),
    )
    steps = application_steps(APPLIED, [first])
    assert [(s.code, s.on, s.current) for s in steps][1:] == [
        ("accepted", date(2026, 10, 3), False),
        ("assessed", date(2026, 10, 10), False),
        ("publicised", date(2026, 10, 12), False),
        ("final", None, True),
    ]
    assert steps[2].level == 4 and steps[3].until == date(2026, 10, 19)


def test_an_objection_adds_the_reassessment_steps_and_the_final_conclusion_is_the_second_rounds() -> None:
    first = RoundFacts(
        round=1,
        team_on=date(2026, 10, 3),
        assessed_on=date(2026, 10, 10),
        level=2,
        published_on=date(2026, 10, 12),
        notice_until=date(2026, 10, 19),
        objected_on=date(2026, 10, 15),
    )
    second = RoundFacts(
        round=2,
        team_on=date(2026, 10, 20),
        assessed_on=date(2026, 10, 25),
        level=3,
        finalized_on=date(2026, 10, 26),
        valid_until=date(2028, 10, 25),
    )
    steps = application_steps(APPLIED, [second, first])
    assert [s.code for s in steps] == [
        "submitted",
        "accepted",
        "assessed",
        "publicised",
        "objected",
        "reassessing",
        "reassessed",
        "final",
    ]
    assert all(s.done for s in steps) and not any(s.current for s in steps)
    assert steps[-1].until == date(2028, 10, 25) and steps[-2].level == 3


def test_an_objection_before_the_second_team_waits_for_it() -> None:
    first = RoundFacts(
        round=1,
        team_on=date(2026, 10, 3),
        assessed_on=date(2026, 10, 10),
        published_on=date(2026, 10, 12),
        objected_on=date(2026, 10, 15),
    )
    current = [s.code for s in application_steps(APPLIED, [first]) if s.current]
    assert current == ["reassessing"]


def test_a_step_passed_over_stays_without_a_day_and_is_not_under_way() -> None:
    first = RoundFacts(
        round=1, team_on=date(2026, 10, 3), assessed_on=date(2026, 10, 10), finalized_on=date(2026, 10, 11)
    )
    steps = application_steps(APPLIED, [first])
    assert [(s.code, s.done, s.current) for s in steps][3:] == [("publicised", False, False), ("final", True, False)]
