"""The sanctions ladder, credit, and the ledger entries and settlement lines of recoveries and
penalties, worked by hand."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain import inspection_outcomes as rules
from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.ledger import (
    CARE_EXPENSE,
    PENALTY_INCOME,
    balances,
    entry_for_approval,
    entry_for_penalty,
    entry_for_recovery,
    payable,
    receivable,
)
from ltc.domain.periods import Period
from ltc.domain.policy import Policy
from ltc.domain.settlement import Netting, approval_offsets, build_settlement, netting_line

TODAY = date(2026, 12, 7)
T = rules.OutcomeTaken


def check(action: str, taken: list[rules.OutcomeTaken] = [], found: int = 0, **kw: object) -> None:  # noqa: B006
    request = rules.OutcomeRequest(action, **kw)  # type: ignore[arg-type]
    rules.check_outcome(request, case_open=True, taken=taken, found_fen=found, today=TODAY)


def code_of(action: str, taken: list[rules.OutcomeTaken] = [], found: int = 0, **kw: object) -> str:  # noqa: B006
    with pytest.raises((Conflict, InvalidInput)) as err:
        check(action, taken, found, **kw)
    return err.value.code


def test_every_rung_is_open_on_a_fresh_case_and_none_on_a_closed_one() -> None:
    assert rules.available_actions(True, []) == list(rules.OUTCOME_ACTIONS)
    assert rules.available_actions(False, []) == []
    with pytest.raises(Conflict) as err:
        rules.check_outcome(rules.OutcomeRequest("interview"), case_open=False, taken=[], found_fen=0, today=TODAY)
    assert err.value.code == "inspection_closed"


def test_a_rectification_needs_a_deadline_after_today_and_one_at_a_time() -> None:
    assert code_of("rectify") == "deadline_required"
    assert code_of("rectify", deadline=TODAY) == "deadline_not_future"
    check("rectify", deadline=date(2026, 12, 31))
    pending = [T("rectify", rules.AWAITING)]
    assert code_of("rectify", pending, deadline=date(2026, 12, 31)) == "rectification_pending"
    assert "rectify" not in rules.available_actions(True, pending)
    assert "interview" in rules.available_actions(True, pending)  # other rungs stay open meanwhile


def test_a_failed_follow_up_calls_for_the_next_rung() -> None:
    failed = [T("interview"), T("rectify", rules.FAILED)]
    assert rules.next_rung(failed) == "suspend"
    assert code_of("interview", failed) == "rung_passed"
    assert code_of("rectify", failed, deadline=date(2027, 1, 5)) == "rung_passed"
    assert rules.available_actions(True, failed) == ["suspend", "terminate", "recover", "penalty", "refer", "bar"]
    after_suspension = [*failed, T("suspend"), T("rectify", rules.FAILED)]
    assert rules.next_rung(after_suspension) == "terminate"
    assert rules.next_rung([T("rectify", rules.PASSED)]) is None
    assert rules.next_rung([T("rectify", rules.FAILED), T("rectify", rules.PASSED)]) is None


def test_suspend_and_terminate_once() -> None:
    assert code_of("suspend", [T("suspend")]) == "already_taken"
    assert code_of("terminate", [T("terminate")]) == "already_taken"
    check("terminate", [T("suspend")])


def test_recoveries_need_an_amount_within_what_the_findings_found() -> None:
    assert code_of("recover", found=10_000) == "amount_required"
    assert code_of("penalty", amount_fen=0) == "amount_required"
    check("recover", found=10_000, amount_fen=10_000)
    taken = [T("recover", amount_fen=6_000)]
    assert code_of("recover", taken, found=10_000, amount_fen=4_001) == "recovery_exceeds_findings"
    check("recover", taken, found=10_000, amount_fen=4_000)
    check("penalty", taken, found=0, amount_fen=50_000)  # a penalty is not bounded by the findings


def test_referral_and_bar_say_where_and_how_long() -> None:
    assert code_of("refer") == "referral_required"
    check("refer", referred_to="police")
    assert code_of("bar", bar_years=6) == "bar_years_invalid"
    assert code_of("bar") == "bar_years_invalid"
    check("bar", bar_years=5)
    assert code_of("flog") == "invalid_outcome"


def test_follow_up_and_closing() -> None:
    rules.check_follow_up(T("rectify", rules.AWAITING), case_open=True)
    for taken in (T("rectify", rules.PASSED), T("interview")):
        with pytest.raises(Conflict) as err:
            rules.check_follow_up(taken, case_open=True)
        assert err.value.code == "no_follow_up_due"
    with pytest.raises(Conflict):
        rules.check_closing(True, [T("rectify", rules.AWAITING)], "done")
    with pytest.raises(InvalidInput) as err:
        rules.check_closing(True, [], " ")
    assert err.value.code == "summary_required"
    rules.check_closing(True, [T("rectify", rules.FAILED)], "sanctioned")
    assert rules.overdue(date(2026, 12, 6), rules.AWAITING, TODAY)
    assert not rules.overdue(TODAY, rules.AWAITING, TODAY)
    assert not rules.overdue(date(2026, 12, 1), rules.PASSED, TODAY)


def test_credit_points_levels_and_bars() -> None:
    policy = Policy(version="t", effective_from=date(2020, 1, 1))
    table = policy.finding_credit_points
    assert rules.finding_points("false_claim", table) == 20
    with pytest.raises(InvalidInput):
        rules.finding_points("jaywalking", table)
    assert rules.credit_points(100, [-20, -15]) == 65
    assert rules.credit_points(100, [-60, -60]) == 0
    levels = policy.credit_level_points
    assert [rules.credit_level(p, levels) for p in (100, 90, 89, 75, 74, 60, 59, 0)] == list("AABBCCDD")
    assert rules.bar_until(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert rules.bar_until(date(2026, 12, 7), 5) == date(2031, 12, 7)
    assert rules.barred([date(2026, 12, 6), None], TODAY) is None
    assert rules.barred([date(2026, 12, 7), date(2030, 1, 1)], TODAY) == date(2030, 1, 1)


def test_a_policy_file_keeps_the_category_names() -> None:
    raw = Policy(version="t", effective_from=date(2020, 1, 1)).to_dict()
    again = Policy.from_dict(raw | {"finding_credit_points": {"false_claim": "25"}})
    assert again.finding_credit_points == {"false_claim": 25}
    assert again.credit_level_points == {"A": 90, "B": 75, "C": 60}


def test_a_recovery_and_a_penalty_by_hand_then_netted_by_an_approval() -> None:
    recovery = entry_for_recovery(7, 3, 5, 12_000)
    penalty = entry_for_penalty(7, 4, 5, 3_000)
    assert (recovery.source_id, penalty.source_id) == ("inspection:7:outcome:3", "inspection:7:outcome:4")
    assert balances([recovery, penalty]) == {CARE_EXPENSE: -12_000, PENALTY_INCOME: 3_000, receivable(5): 15_000}
    with pytest.raises(InvalidInput):
        entry_for_recovery(7, 5, 5, 0)
    # the next month: 50 000 of care, less both nettings, paid 35 000
    lines = [("home", 50_000), ("recovery", -12_000), ("recovery", -3_000)]
    approval = entry_for_approval(9, 5, 35_000, approval_offsets(5, lines))
    totals = balances([recovery, penalty, approval])
    assert totals[receivable(5)] == 0
    assert (totals[CARE_EXPENSE], totals[payable(5)], totals[PENALTY_INCOME]) == (38_000, 35_000, 3_000)


def test_a_netting_line_takes_the_amount_off_the_fund_and_names_its_outcome() -> None:
    line = netting_line(Netting(outcome_id=3, amount_fen=12_000, note="inspection 7 recovery"))
    assert (line.kind, line.gross_fen, line.fund_fen, line.personal_fen, line.outcome_id) == (
        "recovery",
        -12_000,
        -12_000,
        0,
        3,
    )
    with pytest.raises(InvalidInput):
        netting_line(Netting(outcome_id=3, amount_fen=0, note=""))
    policy = Policy(version="t", effective_from=date(2020, 1, 1))
    draft = build_settlement(
        5,
        Period.parse("2026-11"),
        [],
        [],
        policy_for=lambda _: policy,
        nettings=[Netting(4, 3_000, "b"), Netting(3, 12_000, "a")],
    )
    assert [x.outcome_id for x in draft.lines] == [3, 4]
    assert draft.fund_fen == -15_000


@given(
    st.lists(
        st.tuples(st.sampled_from(["recover", "penalty"]), st.integers(1, 10**7), st.booleans()),
        max_size=12,
    ),
    st.integers(0, 10**8),
)
def test_random_recoveries_and_penalties_balance_and_net_to_nothing(
    impositions: list[tuple[str, int, bool]], care_fen: int
) -> None:
    """Whatever is imposed and then netted (or left open), the ledger balances, no source is
    booked twice, and the receivable is exactly what is still open."""
    entries = []
    netted: list[tuple[str, int]] = []
    open_fen = 0
    for n, (action, amount, nets) in enumerate(impositions, start=1):
        make = entry_for_recovery if action == "recover" else entry_for_penalty
        entries.append(make(1, n, 2, amount))
        if nets:
            netted.append(("recovery", -amount))
        else:
            open_fen += amount
    fund = care_fen - sum(-x for _, x in netted)
    entries.append(entry_for_approval(1, 2, fund, approval_offsets(2, [("home", care_fen), *netted])))
    totals = balances(entries)  # raises on a source booked twice
    assert sum(e.debit_fen for e in entries) == sum(e.credit_fen for e in entries)
    assert totals.get(receivable(2), 0) == open_fen
    assert totals.get(payable(2), 0) == fund


def test_a_held_person_has_no_care_line_but_a_zero_line_saying_why() -> None:
    from ltc.domain.settlement import HomeCareInput, InstitutionalCareInput, VisitGroup

    policy = Policy(version="t", effective_from=date(2020, 1, 1))
    day = date(2026, 11, 3)
    home = [
        HomeCareInput(1, 3, (), (), 6000, (VisitGroup((11,), day, day, 60),)),
        HomeCareInput(2, 3, (), (), 6000, (VisitGroup((12,), day, day, 60),)),
    ]
    bed = [InstitutionalCareInput(3, 4, 5000, (day,))]
    draft = build_settlement(
        5, Period.parse("2026-11"), home, bed, policy_for=lambda _: policy, held={2: "虚假服务调查中", 9: "x"}
    )
    assert [(x.kind, x.person_id, x.fund_fen) for x in draft.lines] == [
        ("home", 1, 5400),
        ("institutional", 3, 3750),
        ("held", 2, 0),
    ]
    assert draft.lines[-1].note == "虚假服务调查中" and draft.fund_fen == 9150
