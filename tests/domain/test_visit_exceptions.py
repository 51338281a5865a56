from __future__ import annotations

import itertools

import pytest

from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.visit_exceptions import (
    BLOCKS_PAYMENT_SQL,
    EXPLANATION_CODES,
    ExceptionStatus,
    Resolution,
    blocks_payment,
    check_explanation,
    check_resolution,
)

RESOLUTIONS = [None, "", Resolution.ACCEPTED.value, Resolution.REJECTED.value]


@pytest.mark.parametrize(("status", "resolution"), list(itertools.product(list(ExceptionStatus), RESOLUTIONS)))
def test_pending_and_rejected_exceptions_keep_the_visit_out_of_pay(status: ExceptionStatus, resolution) -> None:
    expected = status in (ExceptionStatus.OPEN, ExceptionStatus.EXPLAINED) or (
        status == ExceptionStatus.RESOLVED and resolution == "rejected"
    )
    assert blocks_payment(status.value, resolution) is expected


def test_the_sql_form_names_the_same_states() -> None:
    assert BLOCKS_PAYMENT_SQL == (
        "(e.status IN ('open', 'explained') OR (e.status = 'resolved' AND e.resolution_code = 'rejected'))"
    )


@pytest.mark.parametrize("status", list(ExceptionStatus))
def test_an_explanation_is_taken_while_the_exception_waits_for_one(status: ExceptionStatus) -> None:
    if status in (ExceptionStatus.OPEN, ExceptionStatus.EXPLAINED):
        check_explanation(status.value, "weak_gps_signal", "")
    else:
        with pytest.raises(Conflict) as caught:
            check_explanation(status.value, "weak_gps_signal", "")
        assert caught.value.code == "invalid_state"


def test_an_explanation_needs_a_known_code_and_words_for_other() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_explanation("open", "because", "")
    assert caught.value.code == "unknown_reason_code"
    with pytest.raises(InvalidInput) as caught:
        check_explanation("open", "other", "   ")
    assert caught.value.code == "explanation_required"
    check_explanation("open", "other", "the lift was broken")
    assert "other" in EXPLANATION_CODES


@pytest.mark.parametrize("status", list(ExceptionStatus))
def test_only_an_explained_exception_is_resolved(status: ExceptionStatus) -> None:
    if status == ExceptionStatus.EXPLAINED:
        check_resolution(status.value, "accepted")
        check_resolution(status.value, "rejected")
    else:
        with pytest.raises(Conflict) as caught:
            check_resolution(status.value, "accepted")
        assert caught.value.code == "not_explained"
    with pytest.raises(InvalidInput) as caught:
        check_resolution(status.value, "maybe")
    assert caught.value.code == "unknown_resolution_code"
