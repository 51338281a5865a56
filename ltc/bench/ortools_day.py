"""One provider-day solved twice: by our scheduler and by OR-Tools' routing solver, as a
vehicle routing problem with time windows (VRPTW), so that ``ltc bench schedule
--compare-ortools N`` can say how many visits each places.

The problem (``DayProblem``): the day's visits of one provider's plans, each with its window
(the slot's start to the start plus the slot's or the policy's window), its duration, its home
and whether it needs a nurse; the provider's caregivers working that day with their home,
working hours, qualification and the weekly hours they have left that ISO week.

OR-Tools' model: one vehicle per caregiver starting and ending at its home; a node per visit,
optional through a disjunction whose penalty outweighs any travel (so the solver first places
as many visits as it can); a time dimension (seconds from local midnight) whose transit from a
visit is its duration plus the travel to the next home at the policy's speed, rounded up to the
second plus one, as our scheduler counts it; each visit's start within its window; each
vehicle's route within its working hours; a second dimension of visit time against each
caregiver's remaining weekly seconds; nurse-only visits allowed on nurses only. Our scheduler
counts no travel from or to a caregiver's own home, so in the time dimension those legs take no
time (they only count in the arc cost). The solver starts from the cheapest-arc path and
improves by guided local search until the time limit. Its routes are then turned into visits and
checked by ``find_conflicts`` like ours.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as clock_time
from typing import Any

from ltc.domain import scheduling
from ltc.domain.coordinates import haversine_km
from ltc.domain.policy import Policy

UNPLACED_PENALTY = 10_000_000  # more than any day's travel in metres: placing a visit always pays


@dataclass(frozen=True)
class DayProblem:
    day: date
    zone: tzinfo
    policy: Policy
    plans: list[scheduling.PlanInput]  # the provider's plans (their slots of ``day`` are the visits)
    caregivers: list[scheduling.CaregiverInput]  # weekly_hours = the hours left that ISO week


@dataclass(frozen=True)
class DaySolution:
    visits: int  # the visits of the day
    placed: int
    conflicts: int
    seconds: float


@dataclass(frozen=True)
class _Node:
    plan: scheduling.PlanInput
    opens: datetime
    closes: datetime
    duration: int  # seconds


def day_visits(problem: DayProblem) -> list[_Node]:
    """The day's visits: one per distinct slot start of each plan on the day's weekday."""
    nodes = []
    for plan in problem.plans:
        starts: dict[clock_time, int] = {}
        for slot in plan.slots:
            if slot.weekday == problem.day.weekday():
                starts.setdefault(slot.start, slot.window(problem.policy))
        for start, window in sorted(starts.items()):
            opens = datetime.combine(problem.day, start, tzinfo=problem.zone)
            nodes.append(_Node(plan, opens, opens + timedelta(minutes=window), plan.duration_minutes * 60))
    return nodes


def solve_ours(problem: DayProblem) -> DaySolution:
    started = time.perf_counter()
    result = scheduling.schedule(
        problem.plans,
        problem.caregivers,
        window_start=problem.day,
        window_end=problem.day + timedelta(days=1),
        zone=problem.zone,
        policy=problem.policy,
    )
    seconds = time.perf_counter() - started
    conflicts = scheduling.find_conflicts(
        result.visits, problem.caregivers, problem.policy, plans=problem.plans, zone=problem.zone
    )
    return DaySolution(len(result.visits) + len(result.unscheduled), len(result.visits), len(conflicts), seconds)


def solve_ortools(problem: DayProblem, time_limit_seconds: float) -> DaySolution:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    started = time.perf_counter()
    nodes = day_visits(problem)
    weekday = problem.day.weekday()
    working = [c for c in problem.caregivers if weekday in c.working_days]
    if not nodes or not working:
        return DaySolution(len(nodes), 0, 0, time.perf_counter() - started)
    midnight = datetime.combine(problem.day, clock_time(0), tzinfo=problem.zone)

    def second_of(moment: datetime) -> int:
        return int((moment - midnight).total_seconds())

    # node n < len(nodes) is a visit; len(nodes) + 2v and + 2v + 1 are vehicle v's start and end (its home)
    places = [(n.plan.lat, n.plan.lon) for n in nodes]
    for c in working:
        places += [(c.lat, c.lon), (c.lat, c.lon)]
    count = len(places)
    speed = problem.policy.travel_speed_kmh
    km = [[haversine_km(*a, *b) for b in places] for a in places]
    travel = [
        [0 if i == j or places[i] == places[j] else math.ceil(km[i][j] / speed * 3600.0) + 1 for j in range(count)]
        for i in range(count)
    ]
    visit_count = len(nodes)

    def transit_seconds(i: int, j: int) -> int:
        if i >= visit_count:
            return 0  # leaving home: our scheduler counts no way from home
        if j >= visit_count:
            return nodes[i].duration  # the way home is not counted either
        return nodes[i].duration + travel[i][j]

    starts = [visit_count + 2 * v for v in range(len(working))]
    ends = [visit_count + 2 * v + 1 for v in range(len(working))]
    manager = pywrapcp.RoutingIndexManager(count, len(working), starts, ends)
    routing = pywrapcp.RoutingModel(manager)

    def cost(from_index: int, to_index: int) -> int:
        return int(km[manager.IndexToNode(from_index)][manager.IndexToNode(to_index)] * 1000)

    def transit(from_index: int, to_index: int) -> int:
        return transit_seconds(manager.IndexToNode(from_index), manager.IndexToNode(to_index))

    def work(from_index: int) -> int:
        node = manager.IndexToNode(from_index)
        return nodes[node].duration if node < visit_count else 0

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(cost))
    routing.AddDimension(routing.RegisterTransitCallback(transit), 24 * 3600, 24 * 3600, False, "time")
    clock = routing.GetDimensionOrDie("time")
    routing.AddDimensionWithVehicleCapacity(
        routing.RegisterUnaryTransitCallback(work),
        0,
        [max(0, int(c.weekly_hours * 3600)) for c in working],
        True,
        "week",
    )
    for n, node in enumerate(nodes):
        index = manager.NodeToIndex(n)
        clock.CumulVar(index).SetRange(second_of(node.opens), second_of(node.closes))
        routing.AddDisjunction([index], UNPLACED_PENALTY)
        if node.plan.needs_nurse:
            # a nurse's vehicle, or unperformed (-1)
            routing.VehicleVar(index).SetValues([-1, *(v for v, c in enumerate(working) if c.qualification == "nurse")])
    for v, c in enumerate(working):
        day_start = c.work_start.hour * 3600 + c.work_start.minute * 60
        day_end = c.work_end.hour * 3600 + c.work_end.minute * 60
        clock.CumulVar(routing.Start(v)).SetRange(day_start, day_end)
        clock.CumulVar(routing.End(v)).SetRange(day_start, day_end)

    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    parameters.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    parameters.time_limit.FromMilliseconds(max(1, int(time_limit_seconds * 1000)))
    solution = routing.SolveWithParameters(parameters)
    seconds = time.perf_counter() - started
    if solution is None:
        return DaySolution(visit_count, 0, 0, seconds)

    planned: list[scheduling.PlannedVisit] = []
    for v, c in enumerate(working):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            node = nodes[manager.IndexToNode(index)]
            start = midnight + timedelta(seconds=solution.Min(clock.CumulVar(index)))
            planned.append(
                scheduling.PlannedVisit(
                    node.plan.plan_id,
                    node.plan.person_id,
                    c.caregiver_id,
                    start,
                    start + timedelta(seconds=node.duration),
                    node.plan.lat,
                    node.plan.lon,
                    node.opens,
                    node.closes,
                )
            )
            index = solution.Value(routing.NextVar(index))
    conflicts = scheduling.find_conflicts(
        planned, problem.caregivers, problem.policy, plans=problem.plans, zone=problem.zone
    )
    return DaySolution(visit_count, len(planned), len(conflicts), seconds)


def remaining_week(
    caregivers: Sequence[scheduling.CaregiverInput], booked_seconds: dict[Hashable, float]
) -> list[scheduling.CaregiverInput]:
    """The caregivers with the weekly hours they have left once ``booked_seconds`` are taken."""
    out = []
    for c in caregivers:
        left = max(0.0, c.weekly_hours - booked_seconds.get(c.caregiver_id, 0.0) / 3600.0)
        out.append(
            scheduling.CaregiverInput(
                c.caregiver_id,
                c.provider_id,
                c.qualification,
                c.lat,
                c.lon,
                left,
                c.work_start,
                c.work_end,
                c.working_days,
            )
        )
    return out


def compare(problem: DayProblem, time_limit_seconds: float) -> dict[str, Any]:
    ours = solve_ours(problem)
    theirs = solve_ortools(problem, time_limit_seconds)
    return {
        "day": problem.day.isoformat(),
        "provider": problem.plans[0].provider_id if problem.plans else None,
        "caregivers": len(problem.caregivers),
        "visits": ours.visits,
        "ortools_visits": theirs.visits,
        "ours_placed": ours.placed,
        "ortools_placed": theirs.placed,
        "ours_conflicts": ours.conflicts,
        "ortools_conflicts": theirs.conflicts,
        "ours_seconds": round(ours.seconds, 3),
        "ortools_seconds": round(theirs.seconds, 3),
    }
