"""The fund ledger stays balanced, and says what the settlements say, after any sequence of
builds, submissions, approvals, rejections, payments and contributions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ltc.domain import ledger
from ltc.domain.errors import DomainError
from ltc.domain.settlement import transition

PROVIDERS = (1, 2, 3)
step = st.one_of(
    st.tuples(st.just("build"), st.integers(0, 5), st.integers(-50_000, 2_000_000)),
    st.tuples(st.sampled_from(["submit", "approve", "reject", "pay"]), st.integers(0, 5), st.just(0)),
    st.tuples(st.just("contribute"), st.integers(0, 5), st.integers(1, 5_000_000)),
)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(step, max_size=60))
def test_the_ledger_balances_after_any_sequence(steps) -> None:
    settlements: dict[int, dict] = {}
    entries: list[ledger.JournalEntry] = []
    contributions = 0
    for n, (action, sid, amount) in enumerate(steps):
        if action == "contribute":
            entries.append(ledger.entry_for_contribution(f"contribution:{n}", amount))
            contributions += amount
            continue
        if action == "build":
            current = settlements.get(sid)
            if current is None or current["status"] in ("draft", "rejected"):
                settlements[sid] = {"provider": PROVIDERS[sid % 3], "fund": amount, "status": "draft"}
            continue
        current = settlements.get(sid)
        if current is None:
            continue
        role = "agency" if action == "submit" else "bureau"
        try:
            current["status"] = transition(current["status"], action, role, reason="理由")
        except DomainError:
            continue
        if action == "approve":
            entries.append(ledger.entry_for_approval(sid, current["provider"], current["fund"]))
        elif action == "pay":
            entries.append(ledger.entry_for_payment(sid, current["provider"], current["fund"]))

        assert sum(e.debit_fen for e in entries) == sum(e.credit_fen for e in entries)

    assert sum(e.debit_fen for e in entries) == sum(e.credit_fen for e in entries)
    balances = ledger.balances(entries)
    owed = ledger.owed_to(entries)
    for provider in PROVIDERS:
        expected = sum(
            s["fund"] for s in settlements.values() if s["provider"] == provider and s["status"] == "approved"
        )
        assert owed.get(provider, 0) == expected
    committed = sum(s["fund"] for s in settlements.values() if s["status"] in ("approved", "paid"))
    paid = sum(s["fund"] for s in settlements.values() if s["status"] == "paid")
    assert balances.get(ledger.CARE_EXPENSE, 0) == committed
    assert balances.get(ledger.FUND_BANK, 0) == contributions - paid
