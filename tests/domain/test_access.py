from __future__ import annotations

import pytest

from ltc.domain.access import (
    ALLOWED,
    Action,
    Actor,
    Role,
    require,
    require_provider_visible,
    validate_role_assignment,
)
from ltc.domain.errors import Forbidden, NotFound


def actor(role: Role, provider_id: int | None = None) -> Actor:
    return Actor(user_id=1, username="u", role=role, provider_id=provider_id)


def test_an_agency_sees_its_own_provider_and_not_another() -> None:
    require_provider_visible(actor(Role.AGENCY, 7), 7)
    with pytest.raises(NotFound) as caught:
        require_provider_visible(actor(Role.AGENCY, 7), 8)
    assert caught.value.code == "provider_not_found"


@pytest.mark.parametrize("role", [Role.BUREAU, Role.ADMIN, Role.ASSESSOR, Role.EXPERT])
def test_non_agency_roles_are_not_scoped_to_a_provider(role: Role) -> None:
    require_provider_visible(actor(role), 8)


def test_only_the_bureau_sees_full_identity_numbers() -> None:
    assert [r for r in Role if actor(r).sees_full_id_numbers] == [Role.BUREAU]
    assert {r for r in Role if actor(r).sees_whole_region} == {Role.BUREAU, Role.ADMIN}


def test_agency_users_need_a_provider_and_region_wide_roles_may_not_have_one() -> None:
    validate_role_assignment(Role.AGENCY, 3)
    validate_role_assignment(Role.BUREAU, None)
    validate_role_assignment(Role.ASSESSOR, 3)  # the employer, for the conflict-of-interest rule
    validate_role_assignment(Role.EXPERT, None)
    with pytest.raises(Forbidden):
        validate_role_assignment(Role.AGENCY, None)
    for role in (Role.BUREAU, Role.ADMIN):
        with pytest.raises(Forbidden):
            validate_role_assignment(role, 3)


def test_every_action_names_at_least_one_role_and_only_the_bureau_moves_the_funds_money() -> None:
    assert set(ALLOWED) == set(Action)
    assert all(ALLOWED[action] for action in Action)
    for action in (Action.APPROVE_SETTLEMENT, Action.REJECT_SETTLEMENT, Action.PAY_SETTLEMENTS):
        assert ALLOWED[action] == {Role.BUREAU}
    assert ALLOWED[Action.MANAGE_USERS] == {Role.ADMIN}


@pytest.mark.parametrize(("role", "action"), [(r, a) for r in Role for a in Action])
def test_require_follows_the_table(role: Role, action: Action) -> None:
    if role in ALLOWED[action]:
        require(actor(role, 1), action)
        assert actor(role, 1).may(action)
    else:
        assert not actor(role, 1).may(action)
        with pytest.raises(Forbidden) as caught:
            require(actor(role, 1), action)
        assert caught.value.code == "role_not_allowed"


def test_the_provider_scope_limits_agencies_only() -> None:
    assert actor(Role.AGENCY, 7).provider_scope == 7
    assert actor(Role.AGENCY, None).provider_scope == 0  # no provider: sees nothing
    assert {actor(r, 7).provider_scope for r in Role if r != Role.AGENCY} == {None}
