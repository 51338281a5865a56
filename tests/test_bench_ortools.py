"""`ltc bench schedule --compare-ortools N` at a tiny size: both solvers get the same visits of
each sampled provider-day, and what each places passes the independent checker. The counts
themselves are figures for the README, not asserted."""

from __future__ import annotations

from datetime import date, time

from ltc.bench import ortools_day, schedule
from ltc.domain.care_plan import VisitSlot
from ltc.domain.policy import Policy
from ltc.domain.scheduling import CaregiverInput, PlanInput
from tests.domain.test_scheduling import HOME, MONDAY, ZONE, north
from tests.test_bench_smoke import keep_the_engine, parse  # noqa: F401  (a fixture)


def test_a_small_day_is_solved_the_same_by_both() -> None:
    plans = [
        PlanInput(i, i, 1, *north(0.5 * i), (VisitSlot(0, time(9 + i % 3)),), 60, needs_nurse=i == 3) for i in range(6)
    ]
    caregivers = [
        CaregiverInput(1, 1, "elderly_carer", *HOME, 40),
        CaregiverInput(2, 1, "nurse", *north(1), 1.5),
    ]
    problem = ortools_day.DayProblem(
        MONDAY, ZONE, Policy(version="t", effective_from=date(2020, 1, 1)), plans, caregivers
    )
    row = ortools_day.compare(problem, 1.0)
    assert row["visits"] == row["ortools_visits"] == 6
    assert row["ours_conflicts"] == row["ortools_conflicts"] == 0
    # two caregivers, three hours of starts with an hour's window: at most six; the nurse's 1.5 hours hold one visit
    assert 0 < row["ours_placed"] <= 6 and 0 < row["ortools_placed"] <= 6


def test_the_schedule_benchmark_compares_sampled_days_with_ortools(keep_the_engine: None) -> None:  # noqa: F811
    args = parse(
        schedule,
        "--beneficiaries 60 --caregivers 10 --days 7 --compare-ortools 2 --ortools-seconds 0.5".split(),
    )
    result = schedule.run(args)
    compared = result["ortools"]
    assert compared["samples"] == 2 and len(compared["days"]) == 2
    assert {"visits", "ours_placed", "ortools_placed", "ours_seconds", "ortools_seconds"} <= compared.keys()
    for day in compared["days"]:
        assert day["visits"] == day["ortools_visits"]  # the same visits for both
        assert day["ours_placed"] <= day["visits"] and day["ortools_placed"] <= day["visits"]
        assert day["ours_conflicts"] == day["ortools_conflicts"] == 0
    assert compared["visits"] == sum(day["visits"] for day in compared["days"])
    assert compared["ours_at_least_as_many"] == (compared["ours_placed"] >= compared["ortools_placed"])
