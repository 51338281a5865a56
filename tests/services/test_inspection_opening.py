"""Opening an inspection case: who may, what it checks, and that it is audited."""

from __future__ import annotations

import pytest

from ltc.db.tables import AppUser, AuditEntry, Provider
from ltc.domain.access import Actor, Role
from ltc.domain.errors import Forbidden, InvalidInput, NotFound
from ltc.services.supervision.inspections import InspectionIn, get_inspection, open_inspection


async def _actor(username: str) -> Actor:
    row = await AppUser.select(AppUser.id, AppUser.role, AppUser.provider).where(AppUser.username == username).first()
    return Actor(user_id=row["id"], username=username, role=Role(row["role"]), provider_id=row["provider"])


async def _provider_id(code: str) -> int:
    return (await Provider.select(Provider.id).where(Provider.code == code).first())["id"]


async def test_a_supervisor_opens_a_case_that_the_provider_reads_and_no_other_agency_sees(services) -> None:
    supervisor = await _actor("supervisor1")
    provider_id = await _provider_id("P01")
    data = InspectionIn(
        kind="unannounced", provider_id=provider_id, period_from="2026-01", period_to="2026-03", reason="tip-off"
    )
    case = await open_inspection(services, supervisor, data)
    assert (case.status, case.kind, case.provider_id, case.period_to) == ("open", "unannounced", provider_id, "2026-03")
    audited = await AuditEntry.count().where(
        (AuditEntry.action == "inspection.open") & (AuditEntry.entity_id == str(case.id))
    )
    assert audited == 1
    assert (await get_inspection(await _actor("agency-P01"), case.id)).id == case.id
    with pytest.raises(NotFound):
        await get_inspection(await _actor("agency-P02"), case.id)


async def test_only_a_supervisor_opens_a_case_and_its_span_runs_forwards(services) -> None:
    provider_id = await _provider_id("P01")
    data = InspectionIn(kind="routine", provider_id=provider_id, period_from="2026-03", period_to="2026-01", reason="x")
    with pytest.raises(InvalidInput) as err:
        await open_inspection(services, await _actor("supervisor1"), data)
    assert err.value.code == "period_span_reversed"
    for username in ("bureau", "agency-P01"):
        with pytest.raises(Forbidden):
            await open_inspection(services, await _actor(username), data.model_copy(update={"period_to": "2026-04"}))


async def test_a_hold_reaches_the_builds_of_the_cases_provider_only(services) -> None:
    from datetime import UTC, datetime

    from ltc.db.tables import PaymentHold, Person
    from ltc.services.settlements.nettings import held_persons

    case = await open_inspection(
        services,
        await _actor("supervisor1"),
        InspectionIn(
            kind="special",
            provider_id=await _provider_id("P03"),
            period_from="2026-01",
            period_to="2026-02",
            reason="x",
        ),
    )
    person_id = (await Person.select(Person.id).first())["id"]
    hold = PaymentHold(person=person_id, inspection=case.id, reason="虚报", held_at=datetime.now(UTC))
    await hold.save()
    try:
        assert (await held_persons())[case.provider_id] == {person_id: "虚报"}
        assert await held_persons(case.provider_id) == {case.provider_id: {person_id: "虚报"}}
        assert await held_persons(await _provider_id("P04")) == {}, "another provider's builds hold nobody"
    finally:
        await PaymentHold.delete().where(PaymentHold.id == hold.id)
