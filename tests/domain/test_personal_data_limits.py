"""The envelope, the keys, the blind index, the masks and the retention rule at their limits."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ltc.domain.errors import InvalidInput
from ltc.domain.personal_data import (
    DEV_KEY_ID,
    Keyring,
    PersonalDataError,
    RetentionFacts,
    build_keyring,
    envelope_key_id,
    id_number_index,
    location,
    mask_phone,
    open_envelope,
    parse_data_keys,
    reseal,
    retention_duty,
    seal,
)

# Fixed keys and nonces: every envelope below is the same on every run.
K1 = bytes(range(32))
K2 = bytes(range(100, 132))
INDEX = bytes(range(200, 232))
NONCE = bytes(12)
WHERE = location("person", "phone", 1)


def ring(cipher: str = "sm4-gcm", active: str = "k1", index_key: bytes = INDEX, **keys: bytes) -> Keyring:
    return Keyring(keys=keys or {"k1": K1, "k2": K2}, active=active, cipher=cipher, index_key=index_key)  # type: ignore[arg-type]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(envelope: str) -> bytes:
    return base64.urlsafe_b64decode(envelope + "=" * (-len(envelope) % 4))


def envelope_by_hand(secret: bytes, key_id: str, cipher: str, nonce: bytes, plain: bytes, where: bytes) -> str:
    """The envelope as the module's docstring lays it out, built from the primitives alone."""
    subkey = HKDF(
        algorithm=hashes.SHA256(),
        length={"sm4-gcm": 16, "aes-256-gcm": 32}[cipher],
        salt=None,
        info=f"ltc personal data {cipher}".encode(),
    ).derive(secret)
    header = bytes((1, {"sm4-gcm": 1, "aes-256-gcm": 2}[cipher], len(key_id))) + key_id.encode()
    associated = header + b"|" + where
    if cipher == "aes-256-gcm":
        body = AESGCM(subkey).encrypt(nonce, plain, associated)
    else:
        encryptor = Cipher(algorithms.SM4(subkey), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(associated)
        body = encryptor.update(plain) + encryptor.finalize() + encryptor.tag
    return b64(header + nonce + body)


def refused_code(call, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(PersonalDataError) as refused:
        call(*args)
    return refused.value.code


# --------------------------------------------------------------------------- the envelope's format


@pytest.mark.parametrize(
    ("cipher", "plain"),
    # values whose envelope text ends in 'X', in '-' / '_' territory, or needs one or two '=' of padding
    [("aes-256-gcm", "138000000055"), ("sm4-gcm", "138000000007"), ("sm4-gcm", "溪口镇"), ("aes-256-gcm", "a")],
)
def test_an_envelope_is_byte_for_byte_the_documented_format(cipher: str, plain: str) -> None:
    """Stored envelopes must reopen in every later version: the subkey derivation, the header,
    the associated data and the unpadded text are fixed."""
    keyring = ring(cipher=cipher)
    expected = envelope_by_hand(K1, "k1", cipher, NONCE, plain.encode(), WHERE)
    assert seal(keyring, plain, WHERE, nonce=NONCE) == expected
    assert open_envelope(keyring, expected, WHERE) == plain


@pytest.mark.parametrize("cipher", ["sm4-gcm", "aes-256-gcm"])
def test_values_of_every_length_reopen_and_their_text_is_never_padded(cipher: str) -> None:
    keyring = ring(cipher=cipher)
    for length in range(1, 25):
        plain = "9" * length
        envelope = seal(keyring, plain, WHERE)
        assert "=" not in envelope
        assert len(unb64(envelope)) == 3 + 2 + 12 + length + 16
        assert open_envelope(keyring, envelope, WHERE) == plain


def test_the_given_nonce_is_the_one_used() -> None:
    keyring = ring()
    first = seal(keyring, "13800001111", WHERE, nonce=NONCE)
    assert seal(keyring, "13800001111", WHERE, nonce=NONCE) == first
    assert unb64(first)[5:17] == NONCE
    assert unb64(seal(keyring, "13800001111", WHERE, nonce=bytes(range(12))))[5:17] == bytes(range(12))


def test_an_envelope_of_nothing_but_header_nonce_and_tag_is_complete() -> None:
    """The shortest envelope the format allows (an empty body) opens; one byte less is refused
    before any key is tried."""
    for cipher in ("sm4-gcm", "aes-256-gcm"):
        shortest = envelope_by_hand(K1, "k1", cipher, NONCE, b"", WHERE)
        assert len(unb64(shortest)) == 3 + 2 + 12 + 16
        assert envelope_key_id(shortest) == "k1"
        assert open_envelope(ring(cipher=cipher), shortest, WHERE) == ""
        assert refused_code(envelope_key_id, b64(unb64(shortest)[:-1])) == "ciphertext_invalid"


def test_an_envelope_cut_at_every_boundary_is_refused_with_its_code() -> None:
    keyring = ring()
    full = unb64(seal(keyring, "x", WHERE, nonce=NONCE))  # 3 + 2 (k1) + 12 + 1 + 16 = 34 bytes
    assert len(full) == 34
    for length in (1, 2):  # version, cipher: no length of the key id yet
        assert refused_code(envelope_key_id, b64(full[:length])) == "envelope_version_unknown"
        assert refused_code(open_envelope, keyring, b64(full[:length]), WHERE) == "envelope_version_unknown"
    # the key id's length, the key id, the nonce, the tag: all cut short
    for length in range(3, 33):
        assert refused_code(envelope_key_id, b64(full[:length])) == "ciphertext_invalid", length
        assert refused_code(reseal, keyring, b64(full[:length]), WHERE) == "ciphertext_invalid", length
        assert refused_code(open_envelope, keyring, b64(full[:length]), WHERE) == "ciphertext_invalid", length
    # the whole length, one byte of body short: well formed, but its tag does not hold
    assert envelope_key_id(b64(full[:33])) == "k1"
    assert refused_code(open_envelope, keyring, b64(full[:33]), WHERE) == "ciphertext_invalid"


@pytest.mark.parametrize("key_id", ["a", "k" * 32])
def test_key_ids_of_one_and_of_thirty_two_characters_seal_and_open(key_id: str) -> None:
    keyring = Keyring(keys={key_id: K1}, active=key_id, cipher="sm4-gcm", index_key=INDEX)
    envelope = seal(keyring, "溪口镇", WHERE)
    assert unb64(envelope)[2] == len(key_id)
    assert envelope_key_id(envelope) == key_id
    assert open_envelope(keyring, envelope, WHERE) == "溪口镇"


@pytest.mark.parametrize(
    ("header", "why"),
    [
        (bytes((1, 1, 0)), "a key id of no characters"),
        (bytes((1, 1, 33)) + b"k" * 33, "a key id of 33 characters"),
        (bytes((1, 0, 2)) + b"k1", "cipher 0"),
        (bytes((1, 3, 2)) + b"k1", "cipher 3"),
        (bytes((1, 1, 2)) + b"k\xff", "a key id that is not ASCII"),
    ],
)
def test_a_malformed_header_is_refused_even_when_the_envelope_is_long_enough(header: bytes, why: str) -> None:
    envelope = b64(header + bytes(12 + 16 + 8))
    assert refused_code(envelope_key_id, envelope) == "ciphertext_invalid", why
    assert refused_code(open_envelope, ring(), envelope, WHERE) == "ciphertext_invalid", why


def test_text_that_is_no_base64_is_refused_as_no_envelope() -> None:
    for text in ("A", "AAAAA", "é", "溪口镇"):
        assert refused_code(envelope_key_id, text) == "ciphertext_invalid", text
        assert refused_code(open_envelope, ring(), text, WHERE) == "ciphertext_invalid", text


def test_a_body_that_is_no_utf8_is_refused() -> None:
    envelope = envelope_by_hand(K1, "k1", "aes-256-gcm", NONCE, b"\xff\xfe", WHERE)
    assert refused_code(open_envelope, ring(cipher="aes-256-gcm"), envelope, WHERE) == "ciphertext_invalid"


def test_the_empty_value_has_no_key_and_reseals_to_itself() -> None:
    assert envelope_key_id("") == ""
    assert reseal(ring(), "", WHERE) == ""


# --------------------------------------------------------------------------- keys and the keyring


def test_key_ids_at_their_limits() -> None:
    for good in ("a", "k" * 32, "key-2", "2026-01"):
        assert parse_data_keys(f"{good}:{b64(K1)}") == {good: K1}
    for bad in ("", "k" * 33, "k_1", "k.1", "-", "--", "ключ1", "钥1"):
        with pytest.raises(InvalidInput) as refused:
            parse_data_keys(f"{bad}:{b64(K1)}")
        assert refused.value.code == "data_key_invalid", bad
        with pytest.raises(InvalidInput) as refused:
            Keyring(keys={bad: K1}, active=bad, cipher="sm4-gcm", index_key=INDEX)
        assert refused.value.code == "data_key_invalid", bad


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_a_data_key_is_exactly_32_bytes(size: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_data_keys(f"k1:{b64(bytes(size))}")
    assert refused.value.code == "data_key_invalid"
    with pytest.raises(InvalidInput) as refused:
        Keyring(keys={"k1": bytes(size)}, active="k1", cipher="sm4-gcm", index_key=INDEX)
    assert refused.value.code == "data_key_invalid"
    assert parse_data_keys(f"k1:{b64(bytes(32))}") == {"k1": bytes(32)}


def test_keys_are_read_in_either_base64_alphabet_padded_or_not() -> None:
    key = b"\xfb\xef\xbe" * 5 + b"\xff" * 15 + b"\x00\x00"  # '-' and '_' (or '+' and '/') in its text
    url, standard = base64.urlsafe_b64encode(key).decode(), base64.b64encode(key).decode()
    assert "-" in url and "_" in url and "+" in standard and "/" in standard
    for text in (url, url.rstrip("="), standard, standard.rstrip("="), f"  {standard}  "):
        assert parse_data_keys(f"k1:{text}") == {"k1": key}, text


def test_a_key_with_anything_but_base64_in_it_is_refused_and_named() -> None:
    text = base64.b64encode(K1).decode()
    for bad in (text[:20] + "!" + text[20:], text[:20] + "." + text[20:], text + "=="):
        with pytest.raises(InvalidInput) as refused:
            parse_data_keys(f"k1:{b64(K2)}\nk2:{bad}")
        assert refused.value.code == "data_key_invalid"
        assert "'k2'" in refused.value.detail  # which key of the setting is wrong


def test_key_text_separators_comments_and_blank_lines() -> None:
    text = f"# the keys\n\n  k1 : {b64(K1)}  # first # of two\n,,\n k2:{b64(K2)},\n"
    assert parse_data_keys(text) == {"k1": K1, "k2": K2}
    assert parse_data_keys("# none yet\n\n") == {}
    for bad in (f"k1{b64(K1)}", f"k1:{b64(K1)}\nk1 :{b64(K2)}", f"k1:{b64(K1)}:{b64(K2)}", f":{b64(K1)}"):
        with pytest.raises(InvalidInput) as refused:
            parse_data_keys(bad)
        assert refused.value.code == "data_key_invalid", bad


def test_the_active_key_is_the_one_named_or_else_the_first_given() -> None:
    index = b64(INDEX)
    assert build_keyring(f"b:{b64(K2)},a:{b64(K1)}", index_key=index).active == "b"
    chosen = build_keyring(f"b:{b64(K2)},a:{b64(K1)}", active="a", index_key=index)
    assert chosen.active == "a" and envelope_key_id(seal(chosen, "x", WHERE)) == "a"
    assert not chosen.development and chosen.cipher == "sm4-gcm"
    aes = build_keyring(f"a:{b64(K1)}", index_key=index, cipher="aes-256-gcm")
    assert aes.cipher == "aes-256-gcm" and unb64(seal(aes, "x", WHERE))[1] == 2


def test_the_development_keyring_takes_a_configured_index_key_and_names_a_bad_one() -> None:
    dev = build_keyring("", index_key=b64(INDEX))
    assert dev.development and dev.active == DEV_KEY_ID and dev.index_key == INDEX
    assert build_keyring("", active=DEV_KEY_ID, cipher="aes-256-gcm").cipher == "aes-256-gcm"
    with pytest.raises(InvalidInput) as refused:
        build_keyring("", active="k9")
    assert refused.value.code == "unknown_key_id"
    for keys in ("", f"a:{b64(K1)}"):
        with pytest.raises(InvalidInput) as refused:
            build_keyring(keys, index_key="not*base64")
        assert refused.value.code == "data_key_invalid"
        assert refused.value.detail.startswith("the index key")  # the setting to fix


def test_the_blind_index_key_needs_sixteen_bytes() -> None:
    assert ring(index_key=bytes(16)).index_key == bytes(16)
    for size in (0, 15):
        with pytest.raises(InvalidInput) as refused:
            ring(index_key=bytes(size))
        assert refused.value.code == "data_key_invalid"


# --------------------------------------------------------------------------- the blind index


def test_the_id_number_index_is_hmac_sha256_of_the_purpose_and_the_upper_case_number() -> None:
    expected = hmac.new(INDEX, b"person.id_number|33021319400506031X", hashlib.sha256).hexdigest()
    assert id_number_index(ring(), "33021319400506031X") == expected
    assert id_number_index(ring(), " 33021319400506031x\n") == expected


# --------------------------------------------------------------------------- masks and retention


def test_phone_masks_at_their_lengths() -> None:
    assert mask_phone("") == ""
    assert mask_phone("1234567") == "*******"
    assert mask_phone("12345678") == "123*5678"
    assert mask_phone("123456789") == "123**6789"
    assert mask_phone("13812345678") == "138****5678"


def test_retention_ends_with_the_month_retention_years_back() -> None:
    """Cut-off for 2026-12-xx and five years: 2021-12-01, whatever the day of today."""
    for today in (date(2026, 12, 1), date(2026, 12, 31)):
        kept = "retention_settlement_records"
        assert retention_duty(RetentionFacts("2021-12", None, 0), today, 5) == kept
        assert retention_duty(RetentionFacts("2021-11", None, 0), today, 5) is None
        assert retention_duty(RetentionFacts(None, date(2021, 12, 1), 0), today, 5) == kept
        assert retention_duty(RetentionFacts(None, date(2021, 11, 30), 0), today, 5) is None
        assert retention_duty(RetentionFacts(None, date(2021, 12, 2), 0), today, 5) == kept
    today = date(2027, 1, 15)
    assert retention_duty(RetentionFacts("2021-12", date(2021, 12, 31), 0), today, 5) is None
    assert retention_duty(RetentionFacts("2022-01", None, 0), today, 5) == "retention_settlement_records"
    assert retention_duty(RetentionFacts(None, date(2022, 1, 1), 0), today, 5) == "retention_settlement_records"
    assert retention_duty(RetentionFacts(None, None, 1), today, 5) == "retention_live_care_plan"
    assert retention_duty(RetentionFacts(None, None, 2), today, 5) == "retention_live_care_plan"
