"""Pricing a gathered month: each provider's home and institutional care as the pricing rules'
inputs (``ltc.domain.settlement``), and its draft.

Each (person, version) group of counted visits goes to the rules as one ``VisitGroup``: its ids
in (day, id) order, its first and last day, its minutes. What the aggregate cannot vouch for (a
counted visit without both times, a check-in outside the month, a day with no policy in force)
sends that provider through the per-visit path, which prices or fails exactly as the rules do."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from ltc.db.queries import months
from ltc.db.queries.settlements import DAY_BITS, ID_MASK, PROVIDER_BLOCKED_VISITS, key_array
from ltc.db.tables import Visit, VisitException
from ltc.domain import settlement as rules
from ltc.domain.errors import NotFound
from ltc.domain.fund import with_advance_netting
from ltc.domain.periods import Period, local_day
from ltc.services.context import ServiceContext
from ltc.services.reference import policy_book
from ltc.services.settlements.gathering import BILLABLE_CENSUS, Month, Row, Runs


def _dates(value: str | Sequence[date] | None) -> list[date]:
    if value is None:
        return []
    if isinstance(value, str):
        return [date.fromisoformat(v) for v in value.split(",")] if value else []
    return list(value)


def home_month(
    rows: Sequence[Row],
    blocked: dict[int, list[Row]],
    mixed_levels: dict[tuple[int, int], int],
    period: Period,
    hourly: int | None,
    runs: Runs,
) -> list[rules.HomeCareInput] | None:
    """The inputs from the provider's aggregated persons, less the visits an exception keeps
    out (by person); None when the per-visit path must decide."""
    days, mask, bits = period.days(), ID_MASK, DAY_BITS
    dates = period.dates()
    starts = [first for first, _ in runs]
    ends = [*starts[1:], days]  # each run's days: [its first, the next's first)
    names = [(f"n{n}", f"minutes{n}") for n in range(len(runs))]
    # Every person's keys at once (numpy): the kept-out visits taken off, each person's keys
    # sorted by day, then id.
    keys, aggregated = key_array([row["keys"] for row in rows])
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), aggregated)
    out_ids = np.sort(np.fromiter((b["id"] for person in blocked.values() for b in person), dtype=np.int64))
    if out_ids.size:  # a few kept-out ids among thousands of keys: found by bisection (np.isin sorts both)
        ids = keys & mask
        kept = out_ids[np.minimum(np.searchsorted(out_ids, ids), out_ids.size - 1)] != ids
        keys, owner = keys[kept], owner[kept]
    if keys.size and (keys.min() < 0 or keys.max() >= days << bits):
        return None  # a check-in outside the month
    if len(rows) < 1 << (63 - DAY_BITS - 5):  # the person's index above the key's 45 bits
        keys = np.sort(owner << (DAY_BITS + 5) | keys) & ((1 << (DAY_BITS + 5)) - 1)
    else:
        keys = keys[np.lexsort((keys, owner))]
    counts = np.bincount(owner, minlength=len(rows)).tolist()
    ordered = keys.tolist()
    ids = (keys & mask).tolist()
    inputs = []
    start = 0
    for row, row_aggregated, row_kept in zip(rows, aggregated, counts, strict=True):
        counted = [row[count] for count, _ in names]
        if row_aggregated != sum(counted):
            return None
        if not row_aggregated:
            continue  # planless visits only
        minutes = [row[total] or 0 for _, total in names]
        incomplete = row["incomplete"] or 0
        excluded: tuple[int, ...] = ()
        out = blocked.get(row["person"])
        if out:
            for b in out:
                if b["day"] is None or not 0 <= b["day"] < days:
                    return None
                n = bisect_right(starts, b["day"]) - 1
                counted[n] -= 1
                minutes[n] -= b["minutes"] or 0
                incomplete -= b["incomplete"]
            if min(counted) < 0:
                return None
            excluded = tuple(sorted({b["id"] for b in out}))
        if row_kept != sum(counted):
            return None
        groups = []
        if row_kept:
            if incomplete or row["max_id"] > mask:
                return None
            for n, (first, version) in enumerate(runs):
                if not counted[n]:
                    continue
                end = start + counted[n]
                low, high = ordered[start] >> bits, ordered[end - 1] >> bits
                if version is None or low < first or high >= ends[n]:
                    return None
                groups.append(rules.VisitGroup(tuple(ids[start:end]), dates[low], dates[high], int(minutes[n])))
                start = end
        if row["plan_low"] == row["plan_high"]:
            level = row["level_low"]
        else:
            level = mixed_levels.get((row["provider"], row["person"]))
        inputs.append(rules.HomeCareInput(row["person"], level or 0, (), excluded, hourly, tuple(groups)))
    return inputs


@dataclass
class _PersonVisits:
    level: int = 0
    visits: list[rules.CountedVisit] = field(default_factory=list)
    excluded: list[int] = field(default_factory=list)


async def home_inputs_per_visit(
    ctx: ServiceContext, provider_id: int, period: Period, hourly: int | None
) -> list[rules.HomeCareInput]:
    """The provider's home care visit by visit (a row each): the exact path, for a month the
    aggregate cannot vouch for."""
    zone = ctx.settings.zone
    rows = await Visit.select(
        Visit.id,
        Visit.person,
        Visit.checked_in_at,
        Visit.checked_out_at,
        Visit.care_plan.level.as_alias("level"),
    ).where(
        (Visit.provider == provider_id)
        & (Visit.status == "done")
        & (Visit.checked_in_at >= period.start_utc(zone))
        & (Visit.checked_in_at < period.end_utc(zone))
        & months.of_checked_in_period(period, zone).where(Visit.service_month)
        & Visit.care_plan.is_not_null()
    )
    # A visit counts once every exception on it is resolved and none was rejected.
    blocked = {r["visit"] for r in await VisitException.raw(PROVIDER_BLOCKED_VISITS, provider_id)}
    by_person: dict[int, _PersonVisits] = defaultdict(_PersonVisits)
    for r in rows:
        entry = by_person[r["person"]]
        entry.level = max(entry.level, r["level"] or 0)
        if r["id"] in blocked:
            entry.excluded.append(r["id"])
            continue
        minutes = int((r["checked_out_at"] - r["checked_in_at"]).total_seconds() // 60)
        entry.visits.append(rules.CountedVisit(r["id"], local_day(r["checked_in_at"], zone), max(minutes, 0)))
    return [
        rules.HomeCareInput(
            person_id=person,
            level=e.level,
            visits=tuple(sorted(e.visits, key=lambda v: v.visit_id)),
            excluded_visit_ids=tuple(sorted(e.excluded)),
            hourly_price_fen=hourly,
        )
        for person, e in by_person.items()
    ]


def institutional_inputs(provider_id: int, daily_price: int, month: Month) -> list[rules.InstitutionalCareInput]:
    rows = month.census.get(provider_id, [])
    if not rows:
        return []
    levels = month.levels.get(provider_id, {})
    days: dict[int, list[date]] = defaultdict(list)
    leave: dict[int, list[date]] = defaultdict(list)
    for r in rows:
        (days if r["status"] in BILLABLE_CENSUS else leave)[r["person"]] += _dates(r["days"])
    held = month.unsettled.get(provider_id, {})  # days a bed-day check holds back
    persons = sorted((set(days) | set(leave)) & set(levels))
    return [
        rules.InstitutionalCareInput(
            person_id=p,
            level=levels[p],
            agreed_daily_price_fen=daily_price,
            days=tuple(sorted(d for d in days[p] if d not in held.get(p, ()))),
            leave_days=tuple(sorted(leave[p])),
            excluded_days=tuple(sorted(d for d in days[p] if d in held.get(p, ()))),
        )
        for p in persons
    ]


async def draft(ctx: ServiceContext, provider_id: int, period: Period, month: Month) -> rules.SettlementDraft:
    """The provider's draft for the month, priced by the rules from the gathered month."""
    provider = month.prices.get(provider_id)
    if provider is None:
        raise NotFound("没有该护理机构", code="provider_not_found")
    hourly = provider["hourly_price_fen"] or None
    home = home_month(
        month.home.get(provider_id, []),
        month.blocked.get(provider_id, {}),
        month.mixed_levels,
        period,
        hourly,
        month.runs,
    )
    if home is None:
        home = await home_inputs_per_visit(ctx, provider_id, period, hourly)
    institutional = institutional_inputs(provider_id, provider["daily_price_fen"], month)
    adjustments = [
        rules.Adjustment(
            period=Period.parse(c["corrects_period"]),
            person_id=c["person"],
            amount_fen=c["amount_fen"],
            reason=c["reason"],
            fund_fen=c["fund_fen"],
            correction_id=c["id"],
        )
        for c in month.corrections.get(provider_id, [])
        if Period.parse(c["corrects_period"]) < period  # a later month's correction waits for a later draft
    ]
    deduction = None
    if period.month == 12:  # the annual evaluation adjusts the year-end settlement
        score = month.evaluations.get(f"{provider_id}:{period.year}")
        if score is not None:
            deduction = rules.EvaluationDeduction(period.year, score)
    built = rules.build_settlement(
        provider_id,
        period,
        home,
        institutional,
        adjustments,
        deduction,
        policy_for=policy_book(ctx.settings).in_force,
        nettings=month.nettings.get(provider_id, ()),
        held=month.held.get(provider_id, {}),
        towns=month.towns,
        family_care=month.family_care.get(provider_id, ()),
        enrolments=month.enrolments,
    )
    return with_advance_netting(built, month.open_advances.get(provider_id, 0))
