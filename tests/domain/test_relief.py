"""Relief of the personal share (一站式): who is relieved in a month (enrolled on its last day in
a group the version in force names), how much (the version's share of the personal share,
rounded half up once), on which lines (care lines and the adjustments of relieved months),
the settlement's totals and content hash, the ledger's ``relief_due``, and the rows of the
civil-affairs file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ltc.domain import ledger, relief
from ltc.domain.errors import InvalidInput
from ltc.domain.periods import Period
from ltc.domain.policy import Policy, PolicyBook
from ltc.domain.registry import RegistryColumns
from ltc.domain.settlement import (
    ADJUSTMENT,
    HOME,
    INSTITUTIONAL,
    Adjustment,
    CountedVisit,
    HomeCareInput,
    InstitutionalCareInput,
    SettlementLine,
    build_settlement,
)

V1 = Policy(version="2020", effective_from=date(2020, 1, 1), relief_groups=("medical_aid", "dibao"))
HALF = replace(
    V1, version="half", effective_from=date(2026, 4, 1), relief_groups=("dibao",), relief_share=Decimal("0.5")
)
BOOK = PolicyBook(city="test", versions=(V1, HALF))
MARCH, APRIL = Period(2026, 3), Period(2026, 4)


def home(person: int, period: Period = MARCH, minutes: int = 90) -> HomeCareInput:
    return HomeCareInput(person, 3, (CountedVisit(person * 10, date(period.year, period.month, 5), minutes),))


# ------------------------------------------------------------------------------ the rule


def test_enrolled_on_the_months_last_day_decides_the_month() -> None:
    last = MARCH.last_day
    assert relief.month_relief_group([relief.Enrolment("dibao", date(2026, 3, 31))], last, V1) == "dibao"
    assert relief.month_relief_group([relief.Enrolment("dibao", date(2025, 1, 1), date(2026, 3, 30))], last, V1) is None
    assert relief.month_relief_group([relief.Enrolment("dibao", date(2026, 4, 1))], last, V1) is None
    assert relief.month_relief_group([relief.Enrolment("dibao", date(2025, 1, 1), last)], last, V1) == "dibao"
    # a group the version does not name relieves nothing
    assert relief.month_relief_group([relief.Enrolment("tekun", date(2025, 1, 1))], last, V1) is None
    assert relief.month_relief_group([relief.Enrolment("medical_aid", date(2025, 1, 1))], APRIL.last_day, HALF) is None


@given(personal=st.integers(-(10**9), 10**9), tenths=st.integers(0, 10))
def test_the_relief_is_the_share_rounded_half_up_and_never_beyond_the_personal_share(
    personal: int, tenths: int
) -> None:
    share = Decimal(tenths) / 10
    amount = relief.relief_fen(personal, share)
    assert abs(amount - personal * share) <= Decimal("0.5")
    assert relief.relief_fen(-personal, share) == -amount  # a correction takes back what it gave
    relief.check_relief(personal, amount)


def test_the_relief_rounds_a_half_fen_up() -> None:
    assert relief.relief_fen(1015, Decimal("0.5")) == 508
    assert relief.relief_fen(-1015, Decimal("0.5")) == -508
    assert relief.relief_fen(1015, Decimal("1")) == 1015


def test_a_line_refuses_a_relief_beyond_its_personal_share() -> None:
    with pytest.raises(InvalidInput):
        SettlementLine(HOME, 1, 3, 60, "minute", 6000, 6000, 5400, 600, relief_fen=601)
    with pytest.raises(InvalidInput):
        SettlementLine(HOME, 1, 3, 60, "minute", 6000, 6000, 5400, 600, relief_fen=-1)


# ------------------------------------------------------------------------------ the settlement


def test_an_enrolled_persons_care_lines_carry_the_relief_and_the_totals_sum_it() -> None:
    enrolled = {1: [relief.Enrolment("dibao", date(2026, 3, 15))], 2: [relief.Enrolment("tekun", date(2026, 1, 1))]}
    inst = InstitutionalCareInput(3, 4, 20000, (date(2026, 3, 1), date(2026, 3, 2)))
    enrolled[3] = [relief.Enrolment("medical_aid", date(2020, 1, 1))]
    draft = build_settlement(9, MARCH, [home(1), home(2)], [inst], policy_for=BOOK.in_force, enrolments=enrolled)
    by_person = {(x.kind, x.person_id): x for x in draft.lines}
    assert by_person[(HOME, 1)].relief_fen == by_person[(HOME, 1)].personal_fen > 0
    assert by_person[(HOME, 2)].relief_fen == 0  # tekun is not named by the version
    assert by_person[(INSTITUTIONAL, 3)].relief_fen == by_person[(INSTITUTIONAL, 3)].personal_fen > 0
    assert draft.relief_fen == sum(x.relief_fen for x in draft.lines) > 0
    plain = build_settlement(9, MARCH, [home(1), home(2)], [inst], policy_for=BOOK.in_force)
    assert plain.relief_fen == 0
    assert plain.content_hash() != draft.content_hash()  # the hash covers the relief
    assert '"relief_fen"' in draft.canonical_json()


def test_the_version_in_force_on_the_last_day_gives_the_groups_and_the_share() -> None:
    enrolled = {
        1: [relief.Enrolment("dibao", date(2020, 1, 1))],
        2: [relief.Enrolment("medical_aid", date(2020, 1, 1))],
    }
    draft = build_settlement(
        9, APRIL, [home(1, APRIL, 61), home(2, APRIL)], [], policy_for=BOOK.in_force, enrolments=enrolled
    )
    one, two = (next(x for x in draft.lines if x.person_id == p) for p in (1, 2))
    assert one.relief_fen == relief.relief_fen(one.personal_fen, Decimal("0.5"))
    assert two.relief_fen == 0


def test_a_correction_of_a_relieved_month_carries_its_relief() -> None:
    enrolled = {1: [relief.Enrolment("dibao", date(2026, 3, 1), date(2026, 3, 31))]}
    back = Adjustment(MARCH, 1, -1000, "复核更正", fund_fen=-900)
    other = Adjustment(MARCH, 2, 1000, "复核更正", fund_fen=900)
    draft = build_settlement(9, APRIL, [], [], [back, other], policy_for=BOOK.in_force, enrolments=enrolled)
    lines = {x.person_id: x for x in draft.lines if x.kind == ADJUSTMENT}
    assert lines[1].personal_fen == -100 and lines[1].relief_fen == -100  # March's version, March's enrolment
    assert lines[2].relief_fen == 0
    assert draft.relief_fen == -100


# ------------------------------------------------------------------------------ the ledger


def test_the_approval_owes_the_provider_the_fund_amount_and_the_relief() -> None:
    entry = ledger.entry_for_approval(1, 7, 9000, None, 1000)
    totals = ledger.balances([entry])
    assert totals == {ledger.CARE_EXPENSE: 9000, ledger.RELIEF_DUE: 1000, ledger.payable(7): 10000}
    paid = ledger.entry_for_payment(1, 7, 10000)
    back = ledger.entry_for_relief_reimbursement("2026-03", 1000)
    after = ledger.balances([entry, paid, back])
    assert after[ledger.RELIEF_DUE] == 0 and after[ledger.payable(7)] == 0
    assert after[ledger.FUND_BANK] == -9000  # the fund bore its own share only
    assert back.source_id == "relief:2026-03:reimburse:1"
    returned = ledger.entry_for_relief_reimbursement("2026-03", -400, 2)
    assert returned.source_id == "relief:2026-03:reimburse:2"
    assert ledger.balances([returned]) == {ledger.FUND_BANK: -400, ledger.RELIEF_DUE: 400}
    with pytest.raises(InvalidInput):
        ledger.entry_for_relief_reimbursement("2026-03", 0)


@given(
    fund=st.integers(-(10**8), 10**8),
    relieved=st.integers(0, 10**7),
    offsets=st.dictionaries(st.sampled_from([ledger.receivable(7), ledger.reserve(7)]), st.integers(-(10**6), 10**6)),
)
def test_an_approval_with_relief_balances_and_owes_fund_plus_relief(fund: int, relieved: int, offsets: dict) -> None:
    assume(fund or relieved or any(offsets.values()))  # an entry of nothing but zeros has no postings
    entry = ledger.entry_for_approval(1, 7, fund, offsets, relieved)
    totals = ledger.balances([entry])
    assert totals.get(ledger.payable(7), 0) == fund + relieved
    assert totals.get(ledger.RELIEF_DUE, 0) == relieved
    assert totals.get(ledger.CARE_EXPENSE, 0) == fund + sum(offsets.values())


# ------------------------------------------------------------------------------ the civil-affairs file

COLUMNS = relief.read_header(["身份证号码", "姓名", "救助类别", "起始日期", "终止日期"])
GROUPS = ("medical_aid", "dibao")
TODAY = date(2026, 12, 1)
GOOD = "11010519491231002X"


def test_the_header_needs_the_id_number_the_group_and_the_start() -> None:
    assert isinstance(COLUMNS, RegistryColumns)
    assert relief.read_header(["id_number", "name", "group", "from", "to"]).positions == COLUMNS.positions
    with pytest.raises(InvalidInput) as refused:
        relief.read_header(["身份证号码", "姓名"])
    assert refused.value.code == "registry_columns_missing"


def test_rows_are_read_or_refused_with_stable_codes() -> None:
    rows = [
        (2, [GOOD, "张三", "低保", "2026-01-01", ""]),
        (3, [GOOD, "张三", "医疗救助", "2026/02/01", "2026-06-30"]),
        (4, ["110105194912310021", "李四", "低保", "2026-01-01", ""]),
        (5, [GOOD, "张三", "五保", "2026-01-01", ""]),
        (6, [GOOD, "张三", "低保", "", ""]),
        (7, [GOOD, "张三", "低保", "someday", ""]),
        (8, [GOOD, "张三", "低保", "2026-05-01", "2026-04-30"]),
        (9, ["", "", "", "", ""]),
    ]
    checked = relief.check_rows(rows, COLUMNS, GROUPS, TODAY)
    assert [(r.row, r.group, r.from_day, r.to_day) for r in checked.rows] == [
        (2, "dibao", date(2026, 1, 1), None),
        (3, "medical_aid", date(2026, 2, 1), date(2026, 6, 30)),
    ]
    assert [(r.row, r.field, r.code) for r in checked.refusals] == [
        (4, "id_number", "id_number_check_digit"),
        (5, "group", "relief_group_unknown"),
        (6, "from", "relief_from_missing"),
        (7, "from", "relief_from_invalid"),
        (8, "to", "relief_to_before_from"),
    ]


def test_a_group_the_policy_does_not_name_is_refused_even_if_spelled_right() -> None:
    checked = relief.check_rows([(2, [GOOD, "张三", "特困", "2026-01-01", ""])], COLUMNS, GROUPS, TODAY)
    assert [r.code for r in checked.refusals] == ["relief_group_unknown"]
    checked = relief.check_rows([(2, [GOOD, "张三", "特困", "2026-01-01", ""])], COLUMNS, (*GROUPS, "tekun"), TODAY)
    assert checked.rows[0].group == "tekun"


def test_names_are_compared_only_when_given() -> None:
    assert relief.names_agree("", "张三")
    assert relief.names_agree(" 张 三", "张三")
    assert not relief.names_agree("李四", "张三")
