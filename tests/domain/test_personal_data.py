"""The envelope, the blind index, the keyring and the retention rule (pure)."""

from __future__ import annotations

import base64
import os
from datetime import date

import pytest

from ltc.domain.errors import InvalidInput
from ltc.domain.personal_data import (
    DEV_KEY_ID,
    Keyring,
    PersonalDataError,
    RetentionFacts,
    anonymised_id_number,
    blind_index,
    build_keyring,
    envelope_key_id,
    id_number_index,
    id_number_placeholder,
    location,
    mask_phone,
    open_bytes,
    open_envelope,
    parse_data_keys,
    reseal,
    retention_duty,
    seal,
    seal_bytes,
)

K1, K2, INDEX = os.urandom(32), os.urandom(32), os.urandom(32)
WHERE = location("person", "id_number", 7)


def ring(active: str = "k1", cipher: str = "sm4-gcm", **keys: bytes) -> Keyring:
    return Keyring(keys=keys or {"k1": K1, "k2": K2}, active=active, cipher=cipher, index_key=INDEX)  # type: ignore[arg-type]


def raw(envelope: str) -> bytearray:
    return bytearray(base64.urlsafe_b64decode(envelope + "=" * (-len(envelope) % 4)))


def text(data: bytes) -> str:
    return base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode()


@pytest.mark.parametrize("cipher", ["sm4-gcm", "aes-256-gcm"])
def test_a_sealed_value_opens_to_itself_and_shows_nothing_of_it(cipher: str) -> None:
    keyring = ring(cipher=cipher)
    sealed = seal(keyring, "330213194005060311", WHERE)
    assert "330213" not in sealed and "0311" not in sealed
    assert open_envelope(keyring, sealed, WHERE) == "330213194005060311"
    assert seal(keyring, "330213194005060311", WHERE) != sealed  # a fresh nonce each time
    header = raw(sealed)
    assert header[0] == 1 and header[1] == {"sm4-gcm": 1, "aes-256-gcm": 2}[cipher]
    assert envelope_key_id(sealed) == "k1"


def test_the_empty_value_stays_empty() -> None:
    assert seal(ring(), "", WHERE) == "" and open_envelope(ring(), "", WHERE) == ""


@pytest.mark.parametrize("position", [0, 1, 2, 3, 6, 20, -1])
def test_any_byte_changed_is_refused_with_a_stable_code(position: int) -> None:
    keyring = ring()
    data = raw(seal(keyring, "13800001111", WHERE))
    data[position] ^= 0x01
    with pytest.raises(PersonalDataError) as refused:
        open_envelope(keyring, text(data), WHERE)
    assert refused.value.code in {"ciphertext_invalid", "envelope_version_unknown", "unknown_key_id"}


def test_the_codes_of_a_changed_version_a_tampered_body_and_garbage() -> None:
    keyring = ring()
    data = raw(seal(keyring, "13800001111", WHERE))
    version = bytearray(data)
    version[0] = 9
    with pytest.raises(PersonalDataError) as refused:
        open_envelope(keyring, text(version), WHERE)
    assert refused.value.code == "envelope_version_unknown"
    data[-1] ^= 0x80
    with pytest.raises(PersonalDataError) as refused:
        open_envelope(keyring, text(data), WHERE)
    assert refused.value.code == "ciphertext_invalid"
    with pytest.raises(PersonalDataError) as refused:
        open_envelope(keyring, "!!not base64!!", WHERE)
    assert refused.value.code == "ciphertext_invalid"


def test_a_value_moved_to_another_row_or_column_is_refused() -> None:
    keyring = ring()
    sealed = seal(keyring, "溪口镇岩头村12号", location("person", "address", 7))
    for elsewhere in (
        location("person", "address", 8),
        location("person", "phone", 7),
        location("caregiver", "address", 7),
    ):
        with pytest.raises(PersonalDataError) as refused:
            open_envelope(keyring, sealed, elsewhere)
        assert refused.value.code == "ciphertext_invalid"


@pytest.mark.parametrize("cipher", ["sm4-gcm", "aes-256-gcm"])
def test_a_sealed_picture_opens_to_itself_only_where_it_was_sealed(cipher: str) -> None:
    keyring = ring(cipher=cipher)
    picture = b"\xff\xd8\xff\xe0" + os.urandom(2048)
    where = location("visit_evidence", "content", "e1:photo")
    sealed = seal_bytes(keyring, picture, where)
    assert picture[4:] not in sealed and open_bytes(keyring, sealed, where) == picture
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    for body, place in ((sealed, location("visit_evidence", "content", "e2:photo")), (bytes(tampered), where)):
        with pytest.raises(PersonalDataError) as refused:
            open_bytes(keyring, body, place)
        assert refused.value.code == "ciphertext_invalid"


def test_a_key_the_keyring_does_not_hold_is_refused() -> None:
    sealed = seal(ring(active="k2"), "x", WHERE)
    with pytest.raises(PersonalDataError) as refused:
        open_envelope(ring(k1=K1), sealed, WHERE)
    assert refused.value.code == "unknown_key_id"
    # the same id with another secret: the tag does not match
    with pytest.raises(PersonalDataError) as refused:
        open_envelope(ring(active="k2", k2=K1), sealed, WHERE)
    assert refused.value.code == "ciphertext_invalid"


def test_rotation_reseals_under_the_active_key_and_still_opens() -> None:
    old = seal(ring(active="k1"), "溪口镇", WHERE)
    rotated = ring(active="k2")
    new = reseal(rotated, old, WHERE)
    assert envelope_key_id(new) == "k2" and new != old
    assert open_envelope(rotated, new, WHERE) == "溪口镇"
    assert reseal(rotated, new, WHERE) == new  # nothing to do twice
    # a change of cipher is a rotation too
    aes = ring(active="k2", cipher="aes-256-gcm")
    assert raw(reseal(aes, new, WHERE))[1] == 2 and open_envelope(aes, reseal(aes, new, WHERE), WHERE) == "溪口镇"


def test_the_blind_index_is_keyed_normalised_and_purpose_bound() -> None:
    keyring = ring()
    index = id_number_index(keyring, "33021319400506031x")
    assert index == id_number_index(keyring, " 33021319400506031X ") and len(index) == 64
    assert index != blind_index(os.urandom(32), "person.id_number", "33021319400506031X")
    assert index != blind_index(INDEX, "caregiver.id_number", "33021319400506031X")
    assert "330213" not in index and id_number_placeholder(index) == index[:18]


def test_keys_are_parsed_from_pairs_and_bad_ones_refused() -> None:
    b64 = base64.b64encode(K1).decode()
    keys = parse_data_keys(f"k1:{b64}, k2:{base64.urlsafe_b64encode(K2).decode().rstrip('=')}\n# old\n")
    assert keys == {"k1": K1, "k2": K2}
    for bad in ("k1", f"k1:{b64},k1:{b64}", "k1:tooshort", "k 1:" + b64, "k1:***"):
        with pytest.raises(InvalidInput) as refused:
            parse_data_keys(bad)
        assert refused.value.code == "data_key_invalid"


def test_the_keyring_from_settings_and_its_development_default() -> None:
    dev = build_keyring("")
    assert dev.development and dev.active == DEV_KEY_ID and dev.cipher == "sm4-gcm"
    assert build_keyring("").index_key == dev.index_key  # deterministic: the demo's data reopens
    index = base64.b64encode(INDEX).decode()
    real = build_keyring(f"a:{base64.b64encode(K1).decode()},b:{base64.b64encode(K2).decode()}", index_key=index)
    assert not real.development and real.active == "a" and real.index_key == INDEX
    assert build_keyring(f"a:{base64.b64encode(K1).decode()}", active="a", index_key=index, cipher="aes-256-gcm")
    with pytest.raises(InvalidInput) as refused:
        build_keyring(f"a:{base64.b64encode(K1).decode()}")
    assert refused.value.code == "data_key_invalid"
    with pytest.raises(InvalidInput) as refused:
        build_keyring(f"a:{base64.b64encode(K1).decode()}", active="z", index_key=index)
    assert refused.value.code == "unknown_key_id"
    with pytest.raises(InvalidInput) as refused:
        build_keyring("", cipher="des")
    assert refused.value.code == "unknown_cipher"


def test_phones_are_masked_and_anonymised_numbers_are_no_id_numbers() -> None:
    assert mask_phone("13812345678") == "138****5678" and mask_phone("12345") == "*****"
    assert anonymised_id_number(42) == "ANON00000000000042" and len(anonymised_id_number(42)) == 18


def test_retention_duty() -> None:
    today = date(2026, 12, 6)
    assert retention_duty(RetentionFacts(None, None, 1), today, 5) == "retention_live_care_plan"
    assert retention_duty(RetentionFacts("2021-12", None, 0), today, 5) == "retention_settlement_records"
    assert retention_duty(RetentionFacts("2021-11", None, 0), today, 5) is None
    assert retention_duty(RetentionFacts("2021-11", date(2022, 1, 3), 0), today, 5) == "retention_settlement_records"
    assert retention_duty(RetentionFacts(None, None, 0), today, 5) is None
