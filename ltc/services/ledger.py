"""The fund's ledger: posting balanced entries once, money paid into the fund, and the fund's
position (its balance, the month's spend, the months the balance can pay, the balance at
the end of each month). The accounts and the entries' arithmetic are ``ltc.domain.ledger``."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from piccolo.query.functions.aggregate import Sum
from pydantic import BaseModel, ConfigDict, Field

from ltc.db.engine import write_transaction
from ltc.db.queries.paging import Page, PageRequest, after_key, page_of
from ltc.db.tables import CarePlan, LedgerEntry, LedgerPosting, Settlement
from ltc.domain import fund as planning
from ltc.domain import ledger as accounts
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import InvalidInput
from ltc.domain.money import share_fen
from ltc.domain.periods import Period
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.reference import policy_book


class ContributionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source_id: str = Field(min_length=1, max_length=60, description="unique id of the transfer: posted once")
    amount_fen: int = Field(ge=1, le=10**13)


class ContributionPosted(BaseModel):
    source_id: str
    posted: bool  # False: that transfer was posted before


class FundPosition(BaseModel):
    balance_by_period: dict[str, int]  # the balance at the end of each month with postings
    balance_fen: int  # cash less what is owed to providers
    cash_fen: int
    payables_fen: int
    month_spend_fen: int
    months_payable: float | None  # None: no month has had spend yet
    period: str  # the month of month_spend_fen
    spend_by_period: dict[str, int]  # the fund amount of each month's approved settlements
    ledger_imbalance_fen: int  # debits less credits: 0 in a sound ledger
    warning: accounts.FundWarning | None = None  # the early warning by the policy's thresholds
    commitment_fen: int = Field(
        default=0, description="what the confirmed care plans commit the fund to a month, at the policy's prices"
    )
    months_at_commitment: float | None = Field(
        default=None, description="months the balance pays at that commitment (None: no confirmed plan)"
    )
    warning_months: float = Field(description="months payable under which the fund warns (policy)")
    alarm_months: float = Field(description="months payable under which the warning is red (policy)")
    projection: list[ProjectedMonth] = Field(
        default_factory=list,
        description="months payable in each of the next twelve months, from the least-squares trend of the last"
        " twelve months' contributions and spend (empty without history)",
    )


class ProjectedMonth(BaseModel):
    period: str
    months_payable: float | None  # None: no spend to divide by
    balance_fen: int
    contributions_fen: int
    spend_fen: int


class FundHealth(BaseModel):
    """The figures the early warning is drawn from (cheap enough for every page's to-do count)."""

    balance_fen: int
    months_payable: Decimal | None
    warning: accounts.FundWarning | None
    warning_months: Decimal
    alarm_months: Decimal


async def post_entry(
    entry: accounts.JournalEntry, *, settlement_id: int | None, actor: Actor | None, at: datetime
) -> bool:
    """Post a balanced entry once: a second post of the same source id does nothing."""
    if await LedgerEntry.exists().where(LedgerEntry.source_id == entry.source_id):
        return False
    row = LedgerEntry(
        source_id=entry.source_id,
        kind=entry.kind,
        memo=entry.memo,
        settlement=settlement_id,
        posted_at=at,
        posted_by=actor.user_id if actor else None,
    )
    await row.save()
    await LedgerPosting.insert(
        *[
            LedgerPosting(entry=row.id, account=p.account, debit_fen=p.debit_fen, credit_fen=p.credit_fen)
            for p in entry.postings
        ]
    )
    return True


async def record_contribution(ctx: ServiceContext, actor: Actor, source_id: str, amount_fen: int) -> ContributionPosted:
    """Money paid into the fund, posted once per source id (the transfer's own id)."""
    require(actor, Action.RECORD_CONTRIBUTION)
    if amount_fen <= 0:
        raise InvalidInput("缴入金额须为正数（分）", code="invalid_amount")
    now = ctx.clock.now()
    async with write_transaction():
        posted = await post_entry(
            accounts.entry_for_contribution(f"contribution:{source_id}", amount_fen),
            settlement_id=None,
            actor=actor,
            at=now,
        )
        if posted:
            await record_change(
                actor=actor,
                at=now,
                action="fund.contribution",
                entity="ledger_entry",
                entity_id=source_id,
                after={"amount_fen": amount_fen},
            )
    return ContributionPosted(source_id=source_id, posted=posted)


async def _account_sums() -> dict[str, tuple[int, int]]:
    sums = await LedgerPosting.select(
        LedgerPosting.account,
        Sum(LedgerPosting.debit_fen, alias="debit"),
        Sum(LedgerPosting.credit_fen, alias="credit"),
    ).group_by(LedgerPosting.account)
    return {r["account"]: (int(r["debit"] or 0), int(r["credit"] or 0)) for r in sums}


def _payables(by_account: dict[str, tuple[int, int]]) -> int:
    return sum(c - d for a, (d, c) in by_account.items() if a.startswith(accounts.PAYABLE_PREFIX))


# The fund's balance: its cash and what the relief fund owes it, less what it owes providers
# (approved relief is owed to providers and to the fund alike: it nets out). Each of these
# accounts counts debits up and credits down the balance.
_BALANCE_ASSETS = [accounts.FUND_BANK, accounts.RELIEF_DUE]


def _in_balance(account: str) -> bool:
    return account in _BALANCE_ASSETS or account.startswith(accounts.PAYABLE_PREFIX)


def _balance(by_account: dict[str, tuple[int, int]]) -> int:
    return sum(d - c for a, (d, c) in by_account.items() if _in_balance(a))


async def _spend_by_period() -> dict[str, int]:
    """The fund amount of each month's approved (or paid) settlements."""
    rows = (
        await Settlement.select(Settlement.period, Sum(Settlement.fund_fen, alias="fund"))
        .where(Settlement.status.is_in([rules.APPROVED, rules.PAID]))
        .group_by(Settlement.period)
    )
    return {r["period"]: int(r["fund"] or 0) for r in rows}


def _health(
    ctx: ServiceContext, by_account: dict[str, tuple[int, int]], spend: dict[str, int], as_of: Period
) -> FundHealth:
    balance = _balance(by_account)
    recent = sorted((p for p, v in spend.items() if v > 0 and Period.parse(p) <= as_of), reverse=True)[:3]
    months = accounts.months_payable(balance, [spend[p] for p in recent])
    policy = policy_book(ctx.settings).in_force(local_today(ctx.clock, ctx.settings.zone))
    warning = accounts.fund_warning(
        balance, months, warning_months=policy.fund_warning_months, alarm_months=policy.fund_alarm_months
    )
    return FundHealth(
        balance_fen=balance,
        months_payable=months,
        warning=warning,
        warning_months=policy.fund_warning_months,
        alarm_months=policy.fund_alarm_months,
    )


async def monthly_commitment_fen(ctx: ServiceContext) -> int:
    """What the fund will pay a month for the confirmed care plans: their home hours at the
    policy's hourly price and fund share, their institutional months of 30 bed-days at the
    plans' caps and share. An estimate for a scheme without spend yet (agreed prices differ)."""
    policy = policy_book(ctx.settings).in_force(local_today(ctx.clock, ctx.settings.zone))
    rows = (
        await CarePlan.select(
            CarePlan.care_mode,
            Sum(CarePlan.monthly_hours, alias="hours"),
            Sum(CarePlan.bed_day_cap_fen, alias="caps"),
        )
        .where(CarePlan.current_key.is_not_null() & (CarePlan.status == "confirmed"))
        .group_by(CarePlan.care_mode)
    )
    total = 0
    for row in rows:
        if row["care_mode"] == "home":
            total += share_fen(int(row["hours"] or 0) * policy.home_hourly_price_fen, policy.fund_share_home)
        else:
            total += share_fen(30 * int(row["caps"] or 0), policy.fund_share_institutional)
    return total


def _this_month(ctx: ServiceContext) -> Period:
    return Period.of(local_today(ctx.clock, ctx.settings.zone))


async def fund_health(ctx: ServiceContext, actor: Actor) -> FundHealth:
    """Balance, months payable and the early warning, without the monthly history."""
    require(actor, Action.READ_FUND)
    return _health(ctx, await _account_sums(), await _spend_by_period(), _this_month(ctx))


async def fund_position(ctx: ServiceContext, actor: Actor, as_of: Period | None = None) -> FundPosition:
    require(actor, Action.READ_FUND)
    by_account = await _account_sums()
    debit_total = sum(d for d, _ in by_account.values())
    credit_total = sum(c for _, c in by_account.values())
    cash = by_account.get(accounts.FUND_BANK, (0, 0))
    spend = await _spend_by_period()
    as_of = as_of or _this_month(ctx)
    health = _health(ctx, by_account, spend, as_of)
    commitment = await monthly_commitment_fen(ctx)
    at_commitment = accounts.months_payable(health.balance_fen, [commitment]) if commitment > 0 else None
    return FundPosition(
        commitment_fen=commitment,
        months_at_commitment=float(at_commitment) if at_commitment is not None else None,
        balance_by_period=await _balance_by_period(ctx),
        balance_fen=health.balance_fen,
        cash_fen=cash[0] - cash[1],
        payables_fen=_payables(by_account),
        month_spend_fen=spend.get(str(as_of), 0),
        months_payable=float(health.months_payable) if health.months_payable is not None else None,
        period=str(as_of),
        spend_by_period=dict(sorted(spend.items())),
        ledger_imbalance_fen=debit_total - credit_total,
        warning=health.warning,
        warning_months=float(health.warning_months),
        alarm_months=float(health.alarm_months),
        projection=[
            ProjectedMonth(
                period=m.period,
                months_payable=float(m.months_payable) if m.months_payable is not None else None,
                balance_fen=m.balance_fen,
                contributions_fen=m.contributions_fen,
                spend_fen=m.spend_fen,
            )
            for m in planning.project(health.balance_fen, await _contributions_by_period(ctx), spend, as_of)
        ],
    )


async def balance_and_contributions(ctx: ServiceContext) -> tuple[int, dict[str, int]]:
    """The fund's balance (see ``_balance``) and the money paid in each month: what a
    projection runs from."""
    return _balance(await _account_sums()), await _contributions_by_period(ctx)


async def spend_and_balance_by_period(ctx: ServiceContext) -> tuple[dict[str, int], dict[str, int]]:
    """Each month's spend (approved settlements' fund amount) and the balance at each month's end."""
    return await _spend_by_period(), await _balance_by_period(ctx)


async def _contributions_by_period(ctx: ServiceContext) -> dict[str, int]:
    """The money paid into the fund each month (by the local day each was posted)."""
    rows = await LedgerPosting.select(
        LedgerPosting.debit_fen, LedgerPosting.entry.posted_at.as_alias("posted_at")
    ).where((LedgerPosting.entry.kind == "contribution") & (LedgerPosting.account == accounts.FUND_BANK))
    out: dict[str, int] = defaultdict(int)
    for r in rows:
        out[str(Period.of(r["posted_at"].astimezone(ctx.settings.zone).date()))] += int(r["debit_fen"])
    return dict(out)


async def _balance_by_period(ctx: ServiceContext) -> dict[str, int]:
    """The balance (``_balance``) at the end of each month that had ledger postings."""
    rows = await LedgerPosting.select(
        LedgerPosting.account,
        LedgerPosting.debit_fen,
        LedgerPosting.credit_fen,
        LedgerPosting.entry.posted_at.as_alias("posted_at"),
    ).where(LedgerPosting.account.is_in(_BALANCE_ASSETS) | LedgerPosting.account.like(f"{accounts.PAYABLE_PREFIX}%"))
    change: dict[str, int] = defaultdict(int)
    for r in rows:
        month = str(Period.of(r["posted_at"].astimezone(ctx.settings.zone).date()))
        if not _in_balance(r["account"]):
            continue
        change[month] += r["debit_fen"] - r["credit_fen"]
    running, out = 0, {}
    for month in sorted(change):
        running += change[month]
        out[month] = running
    return out


class ContributionOut(BaseModel):
    entry_id: int
    source_id: str
    amount_fen: int
    posted_at: datetime
    posted_by: str  # the officer's name, or the username when none


async def list_contributions(
    ctx: ServiceContext, actor: Actor, request: PageRequest, *, period: Period | None = None
) -> Page[ContributionOut]:
    """The money paid into the fund, newest first, a page at a time; ``period`` keeps one
    month's (by the day each was posted, in the city's time)."""
    require(actor, Action.READ_FUND)
    entry = LedgerPosting.entry
    key = (entry.posted_at, entry.id)
    query = (
        LedgerPosting.select(
            entry.id.as_alias("entry_id"),
            entry.source_id.as_alias("source_id"),
            LedgerPosting.debit_fen.as_alias("amount_fen"),
            entry.posted_at.as_alias("posted_at"),
            entry._.posted_by._.username.as_alias("username"),
            entry._.posted_by._.display_name.as_alias("display_name"),
        )
        .where((entry.kind == "contribution") & (LedgerPosting.account == accounts.FUND_BANK))
        .order_by(*key, ascending=False)
        .limit(request.limit + 1)
    )
    if period is not None:
        zone = ctx.settings.zone
        query = query.where((entry.posted_at >= period.start_utc(zone)) & (entry.posted_at < period.end_utc(zone)))
    if request.after is not None:
        query = query.where(after_key(key, request.after, descending=True))
    rows = [
        ContributionOut(
            entry_id=r["entry_id"],
            source_id=r["source_id"].removeprefix("contribution:"),
            amount_fen=int(r["amount_fen"]),
            posted_at=r["posted_at"],
            posted_by=r["display_name"] or r["username"] or "",
        )
        for r in await query
    ]
    return page_of(rows, request, lambda c: (c.posted_at, c.entry_id))
