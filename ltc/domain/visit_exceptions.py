"""A flagged visit's exception: its states, the codes an agency explains it with and the bureau
resolves it with, and the one rule of which exceptions keep a visit out of the month's pay."""

from __future__ import annotations

from enum import StrEnum

from ltc.domain.errors import Conflict, InvalidInput


class ExceptionStatus(StrEnum):
    OPEN = "open"  # raised by a verification rule, waiting for the agency
    EXPLAINED = "explained"  # the agency gave a reason, waiting for the bureau
    RESOLVED = "resolved"  # the bureau accepted or rejected the reason
    WITHDRAWN = "withdrawn"  # the rule no longer flags the visit (a late event, a corrected record)


class Resolution(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


EXPLANATION_CODES = (
    "weak_gps_signal",
    "device_clock_wrong",
    "person_asked_to_shorten",
    "person_not_at_home",
    "caregiver_substituted",
    "discharged_same_day",
    "record_error",
    "card_unreadable",  # the presence card's QR and household code could not be read (worn, lost)
    "family_declined",  # the family would not sign, or be photographed
    "time_agreed_with_family",  # the start was moved with the family's agreement
    "certificate_being_renewed",  # the caregiver's certificate was in renewal on the day
    "other",
)
RESOLUTION_CODES = tuple(r.value for r in Resolution)
EXPLAINABLE = frozenset({ExceptionStatus.OPEN, ExceptionStatus.EXPLAINED})  # a reason may be given again until resolved
PENDING = EXPLAINABLE  # waiting for someone: the visit is not paid until it is resolved


def blocks_payment(status: str, resolution_code: str | None) -> bool:
    """A visit with such an exception is left out of the month's pay: still pending, or its
    reason rejected. Accepted and withdrawn exceptions let the visit count."""
    return status in PENDING or (status == ExceptionStatus.RESOLVED and resolution_code == Resolution.REJECTED)


# The same rule for the month's aggregate, over an exception row aliased ``e``.
BLOCKS_PAYMENT_SQL = (
    f"(e.status IN ('{ExceptionStatus.OPEN}', '{ExceptionStatus.EXPLAINED}') "
    f"OR (e.status = '{ExceptionStatus.RESOLVED}' AND e.resolution_code = '{Resolution.REJECTED}'))"
)


def check_explanation(status: str, reason_code: str, text: str) -> None:
    """An agency's reason for a flag: a known code, words when the code is 'other', and only
    while the exception waits for one."""
    if reason_code not in EXPLANATION_CODES:
        raise InvalidInput(f"说明代码须为 {', '.join(EXPLANATION_CODES)} 之一", code="unknown_reason_code")
    if reason_code == "other" and not text.strip():
        raise InvalidInput("选择“其他”时须填写说明", code="explanation_required")
    if status not in EXPLAINABLE:
        raise Conflict(f"异常状态为 {status}，不能再说明", code="invalid_state")


def check_resolution(status: str, resolution_code: str) -> None:
    """The bureau resolves an exception the agency has explained, accepting or rejecting it."""
    if resolution_code not in RESOLUTION_CODES:
        raise InvalidInput(f"处理结果须为 {', '.join(RESOLUTION_CODES)} 之一", code="unknown_resolution_code")
    if status != ExceptionStatus.EXPLAINED:
        raise Conflict("须先由机构说明，再由医保局处理", code="not_explained")
