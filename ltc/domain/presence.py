"""Proof of presence (上门在场证明): the presence card in each beneficiary's home, and what a
check-in or check-out's code proves at the event's own time.

The card is paper, so what it carries is static. It carries two things, both from one secret
per person (a TOTP secret, RFC 6238: HMAC-SHA1, 30-second steps, 6 digits):

* **A QR code** holding ``ltc-presence:1:<person id>:<base32 secret>``. The caregiver's app
  scans it at check-in or check-out and computes, on the phone and offline, the 6-digit time
  code for the event's own time; it sends only those digits as ``presence_code`` and keeps
  nothing of the secret. The server checks the code for the event's time ``at`` (one step of
  drift either side is accepted), so an event kept offline verifies when it arrives. A code
  computed for one time does not verify an event claiming another, so a scan proves the
  card was read for that event, not merely once.
* **A household code**: 6 printed digits derived from the same secret, not time-based, for
  typing when the camera cannot read the card (or for the family to tell at check-out). It
  proves the card was seen, less strongly than a scan; the event records which of the two
  matched, so the bureau can weigh them.

A copied card stops proving anything once the agency rotates it: a rotation ends the old
secret's validity at that instant and starts a new one. An event is checked against the
secrets valid at its own time, so an offline event from before the rotation still verifies
with the old card, and one after it only with the new card. The code itself is never stored:
only the outcome (:data:`PRESENCE_OUTCOMES`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pyotp

from ltc.domain.errors import InvalidInput

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # a code of the step before or after the event's time still verifies
CARD_SCHEME = "ltc-presence"
CARD_VERSION = "1"
SECRET_LENGTH = 32  # base32 characters: 160 bits, the HMAC-SHA1 key size RFC 4226 recommends

NO_CODE = ""  # the event carried no code
TIME_CODE = "time_code"  # the card's QR scanned: the time code of the event's time
HOUSEHOLD_CODE = "household_code"  # the printed household code typed
INVALID = "invalid"  # a code that matches neither for the event's time
PRESENCE_OUTCOMES: tuple[str, ...] = (TIME_CODE, HOUSEHOLD_CODE, INVALID)
PROVEN: frozenset[str] = frozenset({TIME_CODE, HOUSEHOLD_CODE})

_CODE = re.compile(r"^[0-9]{6}$")
_HOUSEHOLD_LABEL = b"ltc-presence household code"


@dataclass(frozen=True, slots=True)
class CardSecret:
    """One generation of a person's card: its secret and when it proves presence
    (``valid_from`` inclusive, ``valid_until`` exclusive; None: the card in use)."""

    secret: str
    valid_from: datetime
    valid_until: datetime | None = None

    def valid_at(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)


def check_secret(secret: str) -> str:
    """A base32 TOTP secret as stored (upper case, no padding)."""
    text = secret.strip().upper().rstrip("=")
    try:
        base64.b32decode(text + "=" * (-len(text) % 8), casefold=False)
    except ValueError:
        raise InvalidInput("not a base32 secret", code="invalid_presence_secret") from None
    if len(text) < 16:
        raise InvalidInput("a presence secret has at least 80 bits", code="invalid_presence_secret")
    return text


def time_code(secret: str, at: datetime) -> str:
    """The card's time code for a moment (what the app computes after scanning the QR)."""
    return str(pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(at.timestamp()))


def household_code(secret: str) -> str:
    """The card's printed, static code: 6 digits of an HMAC of the secret, so it changes
    with every rotation and says nothing about the time codes."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, _HOUSEHOLD_LABEL, hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**DIGITS:0{DIGITS}d}"


def card_payload(person_id: int, secret: str) -> str:
    """What the card's QR code holds."""
    return f"{CARD_SCHEME}:{CARD_VERSION}:{person_id}:{secret}"


def parse_card_payload(text: str) -> tuple[int, str]:
    """The person id and secret a scanned card holds (the inverse of :func:`card_payload`)."""
    parts = text.strip().split(":")
    if len(parts) != 4 or parts[0] != CARD_SCHEME or parts[1] != CARD_VERSION or not parts[2].isdigit():
        raise InvalidInput("not a presence card", code="invalid_presence_card")
    return int(parts[2]), check_secret(parts[3])


def is_code(text: str) -> bool:
    return bool(_CODE.match(text))


def presence_outcome(code: str | None, at: datetime, secrets: Sequence[CardSecret]) -> str:
    """What an event's code proves at the event's own time ``at``: :data:`NO_CODE` when none
    was given, :data:`TIME_CODE` when it is the time code of a card valid then (±1 step),
    :data:`HOUSEHOLD_CODE` when it is the household code of a card valid then, else
    :data:`INVALID`."""
    if code is None or code.strip() == "":
        return NO_CODE
    code = code.strip()
    if not is_code(code):
        return INVALID
    valid = [s for s in secrets if s.valid_at(at)]
    moment = at.timestamp()
    for card in valid:
        totp = pyotp.TOTP(card.secret, digits=DIGITS, interval=STEP_SECONDS)
        if totp.verify(code, for_time=moment, valid_window=DRIFT_STEPS):
            return TIME_CODE
    for card in valid:
        if hmac.compare_digest(household_code(card.secret), code):
            return HOUSEHOLD_CODE
    return INVALID


def rotated(secrets: Sequence[CardSecret], new_secret: str, at: datetime) -> tuple[CardSecret, ...]:
    """The card's generations after a rotation at ``at``: the one in use ends at ``at`` and
    the new one starts then. Earlier generations keep their validity."""
    ended = tuple(
        CardSecret(s.secret, s.valid_from, at) if s.valid_until is None or s.valid_until > at else s for s in secrets
    )
    return (*ended, CardSecret(check_secret(new_secret), at, None))
