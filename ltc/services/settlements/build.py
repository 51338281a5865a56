"""The month's build: every provider's draft, or one provider's, as a job.

The month is gathered in shares of the providers (``gathering``), each share priced as it
comes (``pricing``), the drafts stored a batch of providers per transaction (``storing``)
while the next ones are priced, with the cycle collector paused throughout. Building again
from the same facts gives the same draft (same content hash, same version)."""

from __future__ import annotations

import asyncio
import gc
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from ltc.db.engine import current_engine, is_sqlite
from ltc.db.queries.risk_facts import VisitTally
from ltc.db.tables import Provider
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import NotFound
from ltc.domain.periods import Period
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.job_parts import FanOut
from ltc.services.jobs import Progress, register_conclusion, register_job_kind, start_job
from ltc.services.partitions import ensure_for
from ltc.services.reference import policy_book
from ltc.services.settlements.gathering import HomePart, Month, Runs, gather, home_part, policy_runs
from ltc.services.settlements.pricing import draft
from ltc.services.settlements.storing import Ready, StoredDraft, store
from ltc.services.settlements.values import (
    BuildPartResult,
    BuildResult,
    BuildSettlementsParams,
    BuildSettlementsPartParams,
    BuiltDraft,
)
from ltc.services.supervision.review_draw import draw_samples
from ltc.services.supervision.risk import month_tallies

# A transaction stores the drafts of providers until this many lines and counted visits:
# a few transactions a month, none holding SQLite's one write lock for long.
BATCH_SIZE = 250_000
# The month's home visits for every provider are aggregated in shares of the providers (by id
# modulo the number of shares), each share priced as soon as it is there: (shares, queries at
# once). SQLite runs a query on one core, so both run at once on their own connections;
# PostgreSQL aggregates the next share while Python prices the one before.
HOME_SHARES = {"sqlite": (2, 2), "postgres": (2, 1)}


class _HomeShares:
    """The month's home visits for every provider, aggregated in shares of the providers (by
    id modulo the number of shares, ``HOME_SHARES``): the first queries start at once, and
    taking a share starts the next one, aggregated while the share taken is priced."""

    def __init__(self, ctx: ServiceContext, period: Period, runs: Runs) -> None:
        self.count, at_once = HOME_SHARES["sqlite" if is_sqlite(current_engine()) else "postgres"]
        self._query = lambda share: home_part(ctx, period, runs, (), (share, self.count))
        self._queries: deque[asyncio.Task[HomePart]] = deque()
        self._started = 0
        for _ in range(min(at_once, self.count)):
            self._start()

    def _start(self) -> None:
        self._queries.append(asyncio.create_task(self._query(self._started)))
        self._started += 1

    async def take(self) -> HomePart:
        rows = await self._queries.popleft()
        if self._started < self.count:
            self._start()
        return rows

    def cancel(self) -> None:
        for query in self._queries:
            query.cancel()


class _Storing:
    """Drafts priced one provider after another, stored a batch per transaction while the next
    providers are priced: one batch at a time on SQLite (one writer), two on PostgreSQL (whose
    foreign key checks take it longer than Python takes to price the lines)."""

    def __init__(self, ctx: ServiceContext, period: Period, progress: Progress) -> None:
        self.ctx, self.period, self.progress = ctx, period, progress
        self.in_flight = 1 if is_sqlite(current_engine()) else 2
        self.tasks: deque[asyncio.Task[list[StoredDraft]]] = deque()
        self.batch: list[Ready] = []
        self.size = 0
        self.priced, self.priced_size = 0, 0
        self.stored: list[StoredDraft] = []
        self.shown = 0.0

    async def price(self, month: Month, provider_ids: list[int], *, last: bool = False) -> None:
        """``last``: the last providers of the build, whose batches shrink towards the end (as
        big as what is left to price), so that little is left to store once all is priced."""
        for n, provider_id in enumerate(provider_ids, start=1):
            left = len(provider_ids) - n
            priced = await draft(self.ctx, provider_id, self.period, month)
            month.home.pop(provider_id, None)  # what is priced is no longer needed
            month.blocked.pop(provider_id, None)
            month.census.pop(provider_id, None)
            if not priced.lines:
                continue  # nothing to settle (no care, no correction): no draft
            self.batch.append(Ready.of(priced))  # hashed and laid out here, while earlier batches are stored
            size = sum(1 + len(line.visit_ids) for line in priced.lines)
            self.size += size
            self.priced, self.priced_size = self.priced + 1, self.priced_size + size
            size_left = left * self.priced_size // self.priced if last else BATCH_SIZE
            if self.size >= min(BATCH_SIZE, max(BATCH_SIZE // 16, size_left)):
                await self._flush(last=False, total=len(month.providers))
            await asyncio.sleep(0)  # the batches being stored go on between the providers priced

    async def finish(self, total: int) -> list[StoredDraft]:
        await self._flush(last=True, total=total)
        return self.stored

    async def _flush(self, *, last: bool, total: int) -> None:
        if self.batch:
            if len(self.tasks) == self.in_flight:
                self.stored += await self.tasks.popleft()
            self.tasks.append(asyncio.create_task(store(self.ctx, self.period, self.batch)))
            self.batch, self.size = [], 0
        while self.tasks and (last or self.tasks[0].done()):
            self.stored += await self.tasks.popleft()
        self.shown = max(self.shown, 1.0 if last else min(0.99, len(self.stored) / max(total, 1)))
        await self.progress(self.shown)

    async def abandon(self) -> None:
        """After a failure: the batches under way end as they would have."""
        if self.tasks:
            await asyncio.wait(self.tasks)
            for task in self.tasks:
                task.exception()  # retrieved: the first failure is the one raised


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cycle collector off for a while: a month's build makes millions of objects that
    form no cycles (freed as they go out of use), which it would scan again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@register_job_kind("build_settlements", action=Action.BUILD_SETTLEMENTS, params=BuildSettlementsParams)
async def build_settlements(
    ctx: ServiceContext, params: BuildSettlementsParams, progress: Progress
) -> BuildResult | FanOut:
    """The month's drafts for one provider in this job; for every provider, in parts of the
    providers (by id modulo the parts) which any number of workers share (``job_parts``; 1:
    the whole month in this job). The review sample is drawn once, over the month."""
    period = Period.parse(params.period)
    rules.check_buildable(period, local_today(ctx.clock, ctx.settings.zone))
    parts = params.parts or ctx.settings.job_parts
    if params.provider_id is None and parts > 1:
        await ensure_for(period.first_day, period.first_day)  # the lines' partition, before the parts write
        return FanOut(
            "build_settlements_part",
            [BuildSettlementsPartParams(period=str(period), share=n, shares=parts) for n in range(parts)],
        )
    return await build_in_one_job(ctx, params, progress)


@register_job_kind("build_settlements_part", action=Action.BUILD_SETTLEMENTS, params=BuildSettlementsPartParams)
async def build_settlements_part(
    ctx: ServiceContext, params: BuildSettlementsPartParams, progress: Progress
) -> BuildPartResult:
    """A part of the month's build: the drafts of the providers whose id is its share modulo
    the shares, priced and stored as the whole build does; no sample drawn yet."""
    period = Period.parse(params.period)
    storing = _Storing(ctx, period, progress)
    try:
        with _collector_paused():
            month = await gather(ctx, period, home=False)
            runs = policy_runs(period, policy_book(ctx.settings).in_force)
            month.add_home(await home_part(ctx, period, runs, (), (params.share, params.shares)))
            mine = sorted(p for p in month.providers if p % params.shares == params.share)
            await storing.price(month, mine, last=True)
            stored = await storing.finish(len(mine))
    except BaseException:
        await storing.abandon()
        raise
    return BuildPartResult(
        period=str(period),
        drafts=[
            BuiltDraft(provider_id=r.provider_id, settlement_id=r.settlement_id, rebuilt=r.rebuilt) for r in stored
        ],
    )


@register_conclusion("build_settlements", part_result=BuildPartResult)
async def conclude_build(
    ctx: ServiceContext, params: BuildSettlementsParams, parts: list[BuildPartResult], progress: Progress
) -> BuildResult:
    """The month's result from its parts' drafts, and the review sample drawn over the month."""
    drafts = [d for part in parts for d in part.drafts]
    return await _concluded(ctx, Period.parse(params.period), drafts)


async def build_in_one_job(ctx: ServiceContext, params: BuildSettlementsParams, progress: Progress) -> BuildResult:
    """The month's drafts for one provider or for every provider with care to settle, in this
    job: the month gathered in shares of the providers, each share priced as it comes, the
    drafts stored a batch of providers per transaction while the next ones are priced."""
    period = Period.parse(params.period)
    rules.check_buildable(period, local_today(ctx.clock, ctx.settings.zone))
    await ensure_for(period.first_day, period.first_day)  # the lines' partition (PostgreSQL)
    storing = _Storing(ctx, period, progress)
    tallies: asyncio.Task[list[VisitTally]] | None = None
    try:
        with _collector_paused():
            if params.provider_id is not None:
                provider_id = params.provider_id
                month = await gather(ctx, period, provider_id)
                await storing.price(month, [provider_id])
            else:  # every provider with a done visit or a census entry in the month
                # The review sample's visit tallies, read from the visits (which a build leaves
                # as they are) on a connection of their own while the drafts are priced and stored.
                tallies = asyncio.create_task(month_tallies(ctx, period))
                shares = _HomeShares(ctx, period, policy_runs(period, policy_book(ctx.settings).in_force))
                try:
                    month = await gather(ctx, period, home=False)  # while the first shares are aggregated
                    for share in range(shares.count):
                        month.add_home(await shares.take())
                        await storing.price(
                            month,
                            sorted(p for p in month.providers if p % shares.count == share),
                            last=share == shares.count - 1,
                        )
                finally:
                    shares.cancel()
            stored = await storing.finish(len(month.providers))
    except BaseException:
        await _dropped(tallies)
        await storing.abandon()
        raise
    drafts = [BuiltDraft(provider_id=r.provider_id, settlement_id=r.settlement_id, rebuilt=r.rebuilt) for r in stored]
    return await _concluded(ctx, period, drafts, tallies)


async def _dropped(task: asyncio.Task[Any] | None) -> None:
    """A task no longer wanted: cancelled, and waited for, whatever it ended with."""
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _concluded(
    ctx: ServiceContext,
    period: Period,
    drafts: list[BuiltDraft],
    tallies: asyncio.Task[list[VisitTally]] | None = None,
) -> BuildResult:
    """The build's result, and the review sample of the drafts rebuilt (``tallies``: the month's
    visit tallies under way, when the build started them)."""
    results = {r.provider_id: r for r in drafts}
    rebuilt = [r.settlement_id for r in drafts if r.rebuilt]
    if not rebuilt:
        await _dropped(tallies)  # no sample to draw
    else:  # the review sample (复审)
        await draw_samples(ctx, period, rebuilt, await tallies if tallies is not None else None)
    return BuildResult(
        period=str(period),
        providers=len(results),
        rebuilt=sum(1 for r in results.values() if r.rebuilt),
        settlement_ids=[results[p].settlement_id for p in sorted(results)],
    )


async def check_build(ctx: ServiceContext, actor: Actor | None, params: BuildSettlementsParams) -> None:
    """What a build needs, checked before it is queued: the bureau's word (or the monthly
    cron's, with no actor), a month that has begun (a running month is built as a preview),
    a provider that exists."""
    if actor is not None:
        require(actor, Action.BUILD_SETTLEMENTS)
    rules.check_buildable(Period.parse(params.period), local_today(ctx.clock, ctx.settings.zone))
    if params.provider_id is not None and not await Provider.exists().where(Provider.id == params.provider_id):
        raise NotFound("没有该护理机构", code="provider_not_found")


async def start_build(ctx: ServiceContext, actor: Actor | None, params: BuildSettlementsParams) -> UUID:
    """Queue the month's build once ``check_build`` accepts it."""
    await check_build(ctx, actor, params)
    return await start_job(ctx, actor, "build_settlements", params, provider_id=params.provider_id)
