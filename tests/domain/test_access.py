from __future__ import annotations

import pytest

from ltc.domain.access import (
    ADMINISTRATOR_DUTIES,
    ALLOWED,
    Action,
    Actor,
    Role,
    require,
    require_provider_visible,
    validate_account_role,
    validate_caregiver_account,
    validate_role_assignment,
    validate_role_change,
    validate_town_assignment,
)
from ltc.domain.errors import Forbidden, NotFound


def actor(role: Role, provider_id: int | None = None) -> Actor:
    return Actor(user_id=1, username="u", role=role, provider_id=provider_id)


def test_an_agency_sees_its_own_provider_and_not_another() -> None:
    require_provider_visible(actor(Role.AGENCY, 7), 7)
    with pytest.raises(NotFound) as caught:
        require_provider_visible(actor(Role.AGENCY, 7), 8)
    assert caught.value.code == "provider_not_found"


@pytest.mark.parametrize("role", [Role.BUREAU, Role.SUPERVISOR, Role.ASSESSOR, Role.EXPERT])
def test_non_agency_roles_are_not_scoped_to_a_provider(role: Role) -> None:
    require_provider_visible(actor(role), 8)


@pytest.mark.parametrize("role", sorted(ADMINISTRATOR_DUTIES))
def test_administrators_see_no_providers_records(role: Role) -> None:
    with pytest.raises(NotFound):
        require_provider_visible(actor(role), 8)


def test_only_the_bureau_sees_full_identity_numbers() -> None:
    assert [r for r in Role if actor(r).sees_full_id_numbers] == [Role.BUREAU]
    assert {r for r in Role if actor(r).sees_whole_region} == {Role.BUREAU, Role.SUPERVISOR}


def test_the_supervisor_reads_settlements_and_the_fund_but_never_moves_money() -> None:
    supervisor = actor(Role.SUPERVISOR)
    assert supervisor.may(Action.READ_SETTLEMENTS) and supervisor.may(Action.READ_FUND)
    assert supervisor.may(Action.REVIEW_SAMPLES) and supervisor.may(Action.RUN_INSPECTIONS)
    for action in (
        Action.APPROVE_SETTLEMENT,
        Action.SUBMIT_SETTLEMENT,
        Action.PAY_SETTLEMENTS,
        Action.BUILD_SETTLEMENTS,
    ):
        assert not supervisor.may(action)
    # the officer who approves does not re-review the sample
    assert not actor(Role.BUREAU).may(Action.REVIEW_SAMPLES)


def test_agency_users_need_a_provider_and_region_wide_roles_may_not_have_one() -> None:
    validate_role_assignment(Role.AGENCY, 3)
    validate_role_assignment(Role.BUREAU, None)
    validate_role_assignment(Role.ASSESSOR, 3)  # the employer, for the conflict-of-interest rule
    validate_role_assignment(Role.EXPERT, None)
    with pytest.raises(Forbidden):
        validate_role_assignment(Role.AGENCY, None)
    for role in (Role.BUREAU, Role.SUPERVISOR, *ADMINISTRATOR_DUTIES):
        with pytest.raises(Forbidden):
            validate_role_assignment(role, 3)


def test_every_action_names_at_least_one_role_and_only_the_bureau_moves_the_funds_money() -> None:
    assert set(ALLOWED) == set(Action)
    assert all(ALLOWED[action] for action in Action)
    for action in (Action.APPROVE_SETTLEMENT, Action.REJECT_SETTLEMENT, Action.PAY_SETTLEMENTS):
        assert ALLOWED[action] == {Role.BUREAU}
    assert ALLOWED[Action.MANAGE_USERS] == {Role.SYSADMIN}


# The three separated administrator duties (三员分立) ----------------------------------------

DUTY_ACTIONS = {
    # Users and configuration: the system administrator's (the policy versions read-only).
    Role.SYSADMIN: {Action.MANAGE_USERS, Action.READ_USERS, Action.READ_POLICY},
    # Roles, sessions and keys: the security administrator's.
    Role.SECADMIN: {Action.ASSIGN_ROLES, Action.READ_USERS, Action.MANAGE_SESSIONS, Action.ROTATE_DATA_KEYS},
    Role.AUDITOR: {Action.READ_AUDIT, Action.VERIFY_AUDIT},
}


@pytest.mark.parametrize("role", sorted(ADMINISTRATOR_DUTIES))
def test_each_administrator_may_do_their_own_duty_and_nothing_else(role: Role) -> None:
    assert {action for action in Action if actor(role).may(action)} == DUTY_ACTIONS[role]
    assert not actor(role).sees_whole_region and not actor(role).sees_full_id_numbers


def test_the_duties_do_not_overlap_where_they_check_each_other() -> None:
    assert ALLOWED[Action.ASSIGN_ROLES] == {Role.SECADMIN}  # not the one who creates users
    assert ALLOWED[Action.VERIFY_AUDIT] == {Role.AUDITOR}
    assert not ALLOWED[Action.READ_AUDIT] & {Role.SYSADMIN, Role.SECADMIN}  # whose acts it records
    assert ADMINISTRATOR_DUTIES == {Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR}


def test_an_administrators_account_is_opened_by_the_operator_only() -> None:
    for role in ADMINISTRATOR_DUTIES:
        validate_account_role(role, by_operator=True)
        with pytest.raises(Forbidden) as caught:
            validate_account_role(role, by_operator=False)
        assert caught.value.code == "administrator_created_by_operator"
    for role in set(Role) - ADMINISTRATOR_DUTIES:
        validate_account_role(role, by_operator=False)


@pytest.mark.parametrize(("current", "new"), [(a, b) for a in Role for b in Role])
def test_an_administrators_duty_never_changes(current: Role, new: Role) -> None:
    if current != new and (current in ADMINISTRATOR_DUTIES or new in ADMINISTRATOR_DUTIES):
        with pytest.raises(Forbidden) as caught:
            validate_role_change(current, new)
        assert caught.value.code == "administrator_duty_fixed"
    elif current != new and Role.CAREGIVER in (current, new):
        with pytest.raises(Forbidden) as caught:
            validate_role_change(current, new)
        assert caught.value.code == "caregiver_account_by_agency"
    else:
        validate_role_change(current, new)


@pytest.mark.parametrize("role", list(Role))
def test_only_an_account_opened_for_a_caregiver_has_the_caregiver_role(role: Role) -> None:
    for for_caregiver in (True, False):
        if (role == Role.CAREGIVER) == for_caregiver:
            validate_caregiver_account(role, for_caregiver=for_caregiver)
        else:
            with pytest.raises(Forbidden) as caught:
                validate_caregiver_account(role, for_caregiver=for_caregiver)
            assert caught.value.code == "caregiver_account_by_agency"


def test_a_caregiver_sees_their_own_provider_and_their_own_visits_only() -> None:
    carer = Actor(user_id=9, username="c", role=Role.CAREGIVER, provider_id=3, caregiver_id=17)
    assert carer.provider_scope == 3 and carer.caregiver_scope == 17
    nameless = Actor(user_id=9, username="c", role=Role.CAREGIVER, provider_id=3)
    assert nameless.caregiver_scope == 0  # an account naming no caregiver sees no visit
    agency = Actor(user_id=8, username="a", role=Role.AGENCY, provider_id=3)
    assert agency.caregiver_scope is None
    assert carer.may(Action.CHECK_IN_OUT) and carer.may(Action.READ_OWN_VISITS)
    assert not carer.may(Action.RECORD_VISIT) and not carer.may(Action.READ_CARE_RECORDS)
    assert not agency.may(Action.READ_OWN_VISITS)


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


def test_the_provider_scope_limits_agencies_and_caregivers_only() -> None:
    for role in (Role.AGENCY, Role.CAREGIVER):
        assert actor(role, 7).provider_scope == 7
        assert actor(role, None).provider_scope == 0  # no provider: sees nothing
    limited = {Role.AGENCY, Role.CAREGIVER, Role.TOWN_AGENT, *ADMINISTRATOR_DUTIES}
    assert {actor(r, 7).provider_scope for r in Role if r not in limited} == {None}
    assert {actor(r).provider_scope for r in ADMINISTRATOR_DUTIES} == {0}  # administrators see no provider's records
    assert actor(Role.TOWN_AGENT, 7).provider_scope == 0  # a town agent sees their town, no provider's records


def test_the_town_scope_limits_town_agents_only() -> None:
    agent = Actor(user_id=1, username="u", role=Role.TOWN_AGENT, town_id=3)
    assert agent.town_scope == 3
    assert Actor(user_id=1, username="u", role=Role.TOWN_AGENT).town_scope == 0  # no town: sees nobody
    assert {Actor(user_id=1, username="u", role=r, town_id=3).town_scope for r in Role if r != Role.TOWN_AGENT} == {
        None
    }


def test_only_a_town_agent_names_a_town() -> None:
    validate_town_assignment(Role.TOWN_AGENT, 3)
    validate_town_assignment(Role.BUREAU, None)
    with pytest.raises(Forbidden) as caught:
        validate_town_assignment(Role.TOWN_AGENT, None)
    assert caught.value.code == "town_agent_needs_town"
    with pytest.raises(Forbidden) as caught:
        validate_town_assignment(Role.AGENCY, 3)
    assert caught.value.code == "town_not_allowed"
