"""Storing the month's drafts: each as its provider's draft for the month, a batch of providers
in one transaction, the lines written by the one bulk writer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from piccolo.utils.encoding import dump_json

from ltc.db.bulk import insert_rows
from ltc.db.engine import locked, write_transaction
from ltc.db.queries import months
from ltc.db.tables import Settlement, SettlementLine
from ltc.domain import settlement as rules
from ltc.domain.periods import Period
from ltc.services.audit import Change, record_changes
from ltc.services.context import ServiceContext

LINE_COLUMNS = (  # settlement_line's columns as the build inserts them
    "settlement",
    "line_no",
    "kind",
    "person",
    "level",
    "quantity",
    "unit",
    "unit_price_fen",
    "gross_fen",
    "fund_fen",
    "personal_fen",
    "visit_ids",
    "excluded_visit_ids",
    "days",
    "leave_days",
    "verified_minutes",
    "policy_version",
    "adjusts_period",
    "note",
    "correction_id",
    "outcome_id",
    "relief_fen",
    "service_month",  # the period's first day: lines are kept by month
)


def _json_ints(values: tuple[int, ...]) -> str:
    return f"[{','.join(map(str, values))}]" if values else "[]"


def _json_days(values: tuple[date, ...]) -> str:
    return dump_json([d.isoformat() for d in values]) if values else "[]"


def _line_rows(lines: Sequence[rules.SettlementLine], visit_ids: Sequence[str], month: date) -> list[tuple[Any, ...]]:
    """The draft's lines as rows in ``LINE_COLUMNS`` order, but for the settlement's id
    (``visit_ids``: each line's visit ids already as JSON)."""
    return [
        (
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
            ids,
            _json_ints(line.excluded_visit_ids),
            _json_days(line.days),
            _json_days(line.leave_days),
            line.verified_minutes,
            line.policy_version,
            line.adjusts_period,
            line.note,
            line.correction_id,
            line.outcome_id,
            line.relief_fen,
            month,
        )
        for n, (line, ids) in enumerate(zip(lines, visit_ids, strict=True), start=1)
    ]


@dataclass(frozen=True)
class Ready:
    """A draft ready to store: its settlement key, content hash and line rows."""

    key: str
    draft: rules.SettlementDraft
    digest: str
    rows: list[tuple[Any, ...]]

    @classmethod
    def of(cls, draft: rules.SettlementDraft) -> Ready:
        digest, visit_ids = draft.content_hash_and_visit_ids()
        return cls(
            f"{draft.provider_id}:{draft.period}",
            draft,
            digest,
            _line_rows(draft.lines, visit_ids, draft.period.first_day),
        )


@dataclass(frozen=True, slots=True)
class StoredDraft:
    """What storing did with a provider's draft: its settlement, that one's status, and
    whether it was (re)built or left as it was."""

    provider_id: int
    settlement_id: int
    status: str
    rebuilt: bool


async def store(ctx: ServiceContext, period: Period, ready: Sequence[Ready]) -> list[StoredDraft]:
    """Store the drafts in one transaction, each as its provider's draft for the month: a new
    settlement, or the old draft (or rejected one) rebuilt with the next version. A settlement
    already submitted, approved or paid, and a draft with the same content, are left as they are."""
    now = ctx.clock.now()
    kept: dict[str, tuple[int, str]] = {}  # by settlement key: (id, status) of what is left as it is
    async with write_transaction() as transaction:
        current = {
            r["settlement_key"]: r
            for r in await locked(
                Settlement.select(
                    Settlement.id,
                    Settlement.settlement_key,
                    Settlement.status,
                    Settlement.version,
                    Settlement.content_hash,
                ).where(Settlement.settlement_key.is_in([r.key for r in ready]))
            )
        }
        built: list[Ready] = []
        for item in ready:
            row = current.get(item.key)
            if row is not None and (
                row["status"] not in (rules.DRAFT, rules.REJECTED)
                or (row["status"] == rules.DRAFT and row["content_hash"] == item.digest)
            ):
                kept[item.key] = (row["id"], row["status"])
                continue
            built.append(item)
        if not built:
            return _results(ready, kept, {})
        fresh = [
            Settlement(
                provider=item.draft.provider_id,
                period=str(period),
                settlement_key=item.key,
                status=rules.DRAFT,
                version=1,
                gross_fen=item.draft.gross_fen,
                fund_fen=item.draft.fund_fen,
                personal_fen=item.draft.personal_fen,
                relief_fen=item.draft.relief_fen,
                content_hash=item.digest,
                built_at=now,
            )
            for item in built
            if item.key not in current
        ]
        if fresh:
            await Settlement.insert(*fresh)
        rebuilt = [current[item.key] for item in built if item.key in current]
        for item in built:
            if item.key in current:
                await Settlement.update(
                    {
                        Settlement.gross_fen: item.draft.gross_fen,
                        Settlement.fund_fen: item.draft.fund_fen,
                        Settlement.personal_fen: item.draft.personal_fen,
                        Settlement.relief_fen: item.draft.relief_fen,
                        Settlement.content_hash: item.digest,
                        Settlement.built_at: now,
                        Settlement.status: rules.DRAFT,
                        Settlement.version: current[item.key]["version"] + 1,
                    }
                ).where(Settlement.id == current[item.key]["id"])
        if rebuilt:
            await SettlementLine.delete().where(
                SettlementLine.settlement.is_in([r["id"] for r in rebuilt])
                & months.of_period(period).where(SettlementLine.service_month)
            )
        ids = {
            r["settlement_key"]: r["id"]
            for r in await Settlement.select(Settlement.id, Settlement.settlement_key).where(
                Settlement.settlement_key.is_in([item.key for item in built])
            )
        }
        rows = [(ids[item.key], *row) for item in built for row in item.rows]
        if rows:
            await insert_rows(transaction, SettlementLine, LINE_COLUMNS, rows, foreign_keys_by_index=True)
        await record_changes(
            [
                Change(
                    actor=None,
                    at=now,
                    action="settlement.build",
                    entity="settlement",
                    entity_id=ids[item.key],
                    after={
                        "period": str(period),
                        "fund_fen": item.draft.fund_fen,
                        "lines": len(item.draft.lines),
                        "hash": item.digest,
                    },
                )
                for item in built
            ]
        )
    return _results(ready, kept, ids)


def _results(ready: Sequence[Ready], kept: dict[str, tuple[int, str]], ids: dict[str, int]) -> list[StoredDraft]:
    """What became of each draft, in order: left as it was (``kept``), or stored as ``ids`` say."""
    return [
        StoredDraft(item.draft.provider_id, *kept[item.key], rebuilt=False)
        if item.key in kept
        else StoredDraft(item.draft.provider_id, ids[item.key], rules.DRAFT, rebuilt=True)
        for item in ready
    ]
