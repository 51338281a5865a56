"""The decisions the bureau is offered on an assessment: the same rule the services enforce."""

from __future__ import annotations

from datetime import date

from ltc.domain.conclusions import Decision, open_decisions


def test_the_decisions_follow_the_state_and_the_notice_day_by_day() -> None:
    last = date(2026, 12, 13)
    assert open_decisions("submitted", 1, date(2026, 12, 1), None) == {Decision.PUBLISH}
    assert open_decisions("submitted", 2, date(2026, 12, 1), None) == {Decision.FINALIZE}, "a re-assessment"
    assert open_decisions("publicised", 1, last, last) == {Decision.OBJECT}, "the notice's last day"
    assert open_decisions("publicised", 1, date(2026, 12, 14), last) == {Decision.FINALIZE}
    for status in ("objected", "final", "superseded"):
        assert open_decisions(status, 1, date(2026, 12, 14), last) == frozenset()
