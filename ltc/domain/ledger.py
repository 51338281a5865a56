"""The fund as a double-entry ledger (DOMAIN §6): every approved settlement and every
payment is a balanced journal entry.

Accounts (:func:`account_kind`):

* ``fund_bank`` — asset: the fund's cash;
* ``payable:<provider_id>`` — liability: what the fund owes that provider;
* ``care_expense`` — expense: care the fund has committed to pay for;
* ``contributions`` — income: money paid into the fund;
* ``receivable:<provider_id>`` — asset: what a provider owes the fund (a recovery 追回 or a
  penalty 违约金), netted in its later settlements;
* ``advance:<provider_id>`` — asset: money paid to a provider ahead of its settlements (预拨);
* ``reserve:<provider_id>`` — liability: the quality reserve (质量保证金) withheld from a
  provider's settlements until the year's final account;
* ``penalty_income`` — income: penalties imposed on providers;
* ``relief_due`` — asset: what the relief fund owes the insurance fund for the personal
  shares it relieves (一站式): the provider is paid once, by the insurance fund, its share and
  the relief together; the relief fund reimburses the month against its statement.

Approving a settlement debits ``care_expense`` and credits ``payable:<provider>`` with its
fund amount (and, for the relief on its lines, debits ``relief_due`` and credits the same
payable: the payable is the fund amount plus the relief); paying it debits the payable and credits ``fund_bank``; a contribution debits
``fund_bank`` and credits ``contributions``. A negative amount (a settlement whose
adjustments leave the provider owing the fund, a refund) swaps the sides so postings stay
non-negative. Nothing is ever edited: a mistake is undone by :func:`reversal_of`.

:func:`balances` reports each account in its normal direction: debit − credit for assets
and expenses, credit − debit for liabilities and income.

:func:`fund_position` — what the bureau sees:

* ``balance_fen`` = cash in ``fund_bank`` − outstanding payables (approved but unpaid
  settlements): the money the fund can still commit. Cash and payables are reported too.
* ``month_spend_fen`` = the spend of ``as_of_period`` (given by the service, e.g. the fund
  amount of the period's approved settlements; 0 when absent).
* ``months_payable`` (可支付月数) = ``balance_fen`` ÷ the average spend of the last
  ``months`` (default 3) periods at or before ``as_of_period`` that had spend (> 0), as a
  ``Decimal`` rounded half up to one decimal place; negative when payables exceed cash;
  ``None`` when no period up to ``as_of_period`` had any spend (nothing to divide by —
  "unlimited" is for the UI to say).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.money import check_fen, round_half_up
from ltc.domain.periods import Period

FUND_BANK = "fund_bank"
CARE_EXPENSE = "care_expense"
CONTRIBUTIONS = "contributions"
PAYABLE_PREFIX = "payable:"
RECEIVABLE_PREFIX = "receivable:"
ADVANCE_PREFIX = "advance:"
RESERVE_PREFIX = "reserve:"
PENALTY_INCOME = "penalty_income"
RELIEF_DUE = "relief_due"

ASSET, LIABILITY, EXPENSE, INCOME = "asset", "liability", "expense", "income"
DEBIT_NORMAL = frozenset({ASSET, EXPENSE})
_FIXED_ACCOUNTS = {
    FUND_BANK: ASSET,
    CARE_EXPENSE: EXPENSE,
    CONTRIBUTIONS: INCOME,
    PENALTY_INCOME: INCOME,
    RELIEF_DUE: ASSET,
}
# Accounts kept one per provider, by the prefix before the provider's id.
_PROVIDER_ACCOUNTS = {
    PAYABLE_PREFIX: LIABILITY,
    RECEIVABLE_PREFIX: ASSET,
    ADVANCE_PREFIX: ASSET,
    RESERVE_PREFIX: LIABILITY,
}


def payable(provider_id: int) -> str:
    """The liability account of what the fund owes a provider."""
    return f"{PAYABLE_PREFIX}{check_fen(provider_id, 'provider_id')}"


def receivable(provider_id: int) -> str:
    """The asset account of what a provider owes the fund (recoveries and penalties)."""
    return f"{RECEIVABLE_PREFIX}{check_fen(provider_id, 'provider_id')}"


def advance(provider_id: int) -> str:
    """The asset account of what was paid to a provider ahead of its settlements."""
    return f"{ADVANCE_PREFIX}{check_fen(provider_id, 'provider_id')}"


def reserve(provider_id: int) -> str:
    """The liability account of the quality reserve withheld from a provider."""
    return f"{RESERVE_PREFIX}{check_fen(provider_id, 'provider_id')}"


def account_kind(account: str) -> str:
    if account in _FIXED_ACCOUNTS:
        return _FIXED_ACCOUNTS[account]
    for prefix, kind in _PROVIDER_ACCOUNTS.items():
        if account.startswith(prefix) and account[len(prefix) :].isdigit():
            return kind
    raise InvalidInput(f"unknown ledger account {account!r}", code="unknown_account")


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    debit_fen: int = 0
    credit_fen: int = 0

    def __post_init__(self) -> None:
        account_kind(self.account)
        check_fen(self.debit_fen, "debit_fen")
        check_fen(self.credit_fen, "credit_fen")
        if self.debit_fen < 0 or self.credit_fen < 0:
            raise InvalidInput("posting amounts cannot be negative", code="invalid_posting")
        if self.debit_fen and self.credit_fen:
            raise InvalidInput("a posting is a debit or a credit, not both", code="invalid_posting")

    def swapped(self) -> Posting:
        return Posting(self.account, debit_fen=self.credit_fen, credit_fen=self.debit_fen)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    source_id: str  # unique: the same source is booked once, e.g. "settlement:42:approve"
    kind: str  # approval | payment | contribution | advance | reversal
    postings: tuple[Posting, ...]
    memo: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.source_id, str) or not self.source_id.strip():
            raise InvalidInput("a journal entry needs a source id", code="invalid_entry")
        if not self.postings or not all(isinstance(p, Posting) for p in self.postings):
            raise InvalidInput("a journal entry needs postings", code="invalid_entry")
        if self.debit_fen != self.credit_fen:
            raise InvalidInput(f"debits {self.debit_fen} ≠ credits {self.credit_fen}", code="unbalanced_entry")

    @property
    def debit_fen(self) -> int:
        return sum(p.debit_fen for p in self.postings)

    @property
    def credit_fen(self) -> int:
        return sum(p.credit_fen for p in self.postings)


def _transfer(source_id: str, kind: str, debit: str, credit: str, amount_fen: int, memo: str) -> JournalEntry:
    check_fen(amount_fen)
    if amount_fen < 0:
        debit, credit, amount_fen = credit, debit, -amount_fen
    return JournalEntry(
        source_id=source_id,
        kind=kind,
        memo=memo,
        postings=(Posting(debit, debit_fen=amount_fen), Posting(credit, credit_fen=amount_fen)),
    )


def entry_for_approval(
    settlement_id: int,
    provider_id: int,
    fund_fen: int,
    offsets: Mapping[str, int] | None = None,
    relief_fen: int = 0,
) -> JournalEntry:
    """The fund now owes the provider the settlement's fund amount and its relief.

    ``offsets`` are what the settlement netted against the care it pays for, by account: a
    recovery settles the provider's receivable, an advance its advance account, a withheld
    reserve goes to its reserve. The care expense is then the fund amount plus the offsets,
    and each offset account is credited its amount (debited when negative). ``relief_fen``,
    the relief fund's part of the personal shares, is owed to the provider too (one stop) and
    owed to the fund by the relief fund (``relief_due``)."""
    source_id = f"settlement:{settlement_id}:approve"
    memo = f"settlement {settlement_id} approved"
    if not offsets and not check_fen(relief_fen, "relief_fen"):
        return _transfer(source_id, "approval", CARE_EXPENSE, payable(provider_id), fund_fen, memo)
    offsets = offsets or {}
    care = check_fen(fund_fen) + sum(check_fen(v) for v in offsets.values())
    credits = {payable(provider_id): fund_fen + relief_fen} | dict(offsets)
    debits = {CARE_EXPENSE: care, RELIEF_DUE: relief_fen}
    return JournalEntry(source_id=source_id, kind="approval", memo=memo, postings=_postings(debits, credits))


def entry_for_relief_reimbursement(period: Period | str, amount_fen: int, number: int = 1) -> JournalEntry:
    """The relief fund pays the insurance fund what a month's relief came to beyond what it
    has already paid for it (``relief:<YYYY-MM>:reimburse:<n>``, the month's n-th): relief
    approved later is paid later, relief a correction took back (a negative amount) is
    returned to the relief fund."""
    period = Period.parse(period)
    if check_fen(amount_fen) == 0:
        raise InvalidInput("a reimbursement of nothing", code="amount_required")
    return _transfer(
        f"relief:{period}:reimburse:{number}",
        "relief",
        FUND_BANK,
        RELIEF_DUE,
        amount_fen,
        f"relief fund's reimbursement of {period} ({number})",
    )


def entry_for_recovery(inspection_id: int, outcome_id: int, provider_id: int, amount_fen: int) -> JournalEntry:
    """A recovery (追回): the provider owes back care the fund paid for, so the care expense
    shrinks; the receivable is settled when a later settlement nets it."""
    return _transfer(
        f"inspection:{inspection_id}:outcome:{outcome_id}",
        "recovery",
        receivable(provider_id),
        CARE_EXPENSE,
        _positive(amount_fen),
        f"inspection {inspection_id} recovery",
    )


def entry_for_penalty(inspection_id: int, outcome_id: int, provider_id: int, amount_fen: int) -> JournalEntry:
    """A penalty (违约金): the provider owes it; the fund counts it as income."""
    return _transfer(
        f"inspection:{inspection_id}:outcome:{outcome_id}",
        "penalty",
        receivable(provider_id),
        PENALTY_INCOME,
        _positive(amount_fen),
        f"inspection {inspection_id} penalty",
    )


def _positive(amount_fen: int) -> int:
    if check_fen(amount_fen) <= 0:
        raise InvalidInput("an amount owed must be positive", code="amount_required")
    return amount_fen


def entry_for_final_account(year: int, provider_id: int, released_fen: int, forfeited_fen: int) -> JournalEntry:
    """The year's final account (决算) of a provider's quality reserve: the released share
    becomes owed to the provider, the forfeited share goes back against the care expense it
    was withheld from. Booked once per provider and year."""
    check_fen(year, "year")
    if check_fen(released_fen, "released_fen") < 0 or check_fen(forfeited_fen, "forfeited_fen") < 0:
        raise InvalidInput("released and forfeited shares cannot be negative", code="invalid_posting")
    return JournalEntry(
        source_id=f"final-account:{year}:provider:{provider_id}",
        kind="final_account",
        memo=f"{year} final account of the quality reserve of provider {provider_id}",
        postings=_postings(
            {reserve(provider_id): released_fen + forfeited_fen},
            {payable(provider_id): released_fen, CARE_EXPENSE: forfeited_fen},
        ),
    )


def _postings(debits: Mapping[str, int], credits: Mapping[str, int]) -> tuple[Posting, ...]:
    """Signed amounts as postings: a negative debit is a credit and the other way round; zeros drop."""
    out: list[Posting] = []
    for account, amount in debits.items():
        if amount:
            out.append(Posting(account, debit_fen=amount) if amount > 0 else Posting(account, credit_fen=-amount))
    for account, amount in credits.items():
        if amount:
            out.append(Posting(account, credit_fen=amount) if amount > 0 else Posting(account, debit_fen=-amount))
    return tuple(out)


def entry_for_payment(settlement_id: int, provider_id: int, amount_fen: int) -> JournalEntry:
    """The fund pays the provider what it owed."""
    return _transfer(
        f"settlement:{settlement_id}:pay",
        "payment",
        payable(provider_id),
        FUND_BANK,
        amount_fen,
        f"settlement {settlement_id} paid",
    )


def entry_for_advance(provider_id: int, period: Period | str, amount_fen: int) -> JournalEntry:
    """The fund pays a provider ahead of its settlements (预拨): at most one advance a provider
    a month, so the month names it (``advance:<provider>:<YYYY-MM>``)."""
    if amount_fen <= 0:
        raise InvalidInput("an advance is a positive amount", code="invalid_amount")
    period = Period.parse(period)
    return _transfer(
        f"advance:{provider_id}:{period}",
        "advance",
        advance(provider_id),
        FUND_BANK,
        amount_fen,
        f"advance to provider {provider_id} in {period}",
    )


def entry_for_contribution(source_id: str, amount_fen: int) -> JournalEntry:
    """Money paid into the fund."""
    return _transfer(source_id, "contribution", FUND_BANK, CONTRIBUTIONS, amount_fen, "contribution")


def reversal_of(entry: JournalEntry, source_id: str) -> JournalEntry:
    """The entry that undoes ``entry``: the same postings with debit and credit swapped."""
    if source_id == entry.source_id:
        raise InvalidInput("a reversal needs its own source id", code="invalid_entry")
    return JournalEntry(
        source_id=source_id,
        kind="reversal",
        postings=tuple(p.swapped() for p in entry.postings),
        memo=f"reversal of {entry.source_id}",
    )


def _checked(entries: Iterable[JournalEntry]) -> list[JournalEntry]:
    entries = list(entries)
    seen: set[str] = set()
    for entry in entries:
        if entry.source_id in seen:
            raise Conflict(f"source {entry.source_id} is booked twice", code="duplicate_entry")
        seen.add(entry.source_id)
    return entries


def balances(entries: Iterable[JournalEntry]) -> dict[str, int]:
    """Each account's balance in its normal direction (see module doc)."""
    out: dict[str, int] = {}
    for entry in _checked(entries):
        for p in entry.postings:
            sign = 1 if account_kind(p.account) in DEBIT_NORMAL else -1
            out[p.account] = out.get(p.account, 0) + sign * (p.debit_fen - p.credit_fen)
    return dict(sorted(out.items()))


def owed_to(entries: Iterable[JournalEntry]) -> dict[int, int]:
    """What the fund still owes each provider (payable balances), by provider id."""
    return {
        int(account[len(PAYABLE_PREFIX) :]): amount
        for account, amount in balances(entries).items()
        if account.startswith(PAYABLE_PREFIX)
    }


@dataclass(frozen=True, slots=True)
class FundPosition:
    balance_fen: int  # cash − outstanding payables
    month_spend_fen: int
    months_payable: Decimal | None  # None: no spend to divide by
    cash_fen: int
    payables_fen: int


def months_payable(balance_fen: int, spends: list[int]) -> Decimal | None:
    """``balance ÷ average(spends)`` rounded half up to one decimal; None without spend."""
    check_fen(balance_fen, "balance_fen")
    if not spends:
        return None
    tenths = round_half_up(balance_fen * len(spends) * 10, sum(spends))
    return Decimal(tenths).scaleb(-1)


def fund_position(
    entries: Iterable[JournalEntry],
    month_spend_by_period: Mapping[str, int],
    as_of_period: Period | str,
    months: int = 3,
) -> FundPosition:
    if months < 1:
        raise InvalidInput("months must be at least 1", code="invalid_months")
    as_of = Period.parse(as_of_period)
    totals = balances(entries)
    cash = totals.get(FUND_BANK, 0)
    payables = sum(v for k, v in totals.items() if k.startswith(PAYABLE_PREFIX))
    balance = cash - payables
    spend = {Period.parse(k): check_fen(v, "spend") for k, v in month_spend_by_period.items()}
    recent = sorted((p for p, v in spend.items() if v > 0 and p <= as_of), reverse=True)[:months]
    return FundPosition(
        balance_fen=balance,
        month_spend_fen=spend.get(as_of, 0),
        months_payable=months_payable(balance, [spend[p] for p in recent]),
        cash_fen=cash,
        payables_fen=payables,
    )


# The fund's early warning (风险预警, DOMAIN §8), by the policy's two thresholds.
FundWarning = Literal["yellow", "red"]
WARNING: FundWarning = "yellow"
ALARM: FundWarning = "red"


def fund_warning(
    balance_fen: int, months: Decimal | None, *, warning_months: Decimal, alarm_months: Decimal
) -> FundWarning | None:
    """``"red"`` when the balance is negative or pays fewer than ``alarm_months``, ``"yellow"``
    when it pays fewer than ``warning_months``, else None. Without spend to divide by
    (``months`` None) only a negative balance warns."""
    check_fen(balance_fen, "balance_fen")
    if balance_fen < 0:
        return ALARM
    if months is None:
        return None
    if months < alarm_months:
        return ALARM
    if months < warning_months:
        return WARNING
    return None
