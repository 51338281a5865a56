"""The refusals of the smaller rules, each with its code: policy versions, provider
agreements, assignment inputs, caregivers for scheduling, a user's provider."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from ltc.domain.access import Role, validate_role_assignment
from ltc.domain.agreements import check_takes_new_people, next_status
from ltc.domain.assignment import Client, Provider, ProviderTable, greedy, optimise
from ltc.domain.errors import Conflict, Forbidden, InvalidInput
from ltc.domain.policy import Policy, PolicyBook
from ltc.domain.scheduling import CaregiverInput, schedule

V1 = Policy(version="2020", effective_from=date(2020, 1, 1))
V2 = replace(V1, version="2026", effective_from=date(2026, 3, 16))


def schedule_week(caregivers: list[CaregiverInput], policy: Policy = V1) -> None:
    schedule(
        [],
        caregivers,
        window_start=date(2026, 3, 2),
        window_end=date(2026, 3, 9),
        zone=ZoneInfo("Asia/Shanghai"),
        policy=policy,
    )


# ---------------------------------------------------------------------------- policy


def test_the_version_in_force_from_its_first_day() -> None:
    book = PolicyBook(city="t", versions=(V1, V2))
    assert book.in_force(date(2026, 3, 15)) is V1
    assert book.in_force(date(2026, 3, 16)) is V2
    assert book.in_force(date(2020, 1, 1)) is V1
    with pytest.raises(InvalidInput) as err:
        book.in_force(date(2019, 12, 31))
    assert err.value.code == "no_policy_in_force"


def test_a_version_by_name() -> None:
    book = PolicyBook(city="t", versions=(V1, V2))
    assert book.version("2026") is V2
    with pytest.raises(InvalidInput) as err:
        book.version("2027")
    assert err.value.code == "unknown_policy_version"


@pytest.mark.parametrize("versions", [(), (V2, V1), (V1, replace(V2, effective_from=V1.effective_from))])
def test_versions_must_be_given_in_distinct_ascending_days(versions: tuple[Policy, ...]) -> None:
    with pytest.raises(InvalidInput) as err:
        PolicyBook(city="t", versions=versions)
    assert err.value.code == "invalid_policy"


def test_unknown_policy_fields_are_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        Policy.from_dict({"version": "x", "effective_from": "2026-01-01", "geofence_meters": 100})
    assert err.value.code == "invalid_policy"
    assert "geofence_meters" in err.value.detail


def test_scheduling_needs_a_positive_travel_speed() -> None:
    for speed in (0.0, -5.0):
        with pytest.raises(InvalidInput) as err:
            schedule_week([], replace(V1, travel_speed_kmh=speed))
        assert err.value.code == "invalid_policy"


def test_a_caregiver_with_negative_weekly_hours_is_refused() -> None:
    carer = CaregiverInput(1, 1, "nurse", 29.87, 121.55, weekly_hours=-1)
    with pytest.raises(InvalidInput) as err:
        schedule_week([carer])
    assert err.value.code == "invalid_weekly_hours"
    schedule_week([replace(carer, weekly_hours=0)])  # no hours at all is allowed: no visits


# ---------------------------------------------------------------------------- agreements


def test_designation_needs_a_batch() -> None:
    for batch in ("", "   "):
        with pytest.raises(InvalidInput) as err:
            next_status("applied", "designate", batch=batch)
        assert err.value.code == "batch_required"
        assert err.value.errors == [{"field": "batch"}]
    assert next_status("applied", "designate", batch="2026-1").to_status == "designated"


@pytest.mark.parametrize("status", ["applied", "designated", "terminated"])
def test_only_an_active_provider_takes_new_people(status: str) -> None:
    with pytest.raises(Conflict) as err:
        check_takes_new_people(status)
    assert err.value.code == "provider_not_active"
    check_takes_new_people("active")
    with pytest.raises(Conflict) as suspended:
        check_takes_new_people("suspended")
    assert suspended.value.code == "provider_suspended"


# ---------------------------------------------------------------------------- assignment


def provider(pid: int, **changes: object) -> Provider:
    base = Provider(id=pid, lat=29.87, lon=121.55, kind="both", radius_km=10.0, capacity=5)
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kind": "hospital"}, "invalid_provider_kind"),
        ({"radius_km": -0.1}, "invalid_provider"),
        ({"capacity": -1}, "invalid_provider"),
        ({"current_load": -1}, "invalid_provider"),
    ],
)
def test_bad_providers_are_refused(changes: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        provider(1, **changes)
    assert err.value.code == code


def test_a_provider_with_nothing_is_still_a_provider() -> None:
    assert provider(1, radius_km=0.0, capacity=0, current_load=0).capacity == 0


def test_provider_ids_must_be_unique() -> None:
    with pytest.raises(InvalidInput) as err:
        ProviderTable.from_providers([provider(1), provider(1)])
    assert err.value.code == "duplicate_provider"


def test_at_least_one_candidate_per_client_and_a_known_greedy_order() -> None:
    clients = [Client(id=1, lat=29.871, lon=121.551, mode="home")]
    providers = [provider(1)]
    for solve in (optimise, greedy):
        with pytest.raises(InvalidInput) as err:
            solve(clients, providers, candidates_per_client=0)
        assert err.value.code == "invalid_candidates"
    assert optimise(clients, providers, candidates_per_client=1).assigned_count == 1
    with pytest.raises(InvalidInput) as err:
        greedy(clients, providers, order="random")
    assert err.value.code == "invalid_order"


# ---------------------------------------------------------------------------- users


@pytest.mark.parametrize("role", [Role.BUREAU, Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR])
def test_region_wide_users_belong_to_no_provider(role: Role) -> None:
    with pytest.raises(Forbidden) as err:
        validate_role_assignment(role, 3)
    assert err.value.code == "provider_not_allowed"
    with pytest.raises(Forbidden) as err:
        validate_role_assignment(Role.AGENCY, None)
    assert err.value.code == "agency_needs_provider"
