"""Money stays right under every sequence: a hypothesis state machine on the service layer and
a real database, over four months and three providers, with a clock the test moves on. It
builds (one provider or all, the running month as a preview, a future month refused), records
corrections at any moment (valid and not), submits, rejects, approves and pays, and resolves an
exception after its month was approved. After every step:

* every correction is open, or applied by exactly one approved or paid settlement whose lines
  carry it (and no other approved or paid settlement carries it);
* no person's month is corrected below nothing;
* the ledger balances, and the fund's postings for these settlements equal their approved
  amounts (what is owed: the approved; what was spent: the approved and the paid, with the
  advances they netted);
* what each provider was paid ahead (预拨) less what approved settlements netted is its
  advance account's balance, never below nothing (an advance is never netted twice);
* no settlement of a month not yet ended was submitted, approved or paid, and no draft was
  built before its month began.

Also two service tests of the sharpest cases, step by step."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Coroutine
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from ltc.bench.scratch import scratch_database
from ltc.db import engine as db_engine
from ltc.db.migrate import apply_migrations
from ltc.db.queries.visits import month_of_visit
from ltc.db.tables import (
    AppUser,
    CarePlan,
    InspectionOutcome,
    LedgerEntry,
    LedgerPosting,
    Person,
    Provider,
    ReliefEnrolment,
    ReviewSample,
    Settlement,
    SettlementCorrection,
    SettlementLine,
    Visit,
    VisitException,
)
from ltc.domain import ledger as accounts
from ltc.domain import settlement as rules
from ltc.domain.access import Actor, Role
from ltc.domain.errors import DomainError
from ltc.domain.periods import Period, service_month
from ltc.services.clock import FixedClock
from ltc.services.context import ServiceContext
from ltc.services.relief import statement as relief_statement
from ltc.services.settlements import build, corrections, workflow
from ltc.services.settlements.values import BuildSettlementsParams, CorrectionRequest
from ltc.services.supervision import advances, review, review_draw
from ltc.services.supervision.advances import AdvanceIn
from ltc.services.supervision.findings import FindingIn, record_finding
from ltc.services.supervision.inspections import InspectionIn, open_inspection
from ltc.services.supervision.outcomes import OutcomeIn, take_outcome
from ltc.settings import Settings
from tests.helpers import decide_review_samples

SHANGHAI = ZoneInfo("Asia/Shanghai")

T = TypeVar("T")
SEEN: dict[str, int] = {}  # what the runs reached: refusals by code, and the steps carried out
FIRST = Period.parse("2031-01")
MONTHS = [FIRST, FIRST.next(), FIRST.next().next(), FIRST.next().next().next()]
CREATED_AT = datetime(2030, 6, 1, tzinfo=UTC)
BUREAU = Actor(user_id=0, username="bureau", role=Role.BUREAU)  # set to the demo officer's id
SUPERVISOR = Actor(user_id=0, username="supervisor", role=Role.SUPERVISOR)  # set to a supervisor's id

# The refusals a client may meet in these steps; anything else (or any other exception) fails.
BUILD_REFUSALS = {"period_in_future"}
CORRECTION_REFUSALS = {
    "period_not_ended",
    "period_not_approved",
    "person_not_of_provider",
    "correction_zero",
    "correction_exceeds_paid",
    "correction_exceeds_ceiling",
    "correction_fund_share",
    "invalid_fen",
}
WORKFLOW_REFUSALS = {
    "invalid_transition",
    "period_not_ended",
    "correction_already_applied",
    "advance_already_netted",
    "review_pending",
    "netting_already_applied",
}
ADVANCE_REFUSALS = {"no_settled_months", "advance_already_paid", "advance_still_open"}
REVIEW_REFUSALS = {"review_closed", "amount_above_line"}
OUTCOME_REFUSALS = {"recovery_exceeds_findings"}
FOUND_FEN = 200_000  # what each provider's inspection case found wrongly paid


async def _no_progress(_: float) -> None:
    return None


@pytest.fixture
async def loop() -> asyncio.AbstractEventLoop:
    """The session's event loop, which the database pool lives on (idle between steps)."""
    return asyncio.get_running_loop()


@pytest.fixture(scope="module")
async def own_database(settings: Settings) -> AsyncIterator[None]:
    """A database of this module's own, migrated: what it approves can never be deleted (the
    triggers refuse it), so it stays out of the session's database other tests count in."""
    async with scratch_database("money") as url:
        session = db_engine.current_engine()
        engine = db_engine.configure_engine(url)
        if not settings.uses_sqlite:
            await engine.start_connection_pool()  # type: ignore[attr-defined]  # a PostgresEngine
        try:
            await apply_migrations()
            yield
        finally:
            db_engine.bind(session)
            await db_engine.stop(engine)


@pytest.fixture
async def officer(own_database: None) -> Actor:
    row = AppUser(username=f"bureau-{uuid.uuid4().hex[:8]}", password_hash="-", role="bureau", created_at=CREATED_AT)
    await row.save()
    return replace(BUREAU, user_id=row.id)


@pytest.fixture
async def supervisor(own_database: None) -> Actor:
    row = AppUser(username=f"sup-{uuid.uuid4().hex[:8]}", password_hash="-", role="supervisor", created_at=CREATED_AT)
    await row.save()
    return replace(SUPERVISOR, user_id=row.id)


async def new_provider(hourly: int) -> int:
    code = f"Q{uuid.uuid4().hex[:12]}"
    row = Provider(
        code=code, name=code, kind="home", lat=29.6, lon=121.4, hourly_price_fen=hourly, created_at=CREATED_AT
    )
    await row.save()
    return row.id


async def new_person(provider_id: int, level: int) -> tuple[int, int]:
    person = Person(
        id_number=uuid.uuid4().hex[:18], name="测试", sex="F", birth_date=date(1940, 1, 1), created_at=CREATED_AT
    )
    await person.save()
    plan = CarePlan(
        person=person.id,
        provider=provider_id,
        version=1,
        version_key=f"{person.id}:1",
        current_key=f"person:{person.id}",
        level=level,
        care_mode="home",
        policy_version="test",
        status="confirmed",
        created_at=CREATED_AT,
    )
    await plan.save()
    return person.id, plan.id


async def new_visit(provider_id: int, person_id: int, plan_id: int, at: datetime, minutes: int) -> int:
    row = Visit(
        care_plan=plan_id,
        person=person_id,
        provider=provider_id,
        slot_key=f"seq:{uuid.uuid4().hex}",
        planned_start=at,
        service_month=service_month(at, SHANGHAI),
        planned_end=at + timedelta(hours=1),
        status="done",
        checked_in_at=at,
        checked_out_at=at + timedelta(minutes=minutes),
        created_at=CREATED_AT,
        updated_at=CREATED_AT,
    )
    await row.save()
    return row.id


class World:
    """Three providers, two persons each with home care in the first three months, and one
    visit held back by an open exception in the first month; an inspection case on each
    provider whose finding found ``FOUND_FEN`` wrongly paid (recoveries and penalties)."""

    def __init__(self) -> None:
        self.providers: list[int] = []
        self.persons: dict[int, list[int]] = {}
        self.exception_id = 0
        self.cases: dict[int, int] = {}
        self.supervisor = Actor(user_id=0, username="supervisor", role=Role.SUPERVISOR)

    async def open_cases(self, ctx: ServiceContext) -> None:
        row = AppUser(
            username=f"sup-{uuid.uuid4().hex[:8]}", password_hash="-", role="supervisor", created_at=CREATED_AT
        )
        await row.save()
        self.supervisor = replace(self.supervisor, user_id=row.id)
        for provider_id in self.providers:
            case = await open_inspection(
                ctx,
                self.supervisor,
                InspectionIn(
                    kind="special", provider_id=provider_id, period_from="2031-01", period_to="2031-03", reason="r"
                ),
            )
            finding = FindingIn(category="overbilling", description="hours billed twice", amount_fen=FOUND_FEN)
            await record_finding(ctx, self.supervisor, case.id, finding)
            self.cases[provider_id] = case.id

    async def make(self, ctx: ServiceContext, minutes: list[int]) -> None:
        zone = ctx.settings.zone
        n = 0
        for hourly in (6000, 0, 7500):
            provider_id = await new_provider(hourly)
            self.providers.append(provider_id)
            self.persons[provider_id] = []
            for level in (3, 4):
                person_id, plan_id = await new_person(provider_id, level)
                self.persons[provider_id].append(person_id)
                for month in MONTHS[:3]:
                    for day in (3, 12):
                        start = datetime(month.year, month.month, day, 9, 0, tzinfo=zone)
                        await new_visit(provider_id, person_id, plan_id, start, minutes[n % len(minutes)])
                        n += 1
        provider_id = self.providers[0]
        person_id = self.persons[provider_id][0]
        plan = await CarePlan.select(CarePlan.id).where(CarePlan.person == person_id).first()
        held = await new_visit(
            provider_id, person_id, plan["id"], datetime(FIRST.year, FIRST.month, 20, 9, 0, tzinfo=zone), 60
        )
        row = VisitException(
            visit=held,
            service_month=await month_of_visit(held),
            provider=provider_id,
            code="too_short",
            exception_key=f"{held}:too_short",
            status="open",
            opened_at=CREATED_AT,
        )
        await row.save()
        self.exception_id = row.id
        await self.open_cases(ctx)


class MoneyMachine(RuleBasedStateMachine):
    loop: asyncio.AbstractEventLoop
    base: ServiceContext
    actor: Actor
    supervisor: Actor

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(datetime(FIRST.year, FIRST.month + 1, 3, 2, 0, tzinfo=UTC))  # January has ended
        self.ctx = replace(self.base, clock=self.clock)
        self.world = World()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def refused(self, coroutine: Coroutine[Any, Any, Any], allowed: set[str]) -> str | None:
        """None when the step was carried out; the refusal's code when it was refused."""
        try:
            self.run(coroutine)
        except DomainError as error:
            assert error.code in allowed, f"unexpected refusal {error.code}: {error}"
            SEEN[error.code] = SEEN.get(error.code, 0) + 1
            return error.code
        return None

    @property
    def today(self) -> date:
        return self.clock.now().astimezone(self.ctx.settings.zone).date()

    def month(self, back: int) -> Period:
        """``back`` months before the running one (-1: the next, a future month), within the four."""
        current = Period.of(self.today)
        index = (current.year - FIRST.year) * 12 + current.month - FIRST.month - back
        return MONTHS[max(0, min(index, len(MONTHS) - 1))]

    @initialize(minutes=st.lists(st.integers(30, 200), min_size=1, max_size=6))
    def make_world(self, minutes: list[int]) -> None:
        self.run(self.world.make(self.ctx, minutes))

    # ------------------------------------------------------------------ the clock

    @rule(days=st.integers(8, 40))
    def time_passes(self, days: int) -> None:
        if self.clock.now() + timedelta(days=days) < datetime(2031, 6, 15, tzinfo=UTC):
            self.clock.advance(days=days)

    # ------------------------------------------------------------------ builds

    async def _build(self, provider_id: int | None, period: Period) -> None:
        params = BuildSettlementsParams(period=str(period), provider_id=provider_id)
        await build.check_build(self.ctx, self.actor, params)
        await build.build_settlements(self.ctx, params, _no_progress)

    @rule(which=st.integers(0, 2), back=st.sampled_from([1, 1, 2, 0, -1]))
    def build_one(self, which: int, back: int) -> None:
        period = self.month(back)
        code = self.refused(self._build(self.world.providers[which], period), BUILD_REFUSALS)
        assert (code == "period_in_future") == (period.first_day > self.today)

    @rule(back=st.sampled_from([1, 0, 2, -1]))
    def build_all(self, back: int) -> None:
        self.refused(self._build(None, self.month(back)), BUILD_REFUSALS)

    # ------------------------------------------------------------------ corrections

    @rule(
        which=st.integers(0, 2),
        person=st.integers(0, 2),  # 2: a person of another provider
        back=st.sampled_from([1, 2, 3, 0, -1]),
        amount=st.one_of(st.integers(-20_000, 20_000), st.sampled_from([-(10**12), 10**12, -300_000, 300_000])),
        fund=st.one_of(st.none(), st.integers(-20_000, 20_000)),
    )
    def correct(self, which: int, person: int, back: int, amount: int, fund: int | None) -> None:
        provider_id = self.world.providers[which]
        period = self.month(back)
        persons = self.world.persons
        person_id = persons[provider_id][person] if person < 2 else persons[self.world.providers[which - 1]][0]
        request = CorrectionRequest(
            provider_id=provider_id,
            corrects_period=str(period),
            person_id=person_id,
            amount_fen=amount,
            fund_fen=fund,
            reason="复核更正",
        )
        code = self.refused(corrections.add_correction(self.ctx, self.actor, request), CORRECTION_REFUSALS)
        if code is None:
            assert rules.month_ended(period, self.today)
            SEEN["correction recorded"] = SEEN.get("correction recorded", 0) + 1
        if person == 2 and code not in ("period_not_ended", "period_not_approved"):
            assert code == "person_not_of_provider"

    @rule(
        pick=st.integers(0, 20),
        share=st.sampled_from([-1.0, -0.5, -0.1, 0.1, 0.5, 2.0]),
        fund=st.sampled_from([None, 0.9, 0.0]),
    )
    def correct_an_approved_line(self, pick: int, share: float, fund: float | None) -> None:
        """A correction of a person on an approved month: a share of what their line paid."""
        rows = self._mine(rules.APPROVED) + self._mine(rules.PAID)
        if not rows:
            return
        row = rows[pick % len(rows)]
        lines = self.run(
            SettlementLine.select(SettlementLine.person, SettlementLine.gross_fen)
            .where((SettlementLine.settlement == row["id"]) & (SettlementLine.kind == rules.HOME))
            .run()
        )
        provider = self.run(Settlement.select(Settlement.provider).where(Settlement.id == row["id"]).first().run())
        if not lines:
            return
        line = lines[pick % len(lines)]
        amount = int(line["gross_fen"] * share)
        request = CorrectionRequest(
            provider_id=provider["provider"],
            corrects_period=row["period"],
            person_id=line["person"],
            amount_fen=amount,
            fund_fen=None if fund is None else int(amount * fund),
            reason="复核更正",
        )
        if self.refused(corrections.add_correction(self.ctx, self.actor, request), CORRECTION_REFUSALS) is None:
            SEEN["correction recorded"] = SEEN.get("correction recorded", 0) + 1

    @rule()
    def exception_resolved_after_the_month(self) -> None:
        self.run(
            VisitException.update({VisitException.status: "resolved", VisitException.resolution_code: "accepted"})
            .where(VisitException.id == self.world.exception_id)
            .run()
        )

    # ------------------------------------------------------------------ the workflow

    def _mine(self, status: str, ended: bool = False) -> list[dict[str, Any]]:
        rows = self.run(
            Settlement.select(Settlement.id, Settlement.version, Settlement.period)
            .where((Settlement.provider.is_in(self.world.providers)) & (Settlement.status == status))
            .order_by(Settlement.id)
            .run()
        )
        return [r for r in rows if not ended or rules.month_ended(Period.parse(r["period"]), self.today)]

    def _step(self, status: str, action: workflow.WorkflowAction, pick: int) -> None:
        rows = self._mine(status, ended=pick % 3 != 0)  # mostly months that have ended
        if rows:
            self._act(rows[pick % len(rows)], action)

    def _act(self, row: dict[str, Any], action: workflow.WorkflowAction) -> None:
        code = self.refused(
            workflow.act(self.ctx, self.actor, row["id"], action, seen_version=row["version"], reason="核对有误"),
            WORKFLOW_REFUSALS,
        )
        if code is None:
            SEEN[action] = SEEN.get(action, 0) + 1

    @rule(pick=st.integers(0, 20), status=st.sampled_from([rules.DRAFT, rules.REJECTED]))
    def submit(self, pick: int, status: str) -> None:
        self._step(status, "submit", pick)

    @rule(pick=st.integers(0, 20), back=st.sampled_from([1, 2, 0]))
    def build_submit_and_approve(self, pick: int, back: int) -> None:
        """A month carried through at once (each step may still be refused)."""
        provider_id = self.world.providers[pick % len(self.world.providers)]
        period = self.month(back)
        if self.refused(self._build(provider_id, period), BUILD_REFUSALS) is None:
            for status, action in ((rules.DRAFT, "submit"), (rules.SUBMITTED, "approve")):
                rows = [r for r in self._mine(status) if r["period"] == str(period)]
                row = next((r for r in rows if r["id"] in self._of(provider_id)), None)
                if row is None:
                    return
                if action == "approve":  # the supervisor decides the sample first
                    self.run(decide_review_samples(self.ctx, self.supervisor, row["id"]))
                    row = next(r for r in self._mine(status) if r["id"] == row["id"])  # its new version
                self._act(row, action)

    def _of(self, provider_id: int) -> set[int]:
        rows = self.run(Settlement.select(Settlement.id).where(Settlement.provider == provider_id).run())
        return {r["id"] for r in rows}

    @rule(pick=st.integers(0, 20))
    def approve(self, pick: int) -> None:
        self._step(rules.SUBMITTED, "approve", pick)

    @rule(pick=st.integers(0, 20))
    def reject(self, pick: int) -> None:
        self._step(rules.SUBMITTED, "reject", pick)

    @rule(pick=st.integers(0, 20))
    def pay(self, pick: int) -> None:
        self._step(rules.APPROVED, "pay", pick)

    @rule(which=st.integers(0, 2))
    def pay_an_advance(self, which: int) -> None:
        """The bureau pays a provider ahead (预拨): netted in its next settlements."""
        provider_id = self.world.providers[which % len(self.world.providers)]
        if (
            self.refused(
                advances.pay_advance(self.ctx, self.actor, AdvanceIn(provider_id=provider_id)), ADVANCE_REFUSALS
            )
            is None
        ):
            SEEN["advance paid"] = SEEN.get("advance paid", 0) + 1

    @rule(
        pick=st.integers(0, 40),
        outcome=st.sampled_from(["confirmed", "adjusted", "refused"]),
        share=st.sampled_from([0.0, 0.5, 1.0, 1.5]),
    )
    def review(self, pick: int, outcome: str, share: float) -> None:
        """A supervisor decides a sampled line (again, perhaps; or after approval: refused)."""
        samples = self.run(
            ReviewSample.select(ReviewSample.id, ReviewSample.fund_fen_drawn)
            .where(ReviewSample.provider.is_in(self.world.providers))
            .order_by(ReviewSample.id)
            .run()
        )
        if not samples:
            return
        sample = samples[pick % len(samples)]
        amount = int(sample["fund_fen_drawn"] * share) if outcome == "adjusted" else None
        decision = review.DecisionIn(outcome=outcome, amount_fen=amount, note="复审")
        if self.refused(review.decide(self.ctx, self.supervisor, sample["id"], decision), REVIEW_REFUSALS) is None:
            SEEN["review decided"] = SEEN.get("review decided", 0) + 1

    # ------------------------------------------------------------------ what must hold

    @invariant()
    def money_is_right(self) -> None:
        if self.world.providers:
            self.run(self._check())

    async def _check(self) -> None:
        providers = self.world.providers
        zone = self.ctx.settings.zone
        settlements = {r["id"]: r for r in await Settlement.select().where(Settlement.provider.is_in(providers))}
        postings_all = await LedgerPosting.select(
            LedgerPosting.account, LedgerPosting.debit_fen, LedgerPosting.credit_fen
        )
        # every source is booked once
        sources = [r["source_id"] for r in await LedgerEntry.select(LedgerEntry.source_id)]
        assert len(sources) == len(set(sources))
        locked = {i for i, r in settlements.items() if r["status"] in rules.LOCKED_STATUSES}
        carried: dict[int, list[int]] = {}
        for line in await SettlementLine.select(SettlementLine.settlement, SettlementLine.correction_id).where(
            SettlementLine.correction_id.is_not_null() & SettlementLine.settlement.is_in(list(settlements) or [0])
        ):
            carried.setdefault(line["correction_id"], []).append(line["settlement"])
        recorded = await SettlementCorrection.select().where(SettlementCorrection.provider.is_in(providers))
        for c in recorded:
            by_locked = [s for s in carried.get(c["id"], []) if s in locked]
            if c["applied_in"] is None:
                assert by_locked == [], f"correction {c['id']} carried by an approved settlement yet open"
            else:
                assert by_locked == [c["applied_in"]], f"correction {c['id']} applied by {c['applied_in']}: {by_locked}"
        # a recovery or penalty is netted by one approved settlement at most, the one it names
        nets: dict[int, list[int]] = {}
        for line in await SettlementLine.select(SettlementLine.settlement, SettlementLine.outcome_id).where(
            SettlementLine.outcome_id.is_not_null() & SettlementLine.settlement.is_in(list(settlements) or [0])
        ):
            nets.setdefault(line["outcome_id"], []).append(line["settlement"])
        imposed = await InspectionOutcome.select().where(InspectionOutcome.provider.is_in(providers))
        for o in imposed:
            by_locked = [s for s in nets.get(o["id"], []) if s in locked]
            assert by_locked == ([] if o["applied_in"] is None else [o["applied_in"]]), (o, by_locked)
        if any(o["applied_in"] is not None for o in imposed):
            SEEN["netted"] = SEEN.get("netted", 0) + 1
        # what a provider owes the fund is the recoveries and penalties not yet netted: 0 once netted
        for provider_id in providers:
            owed_to_fund = sum(
                p["debit_fen"] - p["credit_fen"]
                for p in postings_all
                if p["account"] == accounts.receivable(provider_id)
            )
            assert owed_to_fund == sum(
                o["amount_fen"] for o in imposed if o["provider"] == provider_id and o["applied_in"] is None
            )
        # no person's month corrected below nothing
        paid: dict[tuple[int, int, str], list[int]] = {}
        for line in await SettlementLine.select(
            SettlementLine.settlement.provider.as_alias("provider"),
            SettlementLine.settlement.period.as_alias("period"),
            SettlementLine.person,
            SettlementLine.gross_fen,
            SettlementLine.fund_fen,
        ).where(
            SettlementLine.settlement.is_in(list(locked) or [0])
            & SettlementLine.kind.is_in([rules.HOME, rules.INSTITUTIONAL])
        ):
            totals = paid.setdefault((line["provider"], line["person"], line["period"]), [0, 0])
            totals[0] += line["gross_fen"]
            totals[1] += line["fund_fen"]
        for c in recorded:
            totals = paid.setdefault((c["provider"], c["person"], c["corrects_period"]), [0, 0])
            totals[0] += c["amount_fen"]
            totals[1] += c["amount_fen"] if c["fund_fen"] is None else c["fund_fen"]
        assert all(gross >= 0 and 0 <= fund <= gross for gross, fund in paid.values()), paid
        # the ledger balances; the fund's postings are the approved amounts
        postings = await LedgerPosting.select(
            LedgerPosting.account,
            LedgerPosting.debit_fen,
            LedgerPosting.credit_fen,
            LedgerPosting.entry.settlement.as_alias("settlement"),
        )
        assert sum(p["debit_fen"] for p in postings) == sum(p["credit_fen"] for p in postings)
        netted: dict[int, int] = {}  # by settlement: the advance its lines count as paid
        for line in await SettlementLine.select(SettlementLine.settlement, SettlementLine.fund_fen).where(
            SettlementLine.settlement.is_in(list(settlements) or [0]) & (SettlementLine.kind == rules.ADVANCE_NETTING)
        ):
            netted[line["settlement"]] = netted.get(line["settlement"], 0) - line["fund_fen"]
        # a sampled line pays what its decision says; a settlement's total is its lines'; an
        # approved one has no line waiting for review
        for sample in await ReviewSample.select().where(ReviewSample.settlement.is_in(list(settlements) or [0])):
            line = (
                await SettlementLine.select(SettlementLine.fund_fen)
                .where(SettlementLine.id == sample["line_id"])
                .first()
            )
            assert line is not None and line["fund_fen"] == review_draw.decided_fund(
                sample["status"], sample["fund_fen_drawn"], sample["amount_fen"]
            ), sample
            assert not (sample["settlement"] in locked and sample["status"] == "pending"), sample
        for settlement_id, row in settlements.items():
            lines = await SettlementLine.select(SettlementLine.fund_fen).where(
                SettlementLine.settlement == settlement_id
            )
            assert row["fund_fen"] == sum(line["fund_fen"] for line in lines), row
        # the quality reserve a settlement withheld (its reserve lines are negative)
        withheld: dict[int, int] = {}
        for line in await SettlementLine.select(SettlementLine.settlement, SettlementLine.fund_fen).where(
            SettlementLine.settlement.is_in(list(locked) or [0]) & (SettlementLine.kind == rules.RESERVE)
        ):
            withheld[line["settlement"]] = withheld.get(line["settlement"], 0) - line["fund_fen"]
        assert all(amount > 0 for amount in withheld.values())
        for provider_id in providers:
            mine = [r for r in settlements.values() if r["provider"] == provider_id]
            ids = {r["id"] for r in mine}
            # what was paid ahead less what approvals netted: never below nothing, never netted twice
            advanced = sum(
                p["debit_fen"] - p["credit_fen"] for p in postings if p["account"] == accounts.advance(provider_id)
            )
            paid_ahead = sum(
                p["debit_fen"]
                for p in postings
                if p["account"] == accounts.advance(provider_id) and p["settlement"] is None
            )
            netted_by_approvals = sum(netted.get(i, 0) for i in ids if i in locked)
            assert advanced == paid_ahead - netted_by_approvals >= 0, (advanced, paid_ahead, netted_by_approvals)
            if netted_by_approvals:
                SEEN["advance netted"] = 1
            spent = sum(
                p["debit_fen"] - p["credit_fen"]
                for p in postings
                if p["settlement"] in ids and p["account"] == accounts.CARE_EXPENSE
            )
            owed = sum(
                p["credit_fen"] - p["debit_fen"]
                for p in postings
                if p["settlement"] in ids and p["account"] == accounts.payable(provider_id)
            )
            offset = sum(
                line["fund_fen"]
                for line in await SettlementLine.select(SettlementLine.fund_fen).where(
                    SettlementLine.settlement.is_in([i for i in ids if i in locked] or [0])
                    & SettlementLine.kind.is_in(list(rules.OFFSET_ACCOUNTS))
                )
            )
            # an approval's care expense is its fund amount plus what it netted (advances,
            # recoveries and penalties, the reserve: lines of −x fen)
            assert spent == sum(r["fund_fen"] for r in mine if r["status"] in rules.LOCKED_STATUSES) - offset
            reserved = sum(
                p["credit_fen"] - p["debit_fen"]
                for p in postings
                if p["settlement"] in ids and p["account"] == accounts.reserve(provider_id)
            )
            settled = [r for r in mine if r["status"] in rules.LOCKED_STATUSES]
            assert reserved == sum(withheld.get(r["id"], 0) for r in settled)
            assert owed == sum(r["fund_fen"] for r in mine if r["status"] == rules.APPROVED)
        assert await LedgerEntry.count().where(
            LedgerEntry.settlement.is_in(list(settlements) or [0]) & (LedgerEntry.kind == "approval")
        ) == len(locked)
        # the periods
        for r in settlements.values():
            period = Period.parse(r["period"])
            assert r["built_at"] >= period.start_utc(zone), "a draft of a month not yet begun"
            if r["status"] in (rules.SUBMITTED, rules.APPROVED, rules.PAID, rules.REJECTED):
                assert r["submitted_at"] >= period.end_utc(zone), "submitted before its month ended"
            if r["decided_at"] is not None:
                assert r["decided_at"] >= period.end_utc(zone), "decided before its month ended"


def test_money_stays_right_under_every_sequence(loop, services, officer, supervisor) -> None:
    SEEN.clear()
    MoneyMachine.loop, MoneyMachine.base, MoneyMachine.actor = loop, services, officer
    MoneyMachine.supervisor = supervisor
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=50,
            deadline=None,
            derandomize=True,  # the same sequences each run: what they reach is asserted below
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    # the sequences reached what they are there to test
    assert SEEN.get("approve", 0) >= 3 and SEEN.get("pay", 0) >= 1 and SEEN.get("correction recorded", 0) >= 2, str(
        SEEN
    )
    # (a correction taking back more than was paid is refused in its own hand-worked test below)
    assert {"period_not_ended", "period_in_future"} <= set(SEEN), SEEN
    # Advances paid and netted month after month are proven in the ledger property test
    # (tests/domain/test_ledger.py) and the fund planning service test; here they are checked
    # whenever the sequences reach one.
    assert SEEN.get("review decided", 0) >= 3 and "review_pending" in SEEN, SEEN


class NettingMachine(MoneyMachine):
    """The same steps, and recoveries and penalties imposed on the providers' inspection cases."""

    @rule(which=st.integers(0, 2), action=st.sampled_from(["recover", "penalty"]), amount=st.integers(1, 120_000))
    def recover_or_penalise(self, which: int, action: str, amount: int) -> None:
        """A recovery or a penalty on the provider's case: netted in its next approved settlement."""
        provider_id = self.world.providers[which]
        data = OutcomeIn(action=action, amount_fen=amount, note="sequence")  # type: ignore[arg-type]
        outcome = take_outcome(self.ctx, self.world.supervisor, self.world.cases[provider_id], data)
        if self.refused(outcome, OUTCOME_REFUSALS) is None:
            SEEN[f"{action} imposed"] = SEEN.get(f"{action} imposed", 0) + 1


def test_recoveries_and_penalties_are_netted_once_and_the_ledger_stays_right(loop, services, officer) -> None:
    SEEN.clear()
    NettingMachine.loop, NettingMachine.base, NettingMachine.actor = loop, services, officer
    run_state_machine_as_test(
        NettingMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=50,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    assert SEEN.get("recover imposed", 0) >= 1 and SEEN.get("penalty imposed", 0) >= 1, SEEN
    assert SEEN.get("approve", 0) >= 3 and SEEN.get("netted", 0) >= 1, SEEN


# --------------------------------------------------------------------------- step by step


async def carry_through(ctx: ServiceContext, actor: Actor, provider_id: int, period: Period, supervisor: Actor) -> int:
    """Build, submit and approve the provider's month (its review sample confirmed by the
    supervisor first): the settlement's id."""
    await build.build_settlements(
        ctx, BuildSettlementsParams(period=str(period), provider_id=provider_id), _no_progress
    )
    row = (
        await Settlement.select(Settlement.id, Settlement.version)
        .where(Settlement.settlement_key == f"{provider_id}:{period}")
        .first()
    )
    await workflow.act(ctx, actor, row["id"], "submit", seen_version=row["version"])
    await decide_review_samples(ctx, supervisor, row["id"])
    await workflow.act(ctx, actor, row["id"], "approve", seen_version=row["version"] + 1)
    return row["id"]


async def draft_of(provider_id: int, period: Period) -> dict[str, Any]:
    return (
        await Settlement.select(Settlement.id, Settlement.version, Settlement.status)
        .where(Settlement.settlement_key == f"{provider_id}:{period}")
        .first()
    )


async def carried(settlement_id: int) -> list[int]:
    rows = await SettlementLine.select(SettlementLine.correction_id).where(
        (SettlementLine.settlement == settlement_id) & SettlementLine.correction_id.is_not_null()
    )
    return sorted(r["correction_id"] for r in rows)


async def test_a_correction_on_two_drafts_is_applied_once_and_a_late_one_waits(services, officer, supervisor) -> None:
    ctx = replace(services, clock=FixedClock(datetime(2031, 4, 5, 2, 0, tzinfo=UTC)))  # January to March ended
    world = World()
    await world.make(ctx, [60])
    provider_id = world.providers[1]
    person_id = world.persons[provider_id][0]
    january, february, march = MONTHS[:3]
    await carry_through(ctx, officer, provider_id, january, supervisor)

    def correction(amount: int) -> CorrectionRequest:
        return CorrectionRequest(
            provider_id=provider_id, corrects_period=str(january), person_id=person_id, amount_fen=amount, reason="r"
        )

    first = await corrections.add_correction(ctx, officer, correction(-100))
    for period in (february, march):
        await build.build_settlements(
            ctx, BuildSettlementsParams(period=str(period), provider_id=provider_id), _no_progress
        )
    late = await corrections.add_correction(ctx, officer, correction(-50))  # after February's draft was built
    feb, mar = await draft_of(provider_id, february), await draft_of(provider_id, march)
    assert await carried(feb["id"]) == [first.id] and await carried(mar["id"]) == [first.id]
    await build.build_settlements(ctx, BuildSettlementsParams(period=str(march), provider_id=provider_id), _no_progress)
    mar = await draft_of(provider_id, march)
    assert await carried(mar["id"]) == [first.id, late.id], "a rebuilt draft carries what is open"

    await workflow.act(ctx, officer, feb["id"], "submit", seen_version=feb["version"])
    await workflow.act(ctx, officer, mar["id"], "submit", seen_version=mar["version"])
    for draft in (feb, mar):
        await decide_review_samples(ctx, supervisor, draft["id"])
    await workflow.act(ctx, officer, feb["id"], "approve", seen_version=feb["version"] + 1)
    applied = {
        r["id"]: r["applied_in"]
        for r in await SettlementCorrection.select().where(SettlementCorrection.provider == provider_id)
    }
    assert applied == {first.id: feb["id"], late.id: None}, "only what February's lines carry"
    with pytest.raises(DomainError) as refused:
        await workflow.act(ctx, officer, mar["id"], "approve", seen_version=mar["version"] + 1)
    assert refused.value.code == "correction_already_applied"
    # the database refuses it too, and refuses changing or removing an applied correction
    with pytest.raises(Exception, match="correction_already_applied"):
        await Settlement.update({Settlement.status: rules.APPROVED}).where(Settlement.id == mar["id"])
    with pytest.raises(Exception, match="correction_applied_once"):
        await SettlementCorrection.update({SettlementCorrection.applied_in: mar["id"]}).where(
            SettlementCorrection.id == first.id
        )
    with pytest.raises(Exception, match="correction_applied_once"):
        await SettlementCorrection.update({SettlementCorrection.amount_fen: -1}).where(
            SettlementCorrection.id == late.id
        )
    with pytest.raises(Exception, match="correction_applied_once"):
        await SettlementCorrection.delete().where(SettlementCorrection.id == first.id)

    # rejected and rebuilt, March drops what February applied and carries the late one
    await workflow.act(ctx, officer, mar["id"], "reject", seen_version=mar["version"] + 1, reason="更正已执行")
    await build.build_settlements(ctx, BuildSettlementsParams(period=str(march), provider_id=provider_id), _no_progress)
    mar = await draft_of(provider_id, march)
    assert await carried(mar["id"]) == [late.id]
    await workflow.act(ctx, officer, mar["id"], "submit", seen_version=mar["version"])
    await decide_review_samples(ctx, supervisor, mar["id"])
    await workflow.act(ctx, officer, mar["id"], "approve", seen_version=mar["version"] + 1)
    late_row = await SettlementCorrection.select().where(SettlementCorrection.id == late.id).first()
    assert late_row["applied_in"] == mar["id"]


async def test_membership_bounds_and_nothing_to_settle(services, officer, supervisor) -> None:
    ctx = replace(services, clock=FixedClock(datetime(2031, 4, 5, 2, 0, tzinfo=UTC)))
    world = World()
    await world.make(ctx, [60])
    provider_id = world.providers[2]
    january = MONTHS[0]
    settlement_id = await carry_through(ctx, officer, provider_id, january, supervisor)
    # a person whose January visit was recorded after the approval (the month left it out)
    late_person, plan_id = await new_person(provider_id, 3)
    zone = ctx.settings.zone
    await new_visit(provider_id, late_person, plan_id, datetime(2031, 1, 28, 9, 0, tzinfo=zone), 60)

    def request(person_id: int, amount: int, fund: int | None = None) -> CorrectionRequest:
        return CorrectionRequest(
            provider_id=provider_id,
            corrects_period=str(january),
            person_id=person_id,
            amount_fen=amount,
            fund_fen=fund,
            reason="补记服务",
        )

    # level 3: 20 h at 75.00 a hour at most, the fund 90 % of it
    ceiling = 20 * 7500
    await corrections.add_correction(ctx, officer, request(late_person, 7500, 6750))
    for person_id, amount, fund, code in [
        (late_person, ceiling - 7500 + 1, 0, "correction_exceeds_ceiling"),
        (late_person, -7501, -6750, "correction_exceeds_paid"),
        (world.persons[world.providers[0]][0], 100, None, "person_not_of_provider"),
    ]:
        with pytest.raises(DomainError) as refused:
            await corrections.add_correction(ctx, officer, request(person_id, amount, fund))
        assert refused.value.code == code
    nobody = request(late_person, 100).model_copy(update={"person_id": None})
    with pytest.raises(DomainError) as refused:
        await corrections.add_correction(ctx, officer, nobody)
    assert refused.value.code == "person_required"
    # the line paid: a refund of all of it is accepted, one fen more is not
    person_id = world.persons[provider_id][0]
    line = (
        await SettlementLine.select(SettlementLine.gross_fen, SettlementLine.fund_fen)
        .where((SettlementLine.settlement == settlement_id) & (SettlementLine.person == person_id))
        .first()
    )
    with pytest.raises(DomainError) as refused:
        await corrections.add_correction(ctx, officer, request(person_id, -line["gross_fen"] - 1, -line["fund_fen"]))
    assert refused.value.code == "correction_exceeds_paid"
    await corrections.add_correction(ctx, officer, request(person_id, -line["gross_fen"], -line["fund_fen"]))

    # April has nothing of its own but the open corrections: a draft carrying them; a provider
    # with nothing at all gets none
    empty = await new_provider(6000)
    april = MONTHS[3]
    for pid in (provider_id, empty):
        await build.build_settlements(ctx, BuildSettlementsParams(period=str(april), provider_id=pid), _no_progress)
    assert await draft_of(empty, april) is None
    draft = await draft_of(provider_id, april)
    assert len(await carried(draft["id"])) == 2
    with pytest.raises(DomainError) as refused:
        await build.check_build(ctx, officer, BuildSettlementsParams(period="2031-05", provider_id=provider_id))
    assert refused.value.code == "period_in_future"
    with pytest.raises(DomainError) as refused:
        await build.check_build(ctx, officer, BuildSettlementsParams(period="2031-04", provider_id=2_000_000_000))
    assert refused.value.code == "provider_not_found"
    agency = Actor(user_id=officer.user_id, username="a", role=Role.AGENCY, provider_id=provider_id)
    with pytest.raises(DomainError) as refused:
        await build.check_build(ctx, agency, BuildSettlementsParams(period="2031-04", provider_id=provider_id))
    assert refused.value.code == "role_not_allowed"


async def test_two_approvals_at_once_apply_a_correction_once(services, officer, supervisor) -> None:
    ctx = replace(services, clock=FixedClock(datetime(2031, 4, 5, 2, 0, tzinfo=UTC)))
    world = World()
    await world.make(ctx, [45])
    provider_id = world.providers[0]
    january, february, march = MONTHS[:3]
    await carry_through(ctx, officer, provider_id, january, supervisor)
    person_id = world.persons[provider_id][1]
    correction = await corrections.add_correction(
        ctx,
        officer,
        CorrectionRequest(
            provider_id=provider_id, corrects_period=str(january), person_id=person_id, amount_fen=-10, reason="r"
        ),
    )
    drafts = []
    for period in (february, march):
        await build.build_settlements(
            ctx, BuildSettlementsParams(period=str(period), provider_id=provider_id), _no_progress
        )
        row = await draft_of(provider_id, period)
        await workflow.act(ctx, officer, row["id"], "submit", seen_version=row["version"])
        await decide_review_samples(ctx, supervisor, row["id"])
        drafts.append(row)
    outcomes = await asyncio.gather(
        *(workflow.act(ctx, officer, d["id"], "approve", seen_version=d["version"] + 1) for d in drafts),
        return_exceptions=True,
    )
    won = [d["id"] for d, o in zip(drafts, outcomes, strict=True) if not isinstance(o, BaseException)]
    lost = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], DomainError) and lost[0].code == "correction_already_applied"
    row = await SettlementCorrection.select().where(SettlementCorrection.id == correction.id).first()
    assert row["applied_in"] == won[0]
    approvals = await LedgerEntry.count().where(
        LedgerEntry.settlement.is_in([d["id"] for d in drafts]) & (LedgerEntry.kind == "approval")
    )
    assert approvals == 1, "the refused approval posted nothing"


# ---------------------------------------------------------------------------- relief (一站式)

RELIEF_REFUSALS = {"relief_nothing_due", "period_not_ended"}


class ReliefMachine(MoneyMachine):
    """The same steps with the first person of each provider in a hardship group (低保) from
    the first month, and the relief fund reimbursing months. After every step: the ledger
    balances; each settlement's fund amount and relief are its lines'; each provider is owed
    the fund amount and the relief of its approved settlements; a relieved person's care lines
    carry their whole personal share as relief, nobody else's carry any; and the relief fund
    owes the insurance fund exactly the relief of the approved and paid settlements less what
    it has reimbursed (every month of the database)."""

    @initialize(minutes=st.lists(st.integers(30, 200), min_size=1, max_size=6))
    def make_world(self, minutes: list[int]) -> None:
        self.run(self.world.make(self.ctx, minutes))
        self.relieved = {persons[0] for persons in self.world.persons.values()}
        self.run(
            ReliefEnrolment.insert(
                *[
                    ReliefEnrolment(
                        enrolment_key=f"{person}:dibao:2030-01-01",
                        person=person,
                        group="dibao",
                        from_day=date(2030, 1, 1),
                        imported_at=CREATED_AT,
                    )
                    for person in sorted(self.relieved)
                ]
            ).run()
        )

    @rule(back=st.sampled_from([1, 2, 3, 0]))
    def relief_fund_reimburses(self, back: int) -> None:
        period = str(self.month(back))
        code = self.refused(relief_statement.record_reimbursement(self.ctx, self.actor, period), RELIEF_REFUSALS)
        if code is None:
            SEEN["reimbursed"] = SEEN.get("reimbursed", 0) + 1
            again = relief_statement.record_reimbursement(self.ctx, self.actor, period)
            assert self.refused(again, RELIEF_REFUSALS) == "relief_nothing_due", "the month is square"

    # The money machine's own invariant asks that a provider be owed exactly the fund amount of
    # its approved settlements; here it is owed the relief beside it, so this invariant takes its
    # place (the machine's class is left as it is: its source seeds its derandomized sequences).
    @invariant()
    def money_is_right(self) -> None:
        if self.world.providers:
            self.run(self._check_relief())

    async def _check_relief(self) -> None:
        providers = self.world.providers
        settlements = await Settlement.select().where(Settlement.provider.is_in(providers))
        postings = await LedgerPosting.select(
            LedgerPosting.account,
            LedgerPosting.debit_fen,
            LedgerPosting.credit_fen,
            LedgerPosting.entry.settlement.as_alias("settlement"),
        )
        assert sum(p["debit_fen"] for p in postings) == sum(p["credit_fen"] for p in postings)
        for row in settlements:
            lines = await SettlementLine.select(SettlementLine.fund_fen, SettlementLine.relief_fen).where(
                SettlementLine.settlement == row["id"]
            )
            assert row["fund_fen"] == sum(line["fund_fen"] for line in lines), row
            assert row["relief_fen"] == sum(line["relief_fen"] for line in lines), row
        for provider_id in providers:
            mine = [r for r in settlements if r["provider"] == provider_id]
            ids = {r["id"] for r in mine}
            owed = sum(
                p["credit_fen"] - p["debit_fen"]
                for p in postings
                if p["settlement"] in ids and p["account"] == accounts.payable(provider_id)
            )
            # one stop: the provider is owed the fund's share and the relief together, paid at once
            assert owed == sum(r["fund_fen"] + r["relief_fen"] for r in mine if r["status"] == rules.APPROVED)
        mine = Settlement.select(Settlement.id).where(Settlement.provider.is_in(providers))
        for line in await SettlementLine.select(
            SettlementLine.person, SettlementLine.kind, SettlementLine.personal_fen, SettlementLine.relief_fen
        ).where(SettlementLine.settlement.is_in(mine)):
            if line["kind"] in (rules.HOME, rules.INSTITUTIONAL):
                expected = line["personal_fen"] if line["person"] in self.relieved else 0
                assert line["relief_fen"] == expected, line
            elif line["person"] not in self.relieved:
                assert line["relief_fen"] == 0, line
        due = sum(
            p["debit_fen"] - p["credit_fen"]
            for p in await LedgerPosting.select(LedgerPosting.debit_fen, LedgerPosting.credit_fen).where(
                LedgerPosting.account == accounts.RELIEF_DUE
            )
        )
        approved = sum(
            r["relief_fen"]
            for r in await Settlement.select(Settlement.relief_fen).where(
                Settlement.status.is_in(list(rules.LOCKED_STATUSES))
            )
        )
        reimbursed = sum(  # either sign: relief a correction took back is returned
            p["credit_fen"] - p["debit_fen"]
            for p in await LedgerPosting.select(LedgerPosting.credit_fen, LedgerPosting.debit_fen).where(
                (LedgerPosting.account == accounts.RELIEF_DUE) & (LedgerPosting.entry.kind == "relief")
            )
        )
        assert due == approved - reimbursed, (due, approved, reimbursed)
        if approved:
            SEEN["relief approved"] = 1


def test_relief_is_carried_owed_and_reimbursed_and_the_ledger_stays_right(loop, services, officer, supervisor) -> None:
    SEEN.clear()
    ReliefMachine.loop, ReliefMachine.base, ReliefMachine.actor = loop, services, officer
    ReliefMachine.supervisor = supervisor
    run_state_machine_as_test(
        ReliefMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=50,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    assert SEEN.get("approve", 0) >= 3 and SEEN.get("relief approved", 0) >= 1, SEEN
    assert SEEN.get("reimbursed", 0) >= 1 and "relief_nothing_due" in SEEN, SEEN
