"""The demo's assessors and experts are enough for an objection: a first team and a
re-assessment team sharing no one, each passing the team rule of the policy in force."""

from __future__ import annotations

from datetime import date

from ltc.domain.access import Role
from ltc.domain.eligibility import TeamMember, check_team
from ltc.domain.policy import Policy
from ltc.services.seed import DEMO_STAFF

POLICY = Policy(version="test", effective_from=date(2021, 1, 1))


def _team(*usernames: str) -> list[TeamMember]:
    roles = {name: role for name, role, _ in DEMO_STAFF}
    return [
        TeamMember(user_id=hash(name), role=roles[name].value, active=True, employer_provider_id=None)
        for name in usernames
    ]


def test_the_demo_has_two_disjoint_teams_for_an_assessment_and_its_reassessment() -> None:
    first, second = _team("assessor1", "expert1"), _team("assessor2", "expert2")
    check_team(first, person_provider_ids=set(), earlier_member_ids=set(), policy=POLICY)
    check_team(second, person_provider_ids=set(), earlier_member_ids={m.user_id for m in first}, policy=POLICY)
    experts = [name for name, role, _ in DEMO_STAFF if role == Role.EXPERT]
    assessors = [name for name, role, _ in DEMO_STAFF if role == Role.ASSESSOR]
    assert len(experts) >= 2 and len(assessors) >= 2
