from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.ledger import (
    CARE_EXPENSE,
    CONTRIBUTIONS,
    DEBIT_NORMAL,
    FUND_BANK,
    FundPosition,
    JournalEntry,
    Posting,
    account_kind,
    balances,
    entry_for_approval,
    entry_for_contribution,
    entry_for_payment,
    fund_position,
    fund_warning,
    months_payable,
    owed_to,
    payable,
    reversal_of,
)
from ltc.domain.periods import Period


def test_accounts() -> None:
    assert payable(42) == "payable:42"
    assert [account_kind(a) for a in (FUND_BANK, payable(1), CARE_EXPENSE, CONTRIBUTIONS)] == [
        "asset",
        "liability",
        "expense",
        "income",
    ]
    for bad in ("cash", "payable:", "payable:x"):
        with pytest.raises(InvalidInput) as err:
            account_kind(bad)
        assert err.value.code == "unknown_account"


def test_provider_accounts_have_their_kinds() -> None:
    from ltc.domain.ledger import PENALTY_INCOME, advance, receivable, reserve

    assert [account_kind(a) for a in (receivable(3), advance(3), reserve(3), PENALTY_INCOME)] == [
        "asset",
        "asset",
        "liability",
        "income",
    ]
    for bad in ("receivable:", "advance:x", "reserve:-1", "reserves:1"):
        with pytest.raises(InvalidInput):
            account_kind(bad)


def test_constructors_balance_and_name_their_source() -> None:
    approval = entry_for_approval(42, 7, 108000)
    assert approval.source_id == "settlement:42:approve"
    assert approval.kind == "approval"
    assert approval.postings == (Posting(CARE_EXPENSE, debit_fen=108000), Posting("payable:7", credit_fen=108000))
    payment = entry_for_payment(42, 7, 108000)
    assert payment.source_id == "settlement:42:pay"
    assert payment.postings == (Posting("payable:7", debit_fen=108000), Posting(FUND_BANK, credit_fen=108000))
    contribution = entry_for_contribution("contribution:2026-03:employers", 500000)
    assert contribution.postings == (Posting(FUND_BANK, debit_fen=500000), Posting(CONTRIBUTIONS, credit_fen=500000))
    for entry in (approval, payment, contribution):
        assert entry.debit_fen == entry.credit_fen


def test_a_negative_amount_swaps_sides() -> None:
    entry = entry_for_approval(43, 7, -2000)  # adjustments left the provider owing the fund
    assert entry.postings == (Posting("payable:7", debit_fen=2000), Posting(CARE_EXPENSE, credit_fen=2000))


def test_an_unbalanced_entry_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        JournalEntry("x:1", "manual", (Posting(FUND_BANK, debit_fen=100), Posting(CONTRIBUTIONS, credit_fen=99)))
    assert err.value.code == "unbalanced_entry"
    with pytest.raises(InvalidInput) as err:
        JournalEntry("x:1", "manual", ())
    assert err.value.code == "invalid_entry"
    with pytest.raises(InvalidInput) as err:
        JournalEntry("", "manual", (Posting(FUND_BANK, 1), Posting(CONTRIBUTIONS, 0, 1)))
    assert err.value.code == "invalid_entry"


def test_bad_postings_are_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        Posting(FUND_BANK, debit_fen=-1)
    assert err.value.code == "invalid_posting"
    with pytest.raises(InvalidInput) as err:
        Posting(FUND_BANK, debit_fen=1, credit_fen=1)
    assert err.value.code == "invalid_posting"
    with pytest.raises(TypeError):
        Posting(FUND_BANK, debit_fen=1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        entry_for_contribution("c", 10.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        Posting("petty_cash", debit_fen=1)


def test_reversal_nets_to_zero() -> None:
    approval = entry_for_approval(42, 7, 108000)
    reversal = reversal_of(approval, "settlement:42:approve:reversal")
    assert reversal.kind == "reversal"
    assert reversal.postings == (Posting(CARE_EXPENSE, credit_fen=108000), Posting("payable:7", debit_fen=108000))
    assert set(balances([approval, reversal]).values()) == {0}
    with pytest.raises(InvalidInput):
        reversal_of(approval, approval.source_id)


def test_the_same_source_is_booked_once() -> None:
    with pytest.raises(Conflict) as err:
        balances([entry_for_approval(1, 2, 100), entry_for_approval(1, 2, 100)])
    assert err.value.code == "duplicate_entry"


def scenario() -> list[JournalEntry]:
    return [
        entry_for_contribution("contribution:2026-01", 10_000_000),
        entry_for_approval(1, 1, 300_000),
        entry_for_payment(1, 1, 300_000),
        entry_for_approval(2, 2, 250_000),
        entry_for_approval(3, 1, 40_000),
        reversal_of(entry_for_approval(3, 1, 40_000), "settlement:3:approve:reversal"),
    ]


def test_balances_by_hand() -> None:
    assert balances(scenario()) == {
        CARE_EXPENSE: 550_000,
        CONTRIBUTIONS: 10_000_000,
        FUND_BANK: 9_700_000,
        "payable:1": 0,
        "payable:2": 250_000,
    }
    assert owed_to(scenario()) == {1: 0, 2: 250_000}


def test_fund_position_by_hand() -> None:
    spend = {
        "2025-11": 1_000_000,
        "2025-12": 200_000,
        "2026-01": 300_000,
        "2026-02": 0,
        "2026-03": 250_000,
        "2026-04": 999,
    }
    position = fund_position(scenario(), spend, Period(2026, 3))
    # cash 9,700,000 − owed 250,000 = 9,450,000; the last 3 months with spend (Mar, Jan, Dec; Feb had none,
    # April is later) average 750,000 / 3 = 250,000 → 37.8 months.
    assert position == FundPosition(
        balance_fen=9_450_000,
        month_spend_fen=250_000,
        months_payable=Decimal("37.8"),
        cash_fen=9_700_000,
        payables_fen=250_000,
    )
    assert str(position.months_payable) == "37.8"
    # Two months window: (250,000 + 300,000) / 2 = 275,000 → 34.36… → 34.4
    assert fund_position(scenario(), spend, "2026-03", months=2).months_payable == Decimal("34.4")
    # As of February: no spend that month; Jan, Dec, Nov average 500,000 → 18.9
    feb = fund_position(scenario(), spend, "2026-02")
    assert (feb.month_spend_fen, feb.months_payable) == (0, Decimal("18.9"))


def test_months_payable_rounding_and_edges() -> None:
    assert months_payable(15, [100]) == Decimal("0.2")  # 0.15 → 0.2 (half up)
    assert months_payable(125, [1000]) == Decimal("0.1")  # 0.125 → 0.1
    assert months_payable(1200, [100, 200, 300]) == Decimal("6.0")
    assert months_payable(-300, [100]) == Decimal("-3.0")
    assert months_payable(100, []) is None


def test_fund_position_without_spend() -> None:
    position = fund_position([entry_for_contribution("c:1", 5000)], {}, "2026-03")
    assert position == FundPosition(
        balance_fen=5000, month_spend_fen=0, months_payable=None, cash_fen=5000, payables_fen=0
    )
    assert fund_position([], {"2026-03": 0}, "2026-03").months_payable is None
    with pytest.raises(InvalidInput):
        fund_position([], {"March": 1}, "2026-03")
    with pytest.raises(InvalidInput):
        fund_position([], {}, "2026-03", months=0)


def test_payables_beyond_cash_give_a_negative_balance() -> None:
    entries = [entry_for_contribution("c:1", 100_000), entry_for_approval(9, 3, 400_000)]
    position = fund_position(entries, {"2026-03": 400_000}, Period(2026, 3))
    assert (position.balance_fen, position.months_payable) == (-300_000, Decimal("-0.8"))


operations = st.lists(
    st.tuples(
        st.sampled_from(["contribute", "approve", "pay", "reverse"]), st.integers(1, 5), st.integers(-(10**9), 10**9)
    ),
    max_size=40,
)


@given(operations)
def test_random_ledgers_balance(ops: list[tuple[str, int, int]]) -> None:
    entries: list[JournalEntry] = []
    for n, (op, provider, amount) in enumerate(ops):
        if op == "contribute":
            entries.append(entry_for_contribution(f"c:{n}", amount))
        elif op == "approve":
            entries.append(entry_for_approval(n, provider, amount))
        elif op == "pay":
            entries.append(entry_for_payment(n, provider, amount))
        elif entries:
            entries.append(reversal_of(entries[amount % len(entries)], f"r:{n}"))
    assert sum(e.debit_fen for e in entries) == sum(e.credit_fen for e in entries)
    totals = balances(entries)
    debit_side = sum(v for k, v in totals.items() if account_kind(k) in DEBIT_NORMAL)
    credit_side = sum(v for k, v in totals.items() if account_kind(k) not in DEBIT_NORMAL)
    assert debit_side == credit_side
    position = fund_position(entries, {}, "2026-03")
    assert position.balance_fen == totals.get(FUND_BANK, 0) - sum(owed_to(entries).values())
    assert position.months_payable is None


@pytest.mark.parametrize(
    ("balance", "months", "expected"),
    [
        (100, None, None),  # no spend yet: nothing to warn about
        (0, None, None),
        (-1, None, "red"),  # a negative balance always alarms
        (-1, Decimal("-0.1"), "red"),
        (500, Decimal("2.9"), "red"),
        (500, Decimal("3.0"), "yellow"),  # the thresholds are "fewer than"
        (500, Decimal("5.9"), "yellow"),
        (500, Decimal("6.0"), None),
        (500, Decimal("31"), None),
    ],
)
def test_the_fund_warns_under_the_policy_thresholds(balance: int, months: Decimal | None, expected: str | None) -> None:
    got = fund_warning(balance, months, warning_months=Decimal("6"), alarm_months=Decimal("3"))
    assert got == expected


def test_an_approval_that_nets_a_recovery_an_advance_and_a_reserve_settles_each_account() -> None:
    from ltc.domain.ledger import advance, receivable, reserve
    from ltc.domain.settlement import approval_offsets

    # 1,000.00 of care; 100.00 recovered, 300.00 paid ahead, 20.00 withheld: the provider is owed 580.00.
    lines = [("home", 100_000), ("recovery", -10_000), ("advance", -30_000), ("reserve", -2_000), ("adjustment", 0)]
    offsets = approval_offsets(7, lines)
    assert offsets == {receivable(7): 10_000, advance(7): 30_000, reserve(7): 2_000}
    entry = entry_for_approval(42, 7, 58_000, offsets)
    assert entry.debit_fen == entry.credit_fen == 100_000
    totals = balances([entry])
    assert totals[CARE_EXPENSE] == 100_000 and totals[payable(7)] == 58_000
    assert (totals[receivable(7)], totals[advance(7)], totals[reserve(7)]) == (-10_000, -30_000, 2_000)


def test_an_approval_whose_netting_exceeds_the_care_leaves_the_provider_owing() -> None:
    from ltc.domain.ledger import receivable
    from ltc.domain.settlement import approval_offsets

    offsets = approval_offsets(7, [("home", 5_000), ("recovery", -8_000)])
    entry = entry_for_approval(43, 7, -3_000, offsets)
    totals = balances([entry])
    assert (totals[CARE_EXPENSE], totals[payable(7)], totals[receivable(7)]) == (5_000, -3_000, -8_000)
    assert all(p.debit_fen >= 0 and p.credit_fen >= 0 for p in entry.postings)


@given(
    months=st.lists(
        st.tuples(st.integers(0, 10**7), st.integers(0, 10**8), st.booleans()),  # care, advance paid, pay it
        min_size=1,
        max_size=12,
    )
)
def test_advances_netted_month_after_month_balance_and_leave_nothing_netted_twice(
    months: list[tuple[int, int, bool]],
) -> None:
    """Month after month a provider may be paid ahead (预拨, once a month) and each approval nets
    what is still open, at most its care: the ledger balances, every source is booked once, the
    advance account is what was paid ahead less what was netted, and it is 0 once all is netted."""
    from ltc.domain import settlement as rules
    from ltc.domain.fund import with_advance_netting
    from ltc.domain.ledger import advance, entry_for_advance

    entries: list[JournalEntry] = []
    paid_ahead = netted = 0
    for n, (care, ahead, pay_ahead) in enumerate(months, start=1):
        period = Period(2026, n)
        if pay_ahead and ahead:
            entries.append(entry_for_advance(7, period, ahead))
            paid_ahead += ahead
        line = rules.SettlementLine(
            kind=rules.HOME, person_id=1, level=3, quantity=0, unit="minute", unit_price_fen=None,
            gross_fen=care, fund_fen=care, personal_fen=0,
        )  # fmt: skip
        draft = with_advance_netting(rules.SettlementDraft.of(7, period, [line]), paid_ahead - netted)
        offsets = rules.approval_offsets(7, [(x.kind, x.fund_fen) for x in draft.lines])
        entries.append(entry_for_approval(n, 7, draft.fund_fen, offsets))
        netted += offsets.get(advance(7), 0)
        assert draft.fund_fen >= 0, "an advance never takes a settlement below nothing"
        totals = balances(entries)  # refuses a source booked twice
        assert sum(e.debit_fen for e in entries) == sum(e.credit_fen for e in entries)
        assert totals.get(advance(7), 0) == paid_ahead - netted >= 0
    with pytest.raises(Conflict):
        balances([*entries, entries[-1]])
    if netted == paid_ahead:
        assert balances(entries).get(advance(7), 0) == 0


def test_the_final_account_releases_and_forfeits_the_reserve() -> None:
    from ltc.domain.ledger import entry_for_final_account, reserve

    withheld = entry_for_approval(1, 7, 95_000, {reserve(7): 5_000})
    final = entry_for_final_account(2027, 7, 4_000, 1_000)
    assert final.source_id == "final-account:2027:provider:7" and final.kind == "final_account"
    totals = balances([withheld, final])
    assert totals[reserve(7)] == 0
    assert totals[payable(7)] == 99_000  # the care less what was forfeited
    assert totals[CARE_EXPENSE] == 99_000
    with pytest.raises(InvalidInput) as err:
        entry_for_final_account(2027, 7, -1, 1_000)
    assert err.value.code == "invalid_posting"
    with pytest.raises(Conflict) as conflict:
        balances([withheld, final, entry_for_final_account(2027, 7, 4_000, 1_000)])
    assert conflict.value.code == "duplicate_entry"


months_of_care = st.lists(
    st.tuples(st.integers(1, 4), st.integers(0, 10**8), st.integers(0, 20), st.integers(0, 5)), min_size=1, max_size=30
)


@given(months_of_care, st.sampled_from(["excellent", "good", "pass", "fail"]))
def test_reserves_withheld_all_year_are_back_to_zero_after_the_final_account(
    months: list[tuple[int, int, int, int]], grade: str
) -> None:
    """Months of care with recoveries and advances netted and a reserve withheld, approved and
    paid, then the year's final account: every entry balances, none is booked twice, and every
    provider's reserve account ends at 0 with the released share owed to it."""
    from ltc.domain import evaluation
    from ltc.domain.ledger import entry_for_final_account, reserve
    from ltc.domain.policy import Policy
    from ltc.domain.settlement import approval_offsets

    policy = Policy("t", __import__("datetime").date(2027, 1, 1), quality_reserve_share=Decimal("0.05"))
    entries: list[JournalEntry] = []
    withheld: dict[int, int] = {}
    for n, (provider, care, recovery, advance_paid) in enumerate(months):
        kept = evaluation.reserve_fen(policy, care)
        lines = [("home", care), ("recovery", -recovery), ("advance", -advance_paid), ("reserve", -kept)]
        offsets = approval_offsets(provider, lines)
        fund = sum(amount for _, amount in lines)
        entries.append(entry_for_approval(n, provider, fund, offsets))
        entries.append(entry_for_payment(n, provider, fund))
        withheld[provider] = withheld.get(provider, 0) + kept
    for provider, kept in withheld.items():
        split = evaluation.final_account_split(policy, kept, grade)
        if kept:  # nothing withheld, nothing to account for
            entries.append(entry_for_final_account(2027, provider, split.released_fen, split.forfeited_fen))
    assert all(e.debit_fen == e.credit_fen for e in entries)
    totals = balances(entries)  # refuses a source booked twice
    assert all(totals.get(reserve(p), 0) == 0 for p in withheld)
    for provider, kept in withheld.items():
        released = evaluation.final_account_split(policy, kept, grade).released_fen
        assert totals.get(payable(provider), 0) == released
