"""Resident identity numbers (居民身份证号码, GB 11643-1999): 18 characters, a six-digit
region code, the birth date, a three-digit sequence whose parity is the sex, and an
ISO 7064 MOD 11-2 check character."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ltc.domain.errors import InvalidInput

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")
EARLIEST_BIRTH = date(1880, 1, 1)


def check_digit(first17: str) -> str:
    """The check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("the check digit is computed over exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


@dataclass(frozen=True, slots=True)
class IdNumber:
    value: str
    region: str
    birth_date: date
    sex: str  # "M" or "F"


# Why a number is refused, as a code of its own (a report row names it in words).
MALFORMED = "id_number_malformed"
WRONG_CHECK_DIGIT = "id_number_check_digit"
IMPOSSIBLE_BIRTH_DATE = "id_number_birth_date"


def _invalid(reason: str, why: str) -> InvalidInput:
    return InvalidInput(
        f"身份证号码无效：{reason}",
        code="invalid_id_number",
        errors=[{"field": "id_number", "code": "invalid_id_number", "reason": why, "message": reason}],
    )


def refusal_reason(error: InvalidInput) -> str:
    """The reason code of an id number refused by ``parse_id_number``."""
    return next((str(e["reason"]) for e in error.errors if "reason" in e), MALFORMED)


def parse_id_number(raw: str, *, today: date) -> IdNumber:
    """Validate and decompose an id number; a lower-case x is accepted and normalised."""
    value = (raw or "").strip().upper()
    if not _SHAPE.match(value):
        raise _invalid("须为 18 位，前 17 位为数字，末位为数字或 X", MALFORMED)
    if check_digit(value[:17]) != value[17]:
        raise _invalid("校验码不符", WRONG_CHECK_DIGIT)
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise _invalid("出生日期不存在", IMPOSSIBLE_BIRTH_DATE) from None
    if birth < EARLIEST_BIRTH or birth > today:
        raise _invalid("出生日期不合理", IMPOSSIBLE_BIRTH_DATE)
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, region=value[:6], birth_date=birth, sex=sex)


def make_id_number(region: str, birth_date: date, sequence: int, sex: str) -> str:
    """Compose a valid id number; the sequence's last digit is forced to the sex's parity."""
    if len(region) != 6 or not region.isdigit():
        raise ValueError("region must be six digits")
    seq = sequence % 1000
    if (seq % 2 == 1) != (sex == "M"):
        seq = seq + 1 if seq < 999 else seq - 1
    first17 = f"{region}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def mask_id_number(value: str) -> str:
    """What everyone but the bureau sees: the region and the last four characters."""
    if len(value) != 18:
        return "*" * len(value)
    return value[:4] + "*" * 10 + value[-4:]


def age_on(birth_date: date, day: date) -> int:
    """Completed years on `day` (a 29 February birthday counts from 1 March in common years)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
