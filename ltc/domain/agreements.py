"""The service agreement of a designated provider (服务协议) as a state machine:
applied → designated (batch, date) → active → suspended ⇄ active → terminated. A terminated
organisation may not be designated again for the policy's number of years."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ltc.domain.conclusions import add_months
from ltc.domain.errors import Conflict, InvalidInput

# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "designate": (frozenset({"applied"}), "designated"),
    "activate": (frozenset({"designated"}), "active"),
    "suspend": (frozenset({"active"}), "suspended"),
    "reinstate": (frozenset({"suspended"}), "active"),
    "terminate": (frozenset({"applied", "designated", "active", "suspended"}), "terminated"),
}
TAKES_NEW_PEOPLE = frozenset({"active"})
REASON_REQUIRED = frozenset({"suspend", "reinstate", "terminate"})
# Steps after which the provider takes people again: those left waiting are placed anew.
OPENS_TO_NEW_PEOPLE = frozenset(action for action, (_, target) in TRANSITIONS.items() if target in TAKES_NEW_PEOPLE)


def allowed_actions(status: str) -> tuple[str, ...]:
    """The agreement steps that may start from ``status``, in the lifecycle's order: what a
    page offers, read from the same table ``next_status`` enforces."""
    return tuple(action for action, (sources, _) in TRANSITIONS.items() if status in sources)


@dataclass(frozen=True, slots=True)
class AgreementStep:
    action: str
    from_status: str
    to_status: str


def next_status(current: str, action: str, *, reason: str = "", batch: str = "") -> AgreementStep:
    if action not in TRANSITIONS:
        raise InvalidInput(f"unknown agreement action {action}", code="unknown_action")
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise Conflict(f"协议状态为 {current}，不能执行 {action}", code="invalid_transition")
    if action in REASON_REQUIRED and not reason.strip():
        raise InvalidInput("请填写原因", code="reason_required", errors=[{"field": "reason"}])
    if action == "designate" and not batch.strip():
        raise InvalidInput("定点须注明批次", code="batch_required", errors=[{"field": "batch"}])
    return AgreementStep(action=action, from_status=current, to_status=target)


def check_redesignation(terminated_on: date | None, today: date, block_years: int) -> None:
    """An organisation whose agreement was terminated waits `block_years` before a new one."""
    if terminated_on is not None and today < add_months(terminated_on, 12 * block_years):
        allowed = add_months(terminated_on, 12 * block_years)
        raise Conflict(f"该机构协议已于 {terminated_on} 解除，{allowed} 前不得重新定点", code="redesignation_blocked")


def check_capacity(new_capacity: int, current_load: int) -> None:
    if new_capacity < current_load:
        raise InvalidInput(
            f"容量 {new_capacity} 小于当前服务人数 {current_load}",
            code="capacity_below_load",
            errors=[{"field": "capacity"}],
        )


# Wider than any district; a larger radius is a typing error (and 1e308 breaks the arithmetic).
MAX_RADIUS_KM = 200.0


def check_radius(radius_km: float) -> None:
    if not 0 < radius_km <= MAX_RADIUS_KM:
        raise InvalidInput(
            f"服务半径须大于 0 且不超过 {MAX_RADIUS_KM:g} 公里",
            code="invalid_radius",
            errors=[{"field": "service_radius_km"}],
        )


def check_takes_new_people(status: str) -> None:
    if status == "suspended":
        raise Conflict("该机构已暂停协议，不能接收新的服务对象", code="provider_suspended")
    if status not in TAKES_NEW_PEOPLE:
        raise Conflict(f"该机构协议状态为 {status}，不能接收服务对象", code="provider_not_active")
