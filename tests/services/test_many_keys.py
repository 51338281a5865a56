"""Whole-city reads that take a list of ids read it in parts: PostgreSQL's driver refuses a
statement with more than 32,767 parameters, and Shanghai has 64,000 caregivers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ltc.db.tables import Caregiver, CaregiverAbsence, Provider
from ltc.services.absences import absences_between

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
