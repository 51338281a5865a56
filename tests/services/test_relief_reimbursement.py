"""The relief fund reimburses a month's relief by differences: relief approved after the
month was reimbursed is reimbursed by a second entry, relief a correction took back is
returned, a month with nothing left is refused, and the amount the officer confirmed is the
amount posted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from ltc.db import engine as db_engine
from ltc.db.tables import AppUser, LedgerEntry, Person, Provider, ReliefEnrolment, Settlement, SettlementLine
from ltc.domain.access import Actor, Role
from ltc.domain.errors import Conflict
from ltc.domain.periods import Period
from ltc.runtime import open_runtime
from ltc.services.clock import FixedClock
from ltc.services.context import ServiceContext
from ltc.services.relief.statement import months_to_reimburse, record_reimbursement, statement
from ltc.services.seed import seed_demo
from ltc.settings import Settings

MONTH = "2021-02"  # the pilot's second month: the demo settled none of it
NOW = datetime(2021, 3, 10, 2, 0, tzinfo=UTC)


async def _approved(provider_id: int, key: str, relief_fen: int) -> None:
    await Settlement(
        provider=provider_id,
        period=MONTH,
        settlement_key=f"{provider_id}:{MONTH}:{key}",
        status="approved",
        version=3,
        gross_fen=100_000,
        fund_fen=90_000,
        personal_fen=10_000,
        relief_fen=relief_fen,
        built_at=NOW,
        decided_at=NOW,
    ).save()


async def test_relief_approved_after_a_reimbursement_is_reimbursed_by_the_difference(
    app, tmp_path, settings: Settings
) -> None:
    own = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'relief.sqlite'}", "redis_url": ""})
    session_engine = db_engine.current_engine()
    try:
        async with open_runtime(own, migrate=True) as runtime:
            await seed_demo(runtime.services, password="demo-password", residents=5)
            await _check(replace(runtime.services, clock=FixedClock(NOW)))
    finally:
        db_engine.bind(session_engine)  # the rest of the session keeps its own database


async def _check(ctx: ServiceContext) -> None:
    row = await AppUser.select(AppUser.id).where(AppUser.username == "bureau").first()
    _bureau = Actor(user_id=row["id"], username="bureau", role=Role.BUREAU)

    async def _owed() -> int:
        return (await statement(ctx, _bureau, MONTH))[0].to_reimburse_fen

    providers = [p["id"] for p in await Provider.select(Provider.id).limit(2)]
    before = await months_to_reimburse()
    assert await _owed() == 0

    await _approved(providers[0], "a", 6_000)  # provider A's month approved
    assert await months_to_reimburse() == before + 1 and await _owed() == 6_000
    with pytest.raises(Conflict) as changed:
        await record_reimbursement(ctx, _bureau, MONTH, 5_000)
    assert changed.value.code == "relief_amount_changed"
    first = await record_reimbursement(ctx, _bureau, MONTH, 6_000)
    assert first.amount_fen == 6_000 and await months_to_reimburse() == before
    with pytest.raises(Conflict) as again:  # a second click with the amount it showed
        await record_reimbursement(ctx, _bureau, MONTH, 6_000)
    assert again.value.code == "relief_amount_changed"
    with pytest.raises(Conflict) as nothing:
        await record_reimbursement(ctx, _bureau, MONTH)
    assert nothing.value.code == "relief_nothing_due"

    await _approved(providers[-1], "b", 4_000)  # provider B's month approved later
    assert await months_to_reimburse() == before + 1 and await _owed() == 4_000
    second = await record_reimbursement(ctx, _bureau, MONTH, 4_000)
    assert second.amount_fen == 10_000 and await _owed() == 0

    await _approved(providers[0], "correction", -3_000)  # a correction took relief back
    assert await months_to_reimburse() == before + 1 and await _owed() == -3_000
    returned = await record_reimbursement(ctx, _bureau, MONTH, -3_000)
    assert returned.amount_fen == 7_000 and await months_to_reimburse() == before
    sources = await LedgerEntry.select(LedgerEntry.source_id).where(LedgerEntry.source_id.like(f"relief:{MONTH}:%"))
    assert sorted(r["source_id"] for r in sources) == [f"relief:{MONTH}:reimburse:{n}" for n in (1, 2, 3)]

    # A correction's line of a person whose group ended with the month it corrects: the
    # statement names the group of the corrected month, not of the statement's.
    person = await Person.select(Person.id).first()
    await ReliefEnrolment(
        enrolment_key=f"{person['id']}:dibao:2021-01-01",
        person=person["id"],
        group="dibao",
        from_day=date(2021, 1, 1),
        to_day=date(2021, 1, 31),
    ).save()
    correcting = Settlement(
        provider=providers[0],
        period=MONTH,
        settlement_key=f"{providers[0]}:{MONTH}:adjust",
        status="draft",
        version=1,
        personal_fen=-500,
        relief_fen=-500,
        built_at=NOW,
    )
    await correcting.save()
    await SettlementLine(
        settlement=correcting.id,
        service_month=Period.parse(MONTH).first_day,
        line_no=1,
        kind="adjustment",
        person=person["id"],
        personal_fen=-500,
        relief_fen=-500,
        adjusts_period="2021-01",
    ).save()
    await Settlement.update({Settlement.status: "approved", Settlement.decided_at: NOW}).where(
        Settlement.id == correcting.id
    )
    head, _ = await statement(ctx, _bureau, MONTH)
    (adjusted,) = [x for x in head.lines if x.settlement_id == correcting.id]
    assert adjusted.group == "dibao"
