"""What a settlement's exports say of each line: the services it counts (its visits or its
bed-days, never a visit's id) and the facts its note states."""

from __future__ import annotations

from datetime import date

from ltc.services.settlements.exports import counted_services, line_note
from ltc.services.settlements.values import SettlementLineDetail


def a_line(**values) -> SettlementLineDetail:
    base = {
        "id": 1,
        "line_no": 1,
        "kind": "home",
        "person_id": 1,
        "person_name": "张三",
        "level": 4,
        "quantity": 116,
        "unit": "minute",
        "unit_price_fen": 6000,
        "gross_fen": 11600,
        "fund_fen": 10440,
        "personal_fen": 1160,
        "visit_ids": [],
        "excluded_visit_ids": [],
        "days": [],
        "leave_days": [],
        "verified_minutes": 116,
        "policy_version": "2021.1",
        "adjusts_period": None,
        "note": "",
    }
    return SettlementLineDetail.model_validate(base | values)


def test_a_line_counts_its_visits_or_its_bed_days_not_an_id() -> None:
    assert counted_services(a_line(visit_ids=[4711])) == 1  # one visit, whatever its id
    assert counted_services(a_line(visit_ids=[4711, 4712, 9], excluded_visit_ids=[5])) == 3  # left-out ones not
    days = [date(2026, 3, d) for d in range(1, 11)]
    assert counted_services(a_line(kind="institutional", unit="day", days=days, leave_days=[date(2026, 3, 11)])) == 10
    assert counted_services(a_line(kind="adjustment", unit="", quantity=0)) == 0


def test_a_home_line_note_states_what_was_billed_and_left_out() -> None:
    note = line_note(a_line(visit_ids=[1, 2], excluded_visit_ids=[3], quantity=100, verified_minutes=130))
    assert (note.billed_minutes, note.verified_minutes, note.unit_price_fen, note.left_out) == (100, 130, 6000, 1)
    correction = line_note(a_line(kind="adjustment", adjusts_period="2026-02", note="时长核减"))
    assert (correction.corrects_period, correction.reason) == ("2026-02", "时长核减")
