"""The password rules (等保 level 3): length, character classes, not the username, not a
recent password, and an age after which the user is asked to change it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ltc.domain.errors import InvalidInput

MAX_PASSWORD_LENGTH = 256


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 10
    # Of lower-case letters, upper-case letters, digits and other characters.
    min_classes: int = 3
    # A new password may not be any of the user's last ``history`` passwords (0: no check).
    history: int = 5
    # Days after a change when the user is asked to change it again (0: never).
    max_age_days: int = 90


def character_classes(password: str) -> int:
    """How many of the four classes the password uses: ASCII lower-case letters, upper-case
    letters, digits, and anything else (punctuation, spaces, Chinese characters …)."""
    return sum(
        (
            any("a" <= c <= "z" for c in password),
            any("A" <= c <= "Z" for c in password),
            any("0" <= c <= "9" for c in password),
            any(not (c.isascii() and c.isalnum()) for c in password),
        )
    )


def check_new_password(password: str, username: str, policy: PasswordPolicy) -> None:
    """Raise ``InvalidInput`` with the first rule the password breaks."""
    if len(password) < policy.min_length:
        raise InvalidInput(f"a password has at least {policy.min_length} characters", code="password_too_short")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"a password has at most {MAX_PASSWORD_LENGTH} characters", code="password_too_long")
    if character_classes(password) < policy.min_classes:
        raise InvalidInput(
            f"a password mixes at least {policy.min_classes} of: lower-case letters, upper-case letters,"
            " digits, other characters",
            code="password_too_simple",
        )
    name = username.strip().casefold()
    if name and name in password.casefold():
        raise InvalidInput("a password may not contain the username", code="password_contains_username")


def reject_reused_password() -> InvalidInput:
    """The error for a new password that is one of the user's recent ones."""
    return InvalidInput("the password was used recently; choose another", code="password_reused")


def password_expires_at(changed_at: datetime, policy: PasswordPolicy) -> datetime | None:
    return None if policy.max_age_days <= 0 else changed_at + timedelta(days=policy.max_age_days)


def password_expired(changed_at: datetime, now: datetime, policy: PasswordPolicy) -> bool:
    """True from the moment the password is ``max_age_days`` old."""
    expires = password_expires_at(changed_at, policy)
    return expires is not None and now >= expires
