"""Settlement branches the month-by-month tests do not reach: corrections of a person who
is in only one of the two months, a person with two lines, a month of leave days only, the
level and policy version each line names, and every refusal with its code."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from msgspec.structs import replace as struct_replace

from ltc.domain.errors import InvalidInput
from ltc.domain.periods import Period
from ltc.domain.policy import PolicyBook
from ltc.domain.settlement import (
    ADJUSTMENT,
    DEDUCTION,
    HOME,
    INSTITUTIONAL,
    Adjustment,
    CountedVisit,
    EvaluationDeduction,
    HomeCareInput,
    InstitutionalCareInput,
    SettlementLine,
    adjustments_between,
    build_settlement,
    transition,
)
from tests.domain.test_settlement import APRIL, BOOK, MARCH, TWO_VERSIONS, V1, V2, build, visits

# ---------------------------------------------------------------------------- adjustments_between


def test_a_person_only_in_the_corrected_month_or_only_in_the_approved_one() -> None:
    # Person 2's visits reached the bureau only after approval; person 3's were withdrawn.
    person_1 = HomeCareInput(1, 3, visits=visits(1, [2]))
    person_2 = HomeCareInput(2, 3, visits=visits(10, [3, 4], minutes=30))  # 1 h: 6,000 gross, 5,400 fund
    person_3 = InstitutionalCareInput(3, 4, 9000, (date(2026, 3, 1), date(2026, 3, 2)))  # 2 × 70 yuan, 75 %
    approved = build(home=[person_1], institutional=[person_3])
    corrected = build(home=[person_1, person_2])
    assert adjustments_between(approved, corrected, "late records") == [
        Adjustment(MARCH, 2, 6000, "late records", fund_fen=5400),
        Adjustment(MARCH, 3, -14000, "late records", fund_fen=-10500),
    ]
    # and the other way round: the corrections undo each other
    assert adjustments_between(corrected, approved, "undo") == [
        Adjustment(MARCH, 2, -6000, "undo", fund_fen=-5400),
        Adjustment(MARCH, 3, 14000, "undo", fund_fen=10500),
    ]


def test_adjustments_come_by_person_with_the_provider_wide_deduction_last() -> None:
    before = build(
        home=[HomeCareInput(1, 3, visits=visits(1, [2])), HomeCareInput(16, 3, visits=visits(5, [2]))],
        deduction=EvaluationDeduction(2025, 10),
    )
    after = build(
        home=[HomeCareInput(1, 3, visits=visits(1, [2, 3])), HomeCareInput(16, 3, visits=visits(5, [2, 3]))],
        deduction=EvaluationDeduction(2025, 10),
    )
    found = adjustments_between(before, after, "x")
    # (persons 1 and 16: a set of them iterates 16 first, so only sorting puts 1 first)
    # one more hour each: 6,000 gross, 5,400 fund; the deduction grows by 5 % of 10,800
    assert [(a.person_id, a.amount_fen, a.fund_fen) for a in found] == [
        (1, 6000, 5400),
        (16, 6000, 5400),
        (None, -540, -540),
    ]


def test_a_person_with_two_lines_in_a_month_is_adjusted_by_both_together() -> None:
    # Visits before and after the mid-March version: one line under each.
    approved = build(home=[HomeCareInput(1, 3, visits=visits(1, [2, 20]))], book=TWO_VERSIONS)
    assert [x.policy_version for x in approved.lines] == ["2020", "2026b"]
    corrected = build(home=[HomeCareInput(1, 3, visits=visits(1, [2, 20, 21]))], book=TWO_VERSIONS)
    # approved: 60 yuan (fund 54) + 70 yuan (fund 59.50); corrected adds another 70 yuan hour
    assert adjustments_between(approved, corrected, "visit 3 found") == [
        Adjustment(MARCH, 1, 7000, "visit 3 found", fund_fen=5950)
    ]
    # a visit moved from one version to the other changes both lines: the person's sum counts
    moved = build(home=[HomeCareInput(1, 3, visits=visits(1, [2, 2]))], book=TWO_VERSIONS)
    assert adjustments_between(approved, moved, "day corrected") == [
        Adjustment(MARCH, 1, -1000, "day corrected", fund_fen=-550)
    ]


def test_the_adjustments_of_a_month_are_not_adjusted_again() -> None:
    earlier = Adjustment(Period(2026, 2), 9, 5000, "February visits")
    approved = build(home=[HomeCareInput(1, 3, visits=visits(1, [2]))], adjustments=[earlier])
    corrected = build(home=[HomeCareInput(1, 3, visits=visits(1, [2]))])
    assert adjustments_between(approved, corrected, "x") == []


@pytest.mark.parametrize("other", ["provider", "period"])
def test_both_settlements_must_be_of_the_same_provider_and_month(other: str) -> None:
    march = build(home=[HomeCareInput(1, 3, visits=visits(1, [2]))])
    if other == "provider":
        different = build_settlement(
            8, MARCH, [HomeCareInput(1, 3, visits=visits(1, [2]))], [], policy_for=BOOK.in_force
        )
    else:
        different = build(home=[HomeCareInput(1, 3, visits=visits(1, [2], period=APRIL))], period=APRIL)
    with pytest.raises(InvalidInput) as err:
        adjustments_between(march, different, "x")
    assert err.value.code == "settlement_mismatch"


# ---------------------------------------------------------------------------- institutional care


def test_a_month_of_leave_days_only_gives_a_zero_line_listing_them() -> None:
    leave = (date(2026, 3, 20), date(2026, 3, 3), date(2026, 3, 20))
    (line,) = build(institutional=[InstitutionalCareInput(4, 4, 9000, (), leave_days=leave)], book=TWO_VERSIONS).lines
    assert (line.kind, line.person_id, line.level) == (INSTITUTIONAL, 4, 4)
    assert (line.quantity, line.gross_fen, line.fund_fen, line.personal_fen) == (0, 0, 0, 0)
    assert line.leave_days == (date(2026, 3, 3), date(2026, 3, 20))  # sorted, each once
    assert line.days == ()
    assert line.policy_version == "2020"  # the version of the month's first day
    assert line.unit_price_fen == 7000
    assert "2 leave day(s) not counted" in line.note
    assert build(institutional=[InstitutionalCareInput(4, 4, 9000, ())]).lines == ()


def test_leave_days_are_listed_on_the_first_line_only() -> None:
    leave = (date(2026, 3, 20),)
    days = tuple(d for d in MARCH.dates() if d not in leave)
    first, second = build(
        institutional=[InstitutionalCareInput(4, 4, 9000, days, leave_days=leave)], book=TWO_VERSIONS
    ).lines
    assert (first.policy_version, first.leave_days, first.quantity) == ("2020", leave, 15)
    assert (second.policy_version, second.leave_days, second.quantity) == ("2026b", (), 15)
    assert "leave" not in second.note


def test_a_price_below_the_cap_is_not_marked_capped() -> None:
    (at_cap,) = build(institutional=[InstitutionalCareInput(4, 4, 7000, (date(2026, 3, 2),))]).lines
    assert at_cap.unit_price_fen == 7000 and "(capped)" not in at_cap.note
    (above,) = build(institutional=[InstitutionalCareInput(4, 4, 7001, (date(2026, 3, 2),))]).lines
    assert above.unit_price_fen == 7000 and "(capped)" in above.note


# ---------------------------------------------------------------------------- what each line names


def test_each_line_names_the_persons_level_and_the_version_it_was_priced_by() -> None:
    draft = build(
        home=[HomeCareInput(1, 5, visits=visits(1, [2, 20]))],
        institutional=[InstitutionalCareInput(2, 4, 9000, (date(2026, 3, 1), date(2026, 3, 31)))],
        adjustments=[Adjustment(Period(2026, 2), 1, 100, "February")],
        deduction=EvaluationDeduction(2025, 10),
        book=TWO_VERSIONS,
    )
    assert [(x.kind, x.person_id, x.level, x.policy_version) for x in draft.lines] == [
        (HOME, 1, 5, "2020"),
        (HOME, 1, 5, "2026b"),
        (INSTITUTIONAL, 2, 4, "2020"),
        (INSTITUTIONAL, 2, 4, "2026b"),
        (ADJUSTMENT, 1, None, ""),
        (DEDUCTION, None, None, "2026b"),
    ]


def test_the_deduction_follows_the_version_in_force_on_the_last_day() -> None:
    stricter = replace(V2, evaluation_pass_score=70, evaluation_deduction_share=Decimal("0.10"))
    book = PolicyBook(city="t", versions=(V1, stricter))
    home = [HomeCareInput(1, 3, visits=visits(1, [2]))]  # fund 5,400 under 2020
    draft = build(home=home, deduction=EvaluationDeduction(2025, 65), book=book)
    deduction = draft.lines[-1]
    # 65 passes 2020's 60 but not 2026b's 70, which is in force on 31 March: 10 % of 5,400
    assert (deduction.kind, deduction.policy_version, deduction.fund_fen) == (DEDUCTION, "2026b", -540)
    assert (deduction.quantity, deduction.unit, deduction.level) == (65, "score", None)
    assert "2025 annual evaluation 65 < 70" in deduction.note
    assert all(x.kind != DEDUCTION for x in build(home=home, deduction=EvaluationDeduction(2025, 70), book=book).lines)


def test_an_adjustment_line() -> None:
    (line,) = build(adjustments=[Adjustment(Period(2026, 2), None, -300, "  provider-wide refund ")]).lines
    assert (line.kind, line.person_id, line.level, line.quantity, line.unit, line.unit_price_fen) == (
        ADJUSTMENT,
        None,
        None,
        0,
        "",
        None,
    )
    assert (line.gross_fen, line.fund_fen, line.personal_fen) == (-300, -300, 0)
    assert (line.adjusts_period, line.note) == ("2026-02", "provider-wide refund")
    with pytest.raises(TypeError):
        build(adjustments=[Adjustment(Period(2026, 2), 1, 300, "x", fund_fen=2.5)])  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "item",
    [
        HomeCareInput(1, 3, visits=visits(1, [2]), hourly_price_fen=-1),
        InstitutionalCareInput(1, 3, -1, (date(2026, 3, 2),)),
    ],
)
def test_a_negative_price_is_refused(item: HomeCareInput | InstitutionalCareInput) -> None:
    with pytest.raises(InvalidInput) as err:
        if isinstance(item, HomeCareInput):
            build(home=[item])
        else:
            build(institutional=[item])
    assert err.value.code == "invalid_price"


def test_a_price_of_nothing_bills_nothing() -> None:
    (home,) = build(home=[HomeCareInput(1, 3, visits=visits(1, [2]), hourly_price_fen=0)]).lines
    (inst,) = build(institutional=[InstitutionalCareInput(2, 3, 0, (date(2026, 3, 2),))]).lines
    assert (home.unit_price_fen, home.quantity, home.gross_fen) == (0, 60, 0)
    assert (inst.unit_price_fen, inst.quantity, inst.gross_fen) == (0, 1, 0)


def test_minutes_below_zero_are_refused_and_zero_minutes_count_as_nothing() -> None:
    with pytest.raises(InvalidInput) as err:
        build(home=[HomeCareInput(1, 3, visits=(CountedVisit(1, date(2026, 3, 2), -1),))])
    assert err.value.code == "invalid_minutes"
    (line,) = build(home=[HomeCareInput(1, 3, visits=(CountedVisit(1, date(2026, 3, 2), 0),))]).lines
    assert (line.visit_ids, line.quantity, line.gross_fen) == ((1,), 0, 0)


def line(**changes: object) -> SettlementLine:
    fields = {
        "kind": HOME,
        "person_id": 1,
        "level": 3,
        "quantity": 60,
        "unit": "minute",
        "unit_price_fen": 6000,
        "gross_fen": 6000,
        "fund_fen": 5400,
        "personal_fen": 600,
    }
    return SettlementLine(**(fields | changes))  # type: ignore[arg-type]


def test_a_line_of_an_unknown_kind_or_whose_shares_do_not_add_up_is_refused() -> None:
    assert line().gross_fen == 6000
    for changes in ({"kind": "bonus"}, {"fund_fen": 5401}, {"personal_fen": 0}, {"gross_fen": 5999}):
        with pytest.raises(InvalidInput) as err:
            line(**changes)
        assert err.value.code == "invalid_line"
    for field in ("quantity", "gross_fen", "verified_minutes"):
        with pytest.raises(TypeError):
            line(**{field: 1.0})
    with pytest.raises(TypeError):
        line(fund_fen=5400.0, personal_fen=600)
    with pytest.raises(TypeError):
        line(fund_fen=5400, personal_fen=600.0)


def test_a_rejection_without_a_reason_is_refused() -> None:
    for given in ({}, {"reason": ""}, {"reason": " \n"}):
        with pytest.raises(InvalidInput) as err:
            transition("submitted", "reject", "bureau", **given)
        assert err.value.code == "reason_required"
        assert err.value.errors == [{"field": "reason"}]
    assert transition("submitted", "reject", "bureau", reason="hours do not match") == "rejected"


def test_an_adjustment_without_a_reason_names_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        build(adjustments=[Adjustment(Period(2026, 2), 1, 100, "")])
    assert (err.value.code, err.value.errors) == ("reason_required", [{"field": "reason"}])


def test_the_canonical_form_of_a_line() -> None:
    data = struct_replace(line(), days=(date(2026, 3, 2),), visit_ids=(5, 4)).to_dict()
    assert data["days"] == ["2026-03-02"] and data["visit_ids"] == [5, 4]
    assert list(data) == list(SettlementLine.__struct_fields__)  # every field, in its order


# ---------------------------------------------------------------------------- more than two versions, order, notes


def test_minutes_billed_under_every_earlier_version_stay_billed() -> None:
    # Three versions in one month: caps of 20 h, 25 h and 30 h at level 3.
    v2 = replace(V1, version="b", effective_from=date(2026, 3, 11), home_hours_by_level={3: 25})
    v3 = replace(V1, version="c", effective_from=date(2026, 3, 21), home_hours_by_level={3: 30})
    book = PolicyBook(city="t", versions=(V1, v2, v3))
    home = HomeCareInput(
        1,
        3,
        visits=visits(1, list(range(1, 11)), minutes=120)  # 20 h under the first: all billed
        + visits(20, [12, 13], minutes=120)  # 4 h under the second: 25 − 20 = 5 h of room, all billed
        + visits(30, [22, 23, 24, 25, 26], minutes=120),  # 10 h under the third: 30 − 24 = 6 h of room
    )
    assert [(x.policy_version, x.verified_minutes, x.quantity) for x in build(home=[home], book=book).lines] == [
        ("2020", 1200, 1200),
        ("b", 240, 240),
        ("c", 600, 360),
    ]


def test_excluded_visits_are_listed_on_the_persons_first_line_only() -> None:
    home = HomeCareInput(1, 3, visits=visits(1, [2, 20]), excluded_visit_ids=(9, 8))
    first, second = build(home=[home], book=TWO_VERSIONS).lines
    assert (first.excluded_visit_ids, second.excluded_visit_ids) == ((8, 9), ())


def test_the_notes_say_how_each_line_was_priced() -> None:
    home = HomeCareInput(1, 3, visits=visits(1, list(range(1, 23))), excluded_visit_ids=(50, 51))
    inst = InstitutionalCareInput(2, 4, 9000, (date(2026, 3, 1), date(2026, 3, 2)), leave_days=(date(2026, 3, 3),))
    cheap = InstitutionalCareInput(3, 4, 5000, (date(2026, 3, 1),))
    draft = build(home=[home], institutional=[inst, cheap], deduction=EvaluationDeduction(2025, 59))
    assert [x.note for x in draft.lines] == [
        "1200 of 1320 verified minutes billed (cap 1200 min/month) at 60.00/h; 2 visit(s) excluded pending exceptions",
        "2 bed-days at 70.00/day (capped); agreed 90.00, cap 70.00; 1 leave day(s) not counted",
        "1 bed-days at 50.00/day; agreed 50.00, cap 70.00",
        # the fund's part: 108,000 + 10,500 + 3,750 = 122,250 fen
        "2025 annual evaluation 59 < 60: 5.00% of the fund amount 1,222.50 deducted",
    ]
    (plain,) = build(home=[HomeCareInput(1, 4, visits=visits(1, [2], minutes=45), hourly_price_fen=6550)]).lines
    assert plain.note == "45 of 45 verified minutes billed (cap 1500 min/month) at 65.50/h"


def test_adjustments_in_order_of_period_person_amount_and_reason() -> None:
    feb, jan = Period(2026, 2), Period(2026, 1)
    given = [
        Adjustment(feb, None, 10, "provider-wide"),
        Adjustment(feb, 12, 5, "b"),
        Adjustment(feb, 5, 700, "a"),
        Adjustment(feb, 5, 700, "a", fund_fen=600),
        Adjustment(feb, 5, 700, "0 first by reason", fund_fen=600),
        Adjustment(feb, 5, -1, "z"),
        Adjustment(jan, 99, 1, "january"),
    ]
    draft = build(adjustments=given, period=APRIL)
    assert [(x.adjusts_period, x.person_id, x.gross_fen, x.fund_fen, x.note) for x in draft.lines] == [
        ("2026-01", 99, 1, 1, "january"),
        ("2026-02", 5, -1, -1, "z"),
        ("2026-02", 5, 700, 600, "0 first by reason"),
        ("2026-02", 5, 700, 600, "a"),
        ("2026-02", 5, 700, 700, "a"),
        ("2026-02", 12, 5, 5, "b"),
        ("2026-02", None, 10, 10, "provider-wide"),
    ]
    assert draft.provider_id == 7 and draft.period == APRIL


def test_the_policy_is_asked_once_a_day() -> None:
    asked: list[date] = []

    def policy_for(day: date):  # type: ignore[no-untyped-def]
        asked.append(day)
        return TWO_VERSIONS.in_force(day)

    home = [HomeCareInput(p, 3, visits=visits(10 * p, [2, 2, 20, 20])) for p in range(1, 4)]
    inst = [InstitutionalCareInput(p, 4, 9000, (date(2026, 3, 2), date(2026, 3, 20))) for p in range(5, 8)]
    draft = build_settlement(7, MARCH, home, inst, deduction=EvaluationDeduction(2025, 10), policy_for=policy_for)
    assert len(draft.lines) == 13
    assert sorted(asked) == [date(2026, 3, 2), date(2026, 3, 20), date(2026, 3, 31)]
