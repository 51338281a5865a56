"""The fund's early warning in a database of its own: months payable under the policy's
warning threshold turn it yellow, under the alarm threshold red, and the thresholds are the
policy's data, not code."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from ltc.db import engine as db_engine
from ltc.db.tables import AppUser, Provider, Settlement
from ltc.domain.access import Actor, Role
from ltc.domain.ledger import entry_for_approval
from ltc.domain.periods import Period
from ltc.runtime import open_runtime
from ltc.services import ledger
from ltc.services.clock import FixedClock
from ltc.services.seed import seed_demo
from ltc.settings import Settings

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


async def test_the_fund_warns_under_the_policy_thresholds(app, tmp_path, settings: Settings) -> None:
    own = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'fund.sqlite'}", "redis_url": ""})
    session_engine = db_engine.current_engine()
    try:
        async with open_runtime(own, migrate=True) as runtime:
            await seed_demo(runtime.services, password="demo-password", residents=20)
            await _check(replace(runtime.services, clock=FixedClock(NOW)), tmp_path)
    finally:
        db_engine.bind(session_engine)  # the rest of the session keeps its own database


async def _check(services, tmp_path) -> None:
    row = await AppUser.select(AppUser.id).where(AppUser.username == "bureau").first()
    bureau = Actor(user_id=row["id"], username="bureau", role=Role.BUREAU)
    empty = await ledger.fund_health(services, bureau)
    assert (empty.balance_fen, empty.months_payable, empty.warning) == (0, None, None), "no spend: nothing to warn of"

    # May's care approved: the fund owes 10,000.00 yuan; 50,000.00 yuan came in.
    provider = await Provider.select(Provider.id).first()
    settlement = Settlement(
        provider=provider["id"],
        period="2026-05",
        settlement_key=f"{provider['id']}:2026-05",
        status="approved",
        version=3,
        gross_fen=1_100_000,
        fund_fen=1_000_000,
        personal_fen=100_000,
        built_at=NOW,
        decided_at=NOW,
    )
    await settlement.save()
    await ledger.post_entry(
        entry_for_approval(settlement.id, provider["id"], 1_000_000), settlement_id=settlement.id, actor=bureau, at=NOW
    )
    await ledger.record_contribution(services, bureau, "treasury-2026-06-01", 5_000_000)

    four_months = await ledger.fund_health(services, bureau)
    assert four_months.balance_fen == 4_000_000 and four_months.months_payable == Decimal("4.0")
    assert (four_months.warning_months, four_months.alarm_months) == (Decimal("6"), Decimal("3"))
    assert four_months.warning == "yellow", "4 months is under the policy's 6"
    position = await ledger.fund_position(services, bureau, Period.parse("2026-06"))
    assert position.warning == "yellow" and position.warning_months == 6.0

    await ledger.record_contribution(services, bureau, "treasury-2026-06-02", 4_000_000)
    eight_months = await ledger.fund_health(services, bureau)
    assert eight_months.months_payable == Decimal("8.0") and eight_months.warning is None

    # Relief approved with a settlement is owed to the provider and, as much, to the fund by
    # the relief fund: the fund is no poorer for it before the relief fund reimburses it.
    relieved = entry_for_approval(999_999, provider["id"], 0, relief_fen=200_000)
    await ledger.post_entry(relieved, settlement_id=None, actor=bureau, at=NOW)
    with_relief = await ledger.fund_health(services, bureau)
    assert with_relief.balance_fen == 8_000_000 and with_relief.months_payable == Decimal("8.0")
    position = await ledger.fund_position(services, bureau, Period.parse("2026-06"))
    assert position.balance_fen == 8_000_000 and position.balance_by_period["2026-06"] == 8_000_000
    assert (await ledger.balance_and_contributions(services))[0] == 8_000_000

    # A stricter policy version is data: the same fund is now in alarm.
    raw = json.loads(services.settings.policy_file.read_text(encoding="utf-8"))
    latest = raw["versions"][-1]
    raw["versions"].append(
        latest
        | {"version": "strict", "effective_from": "2026-06-01", "fund_warning_months": "12", "fund_alarm_months": "9"}
    )
    strict_file = tmp_path / "strict.json"
    strict_file.write_text(json.dumps(raw), encoding="utf-8")
    strict = replace(services, settings=services.settings.model_copy(update={"policy_file": strict_file}))
    alarm = await ledger.fund_health(strict, bureau)
    assert alarm.warning == "red" and alarm.alarm_months == Decimal("9")
