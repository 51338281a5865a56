"""Money is exact: integer fen (分) everywhere, rounded at one documented place (DOMAIN §6).

* An amount is an ``int`` of fen. Floats are refused with ``TypeError`` wherever money or
  a rate enters, so binary fractions can never creep into a sum.
* A rate (the fund's share, a deduction share, a fraction of an hour) is a ``Decimal`` or
  an exact ``Fraction`` (or an ``int``).
* **The one rounding place is :func:`share_fen`**: ``amount × rate`` computed exactly and
  rounded *half up* to the whole fen (half away from zero for a negative amount, as
  ``decimal.ROUND_HALF_UP`` does, so ``share_fen(-a, r) == -share_fen(a, r)``). Every
  other amount is derived from rounded ones by integer addition and subtraction — e.g.
  :func:`split` gives the person ``amount − fund share`` so the two always add up.
* :func:`round_half_up` is the integer primitive beneath it (``numerator / denominator``
  rounded half up); outside money it is used only for non-money ratios (months payable).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache

from ltc.domain.errors import InvalidInput

Rate = Decimal | Fraction | int

_YUAN = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$")


def check_fen(value: object, name: str = "amount_fen") -> int:
    """Return ``value`` if it is an int of fen; floats (and bools) raise ``TypeError``."""
    if type(value) is int:  # the common case, before the general checks
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int of fen, not {type(value).__name__}")
    return value


def _as_fraction(rate: object) -> Fraction:
    if isinstance(rate, bool) or not isinstance(rate, Decimal | Fraction | int):
        raise TypeError(f"a rate must be a Decimal, Fraction or int, not {type(rate).__name__}")
    if isinstance(rate, Decimal) and not rate.is_finite():
        raise InvalidInput(f"rate {rate} is not a finite number", code="invalid_rate")
    return Fraction(rate)


def _ratio(rate: object) -> tuple[int, int]:
    """The rate as ``(numerator, denominator)`` in lowest terms, the denominator positive
    (the few rates in use converted once)."""
    if type(rate) is Fraction:  # already in lowest terms (and slow to hash)
        return rate.numerator, rate.denominator
    try:
        return _cached_ratio(rate)
    except TypeError:  # not hashable (a list, a signalling NaN): let the checks say what it is
        exact = _as_fraction(rate)
        return exact.numerator, exact.denominator


@lru_cache(maxsize=256, typed=True)  # typed: a float never passes for the int it equals
def _cached_ratio(rate: object) -> tuple[int, int]:
    exact = _as_fraction(rate)
    return exact.numerator, exact.denominator


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest int, halves away from zero."""
    check_fen(numerator, "numerator")
    check_fen(denominator, "denominator")
    if denominator == 0:
        raise ZeroDivisionError("denominator is zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


def share_fen(amount_fen: int, rate: Rate) -> int:
    """THE rounding place: ``amount_fen × rate`` exactly, then half up to the whole fen.

    ``share_fen(1015, Decimal("0.90")) == 914`` (913.5 → 914); ``share_fen(6000,
    Fraction(90, 60)) == 9000`` (90 minutes at 60 yuan an hour)."""
    numerator, denominator = _ratio(rate)
    return round_half_up(check_fen(amount_fen) * numerator, denominator)


def split(amount_fen: int, fund_rate: Rate) -> tuple[int, int]:
    """``(fund_fen, personal_fen)``: the fund's share rounded once, the person's the rest,
    so ``fund + personal == amount`` always. The rate must lie in [0, 1]."""
    numerator, denominator = _ratio(fund_rate)
    if not 0 <= numerator <= denominator:
        raise InvalidInput(f"fund share {fund_rate} is not between 0 and 1", code="invalid_rate")
    fund = share_fen(amount_fen, fund_rate)
    return fund, amount_fen - fund


@lru_cache(maxsize=1024, typed=True)  # a settlement writes the same few prices on every line
def format_yuan(fen: int) -> str:
    """``123456 → "1,234.56"``, ``-5 → "-0.05"`` (thousands separators, two decimals)."""
    check_fen(fen, "fen")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def parse_yuan(text: str | Decimal | int) -> int:
    """Yuan as written (``"12.30"``, ``"1,234.5"``, ``"-3"``; a Decimal; an int of whole yuan)
    to fen. More than two decimals, or anything that is not an amount, is refused with
    ``InvalidInput`` code ``invalid_amount``; a float with ``TypeError``."""
    if isinstance(text, bool | float):
        raise TypeError("an amount must be a str, Decimal or int, never a float")
    if isinstance(text, int):
        return text * 100
    if isinstance(text, Decimal):
        try:
            if not text.is_finite() or text != text.quantize(Decimal("0.01")):
                raise InvalidInput(f"{text} is not an amount with at most two decimals", code="invalid_amount")
        except InvalidOperation as exc:  # too large to quantize
            raise InvalidInput(f"{text} is not an amount", code="invalid_amount") from exc
        return int(text * 100)
    if not isinstance(text, str):
        raise TypeError(f"an amount must be a str, Decimal or int, not {type(text).__name__}")
    match = _YUAN.match(text.strip())
    if match is None:
        raise InvalidInput(f"{text!r} is not an amount in yuan with at most two decimals", code="invalid_amount")
    sign, whole, decimals = match.groups()
    fen = int(whole.replace(",", "")) * 100 + int((decimals or "0").ljust(2, "0"))
    return -fen if sign == "-" else fen
