"""Monthly settlements against the fund and the fund's ledger.

A build gathers the month from the database (verified visits, the census, open
corrections, the annual evaluation), prices it with ``ltc.domain.settlement`` and stores
the draft; building again from the same facts gives the same draft (same content hash,
same version). The workflow uses optimistic locking: every step names the version it saw
(``If-Match``), so of two officers approving at once exactly one wins. Approval and
payment post balanced entries to the ledger, each under a unique source id, so a replayed
job never posts twice. Approved settlements and ledger entries are also protected by
database triggers (migration 0007).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from piccolo.utils.encoding import dump_json

from ltc.db.engine import current_engine, is_sqlite, locked, write_transaction
from ltc.db.tables import (
    CarePlan,
    CensusEntry,
    LedgerEntry,
    LedgerPosting,
    Provider,
    ProviderEvaluation,
    Settlement,
    SettlementCorrection,
    SettlementLine,
    Visit,
    VisitException,
)
from ltc.domain import ledger
from ltc.domain import settlement as rules
from ltc.domain.access import Actor, Role, require_role
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.domain.periods import Period, local_day
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.jobs import Progress, register_job_kind
from ltc.services.reference import policy_book

BILLABLE_CENSUS = ("present", "admitted")
SUMMARY_COLUMNS = (
    Settlement.id,
    Settlement.provider,
    Settlement.provider.name.as_alias("provider_name"),
    Settlement.provider.code.as_alias("provider_code"),
    Settlement.period,
    Settlement.status,
    Settlement.version,
    Settlement.gross_fen,
    Settlement.fund_fen,
    Settlement.personal_fen,
    Settlement.content_hash,
    Settlement.built_at,
    Settlement.submitted_at,
    Settlement.decided_at,
    Settlement.rejection_reason,
    Settlement.paid_at,
)


def _period(text: str) -> Period:
    return Period.parse(text)


# --------------------------------------------------------------------------- gathering the month
#
# The month is aggregated in SQL, for one provider or for every provider in one query. Per
# provider, person and policy version: the counted visits (done, with a care plan, no
# blocking exception), the sum of their minutes (each the floor of its exact duration, never
# below 0) and their ids, each keyed by its local check-in day; per person the excluded
# visits. The pricing rules are handed one visit per (person, version) that carries the
# group's minutes on the group's first day — they price minutes per version, so the line is
# the one they would price from every visit — and ``_HomeMonth.name_visits`` then names all
# the group's visits on that line, in the rules' own (day, id) order. What the aggregate
# cannot vouch for (a counted visit without both times, a check-in outside the month, a day
# with no policy in force) sends that provider through the per-visit path, which prices or
# fails exactly as the rules do.

BLOCKING_EXCEPTION = "(e.status IN ('open', 'explained') OR (e.status = 'resolved' AND e.resolution_code = 'rejected'))"
_DAY_BITS = 40  # a counted visit's key in SQL: (local day − the 1st) << 40 | visit id
_ID_MASK = (1 << _DAY_BITS) - 1
_EPOCH = date(1970, 1, 1)
LINE_COLUMNS = (  # settlement_line's columns as the build inserts them, with their PostgreSQL types
    ("settlement", "integer"),
    ("line_no", "integer"),
    ("kind", "varchar"),
    ("person", "integer"),
    ("level", "integer"),
    ("quantity", "integer"),
    ("unit", "varchar"),
    ("unit_price_fen", "bigint"),
    ("gross_fen", "bigint"),
    ("fund_fen", "bigint"),
    ("personal_fen", "bigint"),
    ("visit_ids", "json"),
    ("excluded_visit_ids", "json"),
    ("days", "json"),
    ("leave_days", "json"),
    ("verified_minutes", "integer"),
    ("policy_version", "varchar"),
    ("adjusts_period", "varchar"),
    ("note", "text"),
)


@lru_cache(maxsize=64)
def _utc_offsets(zone: tzinfo, period: Period) -> tuple[tuple[int, int], ...]:
    """The zone's UTC offset in seconds as pieces ``(from epoch second, offset)``, exact from
    two days before the month to two days after it (the first piece also stands for what lies
    before, the last for what lies after: a check-in that far out is outside the month anyway)."""
    start = int((period.start_utc(zone) - timedelta(days=2)).timestamp())
    end = int((period.end_utc(zone) + timedelta(days=2)).timestamp())

    def offset(second: int) -> int:
        return int(datetime.fromtimestamp(second, UTC).astimezone(zone).utcoffset().total_seconds())

    pieces = [(start, offset(start))]
    previous = start
    for sample in [*range(start + 3600, end, 3600), end]:
        if offset(sample) != pieces[-1][1]:
            low, high = previous, sample  # the change lies in (low, high]
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == pieces[-1][1] else (low, middle)
            pieces.append((high, offset(high)))
        previous = sample
    return tuple(pieces)


def _policy_runs(period: Period, policy_for: rules.PolicyFor) -> list[tuple[int, str | None]]:
    """``(first day index, policy version)`` of each run of the month's days under one
    version (None: no policy in force)."""
    runs: list[tuple[int, str | None]] = []
    for index, day in enumerate(period.dates()):
        try:
            version: str | None = policy_for(day).version
        except InvalidInput:
            version = None
        if not runs or runs[-1][1] != version:
            runs.append((index, version))
    return runs


def _home_sql(sqlite: bool, period: Period, zone: tzinfo, runs: list[tuple[int, str | None]], one: bool) -> str:
    """Per provider, person, planless, blocked and policy run: the visits' count, level,
    minutes, incomplete times, largest id and keys (counted: local day << 40 | id; excluded: id).
    The local day is counted from the 1st; the UTC offsets are the zone's (``_utc_offsets``)."""
    pieces = _utc_offsets(zone, period)
    if sqlite:
        # Piccolo stores a Timestamptz as text 'YYYY-MM-DD HH:MM:SS[.ffffff]+00:00' (UTC): the
        # whole seconds through julianday (its double is far finer than a second: rounded),
        # the microseconds from the text, so nothing is lost to julianday's milliseconds.
        def seconds(column: str) -> str:
            return f"CAST(round((julianday(substr({column}, 1, 19)) - 2440587.5) * 86400) AS INTEGER)"

        def micros(column: str) -> str:
            fraction = (
                f"CASE WHEN substr({column}, 20, 1) = '.' THEN CAST(substr({column}, 21, 6) AS INTEGER) ELSE 0 END"
            )
            return f"({seconds(column)} * 1000000 + {fraction})"

        checked_in = seconds("v.checked_in_at")
        offset = str(pieces[-1][1])
        if len(pieces) > 1:
            branches = " ".join(
                f"WHEN {checked_in} < {pieces[i][0]} THEN {pieces[i - 1][1]}" for i in range(1, len(pieces))
            )
            offset = f"(CASE {branches} ELSE {offset} END)"
        minutes = f"MAX({micros('v.checked_out_at')} - {micros('v.checked_in_at')}, 0) / 60000000"
        day = f"({checked_in} + {offset}) / 86400 - {(period.first_day - _EPOCH).days}"
        collect, materialized = "group_concat", "LIMIT -1"  # LIMIT: each row's values computed once
    else:

        def shift(seconds: int) -> str:
            return f"INTERVAL '{int(seconds)} seconds'"

        offset = shift(pieces[-1][1])
        if len(pieces) > 1:
            branches = " ".join(
                f"WHEN v.checked_in_at < TIMESTAMPTZ '{datetime.fromtimestamp(pieces[i][0], UTC).isoformat()}'"
                f" THEN {shift(pieces[i - 1][1])}"
                for i in range(1, len(pieces))
            )
            offset = f"(CASE {branches} ELSE {offset} END)"
        interval = "EXTRACT(EPOCH FROM v.checked_out_at - v.checked_in_at)"  # numeric: exact microseconds
        minutes = f"GREATEST(({interval} * 1000000)::bigint, 0) / 60000000"
        day = f"((v.checked_in_at AT TIME ZONE 'UTC') + {offset})::date - DATE '{period.first_day.isoformat()}'"
        collect, materialized = "array_agg", ""
    run = "0"
    if len(runs) > 1:
        branches = " ".join(f"WHEN day < {first} THEN {n}" for n, (first, _) in enumerate(runs[1:]))
        run = f"(CASE {branches} ELSE {len(runs) - 1} END)"
    return f"""
        WITH blocked AS (SELECT DISTINCT e.visit, e.provider FROM visit_exception e WHERE {BLOCKING_EXCEPTION})
        SELECT provider, person, planless, blocked, {run} AS run, COUNT(*) AS n, MAX(level) AS level,
            SUM(minutes) AS minutes, SUM(incomplete) AS incomplete, MAX(id) AS max_id,
            {collect}(CASE WHEN blocked = 1 THEN id ELSE day * {1 << _DAY_BITS} + id END) AS keys
        FROM (
            SELECT v.id AS id, v.provider AS provider, v.person AS person, cp.level AS level,
                CASE WHEN v.care_plan IS NULL THEN 1 ELSE 0 END AS planless,
                CASE WHEN b.visit IS NULL THEN 0 ELSE 1 END AS blocked,
                CASE WHEN v.checked_in_at IS NULL OR v.checked_out_at IS NULL THEN 1 ELSE 0 END AS incomplete,
                {minutes} AS minutes,
                {day} AS day
            FROM visit v
            LEFT JOIN care_plan cp ON cp.id = v.care_plan
            LEFT JOIN blocked b ON b.visit = v.id AND b.provider = v.provider
            WHERE v.status = 'done' AND v.checked_in_at >= {{}} AND v.checked_in_at < {{}}
                {"AND v.provider = {}" if one else ""}
            {materialized}
        ) month
        GROUP BY provider, person, planless, blocked, run"""


def _ints(value: Any) -> list[int]:
    """Integers aggregated by group_concat (SQLite: text) or array_agg (PostgreSQL: a list)."""
    if value is None:
        return []
    if isinstance(value, str):
        return list(map(int, value.split(","))) if value else []
    return [int(v) for v in value if v is not None]  # a NULL key leaves the count short: per-visit path


def _dates(value: Any) -> list[date]:
    if value is None:
        return []
    if isinstance(value, str):
        return [date.fromisoformat(v) for v in value.split(",")] if value else []
    return list(value)


@dataclass
class _Month:
    """What a build needs, fetched once for one provider or for all: home visit groups and
    census days by provider, institutional levels by provider and person, the providers'
    prices, open corrections by provider, December's evaluation scores by evaluation key,
    and every provider with care to settle (a done visit or a census entry in the month)."""

    home: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    census: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    levels: dict[int, dict[int, int]] = field(default_factory=dict)
    prices: dict[int, dict[str, Any]] = field(default_factory=dict)
    corrections: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    evaluations: dict[str, int] = field(default_factory=dict)
    providers: set[int] = field(default_factory=set)


async def _gather(ctx: ServiceContext, period: Period, provider_id: int | None = None) -> _Month:
    """The month for one provider, or (None) for every provider: a handful of queries, whatever
    the number of providers, visits and census days."""
    zone = ctx.settings.zone
    runs = _policy_runs(period, policy_book(ctx.settings).in_force)
    one = () if provider_id is None else (provider_id,)
    month = _Month()
    home = await Visit.raw(
        _home_sql(is_sqlite(current_engine()), period, zone, runs, bool(one)),
        period.start_utc(zone),
        period.end_utc(zone),
        *one,
    )
    for row in home:
        month.home.setdefault(row["provider"], []).append(row)
    census = await CensusEntry.raw(
        f"""SELECT provider, person, status, {"group_concat" if is_sqlite(current_engine()) else "array_agg"}(day) AS days
        FROM census_entry WHERE day >= {{}} AND day <= {{}} {"AND provider = {}" if one else ""}
        GROUP BY provider, person, status""",
        period.first_day,
        period.last_day,
        *one,
    )
    for row in census:
        month.providers.add(row["provider"])
        if row["status"] in (*BILLABLE_CENSUS, "leave"):
            month.census.setdefault(row["provider"], []).append(row)
    if census:
        plans = CarePlan.select(CarePlan.provider, CarePlan.person, CarePlan.level).where(
            (CarePlan.care_mode == "institutional") & (CarePlan.status == "confirmed")
        )
        if one:
            plans = plans.where(CarePlan.provider == provider_id)
        for row in await plans.order_by(CarePlan.id):
            month.levels.setdefault(row["provider"], {})[row["person"]] = row["level"]
    month.providers |= set(month.home)
    prices = Provider.select(Provider.id, Provider.hourly_price_fen, Provider.daily_price_fen)
    corrections = SettlementCorrection.select().where(SettlementCorrection.applied_in.is_null())
    evaluations = ProviderEvaluation.select(ProviderEvaluation.evaluation_key, ProviderEvaluation.score).where(
        ProviderEvaluation.evaluation_key.like(f"%:{period.year}")
    )
    if one:
        prices = prices.where(Provider.id == provider_id)
        corrections = corrections.where(SettlementCorrection.provider == provider_id)
        evaluations = evaluations.where(ProviderEvaluation.evaluation_key == f"{provider_id}:{period.year}")
    month.prices = {r["id"]: r for r in await prices}
    for row in await corrections.order_by(SettlementCorrection.id):
        month.corrections.setdefault(row["provider"], []).append(row)
    if period.month == 12:
        month.evaluations = {r["evaluation_key"]: r["score"] for r in await evaluations}
    return month


@dataclass(frozen=True)
class _HomeMonth:
    """A provider's home care for the pricing rules, and the visits each (person, version)
    line counts (empty when the inputs are per visit: the rules name them themselves)."""

    inputs: list[rules.HomeCareInput]
    visit_ids: dict[tuple[int, str], tuple[int, ...]] = field(default_factory=dict)

    def name_visits(self, draft: rules.SettlementDraft) -> rules.SettlementDraft:
        if not self.visit_ids:
            return draft
        lines = []
        for line in draft.lines:
            if line.kind == rules.HOME and line.visit_ids:
                ids = self.visit_ids[(line.person_id, line.policy_version)]
                if line.visit_ids != ids[:1]:
                    raise RuntimeError(f"line of person {line.person_id} does not count the visits gathered for it")
                line = replace(line, visit_ids=ids)
            lines.append(line)
        return rules.SettlementDraft.of(draft.provider_id, draft.period, lines)


def _home_month(
    rows: list[dict[str, Any]], period: Period, hourly: int | None, runs: list[tuple[int, str | None]]
) -> _HomeMonth | None:
    """The inputs from the aggregated groups, or None when the per-visit path must decide."""
    persons: dict[int, dict[str, Any]] = {}
    visit_ids: dict[tuple[int, str], tuple[int, ...]] = {}
    days, first_day, mask = period.days(), period.first_day, _ID_MASK
    for row in rows:
        if row["planless"]:
            continue
        person = row["person"]
        entry = persons.get(person)
        if entry is None:
            entry = persons[person] = {"level": 0, "visits": [], "excluded": []}
        if row["level"] and row["level"] > entry["level"]:
            entry["level"] = row["level"]
        keys = _ints(row["keys"])
        if len(keys) != row["n"]:
            return None
        if row["blocked"]:
            entry["excluded"] += keys
            continue
        version = runs[row["run"]][1]
        if row["incomplete"] or row["max_id"] > mask or version is None:
            return None
        keys.sort()
        first = keys[0] >> _DAY_BITS
        if first < 0 or keys[-1] >> _DAY_BITS >= days:
            return None
        ids = tuple([k & mask for k in keys])
        visit_ids[(person, version)] = ids
        entry["visits"].append(rules.CountedVisit(ids[0], first_day + timedelta(days=first), int(row["minutes"])))
    inputs = [
        rules.HomeCareInput(
            person_id=person,
            level=e["level"],
            visits=tuple(e["visits"]),
            excluded_visit_ids=tuple(sorted(e["excluded"])),
            hourly_price_fen=hourly,
        )
        for person, e in persons.items()
    ]
    return _HomeMonth(inputs, visit_ids)


async def _home_inputs_per_visit(ctx: ServiceContext, provider_id: int, period: Period, hourly: int | None):
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
        & Visit.care_plan.is_not_null()
    )
    # A visit counts once every exception on it is resolved and none was rejected.
    blocked = {
        r["visit"]
        for r in await VisitException.select(VisitException.visit).where(
            (VisitException.provider == provider_id)
            & (
                VisitException.status.is_in(["open", "explained"])
                | ((VisitException.status == "resolved") & (VisitException.resolution_code == "rejected"))
            )
        )
    }
    by_person: dict[int, dict[str, Any]] = defaultdict(lambda: {"visits": [], "excluded": [], "level": 0})
    for r in rows:
        entry = by_person[r["person"]]
        entry["level"] = max(entry["level"], r["level"] or 0)
        if r["id"] in blocked:
            entry["excluded"].append(r["id"])
            continue
        minutes = int((r["checked_out_at"] - r["checked_in_at"]).total_seconds() // 60)
        entry["visits"].append(rules.CountedVisit(r["id"], local_day(r["checked_in_at"], zone), max(minutes, 0)))
    return [
        rules.HomeCareInput(
            person_id=person,
            level=e["level"],
            visits=tuple(sorted(e["visits"], key=lambda v: v.visit_id)),
            excluded_visit_ids=tuple(sorted(e["excluded"])),
            hourly_price_fen=hourly,
        )
        for person, e in by_person.items()
    ]


async def _home_inputs(
    ctx: ServiceContext, provider_id: int, period: Period, hourly: int | None, month: _Month
) -> _HomeMonth:
    runs = _policy_runs(period, policy_book(ctx.settings).in_force)
    home = _home_month(month.home.get(provider_id, []), period, hourly, runs)
    if home is None:
        home = _HomeMonth(await _home_inputs_per_visit(ctx, provider_id, period, hourly))
    return home


def _institutional_inputs(provider_id: int, daily_price: int, month: _Month) -> list[rules.InstitutionalCareInput]:
    rows = month.census.get(provider_id, [])
    if not rows:
        return []
    levels = month.levels.get(provider_id, {})
    days: dict[int, list[date]] = defaultdict(list)
    leave: dict[int, list[date]] = defaultdict(list)
    for r in rows:
        (days if r["status"] in BILLABLE_CENSUS else leave)[r["person"]] += _dates(r["days"])
    persons = sorted((set(days) | set(leave)) & set(levels))
    return [
        rules.InstitutionalCareInput(
            person_id=p,
            level=levels[p],
            agreed_daily_price_fen=daily_price,
            days=tuple(sorted(days[p])),
            leave_days=tuple(sorted(leave[p])),
        )
        for p in persons
    ]


async def _insert_lines(settlement_id: int, lines: Sequence[rules.SettlementLine]) -> None:
    """The draft's lines, all in one batch."""
    rows = [
        (
            settlement_id,
            n,
            line.kind,
            line.person_id,
            line.level,
            line.quantity,
            line.unit,
            line.unit_price_fen,
            line.gross_fen,
            line.fund_fen,
            line.personal_fen,
            dump_json(list(line.visit_ids)),
            dump_json(list(line.excluded_visit_ids)),
            dump_json([d.isoformat() for d in line.days]),
            dump_json([d.isoformat() for d in line.leave_days]),
            line.verified_minutes,
            line.policy_version,
            line.adjusts_period,
            line.note,
        )
        for n, line in enumerate(lines, start=1)
    ]
    columns = ", ".join(name for name, _ in LINE_COLUMNS)
    engine = current_engine()
    if not is_sqlite(engine):  # one statement, a parameter per column: the arrays of all the lines
        arrays = ", ".join(f"{{}}::{kind}[]" for _, kind in LINE_COLUMNS)
        await SettlementLine.raw(
            f"INSERT INTO settlement_line ({columns}) SELECT * FROM unnest({arrays})",
            *map(list, zip(*rows, strict=True)),
        )
        return
    # SQLite has no arrays: executemany on the build's own transaction (Piccolo's raw() would
    # spend longer turning thousands of parameters into one statement than SQLite inserting).
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("settlement lines are inserted inside the build's transaction")
    marks = ", ".join("?" for _ in LINE_COLUMNS)
    await transaction.connection.executemany(f"INSERT INTO settlement_line ({columns}) VALUES ({marks})", rows)


async def build_one(
    ctx: ServiceContext, provider_id: int, period: Period, month: _Month | None = None
) -> dict[str, Any]:
    """Build (or rebuild) the provider's draft for the month. A settlement already submitted,
    approved or paid is left as it is. ``month``: the month already gathered for every provider."""
    if month is None:
        month = await _gather(ctx, period, provider_id)
    provider = month.prices.get(provider_id)
    if provider is None:
        raise NotFound("没有该护理机构", code="provider_not_found")
    book = policy_book(ctx.settings)
    home = await _home_inputs(ctx, provider_id, period, provider["hourly_price_fen"] or None, month)
    institutional = _institutional_inputs(provider_id, provider["daily_price_fen"], month)
    corrections = month.corrections.get(provider_id, [])
    adjustments = [
        rules.Adjustment(
            period=_period(c["corrects_period"]),
            person_id=c["person"],
            amount_fen=c["amount_fen"],
            reason=c["reason"],
            fund_fen=c["fund_fen"],
        )
        for c in corrections
    ]
    deduction = None
    if period.month == 12:  # the annual evaluation adjusts the year-end settlement
        score = month.evaluations.get(f"{provider_id}:{period.year}")
        if score is not None:
            deduction = rules.EvaluationDeduction(period.year, score)
    draft = home.name_visits(
        rules.build_settlement(
            provider_id, period, home.inputs, institutional, adjustments, deduction, policy_for=book.in_force
        )
    )
    digest = draft.content_hash()
    now = ctx.clock.now()
    key = f"{provider_id}:{period}"
    async with write_transaction():
        current = await locked(Settlement.select().where(Settlement.settlement_key == key)).first()
        if current is not None and current["status"] not in (rules.DRAFT, rules.REJECTED):
            return {"settlement_id": current["id"], "status": current["status"], "rebuilt": False}
        if current is not None and current["content_hash"] == digest and current["status"] == rules.DRAFT:
            return {"settlement_id": current["id"], "status": current["status"], "rebuilt": False}
        totals = {
            Settlement.gross_fen: draft.gross_fen,
            Settlement.fund_fen: draft.fund_fen,
            Settlement.personal_fen: draft.personal_fen,
            Settlement.content_hash: digest,
            Settlement.built_at: now,
            Settlement.status: rules.DRAFT,
        }
        if current is None:
            row = Settlement(
                provider=provider_id,
                period=str(period),
                settlement_key=key,
                status=rules.DRAFT,
                version=1,
                gross_fen=draft.gross_fen,
                fund_fen=draft.fund_fen,
                personal_fen=draft.personal_fen,
                content_hash=digest,
                built_at=now,
            )
            await row.save()
            settlement_id = row.id
        else:
            settlement_id = current["id"]
            await Settlement.update({**totals, Settlement.version: current["version"] + 1}).where(
                Settlement.id == settlement_id
            )
            await SettlementLine.delete().where(SettlementLine.settlement == settlement_id)
        if draft.lines:
            await _insert_lines(settlement_id, draft.lines)
        await record_change(
            actor=None,
            at=now,
            action="settlement.build",
            entity="settlement",
            entity_id=settlement_id,
            after={"period": str(period), "fund_fen": draft.fund_fen, "lines": len(draft.lines), "hash": digest},
        )
    return {"settlement_id": settlement_id, "status": rules.DRAFT, "rebuilt": True}


@register_job_kind("build_settlements", roles={Role.BUREAU, Role.ADMIN, Role.AGENCY})
async def build_settlements(ctx: ServiceContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The month's drafts for one provider or for every provider with care to settle."""
    period = _period(params["period"])
    month: _Month | None = None
    if params.get("provider_id"):
        provider_ids = [int(params["provider_id"])]
    else:  # every provider with a done visit or a census entry in the month, gathered at once
        month = await _gather(ctx, period)
        provider_ids = sorted(month.providers)
    results = []
    for n, provider_id in enumerate(provider_ids, start=1):
        results.append(await build_one(ctx, provider_id, period, month))
        if month is not None:  # what is built is no longer needed
            month.home.pop(provider_id, None)
            month.census.pop(provider_id, None)
        await progress(n / len(provider_ids))
    return {
        "period": str(period),
        "providers": len(provider_ids),
        "rebuilt": sum(1 for r in results if r["rebuilt"]),
        "settlement_ids": [r["settlement_id"] for r in results],
    }


# --------------------------------------------------------------------------- reading


def _visible_filter(actor: Actor):
    if actor.role == Role.AGENCY:
        return Settlement.provider == actor.provider_id
    if actor.role in (Role.BUREAU, Role.ADMIN):
        return None
    raise NotFound("没有该结算单", code="settlement_not_found")


async def list_settlements(ctx: ServiceContext, actor: Actor, period: str | None) -> list[dict[str, Any]]:
    query = (
        Settlement.select(*SUMMARY_COLUMNS)
        .order_by(Settlement.period, ascending=False)
        .order_by(Settlement.provider.code)
    )
    visible = _visible_filter(actor)
    if visible is not None:
        query = query.where(visible)
    if period:
        query = query.where(Settlement.period == str(_period(period)))
    return [_summary(r) for r in await query]


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "provider_id": row.pop("provider")}


async def get_settlement(ctx: ServiceContext, actor: Actor, settlement_id: int) -> dict[str, Any]:
    row = await Settlement.select(*SUMMARY_COLUMNS).where(Settlement.id == settlement_id).first()
    if row is None or (actor.role == Role.AGENCY and row["provider"] != actor.provider_id):
        raise NotFound("没有该结算单", code="settlement_not_found")
    if actor.role not in (Role.AGENCY, Role.BUREAU, Role.ADMIN):
        raise NotFound("没有该结算单", code="settlement_not_found")
    lines = (
        await SettlementLine.select(
            *SettlementLine.all_columns(exclude=[SettlementLine.settlement]),
            SettlementLine.person.name.as_alias("person_name"),
        )
        .where(SettlementLine.settlement == settlement_id)
        .order_by(SettlementLine.line_no)
        .output(load_json=True)
    )
    for line in lines:
        line["person_id"] = line.pop("person")
    return _summary(row) | {"lines": lines}


# --------------------------------------------------------------------------- the workflow


async def act(
    ctx: ServiceContext, actor: Actor, settlement_id: int, action: str, *, if_match: str | None, reason: str = ""
) -> dict[str, Any]:
    """submit | approve | reject | pay, against the version the caller saw."""
    if if_match is None or not if_match.strip().strip('"').isdigit():
        raise InvalidInput("须在 If-Match 头中给出所见的结算单版本", code="if_match_required")
    seen = int(if_match.strip().strip('"'))
    await get_settlement(ctx, actor, settlement_id)  # 404 for what the caller may not see
    now = ctx.clock.now()
    async with write_transaction():
        row = await locked(Settlement.select().where(Settlement.id == settlement_id)).first()
        if row["version"] != seen:
            raise Conflict(
                f"结算单已被他人更新（当前版本 {row['version']}，您看到的是 {seen}），请刷新", code="version_conflict"
            )
        target = rules.transition(row["status"], action, str(actor.role), reason=reason)
        changes: dict[Any, Any] = {Settlement.status: target, Settlement.version: row["version"] + 1}
        if action == "submit":
            changes[Settlement.submitted_at] = now
        elif action in ("approve", "reject"):
            changes |= {Settlement.decided_at: now, Settlement.decided_by: actor.user_id}
            changes[Settlement.rejection_reason] = reason.strip() if action == "reject" else ""
        elif action == "pay":
            changes[Settlement.paid_at] = now
        await Settlement.update(changes).where(Settlement.id == settlement_id)
        if action == "approve":
            await post_entry(
                ledger.entry_for_approval(settlement_id, row["provider"], row["fund_fen"]),
                settlement_id=settlement_id,
                actor=actor,
                at=now,
            )
            await _mark_corrections_applied(settlement_id)
        elif action == "pay":
            await post_entry(
                ledger.entry_for_payment(settlement_id, row["provider"], row["fund_fen"]),
                settlement_id=settlement_id,
                actor=actor,
                at=now,
            )
        await record_change(
            actor=actor,
            at=now,
            action=f"settlement.{action}",
            entity="settlement",
            entity_id=settlement_id,
            before={"status": row["status"], "version": row["version"]},
            after={"status": target, "version": row["version"] + 1} | ({"reason": reason.strip()} if reason else {}),
        )
    return await get_settlement(ctx, actor, settlement_id)


async def _mark_corrections_applied(settlement_id: int) -> None:
    row = await Settlement.select(Settlement.provider).where(Settlement.id == settlement_id).first()
    carried = await SettlementLine.count().where(
        (SettlementLine.settlement == settlement_id) & (SettlementLine.kind == rules.ADJUSTMENT)
    )
    if carried:
        await SettlementCorrection.update({SettlementCorrection.applied_in: settlement_id}).where(
            (SettlementCorrection.provider == row["provider"]) & SettlementCorrection.applied_in.is_null()
        )


async def add_correction(ctx: ServiceContext, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """A correction to an approved month: it becomes an adjustment line of the next draft."""
    require_role(actor, Role.BUREAU, Role.ADMIN)
    period = _period(data["corrects_period"])
    approved = await Settlement.exists().where(
        (Settlement.settlement_key == f"{data['provider_id']}:{period}")
        & Settlement.status.is_in([rules.APPROVED, rules.PAID])
    )
    if not approved:
        raise Conflict("只能更正已审核通过的月份；未审核的请重新生成", code="period_not_approved")
    if not data["reason"].strip():
        raise InvalidInput("须说明更正原因", code="reason_required")
    now = ctx.clock.now()
    async with write_transaction():
        row = SettlementCorrection(
            provider=data["provider_id"],
            person=data.get("person_id"),
            corrects_period=str(period),
            amount_fen=data["amount_fen"],
            fund_fen=data.get("fund_fen"),
            reason=data["reason"].strip(),
            created_by=actor.user_id,
            created_at=now,
        )
        await row.save()
        await record_change(
            actor=actor,
            at=now,
            action="settlement.correction",
            entity="settlement_correction",
            entity_id=row.id,
            after={k: v for k, v in data.items() if k != "reason"},
        )
    return {
        "id": row.id,
        "provider_id": data["provider_id"],
        "corrects_period": str(period),
        "amount_fen": data["amount_fen"],
    }


# --------------------------------------------------------------------------- the ledger


async def post_entry(
    entry: ledger.JournalEntry, *, settlement_id: int | None, actor: Actor | None, at: datetime
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


async def record_contribution(ctx: ServiceContext, actor: Actor, source_id: str, amount_fen: int) -> dict[str, Any]:
    require_role(actor, Role.BUREAU, Role.ADMIN)
    if amount_fen <= 0:
        raise InvalidInput("缴入金额须为正数（分）", code="invalid_amount")
    now = ctx.clock.now()
    async with write_transaction():
        posted = await post_entry(
            ledger.entry_for_contribution(f"contribution:{source_id}", amount_fen),
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
    return {"source_id": source_id, "posted": posted}


async def fund_position(ctx: ServiceContext, actor: Actor, as_of: Period | None = None) -> dict[str, Any]:
    require_role(actor, Role.BUREAU, Role.ADMIN)
    from piccolo.query.functions.aggregate import Sum

    sums = await LedgerPosting.select(
        LedgerPosting.account,
        Sum(LedgerPosting.debit_fen, alias="debit"),
        Sum(LedgerPosting.credit_fen, alias="credit"),
    ).group_by(LedgerPosting.account)
    by_account = {r["account"]: (int(r["debit"] or 0), int(r["credit"] or 0)) for r in sums}
    debit_total = sum(d for d, _ in by_account.values())
    credit_total = sum(c for _, c in by_account.values())
    cash = by_account.get(ledger.FUND_BANK, (0, 0))
    cash_fen = cash[0] - cash[1]
    payables_fen = sum(c - d for a, (d, c) in by_account.items() if a.startswith(ledger.PAYABLE_PREFIX))
    spend_rows = (
        await Settlement.select(Settlement.period, Sum(Settlement.fund_fen, alias="fund"))
        .where(Settlement.status.is_in([rules.APPROVED, rules.PAID]))
        .group_by(Settlement.period)
    )
    spend = {r["period"]: int(r["fund"] or 0) for r in spend_rows}
    as_of = as_of or Period.of(ctx.clock.now().astimezone(ctx.settings.zone).date())
    recent = sorted((p for p, v in spend.items() if v > 0 and _period(p) <= as_of), reverse=True)[:3]
    balance = cash_fen - payables_fen
    months = ledger.months_payable(balance, [spend[p] for p in recent])
    return {
        "balance_by_period": await _balance_by_period(ctx),
        "balance_fen": balance,
        "cash_fen": cash_fen,
        "payables_fen": payables_fen,
        "month_spend_fen": spend.get(str(as_of), 0),
        "months_payable": float(months) if months is not None else None,
        "period": str(as_of),
        "spend_by_period": dict(sorted(spend.items())),
        "ledger_imbalance_fen": debit_total - credit_total,
    }


async def _balance_by_period(ctx: ServiceContext) -> dict[str, int]:
    """The balance (cash − what is owed) at the end of each month that had ledger postings."""
    rows = await LedgerPosting.select(
        LedgerPosting.account,
        LedgerPosting.debit_fen,
        LedgerPosting.credit_fen,
        LedgerPosting.entry.posted_at.as_alias("posted_at"),
    ).where((LedgerPosting.account == ledger.FUND_BANK) | LedgerPosting.account.like(f"{ledger.PAYABLE_PREFIX}%"))
    change: dict[str, int] = defaultdict(int)
    for r in rows:
        month = str(Period.of(r["posted_at"].astimezone(ctx.settings.zone).date()))
        # cash counts up with debits; what is owed counts down the balance with credits
        change[month] += r["debit_fen"] - r["credit_fen"]
    running, out = 0, {}
    for month in sorted(change):
        running += change[month]
        out[month] = running
    return out


@register_job_kind("pay_settlements", roles={Role.BUREAU, Role.ADMIN})
async def pay_settlements(ctx: ServiceContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Pay every approved settlement of a month (after the treasury's transfer). Each payment
    is its own transaction and its ledger entry has a unique source id: a rerun after a crash
    pays what is left and posts nothing twice."""
    period = str(_period(params["period"]))
    actor = Actor(user_id=int(params["actor_id"]), username="", role=Role(params.get("actor_role", "bureau")))
    pending = (
        await Settlement.select(Settlement.id, Settlement.version)
        .where((Settlement.period == period) & (Settlement.status == rules.APPROVED))
        .order_by(Settlement.id)
    )
    for n, row in enumerate(pending, start=1):
        await act(ctx, actor, row["id"], "pay", if_match=str(row["version"]))
        await progress(n / len(pending))
    return {"period": period, "paid": len(pending), "settlement_ids": [r["id"] for r in pending]}


async def start_payment(ctx: ServiceContext, actor: Actor, period: str) -> Any:
    from ltc.services.jobs import start_job

    require_role(actor, Role.BUREAU, Role.ADMIN)
    return await start_job(
        ctx,
        actor,
        "pay_settlements",
        {"period": str(_period(period)), "actor_id": actor.user_id, "actor_role": str(actor.role)},
    )
