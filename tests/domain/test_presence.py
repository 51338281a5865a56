"""The presence card's codes at the event's own time: the QR's time code within one 30-second
step of drift, the printed household code, rotation (each generation proves only the events of
its own validity) and the card's QR content."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain import presence
from ltc.domain.errors import InvalidInput
from ltc.domain.presence import CardSecret, presence_outcome, time_code

OLD = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NEW = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
T0 = datetime.fromtimestamp(1_800_000_000, UTC)  # the start of a 30-second step
ISSUED = T0 - timedelta(days=30)
CARD = (CardSecret(OLD, ISSUED),)


def test_the_time_code_of_the_events_time_verifies() -> None:
    code = time_code(OLD, T0)
    assert code == pyotp.TOTP(OLD).at(T0)  # the RFC 6238 code any authenticator gives
    assert presence_outcome(code, T0, CARD) == presence.TIME_CODE
    assert presence_outcome(code, T0 + timedelta(seconds=29), CARD) == presence.TIME_CODE


@pytest.mark.parametrize(
    ("seconds", "outcome"),
    [
        (-31, presence.INVALID),  # two steps before the code's step
        (-30, presence.TIME_CODE),  # the step before
        (-1, presence.TIME_CODE),
        (30, presence.TIME_CODE),  # the step after
        (59, presence.TIME_CODE),
        (60, presence.INVALID),  # two steps after
        (89, presence.INVALID),
    ],
)
def test_one_step_of_drift_either_side(seconds: int, outcome: str) -> None:
    code = time_code(OLD, T0)
    assert presence_outcome(code, T0 + timedelta(seconds=seconds), CARD) == outcome


def test_the_household_code_is_static_and_belongs_to_the_card() -> None:
    code = presence.household_code(OLD)
    assert presence.is_code(code)
    for moment in (T0, T0 + timedelta(hours=5), T0 + timedelta(days=20)):
        assert presence_outcome(code, moment, CARD) == presence.HOUSEHOLD_CODE
    assert presence.household_code(NEW) != code
    assert presence_outcome(presence.household_code(NEW), T0, CARD) == presence.INVALID


def test_no_code_a_malformed_code_and_a_wrong_code() -> None:
    assert presence_outcome(None, T0, CARD) == presence.NO_CODE
    assert presence_outcome("", T0, CARD) == presence.NO_CODE
    assert presence_outcome("12345", T0, CARD) == presence.INVALID
    assert presence_outcome("abcdef", T0, CARD) == presence.INVALID
    wrong = f"{(int(time_code(OLD, T0)) + 1) % 1_000_000:06d}"
    assert presence_outcome(wrong, T0, CARD) == presence.INVALID
    assert presence_outcome(time_code(OLD, T0), T0, ()) == presence.INVALID  # no card issued


def test_a_card_proves_nothing_before_it_was_issued() -> None:
    before = ISSUED - timedelta(minutes=1)
    assert presence_outcome(time_code(OLD, before), before, CARD) == presence.INVALID
    assert presence_outcome(presence.household_code(OLD), before, CARD) == presence.INVALID


def test_rotation_ends_the_old_card_at_its_instant_and_keeps_it_for_earlier_events() -> None:
    rotated_at = T0
    cards = presence.rotated(CARD, NEW, rotated_at)
    assert cards == (CardSecret(OLD, ISSUED, rotated_at), CardSecret(NEW, rotated_at, None))
    before = rotated_at - timedelta(hours=2)  # an offline check-in sent after the rotation
    assert presence_outcome(time_code(OLD, before), before, cards) == presence.TIME_CODE
    assert presence_outcome(presence.household_code(OLD), before, cards) == presence.HOUSEHOLD_CODE
    assert presence_outcome(time_code(NEW, before), before, cards) == presence.INVALID
    after = rotated_at + timedelta(minutes=5)
    assert presence_outcome(time_code(OLD, after), after, cards) == presence.INVALID
    assert presence_outcome(presence.household_code(OLD), after, cards) == presence.INVALID
    assert presence_outcome(time_code(NEW, after), after, cards) == presence.TIME_CODE
    # At the very instant of the rotation the new card is the one in use.
    assert presence_outcome(presence.household_code(OLD), rotated_at, cards) == presence.INVALID
    assert presence_outcome(presence.household_code(NEW), rotated_at, cards) == presence.HOUSEHOLD_CODE


def test_a_second_rotation_keeps_every_generations_own_window() -> None:
    second = T0 + timedelta(days=1)
    cards = presence.rotated(presence.rotated(CARD, NEW, T0), OLD[::-1], second)
    assert [c.valid_until for c in cards] == [T0, second, None]
    middle = T0 + timedelta(hours=3)
    assert presence_outcome(time_code(NEW, middle), middle, cards) == presence.TIME_CODE


def test_the_qr_content_names_the_person_and_the_secret() -> None:
    payload = presence.card_payload(42, OLD)
    assert payload == f"ltc-presence:1:42:{OLD}"
    assert presence.parse_card_payload(payload) == (42, OLD)
    for bad in (
        "otpauth://totp/x?secret=" + OLD,
        "ltc-presence:2:42:" + OLD,
        "ltc-presence:1:x:" + OLD,
        "ltc-presence:1:4:!!",
    ):
        with pytest.raises(InvalidInput) as refused:
            presence.parse_card_payload(bad)
        assert refused.value.code in ("invalid_presence_card", "invalid_presence_secret")
    with pytest.raises(InvalidInput) as short:
        presence.check_secret("JBSWY3DP")  # 40 bits: too weak a key
    assert short.value.code == "invalid_presence_secret"
    with pytest.raises(InvalidInput) as wrong:
        presence.parse_card_payload("ltc-presence:2:42:" + OLD)
    assert wrong.value.code == "invalid_presence_card"


@given(
    secret=st.binary(min_size=20, max_size=20).map(lambda b: base64.b32encode(b).decode()),
    seconds=st.integers(min_value=1_000_000_000, max_value=4_000_000_000),
    drift=st.integers(min_value=-30, max_value=30),
)
def test_a_code_computed_offline_verifies_within_the_drift(secret: str, seconds: int, drift: int) -> None:
    computed_at = datetime.fromtimestamp(seconds, UTC)
    event_at = computed_at + timedelta(seconds=drift)
    cards = (CardSecret(secret, datetime(2000, 1, 1, tzinfo=UTC)),)
    assert presence_outcome(time_code(secret, computed_at), event_at, cards) in presence.PROVEN
