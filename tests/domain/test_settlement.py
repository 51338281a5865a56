from __future__ import annotations

import itertools
import json
import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace as struct_replace

from ltc.domain.access import Role
from ltc.domain.errors import Conflict, Forbidden, InvalidInput
from ltc.domain.periods import Period
from ltc.domain.policy import Policy, PolicyBook
from ltc.domain.settlement import (
    ADJUSTMENT,
    DEDUCTION,
    HOME,
    INSTITUTIONAL,
    STATUSES,
    TRANSITIONS,
    Adjustment,
    CountedVisit,
    EvaluationDeduction,
    HomeCareInput,
    InstitutionalCareInput,
    SettlementDraft,
    VisitGroup,
    adjustments_between,
    available_actions,
    build_settlement,
    transition,
)

V1 = Policy(version="2020", effective_from=date(2020, 1, 1))
BOOK = PolicyBook(city="test", versions=(V1,))
MARCH = Period(2026, 3)
APRIL = Period(2026, 4)
# A version taking effect mid-March: more home hours at level 3, a dearer hour, smaller fund shares.
V2 = replace(
    V1,
    version="2026b",
    effective_from=date(2026, 3, 16),
    home_hours_by_level={3: 25, 4: 30, 5: 35},
    home_hourly_price_fen=7000,
    fund_share_home=Decimal("0.85"),
    bed_day_cap_fen_by_level={3: 6500, 4: 7500, 5: 8500},
    fund_share_institutional=Decimal("0.80"),
)
TWO_VERSIONS = PolicyBook(city="test", versions=(V1, V2))


def visits(first_id: int, days: list[int], minutes: int = 60, period: Period = MARCH) -> tuple[CountedVisit, ...]:
    return tuple(CountedVisit(first_id + i, date(period.year, period.month, d), minutes) for i, d in enumerate(days))


def build(home=(), institutional=(), adjustments=(), deduction=None, period=MARCH, book=BOOK) -> SettlementDraft:
    return build_settlement(7, period, home, institutional, adjustments, deduction, policy_for=book.in_force)


# ---------------------------------------------------------------------------- home care


def test_home_care_is_capped_at_the_level_hours() -> None:
    # Level 3: 20 h a month. 26 h verified → 20 h billed at 60 yuan → 1,200.00; fund 90 %.
    draft = build(home=[HomeCareInput(person_id=1, level=3, visits=visits(100, list(range(1, 27))))])
    (line,) = draft.lines
    assert line.kind == HOME
    assert (line.verified_minutes, line.quantity, line.unit) == (1560, 1200, "minute")
    assert line.unit_price_fen == 6000
    assert (line.gross_fen, line.fund_fen, line.personal_fen) == (120000, 108000, 12000)
    assert line.visit_ids == tuple(range(100, 126))
    assert line.policy_version == "2020"
    assert (draft.gross_fen, draft.fund_fen, draft.personal_fen) == (120000, 108000, 12000)


def test_below_the_cap_every_minute_counts() -> None:
    draft = build(home=[HomeCareInput(person_id=1, level=3, visits=visits(1, [2, 3], minutes=50))])
    (line,) = draft.lines
    assert (line.quantity, line.gross_fen, line.fund_fen, line.personal_fen) == (100, 10000, 9000, 1000)


def test_fund_share_ending_in_half_a_fen_rounds_up() -> None:
    # Level 4 (25 h cap), agreed 61.00/h, 1,275 min = 21.25 h → 1,296.25 yuan;
    # 90 % = 1,166.625 yuan = 116,662.5 fen → 116,663; the person pays the rest.
    draft = build(
        home=[
            HomeCareInput(person_id=1, level=4, hourly_price_fen=6100, visits=visits(1, list(range(1, 18)), minutes=75))
        ]
    )
    (line,) = draft.lines
    assert (line.quantity, line.unit_price_fen) == (1275, 6100)
    assert (line.gross_fen, line.fund_fen, line.personal_fen) == (129625, 116663, 12962)


def test_gross_is_rounded_once_half_up() -> None:
    # 7 minutes at 60.30/h = 703.5 fen → 704; 90 % of 704 = 633.6 → 634.
    draft = build(home=[HomeCareInput(person_id=1, level=3, hourly_price_fen=6030, visits=visits(1, [5], minutes=7))])
    (line,) = draft.lines
    assert (line.gross_fen, line.fund_fen, line.personal_fen) == (704, 634, 70)


def test_excluded_visits_are_listed_not_billed() -> None:
    draft = build(
        home=[
            HomeCareInput(person_id=2, level=3, visits=visits(1, [2, 9]), excluded_visit_ids=(51, 50)),
            HomeCareInput(person_id=3, level=3, excluded_visit_ids=(60,)),
        ]
    )
    first, second = draft.lines
    assert (first.person_id, first.visit_ids, first.excluded_visit_ids) == (2, (1, 2), (50, 51))
    assert (first.quantity, first.gross_fen) == (120, 12000)
    assert "2 visit(s) excluded" in first.note
    assert (second.person_id, second.quantity, second.gross_fen, second.fund_fen) == (3, 0, 0, 0)
    assert second.excluded_visit_ids == (60,)
    assert second.visit_ids == ()


def test_a_person_without_visits_gets_no_line() -> None:
    assert build(home=[HomeCareInput(person_id=1, level=3)]).lines == ()


def test_a_level_without_home_hours_bills_nothing() -> None:
    (line,) = build(home=[HomeCareInput(person_id=1, level=2, visits=visits(1, [3]))]).lines
    assert (line.verified_minutes, line.quantity, line.gross_fen) == (60, 0, 0)


# ---------------------------------------------------------------------------- institutional care


def test_bed_days_are_priced_at_the_capped_daily_price() -> None:
    # 30 bed-days × min(agreed 90 yuan, level-4 cap 70 yuan) = 2,100 yuan; fund 75 % = 1,575.
    days = tuple(APRIL.dates())
    draft = build(
        institutional=[InstitutionalCareInput(person_id=4, level=4, agreed_daily_price_fen=9000, days=days)],
        period=APRIL,
    )
    (line,) = draft.lines
    assert line.kind == INSTITUTIONAL
    assert (line.quantity, line.unit, line.unit_price_fen) == (30, "day", 7000)
    assert (line.gross_fen, line.fund_fen, line.personal_fen) == (210000, 157500, 52500)
    assert line.days == days
    assert "(capped)" in line.note


def test_an_agreed_price_below_the_cap_is_used() -> None:
    days = tuple(date(2026, 3, d) for d in range(1, 11))
    (line,) = build(institutional=[InstitutionalCareInput(5, 3, 5001, days)]).lines
    # 10 × 50.01 = 500.10 yuan; 75 % = 375.075 yuan = 37,507.5 fen → 37,508.
    assert (line.unit_price_fen, line.gross_fen, line.fund_fen, line.personal_fen) == (5001, 50010, 37508, 12502)


def test_leave_days_are_not_bed_days() -> None:
    leave = (date(2026, 3, 15),)
    days = tuple(d for d in MARCH.dates() if d not in leave)
    (line,) = build(institutional=[InstitutionalCareInput(4, 4, 9000, days, leave_days=leave)]).lines
    assert (line.quantity, line.gross_fen, line.fund_fen) == (30, 210000, 157500)
    assert line.leave_days == leave
    with pytest.raises(InvalidInput) as err:
        build(institutional=[InstitutionalCareInput(4, 4, 9000, tuple(MARCH.dates()), leave_days=leave)])
    assert err.value.code == "leave_day_billed"


def test_duplicate_bed_day_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        build(institutional=[InstitutionalCareInput(4, 4, 9000, (date(2026, 3, 1), date(2026, 3, 1)))])
    assert err.value.code == "duplicate_day"


# ---------------------------------------------------------------------------- two policy versions


def test_a_month_spanning_two_policy_versions() -> None:
    home = HomeCareInput(
        person_id=1, level=3, visits=visits(1, list(range(1, 12)), minutes=120) + visits(50, [16, 20], minutes=120)
    )
    inst = InstitutionalCareInput(person_id=2, level=4, agreed_daily_price_fen=9000, days=tuple(MARCH.dates()))
    draft = build(home=[home], institutional=[inst], book=TWO_VERSIONS)
    h1, h2, i1, i2 = draft.lines
    # 1–15 March under 2020: 22 h verified, capped at 20 h, 60 yuan/h, fund 90 %.
    assert (h1.policy_version, h1.verified_minutes, h1.quantity) == ("2020", 1320, 1200)
    assert (h1.gross_fen, h1.fund_fen, h1.personal_fen) == (120000, 108000, 12000)
    assert h1.visit_ids == tuple(range(1, 12))
    # From 16 March under 2026b: cap 25 h, 20 h already billed → 4 h of room; 4 h at 70 yuan, fund 85 %.
    assert (h2.policy_version, h2.verified_minutes, h2.quantity, h2.unit_price_fen) == ("2026b", 240, 240, 7000)
    assert (h2.gross_fen, h2.fund_fen, h2.personal_fen) == (28000, 23800, 4200)
    assert h2.visit_ids == (50, 51)
    # Bed-days: 15 at min(90, 70) with 75 %, then 16 at min(90, 75) with 80 %.
    assert (i1.policy_version, i1.quantity, i1.unit_price_fen) == ("2020", 15, 7000)
    assert (i1.gross_fen, i1.fund_fen, i1.personal_fen) == (105000, 78750, 26250)
    assert (i2.policy_version, i2.quantity, i2.unit_price_fen) == ("2026b", 16, 7500)
    assert (i2.gross_fen, i2.fund_fen, i2.personal_fen) == (120000, 96000, 24000)
    assert i1.days[-1] == date(2026, 3, 15) and i2.days[0] == date(2026, 3, 16)
    assert (draft.gross_fen, draft.fund_fen, draft.personal_fen) == (373000, 306550, 66450)


def test_a_lower_cap_in_the_later_version_leaves_no_room() -> None:
    v2 = replace(V2, home_hours_by_level={3: 18, 4: 25, 5: 30})
    book = PolicyBook(city="test", versions=(V1, v2))
    home = HomeCareInput(person_id=1, level=3, visits=visits(1, list(range(1, 11)), minutes=120) + visits(50, [20]))
    h1, h2 = build(home=[home], book=book).lines
    assert (h1.quantity, h1.gross_fen) == (1200, 120000)
    assert (h2.verified_minutes, h2.quantity, h2.gross_fen, h2.visit_ids) == (60, 0, 0, (50,))


def test_a_raised_cap_lets_later_minutes_in_after_an_early_cap() -> None:
    # 19 h under 2020 (cap 20 h), then 8 h under 2026b (cap 25 h): 19 h + 6 h billed.
    home = HomeCareInput(
        person_id=1,
        level=3,
        visits=visits(1, list(range(1, 14)), minutes=60)
        + visits(20, [2, 3, 4, 5, 6, 7], minutes=60)
        + visits(40, list(range(16, 24))),
    )
    h1, h2 = build(home=[home], book=TWO_VERSIONS).lines
    assert (h1.verified_minutes, h1.quantity) == (1140, 1140)
    assert (h2.verified_minutes, h2.quantity) == (480, 360)


# ---------------------------------------------------------------------------- deductions and adjustments


def april_care() -> tuple[list[HomeCareInput], list[InstitutionalCareInput]]:
    home = [HomeCareInput(person_id=1, level=3, visits=visits(1, list(range(1, 27)), period=APRIL))]
    inst = [InstitutionalCareInput(person_id=4, level=4, agreed_daily_price_fen=9000, days=tuple(APRIL.dates()))]
    return home, inst


def test_evaluation_deduction_below_the_pass_score() -> None:
    home, inst = april_care()
    draft = build(home=home, institutional=inst, deduction=EvaluationDeduction(year=2025, score=55), period=APRIL)
    *_care, deduction = draft.lines
    # 5 % of the fund amount 108,000 + 157,500 = 265,500 → 13,275 off the fund's payment.
    assert deduction.kind == DEDUCTION
    assert (deduction.person_id, deduction.quantity, deduction.unit) == (None, 55, "score")
    assert (deduction.gross_fen, deduction.fund_fen, deduction.personal_fen) == (-13275, -13275, 0)
    assert (draft.gross_fen, draft.fund_fen, draft.personal_fen) == (316725, 252225, 64500)


def test_no_deduction_at_the_pass_score_or_when_it_does_not_apply() -> None:
    home, inst = april_care()
    assert all(
        x.kind != DEDUCTION for x in build(home, inst, deduction=EvaluationDeduction(2025, 60), period=APRIL).lines
    )
    assert all(x.kind != DEDUCTION for x in build(home, inst, period=APRIL).lines)


def test_deduction_rounds_half_up() -> None:
    # Fund 1,010 fen; 5 % = 50.5 → 51.
    inst = [InstitutionalCareInput(4, 3, 1010, (date(2026, 3, 2),))]
    policy = replace(V1, fund_share_institutional=Decimal(1))
    draft = build(
        institutional=inst, deduction=EvaluationDeduction(2025, 10), book=PolicyBook(city="t", versions=(policy,))
    )
    assert draft.lines[-1].fund_fen == -51


def test_adjustment_lines_for_earlier_months() -> None:
    home, inst = april_care()
    adjustments = [
        Adjustment(period=Period(2026, 3), person_id=9, amount_fen=-2000, reason="duplicate visit 77 withdrawn"),
        Adjustment(
            period=Period(2026, 1), person_id=8, amount_fen=6000, fund_fen=5400, reason="visit 55: exception accepted"
        ),
    ]
    draft = build(home=home, institutional=inst, adjustments=adjustments, period=APRIL)
    a1, a2 = (x for x in draft.lines if x.kind == ADJUSTMENT)
    assert (a1.adjusts_period, a1.person_id, a1.gross_fen, a1.fund_fen, a1.personal_fen) == (
        "2026-01",
        8,
        6000,
        5400,
        600,
    )
    assert a1.note == "visit 55: exception accepted"
    assert (a2.adjusts_period, a2.person_id, a2.gross_fen, a2.fund_fen, a2.personal_fen) == (
        "2026-03",
        9,
        -2000,
        -2000,
        0,
    )
    assert [x.kind for x in draft.lines] == [HOME, INSTITUTIONAL, ADJUSTMENT, ADJUSTMENT]
    assert draft.gross_fen == 120000 + 210000 + 6000 - 2000
    assert draft.fund_fen == 108000 + 157500 + 5400 - 2000


def test_adjustments_are_not_deducted_again() -> None:
    home, inst = april_care()
    draft = build(
        home, inst, [Adjustment(Period(2026, 3), 9, 100000, "late visits")], EvaluationDeduction(2025, 0), period=APRIL
    )
    assert draft.lines[-1].fund_fen == -13275


@pytest.mark.parametrize(
    ("adjustment", "code"),
    [
        (Adjustment(APRIL, 1, 100, "same month"), "adjustment_not_earlier"),
        (Adjustment(Period(2026, 5), 1, 100, "later month"), "adjustment_not_earlier"),
        (Adjustment(MARCH, 1, 100, "  "), "reason_required"),
    ],
)
def test_bad_adjustments_are_refused(adjustment: Adjustment, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        build(adjustments=[adjustment], period=APRIL)
    assert err.value.code == code


def test_adjustments_between_an_approved_month_and_its_correction() -> None:
    home = HomeCareInput(person_id=1, level=3, visits=visits(1, [2, 3]), excluded_visit_ids=(9,))
    inst = InstitutionalCareInput(person_id=4, level=4, agreed_daily_price_fen=9000, days=(date(2026, 3, 1),))
    approved = build(home=[home], institutional=[inst], deduction=EvaluationDeduction(2025, 50))
    corrected = build(
        home=[struct_replace(home, visits=home.visits + visits(9, [4]), excluded_visit_ids=())],
        institutional=[inst],
        deduction=EvaluationDeduction(2025, 50),
    )
    found = adjustments_between(approved, corrected, "visit 9 accepted")
    # Person 1: one more hour, 6,000 gross / 5,400 fund; the deduction grows by 5 % of 5,400 = 270.
    assert found == [
        Adjustment(MARCH, 1, 6000, "visit 9 accepted", fund_fen=5400),
        Adjustment(MARCH, None, -270, "visit 9 accepted", fund_fen=-270),
    ]
    april = build(adjustments=found, period=APRIL)
    assert (april.gross_fen, april.fund_fen) == (
        corrected.gross_fen - approved.gross_fen,
        corrected.fund_fen - approved.fund_fen,
    )
    assert adjustments_between(approved, approved, "none") == []
    with pytest.raises(InvalidInput):
        adjustments_between(approved, april, "x")


# ---------------------------------------------------------------------------- visits summed by the caller


def as_groups(item: HomeCareInput, book: PolicyBook) -> HomeCareInput:
    """The person's visits summed per policy version, as the service hands them over."""
    by_version: dict[str, list[CountedVisit]] = {}
    for visit in sorted(item.visits, key=lambda v: (v.day, v.visit_id)):
        by_version.setdefault(book.in_force(visit.day).version, []).append(visit)
    groups = tuple(
        VisitGroup(
            visit_ids=tuple(v.visit_id for v in group),
            first_day=group[0].day,
            last_day=group[-1].day,
            minutes=sum(v.minutes for v in group),
        )
        for group in by_version.values()
    )
    return struct_replace(item, visits=(), groups=groups)


def test_a_group_gives_the_line_of_its_visits() -> None:
    home = [
        HomeCareInput(1, 3, visits=visits(100, [20, 3, 16, 15, 28], minutes=200), excluded_visit_ids=(7, 5)),
        HomeCareInput(2, 5, visits=visits(200, [2, 2, 9], minutes=61), hourly_price_fen=6500),
        HomeCareInput(3, 4, excluded_visit_ids=(9,)),
    ]
    one_by_one = build(home, book=TWO_VERSIONS)
    summed = build([as_groups(x, TWO_VERSIONS) for x in home], book=TWO_VERSIONS)
    assert summed == one_by_one
    assert summed.content_hash() == one_by_one.content_hash()
    assert [x.visit_ids for x in summed.lines][:2] == [(101, 103), (102, 100, 104)]  # by day under each version
    assert as_groups(home[0], TWO_VERSIONS).verified_minutes == home[0].verified_minutes == 1000


@settings(max_examples=60)
@given(st.data(), st.booleans())
def test_any_month_in_groups_is_the_month_visit_by_visit(data, two_versions: bool) -> None:
    home, inst = data.draw(month_inputs())
    book = TWO_VERSIONS if two_versions else BOOK
    one_by_one = build(home, inst, book=book)
    summed = build([as_groups(x, book) for x in home], inst, book=book)
    assert summed == one_by_one and summed.content_hash() == one_by_one.content_hash()


@pytest.mark.parametrize(
    ("groups", "code"),
    [
        ((VisitGroup((), date(2026, 3, 2), date(2026, 3, 2), 0),), "invalid_group"),
        ((VisitGroup((1,), date(2026, 2, 28), date(2026, 3, 2), 60),), "day_outside_period"),
        ((VisitGroup((1,), date(2026, 3, 2), date(2026, 4, 1), 60),), "day_outside_period"),
        ((VisitGroup((1, 2), date(2026, 3, 5), date(2026, 3, 2), 60),), "invalid_group"),
        ((VisitGroup((1,), date(2026, 3, 2), date(2026, 3, 2), -1),), "invalid_minutes"),
        ((VisitGroup((1, 2), date(2026, 3, 15), date(2026, 3, 16), 60),), "group_spans_versions"),
        (
            (
                VisitGroup((1,), date(2026, 3, 2), date(2026, 3, 2), 60),
                VisitGroup((2,), date(2026, 3, 3), date(2026, 3, 3), 60),
            ),
            "group_not_alone",
        ),
    ],
)
def test_bad_groups_are_refused(groups: tuple[VisitGroup, ...], code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        build(home=[HomeCareInput(1, 3, groups=groups)], book=TWO_VERSIONS)
    assert err.value.code == code


def test_a_group_beside_visits_of_its_version_or_naming_a_visit_twice_is_refused() -> None:
    group = VisitGroup((1, 2), date(2026, 3, 2), date(2026, 3, 3), 120)
    with pytest.raises(InvalidInput) as err:
        build(home=[HomeCareInput(1, 3, visits=visits(5, [4]), groups=(group,))])
    assert err.value.code == "group_not_alone"
    with pytest.raises(InvalidInput) as err:
        build(home=[HomeCareInput(1, 3, groups=(group,), excluded_visit_ids=(2,))])
    assert err.value.code == "duplicate_visit"
    with pytest.raises(TypeError):
        build(home=[HomeCareInput(1, 3, groups=(struct_replace(group, minutes=60.0),))])  # type: ignore[arg-type]
    # Visits one by one under the first version and a group under the second: one line each.
    later = VisitGroup((9,), date(2026, 3, 20), date(2026, 3, 20), 30)
    draft = build(home=[HomeCareInput(1, 3, visits=visits(5, [4]), groups=(later,))], book=TWO_VERSIONS)
    assert [(x.policy_version, x.visit_ids, x.verified_minutes) for x in draft.lines] == [
        ("2020", (5,), 60),
        ("2026b", (9,), 30),
    ]


# ---------------------------------------------------------------------------- validation


def test_visit_outside_the_period_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        build(home=[HomeCareInput(1, 3, visits=(CountedVisit(1, date(2026, 4, 1), 60),))])
    assert err.value.code == "day_outside_period"
    with pytest.raises(InvalidInput) as err:
        build(institutional=[InstitutionalCareInput(1, 3, 5000, (date(2026, 2, 28),))])
    assert err.value.code == "day_outside_period"


def test_duplicates_are_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        build(home=[HomeCareInput(1, 3, visits=visits(1, [2])), HomeCareInput(2, 3, visits=visits(1, [3]))])
    assert err.value.code == "duplicate_visit"
    with pytest.raises(InvalidInput) as err:
        build(home=[HomeCareInput(1, 3, visits=visits(1, [2]), excluded_visit_ids=(1,))])
    assert err.value.code == "duplicate_visit"
    with pytest.raises(InvalidInput) as err:
        build(home=[HomeCareInput(1, 3, visits=visits(1, [2])), HomeCareInput(1, 3, visits=visits(5, [3]))])
    assert err.value.code == "duplicate_person"


def test_negative_minutes_and_float_prices_are_refused() -> None:
    with pytest.raises(InvalidInput):
        build(home=[HomeCareInput(1, 3, visits=(CountedVisit(1, date(2026, 3, 2), -5),))])
    with pytest.raises(TypeError):
        build(home=[HomeCareInput(1, 3, visits=visits(1, [2]), hourly_price_fen=60.0)])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        build(institutional=[InstitutionalCareInput(1, 3, 50.0, (date(2026, 3, 2),))])  # type: ignore[arg-type]


def test_totals_must_be_the_sum_of_lines() -> None:
    draft = build(home=[HomeCareInput(1, 3, visits=visits(1, [2]))])
    with pytest.raises(InvalidInput) as err:
        struct_replace(draft, gross_fen=draft.gross_fen + 1)
    assert err.value.code == "invalid_totals"


# ---------------------------------------------------------------------------- determinism


def mixed_inputs() -> tuple[list[HomeCareInput], list[InstitutionalCareInput], list[Adjustment]]:
    home = [
        HomeCareInput(
            p,
            3 + p % 3,
            visits=visits(100 * p, [1 + p, 16 + p], minutes=45 + p),
            excluded_visit_ids=(100 * p + 50, 100 * p + 51),
        )
        for p in range(1, 8)
    ]
    inst = [InstitutionalCareInput(p, 3 + p % 3, 6500 + p, tuple(MARCH.dates()[p:])) for p in range(10, 15)]
    adj = [Adjustment(Period(2026, m), p, 100 * m - 700, f"fix {m}/{p}") for m in (1, 2) for p in (3, 1)]
    return home, inst, adj


def test_rebuilding_from_shuffled_inputs_gives_the_same_draft_and_hash() -> None:
    home, inst, adj = mixed_inputs()
    first = build(home, inst, adj, EvaluationDeduction(2025, 40), book=TWO_VERSIONS)
    rng = random.Random(4)
    for _ in range(5):
        h = [
            struct_replace(
                x,
                visits=tuple(rng.sample(x.visits, len(x.visits))),
                excluded_visit_ids=tuple(rng.sample(x.excluded_visit_ids, 2)),
            )
            for x in rng.sample(home, len(home))
        ]
        i = [struct_replace(x, days=tuple(rng.sample(x.days, len(x.days)))) for x in rng.sample(inst, len(inst))]
        again = build(h, i, rng.sample(adj, len(adj)), EvaluationDeduction(2025, 40), book=TWO_VERSIONS)
        assert again == first
        assert again.content_hash() == first.content_hash()
    assert len(first.content_hash()) == 64


def test_a_change_changes_the_hash() -> None:
    home, inst, adj = mixed_inputs()
    first = build(home, inst, adj)
    home[0] = struct_replace(home[0], excluded_visit_ids=(150,))
    assert build(home, inst, adj).content_hash() != first.content_hash()
    assert build(home, inst, adj[:-1]).content_hash() != first.content_hash()


def canonical(draft: SettlementDraft) -> str:
    return json.dumps(draft.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_the_canonical_json_is_the_draft_as_sorted_json() -> None:
    home, inst, adj = mixed_inputs()
    home[0] = struct_replace(home[0], hourly_price_fen=6550)
    adj.append(Adjustment(Period(2026, 1), None, -5, '更正 "第二次" 服务\n'))
    draft = build(home, inst, adj, EvaluationDeduction(2025, 40), book=TWO_VERSIONS)
    assert draft.canonical_json() == canonical(draft)
    assert build().canonical_json() == canonical(build())


@given(st.text(min_size=1), st.integers(-(10**12), 10**12))
def test_the_canonical_json_writes_any_reason_and_amount_as_json_does(reason: str, amount: int) -> None:
    draft = build(adjustments=[Adjustment(Period(2026, 1), 3, amount, reason + "。")])
    assert draft.canonical_json() == canonical(draft)
    assert_hash_and_visit_ids_read_off_the_canonical_json(draft)


def assert_hash_and_visit_ids_read_off_the_canonical_json(draft: SettlementDraft) -> None:
    digest, visit_ids = draft.content_hash_and_visit_ids()
    assert digest == draft.content_hash()
    assert visit_ids == [json.dumps(list(x.visit_ids), separators=(",", ":")) for x in draft.lines]


def test_the_visit_ids_read_off_the_canonical_json_are_each_lines() -> None:
    home, inst, adj = mixed_inputs()
    adj.append(Adjustment(Period(2026, 1), None, -5, '"visit_ids":[9]} 更正 "visit_ids":[1,2]'))
    draft = build(home, inst, adj, EvaluationDeduction(2025, 40), book=TWO_VERSIONS)
    assert {x.kind for x in draft.lines} == {HOME, INSTITUTIONAL, ADJUSTMENT, DEDUCTION}
    assert_hash_and_visit_ids_read_off_the_canonical_json(draft)
    assert_hash_and_visit_ids_read_off_the_canonical_json(build())


def test_draft_to_dict_is_plain_json() -> None:
    home, inst, adj = mixed_inputs()
    data = build(home, inst, adj).to_dict()
    assert data["period"] == "2026-03"
    assert data["lines"][0]["kind"] == "home"
    assert isinstance(data["lines"][-1]["days"], list)
    inst_line = next(x for x in data["lines"] if x["kind"] == "institutional")
    assert inst_line["days"][0] == "2026-03-11"


@st.composite
def month_inputs(draw: st.DrawFn) -> tuple[list[HomeCareInput], list[InstitutionalCareInput]]:
    next_visit = itertools.count(1)
    home = []
    for person in draw(st.lists(st.integers(1, 50), unique=True, max_size=6)):
        days = draw(st.lists(st.integers(1, 31), max_size=40))
        mins = draw(st.lists(st.integers(0, 240), min_size=len(days), max_size=len(days)))
        price = draw(st.none() | st.integers(0, 20000))
        home.append(
            HomeCareInput(
                person,
                draw(st.integers(2, 5)),
                hourly_price_fen=price,
                visits=tuple(
                    CountedVisit(next(next_visit), date(2026, 3, d), m) for d, m in zip(days, mins, strict=True)
                ),
            )
        )
    inst = []
    for person in draw(st.lists(st.integers(1, 50), unique=True, max_size=6)):
        days = draw(st.sets(st.integers(1, 31), max_size=31))
        inst.append(
            InstitutionalCareInput(
                person, draw(st.integers(3, 5)), draw(st.integers(0, 20000)), tuple(date(2026, 3, d) for d in days)
            )
        )
    return home, inst


@settings(max_examples=60)
@given(month_inputs(), st.booleans(), st.integers(0, 100))
def test_any_month_adds_up(inputs, two_versions: bool, score: int) -> None:
    home, inst = inputs
    book = TWO_VERSIONS if two_versions else BOOK
    draft = build(home, inst, deduction=EvaluationDeduction(2025, score), book=book)
    assert draft.gross_fen == sum(x.gross_fen for x in draft.lines)
    assert draft.fund_fen + draft.personal_fen == draft.gross_fen
    for line in draft.lines:
        assert line.fund_fen + line.personal_fen == line.gross_fen
    for item in home:
        billed = sum(x.quantity for x in draft.lines if x.kind == HOME and x.person_id == item.person_id)
        cap = max(book.in_force(d).home_hours(item.level) for d in (date(2026, 3, 1), date(2026, 3, 31))) * 60
        assert billed <= min(item.verified_minutes, cap)
    for item in inst:
        days = sum(x.quantity for x in draft.lines if x.kind == INSTITUTIONAL and x.person_id == item.person_id)
        assert days == len(item.days)
    assert (
        build(
            list(reversed(home)), list(reversed(inst)), deduction=EvaluationDeduction(2025, score), book=book
        ).content_hash()
        == draft.content_hash()
    )
    assert draft.canonical_json() == canonical(draft)
    assert_hash_and_visit_ids_read_off_the_canonical_json(draft)


# ---------------------------------------------------------------------------- workflow

ROLES = [r.value for r in Role]
ALLOWED = {
    ("draft", "submit", "agency"): "submitted",
    ("draft", "submit", "bureau"): "submitted",
    ("rejected", "submit", "agency"): "submitted",
    ("rejected", "submit", "bureau"): "submitted",
    ("submitted", "approve", "bureau"): "approved",
    ("submitted", "reject", "bureau"): "rejected",
    ("approved", "pay", "bureau"): "paid",
    ("draft", "rebuild", "bureau"): "draft",
    ("rejected", "rebuild", "bureau"): "draft",
}
ROLES_FOR = {
    "submit": {"agency", "bureau"},
    "approve": {"bureau"},
    "reject": {"bureau"},
    "pay": {"bureau"},
    "rebuild": {"bureau"},  # only the bureau builds a month
}


def test_the_statuses_and_actions() -> None:
    assert STATUSES == ("draft", "submitted", "approved", "rejected", "paid")
    assert set(TRANSITIONS) == set(ROLES_FOR)


@pytest.mark.parametrize(("status", "action", "role"), list(itertools.product(STATUSES, ROLES_FOR, ROLES)))
def test_every_transition(status: str, action: str, role: str) -> None:
    if (status, action, role) in ALLOWED:
        assert transition(status, action, role, reason="wrong hours") == ALLOWED[(status, action, role)]
    elif role not in ROLES_FOR[action]:
        with pytest.raises(Forbidden) as err:
            transition(status, action, role, reason="wrong hours")
        assert err.value.code == "role_not_allowed"
    else:
        with pytest.raises(Conflict) as err:
            transition(status, action, role, reason="wrong hours")
        assert err.value.code == "invalid_transition"


def test_a_rejection_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as err:
        transition("submitted", "reject", "bureau", reason="  ")
    assert err.value.code == "reason_required"
    assert transition("submitted", "approve", "bureau") == "approved"


def test_roles_may_be_given_as_the_enum_and_unknown_actions_are_refused() -> None:
    assert transition("approved", "pay", Role.BUREAU) == "paid"
    with pytest.raises(InvalidInput) as err:
        transition("draft", "delete", "bureau")
    assert err.value.code == "unknown_action"


def test_approved_and_paid_never_change() -> None:
    for status, action in itertools.product(("approved", "paid"), ("rebuild", "submit", "approve", "reject")):
        with pytest.raises(Conflict):
            transition(status, action, "bureau", reason="x")
    with pytest.raises(Conflict):
        transition("paid", "pay", "bureau")


def test_a_full_round_trip() -> None:
    status = "draft"
    for action, role in [
        ("submit", "agency"),
        ("reject", "bureau"),
        ("rebuild", "bureau"),
        ("submit", "agency"),
        ("approve", "bureau"),
        ("pay", "bureau"),
    ]:
        status = transition(status, action, role, reason="hours do not match the plan")
    assert status == "paid"


def test_visits_helper_days() -> None:
    # a guard on the helper used above: ids run on, days are as given
    assert visits(5, [1, 2]) == (CountedVisit(5, date(2026, 3, 1), 60), CountedVisit(6, date(2026, 3, 2), 60))
    assert MARCH.first_day + timedelta(days=30) == MARCH.last_day


def test_home_amounts_remembered_are_those_computed_and_a_float_is_still_refused() -> None:
    from fractions import Fraction

    from ltc.domain.money import share_fen, split
    from ltc.domain.settlement import _home_amounts

    for price, minutes, share in ((6000, 1201, Decimal("0.90")), (6550, 37, Decimal("0.7")), (0, 5, Decimal(1))):
        for _ in range(2):  # computed, then remembered
            gross = share_fen(price * minutes, Fraction(1, 60))
            assert _home_amounts(price, minutes, share) == (gross, *split(gross, share))
    with pytest.raises(TypeError):
        _home_amounts(6000.0, 1201, Decimal("0.90"))


@pytest.mark.parametrize(("status", "role"), list(itertools.product(STATUSES, ROLES)))
def test_the_actions_offered_are_exactly_those_transition_accepts(status: str, role: str) -> None:
    offered = available_actions(status, role)
    accepted = [action for action in TRANSITIONS if (status, action, role) in ALLOWED]
    assert offered == accepted
