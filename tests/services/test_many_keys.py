"""Whole-city reads that take a list of ids read it in parts: PostgreSQL's driver refuses a
statement with more than 32,767 parameters, and Shanghai has 64,000 caregivers and thousands of
providers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ltc.db.engine import write_transaction
from ltc.db.tables import AuditEntry, Caregiver, CaregiverAbsence, Provider
from ltc.services.absences import absences_between
from ltc.services.audit import Change, record_changes

NOW = datetime(2041, 7, 1, tzinfo=UTC)
MORE_THAN_ONE_STATEMENT_TAKES = 40_000


async def test_the_absences_of_more_caregivers_than_one_statement_takes(services) -> None:
    code = f"K{uuid.uuid4().hex[:10]}"
    provider = Provider(code=code, name=code, kind="home", lat=29.6, lon=121.4, created_at=NOW)
    await provider.save()
    carers = []
    for number in (1, 2):
        carer = Caregiver(provider=provider.id, name=f"{code}-{number}", qualification="elderly_carer", created_at=NOW)
        await carer.save()
        carers.append(carer.id)
    away = CaregiverAbsence(
        caregiver=carers[1], starts_at=NOW, ends_at=NOW + timedelta(days=2), reason="leave", created_at=NOW
    )
    await away.save()
    # Ids that exist nobody's, around the two that do, and the absent caregiver last.
    ids = [-n for n in range(1, MORE_THAN_ONE_STATEMENT_TAKES)] + [carers[0], carers[1]]

    found = await absences_between(ids, NOW - timedelta(days=1), NOW + timedelta(days=1))

    assert [(a.caregiver_id, a.reason) for a in found] == [(carers[1], "leave")]


async def test_a_month_of_settlements_audited_in_one_call(services) -> None:
    """A build audits every rebuilt settlement of the month at once: more entries than one
    statement's parameters hold (12 columns each), all written, chained one after another."""
    marker = f"many-{uuid.uuid4().hex[:8]}"
    changes = [
        Change(actor=None, at=NOW, action="settlement.build", entity=marker, entity_id=n, after={"n": n})
        for n in range(3000)
    ]

    async with write_transaction():
        await record_changes(changes)

    rows = (
        await AuditEntry.select(AuditEntry.seq, AuditEntry.entity_id)
        .where(AuditEntry.entity == marker)
        .order_by(AuditEntry.seq)
    )
    assert [r["entity_id"] for r in rows] == [str(n) for n in range(3000)]
    assert [r["seq"] for r in rows] == list(range(rows[0]["seq"], rows[0]["seq"] + 3000))
