"""Exact rational numbers: parsing from file text and formatting for people and machines.

Every weight, bias, bound and capacity in fepproof is a :class:`fractions.Fraction`.
A JSON number literal or a decimal string is the exact decimal it spells (``0.1`` is
1/10, never the nearest binary float); a string ``"p/q"`` is that fraction.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import mpmath

__all__ = ["ExactError", "to_fraction", "fmt_exact", "fmt_decimal", "fraction_from_float"]

_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_RATIO = re.compile(r"^[+-]?\d+\s*/\s*[+-]?\d+$")


class ExactError(ValueError):
    """A value that cannot be read as an exact finite rational."""


def to_fraction(value: object, field: str = "value") -> Fraction:
    """Read ``value`` (int, Fraction, decimal string, ``"p/q"`` string, float) exactly.

    Floats are taken at their exact binary value (they only arrive from ``.npz`` files
    or numpy); strings and JSON literals are read as the decimal they spell.
    """
    if isinstance(value, bool):
        raise ExactError(f"{field}: expected a number, got a boolean")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExactError(f"{field}: {value!r} is not a finite number")
        return Fraction(value)
    if hasattr(value, "dtype") and hasattr(value, "item"):  # numpy scalar
        return to_fraction(value.item(), field)
    if isinstance(value, str):
        text = value.strip()
        low = text.lower().lstrip("+-")
        if low in ("nan", "inf", "infinity"):
            raise ExactError(f"{field}: {value!r} is not a finite number")
        if _DECIMAL.match(text):
            return Fraction(text)
        if _RATIO.match(text):
            num, den = (part.strip() for part in text.split("/"))
            if int(den) == 0:
                raise ExactError(f"{field}: {value!r} has a zero denominator")
            return Fraction(int(num), int(den))
        raise ExactError(f"{field}: cannot read {value!r} as a number")
    raise ExactError(f"{field}: expected a number, got {type(value).__name__}")


def fraction_from_float(x: float) -> Fraction:
    """The exact binary value of a finite float."""
    if not math.isfinite(x):
        raise ExactError(f"{x!r} is not a finite number")
    return Fraction(x)


def fmt_exact(q: Fraction) -> str:
    """``"p/q"`` or ``"p"`` — the machine form used in JSON output."""
    q = Fraction(q)
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def fmt_decimal(q: Fraction, digits: int = 12) -> str:
    """A decimal view with ``digits`` significant digits (rounded to nearest)."""
    q = Fraction(q)
    if q == 0:
        return "0"
    with mpmath.workprec(max(64, 4 * digits)):
        return mpmath.nstr(mpmath.mpf(q.numerator) / q.denominator, digits)
