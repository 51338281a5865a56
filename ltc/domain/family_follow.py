"""What a family holds to follow an application without an account, and what it is shown.

The application's reference is quoted with the person's id number; both must match. A page
then carries a short-lived signed token instead (no id number in a URL). Names are shown
only as far as the family needs them. Pure: keys, times and randomness are arguments or
``secrets``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

# A reference read out on the phone: no 0/O, 1/I/L.
REFERENCE_LETTERS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
APPLICATION_PREFIX = "SQ"  # 申请
TOKEN_LIFETIME = timedelta(minutes=30)


def application_reference(day: date) -> str:
    """``SQ`` + the day + eight letters: unguessable, unlike the row id."""
    return f"{APPLICATION_PREFIX}{day:%y%m%d}" + "".join(secrets.choice(REFERENCE_LETTERS) for _ in range(8))


def normalise_reference(text: str) -> str:
    return "".join((text or "").split()).upper()


def same_secret(given: str, known: str) -> bool:
    """A comparison whose time does not tell how much of ``given`` was right."""
    return hmac.compare_digest(given.encode("utf-8"), known.encode("utf-8"))


def given_name(full_name: str) -> str:
    """A caregiver's given name: the name without its (one-character) family name."""
    name = full_name.strip()
    return name[1:] if len(name) > 1 else name


def masked_name(full_name: str) -> str:
    """The person's name as the follow page shows it: the first character, the rest hidden."""
    name = full_name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def monthly_answer_key(person_id: int, day: date) -> str:
    """A family answers the satisfaction question at most once per person and month."""
    return f"family:{person_id}:{day:%Y-%m}"


@dataclass(frozen=True, slots=True)
class FollowGrant:
    """What a valid token lets its holder read: one application, until ``expires``."""

    application_id: int
    expires: datetime


def _mac(key: bytes, body: str) -> str:
    digest = hmac.new(key, b"follow:" + body.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def sign_grant(key: bytes, application_id: int, now: datetime) -> str:
    body = f"{application_id}.{int((now + TOKEN_LIFETIME).timestamp())}"
    return f"{body}.{_mac(key, body)}"


def read_grant(key: bytes, token: str, now: datetime) -> FollowGrant | None:
    """The grant a token carries, or None when it is forged, malformed or expired."""
    parts = (token or "").split(".")
    # ASCII digits only: str.isdigit() also takes '²' or '٣', which the MAC cannot encode.
    if len(parts) != 3 or not all(re.fullmatch(r"[0-9]{1,20}", part) for part in parts[:2]):
        return None
    body = f"{parts[0]}.{parts[1]}"
    if not same_secret(parts[2], _mac(key, body)):
        return None
    expires = datetime.fromtimestamp(int(parts[1]), tz=now.tzinfo)
    if expires <= now:
        return None
    return FollowGrant(application_id=int(parts[0]), expires=expires)
