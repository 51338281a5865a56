"""Personal data at rest: the envelope every encrypted field is stored in, the keyed blind
index that finds a person by id number without storing it, the keyring both come from,
and the retention rule that decides when a person may be anonymised.

Pure: keys, values and days are arguments; nothing here reads the environment or a clock.

The envelope (stored as unpadded URL-safe base64 text, so it fits the same column on SQLite
and PostgreSQL and is never mistaken for a clear value)::

    byte 0        format version (1)
    byte 1        cipher: 1 = SM4-GCM (GB/T 32907, the national standard), 2 = AES-256-GCM
    byte 2        length n of the key id (1..32)
    bytes 3..3+n  the key id (ASCII): which key of the keyring sealed it
    12 bytes      the nonce (random, never reused with a key: 2^96 values)
    the rest      the ciphertext and its 16-byte GCM tag

The associated data is the header (version, cipher, key id) followed by where the value
lives, ``table.column#row key``: a ciphertext copied to another row or column, or a header
byte changed, fails authentication. A key id in the keyring is a 32-byte secret; each cipher
uses a subkey derived from it with HKDF-SHA256 (16 bytes for SM4, 32 for AES-256), so the same
key serves either setting and a subkey of one cipher is never used by the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ltc.domain.errors import DomainError, InvalidInput

ENVELOPE_VERSION = 1
CipherName = Literal["sm4-gcm", "aes-256-gcm"]
CIPHER_IDS: Mapping[str, int] = {"sm4-gcm": 1, "aes-256-gcm": 2}
CIPHER_NAMES: Mapping[int, str] = {number: name for name, number in CIPHER_IDS.items()}
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_KEY_ID = 32
_SUBKEY_BYTES = {"sm4-gcm": 16, "aes-256-gcm": 32}
# The development keys: fixed, public, and so good only for the demo and the tests.
DEV_KEY_ID = "dev"
DEV_DATA_KEY = hashlib.sha256(b"ltc development data key: public, never for real data").digest()
DEV_INDEX_KEY = hashlib.sha256(b"ltc development blind index key: public, never for real data").digest()


class PersonalDataError(DomainError):
    """A stored value that cannot be opened: tampered with, moved, or under an unknown key."""

    code = "ciphertext_invalid"
    title = "A stored personal value cannot be decrypted"


def _subkey(secret: bytes, cipher: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=_SUBKEY_BYTES[cipher],
        salt=None,
        info=f"ltc personal data {cipher}".encode("ascii"),
    ).derive(secret)


def _sm4_seal(key: bytes, nonce: bytes, plain: bytes, associated: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(associated)
    body = encryptor.update(plain) + encryptor.finalize()
    return body + encryptor.tag


def _sm4_open(key: bytes, nonce: bytes, sealed: bytes, associated: bytes) -> bytes:
    body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(associated)
    return decryptor.update(body) + decryptor.finalize()


Sealer = Callable[[bytes, bytes, bytes], bytes]


@dataclass(frozen=True)
class _KeyCiphers:
    seal: Mapping[str, Sealer]
    open: Mapping[str, Sealer]


def _ciphers_for(secret: bytes) -> _KeyCiphers:
    sm4 = _subkey(secret, "sm4-gcm")
    aes = AESGCM(_subkey(secret, "aes-256-gcm"))
    return _KeyCiphers(
        seal={
            "sm4-gcm": lambda nonce, plain, ad: _sm4_seal(sm4, nonce, plain, ad),
            "aes-256-gcm": aes.encrypt,
        },
        open={
            "sm4-gcm": lambda nonce, sealed, ad: _sm4_open(sm4, nonce, sealed, ad),
            "aes-256-gcm": aes.decrypt,
        },
    )


@dataclass(frozen=True)
class Keyring:
    """The data keys by id (the active one seals new values; every one opens what it sealed),
    the cipher new values are sealed with, and the separate key of the blind index."""

    keys: Mapping[str, bytes]
    active: str
    cipher: CipherName
    index_key: bytes
    development: bool = False
    _ciphers: dict[str, _KeyCiphers] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.cipher not in CIPHER_IDS:
            raise InvalidInput(f"unknown cipher {self.cipher}", code="unknown_cipher")
        if self.active not in self.keys:
            raise InvalidInput(f"the active key {self.active!r} is not in the keyring", code="unknown_key_id")
        for key_id, secret in self.keys.items():
            _check_key(key_id, secret)
            self._ciphers[key_id] = _ciphers_for(secret)
        if len(self.index_key) < 16:
            raise InvalidInput("the blind index key needs at least 16 bytes", code="data_key_invalid")

    def ciphers(self, key_id: str) -> _KeyCiphers:
        try:
            return self._ciphers[key_id]
        except KeyError:
            raise PersonalDataError(f"no key {key_id!r} in the keyring", code="unknown_key_id") from None


def _check_key(key_id: str, secret: bytes) -> None:
    if not key_id or len(key_id) > MAX_KEY_ID or not key_id.isascii() or not key_id.replace("-", "").isalnum():
        raise InvalidInput(f"a key id is 1 to {MAX_KEY_ID} letters, digits or '-': {key_id!r}", code="data_key_invalid")
    if len(secret) != KEY_BYTES:
        raise InvalidInput(f"key {key_id!r} must be {KEY_BYTES} bytes, not {len(secret)}", code="data_key_invalid")


def location(table: str, column: str, row_key: object) -> bytes:
    """Where a value lives, bound into its ciphertext."""
    return f"{table}.{column}#{row_key}".encode()


def _header(key_id: str, cipher: str) -> bytes:
    encoded = key_id.encode("ascii")
    return bytes((ENVELOPE_VERSION, CIPHER_IDS[cipher], len(encoded))) + encoded


def seal(keyring: Keyring, plain: str, where: bytes, *, nonce: bytes | None = None) -> str:
    """The envelope of ``plain`` under the active key; the empty string stays empty."""
    if plain == "":
        return ""
    raw = seal_bytes(keyring, plain.encode("utf-8"), where, nonce=nonce)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def seal_bytes(keyring: Keyring, plain: bytes, where: bytes, *, nonce: bytes | None = None) -> bytes:
    """The binary envelope of ``plain`` (a photo, a signature) under the active key."""
    header = _header(keyring.active, keyring.cipher)
    nonce = nonce if nonce is not None else os.urandom(NONCE_BYTES)
    return header + nonce + keyring.ciphers(keyring.active).seal[keyring.cipher](nonce, plain, header + b"|" + where)


@dataclass(frozen=True)
class EnvelopeHeader:
    version: int
    cipher: str
    key_id: str


def _decoded(envelope: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(envelope + "=" * (-len(envelope) % 4))
    except (binascii.Error, ValueError):
        raise PersonalDataError("not an envelope", code="ciphertext_invalid") from None


def _split(envelope: str) -> tuple[EnvelopeHeader, bytes, bytes, bytes]:
    return _split_raw(_decoded(envelope))


def _split_raw(raw: bytes) -> tuple[EnvelopeHeader, bytes, bytes, bytes]:
    if len(raw) < 3 or raw[0] != ENVELOPE_VERSION:
        raise PersonalDataError("unknown envelope version", code="envelope_version_unknown")
    cipher = CIPHER_NAMES.get(raw[1])
    n = raw[2]
    if cipher is None or not 1 <= n <= MAX_KEY_ID or len(raw) < 3 + n + NONCE_BYTES + TAG_BYTES:
        raise PersonalDataError("a malformed envelope", code="ciphertext_invalid")
    header = raw[: 3 + n]
    try:
        key_id = raw[3 : 3 + n].decode("ascii")
    except UnicodeDecodeError:
        raise PersonalDataError("a malformed envelope", code="ciphertext_invalid") from None
    nonce = raw[3 + n : 3 + n + NONCE_BYTES]
    return EnvelopeHeader(raw[0], cipher, key_id), header, nonce, raw[3 + n + NONCE_BYTES :]


def envelope_key_id(envelope: str) -> str:
    """Which key sealed an envelope ('' for an empty value)."""
    return _split(envelope)[0].key_id if envelope else ""


def open_envelope(keyring: Keyring, envelope: str, where: bytes) -> str:
    """The clear value, or a :class:`PersonalDataError` when it was tampered with, moved to
    another row or column, or sealed under a key the keyring does not hold."""
    if envelope == "":
        return ""
    try:
        return open_bytes(keyring, _decoded(envelope), where).decode("utf-8")
    except UnicodeDecodeError:
        raise PersonalDataError("a stored value failed its integrity check", code="ciphertext_invalid") from None


def open_bytes(keyring: Keyring, envelope: bytes, where: bytes) -> bytes:
    """The clear bytes of a binary envelope (see :func:`open_envelope` for its refusals)."""
    info, header, nonce, sealed = _split_raw(envelope)
    try:
        return keyring.ciphers(info.key_id).open[info.cipher](nonce, sealed, header + b"|" + where)
    except (InvalidTag, ValueError):
        raise PersonalDataError("a stored value failed its integrity check", code="ciphertext_invalid") from None


def reseal(keyring: Keyring, envelope: str, where: bytes) -> str:
    """The same value under the active key (unchanged when it is under it already)."""
    if envelope == "":
        return envelope
    info = _split(envelope)[0]
    if info.key_id == keyring.active and info.cipher == keyring.cipher:
        return envelope
    return seal(keyring, open_envelope(keyring, envelope, where), where)


def blind_index(index_key: bytes, purpose: str, value: str) -> str:
    """A keyed hash (HMAC-SHA256, hex) of a normalised value: equal values give equal indexes,
    and without the key the index says nothing about the value, not even by guessing ids."""
    normalised = value.strip().upper()
    return hmac.new(index_key, f"{purpose}|{normalised}".encode(), hashlib.sha256).hexdigest()


def id_number_index(keyring: Keyring, id_number: str) -> str:
    return blind_index(keyring.index_key, "person.id_number", id_number)


def normalised_phone(phone: str) -> str:
    """A phone number as it is compared: its digits (and a leading +), without spaces or dashes."""
    text = phone.strip()
    return ("+" if text.startswith("+") else "") + "".join(c for c in text if c.isdigit())


def phone_index(keyring: Keyring, phone: str) -> str | None:
    """The blind index of a phone number (exact lookups), or None for a person without one."""
    number = normalised_phone(phone)
    return blind_index(keyring.index_key, "person.phone", number) if number else None


def id_number_placeholder(index: str) -> str:
    """What the old clear id number column holds now: it keeps its UNIQUE NOT NULL constraint
    (SQLite cannot drop it), so each row needs a distinct value that reveals nothing."""
    return index[:18]


def _decode_key(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip() + "=" * (-len(text.strip()) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{what} is not base64", code="data_key_invalid") from None


def parse_data_keys(text: str) -> dict[str, bytes]:
    """``id:base64key`` pairs separated by commas or new lines (# starts a comment)."""
    keys: dict[str, bytes] = {}
    for raw in text.replace(",", "\n").splitlines():
        item = raw.split("#", 1)[0].strip()
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep:
            raise InvalidInput("a data key is written id:base64key", code="data_key_invalid")
        key_id = key_id.strip()
        if key_id in keys:
            raise InvalidInput(f"key {key_id!r} is given twice", code="data_key_invalid")
        keys[key_id] = _decode_key(encoded, f"key {key_id!r}")
        _check_key(key_id, keys[key_id])
    return keys


def build_keyring(keys_text: str, *, active: str = "", index_key: str = "", cipher: str = "sm4-gcm") -> Keyring:
    """The keyring from the configured text; with no keys configured, the public development
    keys (the demo and the tests), marked so production can refuse them."""
    keys = parse_data_keys(keys_text)
    if not keys:
        return Keyring(
            keys={DEV_KEY_ID: DEV_DATA_KEY},
            active=active or DEV_KEY_ID,
            cipher=cipher,  # type: ignore[arg-type]
            index_key=_decode_key(index_key, "the index key") if index_key else DEV_INDEX_KEY,
            development=True,
        )
    if not index_key:
        raise InvalidInput("data keys need their blind index key (LTC_DATA_INDEX_KEY)", code="data_key_invalid")
    return Keyring(
        keys=keys,
        active=active or next(iter(keys)),
        cipher=cipher,  # type: ignore[arg-type]
        index_key=_decode_key(index_key, "the index key"),
    )


# --------------------------------------------------------------------------- lifecycle


def mask_phone(phone: str) -> str:
    """What everyone but the bureau sees of a phone number: its first three and last four."""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


@dataclass(frozen=True)
class RetentionFacts:
    """What about a person still obliges the bureau to keep their data."""

    last_settled_period: str | None  # YYYY-MM of their latest settlement line, if any
    last_posting_on: date | None  # the latest ledger entry about them, if any
    live_care_plans: int


def retention_duty(facts: RetentionFacts, today: date, retention_years: int) -> str | None:
    """Why the person's data must be kept (a stable code), or None when it may be anonymised.
    Money records are kept ``retention_years`` after the month they settle; a live care plan
    is a live relationship."""
    if facts.live_care_plans:
        return "retention_live_care_plan"
    cutoff = date(today.year - retention_years, today.month, 1)
    if facts.last_settled_period is not None:
        year, month = (int(part) for part in facts.last_settled_period.split("-"))
        if date(year, month, 1) >= cutoff:
            return "retention_settlement_records"
    if facts.last_posting_on is not None and facts.last_posting_on >= cutoff:
        return "retention_settlement_records"
    return None


def anonymised_id_number(person_id: int) -> str:
    """A value that stands where the id number was: unique, and no valid id number."""
    return f"ANON{person_id:014d}"
