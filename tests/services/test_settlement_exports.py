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


def test_the_approval_the_settlement_records_stands_in_for_an_archived_trail() -> None:
    from datetime import UTC, datetime

    from ltc.services.settlements.exports import WorkflowStep, with_recorded_approval

    at = datetime(2026, 4, 3, 2, tzinfo=UTC)
    submitted = WorkflowStep("submit", at, "agency-p01", "")
    rejected = WorkflowStep("reject", at.replace(hour=3), "bureau2", "医保局经办 李华")
    approved = WorkflowStep("approve", at.replace(hour=5), "bureau", "医保局经办 王敏")
    archived = with_recorded_approval((), approved)  # the trail moved to the archive
    assert archived.approved_by == approved and archived.reviewers == ("医保局经办 王敏",)
    assert archived.submitted_by is None
    both = with_recorded_approval((submitted, rejected, approved), approved)
    assert both.steps == (submitted, rejected, approved), "an approval in the trail is not doubled"
    assert both.reviewers == ("医保局经办 李华", "医保局经办 王敏") and both.submitted_by.who == "agency-p01"
    open_month = with_recorded_approval((submitted,), None)
    assert open_month.approved_by is None and open_month.reviewers == ()
