from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain import settlement as rules
from ltc.domain.errors import InvalidInput
from ltc.domain.policy import Policy
from ltc.domain.what_if import (
    SettledLine,
    cap_use,
    changed_fields,
    covered_levels,
    draft_policy,
    new_level_estimate,
    reprice_line,
    reprice_months,
)

IN_FORCE = Policy(version="2026", effective_from=date(2026, 1, 1))  # 60.00 yuan an hour, 90 %, 75 %


def home(minutes: int, level: int = 3, price: int = 6000, *, default: bool = True, fund: int = 0) -> SettledLine:
    return SettledLine("2026-03", rules.HOME, level, minutes, price, minutes, fund, default_price=default)


def test_a_draft_changes_only_what_it_may() -> None:
    draft = draft_policy(IN_FORCE, {"home_hourly_price_fen": 7000, "home_hours_by_level": {"2": 10, "3": 20}})
    assert draft.home_hourly_price_fen == 7000
    assert covered_levels(draft) >= {2, 3}
    assert changed_fields(IN_FORCE, draft) == ["home_hourly_price_fen", "home_hours_by_level"]
    for bad in (
        {"minimum_age": 50},
        {"fund_share_home": "1.2"},
        {"home_hourly_price_fen": 0},
        {"home_hours_by_level": {"9": 10}},
        {"bed_day_cap_fen_by_level": "x"},
    ):
        with pytest.raises(InvalidInput) as refused:
            draft_policy(IN_FORCE, bad)
        assert refused.value.code == "invalid_draft"


def test_reprice_by_hand() -> None:
    # 25 verified hours at level 3: the policy in force bills 20 (its cap), a draft with 22 bills 22
    line = home(25 * 60, fund=108_000)
    assert reprice_line(line, IN_FORCE) == 108_000  # 20 h × 60.00 × 90 %
    assert reprice_line(line, draft_policy(IN_FORCE, {"home_hours_by_level": {"3": 22}})) == 118_800
    # a dearer default hour; an agreement's price stays its own
    dearer = draft_policy(IN_FORCE, {"home_hourly_price_fen": 7000})
    assert reprice_line(home(60), dearer) == 6300
    assert reprice_line(home(60, price=5000, default=False), dearer) == 4500
    # the level no longer covered pays nothing; a money line keeps its amount
    assert reprice_line(home(60, level=5), draft_policy(IN_FORCE, {"home_hours_by_level": {"3": 20}})) == 0
    netting = SettledLine("2026-03", rules.ADVANCE_NETTING, None, 0, None, 0, -500)
    assert reprice_line(netting, dearer) == -500
    # 10 bed-days at 65.00 under a 60.00 cap: a lower cap lowers it, a higher one does not invent a price
    bed = SettledLine("2026-03", rules.INSTITUTIONAL, 3, 10, 6000, 0, 45_000)
    assert reprice_line(bed, IN_FORCE) == 45_000
    assert reprice_line(bed, draft_policy(IN_FORCE, {"bed_day_cap_fen_by_level": {"3": 5000}})) == 37_500
    assert reprice_line(bed, draft_policy(IN_FORCE, {"bed_day_cap_fen_by_level": {"3": 9000}})) == 45_000


def test_months_and_the_new_levels_by_hand() -> None:
    lines = [home(600, fund=54_000), home(1200, fund=108_000)]
    assert reprice_months(lines, IN_FORCE) == {"2026-03": (162_000, 162_000)}
    # 30 of 40 capped hours used: 3/4
    use = cap_use(lines, IN_FORCE)
    assert use == Fraction(30, 40)
    opened = draft_policy(IN_FORCE, {"home_hours_by_level": {"2": 8, "3": 20, "4": 25, "5": 30}})
    # 4 persons at level 2: 8 h × 3/4 × 60.00 × 4 = 1,440.00, the fund's 90 % = 1,296.00
    assert new_level_estimate({2: 4, 3: 100}, IN_FORCE, opened, use) == 129_600
    assert new_level_estimate({2: 4}, IN_FORCE, IN_FORCE, use) == 0


@given(minutes=st.integers(0, 744 * 60), level=st.sampled_from([3, 4, 5]))
def test_the_policy_in_force_reprices_a_default_priced_home_line_as_the_settlement_did(
    minutes: int, level: int
) -> None:
    settled = rules.build_settlement(
        1,
        "2026-03",
        [rules.HomeCareInput(person_id=1, level=level, visits=(rules.CountedVisit(1, date(2026, 3, 2), minutes),))],
        [],
        policy_for=lambda _day: IN_FORCE,
    )
    line = settled.lines[0]
    recorded = SettledLine(
        "2026-03", line.kind, line.level, line.quantity, line.unit_price_fen, line.verified_minutes, line.fund_fen, True
    )
    assert reprice_line(recorded, IN_FORCE) == line.fund_fen


@given(share=st.decimals(min_value=0, max_value=1, places=2), minutes=st.integers(0, 3000))
def test_a_higher_home_share_never_pays_less(share: Decimal, minutes: int) -> None:
    low = draft_policy(IN_FORCE, {"fund_share_home": str(share)})
    high = draft_policy(IN_FORCE, {"fund_share_home": "1"})
    assert reprice_line(home(minutes), low) <= reprice_line(home(minutes), high)
