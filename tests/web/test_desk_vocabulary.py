"""Every code the agency's desk can show has words: the census statuses, the reasons a slot
went unscheduled and the plan states of the roster are the services' own lists."""

from __future__ import annotations

from ltc.services import care_plans, census
from ltc.services.visits import reads
from ltc.web import vocabulary


def test_the_desks_words_cover_the_services_codes() -> None:
    assert set(vocabulary.CENSUS_STATUSES) == set(census.STATUSES)
    assert set(vocabulary.UNSCHEDULED_REASONS) == set(reads.UNSCHEDULED_REASONS)
    assert set(vocabulary.ROSTER_STATES) == set(care_plans.ROSTER_STATES)
    assert len(vocabulary.WEEKDAYS) == 7


def test_the_scheduler_reports_only_reasons_the_desk_has_words_for() -> None:
    import re
    from pathlib import Path

    import ltc.domain.scheduling as scheduling

    source = Path(scheduling.__file__).read_text(encoding="utf-8")
    reported = set(re.findall(r'"(no_[a-z_]+|weekly_hours_exceeded)"', source))
    assert reported and reported <= set(vocabulary.UNSCHEDULED_REASONS), reported
