"""The ledger at its limits: a window of one month, windows that cannot be, the kinds and
memos of every entry, refusals with their codes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ltc.domain.errors import InvalidInput
from ltc.domain.ledger import (
    CARE_EXPENSE,
    CONTRIBUTIONS,
    FUND_BANK,
    JournalEntry,
    Posting,
    balances,
    entry_for_approval,
    entry_for_contribution,
    entry_for_payment,
    fund_position,
    months_payable,
    owed_to,
    payable,
    reversal_of,
)


def test_a_window_of_one_month_is_the_latest_month_with_spend() -> None:
    entries = [entry_for_contribution("c:1", 1_000_000)]
    spend = {"2026-01": 100_000, "2026-02": 400_000, "2026-03": 0}
    # as of March: no spend in March, February's 400,000 alone → 1,000,000 / 400,000 = 2.5
    position = fund_position(entries, spend, "2026-03", months=1)
    assert (position.month_spend_fen, position.months_payable) == (0, Decimal("2.5"))
    # as of January: only January counts (February is later) → 10.0
    assert fund_position(entries, spend, "2026-01", months=1).months_payable == Decimal("10.0")
    # a window wider than the months with spend takes what there is: (100,000 + 400,000) / 2
    assert fund_position(entries, spend, "2026-03", months=12).months_payable == Decimal("4.0")


@pytest.mark.parametrize("months", [0, -1, -12])
def test_a_window_of_less_than_one_month_is_refused(months: int) -> None:
    with pytest.raises(InvalidInput) as err:
        fund_position([], {}, "2026-03", months=months)
    assert err.value.code == "invalid_months"


def test_the_window_counts_from_as_of_backwards_skipping_months_without_spend() -> None:
    entries = [entry_for_contribution("c:1", 900_000)]
    spend = {"2025-12": 300_000, "2026-01": 0, "2026-02": 150_000, "2026-03": 150_000, "2026-04": 1}
    # Mar and Feb: 150,000 each → 6.0; with Dec: 600,000 / 3 = 200,000 → 4.5
    assert fund_position(entries, spend, "2026-03", months=2).months_payable == Decimal("6.0")
    assert fund_position(entries, spend, "2026-03", months=3).months_payable == Decimal("4.5")
    # a single fen of spend is spend; a negative spend (a month of refunds) is none to divide by
    assert fund_position([entry_for_contribution("c:1", 5)], {"2026-03": 1}, "2026-03").months_payable == Decimal("5.0")
    assert fund_position(entries, {"2026-03": -50_000}, "2026-03").months_payable is None


def test_spend_must_be_fen() -> None:
    with pytest.raises(TypeError):
        fund_position([], {"2026-03": 10.5}, "2026-03")  # type: ignore[dict-item]


def test_the_kinds_memos_and_sources_of_entries() -> None:
    approval = entry_for_approval(42, 7, 108_000)
    payment = entry_for_payment(42, 7, 108_000)
    contribution = entry_for_contribution("contribution:2026-03:employers", 500_000)
    reversal = reversal_of(payment, "settlement:42:pay:reversal")
    assert [(e.kind, e.source_id, e.memo) for e in (approval, payment, contribution, reversal)] == [
        ("approval", "settlement:42:approve", "settlement 42 approved"),
        ("payment", "settlement:42:pay", "settlement 42 paid"),
        ("contribution", "contribution:2026-03:employers", "contribution"),
        ("reversal", "settlement:42:pay:reversal", "reversal of settlement:42:pay"),
    ]
    assert payment.postings == (Posting(payable(7), debit_fen=108_000), Posting(FUND_BANK, credit_fen=108_000))
    assert reversal.postings == (Posting(payable(7), credit_fen=108_000), Posting(FUND_BANK, debit_fen=108_000))


def test_a_refund_and_a_clawback_swap_sides() -> None:
    refund = entry_for_contribution("refund:1", -2_000)  # money paid back out of the fund
    assert refund.postings == (Posting(CONTRIBUTIONS, debit_fen=2_000), Posting(FUND_BANK, credit_fen=2_000))
    clawback = entry_for_payment(43, 7, -500)  # the provider pays back
    assert clawback.postings == (Posting(FUND_BANK, debit_fen=500), Posting(payable(7), credit_fen=500))
    zero = entry_for_approval(44, 7, 0)
    assert zero.postings == (Posting(CARE_EXPENSE), Posting(payable(7)))
    assert (zero.debit_fen, zero.credit_fen) == (0, 0)


def test_a_reversal_needs_its_own_source() -> None:
    approval = entry_for_approval(42, 7, 100)
    with pytest.raises(InvalidInput) as err:
        reversal_of(approval, "settlement:42:approve")
    assert err.value.code == "invalid_entry"


@pytest.mark.parametrize("source_id", ["", "  ", None, 42])
def test_an_entry_needs_a_source_id(source_id: object) -> None:
    with pytest.raises(InvalidInput) as err:
        JournalEntry(source_id, "manual", (Posting(FUND_BANK, 1), Posting(CONTRIBUTIONS, 0, 1)))  # type: ignore[arg-type]
    assert err.value.code == "invalid_entry"


def test_an_entry_needs_postings_that_are_postings() -> None:
    for postings in ((), ("fund_bank",), (Posting(FUND_BANK, 1), (CONTRIBUTIONS, 0, 1))):
        with pytest.raises(InvalidInput) as err:
            JournalEntry("x:1", "manual", postings)  # type: ignore[arg-type]
        assert err.value.code == "invalid_entry"
    # one posting is an entry when it balances (a zero posting)
    assert JournalEntry("x:2", "manual", (Posting(FUND_BANK),)).debit_fen == 0


def test_a_posting_of_one_fen_either_side() -> None:
    assert Posting(FUND_BANK, debit_fen=1).swapped() == Posting(FUND_BANK, credit_fen=1)
    with pytest.raises(InvalidInput) as err:
        Posting(FUND_BANK, credit_fen=-1)
    assert err.value.code == "invalid_posting"
    with pytest.raises(TypeError):
        Posting(FUND_BANK, credit_fen=1.0)  # type: ignore[arg-type]


def test_balances_in_each_accounts_normal_direction() -> None:
    entries = [
        entry_for_contribution("c:1", 1_000),
        entry_for_approval(1, 3, 400),
        entry_for_approval(2, 12, 250),
        entry_for_payment(1, 3, 300),
    ]
    # assets and expenses: debit − credit; liabilities and income: credit − debit
    assert balances(entries) == {
        CARE_EXPENSE: 650,
        CONTRIBUTIONS: 1_000,
        FUND_BANK: 700,
        "payable:12": 250,
        "payable:3": 100,
    }
    assert list(balances(entries)) == sorted(balances(entries))
    assert owed_to(entries) == {3: 100, 12: 250}
    assert balances([]) == {} and owed_to([]) == {}


def test_a_payable_is_named_by_an_int_provider_id() -> None:
    assert payable(0) == "payable:0"
    with pytest.raises(TypeError):
        payable("7")  # type: ignore[arg-type]


def test_months_payable_by_hand() -> None:
    assert months_payable(0, [100]) == Decimal("0.0")
    assert months_payable(1_000, [300, 100]) == Decimal("5.0")  # 1,000 / 200
    assert months_payable(-15, [100]) == Decimal("-0.2")  # -0.15 → -0.2 (half away from zero)
    assert months_payable(1, [3]) == Decimal("0.3")  # 0.333…
    assert str(months_payable(12_345, [1_000])) == "12.3"
    with pytest.raises(TypeError):
        months_payable(1.5, [1])  # type: ignore[arg-type]
