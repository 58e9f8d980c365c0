"""Exact rational numbers: parsing from file text and formatting for people and machines.

Every weight, bias, bound and capacity in fepproof is a :class:`fractions.Fraction`.
A JSON number literal or a decimal string is the exact decimal it spells (``0.1`` is
1/10, never the nearest binary float); a string ``"p/q"`` is that fraction.

Limits (README, "Number limits"): every number must have a float64 view, so a nonzero
value's magnitude lies in [2^-1074, max float64] (:data:`MIN_ABS`, :data:`MAX_ABS`), and
its written form has at most :data:`MAX_DIGITS` digits (mantissa, numerator, denominator
each) and ASCII digits only.  The magnitude is estimated from the literal's exponent
*before* any big integer is built, so ``1e999999999`` is refused at once.
"""

from __future__ import annotations

import math
import re
import sys
from fractions import Fraction

import mpmath
import numpy as np

__all__ = ["ExactError", "to_fraction", "fmt_exact", "fmt_decimal", "short_exact",
           "fraction_from_float",
           "check_range", "JsonNumber", "MAX_DIGITS", "MAX_ABS", "MIN_ABS"]

MAX_DIGITS = 1000
"""Most digits in a written number's mantissa (or in p, or in q, of ``"p/q"``).

1000 holds the exact decimal expansion of every float64 (at most 767 significant digits)."""
MAX_ABS = Fraction(sys.float_info.max)
"""Largest magnitude: the largest finite float64 (about 1.798e308)."""
MIN_ABS = Fraction(1, 2**1074)
"""Smallest nonzero magnitude: the smallest positive float64 (subnormal, about 4.9e-324)."""

# ASCII digits only: ``\d`` would accept "１" (fullwidth one) and other Unicode digits.
_DECIMAL = re.compile(r"^([+-]?)(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?$")
_RATIO = re.compile(r"^([+-]?[0-9]+)\s*/\s*([+-]?[0-9]+)$")
_RANGE = "a nonzero magnitude must lie in the float64 range [2^-1074 ~ 4.94e-324, 1.798e308]"


class JsonNumber(str):
    """A JSON number literal kept as its text, read exactly (with the limits) later."""


class ExactError(ValueError):
    """A value that cannot be read as an exact finite rational."""


def _show(text: str) -> str:
    """A short quotation of (possibly huge) input text for an error message."""
    return repr(text if len(text) <= 40 else text[:20] + "..." + text[-10:])


def check_range(q: Fraction, field: str = "value") -> Fraction:
    """``q`` itself if it is 0 or its magnitude lies in [MIN_ABS, MAX_ABS]; else ExactError."""
    if not q:
        return q
    log2 = abs(q.numerator).bit_length() - q.denominator.bit_length()  # log2|q| within 1
    if -1070 < log2 < 1020:
        return q
    if not MIN_ABS <= abs(q) <= MAX_ABS:
        raise ExactError(f"{field}: {fmt_short(q)} is out of range ({_RANGE})")
    return q


def fmt_short(q: Fraction) -> str:
    """A few significant digits of ``q`` for messages, even when float(q) would overflow."""
    if q == 0:
        return "0"
    with mpmath.workprec(64):
        return mpmath.nstr(mpmath.mpf(q.numerator) / q.denominator, 6)


def _approx(text: str, sign: str, digits: str, shift: int, exp: str | None) -> str:
    """The value ``sign digits e(exp - shift)`` as 1.0e+999999999 (mpmath reads huge
    exponents at 64 bits, fast); the quoted text when even the exponent is absurdly long."""
    exp_digits = (exp or "").lstrip("+-").lstrip("0")
    if len(exp_digits) > 30:
        return _show(text)
    e = (-1 if exp and exp[0] == "-" else 1) * int(exp_digits or "0") - shift
    with mpmath.workprec(64):
        return mpmath.nstr(mpmath.mpf(f"{sign}{digits}e{e}"), 6)


def _decimal(text: str, m: re.Match[str], field: str) -> Fraction:
    sign, whole, frac, only_frac, exp = m.groups()
    digits = (whole or "") + (frac or only_frac or "")
    nfrac = len(frac or only_frac or "")
    stripped = digits.lstrip("0")
    if not stripped:
        return Fraction(0)  # 0, 0.000, 0e999999999: zero whatever the exponent
    if len(stripped) > MAX_DIGITS:
        raise ExactError(f"{field}: {_show(text)} has more than {MAX_DIGITS} digits")
    exp_digits = (exp or "").lstrip("+-").lstrip("0")
    if len(exp_digits) > 6:
        raise ExactError(f"{field}: {_approx(text, sign, stripped, nfrac, exp)} is out of "
                         f"range ({_RANGE})")
    e = (-1 if exp and exp[0] == "-" else 1) * int(exp_digits or "0")
    # value = 0.d1d2... * 10^lead with d1 != 0; reject from the exponent alone.
    lead = len(whole or "") - (len(digits) - len(stripped)) + e
    if lead > 310 or lead < -325:
        raise ExactError(f"{field}: {_approx(text, sign, stripped, nfrac, exp)} is out of "
                         f"range ({_RANGE})")
    q = Fraction(int(stripped) * 10 ** max(e - len(frac or only_frac or ""), 0),
                 10 ** max(len(frac or only_frac or "") - e, 0))
    return check_range(-q if sign == "-" else q, field)


def to_fraction(value: object, field: str = "value") -> Fraction:
    """Read ``value`` (int, Fraction, decimal string, ``"p/q"`` string, float) exactly.

    Floats are taken at their exact binary value (they only arrive from ``.npz`` files
    or numpy); strings and JSON literals are read as the decimal they spell.  Every
    result obeys the number limits (module docstring); otherwise ExactError names
    ``field``.
    """
    if isinstance(value, bool):
        raise ExactError(f"{field}: expected a number, got a boolean")
    if isinstance(value, Fraction):
        return check_range(value, field)
    if isinstance(value, int):
        if value.bit_length() > 1100:
            raise ExactError(f"{field}: an integer of {value.bit_length()} bits is out of "
                             f"range ({_RANGE})")
        return check_range(Fraction(value), field)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExactError(f"{field}: {value!r} is not a finite number")
        return Fraction(value)
    if isinstance(value, str):
        return _from_text(value, field)
    if hasattr(value, "dtype") and hasattr(value, "item"):  # numpy scalar
        if hasattr(value, "as_integer_ratio") and not isinstance(value.item(), (int, float)):
            # long double: its exact binary value, then the float64 range
            if not np.isfinite(value):
                raise ExactError(f"{field}: {value!r} is not a finite number")
            return check_range(Fraction(*value.as_integer_ratio()), field)
        item = value.item()
        if hasattr(item, "dtype"):
            raise ExactError(f"{field}: cannot read a {value.dtype} value as a number")
        return to_fraction(item, field)
    raise ExactError(f"{field}: expected a number, got {type(value).__name__}")


def _from_text(value: str, field: str) -> Fraction:
    text = value.strip()
    low = text.lower().lstrip("+-")
    if low in ("nan", "inf", "infinity"):
        raise ExactError(f"{field}: {value!r} is not a finite number")
    m = _DECIMAL.match(text)
    if m:
        return _decimal(text, m, field)
    m = _RATIO.match(text)
    if m:
        num, den = m.groups()
        if max(len(num.lstrip("+-")), len(den.lstrip("+-"))) > MAX_DIGITS:
            raise ExactError(f"{field}: {_show(text)} has more than {MAX_DIGITS} digits")
        if int(den) == 0:
            raise ExactError(f"{field}: {value!r} has a zero denominator")
        return check_range(Fraction(int(num), int(den)), field)
    if not text.isascii() and any(ch.isdigit() for ch in text):
        raise ExactError(f"{field}: cannot read {_show(value)} as a number "
                         "(only ASCII digits 0-9 are numbers)")
    raise ExactError(f"{field}: cannot read {_show(value)} as a number")


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


def short_exact(v: Fraction) -> str:
    """A rational for a one-line message: exact when short, else a rounded decimal."""
    text = fmt_exact(v)
    return text if len(text) <= 40 else fmt_decimal(v)
