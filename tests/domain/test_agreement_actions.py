from __future__ import annotations

import pytest

from ltc.domain.agreements import OPENS_TO_NEW_PEOPLE, TRANSITIONS, allowed_actions, next_status
from ltc.domain.errors import Conflict

STATUSES = ("applied", "designated", "active", "suspended", "terminated")


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        ("applied", ("designate", "terminate")),
        ("designated", ("activate", "terminate")),
        ("active", ("suspend", "terminate")),
        ("suspended", ("reinstate", "terminate")),
        ("terminated", ()),
    ],
)
def test_each_state_offers_exactly_its_steps(status: str, offered: tuple[str, ...]) -> None:
    assert allowed_actions(status) == offered


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_an_offered_step_is_one_the_lifecycle_accepts_and_no_other_is(status: str, action: str) -> None:
    if action in allowed_actions(status):
        step = next_status(status, action, reason="r", batch="2026-1")
        assert step.to_status == TRANSITIONS[action][1]
    else:
        with pytest.raises(Conflict) as refused:
            next_status(status, action, reason="r", batch="2026-1")
        assert refused.value.code == "invalid_transition"


def test_only_the_steps_into_active_reopen_a_provider_to_new_people() -> None:
    assert OPENS_TO_NEW_PEOPLE == {"activate", "reinstate"}
